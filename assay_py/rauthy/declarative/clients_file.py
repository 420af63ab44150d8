"""The clients file: a YAML or JSON list of client payloads and preset entries.

The whole file is checked before anything is sent: every entry is expanded (presets with their
options and ``overrides``) and validated with Rauthy's own rules, ids must be unique, and every
problem is reported at once with its entry number, client id, field and, when known, line.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay_py.rauthy.errors import RauthyError, RauthyValidationError

from ._limits import Measure, ShapeError
from ._source import EntryMarks, Parsed, SourceError, parse_text

__all__ = ["ClientsFileError", "Entry", "Problem", "load_clients_file", "parse_entries"]

#: Keys of a preset entry that are not passed to the preset as options.
_PRESET_KEY = "preset"
_OVERRIDES_KEY = "overrides"


@dataclass(frozen=True)
class Entry:
    """One client of the file, expanded and validated: ``payload`` is what Rauthy should hold."""

    id: str
    payload: dict[str, Any]
    index: int  # 1-based position in the list
    line: int | None = None  # 1-based line of the entry, when the source has lines
    preset: str | None = None
    source: str | None = None

    def where(self) -> str:
        """``clients.yaml:12: entry 3 (id 'grafana')``, for messages."""
        return _where(self.source, self.line, self.index, self.id)

    def __repr__(self) -> str:
        from assay_py.rauthy.redact import shown_client  # scim.bearer_token is a credential

        return (
            f"Entry(id={self.id!r}, payload={shown_client(self.payload)!r}, index={self.index!r},"
            f" line={self.line!r}, preset={self.preset!r}, source={self.source!r})"
        )


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file. ``entry`` is 1-based; None for file-level problems."""

    rule: str
    entry: int | None = None
    client_id: str | None = None
    field: str | None = None
    line: int | None = None
    source: str | None = None

    def __str__(self) -> str:
        head = _where(self.source, self.line, self.entry, self.client_id)
        subject = f"{self.field}: " if self.field else ""
        return f"{head}: {subject}{self.rule}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "id": self.client_id,
            "field": self.field,
            "line": self.line,
            "rule": self.rule,
        }


