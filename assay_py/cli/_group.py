"""The click group behind ``assay-py``: help, usage errors, and every non-script command.

Subcommands live in their own modules and are imported only when invoked. Plain script runs
never get here (see ``assay_py.cli``), so importing click is paid only by the commands that
need it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import click

from assay_py.cli._launch import set_engine, set_gate, set_verbose
from assay_py.cli._names import LAZY_COMMANDS as _LAZY_COMMANDS

F = TypeVar("F", bound=Callable[..., Any])


class AssayGroup(click.Group):
    """A group whose commands load lazily, and where ``assay-py FILE`` means ``run FILE``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _LAZY_COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, summary) in sorted(_LAZY_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = _first_argument(args)
        if first is not None and args[first] not in _LAZY_COMMANDS:
            args = list(args)
            args.insert(first, "run")
        return super().parse_args(ctx, args)


def _first_argument(args: list[str]) -> int | None:
    """The index of the first argument that is no option nor an option's value."""
    index = 0
    while index < len(args):
        if args[index] == "--lua":
            index += 2
        elif args[index].startswith("-") and args[index] != "-":  # "-" is a FILE (refused)
            index += 1
        else:
            return index
    return None


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from assay_py import __version__
    from assay_py.host._engine import describe_engine

    click.echo(f"assay-py {__version__} ({describe_engine()})")
    ctx.exit()


def _engine(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        set_engine(value)


def _gate(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        set_gate(param.opts[0])


READONLY_HELP = (
    "Read-only mode: writes (http.post, fs.write, shell, rauthy changes, ...) raise "
    "'readonly: <name> blocked'. Env: ASSAY_READONLY=1."
)
APPROVAL_HELP = (
    "Approval mode (wins over --readonly): each write needs an approval; an unapproved one "
    "raises an __assay_approval_request__ error. Env: ASSAY_APPROVAL=1."
)


def gate_options(command: F) -> F:
    """``--readonly`` and ``--approval-mode``: global flags, taken by every script command."""
    for flag, text in (("--approval-mode", APPROVAL_HELP), ("--readonly", READONLY_HELP)):
        command = click.option(
            flag, is_flag=True, expose_value=False, is_eager=True, callback=_gate, help=text
        )(command)
    return command


LUA_CHOICE = click.Choice(["luajit", "5.5"])
LUA_HELP = "Lua engine: luajit (default, fast) or 5.5 (the original's numbers). Env: ASSAY_LUA."


@click.group(cls=AssayGroup, invoke_without_command=True)
@gate_options
@click.option(
    "--lua",
    type=LUA_CHOICE,
    expose_value=False,
    is_eager=True,
    callback=_engine,
    help=LUA_HELP,
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    callback=_print_version,
    help="Show the version and the Lua engine in use, then exit.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Say more on stderr: the start line and log.debug."
)
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Run assay Lua scripts, and manage Rauthy clients.

    \b
    Examples:
      assay-py reconcile.lua                 run a script (same as `assay-py run FILE`)
      assay-py run deploy.lua -- prod        pass arguments: arg[1] == "prod"
      assay-py exec -e 'print(json.encode({a = 1}))'
      assay-py run --mode tool x.lua         one JSON envelope with x.lua's return value
      assay-py checks.yaml                   run a check file, print a JSON report
      assay-py modules                       what scripts can use and require
    """
    if verbose:
        set_verbose()
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(1)
