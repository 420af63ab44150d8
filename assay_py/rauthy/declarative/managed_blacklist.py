"""The IP blacklist as the engine sees it (``managed.Managed``): ensure-only.

One read (``GET /blacklist``). Entries are keyed by the canonical address. Prune is refused
by the kind itself: whatever the file or ``--prune`` says, nothing is deleted, and a plan
asked to prune says how many live entries it leaves alone. An entry blocking the machine
running the tool (see ``kinds.blacklist.own_addresses``) is a problem of the file, reported
before any write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay_py.rauthy.errors import RauthyError
from assay_py.rauthy.kinds import blacklist as blacklist_kind

from .adapter import KeyedList, Standalone
from .instance_file import EntryMarks, InstanceFileError, Problem, line_of

__all__ = ["BlacklistManaged"]

Row = dict[str, Any]


class BlacklistManaged(KeyedList, Standalone):
    key = "blacklist"
    noun = "blacklist entry"
    group = "Blacklist"
    #: Nothing is ever exported (see ``export``): not read unless named.
    export_by_default = False
    export_note = None

    field = "ip"
    duplicate = "duplicate address, first used by entry {first}"

    def __init__(self) -> None:
        self._source: str | None = None
        self._marks: Sequence[EntryMarks] = ()

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        self._source, self._marks = source, marks  # for the plan's own-address check
        return super().parse(items, marks, source)

    def check_item(self, raw: Any) -> list[tuple[str, str]]:
        return blacklist_kind.check(raw)

    def build(self, raw: Any) -> Any:
        return {**raw, "ip": blacklist_kind.canonical(str(raw["ip"]))}

    def name_of(self, entry: Any) -> str:
        return str(entry["ip"])

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = client.blacklist.list()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("ip"))

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        from .managed import KindSection

        own = client.blacklist.own_addresses()
        problems = []
        for position, entry in enumerate(entries, start=1):
            for field_name, rule in blacklist_kind.check(entry, own=own):
                problems.append(
                    Problem(
                        rule,
                        self.key,
                        position,
                        str(entry["ip"]),
                        field_name or None,
                        line_of(self._marks, position, field_name),
                        self._source,
                    )
                )
        if problems:
            raise InstanceFileError(problems, self._source)
        changes = blacklist_kind.plan(entries, rows, own=own, prune=bool(prune))
        items = [change.plan_dict() for change in changes]
        listed = {self.name_of(e) for e in entries}
        unlisted = [r for r in rows if blacklist_kind.canonical(self.row_name(r)) not in listed]
        if prune and unlisted:
            items.append(
                {
                    "name": f"({len(unlisted)} not in the file)",
                    "action": "noop",
                    "reason": blacklist_kind.NEVER_PRUNED,
                    "changes": [],
                }
            )
        # Never a pruning section, whatever was asked.
        return KindSection(self.key, tuple(items), tuple(changes), prune=False)

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        needed = {("Blacklist", "read")}
        if any(c.action in ("create", "put") for c in section.detail):
            needed.add(("Blacklist", "create"))
        return needed

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome

        outcome = KindOutcome(self.key)
        if phase == "delete":
            return outcome  # never pruned
        for change in section.detail:
            if change.action not in ("create", "put"):
                continue
            result = {"name": change.name, "action": change.action}
            try:
                client.blacklist.execute(change)
            except RauthyError as exc:
                outcome.results.append({**result, "status": "failed", "error": str(exc)})
            else:
                outcome.results.append({**result, "status": "ok"})
        return outcome

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        """Nothing: live entries expire, and most are Rauthy's own automatic blocks; a file
        listing them would keep re-blocking addresses nobody chose to block."""
        from .managed import Exported

        out = Exported()
        if rows:
            out.notes.append(
                f"blacklist: {len(rows)} live entries not exported (they expire, and Rauthy"
                " adds most of them itself)"
            )
        return out
