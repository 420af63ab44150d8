"""``assay-py rauthy plan`` of N unchanged clients against the floor: one GET and the parsing.

    .venv/bin/python benchmarks/plan_floor_bench.py [--clients 2000] [--runs 7]

Target (issue 13): the plan of 2,000 unchanged clients within 2x of the floor, for a JSON and
a YAML file. The floor is the least a Python tool does for the same answer: read the file
(``json.load``, or PyYAML's C loader where it is installed), ``httpx.get`` the clients and
parse the answer. Whole processes against an emulator in its own process, taking turns.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import yaml
from _support import (
    ASSAY_PY,
    PYTHON,
    EmulatorProcess,
    confidential_clients,
    interleaved,
    report,
    run_command,
)

PLAN_TARGET = 2.0

FLOOR = """
import json, sys
import httpx
url, key, path = sys.argv[1:]
if path.endswith(".json"):
    with open(path) as handle:
        wanted = json.load(handle)
else:
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as handle:
        wanted = yaml.load(handle, Loader=loader)
response = httpx.get(url + "/clients", headers={"Authorization": f"API-Key {key}"})
live = {client["id"]: client for client in response.json()}
assert all(entry["id"] in live for entry in wanted)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ok = True
    entries = confidential_clients(args.clients, prefix="plan")
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        as_json = Path(folder) / "clients.json"
        as_json.write_text(json.dumps(entries, indent=2))
        as_yaml = Path(folder) / "clients.yaml"
        as_yaml.write_text(yaml.safe_dump(entries, sort_keys=False))
        env = emu.env()
        apply = [ASSAY_PY, "rauthy", "apply", str(as_json), "--parallel", "8"]
        run_command([*apply, "--secrets-dir", str(Path(folder) / "secrets")], env)
        runs = {}
        for label, path in (("JSON", as_json), ("YAML", as_yaml)):
            ours = [ASSAY_PY, "rauthy", "plan", str(path)]
            floor = [PYTHON, "-c", FLOOR, emu.url, emu.api_key, str(path)]
            runs[f"ours {label}"] = lambda c=ours: run_command(c, env)  # exit 0: in sync
            runs[f"floor {label}"] = lambda c=floor: run_command(c, env)
        before, _ = emu.stats()
        medians = interleaved(runs, args.runs)
        requests, _ = emu.stats()
        rounds = args.runs + 1
        print(
            f"plan of {args.clients} unchanged clients, median of {args.runs} interleaved "
            f"whole-process runs"
        )
        for label in ("JSON", "YAML"):
            ok &= report(
                f"plan, {label} file",
                medians[f"ours {label}"],
                medians[f"floor {label}"],
                PLAN_TARGET,
                "s",
            )
        per_plan = (requests - before - 2 * rounds) / (2 * rounds)  # the floors send 1 each
        print(f"{'':<44} requests per plan: {per_plan:g} (the floor: 1)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
