"""Emulator throughput: GET /clients/{id} over one keep-alive connection from one thread.

Prints requests/s (target >= 1,000/s) and how wall time splits between the emulator's
server-side handling (request parsed -> response written) and everything else (the client,
the kernel, thread hand-offs).

    .venv/bin/python benchmarks/emulator_bench.py [-n 5000]
"""

from __future__ import annotations

import argparse
import time

import httpx

from assay_py.emulator import RauthyEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="requests to time")
    args = parser.parse_args()

    with RauthyEmulator() as emu:
        headers = {"Authorization": f"API-Key {emu.api_key}"}
        with httpx.Client(base_url=emu.url, headers=headers) as client:
            body = {"id": "bench", "confidential": True, "redirect_uris": ["https://b.example/cb"]}
            assert client.post("/clients", json=body).status_code == 200
            for _ in range(200):  # warm-up: connection, code paths
                client.get("/clients/bench")
            handled0, server0 = emu.handler_stats()
            start = time.perf_counter()
            for _ in range(args.n):
                response = client.get("/clients/bench")
                if response.status_code != 200:
                    raise SystemExit(f"unexpected status {response.status_code}")
            wall = time.perf_counter() - start
            handled1, server1 = emu.handler_stats()

    server = server1 - server0
    assert handled1 - handled0 == args.n
    print(f"requests:            {args.n}")
    print(f"wall time:           {wall:.3f} s")
    print(f"throughput:          {args.n / wall:,.0f} req/s (target >= 1,000)")
    print(f"per request:         {wall / args.n * 1e6:.0f} us")
    print(f"emulator (server):   {server:.3f} s = {server / wall:.0%} of wall time")
    print(f"client and transport:{wall - server:.3f} s = {(wall - server) / wall:.0%}")


if __name__ == "__main__":
    main()
