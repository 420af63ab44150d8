"""Tables of cases for the users and password-policy pure plans: no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assay_py.rauthy.errors import RauthyValidationError
from assay_py.rauthy.kinds import password_policy, users


def _live(email: str, uid: str = "u1", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uid,
        "email": email,
        "language": "en",
        "roles": [],
        "enabled": True,
        "email_verified": False,
        "created_at": 1,
        "account_type": "new",
        "user_values": {},
    }
    row.update(extra)
    return row


def _actions(changes: list[Any]) -> list[tuple[str, str]]:
    return [(c.action, c.name) for c in changes]


CASES = [
    # (desired, live, expected, drift of the first)
    ([{"email": "Ada@Example.com"}], [], [("create", "ada@example.com")], ()),
    # the key is lower-cased on both sides
    ([{"email": "Ada@Example.com"}], [_live("ADA@example.com")], [("noop", "ada@example.com")], ()),
    # roles and groups are sets; Rauthy's table order is not drift
    (
        [{"email": "a@b.io", "roles": ["x1", "admin", "x1"], "groups": ["g2", "g1"]}],
        [_live("a@b.io", roles=["admin", "x1"], groups=["g1", "g2"])],
        [("noop", "a@b.io")],
        (),
    ),
    # [] and no groups are the same
    ([{"email": "a@b.io", "groups": []}], [_live("a@b.io")], [("noop", "a@b.io")], ()),
    # fields the entry leaves out are not managed
    (
        [{"email": "a@b.io"}],
        [_live("a@b.io", given_name="X", enabled=False, roles=["admin"])],
        [("noop", "a@b.io")],
        (),
    ),
    (
        [{"email": "a@b.io", "given_name": "Ada", "enabled": False, "roles": ["admin"]}],
        [_live("a@b.io", given_name="Bea")],
        [("put", "a@b.io")],
        ("given_name", "enabled", "roles"),
    ),
    # preferred_username lives in user_values
    (
        [{"email": "a@b.io", "preferred_username": "ada"}],
        [_live("a@b.io", user_values={"preferred_username": "ada"})],
        [("noop", "a@b.io")],
        (),
    ),
    (
        [{"email": "a@b.io", "user_expires": None}],
        [_live("a@b.io", user_expires=1900000000)],
        [("put", "a@b.io")],
        ("user_expires",),
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected", "drift"), CASES)
def test_user_plan(
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    expected: list[tuple[str, str]],
    drift: tuple[str, ...],
) -> None:
    changes = users.plan(desired, live)
    assert _actions(changes) == expected
    assert changes[0].drift == drift


def test_create_posts_what_post_takes_and_patches_the_rest() -> None:
    entry = {
        "email": "Ada@Example.com",
        "given_name": "Ada",
        "enabled": False,
        "email_verified": True,
        "roles": ["admin"],
        "preferred_username": "ada",
    }
    (change,) = users.plan([entry], [])
    assert change.body == {
        "email": "ada@example.com",
        "language": "en",
        "roles": ["admin"],
        "given_name": "Ada",
    }
    assert change.patch == {
        "put": [{"key": "enabled", "value": False}, {"key": "email_verified", "value": True}],
        "del": [],
    }
    assert change.preferred_username == "ada"
    assert any("e-mails ada@example.com" in s for s in change.side_effects)
    assert any("enabled from the POST" in s for s in change.side_effects)


def test_update_patches_only_the_drifted_fields_and_deletes_cleared_ones() -> None:
    (change,) = users.plan(
        [{"email": "a@b.io", "family_name": None, "roles": ["x1"], "given_name": "Ada"}],
        [_live("a@b.io", given_name="Ada", family_name="King", roles=[])],
    )
    assert change.patch == {"put": [{"key": "roles", "value": ["x1"]}], "del": ["family_name"]}


def test_initial_password_is_a_reference_only_and_never_in_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADA_PW", "Very-Secret-Passw0rd")
    (change,) = users.plan([{"email": "a@b.io", "initial_password": {"env": "ADA_PW"}}], [])
    assert change.password_ref == {"env": "ADA_PW"}
    assert "Very-Secret" not in repr(change) and "Very-Secret" not in str(change.plan_dict())
    (again,) = users.plan(
        [{"email": "a@b.io", "initial_password": {"env": "ADA_PW"}}], [_live("a@b.io")]
    )
    assert again.action == "noop" and "only sent when the user is created" in again.warnings[0]
    with pytest.raises(RauthyValidationError) as literal:
        users.plan([{"email": "a@b.io", "initial_password": "Very-Secret-Passw0rd"}], [])
    assert "never a literal" in str(literal.value) and "Very-Secret" not in str(literal.value)
    with pytest.raises(RauthyValidationError, match="NOPE_PW is not set"):
        users.plan([{"email": "a@b.io", "initial_password": {"env": "NOPE_PW"}}], [])
    pw = tmp_path / "pw"
    pw.write_text("From-A-File-123\n")
    assert users.resolve_password({"file": str(pw)}) == "From-A-File-123"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.io", "language": "EN"}, "language"),
        ({"email": "a@b.io", "given_name": "A<b"}, "given_name"),
        ({"email": "a@b.io", "given_name": "x" * 33}, "given_name"),
        ({"email": "a@b.io", "roles": ["x,rauthy_admin"]}, "roles"),
        ({"email": "a@b.io", "roles": "admin"}, "roles"),
        ({"email": "a@b.io", "user_expires": 5}, "user_expires"),
        ({"email": "a@b.io", "enabled": "yes"}, "enabled"),
        ({"email": "a@b.io", "preferred_username": "-ada"}, "preferred_username"),
        ({"email": "a@b.io", "password": {"env": "X"}}, "password"),
    ],
)
def test_bad_entries_name_the_field(entry: dict[str, Any], field: str) -> None:
    assert field in [f for f, _ in users.check(entry)]


def test_cjk_and_extended_latin_names_pass() -> None:
    assert users.check({"email": "a@b.io", "given_name": "Łukasz", "family_name": "山田"}) == []


PRUNE_CASES = [
    # (mode, live rows, expected actions)
    ("managed", [_live("hand@b.io", "u2")], []),
    ("managed", [_live("made@b.io", "u2", assay_managed=True)], [("delete", "made@b.io")]),
    ("all", [_live("hand@b.io", "u2")], [("delete", "hand@b.io")]),
    (True, [_live("hand@b.io", "u2")], []),  # true reads as managed
    (False, [_live("made@b.io", "u2", assay_managed=True)], []),
    # federated users are created by logins, never pruned
    ("all", [_live("fed@b.io", "u2", auth_provider_id="p1")], []),
    # an admin may go when another admin remains (a hand-made one, under managed)
    (
        "managed",
        [
            _live("made@b.io", "u2", roles=["rauthy_admin"], assay_managed=True),
            _live("hand@b.io", "u3", roles=["rauthy_admin"]),
        ],
        [("delete", "made@b.io")],
    ),
]


@pytest.mark.parametrize(("mode", "live", "expected"), PRUNE_CASES)
def test_prune(mode: Any, live: list[dict[str, Any]], expected: list[tuple[str, str]]) -> None:
    changes = users.plan([{"email": "keep@b.io"}], [_live("keep@b.io"), *live], prune=mode)
    assert _actions(changes[1:]) == expected


def test_the_file_can_hold_the_admin_so_the_live_one_may_go() -> None:
    changes = users.plan(
        [{"email": "new@b.io", "roles": ["rauthy_admin"]}],
        [_live("old@b.io", "u2", roles=["rauthy_admin"])],
        prune="all",
    )
    assert _actions(changes) == [("create", "new@b.io"), ("delete", "old@b.io")]


ADMIN_LOSS = [
    # (desired, live, prune, the reason named)
    ([], [_live("root@b.io", roles=["rauthy_admin"])], "all", "root@b.io is deleted"),
    (
        [],
        [_live("root@b.io", roles=["rauthy_admin"], assay_managed=True)],
        "managed",
        "root@b.io is deleted",
    ),
    (
        [{"email": "root@b.io", "roles": ["admin"]}],
        [_live("root@b.io", roles=["rauthy_admin", "admin"])],
        False,
        "root@b.io loses rauthy_admin",
    ),
    (
        [{"email": "ROOT@b.io", "enabled": False}],
        [_live("root@b.io", roles=["rauthy_admin"])],
        False,
        "root@b.io is disabled",
    ),
    # a disabled admin is no admin: the other one is the last
    (
        [{"email": "root@b.io", "roles": []}],
        [
            _live("root@b.io", roles=["rauthy_admin"]),
            _live("off@b.io", "u2", roles=["rauthy_admin"], enabled=False),
        ],
        False,
        "root@b.io loses rauthy_admin",
    ),
    # a new user that is created disabled does not take over
    (
        [{"email": "new@b.io", "roles": ["rauthy_admin"], "enabled": False}],
        [_live("root@b.io", roles=["rauthy_admin"])],
        "all",
        "root@b.io is deleted",
    ),
]


@pytest.mark.parametrize(("desired", "live", "prune", "reason"), ADMIN_LOSS)
def test_a_plan_leaving_no_enabled_admin_is_refused(
    desired: list[dict[str, Any]], live: list[dict[str, Any]], prune: Any, reason: str
) -> None:
    with pytest.raises(RauthyValidationError) as refused:
        users.plan(desired, live, prune=prune)
    text = str(refused.value)
    assert "refusing: no enabled user would hold rauthy_admin afterwards" in text
    assert reason in text and "Nothing was changed" in text
    assert refused.value.violations[0][0] == "roles"


ADMIN_KEPT = [
    # another enabled admin stays (unlisted: its live roles count)
    (
        [{"email": "root@b.io", "roles": []}],
        [
            _live("root@b.io", roles=["rauthy_admin"]),
            _live("two@b.io", "u2", roles=["rauthy_admin"]),
        ],
        False,
    ),
    # the entry leaves roles and enabled out: the live ones are kept
    (
        [{"email": "root@b.io", "given_name": "Root"}],
        [_live("root@b.io", roles=["rauthy_admin"])],
        "all",
    ),
    # no admin now: nothing to lose
    ([], [_live("plain@b.io")], "all"),
    # the only admin is federated: never pruned
    ([], [_live("fed@b.io", roles=["rauthy_admin"], auth_provider_id="p1")], "all"),
]


@pytest.mark.parametrize(("desired", "live", "prune"), ADMIN_KEPT)
def test_plans_keeping_an_enabled_admin_pass(
    desired: list[dict[str, Any]], live: list[dict[str, Any]], prune: Any
) -> None:
    users.plan(desired, live, prune=prune)


def test_the_guard_can_be_left_to_a_caller_that_passes_some_users_only() -> None:
    (change,) = users.plan(
        [{"email": "root@b.io", "roles": []}],
        [_live("root@b.io", roles=["rauthy_admin"])],
        admin_guard=False,
    )
    assert change.action == "put"


def test_duplicate_emails_differing_in_case_are_refused() -> None:
    with pytest.raises(RauthyValidationError, match=r"duplicate user a@b\.io"):
        users.plan([{"email": "a@b.io"}, {"email": "A@B.io"}], [])


POLICY = {"length_min": 14, "length_max": 128, "include_digits": 1}


def test_policy_is_asserted_with_the_full_body() -> None:
    (change,) = password_policy.plan(POLICY)
    assert change.action == "put" and change.body == POLICY
    assert change.reason is not None and "asserted" in change.reason
    assert password_policy.plan(None) == []


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"length_max": 64}, "length_min"),
        ({"length_min": 7, "length_max": 64}, "length_min"),
        ({"length_min": 64, "length_max": 32}, "length_min"),
        ({"length_min": 8, "length_max": 64, "include_special": 0}, "include_special"),
        ({"length_min": 8, "length_max": 64, "valid_days": 3651}, "valid_days"),
        ({"length_min": 8, "length_max": 64, "not_recently_used": True}, "not_recently_used"),
        ({"length_min": 8, "length_max": 64, "lenght_max": 3}, "lenght_max"),
    ],
)
def test_policy_rules(policy: dict[str, Any], field: str) -> None:
    assert field in [f for f, _ in password_policy.check(policy)]
    with pytest.raises(RauthyValidationError):
        password_policy.plan(policy)


# --- per-user attribute values ---------------------------------------------------------------


def test_create_sends_the_stated_attribute_values_and_shows_them() -> None:
    entry = {"email": "a@b.io", "attributes": {"dept": "finance", "level": 3, "gone": None}}
    (change,) = users.plan([entry], [])
    assert change.attributes == {"dept": "finance", "level": 3}
    assert change.patch is None  # values have their own route, not the PATCH
    shown = {c["field"]: c["after"] for c in change.plan_dict()["changes"]}
    assert shown["attributes.dept"] == "finance" and shown["attributes.level"] == 3
    assert "attributes.gone" not in shown


ATTRIBUTE_CASES = [
    # (stated, live values, expected drift, expected values to PUT)
    ({"dept": "finance"}, {"dept": "finance", "other": 1}, (), None),  # unlisted keys untouched
    ({"level": 3}, {"level": 3.0}, (), None),  # JSON equality
    ({"meta": {"a": 1, "b": 2}}, {"meta": {"b": 2, "a": 1}}, (), None),
    ({"dept": None}, {}, (), None),  # null means absent
    ({"dept": ""}, {}, (), None),  # so does "" (Rauthy deletes on "")
    ({"dept": "hr"}, {"dept": "finance"}, ("attributes.dept",), {"dept": "hr"}),
    ({"dept": "hr"}, {}, ("attributes.dept",), {"dept": "hr"}),
    ({"dept": None}, {"dept": "finance"}, ("attributes.dept",), {"dept": None}),
    ({"dept": ""}, {"dept": "finance"}, ("attributes.dept",), {"dept": None}),
    ({}, {"dept": "finance"}, (), None),
]


@pytest.mark.parametrize(("stated", "values", "drift", "sent"), ATTRIBUTE_CASES)
def test_attribute_values_compare_per_stated_key(
    stated: dict[str, Any], values: dict[str, Any], drift: tuple[str, ...], sent: Any
) -> None:
    (change,) = users.plan(
        [{"email": "a@b.io", "attributes": stated}], [_live("a@b.io", attributes=values)]
    )
    assert change.drift == drift
    assert change.attributes == sent
    assert change.action == ("put" if drift else "noop")
    if drift:
        assert change.patch is None
        (item,) = change.plan_dict()["changes"]
        assert (item["before"], item["after"]) == (values.get("dept"), stated["dept"] or None)


def test_a_live_row_without_its_values_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="lacks its attribute values"):
        users.plan([{"email": "a@b.io", "attributes": {"dept": "x"}}], [_live("a@b.io")])


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        (["dept"], "attributes"),
        ({"d": 1}, "attributes.d"),
        ({"dept.code": 1}, "attributes.dept.code"),
        ({"assay_managed": False}, "attributes.assay_managed"),
        ({"dept": {1, 2}}, "attributes.dept"),
    ],
)
def test_bad_attribute_values_name_the_field(attributes: Any, field: str) -> None:
    assert field in [f for f, _ in users.check({"email": "a@b.io", "attributes": attributes})]


def test_attribute_names_are_the_values_given() -> None:
    entry = {"email": "a@b.io", "attributes": {"b": 1, "a": "x", "c": None, "d": ""}}
    assert users.attribute_names(entry) == ["a", "b"]
