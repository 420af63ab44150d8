"""The emulator's request log: the most recent requests in full, exact counts for all of them.

A long-running emulator (``assay-py emulator`` behind a test suite for hours) must not grow with
every request: a record keeps the request's (redacted) headers, about 0.85 KB. So only the last
``maxlen`` records are kept, while the counts behind ``request_count`` stay exact for every
request since the start (or the last ``clear``). The counts are kept per (method, path): they
grow with the number of distinct paths, which a long run over the same clients does not.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_MAXLEN = 2_000


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it. ``status`` is None when the connection was dropped."""

    method: str
    path: str
    headers: Mapping[str, str]
    status: int | None


class RequestLog:
    """Thread-safe: the last ``maxlen`` records, and exact per-(method, path) counts."""

    def __init__(self, maxlen: int = DEFAULT_MAXLEN) -> None:
        if maxlen < 1:
            raise ValueError("request log size: must be >= 1")
        self.maxlen = maxlen
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._counts: dict[tuple[str, str], int] = {}

    def append(self, record: RequestRecord) -> None:
        key = (record.method, record.path)
        with self._lock:
            self._records.append(record)
            self._counts[key] = self._counts.get(key, 0) + 1

    def snapshot(self) -> list[RequestRecord]:
        """The most recent records (at most ``maxlen``), oldest first."""
        with self._lock:
            return list(self._records)

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """Requests seen, filtered; ``path_prefix`` may include ``/auth/v1`` or not."""
        wanted = None if method is None else method.upper()
        with self._lock:
            counts = list(self._counts.items())
        total = 0
        for (seen_method, path), count in counts:
            if wanted is not None and seen_method != wanted:
                continue
            if path_prefix is not None:
                route = path.removeprefix("/auth/v1")
                if not (path.startswith(path_prefix) or route.startswith(path_prefix)):
                    continue
            total += count
        return total

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._counts.clear()
