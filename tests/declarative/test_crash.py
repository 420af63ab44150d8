"""Crash consistency: SIGKILL ``assay-py rauthy apply`` / ``rotate`` / a rebuild at seeded random
moments, run the same command again, and check the guarantee of publication:

- right after a kill, ``plan`` (same destinations) exits 0 only if every destination already
  holds the live secret of every confidential client, and no client is missing;
- the re-run exits 0 and leaves every destination equal to the live secret, every client
  present exactly once, and ``plan`` exits 0.

The commands run as real subprocesses against an emulator in this process; its latency
widens the windows between journal, request and publication. Kills are bounded in count, and
each kill waits for the emulator to finish what the killed run sent before checking.
"""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

SEED = 20261201
KILLS = 8
LATENCY_S = 0.01
JITTER_S = 0.02


@dataclass
class Setup:
    emu: RauthyEmulator
    env: dict[str, str]
    tmp: Path
    clients_file: Path
    confidential: list[str]
    all_ids: list[str]
    client: rauthy.RauthyClient

    @property
    def destinations(self) -> list[str]:
        return [
            "--secrets-dir",
            str(self.tmp / "secrets"),
            "--k8s-secret-namespace",
            "auth",
            "--k8s-out",
            str(self.tmp / "secrets.yaml"),
        ]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "assay_py", "rauthy", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), env=self.env, capture_output=True, text=True, timeout=60
        )

    def rerun(self, last: bool, *args: str) -> subprocess.CompletedProcess[str]:
        """The same command again: in this process (no start-up cost) except the ``last``
        time, which runs the real command line once more."""
        if last:
            return self.run(*args)
        result = CliRunner().invoke(main, ["rauthy", *args], env=self._rauthy_env())
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    def _rauthy_env(self) -> dict[str, str | None]:
        return {k: v for k, v in self.env.items() if k.startswith("RAUTHY_")}

    def run_killed(self, delay: float, *args: str) -> float | None:
        """Start the command, SIGKILL it ``delay`` s after its first request reached Rauthy
        (start-up is no interesting moment). None when killed, else how long it ran."""
        process = self._start(*args)
        started = time.monotonic()
        try:
            process.wait(timeout=delay)
            return time.monotonic() - started
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            self._settle()
            return None

    def request_phase(self, *args: str) -> float:
        """Seconds from the command's first request to its exit, for a run not killed."""
        process = self._start(*args)
        started = time.monotonic()
        assert process.wait(timeout=60) == 0
        return time.monotonic() - started

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        before = len(self.emu.requests)
        process = subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while len(self.emu.requests) == before and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        return process

    def _settle(self) -> None:
        """Let the emulator finish what the killed run had sent (each request waits out the
        latency first), so that the checks do not race with a dead run's last request."""
        seen = -1
        stable = 0
        while stable < 2:
            time.sleep(LATENCY_S + JITTER_S + 0.05)
            count = len(self.emu.requests)
            stable = stable + 1 if count == seen else 0
            seen = count

    def plan_exit(self) -> int:
        result = CliRunner().invoke(
            main,
            ["rauthy", "plan", str(self.clients_file), *self.destinations],
            env=self._rauthy_env(),
        )
        return result.exit_code

    def problems(self) -> list[str]:
        """Every way the destinations and Rauthy differ from the file; empty when converged."""
        found: list[str] = []
        live_ids = Counter(str(c["id"]) for c in self.api().clients.list())
        found += [f"{cid} duplicated" for cid, n in live_ids.items() if n > 1]
        found += [f"{cid} missing in Rauthy" for cid in self.all_ids if cid not in live_ids]
        manifests = _manifest_secrets(self.tmp / "secrets.yaml")
        for cid in self.confidential:
            live = self.emu.client_secret(cid)
            file = self.tmp / "secrets" / cid
            if not file.exists() or file.read_text() != live:
                found.append(f"{cid}: secret file differs from the live secret")
            if manifests.get(cid) != live:
                found.append(f"{cid}: manifest differs from the live secret")
        return found

    def api(self) -> rauthy.RauthyClient:
        return self.client

    def check_after_kill(self) -> None:
        problems = self.problems()
        code = self.plan_exit()
        assert code in (0, 2)
        if problems:
            assert code == 2, f"plan said in sync while {problems}"

    def check_converged(self, result: subprocess.CompletedProcess[str]) -> None:
        assert result.returncode == 0, result.stderr
        assert self.problems() == []
        assert self.plan_exit() == 0
        leftovers = [
            p.name
            for directory in (self.tmp, self.tmp / "secrets")
            for p in directory.iterdir()
            if p.name.startswith(".")
        ]
        assert leftovers == []  # no journal, no temporary holding a secret


