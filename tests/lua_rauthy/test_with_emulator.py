"""Lua scripts against the `rauthy_emulator` fixture, as a user's own test-suite would run them."""

from __future__ import annotations

from typing import Any

from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost


def run(emu: RauthyEmulator, code: str) -> list[Any]:
    prelude = (
        'local rauthy = require("assay.rauthy")\n'
        f'local c = rauthy.client("{emu.url}", "{emu.api_key}")\n'
    )
    with LuaHost() as host:
        return host.run_string(prelude + code)


def test_reconcile_creates_then_noops(rauthy_emulator: RauthyEmulator) -> None:
    (secret,) = run(
        rauthy_emulator,
        """
local payload = rauthy.client_presets.openbao({host = "bao.example.com"})
local planned = c.clients:reconcile(payload, {dry_run = true})
assert.eq(planned.action, "create")
assert.eq(planned.planned, true)
assert.eq(planned.secret, nil)
assert.eq(c.clients:get("openbao"), nil)

local first = c.clients:reconcile(payload)
assert.eq(first.action, "create")
local second = c.clients:reconcile(payload)
assert.eq(second.action, "noop")
return first.secret
""",
    )
    assert secret == rauthy_emulator.client_secret("openbao")


def test_drift_report_lists_every_field(rauthy_emulator: RauthyEmulator) -> None:
    (drift,) = run(
        rauthy_emulator,
        """
local payload = rauthy.client_presets.argocd({host = "cd.example.com"})
c.clients:reconcile(payload)
payload.access_token_lifetime = 900
payload.force_mfa = true
local r = c.clients:reconcile(payload)
assert.eq(r.action, "put")
assert.eq(r.drift_on, "access_token_lifetime")
assert.eq(c.clients:reconcile(payload).action, "noop")
return r.drift
""",
    )
    assert drift == ["access_token_lifetime", "force_mfa"]


def test_rotation_keeps_the_old_secret_for_the_grace_period(
    rauthy_emulator: RauthyEmulator,
) -> None:
    old, new = run(
        rauthy_emulator,
        """
local r = c.clients:reconcile(rauthy.client_presets.outline({host = "wiki.example.com"}))
local new = c.clients:rotate_secret("outline", {cache_current_hours = 1})
assert.ne(new, r.secret)
assert.eq(c.clients:get_secret("outline"), new)
return r.secret, new
""",
    )
    assert rauthy_emulator.valid_client_secrets("outline") == [new, old]


def test_plan_and_apply_many_clients(rauthy_emulator: RauthyEmulator) -> None:
    (minted,) = run(
        rauthy_emulator,
        """
local entries = {
  {preset = "openbao", host = "bao.example.com"},
  {preset = "argocd", host = "cd.example.com", overrides = {access_token_lifetime = 900}},
  {id = "tool", name = "Tool", confidential = false, redirect_uris = {"https://t.example.com/cb"}},
}
local plan = c.clients:plan(entries)
assert.eq(plan.changes, true)
local applied = c.clients:apply(entries, {parallel = 2})
assert.eq(applied.ok, true)
local again = c.clients:plan(entries)
assert.eq(again.changes, false)
local minted = {}
for _, result in ipairs(applied.clients) do
  if result.secret then minted[result.id] = result.secret end
end
return minted
""",
    )
    assert minted == {"openbao": rauthy_emulator.client_secret("openbao")}
    assert rauthy_emulator.get_client("argocd")["access_token_lifetime"] == 900


def test_apply_rejects_unknown_options(rauthy_emulator: RauthyEmulator) -> None:
    run(
        rauthy_emulator,
        """
local ok, err = pcall(function() return c.clients:apply({}, {paralel = 2}) end)
assert.eq(ok, false)
assert.not_nil(string.find(err, "unknown option 'paralel'", 1, true))
""",
    )
    assert rauthy_emulator.request_count() == 0
