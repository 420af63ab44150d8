"""Lua: per-user attribute values through ``c.users`` on the emulator."""

from __future__ import annotations

from assay_py.emulator import RauthyEmulator

from .test_instance import run


def test_attribute_values_from_lua_tables(rauthy_emulator: RauthyEmulator) -> None:
    run(
        rauthy_emulator,
        """
c.attributes:create({name = "dept"})
local r = c.users:reconcile({email = "a@b.io", attributes = {dept = "eng"}})
assert.eq(r.action, "create")
assert.eq(c.users:reconcile({email = "a@b.io", attributes = {}}).action, "noop")
local gone = c.users:reconcile({email = "a@b.io", attributes = {dept = ""}})
assert.eq(gone.drift[1], "attributes.dept")
local ok, err = pcall(c.users.create, c.users, {email = "b@b.io", attributes = {nope = 1}})
assert.eq(ok, false)
assert.contains(err, "no user attribute nope is defined")
""",
    )
    assert rauthy_emulator.user_attrs("a@b.io") == {"assay_managed": True}
