"""What the kind adapters (``managed*.py``) share.

Reading a kind's list from the instance file is the same for every kind: check each item,
put each problem on its line, refuse a second entry with the same key. ``KeyedList`` does it
once. ``Standalone`` holds the answers of a kind that names no other kind and that no
other kind names, so such an adapter writes only what is its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .instance_file import EntryMarks, Problem, line_of

__all__ = ["Checked", "KeyedList", "Standalone"]

Refs = dict[str, list[str]]
#: An item read from the file: the entry (``None`` when it has problems) and its problems as
#: ``(field, rule)`` pairs.
Checked = tuple[Any, Sequence[tuple[str, str]]]


class KeyedList:
    """``parse`` for a kind written as a list of entries, each keyed by ``field``.

    An adapter says how one item becomes an entry (``read_item``) and what two entries must
    not share (``name_of``); problems are put on their lines, and a second entry with a key
    already held is refused with ``duplicate`` (``{first}``: the entry that holds it).
    """

    key: str
    field = "name"
    duplicate = "duplicate name, first used by entry {first}"
    #: Keys compared lower-cased (e-mail addresses): problems then name the folded key.
    fold_case = False

    def check_item(self, raw: Any) -> Sequence[tuple[str, str]]:
        """The item's problems, as ``(field, rule)`` pairs."""
        raise NotImplementedError

    def build(self, raw: Any) -> Any:
        """The entry of an item without problems."""
        return dict(raw)

    def read_item(self, raw: Any) -> Checked:
        found = self.check_item(raw)
        return (None if found else self.build(raw)), found

    def name_of(self, entry: Any) -> str:
        raise NotImplementedError

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        entries: list[Any] = []
        problems: list[Problem] = []
        first: dict[str, int] = {}
        for position, raw in enumerate(items, start=1):
            value = raw.get(self.field) if isinstance(raw, Mapping) else None
            label = None
            if isinstance(value, str):
                label = value.lower() if self.fold_case else value
            entry, found = self.read_item(raw)
            for field_name, rule in found:
                where = field_name or None
                line = line_of(marks, position, where)
                problems.append(Problem(rule, self.key, position, label, where, line, source))
            if entry is None or label is None:
                continue
            key = self.name_of(entry)
            if key in first:
                rule = self.duplicate.format(first=first[key])
                line = line_of(marks, position, self.field)
                problems.append(Problem(rule, self.key, position, label, self.field, line, source))
                continue
            first[key] = position
            entries.append(entry)
        return entries, problems


class Standalone:
    """The ``Managed`` answers of a kind that names no other kind and that none names."""

    noun: str
    depends_on: tuple[str, ...] = ()
    references: Mapping[str, str] = {}
    always_present: frozenset[str] = frozenset()

    def renamed_from(self, entry: Any) -> str | None:
        return None

    def entry_refs(self, entry: Any) -> Refs:
        return {}

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        return {}

    def ref_set(self, names: Sequence[str]) -> frozenset[str]:
        return frozenset(names)

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        raise NotImplementedError(f"nothing refers to a {self.noun} by name")
