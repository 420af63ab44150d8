"""Script runs start without click, and read their command line exactly as click does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py.cli import ScriptLaunch, parse_script_command

# Report at exit which of these modules the run imported, whatever the exit status.
_PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'\\nIMPORTED=' + ','.join(m for m in ('click', 'httpx', 'ssl') if m in sys.modules)))\n"
)
FAST = _PROBE + "from assay_py.cli import main\nmain()\n"
CLICK = _PROBE + "from assay_py.cli._group import main\nmain()\n"

SCRIPT = "log.debug('DEBUG-ON') print(arg and arg[0], arg and #arg, arg and arg[1], arg and arg[2])"


def launch(command: str, **values: object) -> ScriptLaunch:
    out = ScriptLaunch(command)
    for name, value in values.items():
        setattr(out, name, value)
    return out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["s.lua"], launch("run", file="s.lua")),
        (["-v", "s.lua", "a"], launch("run", file="s.lua", args=["a"], verbose=True)),
        (["run", "s.lua", "--", "-v", "x"], launch("run", file="s.lua", args=["-v", "x"])),
        (["run", "--emulator", "s.lua"], launch("run", file="s.lua", emulator=True)),
        (["s.lua", "a", "--verbose"], launch("run", file="s.lua", args=["a"], verbose=True)),
        (["run", "--", "s.lua", "--"], launch("run", file="s.lua", args=["--"])),
        (["exec", "-e", "print(1)"], launch("exec", code="print(1)")),
        (["exec", "-e", "-v"], launch("exec", code="-v")),
        (["exec", "-v", "job.txt", "a"], launch("exec", file="job.txt", args=["a"], verbose=True)),
        (["run", "--mode", "tool", "s.lua"], launch("run", file="s.lua", mode="tool")),
        (
            ["run", "--mode=script", "s.lua", "--timeout", "5", "--", "--mode"],
            launch("run", file="s.lua", mode="script", timeout=5, args=["--mode"]),
        ),
        (["run", "s.lua", "--timeout=30"], launch("run", file="s.lua", timeout=30)),
    ],
)
def test_plain_script_commands_are_read_without_click(
    argv: list[str], expected: ScriptLaunch
) -> None:
    assert parse_script_command(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["-v"],
        ["--help"],
        ["--version"],
        ["-x", "s.lua"],
        ["run"],
        ["run", "--help"],
        ["run", "s.lua", "--unknown"],
        ["s.lua", "-"],
        ["exec"],
        ["exec", "-e"],
        ["exec", "-e", "a", "-e", "b"],
        ["exec", "-eprint(1)"],
        ["exec", "--help"],
        # Each command's own option is no option of the other: click words the error.
        ["exec", "--emulator", "-e", "print(1)"],
        ["run", "-e", "print(1)", "s.lua"],
        # run's values click refuses, and run's options that are no option of exec.
        ["run", "--mode", "approval", "s.lua"],
        ["run", "--mode"],
        ["run", "--timeout", "0", "s.lua"],
        ["run", "--timeout", "1.5", "s.lua"],
        ["s.lua", "--timeout", "-1"],
        ["exec", "--mode", "tool", "s.lua"],
        ["modules"],
        ["rauthy", "presets"],
        ["emulator", "--port", "0"],
    ],
)
def test_everything_else_goes_to_click(argv: list[str]) -> None:
    assert parse_script_command(argv) is None


def _run(program: str, args: list[str], cwd: Path) -> tuple[int, str, str, str]:
    env = {**os.environ, "ASSAY_MODULES_PATH": str(cwd / "global")}
    env.pop("ASSAY_LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    stderr, _, imported = done.stderr.rpartition("\nIMPORTED=")
    return done.returncode, done.stdout, stderr, imported


def _without_timestamps(text: str) -> str:
    # Log lines start with a timestamp; compare what follows it.
    lines = text.split("\n")
    return "\n".join(line.partition(" ")[2] if line[:2] == "20" else line for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        ["s.lua"],
        ["s.lua", "a", "b"],
        ["-v", "s.lua", "a"],
        ["run", "-v", "s.lua", "--", "-v"],
        ["run", "s.lua", "--verbose", "x"],
        ["run", "--", "s.lua", "--", "y"],
        ["exec", "-e", SCRIPT],
        ["exec", "-e", "error('boom')"],
        ["exec", "job.txt", "z"],
        ["missing.lua"],
        ["notes.txt"],
        ["exec", "-e", "x", "job.txt"],
    ],
)
def test_fast_path_behaves_as_the_click_commands_and_never_imports_click(
    tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "s.lua").write_text(SCRIPT)
    (tmp_path / "job.txt").write_text(SCRIPT)
    (tmp_path / "notes.txt").write_text(SCRIPT)
    fast = _run(FAST, args, tmp_path)
    slow = _run(CLICK, args, tmp_path)
    assert fast[3] == ""  # neither click nor httpx nor ssl
    assert "click" in slow[3]
    assert fast[:2] == slow[:2]
    assert _without_timestamps(fast[2]) == _without_timestamps(slow[2])


def test_usage_errors_still_come_from_click(tmp_path: Path) -> None:
    code, stdout, stderr, imported = _run(FAST, ["run", "s.lua", "--nope", "--help"], tmp_path)
    assert code == 0 and "Usage:" in stdout and "click" in imported
    code, _, stderr, _ = _run(FAST, ["exec", "-e"], tmp_path)
    assert code == 2 and "Option '-e' requires an argument." in stderr
