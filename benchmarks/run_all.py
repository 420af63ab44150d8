"""Run every benchmark in this folder, one after another, and summarise which met its targets.

    .venv/bin/python benchmarks/run_all.py            the sizes the issues name (long: ~30 min)
    .venv/bin/python benchmarks/run_all.py --quick    smaller sizes and fewer runs (~5 min)
    .venv/bin/python benchmarks/run_all.py startup apply_floor   only these

Each benchmark is its own command (see its docstring) and exits 0 when its targets are met;
their output is printed as it comes. Figures on a shared machine are ratios of interleaved
medians: quote those, not single absolute times.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (arguments for the full run, arguments for --quick)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "startup": ([], ["--runs", "7"]),
    "client_costs": ([], ["--runs", "7"]),
    "plan_floor": ([], ["--clients", "500", "--runs", "7"]),
    "clients_file": ([], ["--entries", "2000", "--runs", "5"]),
    "apply_floor": ([], ["--clients", "200", "--runs", "7"]),
    "emulator_rss": ([], ["--requests", "20000"]),
    "host": ([], ["--runs", "7"]),
    "emulator": ([], ["-n", "2000"]),
    "apply": ([], ["--clients", "100"]),
    "rauthy_requests": ([], ["--clients", "50"]),
    "rauthy_lua_vs_python": ([], ["--clients", "50", "--repeat", "3"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {sorted(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {sorted(BENCHMARKS)}")
    results: list[tuple[str, int, float]] = []
    for name in args.names or list(BENCHMARKS):
        full, quick = BENCHMARKS[name]
        script = HERE / (
            name + "_bench.py" if (HERE / f"{name}_bench.py").exists() else name + ".py"
        )
        print(f"\n=== {script.name} {' '.join(quick if args.quick else full)}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(
            [sys.executable, str(script), *(quick if args.quick else full)]
        ).returncode
        results.append((name, code, time.perf_counter() - start))
    print("\n=== summary (exit 0: ran, and met its targets where the benchmark checks them)")
    for name, code, seconds in results:
        print(f"{name:<22} exit {code}  {seconds:6.0f} s")
    raise SystemExit(0 if all(code == 0 for _, code, _ in results) else 1)


if __name__ == "__main__":
    main()
