"""``assay-py run``, ``exec`` and ``modules``: run Lua scripts the way assay does.

Exit status is 0 when the script finishes and 1 on any error; errors go to stderr as
``<UTC timestamp> ERROR <message>`` followed by the Lua traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

_SCRIPT_EXTENSIONS = (".lua",)
_CHECK_EXTENSIONS = (".yaml", ".yml")


def log_line(level: str, message: str) -> None:
    """A line in the format of the `log` global (the same timestamp and level columns)."""
    from assay_py.host.builtins.log import emit

    sys.stdout.flush()
    emit(level.lower(), message)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr, exit status 1."""
    sys.stdout.flush()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _run(script: str, args: Sequence[str] | None, *, code: bytes | None = None) -> None:
    """Run a file (or inline ``code``, chunk ``<eval>``), report any failure, exit 1 on error."""
    from assay_py.host import LuaHost, LuaScriptError

    if click.get_current_context().find_root().params.get("verbose"):
        log_line("INFO", f"starting assay-py (script mode) script={script}")
    try:
        with LuaHost(args=args) as host:
            if code is None:
                host.run_file(script)
            else:
                host.run_string(code, script)
    except LuaScriptError as exc:
        log_line("ERROR", exc.render())
        sys.exit(1)
    except OSError as exc:
        if exc.filename != script:
            raise
        fail(f"reading {script}: {exc.strerror or exc}")
    finally:
        sys.stdout.flush()


def _verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        os.environ["ASSAY_LOG_LEVEL"] = "debug"  # read by the `log` global: log.debug shows
        ctx.find_root().params["verbose"] = True


# The original's -v is global (any position before `--`), so the script commands take it too.
_verbose_option = click.option(
    "-v",
    "--verbose",
    is_flag=True,
    expose_value=False,
    callback=_verbose,
    help="Same as `assay-py -v`: the start line and log.debug on stderr.",
)


def _script_context(emulator: bool) -> contextlib.AbstractContextManager[Any]:
    # Hook for `--emulator`: start a loopback Rauthy emulator unless RAUTHY_URL names one.
    if emulator and not os.environ.get("RAUTHY_URL"):
        from assay_py.cli._emulated import start_for_script

        return start_for_script()
    return contextlib.nullcontext()


def run_script(path: str, args: Sequence[str], *, emulator: bool = False) -> None:
    """Run a script file with ``arg`` set; dispatch on the extension like assay."""
    _, extension = os.path.splitext(path)
    if extension in _CHECK_EXTENSIONS:
        fail(f"YAML check mode ({extension}) is not supported by assay-py; run a .lua script")
    if extension not in _SCRIPT_EXTENSIONS:
        fail(f'unsupported file extension "{extension.lstrip(".")}" (expected .lua)')
    with _script_context(emulator):
        _run(path, args)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("script", metavar="FILE")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--emulator",
    is_flag=True,
    help="Start a local Rauthy emulator for the script (sets RAUTHY_URL and friends), "
    "unless RAUTHY_URL is already set.",
)
@_verbose_option
def run(script: str, args: tuple[str, ...], emulator: bool) -> None:
    """Run a Lua script FILE; ARGS after `--` become the Lua table `arg`.

    \b
    Example:
      assay-py run deploy.lua -- prod eu-west
      -- in deploy.lua: arg[0] == "deploy.lua", arg[1] == "prod", arg[2] == "eu-west"

    `assay-py FILE` is the same as `assay-py run FILE`. A `#!` first line is ignored.
    Exit status: 0 when the script finishes, 1 on any error (message and Lua traceback
    on stderr).
    """
    run_script(script, args, emulator=emulator)


@click.command("exec")
@click.option("-e", "code", metavar="CODE", help="Lua code to run (chunk name <eval>).")
@click.argument("file", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@_verbose_option
def exec_(code: str | None, file: str | None, args: tuple[str, ...]) -> None:
    """Run inline Lua code with -e, or a FILE as Lua whatever its extension.

    \b
    Examples:
      assay-py exec -e 'print(json.encode({b = 1, a = {true, false}}))'
      assay-py exec checks.txt

    Inline code has no `arg` table; a FILE gets `arg` as with `run`.
    """
    if code is not None and file is not None:
        fail("exec takes either -e <code> or a file path, not both")
    if code is not None:
        _run("<eval>", None, code=code.encode("utf-8", "surrogateescape"))
    elif file is not None:
        _run(file, args)
    else:
        fail("exec requires either -e <code> or a file path")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def modules(as_json: bool) -> None:
    """List what scripts can use: built-in globals, built-in modules and module files.

    \b
    Module files are found in ./modules (source "project") and in $ASSAY_MODULES_PATH or
    ~/.assay/modules (source "global"); `require("assay.x")` loads modules/x.lua or
    modules/x/init.lua, and a file wins over a built-in module of the same name.

    \b
    Example:
      assay-py modules --json | jq '.modules[].name'
    """
    from assay_py.host.catalog import list_modules

    entries = list_modules()
    if as_json:
        import json

        from assay_py import __version__

        payload = {"version": __version__, "modules": [entry.as_dict() for entry in entries]}
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{'MODULE':<30} {'SOURCE':<10} DESCRIPTION")
    click.echo("-" * 80)
    for entry in entries:
        click.echo(f"{entry.name:<30} {entry.source:<10} {entry.description}")
