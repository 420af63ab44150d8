"""Whole-instance plan and apply: 200 scopes, 200 roles, 200 groups, 500 clients.

Against the emulator on loopback (optionally with an injected latency per request), prints
for each phase the requests sent and the wall time: the first plan (everything to create),
the apply, and the second plan, whose request count should be one list per kind (target: 4
kinds + clients = 5 requests, whatever the size). Then a rename of every scope (create new,
re-point the clients, delete old) and its plan.

    .venv/bin/python benchmarks/instance_bench.py [--scopes 200] [--roles 200] [--groups 200]
        [--clients 500] [--parallel 8] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
from typing import Any

from _support import phase

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator


def document(scopes: int, roles: int, groups: int, clients: int) -> dict[str, Any]:
    return {
        "user_attributes": [{"name": "department"}],
        "scopes": [
            {"name": f"app:s{i:03}", "attr_include_access": ["department"]} for i in range(scopes)
        ],
        "roles": [{"name": f"role-{i:03}", "meta": {"n": i}} for i in range(roles)],
        "groups": [{"name": f"group-{i:03}"} for i in range(groups)],
        "clients": [
            {
                "id": f"bench-{i:04}",
                "name": f"Bench {i}",
                "confidential": i % 3 != 0,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
                "scopes": ["openid", "email", f"app:s{i % max(1, scopes):03}"],
            }
            for i in range(clients)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scopes", type=int, default=200)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    doc = document(args.scopes, args.roles, args.groups, args.clients)
    print(
        f"{args.scopes} scopes, {args.roles} roles, {args.groups} groups, {args.clients} clients;"
        f" parallel {args.parallel}, latency {args.latency_ms} ms"
    )
    with RauthyEmulator() as emu, rauthy.client(emu.url, emu.api_key) as client:
        emu.faults.latency(args.latency_ms / 1000)
        first, _, _ = phase(
            emu, "plan (all to create)", lambda: client.plan(doc, parallel=args.parallel)
        )
        report, _, _ = phase(emu, "apply", lambda: client.apply(first, parallel=args.parallel))
        if not report.ok:
            raise SystemExit(f"apply failed: {report.to_dict()['kinds']}")
        second, _, _ = phase(emu, "plan again (no changes)", lambda: client.plan(doc))
        if second.has_changes:
            raise SystemExit("the second plan still has changes")
        print(f"second plan: {second.reads} reads for {len(second.sections)} kinds")

        renamed = document(args.scopes, args.roles, args.groups, args.clients)
        for scope in renamed["scopes"]:
            scope["renamed_from"] = scope["name"]
            scope["name"] = scope["name"].replace("app:s", "app:v")
        for entry in renamed["clients"]:
            entry["scopes"] = [s.replace("app:s", "app:v") for s in entry["scopes"]]
        plan, _, _ = phase(emu, "plan a rename of every scope", lambda: client.plan(renamed))
        applied, _, _ = phase(
            emu, "apply the renames", lambda: client.apply(plan, parallel=args.parallel)
        )
        if not applied.ok:
            raise SystemExit(f"rename failed: {applied.to_dict()}")
        after, _, _ = phase(emu, "plan after the renames", lambda: client.plan(renamed))
        if after.has_changes:
            raise SystemExit("the plan after the renames still has changes")


if __name__ == "__main__":
    main()
