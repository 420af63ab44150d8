"""The Python-backed modules a script can ``require``, by name.

A static table, so that listing modules or missing a ``require`` imports nothing: each
loader (``"package.module:function"``) is imported only when its module is first required.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from assay_py.host.vm import LuaVM


class BuiltinModule(NamedTuple):
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


class BuiltinGlobal(NamedTuple):
    name: str
    """The global scripts use, e.g. ``"sleep"``."""
    module: str
    """The module under ``assay_py.host.builtins`` whose ``install(vm)`` defines it."""
    description: str
    kind: Literal["table", "function"] = "table"
    """What the global is: scripts see a table (or a function) of that kind before its module
    is installed, so a global must say which it will be."""
    replaces: tuple[str, ...] = ()
    """Keys of a stock Lua table (e.g. ``os.date``) that the module redefines: they are held
    back until it installs, so their first use installs it (``LuaVM.stock("os.date")``)."""


# The globals every script gets without require. A module is imported, and installs its
# globals, when a script first reads one of them.
BUILTIN_GLOBALS: dict[str, BuiltinGlobal] = {
    g.name: g
    for g in (
        BuiltinGlobal("http", "http", "HTTP: get/post/put/patch/delete, client, download, serve"),
        BuiltinGlobal("json", "json", "JSON parse/encode (sorted keys, null -> nil), array/object"),
        BuiltinGlobal("assert", "assert_", "Assertions: eq ne gt lt contains not_nil matches"),
        BuiltinGlobal("log", "log", "Log lines on stderr: info, warn, error, debug"),
        BuiltinGlobal("env", "env", "Environment variables: get, set, list"),
        BuiltinGlobal("sleep", "clock", "Pause the script for some seconds", "function"),
        BuiltinGlobal("time", "clock", "Current Unix time in seconds (fractional)", "function"),
        BuiltinGlobal(
            "os",
            "os",
            "Lua's os plus hostname, arch, platform; date, time, clock as the original",
            replaces=("date", "time", "clock"),
        ),
        BuiltinGlobal("base64", "base64", "Standard base64 encode/decode"),
        BuiltinGlobal("crypto", "crypto", "Hashes, HMAC and random strings"),
        BuiltinGlobal("yaml", "yaml", "YAML parse/parse_all/encode"),
        BuiltinGlobal("fs", "fs", "Files and folders: read, write, exists, mkdir, list, ..."),
        BuiltinGlobal("shell", "shell", "Run a command through /bin/sh: exec(cmd, opts)"),
        BuiltinGlobal("process", "process", "Processes: list, is_running, kill, spawn, wait"),
        BuiltinGlobal("async", "async_", "Cooperative tasks: spawn(fn), spawn_interval(s, fn)"),
        BuiltinGlobal("db", "db", "SQLite and PostgreSQL: connect, query, execute, close"),
        BuiltinGlobal("ws", "ws", "WebSocket client: connect, send, send_binary, recv, close"),
        BuiltinGlobal("toml", "toml", "TOML parse/encode"),
        BuiltinGlobal("regex", "regex", "Rust-dialect regular expressions: match, find, ..."),
        BuiltinGlobal("template", "template", "Jinja templates: render_string, render, ..."),
        BuiltinGlobal("markdown", "markdown", "Markdown to HTML (CommonMark, tables, tasks)"),
        BuiltinGlobal("disk", "disk", "Filesystem usage, sweep of old entries, folder size"),
        BuiltinGlobal("compress", "compress", "gunzip, unxz, unzstd; untar one member"),
        BuiltinGlobal("tar", "tar", "Tar archives: create, extract (confined to dest), list"),
        BuiltinGlobal("linux", "linux", "/proc readers: kernel, uptime, loadavg, meminfo, ..."),
    )
}


# Globals of the original assay that assay-py does not provide (name -> what they are there).
# A script using one gets an error naming it as such; a BUILTIN_GLOBALS entry of the same name
# wins (the global is then provided).
UNAVAILABLE_GLOBALS: dict[str, str] = {
    "systemd": "systemd units, timers and journal over D-Bus",
    "machinectl": "systemd-machined images: pull, clone, remove",
    "cgroup": "cgroup v2 readers",
    "apt": "Debian packages: query, install, remove, sources",
    "oci": "OCI images: copy, tag, mutate",
    "authz": "the in-process policy engine",
}


def unavailable_globals() -> dict[str, str]:
    """The original's globals that this build does not provide."""
    return {n: d for n, d in UNAVAILABLE_GLOBALS.items() if n not in BUILTIN_GLOBALS}


def find(name: str) -> BuiltinModule | None:
    """The registry entry for a required name, or None."""
    return BUILTIN_MODULES.get(name)


def load(module: BuiltinModule, vm: LuaVM) -> Any:
    """Import a module's loader and run it for ``vm``; returns the module value."""
    module_path, _, function = module.loader.partition(":")
    loader = getattr(importlib.import_module(module_path), function)
    return loader(vm)
