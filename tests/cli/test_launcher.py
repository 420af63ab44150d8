"""The installed ``assay-py`` command starts a script importing nothing it does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LAUNCHER = Path(sys.executable).with_name("assay-py")
# Each of these costs a script's start a millisecond or more, and none is needed to run one.
AVOIDED = {"re", "typing", "enum", "importlib", "warnings", "click", "httpx", "ssl"}


def _imported(argv: list[str], cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rpartition("|")[2].strip())
    return names


@pytest.mark.parametrize(
    "args",
    [
        ["exec", "-e", "print(1)"],
        ["hello.lua"],
        ["run", "hello.lua", "a"],
        ["-v", "hello.lua"],
        ["everyday.lua"],
    ],
)
def test_a_script_start_imports_only_what_running_it_needs(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "hello.lua").write_text('print("hello")\n')
    # The globals most scripts use: each installs on first use, none of them needs typing/re.
    (tmp_path / "everyday.lua").write_text(
        'log.info(json.encode({a = env.get("HOME") ~= nil}))\n'
        'assert.eq(base64.decode(base64.encode("x")), "x")\n'
        'assert.eq(fs.exists("everyday.lua"), true)\n'
        "sleep(0)\n"
        'print(os.date("%Y") ~= nil, time() > 0)\n'
    )
    # What this interpreter imports anyway to start with the engine (site hooks may add some).
    floor = _imported(["-c", "import lupa.luajit21"], tmp_path)
    ours = _imported([str(LAUNCHER), *args], tmp_path)
    assert "assay_py.host.vm" in ours  # the probe sees our imports at all
    assert (ours - floor) & AVOIDED == set()


def test_the_launcher_is_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(LAUNCHER), "exec", "-e", "print(arg == nil, 1 + 1)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "true\t2\n", "")
    helped = subprocess.run([str(LAUNCHER), "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0
    assert helped.stdout.startswith("Usage: assay-py ")
