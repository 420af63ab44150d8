from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder

API_KEY = "test-name$test-secret-0123456789"


@pytest.fixture(scope="session")
def _shared_recorder() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def rec(_shared_recorder: Recorder) -> Recorder:
    """The recording server, with no routes and no requests recorded yet."""
    _shared_recorder.reset()
    return _shared_recorder


@pytest.fixture
def api(rec: Recorder) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rec.url, API_KEY, backoff_base=0.001) as c:
        yield c


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting fails at once (ConnectError)."""
    return f"http://127.0.0.1:{free_port()}"
