"""``plan(desired, live)``: pure decisions, no network."""

from __future__ import annotations

from typing import Any

import pytest

from assay_py import rauthy
from assay_py.rauthy import client_presets

from .fixtures import live_openbao

HOST = "vault.example.com"


def desired(**changes: Any) -> dict[str, Any]:
    payload = client_presets.openbao(host=HOST)
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


# --- the decision tree -------------------------------------------------------------------------


def test_absent_client_is_created_with_a_create_subset_and_a_complete_put_body() -> None:
    planned = rauthy.plan(desired(), None)
    assert planned.action == "create"
    assert planned.post_body == {
        "id": "openbao",
        "name": "OpenBao",
        "confidential": True,
        "redirect_uris": desired()["redirect_uris"],
        "post_logout_redirect_uris": [f"https://{HOST}"],
    }
    assert planned.put_body == {**desired(), "id": "openbao"}
    assert planned.to_dict() == {"action": "create"}


def test_converged_client_is_noop() -> None:
    planned = rauthy.plan(desired(), live_openbao())
    assert (planned.action, planned.drift, planned.to_dict()) == ("noop", (), {"action": "noop"})


def test_pkce_declared_but_absent_live_rebuilds() -> None:
    planned = rauthy.plan(desired(), live_openbao(challenges=None))
    assert planned.action == "rebuild"
    assert planned.reason == "challenges-drift"
    assert planned.to_dict() == {
        "action": "rebuild",
        "reason": "challenges-drift",
        "drift": ["challenges"],
    }
    assert planned.live == live_openbao(challenges=None)  # the snapshot a rebuild keeps


def test_pkce_declared_and_empty_live_rebuilds() -> None:
    assert rauthy.plan(desired(), live_openbao(challenges=[])).action == "rebuild"


def test_rebuild_put_body_starts_from_rauthy_defaults_not_the_deleted_client() -> None:
    live = live_openbao(challenges=None, client_uri="https://old.example.com")
    planned = rauthy.plan(desired(), live)
    assert "client_uri" not in planned.put_body
    assert planned.put_body == {**desired(), "id": "openbao"}


def test_rebuild_keeps_the_live_values_of_required_fields_the_payload_leaves_out() -> None:
    payload = {k: v for k, v in desired().items() if k not in ("enabled", "access_token_lifetime")}
    live = live_openbao(challenges=None, enabled=False, access_token_lifetime=900)
    planned = rauthy.plan(payload, live)
    assert planned.action == "rebuild"
    assert planned.put_body["enabled"] is False
    assert planned.put_body["access_token_lifetime"] == 900
    assert planned.desired["enabled"] is False  # what the executor creates


def test_other_drift_puts_and_names_the_first_field() -> None:
    planned = rauthy.plan(desired(id_token_alg="RS256"), live_openbao(id_token_alg="EdDSA"))
    assert planned.to_dict() == {
        "action": "put",
        "drift_on": "id_token_alg",
        "drift": ["id_token_alg"],
    }
    assert planned.put_body["id_token_alg"] == "RS256"


def test_drift_is_listed_in_rauthy_response_order_whatever_the_payload_order() -> None:
    payload = dict(reversed(list(desired(force_mfa=True, name="Bao", enabled=False).items())))
    planned = rauthy.plan(payload, live_openbao())
    assert planned.drift == ("name", "enabled", "force_mfa")
    assert planned.to_dict()["drift_on"] == "name"


# --- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "want", "live"),
    [
        ("redirect_uris", ["b", "a"], ["a", "b"]),
        ("flows_enabled", ["refresh_token", "authorization_code"], None),
        ("post_logout_redirect_uris", [], None),
        ("post_logout_redirect_uris", None, None),
        ("post_logout_redirect_uris", [], []),
        ("allowed_origins", None, []),
        ("contacts", [], None),
        ("scopes", ["email", "profile"], ["email", "openid", "profile"]),
        ("scopes", ["email", "email", "openid"], ["email", "openid"]),
        ("default_scopes", [], ["openid"]),
        ("default_scopes", ["openid", "groups"], ["groups", "openid"]),
        ("challenges", [], None),
        ("claims_at_root", ..., False),
    ],
)
def test_normalised_values_are_not_drift(field: str, want: Any, live: Any) -> None:
    if field == "redirect_uris":
        want = [f"https://{HOST}/{x}" for x in want]
        live = [f"https://{HOST}/{x}" for x in live]
    if field == "flows_enabled":
        live = ["authorization_code", "refresh_token"]
    payload = desired(**{field: want}) if want is not ... else desired()
    if field == "challenges":
        live_client = live_openbao(challenges=live)
    else:
        live_client = live_openbao(**{field: live}) if live is not None else live_openbao()
        if live is None:
            live_client.pop(field, None)
        if field == "claims_at_root":
            live_client["claims_at_root"] = live
    assert rauthy.plan(payload, live_client).drift == ()