def _manifest_secrets(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out = {}
    for doc in yaml.safe_load_all(path.read_text()):
        data = doc["data"]
        out[base64.b64decode(data["client_id"]).decode()] = base64.b64decode(
            data["client_secret"]
        ).decode()
    return out


def _entries(count: int, *, pkce: bool) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i in range(count):
        cid = f"app{i:02}"
        entry: dict[str, object] = {
            "id": cid,
            "confidential": i % 5 != 4,
            "redirect_uris": [f"https://{cid}.example.com/cb"],
        }
        if pkce or i % 5 == 4:
            entry["challenges"] = ["S256"]
        out.append(entry)
    return out


@pytest.fixture
def setup(rauthy_emulator: RauthyEmulator, tmp_path: Path) -> Iterator[Setup]:
    env = {
        **os.environ,
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
    }
    env.pop("RAUTHY_API_KEY_FILE", None)
    rauthy_emulator.faults.latency(LATENCY_S, JITTER_S)
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key, backoff_base=0.005) as api:
        yield Setup(rauthy_emulator, env, tmp_path, tmp_path / "clients.yaml", [], [], api)


def _write_file(setup: Setup, entries: list[dict[str, object]]) -> None:
    setup.clients_file.write_text(yaml.safe_dump(entries))
    setup.all_ids = [str(e["id"]) for e in entries]
    setup.confidential = [str(e["id"]) for e in entries if e["confidential"]]


class Delays:
    """Seeded kill delays within a run's request phase; a run that ended before its kill
    narrows the range, so that a loaded machine does not turn kills into misses."""

    def __init__(self, seed: int, full: float) -> None:
        self._rng = random.Random(seed)
        self._full = full
        self.killed = 0

    def next(self) -> float:
        return self._rng.uniform(0.0, self._full)

    def outcome(self, ran: float | None) -> bool:
        if ran is None:
            self.killed += 1
            return True
        self._full = min(self._full, ran) * 0.8
        return False


def _timed(setup: Setup, *args: str) -> float:
    phase = setup.request_phase(*args)
    setup.check_converged(setup.rerun(False, *args))
    return phase


def test_apply_killed_anywhere_is_repaired_by_the_next_apply(setup: Setup) -> None:
    rng = random.Random(SEED)  # what to perturb; Delays has its own
    _write_file(setup, _entries(20, pkce=False))
    apply = ("apply", str(setup.clients_file), *setup.destinations, "--parallel", "4")
    delays = Delays(SEED, _timed(setup, *apply))
    for i in range(KILLS):
        # Work for the next run: clients to create again, files deleted by hand.
        api = setup.api()
        for cid in rng.sample(setup.all_ids, 8):
            api.clients.delete(cid)
        for cid in rng.sample(setup.confidential, 3):
            (setup.tmp / "secrets" / cid).unlink(missing_ok=True)
        delays.outcome(setup.run_killed(delays.next(), *apply))
        setup.check_after_kill()
        setup.check_converged(setup.rerun(i == KILLS - 1, *apply))
    assert delays.killed >= KILLS // 2  # most kills landed inside a run


def test_rebuild_killed_anywhere_is_repaired_by_the_next_apply(setup: Setup) -> None:
    rng = random.Random(SEED + 1)
    _write_file(setup, _entries(15, pkce=True))
    apply = ("apply", str(setup.clients_file), *setup.destinations, "--parallel", "3")
    delays = Delays(SEED + 1, _timed(setup, *apply))
    for i in range(KILLS):
        api = setup.api()
        for cid in rng.sample(setup.all_ids, 6):  # live without PKCE: the plan rebuilds them
            live = api.clients.get(cid)
            assert live is not None
            api.clients.put(cid, {**live, "challenges": None})
        delays.outcome(setup.run_killed(delays.next(), *apply))
        setup.check_after_kill()
        setup.check_converged(setup.rerun(i == KILLS - 1, *apply))
    assert delays.killed >= KILLS // 2


def test_rotate_killed_anywhere_is_repaired_by_rotate_or_apply(setup: Setup) -> None:
    _write_file(setup, _entries(5, pkce=False))
    apply = ("apply", str(setup.clients_file), *setup.destinations)
    setup.check_converged(setup.run(*apply))
    setup.emu.faults.latency(0.1, 0.1)  # the rotation's PUT is the window that matters
    rotate = ("rotate", "app01", "--grace-hours", "1", *setup.destinations)
    delays = Delays(SEED + 2, _timed(setup, *rotate))
    for i in range(KILLS):
        old = setup.emu.client_secret("app01")
        if delays.outcome(setup.run_killed(delays.next(), *rotate)):
            time.sleep(0.2)  # the rotation's latency in this test
        setup.check_after_kill()
        # Both repairs work: running the rotate again, or an apply (reads, never rotates).
        if i % 2:
            setup.check_converged(setup.rerun(i == KILLS - 1, *rotate))
            assert setup.emu.client_secret("app01") != old
        else:
            before = setup.emu.client_secret("app01")
            setup.check_converged(setup.rerun(i == KILLS - 2, *apply))
            assert setup.emu.client_secret("app01") == before  # repaired by reading
    assert delays.killed >= KILLS // 2
