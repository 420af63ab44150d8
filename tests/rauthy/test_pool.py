"""One client's connection pool: reused under parallel apply, TLS built only for https."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative import apply_clients, parse_entries


def _confidential(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"pool-{i:03}",
            "name": f"Pool {i}",
            "confidential": True,
            "redirect_uris": [f"https://app{i}.example.com/cb"],
            "access_token_lifetime": 900,  # not a create default: a PUT after the POST
        }
        for i in range(count)
    ]


def test_parallel_apply_reuses_connections_and_sends_each_request_once(tmp_path: Path) -> None:
    # Before: 16 keep-alive slots for 32 workers and a listen backlog of 5 opened hundreds of
    # connections per apply, with resets that the transport retried.
    count, parallel = 200, 32
    entries = parse_entries(_confidential(count))
    with RauthyEmulator() as emu, rauthy.client(emu.url, emu.api_key) as client:
        # 20 ms of latency keeps all workers' requests in flight at once, as over a network.
        emu.faults.latency(0.02)
        before = emu.request_count()
        report = apply_clients(client, entries, parallel=parallel, secrets_dir=tmp_path)
        assert report.ok, [r.error for r in report.failed][:3]
        assert emu.connections_opened() <= 2 * parallel
        # GET /clients, then POST, PUT and the secret read per client: no request twice.
        assert emu.request_count() - before == 3 * count + 1
        assert emu.request_count("POST", "/clients") - 2 * count == 0  # create + secret read
    assert len(list(tmp_path.iterdir())) == count


_COUNT_CA_LOADS = """
import ssl, sys
loads = []
original = ssl.SSLContext.load_verify_locations
def counting(self, *args, **kwargs):
    loads.append(1)
    return original(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counting
from assay_py import rauthy
key = "ansible$" + "k" * 64
with rauthy.client(sys.argv[1], key) as c:
    c.sys.health()
    print(len(loads))
"""


def _ca_loads(url: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_CA_LOADS, url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_client_of_an_http_url_loads_no_ca_bundle() -> None:
    # Every client used to build a verifying TLS context (about 26 ms), http:// or not.
    with RauthyEmulator() as emu:
        assert _ca_loads(emu.url) == 0


def test_an_https_url_still_gets_a_verifying_context() -> None:
    # Nothing listens on port 9 here: health() is False, but the TLS context was built first.
    assert _ca_loads("https://127.0.0.1:9/auth/v1") >= 1
