"""Plan many clients from one ``GET /clients``.

Each client's decision is the pure ``rauthy.plan(desired, live)``; this module only gathers the
live state cheaply and arranges the results. ``GET /clients`` returns every field except
``scim``, so a ``GET /clients/{id}`` is made only where ``scim`` matters:

- the entry mentions ``scim``: its live value is needed to compare;
- the list says the client will be PUT or rebuilt: both replace the whole client, and an
  existing SCIM config the list does not show would be wiped. An entry that does not mention
  ``scim`` does not manage it, so the live config is carried into the desired payload.

Creates and unchanged clients never need it: 500 unchanged clients are planned in one request.

Publication is part of the plan (``publication.py``): given the run's destinations, a
confidential client whose current secret some destination lacks is a pending change
(``publish``), found without any request: no secret is read to plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from assay_py.rauthy import _schema as schema
from assay_py.rauthy.options import check_options
from assay_py.rauthy.reconcile import Plan, plan

from .clients_file import Entry, parse_entries

if TYPE_CHECKING:
    from .publication import Publication

__all__ = [
    "ClientPlan",
    "FieldChange",
    "PlanReport",
    "ends_confidential",
    "mints_secret",
    "plan_clients",
    "plan_entries",
    "replan",
    "secret_owners",
    "with_publication",
]

ClientAction = Literal["create", "rebuild", "put", "noop", "delete"]
ACTIONS: tuple[ClientAction, ...] = ("create", "rebuild", "put", "delete", "noop")

#: Shown instead of a secret value in a diff (``scim.bearer_token``).
SENSITIVE = "(sensitive)"
SENSITIVE_CHANGED = "(sensitive, changed)"

_BUILTIN_WARNING = (
    "the built-in 'rauthy' client is reset by Rauthy at every start (only its name survives);"
    " changes to it do not last"
)


class _ClientsApi(Protocol):
    def list(self) -> list[dict[str, Any]]: ...
    def get(self, client_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class FieldChange:
    """One field's live and desired values, secrets already replaced by a marker."""

    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class ClientPlan:
    """The decision for one client. ``plan`` is the pure plan (None for a prune delete)."""

    client_id: str
    action: ClientAction
    changes: tuple[FieldChange, ...] = ()
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    entry: Entry | None = field(default=None, repr=False)
    plan: Plan | None = field(default=None, repr=False)
    live: dict[str, Any] | None = field(default=None, repr=False)
    #: Whether this client cost a ``GET /clients/{id}`` on top of the list.
    fetched: bool = False
    #: Why its current secret must be published again: one reason per destination lacking it
    #: (empty when every destination holds it, or when this plan mints a new one anyway).
    publish: tuple[str, ...] = ()

    @property
    def confidential(self) -> bool:
        """Whether the client ends up confidential, i.e. has a secret to publish."""
        return self.plan is not None and ends_confidential(self.plan)

    @property
    def mints(self) -> bool:
        """Whether carrying out this plan gives the client a new secret."""
        return self.plan is not None and mints_secret(self.plan)

    @property
    def pending(self) -> bool:
        """Whether apply has something to do for this client (a change or a publication)."""
        return self.action != "noop" or bool(self.publish)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.client_id, "action": self.action}
        if self.action != "delete":
            out["confidential"] = self.confidential
        if self.reason:
            out["reason"] = self.reason
        if self.publish:
            out["publish"] = list(self.publish)
        out["changes"] = [change.to_dict() for change in self.changes]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class PlanReport:
    """Plans for every client in the file, plus prune deletes; ``to_dict`` holds no secret."""

    clients: tuple[ClientPlan, ...]
    prune: bool = False
    #: Requests spent reading the live state: one list, plus per-client GETs.
    reads: int = 1

    @property
    def has_changes(self) -> bool:
        return any(client.pending for client in self.clients)

    def counts(self) -> dict[str, int]:
        """Clients per action; ``publish`` counts the unchanged ones whose secret is to be
        published again (they are not in ``noop``)."""
        counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        counts["publish"] = 0
        for client in self.clients:
            counts["publish" if client.action == "noop" and client.publish else client.action] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": self.has_changes,
            "prune": self.prune,
            "summary": self.counts(),
            "reads": self.reads,
            "clients": [client.to_dict() for client in self.clients],
        }


def plan_clients(
    client: Any,
    entries: Iterable[Entry | Mapping[str, Any]],
    *,
    prune: bool = False,
    parallel: int = 4,
    publication: Publication | None = None,
) -> PlanReport:
    """Plan ``entries`` (Entry objects or raw payload/preset mappings) against Rauthy.

    Everything is validated before the first request (raises ``ClientsFileError``, or
    ``PublicationError`` for an id the ``publication`` cannot name). With ``prune``, live
    clients absent from ``entries`` are planned for deletion, except the built-in ``rauthy``
    client, which is never touched. With a ``publication``, confidential clients some
    destination lacks are marked ``publish``. ``client`` is a ``RauthyClient`` or its
    ``.clients`` API.
    """
    check_options("plan", prune=prune, parallel=parallel)
    checked = parse_entries(list(entries))
    if publication is not None:
        publication.check(secret_owners(checked))
    api: _ClientsApi = getattr(client, "clients", client)
    listed = api.list()
    report = plan_entries(checked, listed, api.get, prune=prune, parallel=parallel)
    if publication is not None:
        report = with_publication(report, publication)
    return report


