"""The examples for these globals run to the end (they check themselves with assert.*)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from assay_py.host.vm import LuaVM
from tests.builtins.conftest import INSTALLERS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ["log_env.lua", "os_time.lua", "crypto_base64.lua", "yaml_fs.lua"]

# Stands in for the `assert` global until assay_py.host.builtins.assert_ exists.
_ASSERT_STAND_IN = b"""
local function fail(what, msg) error(what .. (msg and (" - " .. tostring(msg)) or ""), 3) end
assert = {
  eq = function(a, b, m) if a ~= b then fail(tostring(a) .. " != " .. tostring(b), m) end end,
  ne = function(a, b, m) if a == b then fail(tostring(a) .. " == " .. tostring(b), m) end end,
  gt = function(a, b, m) if not (a > b) then fail(a .. " is not > " .. b, m) end end,
  not_nil = function(v, m) if v == nil then fail("value is nil", m) end end,
  contains = function(h, n, m)
    if not string.find(h, n, 1, true) then fail(h .. " does not contain " .. n, m) end
  end,
  matches = function(t, p, m) if not string.find(t, p) then fail(t .. " !~ " .. p, m) end end,
}
"""


def _install_assert(vm: LuaVM) -> None:
    try:
        module = importlib.import_module("assay_py.host.builtins.assert_")
    except ModuleNotFoundError:
        vm.lua.execute(_ASSERT_STAND_IN)
    else:
        module.install(vm)


@pytest.mark.parametrize("name", NAMES)
def test_example_runs(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    vm = LuaVM(builtins=())
    for module in INSTALLERS:
        module.install(vm)
    _install_assert(vm)
    vm.lua.execute((EXAMPLES / name).read_bytes(), name=f"@examples/{name}")
    assert f"{name.removesuffix('.lua')}: all checks passed" in capsys.readouterr().err