@pytest.mark.parametrize(
    ("field", "want", "live"),
    [
        ("redirect_uris", ["https://a.example.com/cb"], ["https://b.example.com/cb"]),
        ("redirect_uris", ["https://a.example.com/cb"] * 2, ["https://a.example.com/cb"]),
        ("scopes", ["email", "openid", "phone"], ["email", "openid"]),
        ("enabled", False, True),
        ("auth_code_lifetime", 61, 60),
        ("force_mfa", False, 0),  # a type change is drift, even when Python says 0 == False
        ("name", "Other", "OpenBao"),
    ],
)
def test_real_differences_are_drift(field: str, want: Any, live: Any) -> None:
    planned = rauthy.plan(desired(**{field: want}), live_openbao(**{field: live}))
    assert planned.drift == (field,)


def test_required_field_left_out_is_not_drift_and_keeps_the_live_value() -> None:
    for field in ("enabled", "flows_enabled", "access_token_alg", "id_token_alg",
                  "auth_code_lifetime", "access_token_lifetime", "scopes", "default_scopes",
                  "force_mfa"):  # fmt: skip
        live = live_openbao(access_token_alg="EdDSA", auth_code_lifetime=300, force_mfa=True)
        planned = rauthy.plan(desired(**{field: ...}), live)
        assert field not in planned.drift, field
        assert planned.put_body[field] == live[field], field


def test_required_field_left_out_on_create_gets_rauthy_default() -> None:
    planned = rauthy.plan(desired(access_token_alg=..., scopes=...), None)
    assert planned.put_body["access_token_alg"] == "EdDSA"
    assert planned.put_body["scopes"] == ["openid", "email", "profile", "groups"]


@pytest.mark.parametrize(
    "field", ["allowed_origins", "post_logout_redirect_uris", "challenges", "name"]
)
def test_optional_field_left_out_means_clear_it(field: str) -> None:
    planned = rauthy.plan(desired(**{field: ...}), live_openbao())
    assert planned.action == "put"
    assert planned.drift == (field,)
    assert field not in planned.put_body


def test_optional_field_only_live_knows_is_cleared() -> None:
    planned = rauthy.plan(desired(), live_openbao(client_uri="https://vault.example.com"))
    assert planned.drift == ("client_uri",)
    assert "client_uri" not in planned.put_body


def test_live_fields_we_do_not_know_are_not_drift_and_are_carried_over() -> None:
    live = {**live_openbao(), "future_flag": True}
    assert rauthy.plan(desired(), live).action == "noop"
    planned = rauthy.plan(desired(name="Bao"), live)
    assert planned.put_body["future_flag"] is True


def test_empty_challenges_is_sent_as_omitted() -> None:
    planned = rauthy.plan(desired(challenges=[]), live_openbao())
    assert planned.action == "put"
    assert "challenges" not in planned.put_body


def test_put_body_is_complete_live_then_payload_then_id() -> None:
    live = live_openbao(access_token_alg="EdDSA")
    planned = rauthy.plan(desired(access_token_alg=..., name="Bao"), live)
    expected = {**live, **desired(access_token_alg=..., name="Bao"), "id": "openbao"}
    assert planned.put_body == expected
    assert next(iter(planned.put_body)) == "id"


# --- scopes Rauthy drops -----------------------------------------------------------------------


def test_unknown_scope_is_drift_without_a_scope_table() -> None:
    payload = desired(scopes=["openid", "email", "offline_access"])
    live = live_openbao(scopes=["email", "openid"])
    assert rauthy.plan(payload, live).drift == ("scopes",)


def test_unknown_scope_is_a_warning_not_drift_with_the_scope_table() -> None:
    payload = desired(scopes=["openid", "email", "offline_access"])
    live = live_openbao(scopes=["email", "openid"])
    known = ["email", "openid", "profile", "groups", "address", "phone"]
    planned = rauthy.plan(payload, live, known_scopes=known)
    assert planned.action == "noop"
    assert len(planned.warnings) == 1
    assert "'offline_access'" in planned.warnings[0]
    assert planned.to_dict()["warnings"] == list(planned.warnings)


def test_custom_scope_on_the_server_is_real_drift() -> None:
    payload = desired(scopes=["openid", "email", "tenant"])
    live = live_openbao(scopes=["email", "openid"])
    planned = rauthy.plan(
        payload, live, known_scopes=["email", "openid", "profile", "groups", "tenant"]
    )
    assert (planned.action, planned.warnings) == ("put", ())


# --- other shapes ------------------------------------------------------------------------------


def test_turning_confidential_warns_about_the_new_secret() -> None:
    planned = rauthy.plan(desired(), live_openbao(confidential=False))
    assert planned.action == "put"
    assert any("new secret" in w for w in planned.warnings)


def test_plan_is_a_pure_function_of_its_inputs() -> None:
    payload, live = desired(name="Bao"), live_openbao()
    before = (repr(payload), repr(live))
    assert rauthy.plan(payload, live) == rauthy.plan(payload, live)
    assert (repr(payload), repr(live)) == before


def test_plan_rejects_an_invalid_payload() -> None:
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        rauthy.plan({"id": "x!", "redirect_uri": []}, None)
    fields = [field for field, _ in caught.value.violations]
    assert fields == ["redirect_uri"]


def test_to_dict_values_are_plain_json() -> None:
    import json

    for live in (None, live_openbao(), live_openbao(challenges=None), live_openbao(name="X")):
        out = rauthy.plan(desired(), live).to_dict()
        assert json.loads(json.dumps(out)) == out
