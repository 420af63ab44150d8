"""Publication: what a plan costs when every destination is checked.

Applies N confidential clients with a secrets directory and a manifest file, then:

1. plans the N unchanged clients with both destinations checked, through the real
   ``assay-py rauthy plan`` command (in-process): requests (target: 1, no secret read) and time;
2. deletes K secret files by hand and plans again (target: still 1 request), then applies:
   requests (target: 1 list + K secret reads, no rotation) and time.

Exits 0 when every target is met.

    .venv/bin/python benchmarks/publish_bench.py [--clients 500] [--missing 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml
from _support import settled
from click.testing import CliRunner

from assay_py.cli import main as cli
from assay_py.emulator import RauthyEmulator


def run(emu: RauthyEmulator, *args: str) -> tuple[int, int, float]:
    """``(exit code, requests, seconds)`` of one ``assay-py rauthy ...`` command."""
    before = settled(emu)
    env = {"RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key, "RAUTHY_API_KEY_FILE": None}
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["rauthy", *args], env=env)
    elapsed = time.perf_counter() - start
    return result.exit_code, settled(emu) - before, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--missing", type=int, default=10)
    args = parser.parse_args()

    with RauthyEmulator() as emu, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clients = root / "clients.yaml"
        entries = [
            {
                "id": f"bench-{i:04}",
                "confidential": True,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
            }
            for i in range(args.clients)
        ]
        clients.write_text(yaml.safe_dump(entries))
        secrets = root / "secrets"
        destinations = (
            "--secrets-dir",
            str(secrets),
            "--k8s-secret-namespace",
            "auth",
            "--k8s-out",
            str(root / "secrets.yaml"),
        )
        code, requests, seconds = run(emu, "apply", str(clients), *destinations, "-p", "8")
        if code != 0:
            raise SystemExit(f"apply failed with exit {code}")
        print(f"clients: {args.clients} confidential, destinations: secrets dir + manifest file")
        print(f"first apply:            {seconds:6.2f} s  {requests:5} requests")

        code, requests, seconds = run(emu, "plan", str(clients), *destinations)
        met = [requests == 1 and code == 0]
        verdict = "ok" if met[-1] else "OFF TARGET"
        print(
            f"plan, all published:    {seconds:6.2f} s  {requests:5} requests"
            f"  (target 1: {verdict})"
        )

        for entry in entries[: args.missing]:
            (secrets / str(entry["id"])).unlink()
        code, requests, seconds = run(emu, "plan", str(clients), *destinations)
        met.append(requests == 1 and code == 2)
        verdict = "ok" if met[-1] else "OFF TARGET"
        print(
            f"plan, {args.missing} files deleted: {seconds:6.2f} s  {requests:5} requests"
            f"  (target 1, exit 2: {verdict})"
        )
        rotations = emu.request_count(method="PUT")
        code, requests, seconds = run(emu, "apply", str(clients), *destinations, "-p", "8")
        rotated = emu.request_count(method="PUT") - rotations
        met.append(requests == 1 + args.missing and rotated == 0 and code == 0)
        verdict = "ok" if met[-1] else "OFF TARGET"
        print(
            f"apply repairing them:   {seconds:6.2f} s  {requests:5} requests"
            f"  (target {1 + args.missing}, no rotation: {verdict})"
        )
    raise SystemExit(0 if all(met) else 1)


if __name__ == "__main__":
    main()
