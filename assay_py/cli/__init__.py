"""The ``assay-py`` command.

Subcommands live in their own modules and are imported only when invoked, so that
``assay-py exec -e 'print(1)'`` pays for nothing it does not use.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command; imported on first use.
_LAZY_COMMANDS: dict[str, str] = {
    "run": "assay_py.cli.scripts:run",
    "exec": "assay_py.cli.scripts:exec_",
    "modules": "assay_py.cli.scripts:modules",
    "emulator": "assay_py.cli.emulator:emulator",
    "rauthy": "assay_py.cli.rauthy:rauthy",
}


class AssayGroup(click.Group):
    """A group whose commands load lazily, and where ``assay-py FILE`` means ``run FILE``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in _LAZY_COMMANDS:
            args = list(args)
            args.insert(args.index(first), "run")
        return super().parse_args(ctx, args)


@click.group(cls=AssayGroup)
def main() -> None:
    """Run assay Lua scripts, and manage Rauthy clients."""
