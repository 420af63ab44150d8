"""Lua: ``c.users`` and ``c.password_policy`` on the emulator, through the real host."""

from __future__ import annotations

from pathlib import Path

from assay_py.emulator import RauthyEmulator

from .test_instance import run


def test_users_with_colon_and_dot_calls(rauthy_emulator: RauthyEmulator) -> None:
    run(
        rauthy_emulator,
        """
local r = c.users:reconcile({email = "Ada@Example.com", given_name = "Ada", roles = {}})
assert.eq(r.action, "create")
assert.eq(c.users.reconcile({email = "ada@example.com", given_name = "Ada"}).action, "noop")
local drift = c.users:reconcile({email = "ada@example.com", roles = {"admin"}}, {dry_run = true})
assert.eq(drift.action, "put")
assert.eq(drift.drift_on, "roles")
c.users:update("ada@example.com", {enabled = false})
assert.eq(c.users:get("ADA@example.com").enabled, false)
assert.eq(c.users:get("nobody@example.com"), nil)
assert.eq(#c.users:list(), 1)
assert.eq(c.users:delete("ada@example.com"), true)
assert.eq(c.users.delete("ada@example.com"), false)
local ok, err = pcall(c.users.create, {email = "b@b.io", initial_password = "Plain-Text-1"})
assert.eq(ok, false)
assert.contains(err, "never a literal")
assert.eq(string.find(err, "Plain-Text-1", 1, true), nil)
local put = c.password_policy:put({length_min = 12, length_max = 64})
assert.eq(put.length_min, 12)
assert.eq(c.password_policy.reconcile({length_min = 12, length_max = 64}).action, "assert")
local policy = {length_min = 14, length_max = 99}
local plan = c:plan({users = {{email = "c@b.io"}}, password_policy = policy})
assert.eq(plan.kinds.users.items[1].action, "create")
assert.eq(plan.kinds.password_policy.items[1].action, "assert")
""",
    )
    assert [m["to"] for m in rauthy_emulator.mails] == ["ada@example.com"]
    assert rauthy_emulator.password_policy["length_max"] == 64


def test_api_keys_from_lua() -> None:
    with RauthyEmulator(version="0.36") as emu:
        out = run(
            emu,
            """
local token = c.api_keys:create({name = "ci", access = {Clients = {"read"}}, expires_in = "90d"})
assert.eq(string.sub(token, 1, 3), "ci$")
assert.eq(c.api_keys.get("ci").access[1].group, "Clients")
local same = {name = "ci", access = {Clients = {"read"}}, expires_in = "90d"}
assert.eq(c.api_keys:reconcile(same).action, "noop")
local users = {{group = "Users", access_rights = {"read"}}}
local put = c.api_keys:reconcile({name = "ci", access = users})
assert.eq(put.action, "put")
local fresh = c.api_keys:rotate("ci")
assert.eq(fresh == token, false)
local ok, err = pcall(c.api_keys.delete, "ansible")
assert.eq(ok, false)
assert.contains(err, "authenticates with")
assert.eq(c.api_keys:test().name, "ansible")
assert.eq(c.api_keys:delete("ci"), true)
assert.eq(#c.api_keys:list(), 1)
return fresh
""",
        )
    assert out[0].startswith("ci$")


def test_api_keys_in_a_whole_instance_from_lua(tmp_path: Path) -> None:
    with RauthyEmulator(version="0.36") as emu:
        out = run(
            emu,
            f"""
local doc = {{api_keys = {{{{name = "ci", access = {{Clients = {{"read"}}}}}}}}}}
local plan = c:plan(doc)
assert.eq(plan.kinds.api_keys.items[1].action, "create")
local done = c:apply(doc, {{secrets_dir = "{tmp_path}"}})
assert.eq(done.ok, true)
return done.secrets["api-key@ci"]
""",
        )
    token = out[0]
    assert token.startswith("ci$")
    assert (tmp_path / "api-key@ci").read_text() == token