class ClientsFileError(RauthyValidationError):
    """The clients file is unusable; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        what = source or "clients"
        listed = "\n".join(f"  {p}" for p in self.problems)
        message = f"{what}: {count} problem{'s' if count != 1 else ''}:\n{listed}"
        violations = [(_violation_field(p), p.rule) for p in self.problems]
        super().__init__(violations, message)


def load_clients_file(path: str | Path, *, _parsed: Parsed | None = None) -> list[Entry]:
    """Read, expand and validate a clients file (``.json``, or YAML for any other suffix).

    Raises ``ClientsFileError`` listing every problem; nothing is returned unless the whole
    file is valid.
    """
    source = str(path)
    # Parsing makes many objects and no garbage cycles: the collector's passes over them
    # cost more than the parse itself on large files.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if _parsed is not None:  # the text was parsed already (the instance file's front door)
            return parse_entries(_parsed.data, source=source, _parsed=_parsed)
        return _load(path, source)
    finally:
        if collecting:
            gc.enable()


def _load(path: str | Path, source: str) -> list[Entry]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientsFileError(
            [Problem(f"cannot read file: {exc}", source=source)], source
        ) from None
    try:
        parsed = parse_text(text, is_json=Path(path).suffix.lower() == ".json")
    except SourceError as exc:
        problems = [
            Problem(s.rule, s.entry, s.client_id, s.field, s.line, source) for s in exc.spots
        ]
        raise ClientsFileError(problems, source) from None
    return parse_entries(parsed.data, source=source, _parsed=parsed)


def parse_entries(
    items: Any,
    *,
    source: str | None = None,
    _parsed: Parsed | None = None,
) -> list[Entry]:
    """Expand and validate already-parsed entries (a list of mappings, or Entry objects).

    This is what ``load_clients_file`` does after parsing, and what ``plan_clients`` does with
    entries handed in from code.
    """
    if isinstance(items, Mapping) and set(items) == {"clients"}:
        items = items["clients"]
    if items is None:
        raise ClientsFileError(
            [Problem("empty; expected a list of clients", source=source)], source
        )
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        problem = Problem(f"expected a list of clients, got {_kind(items)}", source=source)
        raise ClientsFileError([problem], source)

    entries: list[Entry] = []
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    measure = Measure()
    for position, raw in enumerate(items, start=1):
        marks = _Marks(_parsed, position)
        if isinstance(raw, Entry):
            entry: Entry | None = raw
            found: list[Problem] = []
        else:
            found = _shape_problems(raw, measure, position, marks, source)
            if measure.over_budget():
                # Stop here: what follows would only cost more of the same.
                problems.append(_over_budget(measure, raw, position, marks, source))
                break
            entry, found = (None, found) if found else _parse_entry(raw, position, marks, source)
        problems.extend(found)
        if entry is None:
            continue
        if entry.id in first_index:
            problems.append(
                Problem(
                    f"duplicate id, first used by entry {first_index[entry.id]}",
                    entry=position,
                    client_id=entry.id,
                    field="id",
                    line=marks.get().key_line("id"),
                    source=source,
                )
            )
            continue
        first_index[entry.id] = position
        entries.append(entry)
    if problems:
        raise ClientsFileError(problems, source)
    return entries


# --- one entry ---------------------------------------------------------------------------


class _Marks:
    """An entry's lines, looked up only when a problem needs them."""

    def __init__(self, parsed: Parsed | None, position: int) -> None:
        self._parsed = parsed
        self._position = position

    def get(self) -> EntryMarks:
        return self._parsed.marks(self._position) if self._parsed else EntryMarks()

    @property
    def line(self) -> int | None:
        """The entry's own line: cheap, known without looking at its keys."""
        if self._parsed is None:
            return None
        lines = self._parsed.entry_lines
        return lines[self._position - 1] if self._position <= len(lines) else None

    def field_line(self, field_name: str | None) -> int | None:
        return self.get().field_line(field_name) if field_name else self.line


def _shape_problems(
    raw: Any, measure: Measure, position: int, marks: _Marks, source: str | None
) -> list[Problem]:
    """Too deep, too big or cyclic values, found before anything copies or walks them."""
    if not isinstance(raw, Mapping):
        return []
    label = raw.get("id") if isinstance(raw.get("id"), str) else None
    found = []
    for key, value in raw.items():
        try:
            measure.field(value)
        except ShapeError as exc:
            name = str(key)
            found.append(Problem(str(exc), position, label, name, marks.field_line(name), source))
    return found


def _over_budget(
    measure: Measure, raw: Any, position: int, marks: _Marks, source: str | None
) -> Problem:
    label = raw.get("id") if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) else None
    rule = (
        f"YAML aliases expand the file to more than {measure.expanded} values"
        f" from {measure.written} written out (an alias bomb?)"
    )
    return Problem(rule, position, label, None, marks.field_line(None), source)


def _parse_entry(
    raw: Any, position: int, marks: _Marks, source: str | None
) -> tuple[Entry | None, list[Problem]]:
    def problem(rule: str, field_name: str | None = None, client_id: str | None = None) -> Problem:
        return Problem(
            rule,
            entry=position,
            client_id=client_id,
            field=field_name,
            line=marks.field_line(field_name),
            source=source,
        )

    if not isinstance(raw, Mapping):
        return None, [problem(f"expected a mapping (a client), got {_kind(raw)}")]
    raw_id = raw.get("id")
    label = raw_id if isinstance(raw_id, str) else None

    raw, missing = _resolve_env(raw)
    if missing:
        return None, [problem(missing, "scim.bearer_token", label)]
    preset_name = raw.get(_PRESET_KEY)
    if _PRESET_KEY in raw:
        payload, found = _expand_preset(raw, label, problem)
        if payload is None:
            return None, found
    else:
        if _OVERRIDES_KEY in raw:
            return None, [problem("only allowed together with 'preset'", _OVERRIDES_KEY, label)]
        payload = _copied(raw)

    client_id = payload.get("id")
    if not isinstance(client_id, str) or not client_id:
        return None, [problem("required: a non-empty string", "id", label)]

    found = [problem(rule, field_name, client_id) for field_name, rule in _violations(payload)]
    if found:
        return None, sorted(found, key=lambda p: p.line or 0)
    entry = Entry(
        id=client_id,
        payload=payload,
        index=position,
        line=marks.line,
        preset=preset_name if isinstance(preset_name, str) else None,
        source=source,
    )
    return entry, []


