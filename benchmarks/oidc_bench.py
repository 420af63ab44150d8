"""Sign-in figures: the first JWKS request of a fresh process (keys built on demand), and
``client_credentials`` grants per second on one keep-alive connection, per signing algorithm.

    .venv/bin/python benchmarks/oidc_bench.py [-n 2000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import httpx

from assay_py.emulator import RauthyEmulator

# The hand-written prime search this replaced took about this long for the first JWKS.
_BEFORE_S = 3.5
_FIRST_JWKS = """
import time, httpx
from assay_py.emulator import RauthyEmulator
with RauthyEmulator() as emu:
    start = time.perf_counter()
    r = httpx.get(emu.url + "/oidc/certs")
    print(time.perf_counter() - start, len(r.json()["keys"]))
"""


def first_jwks(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_JWKS], capture_output=True, text=True, check=True
        )
        seconds, keys = out.stdout.split()
        assert keys == "4"
        times.append(float(seconds))
    return times


def grants_per_second(alg: str, n: int) -> tuple[float, float]:
    with RauthyEmulator() as emu:
        headers = {"Authorization": f"API-Key {emu.api_key}"}
        with httpx.Client(base_url=emu.url, headers=headers) as api:
            body = {"id": "bench", "confidential": True, "redirect_uris": ["https://b.example/cb"]}
            assert api.post("/clients", json=body).status_code == 200
            full = api.get("/clients/bench").json()
            full.update(flows_enabled=["client_credentials"], access_token_alg=alg)
            assert api.put("/clients/bench", json=full).status_code == 200
        secret = emu.client_secret("bench")
        assert secret is not None
        form = {"grant_type": "client_credentials", "client_id": "bench", "client_secret": secret}
        with httpx.Client(base_url=emu.url) as client:
            for _ in range(50):  # warm-up: connection, keys, code paths
                client.post("/oidc/token", data=form)
            handled0, server0 = emu.handler_stats()
            start = time.perf_counter()
            for _ in range(n):
                r = client.post("/oidc/token", data=form)
                if r.status_code != 200:
                    raise SystemExit(f"unexpected status {r.status_code}: {r.text}")
            wall = time.perf_counter() - start
            handled1, server1 = emu.handler_stats()
    # The server counts a request just after its answer leaves: the last may be pending.
    return n / wall, (server1 - server0) / max(handled1 - handled0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="grants to time per algorithm")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes for first JWKS")
    args = parser.parse_args()

    times = first_jwks(args.runs)
    best, worst = min(times), max(times)
    print(
        f"first JWKS request:  best {best * 1000:.0f} ms, worst {worst * 1000:.0f} ms "
        f"over {args.runs} fresh processes (was ~{_BEFORE_S:.1f} s: "
        f"{_BEFORE_S / worst:.0f}x faster at worst)"
    )
    for alg in ("EdDSA", "RS256", "RS512"):
        rate, server = grants_per_second(alg, args.n)
        print(
            f"client_credentials {alg:<6} {rate:>7,.0f} grants/s on one keep-alive "
            f"connection, {server * 1e6:.0f} us server-side each"
        )


if __name__ == "__main__":
    main()
