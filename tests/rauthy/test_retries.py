"""Retries: which requests are repeated, on what, how often, and how long they wait."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from threading import Thread

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder, Reply

from .conftest import API_KEY, free_port
from .fixtures import fresh_client, live_openbao


class Sleeps(list[float]):
    """Records the waits instead of waiting, so retry tests are fast and exact."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def c(rec: Recorder, sleeps: Sleeps) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rec.url, API_KEY, backoff_base=0.5, sleep=sleeps) as client:
        yield client


LIVE = live_openbao()


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_retries_on_transient_statuses(
    rec: Recorder, c: rauthy.RauthyClient, sleeps: Sleeps, status: int
) -> None:
    rec.on("GET", "/clients/openbao", Reply(status), Reply(status), Reply(200, LIVE))
    assert c.clients.get("openbao") == LIVE
    assert len(rec.calls("GET", "/clients/openbao")) == 3
    assert len(sleeps) == 2


def test_backoff_grows_exponentially_with_jitter(
    rec: Recorder, c: rauthy.RauthyClient, sleeps: Sleeps
) -> None:
    rec.on("GET", "/clients", Reply(503))
    with pytest.raises(rauthy.RauthyError) as caught:
        c.clients.list()
    assert caught.value.status == 503
    assert len(rec.calls("GET", "/clients")) == 4  # at most 4 attempts
    assert len(sleeps) == 3
    for attempt, waited in enumerate(sleeps, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= waited <= ceiling


def test_retry_after_is_honoured(rec: Recorder, c: rauthy.RauthyClient, sleeps: Sleeps) -> None:
    rec.on("GET", "/clients", Reply(429, headers={"Retry-After": "7"}), Reply(200, []))
    assert c.clients.list() == []
    assert sleeps == [7.0]


def test_retry_after_is_capped_at_30_seconds(
    rec: Recorder, c: rauthy.RauthyClient, sleeps: Sleeps
) -> None:
    rec.on("GET", "/clients", Reply(503, headers={"Retry-After": "3600"}), Reply(200, []))
    c.clients.list()
    assert sleeps == [30.0]


def test_server_errors_other_than_the_transient_ones_are_not_retried(
    rec: Recorder, c: rauthy.RauthyClient, sleeps: Sleeps
) -> None:
    rec.on("GET", "/clients", Reply(500))
    with pytest.raises(rauthy.RauthyError):
        c.clients.list()
    assert (len(rec.requests), sleeps) == (1, [])


IDEMPOTENT: list[tuple[str, str, Callable[[rauthy.RauthyClient], object]]] = [
    ("PUT", "/clients/openbao", lambda c: c.clients.put("openbao", LIVE)),
    ("DELETE", "/clients/openbao", lambda c: c.clients.delete("openbao")),
    ("POST", "/clients/openbao/secret", lambda c: c.clients.get_secret("openbao")),
]


@pytest.mark.parametrize(("method", "path", "call"), IDEMPOTENT, ids=[m for m, _, _ in IDEMPOTENT])
def test_idempotent_requests_retry(
    rec: Recorder,
    c: rauthy.RauthyClient,
    method: str,
    path: str,
    call: Callable[[rauthy.RauthyClient], object],
) -> None:
    rec.on(method, path, Reply(503), Reply(200, {**LIVE, "secret": "s" * 64}))
    call(c)
    assert len(rec.calls(method, path)) == 2


NEVER_RESENT: list[tuple[str, str, Callable[[rauthy.RauthyClient], object]]] = [
    ("POST", "/clients", lambda c: c.clients.create(fresh_client("app"))),
    ("PUT", "/clients/app/secret", lambda c: c.clients.rotate_secret("app")),
]


@pytest.mark.parametrize(("method", "path", "call"), NEVER_RESENT, ids=["create", "rotate"])
def test_create_and_rotation_are_not_resent_once_sent(
    rec: Recorder,
    c: rauthy.RauthyClient,
    sleeps: Sleeps,
    method: str,
    path: str,
    call: Callable[[rauthy.RauthyClient], object],
) -> None:
    rec.on(method, path, Reply(503), Reply(200, {"secret": "x" * 64}))
    with pytest.raises(rauthy.RauthyError) as caught:
        call(c)
    assert caught.value.status == 503
    assert len(rec.calls(method, path)) == 1
    assert sleeps == []


def test_connect_errors_are_retried_then_reported(closed_port_url: str, sleeps: Sleeps) -> None:
    with rauthy.client(closed_port_url, API_KEY, sleep=sleeps) as c:
        with pytest.raises(rauthy.RauthyUnreachable):
            c.clients.get("openbao")
        assert len(sleeps) == 3
        sleeps.clear()
        with pytest.raises(rauthy.RauthyUnreachable):  # nothing was sent: safe to resend
            c.clients.create(fresh_client("app"))
        assert len(sleeps) == 3


def test_retries_option_bounds_attempts(closed_port_url: str, sleeps: Sleeps) -> None:
    with (
        rauthy.client(closed_port_url, API_KEY, retries=2, sleep=sleeps) as c,
        pytest.raises(rauthy.RauthyUnreachable),
    ):
        c.clients.list()
    assert len(sleeps) == 1


def test_duplicate_id_after_an_unsent_retry_is_resolved_by_a_get(rec: Recorder) -> None:
    """First POST cannot connect; the server comes up; the resent POST says duplicate id."""
    port = free_port()
    server: list[ThreadingHTTPServer] = []

    def bring_server_up(_seconds: float) -> None:
        if not server:
            # the recorder's own handler, on the port the client is aimed at
            handler = rec._server.RequestHandlerClass
            server.append(ThreadingHTTPServer(("127.0.0.1", port), handler))
            Thread(target=server[0].serve_forever, daemon=True).start()

    existing = fresh_client("app", confidential=False, redirect_uris=["https://a.example.com/cb"])
    rec.on(
        "POST",
        "/clients",
        Reply(400, {"error": "BadRequest", "message": "UNIQUE constraint failed: clients.id"}),
    )
    rec.on("GET", "/clients/app", Reply(200, existing))
    payload = {
        "id": "app",
        "confidential": False,
        "redirect_uris": ["https://a.example.com/cb"],
        "challenges": ["S256"],
    }
    try:
        with rauthy.client(f"http://127.0.0.1:{port}", API_KEY, sleep=bring_server_up) as c:
            assert c.clients.create(payload) == existing
    finally:
        for s in server:
            s.shutdown()
            s.server_close()
    assert [(r.method, r.path) for r in rec.requests] == [
        ("POST", "/clients"),
        ("GET", "/clients/app"),
    ]


def test_a_duplicate_id_without_a_retry_is_an_error(rec: Recorder, c: rauthy.RauthyClient) -> None:
    rec.on("POST", "/clients", Reply(400, {"error": "BadRequest", "message": "ID exists already"}))
    with pytest.raises(rauthy.RauthyError, match="HTTP 400: ID exists already"):
        c.clients.create({"id": "app", "confidential": False, "redirect_uris": []})
    assert not rec.calls("GET")


def test_health_is_one_probe_without_retries(closed_port_url: str, sleeps: Sleeps) -> None:
    with rauthy.client(closed_port_url, API_KEY, sleep=sleeps) as c:
        assert c.sys.health() is False
    assert sleeps == []
