"""The Python-backed modules a script can ``require``, by name.

A static table, so that listing modules or missing a ``require`` imports nothing: each
loader (``"package.module:function"``) is imported only when its module is first required.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: see assay_py.host
if TYPE_CHECKING:
    from typing import Any, Literal

    from assay_py.host.vm import LuaVM


# Plain classes, not NamedTuples: typing.NamedTuple costs a script's start ~4 ms (typing, and
# building the classes); every start reads this table.
class BuiltinModule:
    __slots__ = ("description", "loader", "name")

    def __init__(self, name: str, description: str, loader: str) -> None:
        self.name = name
        """The name scripts require, e.g. ``"assay.rauthy"``."""
        self.description = description
        self.loader = loader
        """``"package.module:function"``; the function takes the VM and returns the module
        value."""

    def __repr__(self) -> str:
        return f"BuiltinModule({self.name!r}, loader={self.loader!r})"


class BuiltinGlobal:
    __slots__ = ("description", "kind", "module", "name", "replaces")

    def __init__(
        self,
        name: str,
        module: str,
        description: str,
        kind: Literal["table", "function"] = "table",
        replaces: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        """The global scripts use, e.g. ``"sleep"``."""
        self.module = module
        """The module under ``assay_py.host.builtins`` whose ``install(vm)`` defines it."""
        self.description = description
        self.kind = kind
        """What the global is: scripts see a table (or a function) of that kind before its
        module is installed, so a global must say which it will be."""
        self.replaces = replaces
        """Keys of a stock Lua table (e.g. ``os.date``) that the module redefines: they are
        held back until it installs, so their first use installs it
        (``LuaVM.stock("os.date")``)."""

    def __repr__(self) -> str:
        return f"BuiltinGlobal({self.name!r}, module={self.module!r}, kind={self.kind!r})"


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
        BuiltinGlobal(
            "process", "process", "Processes: list, is_running, kill, spawn, wait, spawn_pty"
        ),
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
    import importlib  # here: importlib brings in warnings, ~1 ms of every start

    module_path, _, function = module.loader.partition(":")
    loader = getattr(importlib.import_module(module_path), function)
    return loader(vm)
