"""The ``env`` global: ``env.get(name)``, ``env.set(name, value)``, ``env.list()``.

``env.get`` looks in the table ``env._check_env`` first (YAML check mode injects a check's
``env`` there), then in the process environment; under a policy, ``env.get`` and ``env.list``
see only the keys it lets scripts see. Names and values are Lua strings; they map to the OS
environment through UTF-8 with ``surrogateescape``, so no byte is lost.
"""

from __future__ import annotations

import os

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import arg_str, no_values
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _process_get(raw_name: Any = None) -> str | None:
    return os.environ.get(arg_str(raw_name, 1))


def _policed(visible: Callable[[str], bool]) -> tuple[Callable[..., Any], Callable[[], Any]]:
    # Under a policy a hidden key reads as absent, not as an error: its presence is itself
    # something the script should not learn.
    def process_get(raw_name: Any = None) -> str | None:
        name = arg_str(raw_name, 1)
        return os.environ.get(name) if visible(name) else None

    def list_visible() -> list[dict[str, str]]:
        return [entry for entry in _list() if visible(entry["key"])]

    return process_get, list_visible


def _set(raw_name: Any = None, raw_value: Any = None) -> None:
    name = arg_str(raw_name, 1)
    if raw_value is None:
        os.environ.pop(name, None)
        return
    value = arg_str(raw_value, 2)
    try:
        os.environ[name] = value
    except ValueError as exc:  # '=' or NUL in the name, NUL in the value
        raise ValueError(f"env.set: cannot set {name!r}: {exc}") from None


def _list() -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(os.environ.items())]


def install(vm: LuaVM) -> None:
    env = vm.table()
    process_get, list_all = _process_get, _list
    if vm.policy is not None:
        process_get, list_all = _policed(vm.policy.env_visible)

    def get(raw_name: Any = None) -> Any:
        # The global, read at each call: a table kept from install time could belong to a
        # coroutine long gone (see LuaVM).
        table: Any = vm.get_global("env")
        check_env: Any = None
        if lupa_engine().lua_type(table) == "table":
            check_env = table[b"_check_env"]
        if lupa_engine().lua_type(check_env) == "table" and raw_name is not None:
            injected = check_env[raw_name]
            if injected is not None:
                return injected
        return process_get(raw_name)

    env[b"get"] = vm.function(get)
    env[b"set"] = vm.function(no_values(_set))
    env[b"list"] = vm.function(list_all)
    env[b"_process_get"] = vm.function(process_get)
    env[b"_check_env"] = vm.table()  # as the original: present and empty until a check fills it
    vm.set_global("env", env)
