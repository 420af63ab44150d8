"""Lua host benchmarks: start-up and JSON. A command, not a test: it prints figures and ratios.

    .venv/bin/python benchmarks/host_bench.py [--runs 30]

Targets (issue 2):
- start-up: ``assay-py exec -e 'print(1)'`` within 1.3x of
  ``python -c 'import lupa.luajit21, click'``
- JSON: ``json.encode`` of a ~1 MB nested table and ``json.parse`` of ~1 MB JSON, each within
  3x of Python's ``json.dumps``/``json.loads`` on the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

START_TARGET = 1.3
JSON_TARGET = 3.0


def _wall(command: list[str], runs: int, *, pycache: str | None = None) -> float:
    """Median wall time of a command in milliseconds (after one warm-up run).

    Bytecode caching is on, as in an installed package (pip compiles .pyc files); with
    PYTHONDONTWRITEBYTECODE every run would recompile our modules and measure the compiler.
    ``pycache`` points Python at another, never written, bytecode folder: every module
    (stdlib and click included) is then compiled from source on each run.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if pycache is not None:
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=pycache)
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _best(fn: Callable[[], object], runs: int) -> float:
    """Best of ``runs`` timings of ``fn`` in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _verdict(ratio: float, target: float) -> str:
    return "ok" if ratio <= target else "OVER TARGET"


def bench_startup(runs: int) -> None:
    python = sys.executable
    assay = shutil.which("assay-py", path=os.path.dirname(python)) or shutil.which("assay-py")
    command = [assay] if assay else [python, "-m", "assay_py.cli"]
    base = _wall([python, "-c", "import lupa.luajit21, click"], runs)
    ours = _wall([*command, "exec", "-e", "print(1)"], runs)
    ratio = ours / base
    print("start-up (median wall time)")
    print(f"  python -c 'import lupa.luajit21, click'  {base:7.1f} ms")
    print(f"  assay-py exec -e 'print(1)'              {ours:7.1f} ms")
    print(f"  ratio {ratio:.2f} (target <= {START_TARGET})  {_verdict(ratio, START_TARGET)}")
    # For reference, both sides compiled from source on every run (no .pyc anywhere).
    with tempfile.TemporaryDirectory() as empty:
        cold_runs = max(3, runs // 3)
        cold_base = _wall([python, "-c", "import lupa.luajit21, click"], cold_runs, pycache=empty)
        cold = _wall([*command, "exec", "-e", "print(1)"], cold_runs, pycache=empty)
    print(f"  (no .pyc at all: {cold_base:.1f} ms vs {cold:.1f} ms, ratio {cold / cold_base:.2f})")


def sample_data(records: int = 3600) -> dict[str, Any]:
    """About 1 MB of JSON shaped like API payloads: objects, lists, strings, numbers."""
    items = [
        {
            "id": f"client-{i}",
            "name": f"Client number {i} — ünïcode",
            "enabled": i % 2 == 0,
            "count": i,
            "ratio": i / 7,
            "redirect_uris": [f"https://host{i}.example.com/cb", f"http://localhost:{8000 + i}/cb"],
            "meta": {"tags": ["a", "b", "c"], "owner": {"id": i * 3, "email": f"u{i}@x.org"}},
            "note": 'line one\nline "two"' if i % 10 == 0 else "",
        }
        for i in range(records)
    ]
    return {"items": items, "total": records}


def bench_json(runs: int) -> None:
    from assay_py.host.vm import LuaVM

    vm = LuaVM()
    lua_json, _raw = vm.json_codec()
    data = sample_data()
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    table = lua_json.parse(text)
    if json.loads(lua_json.encode(table)) != data:
        raise SystemExit("json round trip differs: benchmark is not measuring the same data")

    def py_dumps() -> object:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    timings = {
        "encode": (_best(lambda: lua_json.encode(table), runs), _best(py_dumps, runs)),
        "parse": (_best(lambda: lua_json.parse(text), runs), _best(lambda: json.loads(text), runs)),
    }
    print(f"json ({len(text) / 1e6:.2f} MB document, best of {runs})")
    for name, (ours, theirs) in timings.items():
        ratio = ours / theirs
        python_name = "json.dumps" if name == "encode" else "json.loads"
        print(
            f"  json.{name:<6} {ours:6.1f} ms   {python_name} {theirs:6.1f} ms   "
            f"ratio {ratio:.2f} (target <= {JSON_TARGET})  {_verdict(ratio, JSON_TARGET)}"
        )
    vm.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per measurement")
    args = parser.parse_args()
    bench_startup(args.runs)
    bench_json(args.runs)


if __name__ == "__main__":
    main()
