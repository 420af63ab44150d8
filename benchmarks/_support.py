"""Shared by the benchmarks: interleaved timing of commands, and an emulator in its own process.

Figures on a shared machine drift; so the commands of one comparison take turns (A B A B ...)
and each is quoted by its median, with the ratio of the medians. An emulator under test runs
in a separate process, as a real Rauthy would, so it takes no CPU time or GIL from the client.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

BIN = Path(sys.executable).parent
ASSAY_PY = str(BIN / "assay-py")
PYTHON = sys.executable


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # Bytecode caching on, as in an installed package; nothing of ours on stdout/stderr.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra or {})
    return env


def run_command(command: Sequence[str], env: Mapping[str, str], ok: Sequence[int] = (0,)) -> float:
    """Wall seconds of one run; fails loudly if the command fails."""
    start = time.perf_counter()
    done = subprocess.run(list(command), env=dict(env), capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(
            f"{command[:4]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-800:]}"
        )
    return elapsed


def interleaved(
    runs: Mapping[str, Callable[[], float]], count: int, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of each callable, called in turn ``count`` times after ``warmup`` rounds."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(warmup + count):
        for name, run in runs.items():
            seconds = run()
            if round_ >= warmup:
                samples[name].append(seconds)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, ours: float, floor: float, target: float | None, unit: str = "ms") -> bool:
    """One line: ours, the floor, the ratio and the verdict against ``target``."""
    scale = 1000.0 if unit == "ms" else 1.0
    ratio = ours / floor if floor else float("inf")
    verdict = ""
    if target is not None:
        verdict = f"  (target <= {target:g}x: {'ok' if ratio <= target else 'ABOVE TARGET'})"
    print(
        f"{title:<44} ours {ours * scale:9.1f} {unit}  floor {floor * scale:9.1f} {unit}"
        f"  ratio {ratio:5.2f}x{verdict}"
    )
    return target is None or ratio <= target


class Counting(Protocol):
    """An in-process emulator, as far as counting its requests goes."""

    def request_count(self) -> int: ...


def settled(emu: Counting) -> int:
    """The emulator's request count once it stops moving.

    The emulator logs a request just after answering it; let the log catch up.
    """
    last = emu.request_count()
    while True:
        time.sleep(0.02)
        now = emu.request_count()
        if now == last:
            return now
        last = now


def phase(emu: Counting, label: str, action: Callable[[], Any]) -> tuple[Any, int, float]:
    """``(result, requests, seconds)`` of ``action()``, printed as one line under ``label``."""
    before = settled(emu)
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    sent = settled(emu) - before
    print(f"{label:<34} {sent:>6} requests  {elapsed:>8.3f} s")
    return result, sent, elapsed


# The emulator process: reads commands on stdin, answers one JSON line each.
_EMULATOR = """
import json, sys
from assay_py.emulator import RauthyEmulator
with RauthyEmulator() as emu:
    print(json.dumps({"url": emu.url, "key": emu.api_key, "pid": __import__("os").getpid()}),
          flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "reset":
            emu.reset()
            print(json.dumps({"ok": True}), flush=True)
        elif command == "stats":
            print(json.dumps({"requests": emu.request_count(),
                              "connections": emu.connections_opened()}), flush=True)
        else:
            break
"""


class EmulatorProcess:
    """``with EmulatorProcess() as emu:`` a loopback emulator in a child process."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [PYTHON, "-c", _EMULATOR],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=bench_env(),
        )
        hello = self._read()
        self.url: str = hello["url"]
        self.api_key: str = hello["key"]
        self.pid: int = hello["pid"]

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator process ended")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._read()

    def reset(self) -> None:
        self._ask("reset")

    def stats(self) -> tuple[int, int]:
        """(requests seen, TCP connections accepted) since start."""
        answer = self._ask("stats")
        return answer["requests"], answer["connections"]

    def env(self) -> dict[str, str]:
        return bench_env({"RAUTHY_URL": self.url, "RAUTHY_API_KEY": self.api_key})

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write("quit\n")
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()


def confidential_clients(count: int, prefix: str = "bench") -> list[dict[str, Any]]:
    """``count`` confidential clients that each take POST + PUT + the secret read."""
    return [
        {
            "id": f"{prefix}-{i:05}",
            "name": f"Bench {i}",
            "confidential": True,
            "redirect_uris": [f"https://app{i}.example.com/callback"],
            "access_token_lifetime": 900,  # not a create default: forces the PUT
        }
        for i in range(count)
    ]
