"""``kinds.api_keys``: validation and the pure plan, with no network."""

from __future__ import annotations

from typing import Any

import pytest

from assay_py.rauthy.errors import RauthyValidationError
from assay_py.rauthy.kinds import api_keys as k
from assay_py.rauthy.kinds.rights import missing_rights

NOW = 1_800_000_000
DAY = 86400


def live(name: str, access: Any, expires: int | None = None) -> dict[str, Any]:
    return {"name": name, "created": NOW - DAY, "expires": expires, "access": access}


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ({"name": "x", "access": {}}, "name", "^[a-zA-Z0-9_/-]{2,24}$"),
        ({"name": "ci.key", "access": {}}, "name", "^[a-zA-Z0-9_/-]{2,24}$"),
        ({"name": "a" * 25, "access": {}}, "name", "{2,24}"),
        ({"name": "ci"}, "access", "required"),
        ({"name": "ci", "access": {"clients": ["read"]}}, "access.clients", "unknown group"),
        ({"name": "ci", "access": {"Clients": ["Read"]}}, "access.Clients", "unknown right"),
        ({"name": "ci", "access": {"Clients": "read"}}, "access.Clients", "list of"),
        (
            {"name": "ci", "access": [{"group": "Clients", "access_rights": ["read"]}] * 2},
            "access[1]",
            "honours only the first",
        ),
        ({"name": "ci", "access": [{"group": "Clients"}]}, "access[0]", "{group, access_rights}"),
        ({"name": "ci", "access": {}, "exp": 1}, "exp", "expires_in: 90d"),
        ({"name": "ci", "access": {}, "expires_in": 90}, "expires_in", "a duration"),
        ({"name": "ci", "access": {}, "expires_in": "90 days"}, "expires_in", "a duration"),
        ({"name": "ci", "access": {}, "expires_in": "30s"}, "expires_in", "between 1m"),
        ({"name": "ci", "access": {}, "expires_in": "4000d"}, "expires_in", "between 1m"),
        ({"name": "ci", "access": {}, "renew_before": "1d"}, "renew_before", "with expires_in"),
        (
            {"name": "ci", "access": {}, "expires_in": "1d", "renew_before": "2d"},
            "renew_before",
            "shorter than expires_in",
        ),
    ],
)
def test_validation_names_field_and_rule(entry: dict[str, Any], field: str, rule: str) -> None:
    found = k.check(entry)
    assert any(f == field and rule in r for f, r in found), found
    with pytest.raises(RauthyValidationError, match="invalid API key"):
        k.plan([entry], [], now=NOW)


def test_durations() -> None:
    assert k.parse_duration("90d") == 90 * DAY
    assert k.parse_duration("2w") == 14 * DAY
    assert k.parse_duration("12h") == 12 * 3600
    assert k.parse_duration("0d") is None
    assert k.parse_duration("1.5d") is None


def test_create_resolves_the_expiry_only_when_sent() -> None:
    entry = {
        "name": "ci",
        "access": {"Scopes": ["read"], "Clients": ["update", "read"]},
        "expires_in": "90d",
    }
    (change,) = k.plan([entry], [], now=NOW)
    assert change.action == "create" and change.mints
    assert change.after == {
        "access": {"Clients": ["read", "update"], "Scopes": ["read"]},
        "expires": "90d after minting",
    }
    # One entry per group, Rauthy's group order, rights in Rauthy's order.
    assert change.body_at(NOW + 5) == {
        "name": "ci",
        "access": [
            {"group": "Clients", "access_rights": ["read", "update"]},
            {"group": "Scopes", "access_rights": ["read"]},
        ],
        "exp": NOW + 5 + 90 * DAY,
    }
    never = k.plan([{"name": "ci", "access": {}}], [], now=NOW)[0]
    assert "exp" not in never.body_at(NOW)


def test_list_form_and_mapping_form_plan_the_same() -> None:
    listed = {"name": "ci", "access": [{"group": "Users", "access_rights": ["read"]}]}
    mapped = {"name": "ci", "access": {"Users": ["read"]}}
    row = live("ci", [{"group": "Users", "access_rights": ["read"]}])
    assert [
        c.action
        for c in k.plan(
            [
                listed,
            ],
            [row],
            now=NOW,
        )
    ] == ["noop"]
    assert [c.action for c in k.plan([mapped], [row], now=NOW)] == ["noop"]


def test_a_stable_expiry_is_no_drift_as_time_passes() -> None:
    entry = {"name": "ci", "access": {"Clients": ["read"]}, "expires_in": "90d"}
    row = live("ci", [{"group": "Clients", "access_rights": ["read"]}], NOW + 90 * DAY)
    for later in (NOW, NOW + DAY, NOW + 80 * DAY):
        assert k.plan([entry], [row], now=later)[0].action == "noop"


