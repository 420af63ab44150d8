"""Tables of cases for each kind's pure ``plan(desired, live)``: no network."""

from __future__ import annotations

from typing import Any

import pytest

from assay_py.rauthy.errors import RauthyValidationError
from assay_py.rauthy.kinds import attributes, groups, roles, scopes


def _actions(changes: list[Any]) -> list[tuple[str, str]]:
    return [(c.action, c.name) for c in changes]


SCOPE_CASES = [
    # (desired, live, expected actions, drift of the first)
    ([{"name": "read:billing"}], [], [("create", "read:billing")], ()),
    (
        [{"name": "read:billing", "attr_include_access": ["department"]}],
        [{"id": "s1", "name": "read:billing", "attr_include_access": ["department"]}],
        [("noop", "read:billing")],
        (),
    ),
    # [""] (every mapped attribute was unknown), [] and absent all mean "no mapping"
    (
        [{"name": "read:billing", "attr_include_access": []}],
        [{"id": "s1", "name": "read:billing", "attr_include_access": [""]}],
        [("noop", "read:billing")],
        (),
    ),
    # mappings are sets: order and duplicates do not matter
    (
        [{"name": "apps", "attr_include_id": ["b1", "a1", "b1"]}],
        [{"id": "s1", "name": "apps", "attr_include_id": ["a1", "b1"]}],
        [("noop", "apps")],
        (),
    ),
    # the comma-joined shape POST answers is understood too
    (
        [{"name": "apps", "attr_include_id": ["b1", "a1"]}],
        [{"id": "s1", "name": "apps", "attr_include_id": "a1,b1"}],
        [("noop", "apps")],
        (),
    ),
    (
        [{"name": "apps"}],
        [{"id": "s1", "name": "apps", "attr_include_access": ["dept"]}],
        [("put", "apps")],
        ("attr_include_access",),
    ),
    (
        [{"name": "apps", "claims_at_root": True}],
        [{"id": "s1", "name": "apps", "claims_at_root": False}],
        [("put", "apps")],
        ("claims_at_root",),
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected", "drift"), SCOPE_CASES)
def test_scope_plan(
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    expected: list[tuple[str, str]],
    drift: tuple[str, ...],
) -> None:
    changes = scopes.plan(desired, live)
    assert _actions(changes) == expected
    assert changes[0].drift == drift


def test_scope_put_addresses_the_live_id_and_sends_a_full_body() -> None:
    [change] = scopes.plan(
        [{"name": "apps", "attr_include_access": ["dept"]}], [{"id": "s1", "name": "apps"}]
    )
    assert change.id == "s1"
    assert change.body == {"scope": "apps", "attr_include_access": ["dept"]}
    assert change.to_dict() == {
        "action": "put",
        "drift_on": "attr_include_access",
        "drift": ["attr_include_access"],
    }


def test_prune_keeps_the_default_scopes() -> None:
    live = [{"id": str(i), "name": n} for i, n in enumerate(sorted(scopes.DEFAULT_SCOPES))]
    live.append({"id": "x", "name": "old:custom"})
    changes = scopes.plan([], live, prune=True)
    assert _actions(changes) == [("delete", "old:custom")]
    assert "every client loses scope 'old:custom'" in changes[0].side_effects[0]


def test_without_prune_nothing_is_deleted() -> None:
    assert scopes.plan([], [{"id": "x", "name": "old:custom"}]) == []


def test_rename_is_create_then_delete() -> None:
    live = [{"id": "a", "name": "read"}, {"id": "b", "name": "read_all"}]
    changes = scopes.plan([{"name": "read_v2", "renamed_from": "read"}, {"name": "read_all"}], live)
    assert _actions(changes) == [("create", "read_v2"), ("delete", "read"), ("noop", "read_all")]
    assert changes[1].id == "a"
    assert changes[0].body == {"scope": "read_v2"}


def test_rename_half_done_finishes_with_the_delete() -> None:
    live = [{"id": "a", "name": "read"}, {"id": "n", "name": "read_v2"}]
    changes = scopes.plan([{"name": "read_v2", "renamed_from": "read"}], live)
    assert _actions(changes) == [("noop", "read_v2"), ("delete", "read")]


def test_rename_already_done_is_noop() -> None:
    changes = scopes.plan(
        [{"name": "read_v2", "renamed_from": "read"}], [{"id": "n", "name": "read_v2"}]
    )
    assert _actions(changes) == [("noop", "read_v2")]


def test_in_place_rename_refused_when_the_old_name_is_part_of_another() -> None:
    live = [{"id": "a", "name": "read"}, {"id": "b", "name": "read_all"}]
    with pytest.raises(RauthyValidationError, match="read_all"):
        scopes.plan([{"name": "reader", "renamed_from": "read", "rename": "in_place"}], live)


def test_in_place_rename_is_one_put_on_the_old_id() -> None:
    live = [{"id": "a", "name": "billing"}]
    [change] = roles.plan(
        [{"name": "finance", "renamed_from": "billing", "rename": "in_place"}], live
    )
    assert (change.action, change.id, change.drift[0]) == ("put", "a", "name")
    assert change.body == {"role": "finance"}


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ({"name": "x"}, "name", "must match"),
        ({"name": "a,rauthy_admin"}, "name", "','"),
        ({"name": "profile", "attr_include_access": ["dept"]}, "attr_include_access", "default"),
        ({"name": "apps", "attr_include_id": ["a.b"]}, "attr_include_id", "must match"),
        ({"name": "apps", "attr_include_id": "dept"}, "attr_include_id", "list"),
        ({"name": "apps", "claims_at_root": "yes"}, "claims_at_root", "boolean"),
        ({"name": "apps", "attr_include": ["dept"]}, "attr_include", "unknown field"),
        ({"name": "apps", "renamed_from": "openid"}, "renamed_from", "built in"),
        ({"name": "apps", "rename": "in_place"}, "rename", "renamed_from"),
    ],
)
def test_scope_validation(entry: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(RauthyValidationError) as caught:
        scopes.plan([entry], [])
    assert any(f == field and rule in r for f, r in caught.value.violations), caught.value


ROLE_GROUP_CASES = [
    ([{"name": "grafana-admin"}], [], [("create", "grafana-admin")]),
    (
        [{"name": "grafana-admin"}],
        [{"id": "r", "name": "grafana-admin"}],
        [("noop", "grafana-admin")],
    ),
    (
        [{"name": "grafana-admin", "meta": {"a": 1, "b": [1, 2]}}],
        [{"id": "r", "name": "grafana-admin", "meta": {"b": [1, 2], "a": 1.0}}],
        [("noop", "grafana-admin")],
    ),
    (
        [{"name": "grafana-admin"}],
        [{"id": "r", "name": "grafana-admin", "meta": {"a": 1}}],
        [("put", "grafana-admin")],
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected"), ROLE_GROUP_CASES)
@pytest.mark.parametrize("kind", [roles, groups])
def test_role_and_group_plans(
    kind: Any,
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    expected: list[tuple[str, str]],
) -> None:
    assert _actions(kind.plan(desired, live)) == expected


def test_prune_keeps_rauthy_admin_and_delegated_admin_roles() -> None:
    live = [
        {"id": "1", "name": "rauthy_admin"},
        {"id": "2", "name": "rauthy_admin:finance"},
        {"id": "3", "name": "admin"},
    ]
    changes = roles.plan([], live, prune=True)
    assert _actions(changes) == [("delete", "admin")]
    assert changes[0].side_effects == ("every user holding role 'admin' loses it",)


def test_delegated_admin_role_earns_a_warning() -> None:
    [change] = roles.plan([{"name": "rauthy_admin:finance"}], [])
    assert "delegated admins of group 'finance'" in change.warnings[0]


def test_group_names_allow_spaces_but_not_dots() -> None:
    assert _actions(groups.plan([{"name": "Finance Team"}], [])) == [("create", "Finance Team")]
    with pytest.raises(RauthyValidationError):
        groups.plan([{"name": "fin.team"}], [])
    assert _actions(roles.plan([{"name": "fin.team"}], [])) == [("create", "fin.team")]


ATTR_CASES = [
    ([{"name": "department"}], [], [("create", "department")], ()),
    (
        [{"name": "department", "desc": "org unit", "default_value": "eng"}],
        [
            {
                "name": "department",
                "desc": "org unit",
                "default_value": "eng",
                "user_editable": False,
            }
        ],
        [("noop", "department")],
        (),
    ),
    (
        [{"name": "department", "user_editable": True}],
        [{"name": "department", "user_editable": False}],
        [("put", "department")],
        ("user_editable",),
    ),
    # left out means cleared (PUT replaces): a live desc is drift
    (
        [{"name": "department"}],
        [{"name": "department", "desc": "org unit", "user_editable": False}],
        [("put", "department")],
        ("desc",),
    ),
    # typ is never changed by PUT, so it is not compared
    (
        [{"name": "email2"}],
        [{"name": "email2", "typ": "Email", "user_editable": False}],
        [("noop", "email2")],
        (),
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected", "drift"), ATTR_CASES)
def test_attribute_plan(
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    expected: list[tuple[str, str]],
    drift: tuple[str, ...],
) -> None:
    changes = attributes.plan(desired, live)
    assert _actions(changes) == expected
    assert changes[0].drift == drift


def test_attribute_put_is_addressed_by_name() -> None:
    [change] = attributes.plan([{"name": "dept", "desc": "a b"}], [{"name": "dept"}])
    assert change.id == "dept"
    assert change.body == {"name": "dept", "desc": "a b", "user_editable": False}


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"name": "dept.code"}, "name"),
        ({"name": "x" * 33}, "name"),
        ({"name": "dept", "desc": "no (parens)"}, "desc"),
        ({"name": "dept", "typ": "Phone"}, "typ"),
        ({"name": "dept", "user_editable": "yes"}, "user_editable"),
        ({"name": "dept", "default_value": float("nan")}, "default_value"),
    ],
)
def test_attribute_validation(entry: dict[str, Any], field: str) -> None:
    with pytest.raises(RauthyValidationError) as caught:
        attributes.plan([entry], [])
    assert [f for f, _ in caught.value.violations] == [field]


def test_claims_at_root_on_an_older_rauthy_is_a_warning_not_endless_drift() -> None:
    [change] = scopes.plan(
        [{"name": "apps", "claims_at_root": True}], [{"id": "s1", "name": "apps"}]
    )
    assert change.action == "noop"
    assert change.warnings == (
        "claims_at_root: needs Rauthy 0.36 or later; this Rauthy ignores it",
    )


def test_twins_in_rauthy_are_named_in_a_warning() -> None:
    live = [{"id": "a", "name": "ops"}, {"id": "b", "name": "ops"}]
    [change] = groups.plan([{"name": "ops"}], live, prune=True)
    assert change.action == "noop"
    assert change.warnings == ("Rauthy holds 2 groups named 'ops'; only the first is managed",)


def test_in_place_role_rename_warns_about_postgres() -> None:
    [change] = roles.plan(
        [{"name": "finance", "renamed_from": "billing", "rename": "in_place"}],
        [{"id": "a", "name": "billing"}],
    )
    assert "Postgres" in change.warnings[0]
