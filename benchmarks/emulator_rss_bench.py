"""Resident memory of ``assay-py emulator`` over a long run of requests.

    .venv/bin/python benchmarks/emulator_rss_bench.py [--requests 100000]

Target (issue 8): RSS stays flat. The request log kept every record (about 0.85 KB each:
24 -> 90 MB after 80,000 requests); now it keeps the last 2,000 and exact counts. The emulator
runs as a user runs it, in its own process; keep-alive clients send reads and writes, and its
RSS is read from /proc after a warm-up of 5,000 requests and then every fifth of the run.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import threading
import time

import httpx
from _support import ASSAY_PY, bench_env

WARMUP = 5_000
GROWTH_LIMIT_MB = 5.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def exported(line: str) -> str:
    # `export NAME='value'` as a POSIX shell reads it.
    words = shlex.split(line)
    assert words[0] == "export", line
    return words[1].partition("=")[2]


def send(url: str, key: str, count: int, worker: int) -> None:
    headers = {"Authorization": f"API-Key {key}"}
    with httpx.Client(base_url=url, headers=headers) as client:
        client_id = f"rss-{worker}"
        body = {"id": client_id, "confidential": False, "redirect_uris": ["https://a.example/"]}
        client.post("/clients", json=body)
        for i in range(count):
            kind = i % 4
            if kind == 0:
                response = client.get(f"/clients/{client_id}")
            elif kind == 1:
                response = client.get("/clients/rauthy")
            elif kind == 2:
                response = client.get(f"/clients/missing-{i % 100}")
            else:
                response = client.get("/health")
            if response.status_code >= 500:
                raise SystemExit(f"emulator answered {response.status_code}")


def burst(url: str, key: str, count: int, threads: int) -> None:
    workers = [
        threading.Thread(target=send, args=(url, key, count // threads, n)) for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    proc = subprocess.Popen(
        [ASSAY_PY, "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=bench_env(),
    )
    growth = float("inf")
    try:
        assert proc.stdout is not None
        url, key = exported(proc.stdout.readline()), exported(proc.stdout.readline())
        start_rss = rss_mb(proc.pid)
        burst(url, key, WARMUP, args.threads)
        time.sleep(1.0)
        base = rss_mb(proc.pid)
        print(f"emulator RSS at start {start_rss:.1f} MB, after {WARMUP:,} requests {base:.1f} MB")
        step = args.requests // 5
        sent = 0
        started = time.perf_counter()
        rss = base
        for _ in range(5):
            burst(url, key, step, args.threads)
            sent += step
            rss = rss_mb(proc.pid)
            print(f"  after {sent:>7,} more requests: {rss:6.1f} MB")
        elapsed = time.perf_counter() - started
        growth = rss - base
        verdict = "ok" if growth <= GROWTH_LIMIT_MB else "GROWS"
        print(
            f"emulator RSS after {sent:,} requests: {rss:.1f} MB, growth {growth:+.1f} MB "
            f"(target: flat, <= {GROWTH_LIMIT_MB:g} MB: {verdict}); {sent / elapsed:,.0f} req/s"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    raise SystemExit(0 if growth <= GROWTH_LIMIT_MB else 1)


if __name__ == "__main__":
    main()
