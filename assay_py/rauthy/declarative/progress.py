"""Progress of a whole-instance apply, counted over every kind without knowing any.

``total`` is every object in the plan. An adapter may report objects as they finish by calling
the ``on_progress(result, ...)`` it is given (``result.ok``, or a dict with ``status``); when a
kind's phase returns, its objects are settled from the outcome, so a kind that reports nothing
(or skips its unchanged objects) still ends exactly counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from .managed import KindOutcome, KindSection

__all__ = ["ProgressCallback", "Tracker"]

#: ``on_progress(done, failed, total)``, called from worker threads.
ProgressCallback = Callable[[int, int, int], None]


def _ok(result: Any) -> bool:
    if isinstance(result, Mapping):
        return result.get("status") == "ok"
    return bool(getattr(result, "ok", True))


def phase_items(section: KindSection, phase: str) -> int:
    return sum(1 for i in section.items if (i["action"] == "delete") == (phase == "delete"))


class Tracker:
    def __init__(self, total: int, report: ProgressCallback) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._total = total
        self._done = self._failed = 0  # settled phases
        self._live_done = self._live_failed = 0  # the phase under way
        self._expected = 0

    def begin(self, section: KindSection, phase: str) -> Callable[..., None]:
        """The live callback for one kind's phase."""
        with self._lock:
            self._expected = phase_items(section, phase)
            self._live_done = self._live_failed = 0
        return self._live

    def _live(self, result: Any, *_: Any) -> None:
        with self._lock:
            self._live_done = min(self._live_done + 1, self._expected)
            self._live_failed += not _ok(result)
            counts = (self._done + self._live_done, self._failed + self._live_failed, self._total)
        self._report(*counts)

    def settle(self, outcome: KindOutcome) -> None:
        with self._lock:
            self._done += self._expected
            self._failed += sum(1 for r in outcome.results if r.get("status") != "ok")
            self._expected = self._live_done = self._live_failed = 0
            counts = (self._done, self._failed, self._total)
        self._report(*counts)
