"""The ``assay-py`` command.

Importing click costs about 30 ms, most of a script's start. So the plain script forms,
``assay-py [-v] FILE [ARGS]``, ``run [--emulator] FILE [ARGS]`` and ``exec -e CODE`` or
``exec FILE [ARGS]``, are read here by a small dispatcher that never imports click. Any
other argument list (help, ``--version``, an unknown option, a missing FILE, the ``rauthy``,
``emulator`` and ``modules`` commands) goes to the click group in ``_group``, so usage errors
and help read exactly as click words them. The dispatcher only accepts what the click
commands would read the same way; when in doubt it hands over to click.
"""

from __future__ import annotations

import errno
import sys

from assay_py.cli._names import LAZY_COMMANDS

# Not typing.TYPE_CHECKING: importing typing costs a script's start ~3 ms (type checkers
# recognise the plain constant).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    import click

_VERBOSE = ("-v", "--verbose")
_GATES = ("--readonly", "--approval-mode")  # global, like -v: any position before `--`
_LUA = "--lua"
_LUA_NAMES = ("luajit", "5.5")  # the engines of assay_py.host._engine, without importing it


def _is_mode(value: str) -> bool:
    return value in ("tool", "script")


def _is_timeout(value: str) -> bool:
    return value.isdigit() and value.isascii() and int(value) >= 1


# run's options with a value, and the values the fast path takes (others: click's errors).
_RUN_VALUED = {"--mode": _is_mode, "--timeout": _is_timeout}


def _lua_value(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """``--lua NAME`` or ``--lua=NAME`` at ``index``: (NAME, index after it), else None."""
    token = tokens[index]
    if token.startswith(_LUA + "="):
        value, after = token[len(_LUA) + 1 :], index + 1
    elif token == _LUA and index + 1 < len(tokens):
        value, after = tokens[index + 1], index + 2
    else:
        return None
    # Anything else is for click to word ("'5.4' is not one of 'luajit', '5.5'").
    return (value, after) if value in _LUA_NAMES else None


class ScriptLaunch:
    """A script command read without click: what to run and with which flags."""

    # A plain class: dataclasses imports inspect, a few ms of a start this module exists to cut.
    __slots__ = (
        "args",
        "code",
        "command",
        "emulator",
        "file",
        "gates",
        "lua",
        "mode",
        "timeout",
        "verbose",
    )

    def __init__(self, command: str) -> None:
        self.command = command  # "run" or "exec"
        self.file: str | None = None
        self.code: str | None = None
        self.args: list[str] = []
        self.emulator = False
        self.verbose = False
        self.lua: str | None = None  # --lua NAME: the engine
        self.mode: str | None = None  # run --mode tool|script
        self.timeout: int | None = None  # run --timeout SECONDS (tool mode)
        self.gates: set[str] = set()  # --readonly, --approval-mode

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScriptLaunch):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ScriptLaunch({fields})"


def parse_script_command(argv: Sequence[str]) -> ScriptLaunch | None:
    """The launch for a plain script command line, or None to let click read ``argv``."""
    index = 0
    verbose = False
    lua: str | None = None
    gates: set[str] = set()
    while index < len(argv):
        if argv[index] in _VERBOSE:
            verbose = True
            index += 1
            continue
        if argv[index] in _GATES:
            gates.add(argv[index])
            index += 1
            continue
        if argv[index] == _LUA or argv[index].startswith(_LUA + "="):
            found = _lua_value(argv, index)
            if found is None:
                return None  # click's "--lua requires an argument"
            lua, index = found
            continue
        break
    if index == len(argv):
        return None  # bare `assay-py`: click prints the help
    head = argv[index]
    if head == "exec":
        launch = _parse_exec(argv[index + 1 :])
    elif head == "run":
        launch = _parse_run(argv[index + 1 :])
    elif head.startswith("-") or head in LAZY_COMMANDS:
        return None
    else:  # `assay-py FILE ...` is `assay-py run FILE ...`
        launch = _parse_run(argv[index:])
    if launch is not None:
        launch.verbose = launch.verbose or verbose
        launch.lua = launch.lua or lua
        launch.gates |= gates
    return launch


