"""Work a client does when it has nothing to do: JSON texts per no-op reconcile, TLS set-up.

    .venv/bin/python benchmarks/client_costs_bench.py [--runs 15]

Targets (issue 13):
- a no-op reconcile writes no JSON text for its comparison (it made about 59 ``json.dumps``
  calls; plain fields need none). Counted client-side, against an emulator in its own process.
- a client of an ``http://`` URL builds no TLS context (26 ms before): the construction of a
  ``RauthyClient`` against the floor, an ``httpx.Client`` with no TLS context, and a default
  ``httpx.Client`` (which loads the CA bundle) for reference; in-process, taking turns.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx
from _support import EmulatorProcess, interleaved, report

from assay_py import rauthy
from assay_py.rauthy import client_presets

KEY = "ansible$" + "k" * 64


def dumps_per_noop_reconcile(url: str, key: str) -> int:
    payload = client_presets.get("grafana")({"host": "grafana.example.com"})
    calls = 0
    original = json.dumps

    def counting(*args: object, **kwargs: object) -> str:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    with rauthy.client(url, key) as client:
        client.clients.reconcile(payload)
        assert client.clients.reconcile(payload)["action"] == "noop"
        json.dumps = counting
        try:
            result = client.clients.reconcile(payload)
        finally:
            json.dumps = original
    assert result["action"] == "noop"
    return calls


def construct(make: object) -> float:
    start = time.perf_counter()
    made = make()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    made.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ok = True
    with EmulatorProcess() as emu:
        calls = dumps_per_noop_reconcile(emu.url, emu.api_key)
    ok &= calls == 0
    print(
        f"json.dumps calls in a no-op reconcile: {calls} (target 0: {'ok' if calls == 0 else 'NO'})"
    )

    medians = interleaved(
        {
            "ours http": lambda: construct(
                lambda: rauthy.client("http://127.0.0.1:1/auth/v1", KEY)
            ),
            "floor": lambda: construct(
                lambda: httpx.Client(transport=httpx.HTTPTransport(verify=False))
            ),
            "httpx default": lambda: construct(httpx.Client),
            "ours https": lambda: construct(
                lambda: rauthy.client("https://127.0.0.1:1/auth/v1", KEY)
            ),
        },
        args.runs,
    )
    print(f"client construction, median of {args.runs} interleaved runs (in-process)")
    report("RauthyClient(http://...)", medians["ours http"], medians["floor"], None)
    report(
        "RauthyClient(https://...) (TLS on first use)",
        medians["ours https"],
        medians["floor"],
        None,
    )
    default_ms = medians["httpx default"] * 1000
    print(f"{'httpx.Client() default (loads the CA bundle)':<44} {default_ms:9.1f} ms")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
