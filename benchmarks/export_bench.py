"""Export of a Rauthy holding 2,000 clients (plus a few of every other kind): requests and time.

Seeds the emulator on loopback, then times ``export_instance`` (every kind) and the plan of the
exported file, which must show no changes. Target: at most one request per kind exported,
whatever the size, the export's own count of them right, and the plan of the export in sync.

    .venv/bin/python benchmarks/export_bench.py [--clients 2000] [--runs 3] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from _support import settled

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative.export import export_instance, render_export
from assay_py.rauthy.declarative.instance import apply_instance, plan_instance


def document(clients: int) -> dict[str, Any]:
    return {
        "user_attributes": [{"name": "department", "desc": "org unit"}],
        "scopes": [{"name": f"app:s{i}", "attr_include_access": ["department"]} for i in range(20)],
        "roles": [{"name": f"role-{i}", "meta": {"n": i}} for i in range(20)],
        "groups": [{"name": f"group-{i}"} for i in range(20)],
        "clients": [
            {"preset": "grafana", "id": f"bench-{i:04}", "host": f"g{i}.example.com"}
            if i % 4 == 0
            else {
                "id": f"bench-{i:04}",
                "name": f"Bench {i}",
                "confidential": i % 3 != 0,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
                "scopes": ["openid", "email", f"app:s{i % 20}"],
                "access_token_lifetime": 600 + i % 7,
            }
            for i in range(clients)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with RauthyEmulator() as emu, rauthy.client(emu.url, emu.api_key) as client:
        if not apply_instance(client, document(args.clients), parallel=8).ok:
            raise SystemExit("seeding failed")
        emu.faults.latency(args.latency_ms / 1000)
        times, sent = [], 0
        for _ in range(args.runs):
            before = settled(emu)
            start = time.perf_counter()
            result = export_instance(client)
            text = render_export(result, "yaml")
            times.append(time.perf_counter() - start)
            sent = settled(emu) - before
        start = time.perf_counter()
        plan = plan_instance(client, result.document)
        plan_time = time.perf_counter() - start
    best, median = min(times), statistics.median(times)
    print(f"export of {args.clients} clients (+61 other items), latency {args.latency_ms} ms")
    print(f"export: {sent} requests, best {best:.3f} s, median {median:.3f} s ({len(text)} bytes)")
    print(f"  per client: {best / args.clients * 1e6:.0f} us")
    print(f"plan of the export: {plan_time:.3f} s, changes: {plan.has_changes}")
    print(f"ratio plan/export: {plan_time / best:.2f}x")
    kinds = len(result.counts)
    print(f"export counted {result.reads} requests itself, for {kinds} kinds")
    ok = sent <= kinds and sent == result.reads and not plan.has_changes
    print(
        f"target (at most one request per kind: {kinds}; counted right; plan in sync):",
        "met" if ok else "MISSED",
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