def _parse_run(tokens: Sequence[str]) -> ScriptLaunch | None:
    launch = _parse_tokens("run", tokens)
    if launch is None or launch.file is None:
        return None  # click's "Missing argument 'FILE'"
    return launch


def _parse_exec(tokens: Sequence[str]) -> ScriptLaunch | None:
    launch = _parse_tokens("exec", tokens)
    if launch is None or (launch.code is None and launch.file is None):
        return None
    return launch


def _parse_tokens(command: str, tokens: Sequence[str]) -> ScriptLaunch | None:
    """The options and arguments after ``run`` or ``exec``: ``--emulator`` is run's, ``-e
    CODE`` exec's; None for anything click must read (help, an unknown option, ...)."""
    launch = ScriptLaunch(command)
    positional: list[str] = []
    options_done = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if options_done:
            positional.append(token)
        elif token == "--":
            options_done = True
        elif token in _VERBOSE:
            launch.verbose = True
        elif token in _GATES:
            launch.gates.add(token)
        elif token == "--emulator" and command == "run":
            launch.emulator = True
        elif token == "-e" and command == "exec":
            if index == len(tokens) or launch.code is not None:
                return None  # "-e requires an argument", or a repeated -e: click's words
            launch.code = tokens[index]
            index += 1
        elif token == _LUA or token.startswith(_LUA + "="):
            found = _lua_value(tokens, index - 1)
            if found is None:
                return None
            launch.lua, index = found
        elif command == "run" and token.split("=", 1)[0] in _RUN_VALUED:
            name, eq, value = token.partition("=")
            if not eq:
                if index == len(tokens):
                    return None
                value, index = tokens[index], index + 1
            if not _RUN_VALUED[name](value):
                return None  # click words the error ("'x' is not one of 'tool', 'script'")
            if name == "--mode":
                launch.mode = value
            else:
                launch.timeout = int(value)
        elif token.startswith("-"):
            return None  # --help, or an option click passes on as an argument: its rules
        else:
            positional.append(token)
    if positional:
        launch.file, launch.args = positional[0], positional[1:]
    return launch


def _start(launch: ScriptLaunch) -> None:
    from assay_py.cli import _launch as runner

    if launch.verbose:
        runner.set_verbose()
    if launch.lua is not None:
        runner.set_engine(launch.lua)
    for flag in launch.gates:
        runner.set_gate(flag)
    if launch.command == "exec":
        runner.exec_code(launch.code, launch.file, launch.args, verbose=launch.verbose)
    else:
        assert launch.file is not None
        runner.run_script(
            launch.file,
            launch.args,
            emulator=launch.emulator,
            verbose=launch.verbose,
            mode=launch.mode,
            timeout=launch.timeout,
        )


def _run_without_click(launch: ScriptLaunch) -> None:
    # The endings click's standalone mode gives every command, kept for the fast path.
    try:
        _start(launch)
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.exit(1)


# Helpers here must not share a name with a submodule (_launch, _group, ...): importing the
# submodule would rebind that name in this package's namespace.
def _click_group() -> click.Group:
    from assay_py.cli._group import main as group

    return group


class _Main:
    """The console entry point: ``main()`` reads ``sys.argv``.

    Attribute access reaches the click group, so ``CliRunner().invoke(main, [...])`` and
    ``main.main(args=...)`` work as with a plain click command.
    """

    def __call__(self) -> None:
        launch = parse_script_command(sys.argv[1:])
        if launch is None:
            _click_group().main()
        else:
            _run_without_click(launch)

    def __getattr__(self, name: str) -> Any:
        return getattr(_click_group(), name)


main = _Main()
