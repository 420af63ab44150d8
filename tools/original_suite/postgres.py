"""A throwaway PostgreSQL for the original's tests that need `ASSAY_TEST_POSTGRES_URL`.

The original skips those tests without the variable; the harness starts a server the way our
own tests do (tests/support/postgres.py: Debian's initdb and pg_ctl on a free loopback port)
and sets the variable, so they run. Without PostgreSQL installed they stay skipped.
"""

from __future__ import annotations

from collections.abc import Callable

URL_VAR = "ASSAY_TEST_POSTGRES_URL"


def start() -> tuple[str, Callable[[], None]] | None:
    """(url, stop) of a fresh server, or None where PostgreSQL is not installed."""
    from tests.support import postgres

    bindir = postgres.find_bindir()
    if bindir is None:
        return None
    server = postgres.start(bindir)
    return server.url, server.stop
