"""pytest plugin (entry point ``pytest11``): the ``rauthy_emulator`` fixture.

Importing this module must stay cheap because pytest loads it for every test run of every
project that has assay-py installed; the emulator itself is imported inside the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from assay_py.emulator import RauthyEmulator


@pytest.fixture
def rauthy_emulator() -> Iterator[RauthyEmulator]:
    """A fresh Rauthy emulator on a free loopback port, stopped after the test.

    Sign-in helpers: ``add_user(email, password=...)``, ``token(client_id, secret)``,
    ``login(client_id, email)`` and ``clock.advance(seconds)`` (docs/oidc-emulation.md).
    """
    from assay_py.emulator import RauthyEmulator

    with RauthyEmulator(port=0) as emulator:
        yield emulator
