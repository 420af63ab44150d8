"""Upstream auth providers as the engine sees them (``managed.Managed``).

A plan reads the one list (``POST /providers``, which carries every secret in clear: the
rows keep them wrapped, and the transport scrubs them from any later error), plus one
``delete_safe`` per provider it would delete, so the plan names the users who would lose
their link. The upstream secret is a reference in the file and a ``{env: VAR}`` placeholder
in an export; it never reaches a plan, a report or an exported file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assay_py.rauthy.errors import RauthyError
from assay_py.rauthy.kinds import providers as kind

from .adapter import KeyedList, Standalone

__all__ = ["ProvidersManaged", "secret_variable"]

Row = dict[str, Any]


def secret_variable(name: str) -> str:
    """The environment variable an exported file reads a provider's secret from."""
    return "PROVIDER_SECRET_" + (re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") or "X")


class ProvidersManaged(KeyedList, Standalone):
    key = kind.KEY
    noun = "auth provider"
    group = "AuthProviders"

    duplicate = "duplicate name, first used by entry {first} (Rauthy allows twins)"

    def check_item(self, raw: Any) -> list[tuple[str, str]]:
        return kind.check(raw)

    def name_of(self, entry: Any) -> str:
        return str(entry["name"])

    def renamed_from(self, entry: Any) -> str | None:
        old = entry.get(kind.RENAMED_FROM)
        return old if isinstance(old, str) else None

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = client.providers.rows()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("name"))

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
