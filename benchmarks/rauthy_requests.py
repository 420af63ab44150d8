"""Rauthy client, Python path: requests per reconcile action, and 200 mixed clients.

Against the emulator, prints for each action the requests one ``reconcile`` sent (targets:
noop 1, put 2, public create 2-3, confidential create <= 4, rebuild <= 5), then reconciles 200
clients built from every preset three times (all created; all unchanged; a mix of put, rebuild
and noop) and prints wall time and requests for each run, sequential and over 8 threads
sharing one client (threads only pay off with network latency: try --latency-ms 5).

    .venv/bin/python benchmarks/rauthy_requests.py [--clients 200] [--threads 8] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy import client_presets

HOST = "app.example.com"

Payload = dict[str, Any]


def admin_requests(emu: RauthyEmulator, c: rauthy.RauthyClient) -> int:
    # The emulator logs a request just after answering it; a health probe on the same
    # keep-alive connection is read only once the previous request is logged.
    c.sys.health()
    return sum(1 for r in emu.requests if not r.path.endswith("/health"))


def without(payload: Payload, field: str) -> Payload:
    return {k: v for k, v in payload.items() if k != field}


def per_action(emu: RauthyEmulator) -> list[tuple[str, int, str, bool]]:
    """(action, requests, target, met) for one reconcile of each kind."""
    emu.reset()
    rows: list[tuple[str, int, str, bool]] = []
    openbao = client_presets.openbao(host=HOST)
    argocd = client_presets.argocd(host=HOST)
    with rauthy.client(emu.url, emu.api_key) as c:

        def measure(payload: Payload, expected: str) -> int:
            before = admin_requests(emu, c)
            action = c.clients.reconcile(payload)["action"]
            if action != expected:
                raise SystemExit(f"expected {expected}, got {action}")
            return admin_requests(emu, c) - before

        rows.append(("confidential create", n := measure(openbao, "create"), "<= 4", n <= 4))
        rows.append(("public create", n := measure(argocd, "create"), "2-3", 2 <= n <= 3))
        rows.append(("noop", n := measure(openbao, "noop"), "1", n == 1))
        rows.append(("put", n := measure({**openbao, "name": "Bao"}, "put"), "2", n == 2))
        measure(without(openbao, "challenges"), "put")  # PKCE off live, so the next rebuilds
        rows.append(("rebuild", n := measure(openbao, "rebuild"), "<= 5", n <= 5))
    return rows


def mixed_payloads(count: int) -> list[Payload]:
    names = client_presets.names()
    out = []
    for i in range(count):
        name = names[i % len(names)]
        out.append(client_presets.get(name)({"host": f"app{i}.example.com", "id": f"{name}-{i}"}))
    return out


def drifted(payloads: list[Payload]) -> list[Payload]:
    """Every third client renamed: a put (or a rebuild where PKCE was dropped live)."""
    out = []
    for i, payload in enumerate(payloads):
        if i % 3 == 0:
            out.append({**payload, "name": f"Renamed {i}"})
        else:
            out.append(payload)
    return out


def run(
    emu: RauthyEmulator,
    c: rauthy.RauthyClient,
    payloads: list[Payload],
    threads: int,
) -> tuple[float, int, Counter[str]]:
    before = admin_requests(emu, c)
    start = time.perf_counter()
    reconcile: Callable[[Payload], dict[str, Any]] = c.clients.reconcile
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(reconcile, payloads))
    else:
        results = [reconcile(p) for p in payloads]
    elapsed = time.perf_counter() - start
    return elapsed, admin_requests(emu, c) - before, Counter(r["action"] for r in results)


def bulk(emu: RauthyEmulator, count: int, threads: int, latency_s: float) -> None:
    payloads = mixed_payloads(count)
    pkce = [i for i, p in enumerate(payloads) if p.get("challenges") and i % 7 == 0]
    for label, workers in (("sequential", 1), (f"{threads} threads, one client", threads)):
        emu.reset()
        if latency_s:
            emu.faults.latency(latency_s)
        delay = f", {latency_s * 1000:g} ms per request" if latency_s else ""
        print(f"\n{count} mixed clients ({len(client_presets.names())} presets), {label}{delay}")
        print(f"  {'run':<18}{'wall s':>9}{'requests':>10}{'req/client':>12}  actions")
        with rauthy.client(emu.url, emu.api_key) as c:
            for name, batch in (
                ("create all", payloads),
                ("unchanged", payloads),
                ("put/rebuild/noop", drifted(payloads)),
            ):
                if name == "put/rebuild/noop":  # set-up, not measured: PKCE off live
                    for i in pkce:
                        c.clients.put(payloads[i]["id"], without(payloads[i], "challenges"))
                elapsed, requests, actions = run(emu, c, batch, workers)
                shown = ", ".join(f"{k} {v}" for k, v in sorted(actions.items()))
                print(
                    f"  {name:<18}{elapsed:>9.3f}{requests:>10}{requests / len(batch):>12.2f}"
                    f"  {shown}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="emulated per request")
    args = parser.parse_args()
    with RauthyEmulator() as emu:
        print("requests per reconcile action (Python client, emulator 0.35.2)")
        print(f"  {'action':<22}{'requests':>9}{'target':>8}  ok")
        all_met = True
        for action, requests, target, met in per_action(emu):
            all_met &= met
            print(f"  {action:<22}{requests:>9}{target:>8}  {'yes' if met else 'NO'}")
        bulk(emu, args.clients, args.threads, args.latency_ms / 1000)
    if not all_met:
        raise SystemExit("a per-action request target was missed")


if __name__ == "__main__":
    main()
