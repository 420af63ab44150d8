"""The subcommands of ``assay-py``, known to the fast dispatcher and to the click group."""

from __future__ import annotations

# name -> ("module:attribute" of a click command, one-line summary). Commands are imported on
# first use; `--help` shows the summaries without importing anything.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("assay_py.cli.scripts:run", "Run a Lua script FILE with arguments."),
    "exec": ("assay_py.cli.scripts:exec_", "Run inline Lua code (-e) or a file as Lua."),
    "modules": ("assay_py.cli.scripts:modules", "List globals, built-in modules, module files."),
    "context": ("assay_py.cli.scripts:context", "Markdown about the modules matching a query."),
    "resume": ("assay_py.cli.scripts:resume", "Continue a tool-mode run after an approval."),
    "emulator": ("assay_py.cli.emulator:emulator", "Run a local Rauthy emulator."),
    "rauthy": ("assay_py.cli.rauthy:rauthy", "Manage Rauthy OAuth2 clients."),
}
