"""Apply a plan: every client on a thread pool over one pooled Rauthy client.

Each client's requests are the client's own ``execute(plan)``; this module adds what many
clients need: parallelism, one failure not stopping the others, recovery, and publishing.

Recovery: when a client's requests fail (after the transport's own retries), its live state is
read again and planned again before the next attempt, so an attempt whose answer was lost (the
create landed, the connection dropped) continues from what Rauthy really holds instead of
failing on a duplicate id. Once a create or rebuild of a confidential client was attempted, a
new secret may exist; it is read at the end whatever the final action was, so what is published
is what Rauthy holds.

Publication (``publication.py``): before any request that may mint a secret, the client is
journalled in every destination; its secret is then read and delivered, which clears the
journal. Confidential clients some destination lacks (a missing file, a journalled mint a
killed run never finished) get their current secret read and delivered, never rotated. So a
run killed at any moment is repaired by the next one.

Secrets: a ``ClientResult`` keeps the secret in memory (``secret``, hidden from repr) for the
caller that publishes it; ``to_dict()`` leaves it out unless asked with ``include_secrets``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assay_py.rauthy.errors import (
    RauthyError,
    RauthyForbidden,
    RauthyUnauthorized,
    RauthyValidationError,
)
from assay_py.rauthy.options import check_options
from assay_py.rauthy.reconcile import Plan

from .clients_file import Entry, parse_entries
from .planner import (
    ClientAction,
    ClientPlan,
    PlanReport,
    ends_confidential,
    mints_secret,
    plan_clients,
    replan,
    secret_owners,
)
from .publication import Publication, SecretsDir
from .publish import secret_file_name

__all__ = ["ApplyReport", "ClientResult", "apply_clients"]

Status = Literal["ok", "failed"]
#: minted: new in this run; republished: a destination lacked it; existing: publish_existing.
SecretSource = Literal["minted", "republished", "existing"]
ProgressCallback = Callable[["ClientResult", int, int], None]

#: Attempts per client; each after the first starts from a fresh read of the live client.
DEFAULT_ATTEMPTS = 5


@dataclass(frozen=True)
class ClientResult:
    """What happened to one client. ``secret`` is in memory only (never in repr or to_dict)."""

    client_id: str
    action: ClientAction
    status: Status
    error: str | None = None
    warnings: tuple[str, ...] = ()
    secret: str | None = field(default=None, repr=False)
    secret_source: SecretSource | None = None
    secret_file: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self, *, include_secrets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.client_id, "action": self.action, "status": self.status}
        if self.error is not None:
            out["error"] = self.error
        if self.secret_source is not None:
            out["secret_source"] = self.secret_source  # "minted" / "existing", not the value
        if self.secret_file is not None:
            out["secret_file"] = self.secret_file
        if include_secrets and self.secret is not None:
            out["secret"] = self.secret  # the key reconcile() uses for it
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.attempts > 1:
            out["attempts"] = self.attempts
        return out


@dataclass(frozen=True)
class ApplyReport:
    """Results in plan order; ``plan`` is what was executed."""

    results: tuple[ClientResult, ...]
    plan: PlanReport = field(repr=False)
    #: Destinations that could not be finished (the manifest file), one message each.
    publish_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results) and not self.publish_errors

    @property
    def failed(self) -> tuple[ClientResult, ...]:
        return tuple(result for result in self.results if not result.ok)

    def secrets(self) -> dict[str, str]:
        """``{client_id: secret}`` for every secret this apply obtained, in plan order."""
        return {r.client_id: r.secret for r in self.results if r.secret is not None}

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.results:
            key = result.action if result.ok else "failed"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def to_dict(self, *, include_secrets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "summary": self.counts(),
            "clients": [r.to_dict(include_secrets=include_secrets) for r in self.results],
        }
        if self.publish_errors:
            out["publish_errors"] = list(self.publish_errors)
        return out


def apply_clients(
    client: Any,
    entries_or_report: PlanReport | Iterable[Entry | Mapping[str, Any]],
    *,
    parallel: int = 4,
    prune: bool = False,
    secrets_dir: str | Path | None = None,
    publication: Publication | None = None,
    on_progress: ProgressCallback | None = None,
    publish_existing: bool = False,
    attempts: int = DEFAULT_ATTEMPTS,
) -> ApplyReport:
    """Converge Rauthy on the entries (planning first), or execute an existing plan.

    ``parallel`` clients run at once over ``client``'s one connection pool. A client that fails
    does not stop the others; check ``report.ok``. Secrets go to the ``publication``'s
    destinations (``secrets_dir`` is short for ``Publication([SecretsDir(secrets_dir)])``):
    those of created or rebuilt confidential clients, those some destination lacks (read, not
    rotated) and, with ``publish_existing``, those of every confidential client in the plan.
    They are also kept in memory on the results. ``on_progress(result, done, total)`` is
    called from worker threads as clients finish. ``client`` is a ``RauthyClient`` or its
    ``.clients`` API.
    """
    check_options(
        "apply",
        none_ok=("secrets_dir", "on_progress"),
        parallel=parallel,
        prune=prune,
        secrets_dir=secrets_dir,
        on_progress=on_progress,
        publish_existing=publish_existing,
        attempts=attempts,
    )
    if publication is not None and not isinstance(publication, Publication):
        raise RauthyValidationError(
            [("publication", "must be a declarative.publication.Publication")],
            "apply: option 'publication' must be a Publication (declarative.publication)",
        )
    if secrets_dir is not None and publication is not None:
        raise ValueError("give secrets_dir or publication, not both")
    if publication is None:
        publication = Publication([SecretsDir(secrets_dir)] if secrets_dir is not None else [])
    if isinstance(entries_or_report, PlanReport):
        report = entries_or_report
        if prune and not report.prune:
            raise ValueError("this plan was made without prune; plan again with prune=True")
        publication.check([c.client_id for c in report.clients if c.confidential])
        publication.prepare()
    else:
        checked = parse_entries(list(entries_or_report))
        publication.check(secret_owners(checked))
        publication.prepare()  # before any request: an unusable directory costs nothing
        report = plan_clients(client, checked, prune=prune, parallel=parallel)

    # Judged now rather than taken from the plan, which may be older than the destinations.
    owners = [c.client_id for c in report.clients if c.action != "delete" and c.confidential]
    stale = frozenset(publication.stale(owners))
    for action in ("create", "rebuild", "put"):
        minting = [c.client_id for c in report.clients if c.mints and c.action == action]
        publication.begin(minting, action)

    api = getattr(client, "clients", client)  # a RauthyClient or its ClientsApi
    worker = _Worker(api, publication, stale, publish_existing, max(1, attempts))
    total = len(report.clients)
    results: list[ClientResult | None] = [None] * total
    with ThreadPoolExecutor(max_workers=min(parallel, max(1, total))) as pool:
        futures = {pool.submit(worker.run, planned): i for i, planned in enumerate(report.clients)}
        for done, future in enumerate(as_completed(futures), start=1):
            result = future.result()
            results[futures[future]] = result
            if on_progress is not None:
                on_progress(result, done, total)
    errors = publication.flush()
    return ApplyReport(tuple(r for r in results if r is not None), report, tuple(errors))


class _Worker:
    def __init__(
        self,
        api: Any,
        publication: Publication,
        stale: frozenset[str],
        publish_existing: bool,
        attempts: int,
    ) -> None:
        self._api = api
        self._publication = publication
        self._stale = stale
        self._publish_existing = publish_existing
        self._attempts = attempts
        self._files = [d.path for d in publication.destinations if isinstance(d, SecretsDir)]

    def run(self, planned: ClientPlan) -> ClientResult:
        # Never let one client's surprise (a bug, a disk error) take down the others.
        try:
            return self._run(planned)
        except Exception as exc:
            return _failed(planned, f"{type(exc).__name__}: {exc}")

    def _run(self, planned: ClientPlan) -> ClientResult:
        if planned.action == "delete":
            return self._delete(planned)
        assert planned.plan is not None and planned.entry is not None
        decided: Plan = planned.plan
        may_have_minted = False
        warnings: list[str] = []
        attempt = 0
        while True:
            attempt += 1
            if mints_secret(decided):
                if not planned.mints or decided is not planned.plan:
                    # A retry found another state (the client vanished): journal first.
                    self._publication.begin([planned.client_id], decided.action)
                may_have_minted = True
            try:
                outcome = self._api.execute(decided, read_secret=False)
                warnings.extend(w for w in outcome.get("warnings", ()) if w not in warnings)
                break
            except RauthyError as exc:
                if attempt >= self._attempts or not _worth_retrying(exc):
                    return _failed(planned, str(exc), attempts=attempt, warnings=warnings)
                _pause(attempt)
                # If even the read fails, the old plan is tried again as it is.
                with contextlib.suppress(RauthyError):
                    decided = replan(planned.entry, self._api.get(planned.client_id))

        source: SecretSource | None = None
        if not ends_confidential(decided):
            self._publication.settle([planned.client_id])  # no secret to publish any more
        elif may_have_minted:
            source = "minted"
        elif planned.client_id in self._stale:
            source = "republished"
        elif self._publish_existing:
            source = "existing"
        if source is None:
            return ClientResult(
                planned.client_id, planned.action, "ok", warnings=tuple(warnings), attempts=attempt
            )
        return self._with_secret(planned, source, attempt, warnings)

    def _with_secret(
        self, planned: ClientPlan, source: SecretSource, attempt: int, warnings: list[str]
    ) -> ClientResult:
        try:
            secret: str = self._api.get_secret(planned.client_id)
        except RauthyError as exc:
            if any(d.checkable for d in self._publication.destinations):
                hint = " (it stays journalled: the next apply reads and publishes it)"
            else:
                hint = " (re-run apply with --publish-existing)" if source == "minted" else ""
            return _failed(
                planned,
                f"applied, but reading its secret failed{hint}: {exc}",
                attempts=attempt,
                warnings=warnings,
            )
        errors = self._publication.deliver(planned.client_id, secret)
        path = str(self._files[0] / secret_file_name(planned.client_id)) if self._files else None
        if errors:
            return ClientResult(
                planned.client_id,
                planned.action,
                "failed",
                error="applied, but publishing its secret failed (the next apply publishes it):"
                f" {'; '.join(errors)}",
                warnings=tuple(warnings),
                secret=secret,
                secret_source=source,
                attempts=attempt,
            )
        return ClientResult(
            planned.client_id,
            planned.action,
            "ok",
            warnings=tuple(warnings),
            secret=secret,
            secret_source=source,
            secret_file=path,
            attempts=attempt,
        )

    def _delete(self, planned: ClientPlan) -> ClientResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                self._api.delete(planned.client_id)  # refuses the built-in client unsent
                return ClientResult(planned.client_id, "delete", "ok", attempts=attempt)
            except RauthyError as exc:
                if attempt >= self._attempts or not _worth_retrying(exc):
                    return _failed(planned, str(exc), attempts=attempt)
                _pause(attempt)


def _worth_retrying(exc: RauthyError) -> bool:
    # A wrong key, missing rights or a payload Rauthy rejects fail the same way every time.
    return not isinstance(exc, (RauthyUnauthorized, RauthyForbidden, RauthyValidationError))


def _pause(attempt: int) -> None:
    time.sleep(min(1.0, 0.05 * 2**attempt))


def _failed(
    planned: ClientPlan, error: str, *, attempts: int = 1, warnings: Iterable[str] = ()
) -> ClientResult:
    return ClientResult(
        planned.client_id,
        planned.action,
        "failed",
        error=error,
        warnings=tuple(warnings),
        attempts=attempts,
    )
