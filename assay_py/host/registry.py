"""The Python-backed modules a script can ``require``, by name.

A static table, so that listing modules or missing a ``require`` imports nothing: each
loader (``"package.module:function"``) is imported only when its module is first required.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay_py.host.vm import LuaVM


@dataclass(frozen=True)
class BuiltinModule:
    name: str
    """The name scripts require, e.g. ``"assay.rauthy"``."""
    description: str
    loader: str
    """``"package.module:function"``; the function takes the VM and returns the module value."""


BUILTIN_MODULES: dict[str, BuiltinModule] = {
    module.name: module
    for module in (
        BuiltinModule(
            name="assay.rauthy",
            description=(
                "Rauthy IdP admin client: health, discovery, OAuth2 client CRUD, reconcile, presets"
            ),
            loader="assay_py.host.modules.rauthy:load",
        ),
    )
}

# The globals every script gets without require, for `assay-py modules`.
BUILTIN_GLOBALS: dict[str, str] = {
    "http": "HTTP client: get/post/put/patch/delete, client(opts); table bodies sent as JSON",
    "json": "JSON parse/encode (sorted keys, null -> nil), json.array/json.object markers",
    "assert": "Test assertions: eq, ne, gt, lt, contains, not_nil, matches",
    "log": "Log lines on stderr: info, warn, error",
    "env": "Environment variables: get, set, list",
    "sleep": "Pause the script for some seconds",
    "time": "Current Unix time in seconds (fractional)",
    "os": "time, clock, date, hostname, arch, platform",
    "base64": "Standard base64 encode/decode",
    "crypto": "Hashes, HMAC and random strings",
    "yaml": "YAML parse/parse_all/encode",
    "fs": "Files and folders: read, write, list, stat, glob, ...",
}


def find(name: str) -> BuiltinModule | None:
    """The registry entry for a required name, or None."""
    return BUILTIN_MODULES.get(name)


def load(module: BuiltinModule, vm: LuaVM) -> Any:
    """Import a module's loader and run it for ``vm``; returns the module value."""
    module_path, _, function = module.loader.partition(":")
    loader = getattr(importlib.import_module(module_path), function)
    return loader(vm)
