"""Run every benchmark in this folder, one after another, and summarise which met its targets.

    .venv/bin/python benchmarks/run_all.py            the sizes the issues name (long: ~30 min)
    .venv/bin/python benchmarks/run_all.py --quick    smaller sizes and fewer runs (~5 min)
    .venv/bin/python benchmarks/run_all.py startup_bench apply_floor_bench   only these
    .venv/bin/python benchmarks/run_all.py --issue 13   the benchmarks of one issue's targets

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

# Every benchmark is a .py file here (besides this one and _support.py), found by listing the
# folder so that a new one is run too. Smaller arguments for --quick, by name; others run as
# they are.
QUICK: dict[str, list[str]] = {
    "startup_bench": ["--runs", "7"],
    "client_costs_bench": ["--runs", "7"],
    "plan_floor_bench": ["--clients", "500", "--runs", "7"],
    "instance_floor_bench": ["--objects", "500", "--runs", "7"],
    "apply_floor_bench": ["--clients", "200", "--runs", "7"],
    "emulator_rss_bench": ["--requests", "20000"],
    "clients_file_bench": ["--entries", "2000", "--runs", "5"],
    "publish_bench": ["--clients", "200"],
    "users_bench": ["--users", "200", "--unlisted", "20"],
    "api_keys_bench": ["--keys", "100", "--lost", "10"],
    "instance_bench": ["--scopes", "50", "--roles", "50", "--groups", "50", "--clients", "100"],
    "oidc_bench": ["-n", "300", "--runs", "1"],
    "host_bench": ["--runs", "7"],
    "emulator_bench": ["-n", "2000"],
    "apply_bench": ["--clients", "100"],
    "rauthy_requests": ["--clients", "50"],
    "rauthy_lua_vs_python": ["--clients", "50", "--repeat", "3"],
}


# The benchmarks that check one issue's targets, by issue number. Each prints ours, the
# floor and the ratio, medians of interleaved runs.
ISSUES: dict[str, list[str]] = {
    # Start-up, commands that send nothing, no-op client costs, plan and apply at the floor.
    "13": [
        "startup_bench",
        "client_costs_bench",
        "plan_floor_bench",
        "instance_floor_bench",
        "apply_floor_bench",
    ],
}


def benchmarks() -> dict[str, Path]:
    skip = {"run_all", "_support"}
    return {path.stem: path for path in sorted(HERE.glob("*.py")) if path.stem not in skip}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    found = benchmarks()
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {sorted(found)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    parser.add_argument("--issue", choices=sorted(ISSUES), help="only that issue's benchmarks")
    args = parser.parse_args()
    if args.issue is not None:
        args.names = [*args.names, *ISSUES[args.issue]]
    unknown = sorted(set(args.names) - set(found))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {sorted(found)}")
    results: list[tuple[str, int, float]] = []
    for name in args.names or list(found):
        extra = QUICK.get(name, []) if args.quick else []
        print(f"\n=== {found[name].name} {' '.join(extra)}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(found[name]), *extra]).returncode
        results.append((name, code, time.perf_counter() - start))
    print("\n=== summary (exit 0: ran, and met its targets where the benchmark checks them)")
    for name, code, seconds in results:
        print(f"{name:<22} exit {code}  {seconds:6.0f} s")
    raise SystemExit(0 if all(code == 0 for _, code, _ in results) else 1)


if __name__ == "__main__":
    main()
