"""Lua: ``c.branding`` and ``c.blacklist`` on the emulator, through the real host."""

from __future__ import annotations

import time
from pathlib import Path

from assay_py.emulator import RauthyEmulator

from .test_instance import run

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5"/></svg>'


def test_branding_and_blacklist_with_colon_and_dot_calls(
    rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    logo = tmp_path / "app.svg"
    logo.write_bytes(SVG)
    until = int(time.time()) + 3600
    run(
        rauthy_emulator,
        f"""
c.clients:create({{id = "app", name = "App", confidential = false,
  redirect_uris = {{"https://a/cb"}}}})
local entry = {{client_id = "app", logo = "{logo}", theme = {{light = {{bg = {{1, 2, 3}}}}}}}}
assert.eq(c.branding:reconcile(entry, {{dry_run = true}}).planned, true)
assert.eq(c.branding:reconcile(entry).action, "create")
assert.eq(c.branding.reconcile(entry).action, "noop")
local row = c.branding:get("app")
assert.eq(row.theme.light.bg[3], 3)
assert.eq(row.logo.content_type, "image/svg+xml")
assert.eq(c.branding:get("nope"), nil)
c.branding:update("app", {{logo = false}})
assert.eq(c.branding:get("app").logo, nil)
assert.eq(c.branding:delete("app"), true)
assert.eq(c.branding.delete("app"), false)
local ok, err = pcall(c.branding.create, {{client_id = "app", theme = {{border_radius = "5PX"}}}})
assert.eq(ok, false)
assert.contains(err, "theme.border_radius")

assert.eq(c.blacklist:reconcile({{ip = "203.0.113.7", expires = {until}}}).action, "create")
assert.eq(c.blacklist.reconcile({{ip = "203.0.113.7", expires = {until}}}).action, "noop")
assert.eq(c.blacklist:get("203.0.113.7").exp, {until})
assert.eq(#c.blacklist:list(), 1)
local refused, why = pcall(c.blacklist.create, {{ip = "127.0.0.1", expires = {until}}})
assert.eq(refused, false)
assert.contains(why, "lock this tool")
assert.eq(c.blacklist:delete("203.0.113.7"), true)
local plan = c:plan({{
  branding = {{{{client_id = "app", theme = {{border_radius = "3px"}}}}}},
  blacklist = {{{{ip = "198.51.100.4", expires = {until}}}}},
}})
assert.eq(plan.kinds.branding.items[1].action, "create")
assert.eq(plan.kinds.blacklist.items[1].action, "create")
assert.eq(plan.kinds.blacklist.prune, false)
""",
    )
    assert rauthy_emulator.stored_logo("app") is None
    assert rauthy_emulator.blacklist == {}
