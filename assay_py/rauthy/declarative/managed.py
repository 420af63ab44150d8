"""Every kind as the engine sees it: one ``Managed`` adapter per kind, the same shape for all.

``NamedManaged`` turns any ``kinds.Kind`` (scopes, attributes, roles, groups) into one;
``ClientsManaged`` wraps the clients planner and executor as they are. The engine knows only
this protocol, never a kind by name. ``managed_kinds()`` is the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from assay_py.rauthy.errors import (
    RauthyError,
    RauthyForbidden,
    RauthyUnauthorized,
    RauthyValidationError,
)
from assay_py.rauthy.kinds import KINDS, Change, Kind, plan_kind
from assay_py.rauthy.kinds._base import RENAMED_FROM

from .adapter import KeyedList
from .instance_file import EntryMarks, Problem

__all__ = [
    "ClientsManaged",
    "Exported",
    "KindOutcome",
    "KindSection",
    "Managed",
    "NamedManaged",
    "managed_kinds",
    "reference_targets",
]

Row = dict[str, Any]
Refs = dict[str, list[str]]
ACTIONS = ("create", "rebuild", "put", "delete", "noop", "assert")


@dataclass(frozen=True)
class KindSection:
    """One kind's part of a plan. ``items`` are plain dicts (``name``, ``action``, ``reason``,
    ``changes``, ``warnings``, ``side_effects``); ``detail`` is the adapter's own plan."""

    key: str
    items: tuple[dict[str, Any], ...]
    detail: Any = field(repr=False)
    prune: bool = False
    reads: int = 1

    @property
    def has_changes(self) -> bool:
        # ``publish``: a secret some destination lacks (clients; see publication.py).
        # ``assert``: written on every apply but unreadable (password policy), so not pending.
        return any(
            item["action"] not in ("noop", "assert") or item.get("publish") for item in self.items
        )

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for item in self.items:
            counts[item["action"]] = counts.get(item["action"], 0) + 1
        return {k: v for k, v in counts.items() if v or k in ("create", "put", "delete", "noop")}

    def deleted(self) -> list[str]:
        return [i["name"] for i in self.items if i["action"] == "delete"]

    def renames(self) -> dict[str, str]:
        """``{old: new}`` for every rename this section carries out."""
        out: dict[str, str] = {}
        for item in self.items:
            old = item.get("renamed_from")
            if old and item["action"] in ("create", "put", "noop"):
                out[old] = item["name"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "prune": self.prune,
            "summary": self.counts(),
            "reads": self.reads,
            "items": [dict(item) for item in self.items],
        }


@dataclass
class KindOutcome:
    """What applying one kind's section did; ``report`` is the adapter's own (clients)."""

    key: str
    results: list[dict[str, Any]] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return all(r["status"] == "ok" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "results": [dict(r) for r in self.results]}


@dataclass
class Exported:
    """One kind's part of an export: file entries, and the variables they read secrets from.

    ``comments`` maps an entry's position to a remark the YAML file writes above it (only what
    a reader could not tell from the entry: how it came to be, what prune does to it)."""

    entries: list[Any] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)


class Managed(Protocol):
    key: str
    noun: str
    group: str
    depends_on: tuple[str, ...]
    #: ``{entry field: referenced kind}``.
    references: Mapping[str, str]
    #: Names of this kind that always exist (references to them need no check).
    always_present: frozenset[str]

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]: ...
    def name_of(self, entry: Any) -> str: ...
    def renamed_from(self, entry: Any) -> str | None: ...
    def entry_refs(self, entry: Any) -> Refs: ...
    def read(self, client: Any) -> list[Row]: ...
    def row_name(self, row: Mapping[str, Any]) -> str: ...
    def row_refs(self, row: Mapping[str, Any]) -> Refs: ...
    def ref_set(self, names: Sequence[str]) -> frozenset[str]: ...
    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: bool, parallel: int
    ) -> KindSection: ...
    def rights(
        self, section: KindSection, *, publish_existing: bool = False
    ) -> set[tuple[str, str]]: ...
    def apply(self, client: Any, section: KindSection, phase: str, **options: Any) -> KindOutcome:
        """One phase ("write" or "delete"). ``options["on_progress"](result, ...)``, when
        given, may be called as each object finishes (``result.ok`` or a dict with
        ``status``); calling it is optional, the engine counts the outcome anyway."""
        ...

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None: ...
    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Exported: ...


def reference_targets(kind: Managed) -> Mapping[str, str]:
    """``{entry field: referenced kind}`` for every name ``entry_refs`` reports: ``references``
    and, when a kind declares them, its ``checked_references``: names Rauthy holds by foreign
    key (a user's attribute values), which must exist but are never rewritten by substring,
    re-pointed or re-asserted, so they stay out of ``references``."""
    extra: Mapping[str, str] = getattr(kind, "checked_references", {})
    return {**kind.references, **extra}


