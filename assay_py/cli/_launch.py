"""Running a script, without click: shared by the click commands and the fast dispatcher.

``assay-py FILE.lua``, ``run`` and ``exec -e`` start through here without importing click
(about 30 ms of a 40 ms start), so nothing in this module may import it.

Exit status is 0 when the script finishes and 1 on any error; errors go to stderr as
``<UTC timestamp> ERROR <message>`` followed by the Lua traceback.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: see assay_py.cli
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

_SCRIPT_EXTENSIONS = (".lua",)
_CHECK_EXTENSIONS = (".yaml", ".yml")


def set_verbose() -> None:
    os.environ["ASSAY_LOG_LEVEL"] = "debug"  # read by the `log` global: log.debug shows


def set_engine(name: str) -> None:
    """``--lua NAME``: the engine every VM of this process (and of its children) runs."""
    from assay_py.host._engine import ENV_VAR, EngineError, engine_name

    try:
        os.environ[ENV_VAR] = engine_name(name)
    except EngineError as exc:
        fail(str(exc).replace("engine:", "--lua:", 1))


def set_gate(flag: str) -> None:
    """``--readonly`` / ``--approval-mode``: the mode of every VM of this process (and of its
    children), through the variables a VM reads (approval wins when both are on)."""
    from assay_py.host.vm import APPROVAL_ENV, READONLY_ENV

    os.environ[APPROVAL_ENV if flag == "--approval-mode" else READONLY_ENV] = "1"


def log_line(level: str, message: str) -> None:
    """A line in the format of the `log` global (the same timestamp and level columns)."""
    from assay_py.host.builtins.log import emit

    sys.stdout.flush()
    emit(level.lower(), message)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr, exit status 1."""
    sys.stdout.flush()
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    sys.exit(1)


def _run(
    script: str, args: Sequence[str] | None, *, verbose: bool, code: bytes | None = None
) -> None:
    """Run a file (or inline ``code``, chunk ``<eval>``), report any failure, exit 1 on error."""
    # The submodules, not the package's lazy exports: those go through importlib (~1 ms).
    from assay_py.host._engine import EngineError, engine_name
    from assay_py.host._host import LuaHost
    from assay_py.host.errors import LuaScriptError, PolicyError

    try:
        engine = engine_name()
    except EngineError as exc:
        fail(str(exc))
    if verbose:
        from assay_py.host.vm import mode_from_env

        readonly = "true" if mode_from_env() == "readonly" else "false"
        log_line("INFO", f"starting assay-py (script mode) script={script} readonly={readonly}")
    try:
        with LuaHost(args=args, engine=engine) as host:
            if code is None:
                host.run_file(script)
            else:
                host.run_string(code, script)
    except LuaScriptError as exc:
        log_line("ERROR", exc.render())
        sys.exit(1)
    except PolicyError as exc:  # the VM was not created: the script did not run
        log_line("ERROR", f"{exc} (ASSAY_POLICY_FILE={os.environ.get('ASSAY_POLICY_FILE', '')})")
        sys.exit(1)
    except OSError as exc:
        if exc.filename != script:
            raise
        fail(f"reading {script}: {exc.strerror or exc}")
    finally:
        sys.stdout.flush()


def _tool_mode(mode: str | None) -> bool:
    """``--mode`` when given, else ``$ASSAY_MODE``: whether a file runs in tool mode."""
    return (mode or os.environ.get("ASSAY_MODE")) == "tool"


def run_script(
    path: str,
    args: Sequence[str],
    *,
    emulator: bool = False,
    verbose: bool = False,
    mode: str | None = None,
    timeout: int | None = None,
) -> None:
    """Run a script file with ``arg`` set; dispatch on the extension like assay.

    ``.yaml``/``.yml`` files are check files; ``.lua`` files run in tool mode when ``mode``
    (else ``$ASSAY_MODE``) is ``tool``, for ``timeout`` seconds (default 20).
    """
    _, extension = os.path.splitext(path)
    if extension in _CHECK_EXTENSIONS:
        from assay_py.cli.checks import run_check_file

        run_check_file(path, verbose=verbose)
    if extension not in _SCRIPT_EXTENSIONS:
        fail(
            f'unsupported file extension "{extension.lstrip(".")}" (expected .yaml, .yml, or .lua)'
        )
    if emulator and not os.environ.get("RAUTHY_URL"):
        # `--emulator`: a loopback Rauthy emulator for the script, unless RAUTHY_URL names one.
        from assay_py.cli._emulated import start_for_script

        with start_for_script():
            _run_file(path, args, verbose=verbose, mode=mode, timeout=timeout)
    else:
        _run_file(path, args, verbose=verbose, mode=mode, timeout=timeout)


def _run_file(
    path: str, args: Sequence[str], *, verbose: bool, mode: str | None, timeout: int | None
) -> None:
    if _tool_mode(mode):
        from assay_py.cli.tool_mode import DEFAULT_TIMEOUT, run_tool

        run_tool(path, args, timeout=timeout or DEFAULT_TIMEOUT, verbose=verbose)
    _run(path, args, verbose=verbose)


def exec_code(
    code: str | None, file: str | None, args: Sequence[str], *, verbose: bool = False
) -> None:
    """``exec``: inline code (no ``arg`` table), or a file run as Lua whatever its extension
    (in tool mode when ``$ASSAY_MODE`` is ``tool``)."""
    if code is not None and file is not None:
        fail("exec takes either -e <code> or a file path, not both")
    if code is not None:
        _run("<eval>", None, verbose=verbose, code=code.encode("utf-8", "surrogateescape"))
    elif file is not None:
        _run_file(file, args, verbose=verbose, mode=None, timeout=None)
    else:
        fail("exec requires either -e <code> or a file path")
