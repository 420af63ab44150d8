"""Publication as desired state: where secrets go, and whether each place holds the current one.

A ``Publication`` is a list of destinations: a secrets directory (one file per owner), a
Kubernetes manifest file, or a manifest stream (stdout). For every owner of a secret (today a
confidential client; the code only sees ids), ``stale(ids)`` tells which checkable destinations
lack its current secret, without any request:

- the destination has no copy (missing or empty file, no matching document in the manifest);
- the destination's journal lists the id: a mint was under way and never reached it
  (``journal.py``).

An id no destination calls stale is published; reading its secret again would be waste. The
executor journals before it mints (``begin``), hands every secret it obtains to ``deliver``,
and calls ``flush`` at the end (the manifest file is written once, not once per client, and
the secret files are made durable together before their owners leave the journal).

A stream cannot be checked: what was printed may never have reached ``kubectl``. It is the
caller's to say so.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from assay_py.rauthy.errors import RauthyValidationError

from .journal import Journal, JournalUnreadable
from .publish import (
    dump_manifests,
    k8s_name_prefix_problem,
    k8s_namespace_problem,
    k8s_secret_manifest,
    k8s_secret_name,
    manifest_entry,
    read_k8s_manifests,
    remove_stale_temporaries,
    render_k8s_manifests,
    secret_file_name,
    secret_file_problem,
    sync_files,
    write_private_file,
    write_secret_file,
)

__all__ = [
    "Destination",
    "ManifestFile",
    "ManifestStream",
    "Publication",
    "PublicationError",
    "SecretsDir",
]

JOURNAL_NAME = ".assay-py-journal"


class PublicationError(RauthyValidationError):
    """Secrets could not be published as asked; raised before any request."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        listed = "\n".join(f"  {where}: {rule}" for where, rule in violations)
        super().__init__(violations, f"cannot publish secrets as asked:\n{listed}")


class Destination(Protocol):
    """One place secrets are published to."""

    #: How a person names it: ``--secrets-dir ./secrets``.
    label: str
    #: Whether ``stale`` can tell what it holds.
    checkable: bool

    def problems(self, ids: Sequence[str]) -> list[tuple[str, str]]: ...
    def prepare(self) -> None: ...
    def stale(self, ids: Sequence[str]) -> dict[str, str]: ...
    def begin(self, ids: Iterable[str], op: str) -> None: ...
    def deliver(self, owner: str, secret: str) -> None: ...
    def settle(self, ids: Iterable[str]) -> None: ...
    def flush(self) -> None: ...


