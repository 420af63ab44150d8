"""The emulator's clock: wall time plus an offset that a test moves forward.

Everything that expires (cached secrets, authorization codes, tokens) reads this clock, so a
test proves an expiry by ``emu.clock.advance(3601)`` instead of sleeping.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Callable returning unix seconds; ``advance`` moves it forward for this emulator only."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds: must be >= 0 (the clock never goes back)")
        with self._lock:
            self._offset += seconds

    def __repr__(self) -> str:
        return f"Clock(offset={self._offset:+.0f}s)"
