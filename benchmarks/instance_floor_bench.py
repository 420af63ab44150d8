"""``assay-py rauthy plan`` of an unchanged whole-instance file against the floor.

    .venv/bin/python benchmarks/instance_floor_bench.py [--objects 2000] [--runs 7]

Target (issue 13): the whole-instance plan keeps the clients plan's budget per object, within
2x of the floor. The floor is the least a Python tool does for the same answer: read the file
with PyYAML's C loader, ``httpx.get`` each kind's list once and check every name is live.
Whole processes against an emulator in its own process, taking turns.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import yaml
from _support import ASSAY_PY, PYTHON, EmulatorProcess, interleaved, report, run_command

PLAN_TARGET = 2.0

FLOOR = """
import sys
import httpx, yaml
url, key, path = sys.argv[1:]
with open(path) as handle:
    wanted = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
routes = {"scopes": "/scopes", "roles": "/roles", "groups": "/groups", "clients": "/clients"}
with httpx.Client(headers={"Authorization": f"API-Key {key}"}) as http:
    for kind, route in routes.items():
        key_of = "id" if kind == "clients" else "name"
        live = {row[key_of] for row in http.get(url + route).json()}
        names = [entry[key_of] for entry in wanted[kind]]
        assert all(name in live for name in names), kind
    attrs = http.get(url + "/users/attr").json()
    assert attrs is not None
"""


def document(objects: int) -> dict[str, Any]:
    """A fifth each of scopes, roles and groups, the rest public clients using the scopes."""
    share = objects // 5
    return {
        "user_attributes": [{"name": "department"}],
        "scopes": [
            {"name": f"app:s{i:04}", "attr_include_access": ["department"]} for i in range(share)
        ],
        "roles": [{"name": f"role-{i:04}"} for i in range(share)],
        "groups": [{"name": f"group-{i:04}"} for i in range(share)],
        "clients": [
            {
                "id": f"inst-{i:05}",
                "name": f"Instance {i}",
                "confidential": False,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
                "scopes": ["openid", "email", f"app:s{i % max(1, share):04}"],
            }
            for i in range(objects - 3 * share)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        path = Path(folder) / "rauthy.yaml"
        path.write_text(yaml.safe_dump(document(args.objects), sort_keys=False))
        env = emu.env()
        run_command([ASSAY_PY, "rauthy", "apply", str(path), "--parallel", "8"], env)
        ours = [ASSAY_PY, "rauthy", "plan", str(path)]
        floor = [PYTHON, "-c", FLOOR, emu.url, emu.api_key, str(path)]
        before, _ = emu.stats()
        medians = interleaved(
            {"ours": lambda: run_command(ours, env), "floor": lambda: run_command(floor, env)},
            args.runs,
        )
        requests, _ = emu.stats()
        rounds = args.runs + 1
        print(
            f"whole-instance plan of {args.objects} unchanged objects (5 kinds), median of"
            f" {args.runs} interleaved whole-process runs"
        )
        ok = report("instance plan, YAML file", medians["ours"], medians["floor"], PLAN_TARGET, "s")
        per_plan = (requests - before - 5 * rounds) / rounds  # the floor sends 5 each
        print(f"{'':<44} requests per plan: {per_plan:g} (the floor: 5)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
