"""Apply converges through a flaky network: random 503s and dropped connections."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative import apply_clients, parse_entries
from assay_py.rauthy.declarative.render import render_apply_text

from .conftest import confidential, public


def test_apply_of_100_clients_converges_under_faults(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    payloads = [confidential(f"app{i:03}") if i % 3 else public(f"app{i:03}") for i in range(100)]
    entries = parse_entries(payloads)
    faults = rauthy_emulator.faults
    faults.random_failures(0.10, seed=20260528)
    # Dropped connections, both before Rauthy acts and after it acted (the answer is lost).
    faults.drop_next(4, when="after", method="POST", path="/clients")
    faults.drop_next(4, when="before", method="POST", path="/clients")
    faults.drop_next(3, when="after", method="PUT", path="/clients/*")
    faults.drop_next(3, when="after", method="POST", path="/clients/*/secret")
    faults.drop_next(2, when="before", method="GET")

    applied = apply_clients(client, entries, parallel=8, secrets_dir=tmp_path)

    assert applied.ok, render_apply_text(applied)
    assert any(r.attempts > 1 for r in applied.results)  # the faults did bite
    live_ids = Counter(c["id"] for c in client.clients.list())
    assert all(n == 1 for n in live_ids.values())
    assert set(live_ids) == {p["id"] for p in payloads} | {"rauthy"}

    confidential_ids = {str(p["id"]) for p in payloads if p["confidential"]}
    assert {f.name for f in tmp_path.iterdir()} == confidential_ids
    for client_id in confidential_ids:
        assert (tmp_path / client_id).read_text() == rauthy_emulator.client_secret(client_id)

    # Still flaky, and nothing left to do.
    again = apply_clients(client, entries, parallel=8, secrets_dir=tmp_path)
    assert again.ok
    assert {r.action for r in again.results} == {"noop"}
