"""Fault injection, and the redaction of logged headers, for reliability tests.

Decisions are taken under a small lock; the server sleeps for latency outside any lock.
Faults act like a flaky network in front of Rauthy, so they run before Rauthy's own logic.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

DropWhen = Literal["before", "after"]


@dataclass(frozen=True)
class Decision:
    delay_s: float = 0.0
    fail_status: int | None = None
    drop: DropWhen | None = None


_NO_FAULT = Decision()


@dataclass
class _Rule:
    remaining: int
    method: str | None
    path: str | None
    status: int = 503
    drop: DropWhen | None = None

    def matches(self, method: str, path: str, route_path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if any(ch in self.path for ch in "*?["):
            return fnmatch.fnmatchcase(route_path, self.path) or fnmatch.fnmatchcase(
                path, self.path
            )
        return self.path in (route_path, path)


class Faults:
    """``emu.faults``: latency, fail or drop the next N requests, random failures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fixed_s = 0.0
        self._jitter_s = 0.0
        self._rules: list[_Rule] = []
        self._random_rate = 0.0
        self._random_status = 503
        self._random = random.Random()
        self._active = False

    def latency(self, fixed_s: float = 0.0, jitter_s: float = 0.0) -> None:
        """Delay every response by ``fixed_s`` plus a uniform ``[0, jitter_s)`` extra."""
        if fixed_s < 0 or jitter_s < 0:
            raise ValueError("latency: fixed_s and jitter_s must be >= 0")
        with self._lock:
            self._fixed_s, self._jitter_s = fixed_s, jitter_s
            self._refresh()

    def fail_next(
        self, n: int, status: int = 503, method: str | None = None, path: str | None = None
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` instead of running them.

        ``path`` is the route path after ``/auth/v1`` (``"/clients/x"``); the full path and
        shell-style wildcards (``"/clients/*"``) also work.
        """
        if n < 0 or not 100 <= status <= 599:
            raise ValueError("fail_next: n must be >= 0 and status within 100-599")
        with self._lock:
            self._rules.append(_Rule(n, method, path, status=status))
            self._refresh()

    def drop_next(
        self,
        n: int,
        when: DropWhen = "before",
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Close the connection of the next ``n`` matching requests without an answer, either
        ``"before"`` the handler runs (nothing changes) or ``"after"`` (the change is made)."""
        if n < 0 or when not in ("before", "after"):
            raise ValueError("drop_next: n must be >= 0 and when 'before' or 'after'")
        with self._lock:
            self._rules.append(_Rule(n, method, path, drop=when))
            self._refresh()

    def random_failures(self, rate: float, status: int = 503, seed: int | None = None) -> None:
        """Answer a share ``rate`` (0..1) of requests with ``status``."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("random_failures: rate must be within 0..1")
        with self._lock:
            self._random_rate, self._random_status = rate, status
            self._random = random.Random(seed)
            self._refresh()

    def clear(self) -> None:
        with self._lock:
            self._fixed_s = self._jitter_s = self._random_rate = 0.0
            self._rules.clear()
            self._refresh()

    def _refresh(self) -> None:
        self._rules = [r for r in self._rules if r.remaining > 0]
        self._active = bool(self._fixed_s or self._jitter_s or self._rules or self._random_rate)

    def decide(self, method: str, path: str, route_path: str) -> Decision:
        if not self._active:  # the common case: no lock on the hot path
            return _NO_FAULT
        with self._lock:
            delay = self._fixed_s
            if self._jitter_s:
                delay += self._random.uniform(0.0, self._jitter_s)
            for rule in self._rules:
                if rule.remaining > 0 and rule.matches(method, path, route_path):
                    rule.remaining -= 1
                    self._refresh()
                    if rule.drop is not None:
                        return Decision(delay, drop=rule.drop)
                    return Decision(delay, fail_status=rule.status)
            if self._random_rate and self._random.random() < self._random_rate:
                return Decision(delay, fail_status=self._random_status)
            return Decision(delay) if delay else _NO_FAULT


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header copy with secrets removed; an API key keeps its scheme and name only."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower == "authorization":
            scheme, _, rest = value.partition(" ")
            name, dollar, _ = rest.partition("$")
            out[lower] = f"{scheme} {name}$<redacted>" if dollar else "<redacted>"
        elif lower in ("cookie", "x-csrf-token", "proxy-authorization"):
            out[lower] = "<redacted>"
        else:
            out[lower] = value
    return out
