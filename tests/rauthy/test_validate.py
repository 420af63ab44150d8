"""Validation before any request: every rule, did-you-mean, and zero requests sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder

GOOD: dict[str, Any] = {
    "id": "app",
    "name": "My App",
    "confidential": True,
    "redirect_uris": ["https://app.example.com/cb"],
}


def rules(payload: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        rauthy.validate_payload(payload, **kwargs)
    return caught.value.violations


def fields(payload: Any) -> list[str]:
    return [field for field, _ in rules(payload)]


def test_a_valid_payload_passes() -> None:
    full = {
        **GOOD,
        "enabled": True,
        "post_logout_redirect_uris": ["https://app.example.com"],
        "allowed_origins": ["https://app.example.com", "http://localhost:8080"],
        "flows_enabled": list(("authorization_code", "client_credentials", "password",
                               "refresh_token", "urn:ietf:params:oauth:grant-type:device_code")),
        "access_token_alg": "RS512",
        "id_token_alg": "EdDSA",
        "auth_code_lifetime": 10,
        "access_token_lifetime": 86400,
        "scopes": ["openid", "Custom.Scope", "a:b/c"],
        "default_scopes": ["openid"],
        "challenges": ["plain", "S256"],
        "force_mfa": False,
        "client_uri": "https://app.example.com",
        "contacts": ["admin@example.com", ""],
        "backchannel_logout_uri": "https://app.example.com/logout",
        "restrict_group_prefix": "team/a b",
        "claims": {"tier": "gold"},
        "claims_at_root": True,
        "allowed_resources": ["https://api.example.com"],
        "default_aud": ["https://api.example.com"],
        "scim": {"bearer_token": "tok", "base_uri": "https://app.example.com/scim",
                 "sync_groups": True},
    }  # fmt: skip
    rauthy.validate_payload(full)
    rauthy.validate_payload({**GOOD, "name": "Émile Zoë 東京"})


def test_not_an_object() -> None:
    assert fields(["id"]) == ["payload"]


def test_id_is_required() -> None:
    assert fields({"confidential": True}) == ["id"]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("redirect_uri", "redirect_uris"),
        ("scope", "scopes"),
        ("challenge", "challenges"),
        ("flows_enable", "flows_enabled"),
        ("client_id", "id"),
        ("pkce", "challenges"),
        ("post_logout_redirect_uri", "post_logout_redirect_uris"),
    ],
)
def test_unknown_field_gets_a_did_you_mean(typo: str, meant: str) -> None:
    ((field, rule),) = rules({**GOOD, typo: []})
    assert field == typo
    assert f"did you mean '{meant}'?" in rule


def test_unknown_field_with_no_close_match_has_no_guess() -> None:
    ((field, rule),) = rules({**GOOD, "zzzzzz": 1})
    assert field == "zzzzzz"
    assert "did you mean" not in rule


def test_secret_field_explains_that_rauthy_mints_secrets() -> None:
    ((field, rule),) = rules({**GOOD, "secret": "x"})
    assert field == "secret"
    assert "get_secret" in rule


BAD_VALUES: list[tuple[str, Any, str]] = [
    ("id", 5, "must be a string"),
    ("id", "a", "must match"),
    ("id", "has space", "must match"),
    ("id", "x" * 257, "must match"),
    ("id", "app\n", "must match"),  # Python's `$` would accept a trailing newline; Rust's not
    ("name", "Immich (mobile)", "no '.', '_', '(' or '/'"),
    ("name", "my_app", "no '.', '_'"),
    ("name", "A", "2-128"),
    ("name", 3, "must be a string"),
    ("confidential", "yes", "must be a boolean"),
    ("confidential", None, "must not be null"),
    ("enabled", 1, "must be a boolean"),
    ("force_mfa", None, "must not be null"),
    ("claims_at_root", "no", "must be a boolean"),
    ("redirect_uris", "https://a.example.com", "must be a list of strings"),
    ("redirect_uris", ["https://a.example.com/a b"], "is not a URI"),
    ("redirect_uris", [""], "is not a URI"),
    ("redirect_uris", [7], "must be a string"),
    ("redirect_uris", ["https://a.example.com/cb\n"], "is not a URI"),
    ("post_logout_redirect_uris", ["https://x.example.com/<"], "is not a URI"),
    ("allowed_origins", ["https://App.example.com"], "is not an origin"),
    ("allowed_origins", ["https://app.example.com/"], "is not an origin"),
    ("allowed_origins", ["ftp://app.example.com"], "is not an origin"),
    ("flows_enabled", [], "must not be empty"),
    ("flows_enabled", ["implicit"], "unknown flow 'implicit'"),
    ("access_token_alg", "rs256", "must be one of RS256, RS384, RS512, EdDSA"),
    ("id_token_alg", "HS256", "must be one of"),
    ("auth_code_lifetime", 9, "between 10 and 300"),
    ("auth_code_lifetime", 301, "between 10 and 300"),
    ("access_token_lifetime", 86401, "between 10 and 86400"),
    ("access_token_lifetime", 60.0, "must be an integer"),
    ("auth_code_lifetime", True, "must be an integer"),
    ("scopes", ["a"], "is not a scope name"),
    ("scopes", ["has space"], "is not a scope name"),
    ("default_scopes", ["x" * 65], "is not a scope name"),
    ("challenges", ["s256"], "unknown challenge 's256'"),
    ("contacts", ["a" * 49], "is not a contact"),
    ("contacts", ["a b"], "is not a contact"),
    ("client_uri", "https://a.example.com/a b", "must be a URI"),
    ("backchannel_logout_uri", "", "must be a URI"),
    ("restrict_group_prefix", "a", "must match"),
    ("claims", [], "must be an object"),
    ("claims", {"k": "v" * 1100}, "at most 1024 bytes"),
    ("allowed_resources", ["bad uri"], "is not a resource URI"),
    ("default_aud", ["bad uri"], "is not a resource URI"),
    ("scim", "x", "must be an object"),
]


@pytest.mark.parametrize(("field", "value", "rule_text"), BAD_VALUES)
def test_each_rule(field: str, value: Any, rule_text: str) -> None:
    found = rules({**GOOD, field: value})
    assert len(found) == 1, found
    reported_field, rule = found[0]
    assert reported_field.split("[")[0] == field
    assert rule_text in rule


def test_list_entries_are_named_by_index() -> None:
    found = rules({**GOOD, "redirect_uris": ["https://ok.example.com", "bad uri"]})
    assert [f for f, _ in found] == ["redirect_uris[1]"]


def test_scim_rules_never_echo_the_bearer_token() -> None:
    token = "super secret token"
    found = rules({**GOOD, "scim": {"bearer_token": token, "base_uri": "https://x", "extra": 1}})
    assert [f for f, _ in found] == ["scim.bearer_token", "scim.sync_groups", "scim.extra"]
    assert token not in repr(found)


def test_optional_fields_may_be_null() -> None:
    rauthy.validate_payload({**GOOD, "name": None, "challenges": None, "allowed_origins": None})


def test_every_violation_is_listed_at_once() -> None:
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        rauthy.validate_payload(
            {"id": "x", "redirect_uri": [], "auth_code_lifetime": 1, "challenges": ["md5"]}
        )
    err = caught.value
    assert [f for f, _ in err.violations] == [
        "redirect_uri",
        "id",
        "auth_code_lifetime",
        "challenges[0]",
    ]
    for field, rule in err.violations:
        assert f"{field}: {rule}" in str(err)


def test_id_rules_per_version() -> None:
    url_id = "https://app.example.com/client"
    rauthy.validate_payload({**GOOD, "id": url_id})  # 0.35.2 accepts URL-like ids
    assert [f for f, _ in rules({**GOOD, "id": url_id}, id_rule="strict")] == ["id"]
    assert [f for f, _ in rules({**GOOD, "id": "MyApp"}, id_rule="legacy")] == ["id"]


# --- nothing is sent for bad input -------------------------------------------------------------

BAD = {"id": "app", "redirect_uri": ["https://app.example.com/cb"], "confidential": True}

CALLS: list[tuple[str, Callable[[rauthy.RauthyClient], object]]] = [
    ("reconcile", lambda c: c.clients.reconcile(BAD)),
    ("reconcile dry-run", lambda c: c.clients.reconcile(BAD, dry_run=True)),
    ("create", lambda c: c.clients.create(BAD)),
    ("put", lambda c: c.clients.put("app", BAD)),
    ("rebuild", lambda c: c.clients.rebuild(BAD)),
    ("put with another id", lambda c: c.clients.put("other", {**GOOD})),
    ("reconcile missing confidential", lambda c: c.clients.reconcile({"id": "app"})),
    ("rotate 0 hours", lambda c: c.clients.rotate_secret("app", cache_current_hours=0)),
    ("rotate 25 hours", lambda c: c.clients.rotate_secret("app", cache_current_hours=25)),
    ("rotate True hours", lambda c: c.clients.rotate_secret("app", cache_current_hours=True)),
    ("delete rauthy", lambda c: c.clients.delete("rauthy")),
]


@pytest.mark.parametrize(("what", "call"), CALLS, ids=[what for what, _ in CALLS])
def test_bad_input_sends_zero_requests(
    rec: Recorder,
    api: rauthy.RauthyClient,
    what: str,
    call: Callable[[rauthy.RauthyClient], object],
) -> None:
    with pytest.raises(rauthy.RauthyValidationError):
        call(api)
    assert rec.requests == []


def test_deleting_the_builtin_client_is_refused_with_a_clear_message(
    api: rauthy.RauthyClient,
) -> None:
    with pytest.raises(rauthy.RauthyValidationError, match="built-in 'rauthy' client"):
        api.clients.delete("rauthy")


# Rauthy's RE_CLIENT_NAME: Latin letters with diacritics, '-', whitespace, and these CJK
# blocks: hiragana 3041-3096, katakana 30A0-30FF and 31F0-31FF, CJK radicals 2E80-2FD5,
# ideographs 3400-4DB5 and 4E00-9FCB, compatibility ideographs F900-FA6A, half-width
# katakana FF66-FF9F and half-width hangul FFA1-FFDC. Full-width Hangul is not in it.
NAMES_RAUTHY_ACCEPTS = [
    "ｱﾌﾟﾘ",  # half-width katakana
    "\uf900\uf901",  # CJK compatibility ideographs
    "\u2e80\u2e81",  # CJK radicals supplement
    "\u31f0\u31f1",  # katakana phonetic extensions
    "\uffa1\uffa2",  # half-width hangul letters
    "ひらがな",
    "東京 App",
]
NAMES_RAUTHY_REJECTS = [
    "서울",  # hangul syllables
    "\u1100\u1101",  # hangul jamo
    "\u3105\u3106",  # bopomofo
    "\u3040\u3041",  # U+3040 is unassigned, outside the hiragana range
    "\u9fcc\u9fcd",  # past the ideographs Rauthy's pattern ends at
    "ab\x1ccd",  # a separator Python's \s matches but Rust's (Unicode White_Space) does not
]


@pytest.mark.parametrize("name", NAMES_RAUTHY_ACCEPTS)
def test_names_rauthy_accepts_pass(name: str) -> None:
    rauthy.validate_payload({**GOOD, "name": name})


@pytest.mark.parametrize("name", NAMES_RAUTHY_REJECTS)
def test_names_rauthy_rejects_fail_before_sending(
    rec: Recorder, api: rauthy.RauthyClient, name: str
) -> None:
    with pytest.raises(rauthy.RauthyValidationError, match="name"):
        api.clients.reconcile({**GOOD, "name": name})
    assert rec.requests == []


def test_scim_group_sync_prefix_may_contain_spaces() -> None:
    # Rauthy checks it with RE_GROUPS, the same rule as restrict_group_prefix.
    scim = {"bearer_token": "tok", "base_uri": "https://app.example.com/scim"}
    rauthy.validate_payload(
        {**GOOD, "scim": {**scim, "sync_groups": True, "group_sync_prefix": "team a"}}
    )


@pytest.mark.parametrize("field", ["allowed_resources", "default_aud"])
def test_resource_indicators_may_not_have_a_fragment(
    rec: Recorder, api: rauthy.RauthyClient, field: str
) -> None:
    # RFC 8707 resources: Rauthy's pattern is RE_URI without '#'.
    with pytest.raises(rauthy.RauthyValidationError, match=field):
        api.clients.reconcile({**GOOD, field: ["https://api.example.com/#part"]})
    assert rec.requests == []
