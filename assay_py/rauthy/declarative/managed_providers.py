"""Upstream auth providers as the engine sees them (``managed.Managed``).

A plan reads the one list (``POST /providers``, which carries every secret in clear: the
rows keep them wrapped, and the transport scrubs them from any later error), plus one
``delete_safe`` per provider it would delete, so the plan names the users who would lose
their link. The upstream secret is a reference in the file and a ``{env: VAR}`` placeholder
in an export; it never reaches a plan, a report or an exported file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from assay_py.rauthy.errors import RauthyError
from assay_py.rauthy.kinds import providers as kind

from .instance_file import EntryMarks, Problem, line_of

__all__ = ["ProvidersManaged", "secret_variable"]

Row = dict[str, Any]
Refs = dict[str, list[str]]


def secret_variable(name: str) -> str:
    """The environment variable an exported file reads a provider's secret from."""
    return "PROVIDER_SECRET_" + (re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") or "X")


class ProvidersManaged:
    key = kind.KEY
    noun = "auth provider"
    group = "AuthProviders"
    depends_on: tuple[str, ...] = ()
    references: Mapping[str, str] = {}
    always_present: frozenset[str] = frozenset()

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        entries: list[Any] = []
        problems: list[Problem] = []
        first: dict[str, int] = {}

        for position, raw in enumerate(items, start=1):
            name = raw.get("name") if isinstance(raw, Mapping) else None
            label = name if isinstance(name, str) else None
            found = kind.check(raw)
            for field_name, rule in found:
                where = field_name or None
                problems.append(
                    Problem(
                        rule,
                        self.key,
                        position,
                        label,
                        where,
                        line_of(marks, position, where),
                        source,
                    )
                )
            if found or label is None:
                continue
            if label in first:
                rule = f"duplicate name, first used by entry {first[label]} (Rauthy allows twins)"
                problems.append(
                    Problem(
                        rule,
                        self.key,
                        position,
                        label,
                        "name",
                        line_of(marks, position, "name"),
                        source,
                    )
                )
                continue
            first[label] = position
            entries.append(dict(raw))
        return entries, problems

    def name_of(self, entry: Any) -> str:
        return str(entry["name"])

    def renamed_from(self, entry: Any) -> str | None:
        old = entry.get(kind.RENAMED_FROM)
        return old if isinstance(old, str) else None

    def entry_refs(self, entry: Any) -> Refs:
        return {}

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = client.providers.rows()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("name"))

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        return {}

    def ref_set(self, names: Sequence[str]) -> frozenset[str]:
        return frozenset(names)

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        from .managed import KindSection

        changes = kind.plan(entries, rows, prune=bool(prune))
        reads = 1
        for i, change in enumerate(changes):
            if change.action == "delete" and change.id is not None:
                changes[i] = kind.with_linked(change, client.providers.linked_ids(change.id))
                reads += 1
        items = []
        for change in changes:
            item = change.plan_dict()
            if change.renamed_from is not None:
                item["renamed_from"] = change.renamed_from
            items.append(item)
        return KindSection(self.key, tuple(items), tuple(changes), prune=bool(prune), reads=reads)

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        needed = {(self.group, "read")}
        for change in section.detail:
            if change.action in ("create", "put", "delete"):
                needed.add((self.group, "update" if change.action == "put" else change.action))
        return needed

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome

        outcome = KindOutcome(self.key)
        wanted = ("delete",) if phase == "delete" else ("create", "put")
        for change in section.detail:
            if change.action not in wanted:
                continue
            result = {"name": change.name, "action": change.action, "status": "ok"}
            try:
                client.providers.execute(change)
            except RauthyError as exc:
                result.update(status="failed", error=str(exc))
            outcome.results.append(result)
        return outcome

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        raise NotImplementedError("nothing refers to a provider by name")

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        """Each provider as the shortest entry that plans as a noop; its secret as a
        ``{env: VAR}`` placeholder (the variables are listed for the user to set)."""
        from .managed import Exported

        out = Exported()
        taken: set[str] = set()
        for row in sorted(rows, key=self.row_name):
            if row.get("issuer") == kind.ATPROTO:
                continue  # Rauthy makes it from its own config
            entry = _shortest(row)
            if row.get(kind.SECRET) is not None:
                variable = secret_variable(self.row_name(row))
                n = 2
                while variable in taken:
                    variable = f"{secret_variable(self.row_name(row))}_{n}"
                    n += 1
                taken.add(variable)
                entry[kind.SECRET] = {"env": variable}
                out.variables.append(variable)
            out.entries.append(entry)
        return out


def _shortest(row: Mapping[str, Any]) -> Row:
    """``name``, ``typ`` and every field whose live value the type's defaults do not give."""
    entry: Row = {"name": row.get("name"), "typ": row.get("typ")}
    live = kind.live_view(row)
    defaults = kind.desired_view(entry)
    for name in kind.FIELDS:
        if name in (kind.SECRET, "typ"):
            continue
        if live.get(name) != defaults.get(name):
            value = row.get(name)
            entry[name] = list(value or []) if name == "scope" else value
    return entry