def test_only_the_first_live_entry_per_group_counts() -> None:
    # Rauthy grants no create here: the second Clients entry is never looked at.
    row = live(
        "ci",
        [
            {"group": "Clients", "access_rights": ["read"]},
            {"group": "Clients", "access_rights": ["create"]},
        ],
    )
    entry = {"name": "ci", "access": {"Clients": ["read", "create"]}}
    (change,) = k.plan([entry], [row], now=NOW)
    assert change.action == "put" and change.drift == ("access",)
    assert change.before["access"] == {"Clients": ["read"]}
    assert change.body_at(NOW)["access"] == [
        {"group": "Clients", "access_rights": ["read", "create"]}
    ]
    assert k.plan([{"name": "ci", "access": {"Clients": ["read"]}}], [row], now=NOW)[0].action == (
        "noop"
    )


def test_an_access_update_keeps_the_live_expiry() -> None:
    # PUT replaces exp: leaving it out would make the key never expire.
    row = live("ci", [], NOW + 10 * DAY)
    entry = {"name": "ci", "access": {"Roles": ["read"]}, "expires_in": "30d"}
    (change,) = k.plan([entry], [row], now=NOW)
    assert change.drift == ("access",) and not change.rotate
    assert change.body_at(NOW + 999)["exp"] == NOW + 10 * DAY


@pytest.mark.parametrize(
    ("entry_extra", "expires", "drift", "rotate", "exp_sent"),
    [
        ({}, NOW + DAY, ("expires",), False, None),  # file says never
        ({"expires_in": "30d"}, None, ("expires",), False, NOW + 30 * DAY),  # expiry turned on
        ({"expires_in": "30d"}, NOW + 60 * DAY, ("expires",), False, NOW + 30 * DAY),  # shortened
        ({"expires_in": "30d"}, NOW - 1, ("expires",), True, NOW + 30 * DAY),  # expired: renewed
        (
            {"expires_in": "30d", "renew_before": "7d"},
            NOW + 6 * DAY,
            ("expires",),
            True,
            NOW + 30 * DAY,
        ),
        ({"expires_in": "30d", "renew_before": "7d"}, NOW + 8 * DAY, (), False, None),
    ],
)
def test_expiry_drift(
    entry_extra: dict[str, Any],
    expires: int | None,
    drift: tuple[str, ...],
    rotate: bool,
    exp_sent: int | None,
) -> None:
    row = live("ci", [{"group": "Clients", "access_rights": ["read"]}], expires)
    entry = {"name": "ci", "access": {"Clients": ["read"]}, **entry_extra}
    (change,) = k.plan([entry], [row], now=NOW)
    assert change.drift == drift
    assert change.rotate is rotate
    assert change.mints is rotate
    if drift:
        assert change.body_at(NOW).get("exp") == exp_sent
    else:
        assert change.action == "noop"


def test_the_key_in_use_is_never_changed() -> None:
    row = live("ansible", [{"group": "Clients", "access_rights": ["read"]}])
    same = {"name": "ansible", "access": {"Clients": ["read"]}}
    assert k.plan([same], [row], now=NOW, in_use="ansible")[0].action == "noop"
    with pytest.raises(RauthyValidationError, match="the key this run authenticates with"):
        k.plan([{**same, "access": {}}], [row], now=NOW, in_use="ansible")
    expired = live("ansible", [{"group": "Clients", "access_rights": ["read"]}], NOW - 5)
    with pytest.raises(RauthyValidationError, match="refusing to change the API key 'ansible'"):
        k.plan([{**same, "expires_in": "1d"}], [expired], now=NOW, in_use="ansible")


def test_prune_deletes_unlisted_keys_but_never_the_key_in_use() -> None:
    rows = [live("ansible", []), live("old", []), live("ci", [])]
    changes = k.plan([{"name": "ci", "access": {}}], rows, prune=True, in_use="ansible", now=NOW)
    by_name = {c.name: c for c in changes}
    assert by_name["old"].action == "delete"
    assert by_name["ansible"].action == "noop"
    assert "never pruned" in by_name["ansible"].warnings[0]
    assert by_name["ci"].action == "noop"
    assert [c.action for c in k.plan([], rows, in_use="ansible", now=NOW)] == []


def test_duplicate_names_are_refused() -> None:
    entry = {"name": "ci", "access": {}}
    with pytest.raises(RauthyValidationError, match="duplicate API key ci"):
        k.plan([entry, entry], [], now=NOW)


def test_granting_api_key_rights_warns_of_escalation() -> None:
    (change,) = k.plan([{"name": "ci", "access": {"ApiKeys": ["create"]}}], [], now=NOW)
    assert "Secrets included" in change.warnings[0]


def test_missing_rights_name_the_version_for_newer_groups() -> None:
    held = {"Clients": frozenset({"read"})}
    missing = missing_rights([("ApiKeys", "read"), ("Clients", "create")], held)
    assert missing[0].startswith("ApiKeys / read (Rauthy 0.36 or later")
    assert missing[1] == "Clients / create"
