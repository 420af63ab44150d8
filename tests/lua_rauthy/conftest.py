from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assay_py.host import LuaHost
from tests.support.recorder import Recorder

API_KEY = "test-name$test-secret"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as rec:
        yield rec


@pytest.fixture
def run_lua() -> Iterator[Callable[..., list[Any]]]:
    """Run a Lua snippet through the real host; `{url}` and `{key}` are filled in."""
    with LuaHost() as host:

        def run(code: str, url: str = "", key: str = API_KEY) -> list[Any]:
            source = code.replace("{url}", url).replace("{key}", key)
            return list(host.run_string(source))

        yield run