# --- scopes, attributes, roles, groups ------------------------------------------------------


class NamedManaged(KeyedList):
    """Any ``kinds.Kind`` for the engine: parse, plan with the kind's pure plan, apply."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.key = kind.key
        self.noun = kind.noun
        self.group = kind.group
        self.depends_on = kind.depends_on
        self.references = kind.references
        self.always_present = kind.builtins

    def _api(self, client: Any) -> Any:
        from assay_py.rauthy.kinds import KindApi

        return KindApi(client._transport, self.kind)

    def check_item(self, raw: Any) -> list[tuple[str, str]]:
        return self.kind.check(raw)

    def name_of(self, entry: Any) -> str:
        return str(entry["name"])

    def renamed_from(self, entry: Any) -> str | None:
        old = entry.get(RENAMED_FROM)
        return old if isinstance(old, str) else None

    def entry_refs(self, entry: Any) -> Refs:
        return {f: list(entry.get(f) or []) for f in self.references if f in entry}

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = self._api(client).list()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("name"))

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        return {f: [v for v in (row.get(f) or []) if v] for f in self.references}

    def ref_set(self, names: Sequence[str]) -> frozenset[str]:
        return frozenset(n for n in names if n)

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: bool, parallel: int
    ) -> KindSection:
        changes = plan_kind(self.kind, entries, rows, prune=prune)
        renamed = {self.name_of(e): self.renamed_from(e) for e in entries if self.renamed_from(e)}
        items = []
        for change in changes:
            item = change.plan_dict()
            if change.action != "delete" and renamed.get(change.name):
                item["renamed_from"] = renamed[change.name]
            items.append(item)
        return KindSection(self.key, tuple(items), tuple(changes), prune=prune)

    def rights(
        self, section: KindSection, *, publish_existing: bool = False
    ) -> set[tuple[str, str]]:
        needed = {(self.group, "read")}
        for change in section.detail:
            if change.action == "create":
                needed.add((self.group, "create"))
            elif change.action == "put":
                needed.add((self.group, "update"))
            elif change.action == "delete":
                needed.add((self.group, "delete"))
        return needed

    def apply(self, client: Any, section: KindSection, phase: str, **options: Any) -> KindOutcome:
        api = self._api(client)
        outcome = KindOutcome(self.key)
        changes: list[Change] = list(section.detail)
        report = options.get("on_progress")
        if phase == "delete":
            todo = [c for c in changes if c.action == "delete"]
            for change in todo:  # serial: Rauthy rewrites rows
                outcome.results.append(_run(api, change))
                if report is not None:
                    report(outcome.results[-1])
            return outcome
        in_place = [c for c in changes if c.action == "put" and c.renamed_from]
        parallel = [c for c in changes if c.action in ("create", "put") and not c.renamed_from]

        def run(change: Change) -> dict[str, Any]:
            result = _run(api, change)
            if report is not None:
                report(result)
            return result

        outcome.results = [run(c) for c in in_place]
        workers = max(1, min(int(options.get("parallel", 4)), len(parallel) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcome.results.extend(pool.map(run, parallel))
        return outcome

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        entry: Row = {"name": row["name"]}
        for name in self.kind.fields:
            if row.get(name) is not None:
                entry[name] = row[name]
        entry.update({f: names for f, names in refs.items()})
        self._api(client).execute(
            Change(
                self.key,
                str(row["name"]),
                "put",
                body=self.kind.body(entry),
                id=self.kind.live_id(row),
            )
        )

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Exported:
        found = (self.kind.export(row) for row in rows)
        entries = sorted((e for e in found if e is not None), key=lambda e: str(e["name"]))
        return Exported(entries)


def _run(api: Any, change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"name": change.name, "action": change.action}
    try:
        api.execute(change)
    except RauthyError as exc:
        if change.action == "create" and _landed(api, change, exc):
            return {**out, "status": "ok", "attempts": 2}
        return {**out, "status": "failed", "error": str(exc)}
    return {**out, "status": "ok"}


def _landed(api: Any, change: Change, exc: RauthyError) -> bool:
    """A create whose answer was lost may have landed (POSTs are not resent once sent): if
    the name exists now, PUT the same body so it holds exactly what was asked."""
    if isinstance(exc, (RauthyValidationError, RauthyForbidden, RauthyUnauthorized)):
        return False
    try:
        row = api.get(change.name)
        if row is None:
            return False
        api.execute(
            Change(change.kind, change.name, "put", body=change.body, id=api.kind.live_id(row))
        )
    except RauthyError:
        return False
    return True


# --- clients --------------------------------------------------------------------------------


class ClientsManaged:
    """The clients file engine (``planner``/``executor``) as one kind among the others."""

    key = "clients"
    noun = "client"
    group = "Clients"
    depends_on: tuple[str, ...] = ("scopes", "groups")
    references: Mapping[str, str] = {"scopes": "scopes", "default_scopes": "scopes"}
    always_present = frozenset({"rauthy"})

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        from ._source import EntryMarks as ClientMarks
        from ._source import Parsed
        from .clients_file import ClientsFileError, parse_entries

        # Lines only when a problem needs one (marks may be computed on first use).
        def root_marks() -> list[ClientMarks]:
            return [ClientMarks(m.line, dict(m.keys)) for m in marks]

        parsed = Parsed(None, [], lambda: None, root_marks)
        try:
            return parse_entries(list(items), source=source, _parsed=parsed), []
        except ClientsFileError as exc:
            return [], [
                Problem(p.rule, self.key, p.entry, p.client_id, p.field, p.line, source)
                for p in exc.problems
            ]

    def name_of(self, entry: Any) -> str:
        return str(entry.id)

    def renamed_from(self, entry: Any) -> str | None:
        return None  # a client id cannot change in Rauthy 0.35

    def entry_refs(self, entry: Any) -> Refs:
        return {f: list(entry.payload[f] or []) for f in self.references if f in entry.payload}

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = client.clients.list()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("id"))

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        return {f: list(row.get(f) or []) for f in self.references}

    def ref_set(self, names: Sequence[str]) -> frozenset[str]:
        return frozenset([*names, "openid"])  # Rauthy always keeps openid

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: bool, parallel: int
    ) -> KindSection:
        from .planner import plan_entries

        report = plan_entries(entries, rows, client.clients.get, prune=prune, parallel=parallel)
        return self.section(report)

    def section(self, report: Any) -> KindSection:
        """The engine's view of a clients ``PlanReport``."""
        items = []
        for planned in report.clients:
            item = planned.to_dict()
            item["name"] = item.pop("id")
            items.append(item)
        return KindSection(self.key, tuple(items), report, prune=report.prune, reads=report.reads)

    def rights(
        self, section: KindSection, *, publish_existing: bool = False
    ) -> set[tuple[str, str]]:
        needed = {("Clients", "read")}
        for planned in section.detail.clients:
            if planned.action in ("create", "rebuild"):
                needed |= {("Clients", "create"), ("Clients", "update")}
                if planned.confidential:
                    needed.add(("Secrets", "read"))
            if planned.action == "put":
                needed.add(("Clients", "update"))
            if planned.action in ("rebuild", "delete"):
                needed.add(("Clients", "delete"))
            if (publish_existing or planned.publish) and planned.confidential:
                needed.add(("Secrets", "read"))
        return needed

    def apply(self, client: Any, section: KindSection, phase: str, **options: Any) -> KindOutcome:
        from .executor import apply_clients
        from .planner import PlanReport

        report: PlanReport = section.detail
        wanted = [p for p in report.clients if (p.action == "delete") == (phase == "delete")]
        outcome = KindOutcome(self.key)
        if not wanted:
            return outcome
        part = PlanReport(tuple(wanted), prune=report.prune, reads=0)
        result = apply_clients(client, part, **options)
        outcome.reports.append(result)
        for r in result.results:
            item = r.to_dict()
            item["name"] = item.pop("id")
            outcome.results.append(item)
        return outcome

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        client_id = str(row["id"])
        full = client.clients.get(client_id) or dict(row)  # the list leaves out scim
        client.clients.put(client_id, {**full, **refs})

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Exported:
        from .client_export import export_client

        out = Exported()
        if deep:  # the list leaves out scim: one GET per client
            with ThreadPoolExecutor(max_workers=4) as pool:
                full = list(pool.map(lambda r: client.clients.get(str(r["id"])) or r, rows))
            rows = [dict(f) for f in full]
        else:
            out.notes.append(
                "clients: the client list does not show SCIM configs; plan keeps them as they"
                " are (--scim reads each client to export them)"
            )
        for row in sorted(rows, key=lambda r: str(r["id"])):
            entry, variables = export_client(row)
            if entry is not None:
                out.entries.append(entry)
                out.variables.extend(variables)
        return out


def managed_kinds() -> list[Managed]:
    """Every kind the file may hold, in registration order (the engine sorts by dependency)."""
    from .managed_api_keys import ApiKeysManaged
    from .managed_blacklist import BlacklistManaged
    from .managed_branding import BrandingManaged
    from .managed_people import PasswordPolicyManaged, UsersManaged
    from .managed_providers import ProvidersManaged

    kinds: list[Managed] = [NamedManaged(kind) for kind in KINDS.values()]
    kinds.append(ProvidersManaged())  # spec §18: after groups, before clients and users
    kinds.append(ClientsManaged())
    kinds += [PasswordPolicyManaged(), UsersManaged()]
    kinds += [BrandingManaged(), ApiKeysManaged(), BlacklistManaged()]
    return kinds
