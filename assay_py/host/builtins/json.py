"""The ``json`` global: parse, encode, array, object (spec §3.2). The codec is Lua."""

from __future__ import annotations

from assay_py.host.vm import LuaVM


def install(vm: LuaVM) -> None:
    json_table, _raw = vm.json_codec()
    vm.set_global("json", json_table)
