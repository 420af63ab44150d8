"""What a policed VM gets when it is created: the ``credential`` global, and ``os.getenv``
filtered like ``env.get`` (the ``env`` builtin filters itself; see its ``install``)."""

from __future__ import annotations

from assay_py.host.errors import PolicyError

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from typing import Any

    from assay_py.host.policy import Policy
    from assay_py.host.vm import LuaVM

_GETENV = rb"""
local os_table, visible = ...
local getenv = rawget(os_table, "getenv")
if type(getenv) ~= "function" then return end
rawset(os_table, "getenv", function(name)
  if type(name) == "string" and not visible(name) then return nil end
  return getenv(name)
end)
"""


def install(policy: Policy, vm: LuaVM) -> None:
    credentials = policy.credentials

    def get(name: Any = None) -> dict[str, bytes]:
        if not isinstance(name, bytes):
            raise PolicyError("credential.get: name must be a string")
        return credentials.fields(name.decode("utf-8", "replace"))

    vm.set_global("credential", vm.table({"get": vm.function(get)}))

    def visible(name: bytes) -> bool:
        return policy.env_visible(name.decode("utf-8", "surrogateescape"))

    os_table = vm.get_global("os")
    if os_table is not None:
        vm.run_host_chunk(_GETENV, "=[assay policy]", os_table, vm.function(visible))
