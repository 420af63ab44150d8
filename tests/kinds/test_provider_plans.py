"""Tables of cases for the upstream-provider pure plan and its validation: no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assay_py.rauthy.errors import RauthyValidationError
from assay_py.rauthy.kinds import providers
from assay_py.rauthy.kinds._secret_ref import SecretValue

SECRET = "Upstream-Secret-Value-0123456789"
OTHER = "Second-Upstream-Value-987"


def _live(name: str = "Google", pid: str = "p1", **extra: Any) -> dict[str, Any]:
    """A ProviderResponse as Rauthy serves a Google provider made from the UI's lookup."""
    row: dict[str, Any] = {
        "id": pid,
        "name": name,
        "typ": "google",
        "enabled": True,
        "issuer": "https://accounts.google.com",
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks_endpoint": None,
        "client_id": "1234.apps.googleusercontent.com",
        "client_secret": SECRET,
        "scope": "openid+profile+email",
        "admin_claim_path": None,
        "admin_claim_value": None,
        "mfa_claim_path": None,
        "mfa_claim_value": None,
        "use_pkce": True,
        "client_secret_basic": True,
        "client_secret_post": False,
        "auto_onboarding": False,
        "auto_link": False,
    }
    row.update(extra)
    return row


def _google(**extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "Google",
        "typ": "google",
        "client_id": "1234.apps.googleusercontent.com",
        "client_secret": SecretValue(SECRET),
    }
    entry.update(extra)
    return entry