def with_publication(report: PlanReport, publication: Publication) -> PlanReport:
    """``report`` with ``publish`` set on the clients whose current secret a destination lacks.

    Clients this plan mints a secret for are left out: they are published anyway.
    """
    owners = [c.client_id for c in report.clients if c.action != "delete" and c.confidential]
    stale = publication.stale(owners)
    clients = tuple(
        replace(c, publish=stale[c.client_id]) if c.client_id in stale and not c.mints else c
        for c in report.clients
    )
    return replace(report, clients=clients)


def secret_owners(entries: Iterable[Entry]) -> list[str]:
    """Ids of the entries that may end confidential (``confidential`` true or left to the live
    client), i.e. whose secret may need publishing: what to check before any request."""
    return [e.id for e in entries if e.payload.get("confidential", True) is not False]


def plan_entries(
    entries: Sequence[Entry],
    listed: Sequence[Mapping[str, Any]],
    get_one: Any,
    *,
    prune: bool = False,
    parallel: int = 4,
) -> PlanReport:
    """The planning step over an already-fetched ``GET /clients`` answer.

    ``get_one(id) -> dict | None`` is called only for the clients that need it (module doc).
    """
    live_by_id = {str(item["id"]): dict(item) for item in listed}
    first = {entry.id: plan(entry.payload, live_by_id.get(entry.id)) for entry in entries}
    needs_get = [entry for entry in entries if _needs_full_read(entry, first[entry.id])]

    full: dict[str, dict[str, Any] | None] = {}
    if needs_get:
        workers = max(1, min(parallel, len(needs_get)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = pool.map(get_one, [entry.id for entry in needs_get])
            full = {entry.id: answer for entry, answer in zip(needs_get, answers, strict=True)}

    planned: list[ClientPlan] = []
    for entry in entries:
        if entry.id in full:
            live = full[entry.id]
            decided = replan(entry, live)
        else:
            live = live_by_id.get(entry.id)
            decided = first[entry.id]
        planned.append(_client_plan(entry, decided, live, fetched=entry.id in full))

    if prune:
        wanted = {entry.id for entry in entries}
        for client_id, live in live_by_id.items():
            if client_id in wanted or client_id == schema.BUILTIN_CLIENT:
                continue
            planned.append(
                ClientPlan(
                    client_id=client_id,
                    action="delete",
                    changes=_delete_changes(live),
                    reason="absent from the clients file (--prune)",
                    live=live,
                )
            )
    return PlanReport(tuple(planned), prune=prune, reads=1 + len(needs_get))


def ends_confidential(decided: Plan) -> bool:
    """Whether the client is confidential once ``decided`` is carried out (noop included:
    ``Plan.confidential`` reads the PUT body, which a noop does not have)."""
    if decided.put_body:
        return decided.confidential
    return bool(decided.desired.get("confidential"))


def mints_secret(decided: Plan) -> bool:
    """Whether executing ``decided`` gives the client a new secret."""
    if not ends_confidential(decided):
        return False
    if decided.action in ("create", "rebuild"):
        return True
    # PUT turning a public client confidential: Rauthy generates a secret, not returned.
    return decided.action == "put" and (decided.live or {}).get("confidential") is False


def replan(entry: Entry, live: Mapping[str, Any] | None) -> Plan:
    """Plan ``entry`` against a full ``GET /clients/{id}`` answer (which includes ``scim``)."""
    return plan(_carry_scim(entry.payload, live), live)


# --- per client ----------------------------------------------------------------------------


def _needs_full_read(entry: Entry, first: Plan) -> bool:
    return "scim" in entry.payload or first.action in ("put", "rebuild")


def _carry_scim(payload: dict[str, Any], live: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entry's payload; one that does not mention ``scim`` keeps the live config."""
    if "scim" in payload or live is None or live.get("scim") is None:
        return payload
    return {**payload, "scim": live["scim"]}


def _client_plan(
    entry: Entry, decided: Plan, live: dict[str, Any] | None, *, fetched: bool
) -> ClientPlan:
    warnings = decided.warnings
    if entry.id == schema.BUILTIN_CLIENT and decided.action != "noop":
        warnings = (*warnings, _BUILTIN_WARNING)
    return ClientPlan(
        client_id=entry.id,
        action=decided.action,
        changes=_changes(decided, live),
        reason=decided.reason,
        warnings=warnings,
        entry=entry,
        plan=decided,
        live=live,
        fetched=fetched,
    )


def _changes(decided: Plan, live: Mapping[str, Any] | None) -> tuple[FieldChange, ...]:
    if decided.action == "noop":
        return ()
    if decided.action == "create" or live is None:
        names: Iterable[str] = [n for n in schema.FIELD_ORDER if n in decided.desired and n != "id"]
        before: Mapping[str, Any] = {}
    else:
        names = decided.drift
        before = live
    after = decided.put_body or decided.desired
    return tuple(
        FieldChange(name, *_redacted(name, before.get(name), after.get(name))) for name in names
    )


def _delete_changes(live: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    shown = ("name", "confidential", "redirect_uris")
    return tuple(FieldChange(name, live[name], None) for name in shown if name in live)


def _redacted(name: str, before: Any, after: Any) -> tuple[Any, Any]:
    """Hide ``scim.bearer_token``, still telling whether it changes."""
    if name != "scim":
        return before, after
    old = before.get("bearer_token") if isinstance(before, Mapping) else None
    new = after.get("bearer_token") if isinstance(after, Mapping) else None
    if isinstance(before, Mapping) and "bearer_token" in before:
        before = {**before, "bearer_token": SENSITIVE}
    if isinstance(after, Mapping) and "bearer_token" in after:
        after = {**after, "bearer_token": SENSITIVE if old == new else SENSITIVE_CHANGED}
    return before, after
