"""Live progress of ``apply`` on a terminal: one status line on stderr, redrawn in place.

Workers only bump counters under a lock; a single drawing thread redraws at most every
``interval`` seconds (and ticks the elapsed time while nothing finishes), so a thousand objects
finishing at once cost a thousand counter updates and a handful of writes, not a flush each.
Nothing is drawn when stderr is not a terminal: logs and pipes get none of it.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["LiveProgress", "elapsed_text", "status_line"]


def elapsed_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def status_line(done: int, failed: int, total: int, seconds: float) -> str:
    """``apply: 37/120 done, 1 failed, 2.4s``."""
    return f"apply: {done}/{total} done, {failed} failed, {elapsed_text(seconds)}"


class LiveProgress:
    """Counts set from any thread (``update``), drawn by one thread until ``close``."""

    def __init__(self, stream: TextIO, *, interval: float = 0.2) -> None:
        self._stream = stream
        self._interval = interval
        self._lock = threading.Lock()
        self._counts = (0, 0, 0)
        self._drawn: tuple[tuple[int, int, int], str] | None = None
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="apply-progress", daemon=True)

    @classmethod
    def on_stderr(cls, *, enabled: bool = True) -> LiveProgress | None:
        """A started display on stderr, or None when disabled or stderr is no terminal."""
        stream = sys.stderr
        if not enabled or not stream.isatty():
            return None
        return cls(stream).start()

    def start(self) -> LiveProgress:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def update(self, done: int, failed: int, total: int) -> None:
        with self._lock:
            self._counts = (done, failed, total)

    def close(self) -> None:
        """Stop drawing and leave the final line (with a newline) above what follows."""
        self._stop.set()
        self._thread.join()
        self._draw(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._draw()

    def _draw(self, *, final: bool = False) -> None:
        with self._lock:
            counts = self._counts
        seconds = time.monotonic() - self._start
        shown = (counts, elapsed_text(seconds))
        if shown == self._drawn and not final:
            return  # nothing visible changed: no write at all
        self._drawn = shown
        end = "\n" if final else ""
        self._stream.write(f"\r\x1b[K{status_line(*counts, seconds)}{end}")
        self._stream.flush()
