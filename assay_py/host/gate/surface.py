"""What the gates treat as a write: one list, shared by read-only and approval mode.

The original assay's mutating surface, plus what assay-py adds to it: our ``os`` keeps Lua's
own ``remove``/``rename``/``execute``/``tmpname`` (the original's reduced ``os`` has none),
and ``disk.sweep`` removes files from Python rather than through the global ``fs.remove``, so
each would otherwise be a way round the gate.
"""

from __future__ import annotations

# Globals whose every function is gated.
GATED_TABLES: frozenset[str] = frozenset({"shell", "process", "machinectl"})

# Single functions of otherwise usable globals, by global.
GATED_FUNCTIONS: dict[str, frozenset[str]] = {
    "http": frozenset({"post", "put", "patch", "delete", "serve", "serve_with_extra", "download"}),
    "ws": frozenset({"connect"}),
    "fs": frozenset(
        {
            "write",
            "write_bytes",
            "remove",
            "rename",
            "copy",
            "chmod",
            "mkdir",
            "tempdir",
            "sub_in_file",
        }
    ),
    "env": frozenset({"set"}),
    "db": frozenset({"execute"}),
    "oci": frozenset({"copy", "tag", "mutate"}),
    "systemd": frozenset(
        {
            "start",
            "stop",
            "restart",
            "reload",
            "unit_action",
            "machine_start",
            "machine_poweroff",
            "machine_reboot",
            "machine_terminate",
            "machine_exec",
        }
    ),
    "apt": frozenset({"update", "install", "remove", "add_source"}),
    "compress": frozenset({"untar"}),
    "tar": frozenset({"create", "extract"}),
    "disk": frozenset({"sweep"}),
}

# Stock Lua tables, gated when the VM is made (they are not installed lazily). io.open and
# io.output are gated only for their writing forms (see checks.py).
STOCK_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "io": ("popen", "open", "output"),
    "os": ("remove", "rename", "execute", "tmpname"),
}

# http verbs whose target decides: a policy may classify one exact call as a read.
HTTP_VERBS: frozenset[str] = frozenset({"post", "put", "patch", "delete"})

# http functions that are writes whatever their target.
HTTP_NON_VERBS: frozenset[str] = frozenset({"serve", "serve_with_extra", "download"})

# `http.client(...)` objects: every method but this one is a write.
CLIENT_READ_METHOD = "get"


def gated_keys(name: str) -> frozenset[str] | None:
    """The gated function names of global ``name``; None when the whole table is gated."""
    if name in GATED_TABLES:
        return None
    return GATED_FUNCTIONS.get(name, frozenset())
