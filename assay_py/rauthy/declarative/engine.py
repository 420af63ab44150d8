"""The kind-agnostic engine: order kinds by dependency, plan each with its own planner, apply
creates and updates in order, re-point renamed references, delete in reverse order, then
re-assert what Rauthy's substring rewrites may have corrupted.

It knows kinds only through ``managed.Managed``: their file key, dependencies, the fields that
reference other kinds, and their plan/apply. Reading costs one list request per managed kind;
a kind that is only referenced (not managed) is read only when the plan needs it (a reference
to check, or the side effects of a delete or rename).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assay_py.rauthy.errors import RauthyError

from .instance_file import InstanceDoc, InstanceFileError, Problem, line_of
from .managed import (
    KindOutcome,
    KindSection,
    Managed,
    Refs,
    Row,
    managed_kinds,
    reference_targets,
)

__all__ = [
    "InstanceApplyReport",
    "InstancePlan",
    "MissingRights",
    "apply_plan",
    "make_plan",
    "order",
]


class MissingRights(RauthyError):
    """The API key lacks rights the plan needs; nothing was changed."""

    def __init__(self, missing: Sequence[str], key_name: str) -> None:
        self.missing = list(missing)
        super().__init__(
            f"rauthy: the API key '{key_name}' lacks {', '.join(self.missing)}, which this plan"
            " needs; nothing was changed"
        )


@dataclass(frozen=True)
class InstancePlan:
    """Sections in dependency order; ``missing_rights`` non-empty means apply will refuse."""

    sections: tuple[KindSection, ...]
    reads: int
    missing_rights: tuple[str, ...] = ()
    key_name: str | None = None
    #: Live rows of every kind read, referenced kinds included (for re-pointing, restoring).
    live: Mapping[str, list[Row]] = field(default_factory=dict, repr=False)
    entries: Mapping[str, list[Any]] = field(default_factory=dict, repr=False)
    publish_existing: bool = False

    @property
    def has_changes(self) -> bool:
        return any(s.has_changes for s in self.sections)

    def section(self, key: str) -> KindSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": self.has_changes,
            "reads": self.reads,
            "missing_rights": list(self.missing_rights),
            "kinds": {s.key: s.to_dict() for s in self.sections},
        }


@dataclass(frozen=True)
class InstanceApplyReport:
    outcomes: tuple[KindOutcome, ...]
    plan: InstancePlan = field(repr=False)
    #: Rows re-asserted after Rauthy's substring rewrites, and re-pointed renames.
    repaired: tuple[dict[str, Any], ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            all(o.ok for o in self.outcomes)
            and not self.skipped
            and all(r["status"] == "ok" for r in self.repaired)
        )

    def outcome(self, key: str) -> KindOutcome | None:
        found = [o for o in self.outcomes if o.key == key]
        if not found:
            return None
        merged = KindOutcome(key)
        for o in found:
            merged.results.extend(o.results)
            merged.reports.extend(o.reports)
        return merged

    def secrets(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for o in self.outcomes:
            for report in o.reports:
                out.update(report.secrets())
        return out

    def to_dict(self, *, include_secrets: bool = False) -> dict[str, Any]:
        """Plain values; ``secrets`` (``{client_id: secret}``) only when asked for."""
        kinds: dict[str, Any] = {}
        for o in self.outcomes:
            entry = kinds.setdefault(o.key, {"ok": True, "results": []})
            entry["results"].extend(dict(r) for r in o.results)
            entry["ok"] = entry["ok"] and o.ok
        out = {
            "ok": self.ok,
            "kinds": kinds,
            "repaired": [dict(r) for r in self.repaired],
            "skipped": list(self.skipped),
        }
        if include_secrets:
            out["secrets"] = self.secrets()
        return out


# --- ordering ------------------------------------------------------------------------------


def order(kinds: Sequence[Managed]) -> list[Managed]:
    """Dependencies first; otherwise registration order. A cycle is a programming error."""
    by_key = {k.key: k for k in kinds}
    done: list[Managed] = []
    seen: set[str] = set()

    def visit(kind: Managed, path: tuple[str, ...]) -> None:
        if kind.key in seen:
            return
        if kind.key in path:
            raise RuntimeError(f"kinds depend on each other: {' -> '.join((*path, kind.key))}")
        for dep in kind.depends_on:
            if dep in by_key:
                visit(by_key[dep], (*path, kind.key))
        seen.add(kind.key)
        done.append(kind)

    for kind in kinds:
        visit(kind, ())
    return done


# --- plan ----------------------------------------------------------------------------------


def make_plan(
    client: Any,
    doc: InstanceDoc,
    *,
    prune: bool | None = None,
    parallel: int = 4,
    publish_existing: bool = False,
    check_rights: bool = True,
    publication: Any = None,
) -> InstancePlan:
    """Validate everything, read the live state, plan every kind; no mutating request.

    With a ``publication``, a kind that has ``with_publication`` marks what its destinations
    lack before the rights are checked (API keys: a rotation)."""
    all_kinds = order(managed_kinds())
    by_key = {k.key: k for k in all_kinds}
    managed = [k for k in all_kinds if k.key in doc.kinds]
    entries, problems = _parse(managed, doc)
    problems += _rename_conflicts(managed, entries, by_key, doc)
    if problems:
        raise InstanceFileError(problems, doc.source)

    live: dict[str, list[Row]] = {}
    reads = 0
    for kind in managed:
        live[kind.key] = kind.read(client)
        reads += 1

    def read_context(key: str) -> list[Row]:
        nonlocal reads
        if key not in live:
            live[key] = by_key[key].read(client)
            reads += 1
        return live[key]

    held: dict[str, Mapping[str, Refs]] = {}

    def held_context(key: str) -> Mapping[str, Refs]:
        nonlocal reads
        if key not in held:
            # Optional on adapters (see _value_referrers): kinds holding values by name.
            held_refs = getattr(by_key[key], "held_refs")  # noqa: B009
            found, cost = held_refs(client, read_context(key), parallel=parallel)
            held[key] = found
            reads += cost
        return held[key]

    sections: dict[str, KindSection] = {}
    for kind in managed:
        flag = doc.prune.get(kind.key, False) if prune is None else prune
        section = kind.plan(
            client, entries[kind.key], live[kind.key], prune=flag, parallel=parallel
        )
        if publication is not None and hasattr(kind, "with_publication"):
            section = kind.with_publication(section, publication)
        sections[kind.key] = section
        reads += section.reads - 1

    problems = _reference_problems(managed, entries, sections, by_key, doc, read_context)
    if problems:
        raise InstanceFileError(problems, doc.source)

    final = [
        _with_effects(sections[k.key], k, all_kinds, live[k.key], read_context, held_context)
        for k in managed
    ]
    missing: list[str] = []
    key_name = client._transport.key_name
    if check_rights and any(s.has_changes for s in final):
        from assay_py.rauthy.kinds.rights import missing_rights

        needed: set[tuple[str, str]] = set()
        for kind, section in zip(managed, final, strict=True):
            if section.has_changes:
                needed |= kind.rights(section, publish_existing=publish_existing)
                needed |= _repair_rights(kind, section, all_kinds, live)
        missing = missing_rights(needed, client.api_keys.rights())
        reads += 1
    return InstancePlan(
        tuple(final),
        reads,
        tuple(missing),
        key_name,
        live,
        entries,
        publish_existing,
    )


def _parse(
    managed: Sequence[Managed], doc: InstanceDoc
) -> tuple[dict[str, list[Any]], list[Problem]]:
    entries: dict[str, list[Any]] = {}
    problems: list[Problem] = []
    for kind in managed:
        parsed, found = kind.parse(doc.kinds[kind.key], doc.marks.get(kind.key, []), doc.source)
        entries[kind.key] = parsed
        problems.extend(found)
    return entries, problems


def _entry_line(doc: InstanceDoc, key: str, position: int, field_name: str | None) -> int | None:
    return line_of(doc.marks.get(key, []), position, field_name)


def _rename_conflicts(
    managed: Sequence[Managed],
    entries: Mapping[str, list[Any]],
    by_key: Mapping[str, Managed],
    doc: InstanceDoc,
) -> list[Problem]:
    """An entry still referring to a name the file renames away is a mistake, not a wish."""
    renamed: dict[str, dict[str, str]] = {}
    for kind in managed:
        for entry in entries[kind.key]:
            old = kind.renamed_from(entry)
            if old:
                renamed.setdefault(kind.key, {})[old] = kind.name_of(entry)
    problems = []
    for kind in managed:
        for position, entry in enumerate(entries[kind.key], start=1):
            for field_name, names in kind.entry_refs(entry).items():
                target = reference_targets(kind)[field_name]
                for name in names:
                    new = renamed.get(target, {}).get(name)
                    if new is not None:
                        problems.append(
                            Problem(
                                f"refers to {by_key[target].noun} '{name}', which this file renames"
                                f" to '{new}'",
                                kind.key,
                                position,
                                kind.name_of(entry),
                                field_name,
                                _entry_line(doc, kind.key, position, field_name),
                                doc.source,
                            )
                        )
    return problems


def _reference_problems(
    managed: Sequence[Managed],
    entries: Mapping[str, list[Any]],
    sections: Mapping[str, KindSection],
    by_key: Mapping[str, Managed],
    doc: InstanceDoc,
    read_context: Callable[[str], list[Row]],
) -> list[Problem]:
    """Every referenced name must exist after the apply: in the file, built in, or live and
    not deleted by this plan."""
    kept: dict[str, set[str]] = {}

    def available(target: str) -> set[str]:
        if target not in kept:
            kind = by_key[target]
            names = set(kind.always_present)
            if target in sections:
                names |= {kind.name_of(e) for e in entries[target]}
                names |= {kind.row_name(r) for r in read_context(target)}
                names -= set(sections[target].deleted())
            else:
                names |= {kind.row_name(r) for r in read_context(target)}
            kept[target] = names
        return kept[target]

    problems = []
    for kind in managed:
        for position, entry in enumerate(entries[kind.key], start=1):
            for field_name, names in kind.entry_refs(entry).items():
                target = reference_targets(kind)[field_name]
                if target not in by_key:
                    continue
                absent = [n for n in names if n not in by_key[target].always_present]
                if not absent:
                    continue
                missing = [n for n in absent if n not in available(target)]
                for name in missing:
                    where = "in the file or live" if target in sections else "live"
                    problems.append(
                        Problem(
                            f"{by_key[target].noun} '{name}' does not exist {where}"
                            f" (add it under '{target}:')",
                            kind.key,
                            position,
                            kind.name_of(entry),
                            field_name,
                            _entry_line(doc, kind.key, position, field_name),
                            doc.source,
                        )
                    )
    return problems


def _referrers(kind: Managed, all_kinds: Sequence[Managed]) -> list[tuple[Managed, list[str]]]:
    out = []
    for other in all_kinds:
        fields = [f for f, target in other.references.items() if target == kind.key]
        if fields:
            out.append((other, fields))
    return out


def _value_referrers(
    kind: Managed, all_kinds: Sequence[Managed]
) -> list[tuple[Managed, list[str]]]:
    """Kinds holding values keyed by ``kind``'s names (``checked_references``) and able to
    say who holds which (``held_refs``)."""
    out = []
    for other in all_kinds:
        targets: Mapping[str, str] = getattr(other, "checked_references", {})
        fields = [f for f, target in targets.items() if target == kind.key]
        if fields and hasattr(other, "held_refs"):
            out.append((other, fields))
    return out


def _with_effects(
    section: KindSection,
    kind: Managed,
    all_kinds: Sequence[Managed],
    rows: Sequence[Row],
    read_context: Callable[[str], list[Row]],
    held_context: Callable[[str], Mapping[str, Refs]],
) -> KindSection:
    """Name the referring rows each delete touches: the ones losing the name, the ones
    Rauthy's substring rewrite would corrupt (which apply re-asserts), and the ones whose
    value keyed by the name goes with it (a user's attribute value)."""
    doomed = set(section.deleted())
    if not doomed:
        return section
    renames = {old: new for old, new in section.renames().items()}
    items = []
    for item in section.items:
        if item["action"] != "delete":
            items.append(item)
            continue
        name = item["name"]
        effects = list(item.get("side_effects", ()))
        for other, fields in _referrers(kind, all_kinds):
            for row in read_context(other.key):
                refs = other.row_refs(row)
                values = [v for f in fields for v in refs.get(f, [])]
                label = f"{other.noun} '{other.row_name(row)}'"
                if name in values:
                    if name in renames:
                        effects.append(f"{label} is re-pointed to '{renames[name]}' first")
                    else:
                        effects.append(f"{label} loses {kind.noun} '{name}'")
                near = sorted({v for v in values if v != name and name in v})
                if near:
                    effects.append(
                        f"{label}: Rauthy's substring removal would rewrite"
                        f" {', '.join(repr(v) for v in near)}; re-asserted after the delete"
                    )
        for other, fields in _value_referrers(kind, all_kinds):
            for holder, refs in sorted(held_context(other.key).items()):
                if any(name in refs.get(f, []) for f in fields):
                    text = f"{other.noun} '{holder}' loses its value of {kind.noun} '{name}'"
                    if name in renames:
                        text += f" (not carried to '{renames[name]}'; rename: in_place keeps it)"
                    effects.append(text)
        siblings = sorted({n for n in map(kind.row_name, rows) if n != name and name in n})
        if siblings and not _referrers(kind, all_kinds):
            effects.append(
                f"holders of {', '.join(repr(s) for s in siblings)} may have it rewritten by"
                " Rauthy's substring removal"
            )
        items.append({**item, "side_effects": effects})
    return KindSection(section.key, tuple(items), section.detail, section.prune, section.reads)


def _repair_rights(
    kind: Managed, section: KindSection, all_kinds: Sequence[Managed], live: Mapping[str, list[Row]]
) -> set[tuple[str, str]]:
    if not section.deleted():
        return set()
    needed = set()
    for other, _ in _referrers(kind, all_kinds):
        if other.key in live:
            needed |= {(other.group, "read"), (other.group, "update")}
    return needed


# --- apply ---------------------------------------------------------------------------------


def apply_plan(client: Any, plan: InstancePlan, **options: Any) -> InstanceApplyReport:
    """Carry ``plan`` out. Refuses (``MissingRights``) before any write when the key lacks a
    right. A kind whose creates or updates fail stops the run before the deletes."""
    if plan.missing_rights:
        raise MissingRights(plan.missing_rights, plan.key_name or "?")
    all_kinds = order(managed_kinds())
    by_key = {k.key: k for k in all_kinds}
    steps = [(by_key[s.key], s) for s in plan.sections]
    outcomes: list[KindOutcome] = []
    skipped: list[str] = []
    repaired: list[dict[str, Any]] = []
    run = _runner(client, plan, options)

    failed = False
    for kind, section in steps:
        if failed:
            skipped.append(section.key)
            continue
        outcome = run(kind, section, "write")
        outcomes.append(outcome)
        failed = not outcome.ok
    if failed:
        return InstanceApplyReport(tuple(outcomes), plan, (), tuple(skipped))

    renames = {s.key: s.renames() for s in plan.sections if s.renames()}
    repaired += _repoint(client, plan, renames, all_kinds)

    for kind, section in reversed(steps):
        if section.deleted():
            outcomes.append(run(kind, section, "delete"))

    repaired += _restore(client, plan, renames, all_kinds)
    return InstanceApplyReport(tuple(outcomes), plan, tuple(repaired), tuple(skipped))


def _runner(
    client: Any, plan: InstancePlan, options: dict[str, Any]
) -> Callable[[Managed, KindSection, str], KindOutcome]:
    """``kind.apply`` for one phase; with ``on_progress(done, failed, total)`` among the
    options, counted over every object of the plan (see progress.py)."""
    report = options.pop("on_progress", None)
    if report is None:
        return lambda kind, section, phase: kind.apply(client, section, phase, **options)
    from .progress import Tracker

    tracker = Tracker(sum(len(s.items) for s in plan.sections), report)

    def run(kind: Managed, section: KindSection, phase: str) -> KindOutcome:
        live = tracker.begin(section, phase)
        outcome = kind.apply(client, section, phase, on_progress=live, **options)
        tracker.settle(outcome)
        return outcome

    return run


def _wanted_names(plan: InstancePlan, kind: Managed) -> set[str]:
    return {kind.name_of(e) for e in plan.entries.get(kind.key, [])}


def _repoint(
    client: Any,
    plan: InstancePlan,
    renames: Mapping[str, Mapping[str, str]],
    all_kinds: Sequence[Managed],
) -> list[dict[str, Any]]:
    """Rows the file does not manage that refer to a renamed name get the new one before the
    old is deleted (rows the file manages already say the new name)."""
    out = []
    by_key = {k.key: k for k in all_kinds}
    for key, mapping in renames.items():
        for other, fields in _referrers(by_key[key], all_kinds):
            wanted = _wanted_names(plan, other)
            for row in plan.live.get(other.key, []):
                if other.row_name(row) in wanted:
                    continue
                refs = other.row_refs(row)
                if not any(v in mapping for f in fields for v in refs.get(f, [])):
                    continue
                new_refs = {f: [mapping.get(v, v) for v in refs.get(f, [])] for f in fields}
                out.append(_fix(client, other, row, new_refs, f"re-pointed to renamed {key}"))
    return out


def _restore(
    client: Any,
    plan: InstancePlan,
    renames: Mapping[str, Mapping[str, str]],
    all_kinds: Sequence[Managed],
) -> list[dict[str, Any]]:
    """After deletes, read each referring kind again and put back any reference Rauthy's
    substring removal rewrote (rows whose references contain a deleted name)."""
    out = []
    by_key = {k.key: k for k in all_kinds}
    deleted = {s.key: set(s.deleted()) for s in plan.sections if s.deleted()}
    for key, names in deleted.items():
        mapping = renames.get(key, {})
        for other, fields in _referrers(by_key[key], all_kinds):
            desired = {
                other.name_of(e): other.entry_refs(e) for e in plan.entries.get(other.key, [])
            }
            snapshot = {other.row_name(r): other.row_refs(r) for r in plan.live.get(other.key, [])}

            def touched(
                refs: Mapping[str, list[str]],
                fields: Sequence[str] = fields,
                names: set[str] = names,
            ) -> bool:
                return any(n in v for f in fields for v in refs.get(f, []) for n in names)

            candidates = {n for n, r in snapshot.items() if touched(r)}
            candidates |= {n for n, r in desired.items() if touched(r)}
            if not candidates:
                continue
            for row in other.read(client):
                name = other.row_name(row)
                if name not in candidates:
                    continue
                wish, snap = desired.get(name, {}), snapshot.get(name, {})
                expected = {
                    f: list(wish[f])
                    if f in wish
                    else [
                        mapping.get(v, v) for v in snap.get(f, []) if v not in names or v in mapping
                    ]
                    for f in fields
                }
                refs = other.row_refs(row)
                if all(
                    other.ref_set(refs.get(f, [])) == other.ref_set(expected[f]) for f in fields
                ):
                    continue
                out.append(_fix(client, other, row, expected, f"re-asserted after {key} deletes"))
    return out


def _fix(
    client: Any, kind: Managed, row: Row, refs: dict[str, list[str]], why: str
) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": kind.key, "name": kind.row_name(row), "reason": why}
    try:
        kind.fix_refs(client, row, refs)
    except RauthyError as exc:
        return {**item, "status": "failed", "error": str(exc)}
    return {**item, "status": "ok"}
