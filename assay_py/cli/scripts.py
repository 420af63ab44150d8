"""``assay-py run``, ``exec`` and ``modules``: run Lua scripts the way assay does.

Exit status is 0 when the script finishes and 1 on any error; errors go to stderr as
``<UTC timestamp> ERROR <message>`` followed by the Lua traceback.
"""

from __future__ import annotations

import click

from assay_py.cli._launch import exec_code, run_script, set_engine, set_verbose


def _root_verbose() -> bool:
    return bool(click.get_current_context().find_root().params.get("verbose"))


def _verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        set_verbose()
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


def _engine(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        set_engine(value)


# Like -v, --lua is global: the script commands take it too (`assay-py run --lua 5.5 x.lua`).
_lua_option = click.option(
    "--lua",
    type=click.Choice(["luajit", "5.5"]),
    expose_value=False,
    is_eager=True,
    callback=_engine,
    help="Lua engine: luajit (default) or 5.5. Same as `assay-py --lua`; env: ASSAY_LUA.",
)


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
@_lua_option
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
    run_script(script, args, emulator=emulator, verbose=_root_verbose())


@click.command("exec")
@click.option("-e", "code", metavar="CODE", help="Lua code to run (chunk name <eval>).")
@click.argument("file", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@_verbose_option
@_lua_option
def exec_(code: str | None, file: str | None, args: tuple[str, ...]) -> None:
    """Run inline Lua code with -e, or a FILE as Lua whatever its extension.

    \b
    Examples:
      assay-py exec -e 'print(json.encode({b = 1, a = {true, false}}))'
      assay-py exec checks.txt

    Inline code has no `arg` table; a FILE gets `arg` as with `run`.
    """
    exec_code(code, file, args, verbose=_root_verbose())


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_lua_option
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
    from assay_py.host._engine import engine_name
    from assay_py.host.catalog import list_modules

    entries = list_modules()
    if as_json:
        import json

        from assay_py import __version__

        payload = {
            "version": __version__,
            "engine": engine_name(),
            "modules": [entry.as_dict() for entry in entries],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{'MODULE':<30} {'SOURCE':<12} DESCRIPTION")
    click.echo("-" * 80)
    for entry in entries:
        click.echo(f"{entry.name:<30} {entry.source:<12} {entry.description}")
