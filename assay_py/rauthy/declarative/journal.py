"""The publication journal: which secrets may have changed without reaching a destination.

Before a request that may mint a secret (a create, a rebuild, a rotation, a PUT turning a
client confidential), the owner's id is written to the journal of every destination, durably
(atomic rename, fsync). It is taken out once that destination holds the new secret durably
(a secrets directory syncs its files in batches first: ``SecretsDir``). A run killed in
between leaves the id in the journal, and the next plan knows that this one
destination is stale without reading any secret: a plan of unchanged clients whose
destinations are complete still costs no secret read.

The file is small JSON (ids and what was under way, never a secret) and is deleted when empty,
so a converged secrets directory holds the secret files only.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .publish import write_private_file

__all__ = ["Journal", "JournalUnreadable"]

_VERSION = 1


class JournalUnreadable(Exception):
    """The journal exists but cannot be parsed; every owner counts as possibly stale."""


class Journal:
    """The journal at ``path``; thread-safe within one process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def entries(self) -> dict[str, dict[str, Any]]:
        """``{id: {"op": ..., "since": unix seconds}}``; raises ``JournalUnreadable``."""
        with self._lock:
            return dict(self._load())

    def add(self, ids: Iterable[str], op: str) -> None:
        """Record ``ids`` as under way, durably, before the request that may mint."""
        with self._lock:
            entries = self._load_or_reset()
            now = round(time.time(), 3)
            changed = False
            for owner in ids:
                if owner not in entries:
                    entries[owner] = {"op": op, "since": now}
                    changed = True
            if changed:
                self._save(entries, durable=True)

    def remove(self, ids: Iterable[str]) -> None:
        """Take ``ids`` out once their destination holds the secret.

        Not fsync'd: a removal lost to a power cut only costs one more secret read.
        """
        with self._lock:
            entries = self._load_or_reset()
            before = len(entries)
            for owner in ids:
                entries.pop(owner, None)
            if len(entries) != before:
                self._save(entries, durable=False)

    # -- internals -------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = _read(self.path)
        return self._entries

    def _load_or_reset(self) -> dict[str, dict[str, Any]]:
        try:
            return self._load()
        except JournalUnreadable:
            # Whoever writes now has read every secret it needed (the plan counted all as
            # stale); starting a fresh journal loses nothing.
            self._entries = {}
            return self._entries

    def _save(self, entries: dict[str, dict[str, Any]], *, durable: bool) -> None:
        if not entries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return
        text = json.dumps({"version": _VERSION, "pending": entries}, sort_keys=True)
        write_private_file(self.path, text, durable=durable)


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalUnreadable(f"{path}: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise JournalUnreadable(f"{path}: not JSON") from None
    pending = data.get("pending") if isinstance(data, dict) else None
    if not isinstance(pending, dict) or not all(isinstance(v, dict) for v in pending.values()):
        raise JournalUnreadable(f"{path}: no 'pending' table")
    return {str(k): dict(v) for k, v in pending.items()}
