"""Start-up of ``assay-py`` against the floor: a command, not a test; it prints figures and ratios.

    .venv/bin/python benchmarks/startup_bench.py [--runs 11]

Targets (issue 13):
- ``assay-py FILE.lua``, ``assay-py run FILE.lua`` and ``assay-py exec -e 'print(1)'`` each
  within 1.3x of ``python -c 'import lupa.luajit21'`` (Python plus the Lua engine: the least a
  Python host of Lua can start in).
- commands that send nothing (``rauthy presets``, ``--help``, ``modules``) import neither
  httpx nor ssl; their time is printed against ``python -c 'import click'``.

All commands of a group take turns, each quoted by its median wall time over ``--runs``.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from _support import ASSAY_PY, PYTHON, bench_env, interleaved, report, run_command

START_TARGET = 1.3

_PROBE = (
    "import sys\n"
    "sys.argv = ['assay-py', *sys.argv[1:]]\n"
    "from assay_py.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    sys.stderr.write('IMPORTED=' + ','.join(m for m in ('click', 'httpx', 'ssl')"
    " if m in sys.modules))\n"
)


def imported(args: list[str]) -> str:
    done = subprocess.run([PYTHON, "-c", _PROBE, *args], capture_output=True, text=True)
    return done.stderr.rpartition("IMPORTED=")[2] or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="counted runs of each command")
    args = parser.parse_args()
    env = bench_env()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "hello.lua"
        script.write_text('print("hello")\n')
        scripts = {
            "floor": [PYTHON, "-c", "import lupa.luajit21"],
            # pip's console-script wrapper (bin/assay-py) itself imports re: what no
            # package can avoid, shown for reference.
            "floor + the wrapper's import re": [PYTHON, "-c", "import re, lupa.luajit21"],
            "assay-py FILE.lua": [ASSAY_PY, str(script)],
            "assay-py run FILE.lua": [ASSAY_PY, "run", str(script)],
            "assay-py exec -e 'print(1)'": [ASSAY_PY, "exec", "-e", "print(1)"],
        }
        medians = interleaved(
            {name: (lambda c=command: run_command(c, env)) for name, command in scripts.items()},
            args.runs,
        )
        print(f"start-up, median of {args.runs} interleaved runs; floor: import lupa.luajit21")
        wrapper = "floor + the wrapper's import re"
        report(wrapper, medians[wrapper], medians["floor"], None)
        for name in list(scripts)[2:]:
            ok &= report(name, medians[name], medians["floor"], START_TARGET)
            print(f"{'':<44} imports: {imported(scripts[name][1:])}")

        quiet = {
            "floor": [PYTHON, "-c", "import click"],
            "assay-py rauthy presets": [ASSAY_PY, "rauthy", "presets"],
            "assay-py --help": [ASSAY_PY, "--help"],
            "assay-py modules": [ASSAY_PY, "modules"],
        }
        medians = interleaved(
            {name: (lambda c=command: run_command(c, env)) for name, command in quiet.items()},
            args.runs,
        )
        print(f"\ncommands that send nothing, median of {args.runs}; floor: import click")
        for name in list(quiet)[1:]:
            report(name, medians[name], medians["floor"], None)
            loaded = imported(quiet[name][1:])
            clean = "httpx" not in loaded and "ssl" not in loaded
            ok &= clean
            verdict = "ok" if clean else "IMPORTS httpx/ssl"
            print(f"{'':<44} imports: {loaded} (neither httpx nor ssl: {verdict})")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
