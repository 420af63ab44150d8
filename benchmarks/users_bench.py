"""Whole-instance plan of 1,000 users: requests and wall time.

Against the emulator on loopback (optionally with an injected latency per request): the first
plan (everything to create), the apply, and the second plan. Reading users costs the list
(206 pages of 1,000 once Rauthy's ssp_threshold is reached) plus one ``GET /users/{id}`` per
live user, since the list carries no roles or groups; with ``prune: {users: managed}`` one
attribute read more per user the file does not list, and with ``--attributes`` (every entry
states an attribute value) the definitions' list and one values read per listed user. The
second plan's request count is checked against that formula: the exit code is 0 only when it
matches and the plan has no changes.

    .venv/bin/python benchmarks/users_bench.py [--users 1000] [--unlisted 0] [--parallel 8]
        [--latency-ms 0] [--attributes]
"""

from __future__ import annotations

import argparse
from typing import Any

from _support import phase

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator


def document(users: int, attributes: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "prune": {"users": "managed"},
        "roles": [{"name": "staff"}],
        "groups": [{"name": "team"}],
        "users": [
            {
                "email": f"user{i:05}@example.com",
                "given_name": "Bench",
                "family_name": f"User{i}" if i % 2 else None,
                "roles": ["staff"],
                "groups": ["team"] if i % 3 == 0 else [],
                "email_verified": i % 2 == 0,
                **({"attributes": {"dept": f"d{i % 7}"}} if attributes else {}),
            }
            for i in range(users)
        ],
    }
    if attributes:
        doc["user_attributes"] = [{"name": "dept"}]
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--unlisted", type=int, default=0, help="hand-made users not in the file")
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--attributes", action="store_true", help="every user states an attribute value"
    )
    args = parser.parse_args()

    doc = document(args.users, args.attributes)
    print(
        f"{args.users} users in the file, {args.unlisted} hand-made;"
        f" parallel {args.parallel}, latency {args.latency_ms} ms,"
        f" attribute values {'stated' if args.attributes else 'not managed'}"
    )
    with RauthyEmulator() as emu, rauthy.client(emu.url, emu.api_key) as client:
        for i in range(args.unlisted):
            emu.add_user(f"hand{i:05}@example.com")
        emu.faults.latency(args.latency_ms / 1000)
        first, _, _ = phase(
            emu, "plan (all to create)", lambda: client.plan(doc, parallel=args.parallel)
        )
        report, _, _ = phase(emu, "apply", lambda: client.apply(first, parallel=args.parallel))
        if not report.ok:
            raise SystemExit("apply failed")
        second, sent, elapsed = phase(
            emu, "plan again (no changes)", lambda: client.plan(doc, parallel=args.parallel)
        )
        live = args.users + args.unlisted
        pages = max(1, -(-live // 1000)) if live >= 1000 else 1
        # roles + groups lists, users pages, one GET per user, one marker read per unlisted;
        # with attribute values, the definitions' list and one values read per listed user
        expected = 2 + pages + live + args.unlisted
        if args.attributes:
            expected += 1 + args.users
        print(
            f"second plan: {sent} requests (expected {expected}),"
            f" {elapsed / max(1, live) * 1000:.3f} ms per user, {len(emu.mails)} mails recorded"
        )
        if second.has_changes or sent != expected:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
