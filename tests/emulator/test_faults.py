"""Fault injection, the request log and reset."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error, new_client


def test_fail_next_matches_route_and_method(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.fail_next(2, status=503, method="GET", path="/clients/rauthy")
    assert api.get("/clients").status_code == 200  # other route: untouched
    first, second, third = (api.get("/clients/rauthy") for _ in range(3))
    assert first.status_code == second.status_code == 503
    assert error(first)[0] == 503
    assert third.status_code == 200


def test_fail_next_wildcard_and_full_path(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.fail_next(1, status=500, path="/clients/*")
    rauthy_emulator.faults.fail_next(1, status=429, path="/auth/v1/health")
    assert api.get("/clients/anything").status_code == 500
    assert api.get("/health").status_code == 429
    assert api.get("/health").status_code == 200


def test_failed_request_does_not_run_the_handler(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.fail_next(1, method="POST")
    assert api.post("/clients", json=new_client()).status_code == 503
    assert rauthy_emulator.get_client("app1") is None


def test_drop_before_closes_without_running_handler(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.drop_next(1, when="before", method="POST", path="/clients")
    with pytest.raises(httpx.TransportError):
        api.post("/clients", json=new_client())
    assert rauthy_emulator.get_client("app1") is None
    assert api.post("/clients", json=new_client()).status_code == 200


def test_drop_after_runs_handler_then_closes(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.drop_next(1, when="after", method="POST", path="/clients")
    with pytest.raises(httpx.TransportError):
        api.post("/clients", json=new_client())
    assert rauthy_emulator.get_client("app1") is not None
    assert api.post("/clients", json=new_client()).status_code == 400  # now a duplicate
    dropped = [r for r in rauthy_emulator.requests if r.status is None]
    assert [(r.method, r.path) for r in dropped] == [("POST", "/auth/v1/clients")]


def test_random_failures_rate_is_seeded(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    rauthy_emulator.faults.random_failures(0.5, status=502, seed=7)
    first = [api.get("/health").status_code for _ in range(40)]
    rauthy_emulator.faults.random_failures(0.5, status=502, seed=7)
    second = [api.get("/health").status_code for _ in range(40)]
    assert first == second
    assert set(first) == {200, 502}
    rauthy_emulator.faults.random_failures(1.0)
    assert api.get("/health").status_code == 503


def test_latency_is_applied_outside_the_lock(rauthy_emulator: RauthyEmulator) -> None:
    """Two slowed requests overlap: neither waits for the other to finish sleeping."""
    rauthy_emulator.faults.latency(fixed_s=0.3)
    started = threading.Barrier(2)
    spans: list[tuple[float, float]] = []

    def call() -> None:
        started.wait()
        begin = time.monotonic()
        assert httpx.get(rauthy_emulator.url + "/ping").status_code == 200
        spans.append((begin, time.monotonic()))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (a_start, a_end), (b_start, b_end) = sorted(spans)
    assert a_end - a_start >= 0.3 and b_end - b_start >= 0.3
    assert b_start < a_end, "requests overlapped"


def test_latency_rejects_negative(rauthy_emulator: RauthyEmulator) -> None:
    with pytest.raises(ValueError, match="latency"):
        rauthy_emulator.faults.latency(-1)


def test_clear_removes_faults(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    rauthy_emulator.faults.fail_next(5)
    rauthy_emulator.faults.random_failures(1.0)
    rauthy_emulator.faults.clear()
    assert api.get("/health").status_code == 200


def test_request_log_redacts_and_counts(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    api.get("/health")
    api.post("/clients", json=new_client())
    api.get("/clients/app1")
    records = rauthy_emulator.requests
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/auth/v1/health", 200),
        ("POST", "/auth/v1/clients", 200),
        ("GET", "/auth/v1/clients/app1", 200),
    ]
    secret = rauthy_emulator.api_key_secret
    assert all(secret not in str(r) for r in records)
    assert records[0].headers["authorization"] == "API-Key ansible$<redacted>"
    assert rauthy_emulator.request_count() == 3
    assert rauthy_emulator.request_count(method="GET") == 2
    assert rauthy_emulator.request_count(path_prefix="/clients") == 2
    assert rauthy_emulator.request_count("GET", "/auth/v1/clients") == 1


def test_secrets_never_in_reprs(rauthy_emulator: RauthyEmulator) -> None:
    assert rauthy_emulator.api_key_secret not in repr(rauthy_emulator)


def test_reset_restores_fresh_state_and_keeps_keys(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    token = rauthy_emulator.add_api_key("extra", {"Clients": ["read"]})
    api.post("/clients", json=new_client())
    rauthy_emulator.faults.fail_next(3)
    rauthy_emulator.reset()
    assert rauthy_emulator.requests == []
    assert [c["id"] for c in api.get("/clients").json()] == ["rauthy"]
    r = httpx.get(rauthy_emulator.url + "/clients", headers={"Authorization": f"API-Key {token}"})
    assert r.status_code == 200


def test_concurrent_creates_are_consistent(rauthy_emulator: RauthyEmulator) -> None:
    headers = {"Authorization": f"API-Key {rauthy_emulator.api_key}"}
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        with httpx.Client(base_url=rauthy_emulator.url, headers=headers) as c:
            for i in range(10):
                s = c.post("/clients", json=new_client(f"c{i}")).status_code
                with lock:
                    statuses.append(s)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses).count(200) == 10 and statuses.count(400) == 30
    with httpx.Client(base_url=rauthy_emulator.url, headers=headers) as c:
        assert len(c.get("/clients").json()) == 11


def test_request_log_is_bounded_and_counts_stay_exact() -> None:
    # It used to keep every record (about 0.85 KB each) for the emulator's whole life.
    from assay_py.emulator import RauthyEmulator

    with RauthyEmulator(request_log_size=50) as emu:
        headers = {"Authorization": f"API-Key {emu.api_key}"}
        with httpx.Client(base_url=emu.url, headers=headers) as client:
            for _ in range(120):
                client.get("/health")
            for _ in range(30):
                client.get("/clients/rauthy")
        records = emu.requests
        assert len(records) == 50
        assert [r.path for r in records[-30:]] == ["/auth/v1/clients/rauthy"] * 30
        assert records[0].path == "/auth/v1/health"
        assert emu.request_count() == 150
        assert emu.request_count(path_prefix="/health") == 120
        assert emu.request_count("GET", "/auth/v1/clients") == 30
        assert emu.request_count(method="post") == 0
        emu.reset()
        assert (emu.requests, emu.request_count()) == ([], 0)
    with pytest.raises(ValueError, match="request log size"):
        RauthyEmulator(request_log_size=0)
