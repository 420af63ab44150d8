"""Small pieces behind the OIDC endpoints: random ids, the clock."""

from __future__ import annotations

import re
import time

import pytest

from assay_py.emulator._clock import Clock
from assay_py.emulator._oidc_state import random_alnum


def test_random_alnum_has_the_length_and_alphabet_and_uses_all_of_it() -> None:
    values = [random_alnum(64) for _ in range(200)]
    assert all(re.fullmatch(r"[A-Za-z0-9]{64}", v) for v in values)
    assert len(set("".join(values))) == 62
    assert len(set(values)) == 200
    assert random_alnum(0) == ""


def test_clock_advances_and_never_goes_back() -> None:
    clock = Clock()
    before = clock()
    clock.advance(3600)
    assert clock() - before >= 3600
    assert clock() - time.time() == pytest.approx(3600, abs=1)
    with pytest.raises(ValueError, match=r"^seconds: must be >= 0"):
        clock.advance(-1)


def test_reset_forgets_test_users_and_their_codes() -> None:
    from assay_py.emulator import RauthyEmulator

    with RauthyEmulator() as emu:
        emu.add_user("alice@example.com", password="pw")
        emu.reset()
        with pytest.raises(ValueError, match=r"^user: no test user"):
            emu.login("rauthy", "alice@example.com")
