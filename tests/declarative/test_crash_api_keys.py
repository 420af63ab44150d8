"""Crash consistency for API keys (as ``test_crash.py`` for client secrets): SIGKILL ``assay-py
rauthy apply`` at seeded random moments while it mints keys, run it again, and check:

- right after a kill, ``plan`` exits 0 only if every destination holds a working token of
  every key in the file;
- the re-run exits 0, every destination then holds a token that authenticates (a real request
  with it succeeds), and ``plan`` exits 0 with no journal or temporary left behind.

A token cannot be read back, so every repair is a rotation: the plan shows ``(publish)``.
"""

from __future__ import annotations

import base64
import os
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator

from .test_crash import JITTER_S, LATENCY_S, SEED, Delays, Setup

KILLS = 6
NAMES = [f"key{i}" for i in range(6)]


class KeysSetup(Setup):
    def works(self, token: str | None) -> bool:
        if not token or "$" not in token:
            return False
        name = token.partition("$")[0]
        answer = httpx.get(
            f"{self.emu.url}/api_keys/{name}/test",
            headers={"Authorization": f"API-Key {token}"},
            timeout=10,
        )
        return answer.status_code == 200

    def problems(self) -> list[str]:
        found: list[str] = []
        live = {k["name"] for k in self.client.api_keys.list()}
        found += [f"{n} missing in Rauthy" for n in NAMES if n not in live]
        manifests = _manifest_tokens(self.tmp / "secrets.yaml")
        for name in NAMES:
            file = self.tmp / "secrets" / f"api-key@{name}"
            if not self.works(file.read_text() if file.exists() else None):
                found.append(f"{name}: the file's token does not work")
            if not self.works(manifests.get(name)):
                found.append(f"{name}: the manifest's token does not work")
        return found


def _manifest_tokens(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out = {}
    for doc in yaml.safe_load_all(path.read_text()):
        data = doc["data"]
        out[base64.b64decode(data["api_key_name"]).decode()] = base64.b64decode(
            data["api_key"]
        ).decode()
    return out


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[KeysSetup]:
    with RauthyEmulator(version="0.36") as emu:
        env = {**os.environ, "RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key}
        env.pop("RAUTHY_API_KEY_FILE", None)
        emu.faults.latency(LATENCY_S, JITTER_S)
        with rauthy.client(emu.url, emu.api_key, backoff_base=0.005) as api:
            file = tmp_path / "rauthy.yaml"
            entries = [
                {"name": n, "access": {"Clients": ["read"]}, "expires_in": "30d"} for n in NAMES
            ]
            file.write_text(yaml.safe_dump({"api_keys": entries}))
            yield KeysSetup(emu, env, tmp_path, file, [], NAMES, api)


def test_apply_minting_keys_killed_anywhere_is_repaired_by_the_next_apply(
    setup: KeysSetup,
) -> None:
    rng = random.Random(SEED + 3)
    apply = ("apply", str(setup.clients_file), *setup.destinations)
    phase = setup.request_phase(*apply)
    setup.check_converged(setup.rerun(False, *apply))
    delays = Delays(SEED + 3, phase)
    for i in range(KILLS):
        # Work for the next run: keys to create again, a token file deleted by hand.
        for name in rng.sample(NAMES, 2):
            setup.client.api_keys.delete(name)
        (setup.tmp / "secrets" / f"api-key@{rng.choice(NAMES)}").unlink(missing_ok=True)
        delays.outcome(setup.run_killed(delays.next(), *apply))
        setup.check_after_kill()
        setup.check_converged(setup.rerun(i == KILLS - 1, *apply))
    assert delays.killed >= KILLS // 2
