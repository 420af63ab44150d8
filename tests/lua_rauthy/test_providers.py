"""Lua: ``c.providers`` on the emulator (0.36), through the real host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py.emulator import RauthyEmulator

from .test_instance import run

SECRET = "Lua-Google-Upstream-Secret-77"


@pytest.fixture
def head(monkeypatch: pytest.MonkeyPatch) -> Iterator[RauthyEmulator]:
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", SECRET)
    with RauthyEmulator(port=0, version="0.36") as emulator:
        yield emulator


def test_providers_with_colon_and_dot_calls(head: RauthyEmulator) -> None:
    (out,) = run(
        head,
        """
local google = {
  name = "Google", typ = "google", client_id = "1234.apps.googleusercontent.com",
  client_secret = {env = "GOOGLE_CLIENT_SECRET"},
}
assert.eq(c.providers:reconcile(google, {dry_run = true}).action, "create")
assert.eq(c.providers:reconcile(google).action, "create")
assert.eq(c.providers.reconcile(google).action, "noop")
local row = c.providers:get("Google")
assert.eq(row.client_secret, nil)
assert.eq(row.client_secret_set, true)
assert.eq(row.scope[1], "openid")
google.scope = {}
local drift = c.providers:reconcile(google, {dry_run = true})
assert.eq(drift.drift_on, "scope")
google.scope = nil
c.providers:update("Google", {
  name = "Google", typ = "google", client_id = "1234.apps.googleusercontent.com",
  client_secret = {env = "GOOGLE_CLIENT_SECRET"}, auto_onboarding = true,
})
assert.eq(c.providers.get("Google").auto_onboarding, true)
assert.eq(#c.providers:linked_users("Google"), 0)
local found = c.providers:lookup({issuer = c.base_url})
assert.contains(found.token_endpoint, "/oidc/token")
local ok, err = pcall(c.providers.create, {name = "X1", typ = "github", client_id = "a",
  client_secret = "Plain-Literal-9"})
assert.eq(ok, false)
assert.contains(err, "never a literal")
assert.eq(string.find(err, "Plain-Literal-9", 1, true), nil)
assert.eq(c.providers:delete("Google"), true)
assert.eq(#c.providers:list(), 0)
return tostring(row.id)
""",
    )
    assert len(out) == 24


def test_0352_error_is_a_string_saying_why(rauthy_emulator: RauthyEmulator) -> None:
    (err,) = run(
        rauthy_emulator,
        """
local ok, err = pcall(c.providers.list)
assert.eq(ok, false)
return err
""",
    )
    assert "HTTP 401" in err and "need Rauthy 0.36 or later" in err
