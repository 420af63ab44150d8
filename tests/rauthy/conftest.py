from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder

API_KEY = "test-name$test-secret-0123456789"


@pytest.fixture
def rec() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def api(rec: Recorder) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rec.url, API_KEY, backoff_base=0.001) as c:
        yield c
