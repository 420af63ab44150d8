"""Plan many clients from one ``GET /clients``.

Each client's decision is the pure ``rauthy.plan(desired, live)``; this module only gathers the
live state cheaply and arranges the results. ``GET /clients`` returns every field except
``scim``, so a ``GET /clients/{id}`` is made only where ``scim`` matters:

- the entry mentions ``scim``: its live value is needed to compare;
- the list says the client will be PUT or rebuilt: both replace the whole client, and an
  existing SCIM config the list does not show would be wiped. An entry that does not mention
  ``scim`` does not manage it, so the live config is carried into the desired payload.

Creates and unchanged clients never need it: 500 unchanged clients are planned in one request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from assay_py.rauthy import _schema as schema
from assay_py.rauthy.options import check_options
from assay_py.rauthy.reconcile import Plan, plan

from .clients_file import Entry, parse_entries

__all__ = [
    "ClientPlan",
    "FieldChange",
    "PlanReport",
    "ends_confidential",
    "plan_clients",
    "plan_entries",
    "replan",
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

    @property
    def confidential(self) -> bool:
        """Whether the client ends up confidential, i.e. has a secret to publish."""
        return self.plan is not None and ends_confidential(self.plan)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.client_id, "action": self.action}
        if self.action != "delete":
            out["confidential"] = self.confidential
        if self.reason:
            out["reason"] = self.reason
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
        return any(client.action != "noop" for client in self.clients)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for client in self.clients:
            counts[client.action] += 1
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
) -> PlanReport:
    """Plan ``entries`` (Entry objects or raw payload/preset mappings) against Rauthy.

    Everything is validated before the first request (raises ``ClientsFileError``). With
    ``prune``, live clients absent from ``entries`` are planned for deletion, except the
    built-in ``rauthy`` client, which is never touched. ``client`` is a ``RauthyClient`` or
    its ``.clients`` API.
    """
    check_options("plan", prune=prune, parallel=parallel)
    checked = parse_entries(list(entries))
    api: _ClientsApi = getattr(client, "clients", client)
    listed = api.list()
    return plan_entries(checked, listed, api.get, prune=prune, parallel=parallel)


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
