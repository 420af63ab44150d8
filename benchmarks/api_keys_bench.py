"""API keys in the instance file: requests and wall time of plan, apply (mint and publish) and
the second plan, against the 0.36 emulator on loopback.

A plan of N keys costs one ``GET /api_keys`` (Rauthy has no GET by name) and, when something
is to change, one ``GET /api_keys/{self}/test`` for the rights; the apply adds one ``POST``
per new key. The second plan, with every token at its destination, is checked against that:
one request and no changes, else the exit code is 1. Then a fraction of the token files is
deleted and the plan must show exactly that many ``(publish)`` items (one rotation each).

    .venv/bin/python benchmarks/api_keys_bench.py [--keys 500] [--lost 50] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from _support import phase

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative.publication import Publication, SecretsDir


def document(keys: int) -> dict[str, Any]:
    return {
        "api_keys": [
            {"name": f"key{i:05}", "access": {"Clients": ["read"]}, "expires_in": "90d"}
            for i in range(keys)
        ]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--lost", type=int, default=50, help="token files deleted by hand")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    doc = document(args.keys)
    print(f"{args.keys} API keys in the file; latency {args.latency_ms} ms")
    with (
        tempfile.TemporaryDirectory(prefix="api-keys-bench-") as tmp,
        RauthyEmulator(version="0.36") as emu,
        rauthy.client(emu.url, emu.api_key) as client,
    ):
        publication = Publication([SecretsDir(tmp)])
        emu.faults.latency(args.latency_ms / 1000)
        first, _, _ = phase(
            emu, "plan (all to create)", lambda: client.plan(doc, publication=publication)
        )
        report, sent, elapsed = phase(
            emu, "apply (mint and publish)", lambda: client.apply(first, publication=publication)
        )
        if not report.ok:
            raise SystemExit("apply failed")
        print(f"apply: {elapsed / max(1, args.keys) * 1000:.3f} ms per key minted")
        second, sent, _ = phase(
            emu, "plan again (no changes)", lambda: client.plan(doc, publication=publication)
        )
        failed = second.has_changes or sent != 1
        for i in range(0, args.lost):
            (Path(tmp) / f"api-key@key{i:05}").unlink()
        third, _, _ = phase(
            emu,
            f"plan ({args.lost} token files lost)",
            lambda: client.plan(doc, publication=publication),
        )
        section = third.section("api_keys")
        publish = sum(1 for i in section.items if i.get("publish")) if section else 0
        print(f"second plan: {sent} request(s) (expected 1); lost files -> {publish} to publish")
        if failed or publish != args.lost:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