CASES = [
    # (desired, live, expected actions, drift of the first)
    ([_google()], [], [("create", "Google")], ()),
    # the preset fills every field the UI's Google lookup fills: no drift
    ([_google()], [_live()], [("noop", "Google")], ()),
    # '+'-joined scope served back is the same set as the file's words, in any order
    ([_google(scope="email openid  profile")], [_live()], [("noop", "Google")], ()),
    ([_google(scope=["profile", "openid", "email"])], [_live()], [("noop", "Google")], ()),
    ([_google(scope=["openid"])], [_live()], [("put", "Google")], ("scope",)),
    # the secret is compared by value: another value is drift, named but never shown
    (
        [_google(client_secret=SecretValue(OTHER))],
        [_live()],
        [("put", "Google")],
        ("client_secret",),
    ),
    # a live secret the file drops is drift too (the PUT erases it)
    (
        [_google(client_secret=None)],
        [_live()],
        [("put", "Google")],
        ("client_secret",),
    ),
    ([_google()], [_live(client_secret=None)], [("put", "Google")], ("client_secret",)),
    # every left-out field is the type's default, so a live difference is drift
    (
        [_google()],
        [_live(auto_link=True, enabled=False)],
        [("put", "Google")],
        ("enabled", "auto_link"),
    ),
    # an empty optional served as "" is the same as none
    ([_google()], [_live(jwks_endpoint="")], [("noop", "Google")], ()),
    # renamed_from renames in place (users link by id): one PUT, no delete
    (
        [_google(name="Google Workspace", renamed_from="Google")],
        [_live()],
        [("put", "Google Workspace")],
        ("name",),
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected", "drift"), CASES)
def test_plan_table(
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    expected: list[tuple[str, str]],
    drift: tuple[str, ...],
) -> None:
    changes = providers.plan(desired, live)
    assert [(c.action, c.name) for c in changes] == expected
    assert changes[0].drift == drift
    _assert_no_secret(changes)


def _assert_no_secret(changes: list[Any]) -> None:
    for change in changes:
        shown = json.dumps([change.plan_dict(), change.to_dict()]) + repr(change) + str(change)
        assert SECRET not in shown and OTHER not in shown


def test_secret_drift_is_shown_hidden() -> None:
    (change,) = providers.plan([_google(client_secret=SecretValue(OTHER))], [_live()])
    row = {c["field"]: c for c in change.plan_dict()["changes"]}
    assert row["client_secret"]["before"] == providers.HIDDEN
    assert row["client_secret"]["after"] == providers.HIDDEN_NEW
    # a PUT always carries the secret: leaving it out would erase it
    assert change.body is not None and isinstance(change.body["client_secret"], SecretValue)
    assert change.body["client_secret"].reveal() == OTHER


def test_put_of_other_drift_still_carries_the_secret() -> None:
    (change,) = providers.plan([_google(enabled=False)], [_live()])
    assert change.action == "put" and change.drift == ("enabled",)
    assert change.body is not None and change.body["client_secret"].reveal() == SECRET
    assert change.body["scope"] == "openid profile email"
    assert set(change.body) == {"name", *providers.FIELDS}


def test_prune_deletes_unlisted_but_never_atproto() -> None:
    live = [
        _live(),
        _live("Old", "p2"),
        _live("ATProto", "p3", issuer="atproto", typ="custom", client_secret=None),
    ]
    changes = providers.plan([_google()], live, prune=True)
    assert [(c.action, c.name) for c in changes] == [("noop", "Google"), ("delete", "Old")]
    assert any("Postgres" in e for e in changes[1].side_effects)
    linked = providers.with_linked(changes[1], ["ada@example.com"])
    assert "ada@example.com" in linked.side_effects[0]
    _assert_no_secret(changes)
    assert providers.plan([_google()], live) == changes[:1]


def test_live_twins_are_warned_of_and_the_first_managed() -> None:
    (change,) = providers.plan([_google()], [_live(), _live(pid="p2", enabled=False)])
    assert change.action == "noop" and change.id == "p1"
    assert "2 providers named 'Google'" in change.warnings[0]


def test_reference_secret_is_resolved_from_env_and_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", SECRET)
    (change,) = providers.plan([_google(client_secret={"env": "GOOGLE_CLIENT_SECRET"})], [_live()])
    assert change.action == "noop"
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    (change,) = providers.plan([_google(client_secret={"file": str(path)})], [_live()])
    assert change.action == "noop"


PRESET_CASES = [
    ("github", "github.com", ["user:email"], False, True),
    ("google", "https://accounts.google.com", ["openid", "profile", "email"], True, False),
]


@pytest.mark.parametrize(("typ", "issuer", "scope", "pkce", "post"), PRESET_CASES)
def test_presets_fill_as_rauthys_ui(
    typ: str, issuer: str, scope: list[str], pkce: bool, post: bool
) -> None:
    entry = {"name": "P1", "typ": typ, "client_id": "abc", "client_secret": SecretValue("s")}
    (change,) = providers.plan([entry], [])
    assert change.body is not None
    assert change.body["issuer"] == issuer and change.body["scope"] == " ".join(scope)
    assert change.body["use_pkce"] is pkce and change.body["client_secret_post"] is post
    assert change.body["client_secret_basic"] is True and change.body["enabled"] is True


BAD = [
    # (entry, field, words in the rule)
    ({"typ": "google", "client_id": "x"}, "name", "2-128"),
    ({**_google(), "name": "Google (mobile)"}, "name", "2-128"),
    ({**_google(), "typ": "saml"}, "typ", "one of custom, github, google, oidc"),
    ({"name": "Corp", "typ": "oidc", "client_id": "x", "use_pkce": True}, "issuer", "required"),
    ({**_google(), "issuer": "https://accounts.google.com/ x"}, "issuer", "must be a string"),
    ({**_google(), "jwks_endpoint": ""}, "jwks_endpoint", "leave it out"),
    ({**_google(), "issuer": "atproto"}, "issuer", "reserved"),
    ({**_google(), "scope": "openid+email"}, "scope", "no '+'"),
    ({**_google(), "scope": ["x" * 600]}, "scope", "at most 512"),
    ({**_google(), "enabled": "yes"}, "enabled", "boolean"),
    ({**_google(), "client_secret": "literal-secret"}, "client_secret", "never a literal"),
    ({**_google(), "client_secret": {"env": "NOT_SET_ANYWHERE_X"}}, "client_secret.env", "not set"),
    ({**_google(), "client_secret": SecretValue("s" * 257)}, "client_secret", "at most 256"),
    ({**_google(), "client_secret": None, "use_pkce": False}, "use_pkce", "confidential or PKCE"),
    ({**_google(), "client_secret_basic": False}, "client_secret", "client_secret_basic or"),
    ({**_google(), "redirect_uri": "x"}, "redirect_uri", "unknown field"),
]


@pytest.mark.parametrize(("entry", "field", "words"), BAD)
def test_bad_entries_are_refused_naming_field_and_rule(
    entry: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(RauthyValidationError) as refused:
        providers.plan([entry], [])
    assert any(f == field and words in rule for f, rule in refused.value.violations), (
        refused.value.violations
    )
    assert "literal-secret" not in str(refused.value)


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(RauthyValidationError, match="duplicate provider 'Google'"):
        providers.plan([_google(), _google()], [])


def test_secret_value_never_shows() -> None:
    value = SecretValue(SECRET)
    assert SECRET not in repr(value) + str(value) + f"{value}" + repr({"s": value})
    with pytest.raises(TypeError):
        json.dumps(value)
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(value)
    assert value == SecretValue(SECRET) and value != SecretValue("other")
    row = providers.normalise_row(_live())
    assert SECRET not in repr(row)
    assert "client_secret" not in providers.public_row(row)