def _resolve_env(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """``scim.bearer_token: {env: VAR}`` (what ``export`` writes) read from the environment,
    so the token itself never sits in the file."""
    import os

    scim = raw.get("scim")
    ref = scim.get("bearer_token") if isinstance(scim, Mapping) else None
    if not isinstance(ref, Mapping) or set(ref) != {"env"} or not isinstance(ref["env"], str):
        return raw, None
    value = os.environ.get(ref["env"])
    if not value:
        return raw, f"environment variable {ref['env']} is not set (it holds the SCIM token)"
    assert isinstance(scim, Mapping)
    return {**raw, "scim": {**scim, "bearer_token": value}}, None


def _expand_preset(
    raw: Mapping[str, Any], label: str | None, problem: Any
) -> tuple[dict[str, Any] | None, list[Problem]]:
    from assay_py.rauthy import client_presets

    name = raw[_PRESET_KEY]
    names = list(client_presets.names())
    if not isinstance(name, str) or name not in names:
        rule = f"unknown preset {name!r}; known: {', '.join(names)}"
        return None, [problem(rule, _PRESET_KEY, label)]
    overrides = raw.get(_OVERRIDES_KEY) or {}
    if not isinstance(overrides, Mapping):
        return None, [problem(f"expected a mapping, got {_kind(overrides)}", _OVERRIDES_KEY, label)]
    if "id" in overrides:
        return None, [problem("set 'id' on the entry, not in overrides", "overrides.id", label)]
    options = {k: _copied(v) for k, v in raw.items() if k not in {_PRESET_KEY, _OVERRIDES_KEY}}
    try:
        payload = dict(client_presets.get(name)(options))
    except RauthyValidationError as exc:
        # The preset names the option at fault ("host", an unknown option): point at it.
        return None, [problem(rule, field_name, label) for field_name, rule in exc.violations]
    except (RauthyError, ValueError, TypeError) as exc:
        return None, [problem(str(exc), _PRESET_KEY, label)]
    payload.update(_copied(overrides))
    return payload, []


def _violations(payload: dict[str, Any]) -> list[tuple[str, str]]:
    # Every entry must be creatable: apply creates whatever is missing, and POST /clients
    # needs these fields even where a PUT could inherit them.
    from assay_py.rauthy.validate import require_create_fields, violations

    found = violations(payload)
    try:
        require_create_fields(payload)
    except RauthyValidationError as exc:
        found.extend(v for v in exc.violations if v not in found)
    return found


# --- helpers -----------------------------------------------------------------------------


def _where(source: str | None, line: int | None, entry: int | None, client_id: str | None) -> str:
    place = source or "clients"
    if line is not None:
        place = f"{place}:{line}"
    if entry is None:
        return place
    who = f" (id {client_id!r})" if client_id else ""
    return f"{place}: entry {entry}{who}"


def _violation_field(problem: Problem) -> str:
    if problem.entry is None:
        return problem.field or "<file>"
    prefix = f"[{problem.entry}]"
    return f"{prefix}.{problem.field}" if problem.field else prefix


def _copied(value: Any) -> Any:
    """A copy of JSON-shaped data (already measured: bounded depth, no cycles)."""
    if isinstance(value, Mapping):
        return {k: v if type(v) in _SCALARS else _copied(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _copied(v) for v in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
