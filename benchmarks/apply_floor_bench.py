"""``assay-py rauthy apply`` of N new clients against a hand-written httpx loop, and its pool.

    .venv/bin/python benchmarks/apply_floor_bench.py [--clients 2000] [--runs 7]

Targets (issue 13), against an emulator in its own process, no injected latency:
- ``apply --parallel 1`` within 1.3x of the floor: one plain ``httpx.Client`` sending the same
  3N+1 requests (``GET /clients``, then per client the POST, the PUT and the secret read) and
  writing each secret to a 0600 file. Both are whole processes, taking turns.
  apply also makes the secret files durable before it clears its journal (the trust issue's
  guarantee), in batches: one syncfs per checkpoint instead of two fsyncs per file, which
  cost milliseconds each on a real disk. The floor runs a second time with those two fsyncs
  per file, for reference; both ratios are printed.
- ``apply --parallel 32``: TCP connections opened (counted by the emulator) at most 2x the
  parallelism, and exactly 3N+1 requests (a reset or a retry would send more).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from _support import (
    ASSAY_PY,
    PYTHON,
    EmulatorProcess,
    confidential_clients,
    interleaved,
    report,
    run_command,
)

APPLY_TARGET = 1.3
CONNECTION_FACTOR = 2

# The floor: what a person would write with httpx for the same requests and files.
FLOOR = """
import json, os, sys
import httpx
url, key, path, folder, durable = sys.argv[1:]
wanted = json.load(open(path))
with httpx.Client(base_url=url, headers={"Authorization": f"API-Key {key}"}) as http:
    live = {c["id"] for c in http.get("/clients").json()}
    for entry in wanted:
        if entry["id"] in live:
            continue
        create = {k: entry[k] for k in ("id", "name", "confidential", "redirect_uris")}
        created = http.post("/clients", json=create)
        created.raise_for_status()
        body = {**created.json(), "access_token_lifetime": entry["access_token_lifetime"]}
        http.put(f"/clients/{entry['id']}", json=body).raise_for_status()
        secret = http.post(f"/clients/{entry['id']}/secret").json()["secret"]
        fd = os.open(os.path.join(folder, entry["id"]), os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secret)
            if durable == "1":
                out.flush()
                os.fsync(out.fileno())
        if durable == "1":
            dir_fd = os.open(folder, os.O_RDONLY)
            os.fsync(dir_fd)
            os.close(dir_fd)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--parallel", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds first")
    args = parser.parse_args()
    expected = 3 * args.clients + 1
    ok = True
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        path = Path(folder) / "clients.json"
        path.write_text(json.dumps(confidential_clients(args.clients)))
        env = emu.env()
        counts: dict[str, int] = {}

        def fresh_dir(name: str) -> str:
            return tempfile.mkdtemp(prefix=f"{name}-", dir=folder)

        def timed(name: str, command: list[str]) -> float:
            emu.reset()
            seconds = run_command(command, env)
            counts[name] = emu.stats()[0]
            return seconds

        def ours(parallel: int) -> float:
            command = [ASSAY_PY, "rauthy", "apply", str(path), "--parallel", str(parallel)]
            return timed("ours", [*command, "--secrets-dir", fresh_dir("ours")])

        def floor(durable: bool) -> float:
            name = "floor, durable files" if durable else "floor"
            command = [PYTHON, "-c", FLOOR, emu.url, emu.api_key, str(path), fresh_dir("floor")]
            return timed(name, [*command, "1" if durable else "0"])

        runs = {
            "ours": lambda: ours(1),
            "floor": lambda: floor(False),
            "floor, durable files": lambda: floor(True),
        }
        medians = interleaved(runs, args.runs, warmup=args.warmup)
        print(
            f"apply of {args.clients} new confidential clients, no latency, median of "
            f"{args.runs} interleaved whole-process runs"
        )
        ok &= report("apply --parallel 1", medians["ours"], medians["floor"], APPLY_TARGET, "s")
        durable = medians["floor, durable files"]
        report("apply --parallel 1 (floor fsyncs too)", medians["ours"], durable, APPLY_TARGET, "s")
        for name in runs:
            same = counts[name] == expected
            ok &= same
            print(f"{'':<44} {name}: {counts[name]} requests (3N+1 = {expected})")

        _, connections_before = emu.stats()
        seconds = ours(args.parallel)
        requests, connections_after = emu.stats()
        opened = connections_after - connections_before
        limit = CONNECTION_FACTOR * args.parallel
        pool_ok = opened <= limit and requests == expected
        ok &= pool_ok
        print(
            f"apply --parallel {args.parallel}: {seconds:.2f} s, {opened} connections opened "
            f"(target <= {limit}), {requests} requests (3N+1 = {expected}): "
            f"{'ok' if pool_ok else 'NOT MET'}"
        )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
