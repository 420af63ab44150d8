"""Declarative apply: parallel speed-up under network latency, and the cost of a no-op plan.

Creates N clients (two thirds confidential: POST + PUT + secret read each) against the
emulator with a fixed injected latency per request, once with --parallel 1 and once with
--parallel P over one pooled connection, and prints both times and the ratio
(target: >= 5x for 500 clients, 10 ms, P = 8). Then the --parallel P run again with the live
progress display drawing on a real pseudo-terminal, as `apply` does on a terminal: its time
against the run without it (target: no slower, within noise) and how many writes it made.
Then plans the N unchanged clients and prints how many requests that took (target: 1).

    .venv/bin/python benchmarks/apply_bench.py [--clients 500] [--latency-ms 10] [--parallel 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

from _support import settled

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative import apply_clients, parse_entries, plan_clients


def payloads(count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        out.append(
            {
                "id": f"bench-{i:04}",
                "name": f"Bench {i}",
                "confidential": i % 3 != 0,
                "redirect_uris": [f"https://app{i}.example.com/callback"],
                "access_token_lifetime": 900,  # not a create default: forces the PUT
            }
        )
    return out


def timed_apply(
    emu: RauthyEmulator,
    entries: Any,
    parallel: int,
    latency_s: float,
    on_progress: Any = None,
) -> tuple[float, int]:
    emu.reset()  # fresh clients; also clears faults
    emu.faults.latency(latency_s)
    with rauthy.client(emu.url, emu.api_key) as client, tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = apply_clients(
            client, entries, parallel=parallel, secrets_dir=out, on_progress=on_progress
        )
        elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"apply failed: {[r.error for r in report.failed][:3]}")
    return elapsed, settled(emu)


def with_display(
    emu: RauthyEmulator, entries: Any, parallel: int, latency_s: float
) -> tuple[float, int]:
    """The apply with ``apply``'s terminal display drawing on a pseudo-terminal, drained."""
    import os
    import threading

    from assay_py.cli._progress import LiveProgress

    master, slave = os.openpty()
    terminal = _Counted(os.fdopen(slave, "w", encoding="utf-8"))

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    display = LiveProgress(terminal).start()  # type: ignore[arg-type]
    failed = 0
    lock = threading.Lock()

    def show(result: Any, done: int, total: int) -> None:
        nonlocal failed
        with lock:
            failed += not result.ok
            display.update(done, failed, total)

    try:
        elapsed, _ = timed_apply(emu, entries, parallel, latency_s, on_progress=show)
    finally:
        display.close()
        terminal.close()
        reader.join(timeout=5)
        os.close(master)
    return elapsed, terminal.writes


class _Counted:
    """A text stream counting the writes made to it."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.writes = stream, 0

    def write(self, text: str) -> int:
        self.writes += 1
        return int(self.stream.write(text))

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    entries = parse_entries(payloads(args.clients))

    with RauthyEmulator() as emu:
        serial, serial_requests = timed_apply(emu, entries, 1, latency)
        fast, fast_requests = timed_apply(emu, entries, args.parallel, latency)
        print(f"clients: {args.clients}, injected latency: {args.latency_ms:g} ms per request")
        print(f"apply --parallel 1:  {serial:7.2f} s  ({serial_requests} requests)")
        print(f"apply --parallel {args.parallel}:  {fast:7.2f} s  ({fast_requests} requests)")
        ratio = serial / fast
        verdict = "ok" if ratio >= 5 else "BELOW TARGET"
        print(f"speed-up: {ratio:.1f}x (target >= 5x: {verdict})")

        shown, writes = with_display(emu, entries, args.parallel, latency)
        print(
            f"apply --parallel {args.parallel} with the progress display on a terminal:"
            f"  {shown:7.2f} s  ({shown / fast:.2f}x the run without it; {writes} writes"
            f" for {args.clients} clients)"
        )

        before = settled(emu)
        with rauthy.client(emu.url, emu.api_key) as client:
            start = time.perf_counter()
            report = plan_clients(client, entries)
            elapsed = time.perf_counter() - start
        requests = settled(emu) - before
        counts = report.counts()
        print(
            f"plan of {args.clients} unchanged clients: {requests} request(s),"
            f" {elapsed * 1000:.0f} ms, noop={counts['noop']}"
            f" (target: 1 request: {'ok' if requests == 1 and not report.has_changes else 'NO'})"
        )


if __name__ == "__main__":
    main()
