"""Lua: ``c.scopes``/``c.attributes``/``c.roles``/``c.groups`` and ``c:plan``/``c:apply`` on
the emulator, through the real host."""

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
        return list(host.run_string(prelude + code))


def test_kinds_with_colon_and_dot_calls(rauthy_emulator: RauthyEmulator) -> None:
    run(
        rauthy_emulator,
        """
assert.eq(c.attributes:reconcile({name = "department", desc = "org unit"}).action, "create")
local r = c.scopes:reconcile({name = "read:billing", attr_include_access = {"department"}})
assert.eq(r.action, "create")
local same = {name = "read:billing", attr_include_access = {"department"}}
assert.eq(c.scopes.reconcile(same).action, "noop")
local cleared = {name = "read:billing", attr_include_access = {}}
local drift = c.scopes:reconcile(cleared, {dry_run = true})
assert.eq(drift.action, "put")
assert.eq(drift.drift_on, "attr_include_access")
assert.eq(drift.planned, true)
assert.eq(c.scopes:get("read:billing").attr_include_access[1], "department")
assert.eq(c.scopes:get("nope:absent"), nil)
assert.eq(c.roles:reconcile({name = "grafana-admin", meta = {team = "ops"}}).action, "create")
assert.eq(c.roles.get("grafana-admin").meta.team, "ops")
c.groups:create({name = "argocd-admins"})
assert.eq(c.groups:delete("argocd-admins"), true)
assert.eq(c.groups.delete("argocd-admins"), false)
local ok, err = pcall(c.scopes.delete, "openid")
assert.eq(ok, false)
assert.contains(err, "built-in")
local ok2, err2 = pcall(function() return c.roles:create({name = "x,rauthy_admin"}) end)
assert.eq(ok2, false)
assert.contains(err2, "','")
""",
    )


def test_plan_and_apply_a_whole_instance(rauthy_emulator: RauthyEmulator) -> None:
    (secret,) = run(
        rauthy_emulator,
        """
local doc = {
  user_attributes = {{name = "department"}},
  scopes = {{name = "read:billing", attr_include_id = {"department"}}},
  roles = {{name = "billing_admin"}},
  groups = {},
  clients = {{id = "reports", confidential = true,
              redirect_uris = {"https://r.example.com/cb"}, scopes = {"openid", "read:billing"}}},
}
local plan = c:plan(doc)
assert.eq(plan.changes, true)
assert.eq(plan.kinds.scopes.items[1].action, "create")
assert.eq(#plan.missing_rights, 0)
local result = c:apply(doc, {parallel = 2})
assert.eq(result.ok, true)
assert.eq(result.kinds.clients.results[1].action, "create")
assert.eq(c.plan(doc).changes, false)
return result.secrets.reports
""",
    )
    assert secret == rauthy_emulator.client_secret("reports")


def test_bad_document_is_a_lua_error_naming_the_entry(rauthy_emulator: RauthyEmulator) -> None:
    (message,) = run(
        rauthy_emulator,
        """
local ok, err = pcall(c.plan, c, {groups = {{name = "fin.team"}}})
assert.eq(ok, false)
return err
""",
    )
    assert "groups[1] 'fin.team': name: must match" in message