class SecretsDir:
    """``DIR/<id>``: the secret alone, mode 0600, written at once for each owner.

    Each file is written atomically but not fsync'd on its own (two fsyncs a file were most
    of an apply's time on a real disk). Delivered owners stay in the journal until a
    checkpoint has made their files durable together (``sync_files``) and only then leave
    it: at ``flush``, and every ``CHECKPOINT_S`` seconds of a long run, so that a run killed
    late leaves few secrets to read again. A run killed before that leaves the owners
    journalled, so the next plan reads and publishes them again: never a file that a crash
    could have lost while the journal says it is there.
    """

    checkable = True
    #: The most seconds of deliveries a long run keeps journalled.
    CHECKPOINT_S = 5.0

    def __init__(self, path: str | os.PathLike[str], *, label: str | None = None) -> None:
        self.path = Path(path)
        self.label = label or f"--secrets-dir {self.path}"
        self.journal = Journal(self.path / JOURNAL_NAME)
        self._lock = threading.Lock()
        self._checkpointing = threading.Lock()
        self._written: list[tuple[str, Path]] = []  # delivered, not yet durable
        self._last_checkpoint = time.monotonic()

    def __repr__(self) -> str:
        return f"SecretsDir({str(self.path)!r})"

    def problems(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        found = []
        for owner in ids:
            problem = secret_file_problem(owner)
            if problem is not None:
                found.append((f"{self.label}: client {owner!r}", problem))
        return found

    def prepare(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise PermissionError(13, "not writable", str(self.path))
        remove_stale_temporaries(self.path)

    def stale(self, ids: Sequence[str]) -> dict[str, str]:
        present = _non_empty_files(self.path)
        try:
            journal = self.journal.entries()
        except JournalUnreadable:
            return dict.fromkeys(ids, f"{self.label}: journal unreadable")
        out: dict[str, str] = {}
        for owner in ids:
            name = secret_file_name(owner)
            if owner in journal:
                out[owner] = f"{self.label}: interrupted {journal[owner].get('op', 'mint')}"
            elif name not in present:
                out[owner] = f"{self.label}: no secret file {name}"
        return out

    def begin(self, ids: Iterable[str], op: str) -> None:
        self.journal.add(ids, op)

    def deliver(self, owner: str, secret: str) -> None:
        path = write_secret_file(self.path, owner, secret, durable=False)
        with self._lock:
            self._written.append((owner, path))
            due = time.monotonic() - self._last_checkpoint >= self.CHECKPOINT_S
        if due:
            self._checkpoint()

    def settle(self, ids: Iterable[str]) -> None:
        self.journal.remove(ids)

    def flush(self) -> None:
        self._checkpoint()

    def _checkpoint(self) -> None:
        """Make every delivered file durable, then take its owner out of the journal."""
        with self._checkpointing:
            with self._lock:
                written, self._written = self._written, []
                self._last_checkpoint = time.monotonic()
            if not written:
                return
            try:
                sync_files(self.path, [path for _, path in written])
            except BaseException:
                with self._lock:  # still journalled; a later checkpoint may sync them
                    self._written = written + self._written
                raise
            self.journal.remove(owner for owner, _ in written)


class ManifestFile:
    """A file of ``v1/Secret`` documents, one per owner; written once, at ``flush``.

    Documents it does not manage (other names, other kinds) are kept as they are.
    """

    checkable = True

    def __init__(
        self, path: str | os.PathLike[str], namespace: str, *, name_prefix: str = ""
    ) -> None:
        self.path = Path(path)
        self.namespace = namespace
        self.name_prefix = name_prefix
        self.label = f"--k8s-out {self.path}"
        self.journal = Journal(self.path.parent / f".{self.path.name}{JOURNAL_NAME}")
        self._lock = threading.Lock()
        self._new: dict[str, str] = {}
        #: How many Secrets the last flush (re)wrote.
        self.written = 0

    def __repr__(self) -> str:
        return f"ManifestFile({str(self.path)!r}, {self.namespace!r})"

    def problems(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        return _k8s_problems(ids, self.namespace, self.name_prefix)

    def prepare(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            raise FileNotFoundError(2, "no such directory", str(parent))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PermissionError(13, "not writable", str(parent))
        remove_stale_temporaries(parent)

    def stale(self, ids: Sequence[str]) -> dict[str, str]:
        try:
            documents = self._documents()
            journal = self.journal.entries()
        except (ValueError, OSError, JournalUnreadable) as exc:
            reason = f"{self.label}: unreadable ({exc})"
            return dict.fromkeys(ids, reason)
        held: dict[str, tuple[str, str, str]] = {}
        for document in documents:
            entry = manifest_entry(document)
            if entry is not None:
                held[entry[0]] = entry[1:]
        out: dict[str, str] = {}
        for owner in ids:
            found = held.get(k8s_secret_name(owner, self.name_prefix))
            if owner in journal:
                out[owner] = f"{self.label}: interrupted {journal[owner].get('op', 'mint')}"
            elif found is None or found[0] != owner or not found[1]:
                out[owner] = f"{self.label}: no Secret for it"
            elif found[2] != self.namespace:
                out[owner] = f"{self.label}: its Secret is in namespace {found[2]!r}"
        return out

    def begin(self, ids: Iterable[str], op: str) -> None:
        self.journal.add(ids, op)

    def deliver(self, owner: str, secret: str) -> None:
        with self._lock:
            self._new[owner] = secret

    def settle(self, ids: Iterable[str]) -> None:
        self.journal.remove(ids)

    def flush(self) -> None:
        with self._lock:
            new, self._new = self._new, {}
        if not new:
            return
        try:
            documents = self._documents()
        except ValueError:
            documents = []  # unreadable: every owner was counted stale, so all are in ``new``
        fresh = {
            owner: k8s_secret_manifest(owner, secret, self.namespace, name_prefix=self.name_prefix)
            for owner, secret in sorted(new.items())
        }
        by_name = {doc["metadata"]["name"]: doc for doc in fresh.values()}
        kept: list[Any] = []
        for document in documents:
            entry = manifest_entry(document)
            if entry is not None and entry[0] in by_name:
                kept.append(by_name.pop(entry[0]))  # replaced where it was
            else:
                kept.append(document)
        kept.extend(by_name.values())
        text = dump_manifests(kept)
        try:
            write_private_file(self.path, text)
        except BaseException:
            with self._lock:  # a later flush may still write them
                self._new = {**new, **self._new}
            raise
        self.written = len(new)
        self.journal.remove(new)

    def _documents(self) -> list[Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return read_k8s_manifests(text)


class ManifestStream:
    """Manifests written to a stream (stdout) at ``flush``. Nothing can be checked there."""

    checkable = False
    label = "stdout"

    def __init__(self, namespace: str, write: Callable[[str], None], *, name_prefix: str = ""):
        self.namespace = namespace
        self.name_prefix = name_prefix
        self._write = write
        self._lock = threading.Lock()
        self._new: dict[str, str] = {}
        #: How many Secrets went out at the last flush.
        self.written = 0

    def problems(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        return _k8s_problems(ids, self.namespace, self.name_prefix)

    def prepare(self) -> None:
        return None

    def stale(self, ids: Sequence[str]) -> dict[str, str]:
        return {}

    def begin(self, ids: Iterable[str], op: str) -> None:
        return None

    def deliver(self, owner: str, secret: str) -> None:
        with self._lock:
            self._new[owner] = secret

    def settle(self, ids: Iterable[str]) -> None:
        return None

    def flush(self) -> None:
        with self._lock:
            new, self._new = self._new, {}
        self.written = len(new)
        if new:
            pairs = sorted(new.items())
            self._write(render_k8s_manifests(pairs, self.namespace, name_prefix=self.name_prefix))


class Publication:
    """Every destination of one run; ``Publication([])`` publishes nowhere."""

    def __init__(self, destinations: Sequence[Destination] = ()) -> None:
        self.destinations = tuple(destinations)

    def __repr__(self) -> str:
        return f"Publication({[d.label for d in self.destinations]})"

    def __bool__(self) -> bool:
        return bool(self.destinations)

    @property
    def unchecked(self) -> tuple[Destination, ...]:
        """The destinations whose content cannot be checked (a stream)."""
        return tuple(d for d in self.destinations if not d.checkable)

    def check(self, ids: Sequence[str]) -> None:
        """Raise ``PublicationError`` if some id cannot be published; before any request."""
        found = [problem for d in self.destinations for problem in d.problems(ids)]
        if found:
            raise PublicationError(found)

    def prepare(self) -> None:
        """Create what is missing and remove the temporaries of killed runs (raises OSError)."""
        for destination in self.destinations:
            destination.prepare()

    def stale(self, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """``{id: reasons}`` for every id some checkable destination lacks; no request."""
        out: dict[str, list[str]] = {}
        for destination in self.destinations:
            for owner, reason in destination.stale(ids).items():
                out.setdefault(owner, []).append(reason)
        return {owner: tuple(out[owner]) for owner in ids if owner in out}

    def begin(self, ids: Iterable[str], op: str) -> None:
        """Journal ``ids`` in every checkable destination before a request that may mint."""
        listed = list(ids)
        if listed:
            for destination in self.destinations:
                destination.begin(listed, op)

    def deliver(self, owner: str, secret: str) -> list[str]:
        """Hand ``secret`` to every destination; the errors, one per destination that failed."""
        errors = []
        for destination in self.destinations:
            try:
                destination.deliver(owner, secret)
            except OSError as exc:
                errors.append(f"{destination.label}: {exc.strerror or exc}")
        return errors

    def settle(self, ids: Iterable[str]) -> None:
        """``ids`` need no secret (no longer confidential): forget their journal entries."""
        listed = list(ids)
        if listed:
            for destination in self.destinations:
                destination.settle(listed)

    def flush(self) -> list[str]:
        """Finish every destination (write the manifest file); the errors, if any."""
        errors = []
        for destination in self.destinations:
            try:
                destination.flush()
            except OSError as exc:
                errors.append(f"{destination.label}: {exc.strerror or exc}")
        return errors


def _k8s_problems(ids: Sequence[str], namespace: str, prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    problem = k8s_namespace_problem(namespace)
    if problem is not None:
        found.append(("--k8s-secret-namespace", problem))
    problem = k8s_name_prefix_problem(prefix)
    if problem is not None:
        found.append(("--k8s-name-prefix", problem))
        return found
    seen: dict[str, str] = {}
    for owner in ids:
        try:
            name = k8s_secret_name(owner, prefix)
        except ValueError as exc:
            found.append(("Kubernetes Secret name", str(exc)))
            continue
        if name in seen:
            found.append(
                (
                    "Kubernetes Secret name",
                    f"clients {seen[name]!r} and {owner!r} both map to {name!r}; one Secret"
                    " would replace the other (change an id or use --k8s-name-prefix per file)",
                )
            )
        else:
            seen[name] = owner
    return found


def _non_empty_files(directory: Path) -> set[str]:
    try:
        with os.scandir(directory) as entries:
            return {e.name for e in entries if e.is_file() and e.stat().st_size > 0}
    except FileNotFoundError:
        return set()
