"""Declarative apply: parallel speed-up under network latency, and the cost of a no-op plan.

Creates N clients (two thirds confidential: POST + PUT + secret read each) against the
emulator with a fixed injected latency per request, once with --parallel 1 and once with
--parallel P over one pooled connection, and prints both times and the ratio
(target: >= 5x for 500 clients, 10 ms, P = 8). Then plans the N unchanged clients and prints
how many requests that took (target: 1).

    .venv/bin/python benchmarks/apply_bench.py [--clients 500] [--latency-ms 10] [--parallel 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative import apply_clients, parse_entries, plan_clients


def payloads(count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        out.append(
            {
                "id": f"bench-{i:04}",
                "name": f"Bench {i}",
                "confidential": i % 3 != 0,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
                "access_token_lifetime": 900,  # not a create default: forces the PUT
            }
        )
    return out


def settled_count(emu: RauthyEmulator) -> int:
    # The emulator logs a request just after answering it; let the log catch up.
    last = emu.request_count()
    while True:
        time.sleep(0.02)
        now = emu.request_count()
        if now == last:
            return now
        last = now


def timed_apply(
    emu: RauthyEmulator, entries: Any, parallel: int, latency_s: float
) -> tuple[float, int]:
    emu.reset()  # fresh clients; also clears faults
    emu.faults.latency(latency_s)
    with rauthy.client(emu.url, emu.api_key) as client, tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = apply_clients(client, entries, parallel=parallel, secrets_dir=out)
        elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"apply failed: {[r.error for r in report.failed][:3]}")
    return elapsed, settled_count(emu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    entries = parse_entries(payloads(args.clients))

    with RauthyEmulator() as emu:
        serial, serial_requests = timed_apply(emu, entries, 1, latency)
        fast, fast_requests = timed_apply(emu, entries, args.parallel, latency)
        print(f"clients: {args.clients}, injected latency: {args.latency_ms:g} ms per request")
        print(f"apply --parallel 1:  {serial:7.2f} s  ({serial_requests} requests)")
        print(f"apply --parallel {args.parallel}:  {fast:7.2f} s  ({fast_requests} requests)")
        ratio = serial / fast
        verdict = "ok" if ratio >= 5 else "BELOW TARGET"
        print(f"speed-up: {ratio:.1f}x (target >= 5x: {verdict})")

        before = settled_count(emu)
        with rauthy.client(emu.url, emu.api_key) as client:
            start = time.perf_counter()
            report = plan_clients(client, entries)
            elapsed = time.perf_counter() - start
        requests = settled_count(emu) - before
        counts = report.counts()
        print(
            f"plan of {args.clients} unchanged clients: {requests} request(s),"
            f" {elapsed * 1000:.0f} ms, noop={counts['noop']}"
            f" (target: 1 request: {'ok' if requests == 1 and not report.has_changes else 'NO'})"
        )


if __name__ == "__main__":
    main()
