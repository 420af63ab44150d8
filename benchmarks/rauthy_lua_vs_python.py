"""Reconcile 200 mixed clients from Python and from Lua: wall time, requests, and the ratio.

Both paths do the same work against one emulator, run in its own process as a real Rauthy
would be (so it takes no CPU time or GIL from the measured path): build each client's payload from
a preset, then reconcile it, for three rounds (all created; all unchanged; every third one
renamed, so a put). The Lua path is a script run by our host through ``require("assay.rauthy")``;
the target is Lua within 1.15x of Python. Each round is timed ``--repeat`` times on a fresh
emulator state, the two paths taking turns, and the best time of each is kept.

    .venv/bin/python benchmarks/rauthy_lua_vs_python.py [--clients 200] [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from multiprocessing.managers import BaseManager
from typing import Protocol

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost
from assay_py.rauthy import client_presets

ROUNDS = ("create all", "unchanged", "every third renamed")

LUA_ROUND = """
local rauthy = require("assay.rauthy")
local url, key, count, round = ...
local c = rauthy.client(url, key)
local names = rauthy.preset_names()
local actions = {}
for i = 0, count - 1 do
  local name = names[(i % #names) + 1]
  local payload = rauthy.client_presets[name]({
    host = "app" .. i .. ".example.com", id = name .. "-" .. i,
  })
  if round == 3 and i % 3 == 0 then payload.name = "Renamed " .. i end
  local r = c.clients:reconcile(payload)
  actions[r.action] = (actions[r.action] or 0) + 1
end
return actions
"""


def python_round(url: str, key: str, count: int, round_no: int) -> dict[str, int]:
    names = client_presets.names()
    actions: dict[str, int] = {}
    with rauthy.client(url, key) as c:
        for i in range(count):
            name = names[i % len(names)]
            payload = client_presets.get(name)({"host": f"app{i}.example.com", "id": f"{name}-{i}"})
            if round_no == 3 and i % 3 == 0:
                payload["name"] = f"Renamed {i}"
            action = c.clients.reconcile(payload)["action"]
            actions[action] = actions.get(action, 0) + 1
    return actions


class LuaRound:
    """The Lua path: one host for the whole benchmark, as one long script would have."""

    def __init__(self) -> None:
        self.host = LuaHost()

    def __call__(self, url: str, key: str, count: int, round_no: int) -> dict[str, int]:
        (actions,) = self.host.vm.execute(LUA_ROUND, "=bench", url, key, count, round_no)
        return {k.decode(): int(v) for k, v in actions.items()}


class Emulator(Protocol):
    url: str
    api_key: str

    def reset(self) -> None: ...
    def request_count(self) -> int: ...


class _EmulatorProcess:
    """The emulator's side of the manager process; methods are called over a pipe."""

    def __init__(self) -> None:
        self.emu = RauthyEmulator().start()

    def address(self) -> tuple[str, str]:
        return self.emu.url, self.emu.api_key

    def reset(self) -> None:
        self.emu.reset()

    def request_count(self) -> int:
        return self.emu.request_count()


class _Manager(BaseManager):
    pass


_Manager.register("Emulator", _EmulatorProcess)


class RemoteEmulator:
    def __init__(self, manager: _Manager) -> None:
        self._remote = manager.Emulator()  # type: ignore[attr-defined]
        self.url, self.api_key = self._remote.address()

    def reset(self) -> None:
        self._remote.reset()

    def request_count(self) -> int:
        count: int = self._remote.request_count()
        return count


Runner = Callable[[str, str, int, int], dict[str, int]]
Measured = tuple[float, int, dict[str, int]]


def timed_round(emu: Emulator, runner: Runner, count: int, round_no: int) -> Measured:
    emu.reset()
    for earlier in range(1, round_no):  # bring the emulator to this round's start
        runner(emu.url, emu.api_key, count, earlier)
    before = emu.request_count()
    start = time.perf_counter()
    actions = runner(emu.url, emu.api_key, count, round_no)
    return time.perf_counter() - start, emu.request_count() - before, actions


def measure(
    emu: Emulator, runners: dict[str, Runner], count: int, repeat: int
) -> dict[str, list[Measured]]:
    """Per path, the best (wall time, requests, actions) of each round.

    The paths take turns within each repetition, so a slow moment of the machine hits both.
    """
    best: dict[str, list[Measured]] = {name: [] for name in runners}
    for round_no in (1, 2, 3):
        runs: dict[str, list[Measured]] = {name: [] for name in runners}
        for _ in range(repeat):
            for name, runner in runners.items():
                runs[name].append(timed_round(emu, runner, count, round_no))
        for name, measured in runs.items():
            best[name].append(min(measured, key=lambda m: m[0]))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with _Manager() as manager:
        emu = RemoteEmulator(manager)
        runners: dict[str, Runner] = {"python": python_round, "lua": LuaRound()}
        results = measure(emu, runners, args.clients, args.repeat)
    where = "emulator in its own process"
    print(f"reconcile {args.clients} mixed clients, best of {args.repeat} ({where})")
    print(f"  {'round':<22}{'python s':>10}{'lua s':>10}{'ratio':>8}{'requests':>10}  actions")
    worst = 0.0
    total_py = total_lua = 0.0
    for name, py, lua in zip(ROUNDS, results["python"], results["lua"], strict=True):
        if py[1] != lua[1] or py[2] != lua[2]:
            raise SystemExit(f"{name}: the two paths did different work: {py[1:]} vs {lua[1:]}")
        ratio = lua[0] / py[0]
        worst = max(worst, ratio)
        total_py += py[0]
        total_lua += lua[0]
        shown = ", ".join(f"{k} {v}" for k, v in sorted(py[2].items()))
        print(f"  {name:<22}{py[0]:>10.3f}{lua[0]:>10.3f}{ratio:>8.2f}{py[1]:>10}  {shown}")
    overall = total_lua / total_py
    print(f"  {'all rounds':<22}{total_py:>10.3f}{total_lua:>10.3f}{overall:>8.2f}")
    print(f"Lua / Python: {overall:.2f}x overall, {worst:.2f}x worst round (target <= 1.15x)")


if __name__ == "__main__":
    main()
