"""``assay-py run``, ``exec`` and ``modules``: run Lua scripts the way assay does.

Exit status is 0 when the script finishes and 1 on any error; errors go to stderr as
``<UTC timestamp> ERROR <message>`` followed by the Lua traceback.
"""

from __future__ import annotations

import click

from assay_py.cli._group import gate_options
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
@click.option(
    "--mode",
    type=click.Choice(["tool", "script"]),
    help="tool: print one JSON envelope with the script's return value and always exit 0 "
    "(for programs and agents). script (default): plain output, exit 1 on error. "
    "Env: ASSAY_MODE.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Tool mode only: answer with a timeout envelope after this long (default 20).",
)
@_verbose_option
@_lua_option
@gate_options
def run(
    script: str, args: tuple[str, ...], emulator: bool, mode: str | None, timeout: int | None
) -> None:
    """Run a Lua script FILE; ARGS after `--` become the Lua table `arg`.

    \b
    Examples:
      assay-py run deploy.lua -- prod eu-west
      -- in deploy.lua: arg[0] == "deploy.lua", arg[1] == "prod", arg[2] == "eu-west"
      assay-py run --mode tool report.lua    stdout: {"ok":true,"status":"ok","output":...}
      assay-py run checks.yaml               run a check file, print a JSON report

    `assay-py FILE` is the same as `assay-py run FILE`. A `#!` first line is ignored.
    Exit status: 0 when the script finishes, 1 on any error (message and Lua traceback
    on stderr).

    \b
    Tool mode (--mode tool, or ASSAY_MODE=tool): the value the script returns is the
    envelope's "output"; an error gives {"ok":false,"status":"error","error":"..."}, a run
    longer than --timeout {"ok":false,"status":"timeout",...}, and a script that asks for
    approval {"ok":true,"status":"needs_approval","requiresApproval":{"resumeToken":...}}
    (continue it with `assay-py resume`). print and log lines go to stderr; the exit
    status is 0. Outputs over 512 KiB are cut, with "truncated":true.

    \b
    A FILE ending in .yaml or .yml is a check file (http, prometheus and script checks);
    see the README. Exit status: 0 when every check passed, else 1.
    """
    run_script(script, args, emulator=emulator, verbose=_root_verbose(), mode=mode, timeout=timeout)


@click.command("exec")
@click.option("-e", "code", metavar="CODE", help="Lua code to run (chunk name <eval>).")
@click.argument("file", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@_verbose_option
@_lua_option
@gate_options
def exec_(code: str | None, file: str | None, args: tuple[str, ...]) -> None:
    """Run inline Lua code with -e, or a FILE as Lua whatever its extension.

    \b
    Examples:
      assay-py exec -e 'print(json.encode({b = 1, a = {true, false}}))'
      assay-py exec checks.txt

    Inline code has no `arg` table; a FILE gets `arg` as with `run`, and runs in tool
    mode when ASSAY_MODE=tool (see `assay-py run --help`).
    """
    exec_code(code, file, args, verbose=_root_verbose())


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_lua_option
@gate_options
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
    from assay_py.host.vm import mode_from_env

    notice = _MODE_NOTICES.get(mode_from_env() or "")
    if notice:
        click.echo()
        click.echo(notice)


_MODE_NOTICES = {
    "readonly": "read-only mode active: writes raise 'readonly: <name> blocked (...)' errors",
    "approval": "approval mode active: each write waits for an approval before it runs",
}


@click.command()
@click.option("--token", required=True, metavar="TOKEN", help="The resumeToken of the run.")
@click.option(
    "--approve",
    required=True,
    type=click.Choice(["yes", "no"]),
    help="The decision: yes lets the operation run, no refuses it.",
)
@click.option(
    "--resume-ttl",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Refuse a token older than this.",
)
@click.option("--approver", metavar="ID", help="Who decided: kept with the grant, echoed back.")
def resume(token: str, approve: str, resume_ttl: int, approver: str | None) -> None:
    """Continue a tool-mode run that stopped with status needs_approval.

    \b
    The script runs again from the start, in tool mode, with the decision in its
    environment (ASSAY_APPROVAL_RESULT=yes|no; under --approval-mode, the approved
    operations). Prints that run's envelope, which may ask for the next approval;
    always exits 0. Tokens live in $ASSAY_STATE_DIR (else $OPENCLAW_STATE_DIR, else
    ~/.assay/state) and are spent once a run ends.

    \b
    Example:
      assay-py run --mode tool deploy.lua      ... "resumeToken":"9f0c..." ...
      assay-py resume --token 9f0c... --approve yes --approver alice
    """
    import sys

    from assay_py.cli.resume import resume as replay

    envelope = replay(token, approve, ttl=resume_ttl, approver=approver)
    sys.stdout.flush()
    sys.stdout.buffer.write(envelope)
    sys.stdout.flush()


@click.command()
@click.argument("query")
@click.option("-l", "--limit", type=click.IntRange(min=0), default=5, show_default=True)
@click.option("--no-builtins", is_flag=True, help="Leave out the built-in globals section.")
def context(query: str, limit: int, no_builtins: bool) -> None:
    """Markdown about the modules matching QUERY, to paste into a prompt.

    \b
    Searches the built-in modules and the module files of ./modules and the global folder
    ($ASSAY_MODULES_PATH or ~/.assay/modules) by their header lines (--- @description,
    --- @keywords, --- @env, --- @quickref sig -> returns | what), then lists the globals
    every script has. Every word of QUERY must match.

    \b
    Example:
      assay-py context "oauth client" --limit 3
    """
    from assay_py.cli.context import context_text

    click.echo(context_text(query, limit, builtins=not no_builtins), nl=False)
