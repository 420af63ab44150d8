"""The whole-instance file: a mapping of kinds (``clients``, ``scopes``, ``user_attributes``,
``roles``, ``groups``), or a bare list meaning clients only.

Parsing keeps the line of every entry and of every key inside it, so a problem names the kind,
the entry, the field and the line. Each kind validates its own entries (``Managed.parse``);
this module only knows the document's shape.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assay_py.rauthy.errors import RauthyValidationError

__all__ = [
    "DOC_KEYS",
    "EntryMarks",
    "InstanceDoc",
    "InstanceFileError",
    "Problem",
    "load_instance_file",
    "parse_document",
]

#: Top-level keys besides the kinds.
DOC_KEYS = ("version", "prune")


@dataclass(frozen=True)
class EntryMarks:
    """1-based lines of one entry and of its keys; empty when the source has no lines."""

    line: int | None = None
    keys: Mapping[str, int] = field(default_factory=dict)

    def of(self, field_name: str | None) -> int | None:
        if field_name:
            root = field_name.split(".", 1)[0].split("[", 1)[0]
            if root in self.keys:
                return self.keys[root]
        return self.line


def line_of(marks: Sequence[EntryMarks], position: int, field_name: str | None) -> int | None:
    """The line of ``field_name`` in the 1-based ``position``-th entry, if the source has lines."""
    return marks[position - 1].of(field_name) if position <= len(marks) else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``kind``, 1-based ``entry``, the entry's ``name``, ``field``, ``line``."""

    rule: str
    kind: str | None = None
    entry: int | None = None
    name: str | None = None
    field: str | None = None
    line: int | None = None
    source: str | None = None

    def __str__(self) -> str:
        place = self.source or "file"
        if self.line is not None:
            place += f":{self.line}"
        who = ""
        if self.kind is not None:
            who = f" {self.kind}"
            if self.entry is not None:
                who += f"[{self.entry}]"
            if self.name:
                who += f" {self.name!r}"
        subject = f"{self.field}: " if self.field else ""
        return f"{place}:{who}: {subject}{self.rule}" if who else f"{place}: {subject}{self.rule}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "entry": self.entry,
            "name": self.name,
            "field": self.field,
            "line": self.line,
            "rule": self.rule,
        }


class InstanceFileError(RauthyValidationError):
    """The file is unusable; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        listed = "\n".join(f"  {p}" for p in self.problems)
        message = f"{source or 'file'}: {count} problem{'s' if count != 1 else ''}:\n{listed}"
        violations = [(_violation(p), p.rule) for p in self.problems]
        super().__init__(violations, message)


@dataclass(frozen=True)
class InstanceDoc:
    """The parsed document: raw entries per kind (in file order), prune flags, marks."""

    kinds: Mapping[str, list[Any]]
    #: ``{kind: true | false | a word the kind allows (users: managed, all)}``.
    prune: Mapping[str, Any]
    marks: Mapping[str, Sequence[EntryMarks]]
    source: str | None = None
    #: A bare list: the clients-only format.
    bare_list: bool = False
    kind_lines: Mapping[str, int] = field(default_factory=dict)
    #: The parsed text (``declarative._source.Parsed``) when read from a file.
    parsed: Any = field(default=None, repr=False, compare=False)


def load_instance_file(
    path: str | Path,
    known: Sequence[str],
    *,
    singletons: Collection[str] = (),
    prune_words: Mapping[str, Sequence[str]] | None = None,
) -> InstanceDoc:
    """Read ``path`` (JSON for ``.json``, YAML otherwise) into an :class:`InstanceDoc`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFileError(
            [Problem(f"cannot read file: {exc}", source=source)], source
        ) from None
    data, marks, kind_lines, parsed = _parse(
        text, source, is_json=Path(path).suffix.lower() == ".json"
    )
    doc = parse_document(
        data,
        known,
        source=source,
        singletons=singletons,
        prune_words=prune_words,
        _marks=marks,
        _kind_lines=kind_lines,
    )
    return replace(doc, parsed=parsed)


def parse_document(
    data: Any,
    known: Sequence[str],
    *,
    source: str | None = None,
    singletons: Collection[str] = (),
    prune_words: Mapping[str, Sequence[str]] | None = None,
    _marks: Mapping[str, Sequence[EntryMarks]] | None = None,
    _kind_lines: Mapping[str, int] | None = None,
) -> InstanceDoc:
    """Check the document's shape; ``known`` are the kinds' file keys, ``singletons`` those
    written as one mapping (held as a list of one), ``prune_words`` the words besides
    true/false a kind's prune flag may say."""
    marks = _marks if _marks is not None else {}
    if isinstance(data, list):
        return InstanceDoc({"clients": data}, {}, marks, source, bare_list=True)
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"got {type(data).__name__}"
        rule = f"{what}; expected a mapping of kinds ({', '.join(known)}) or a list of clients"
        raise InstanceFileError([Problem(rule, source=source)], source)
    problems: list[Problem] = []
    kinds: dict[str, list[Any]] = {}
    lines = _kind_lines if _kind_lines is not None else {}
    for key, value in data.items():
        if key in DOC_KEYS:
            continue
        if key not in known:
            allowed = ", ".join([*known, *DOC_KEYS])
            problems.append(
                Problem(
                    f"unknown key {key!r}; known: {allowed}",
                    line=lines.get(str(key)),
                    source=source,
                )
            )
            continue
        if value is None:
            value = []
        if key in singletons:
            if not isinstance(value, Mapping):
                problems.append(
                    Problem("expected a mapping", kind=key, line=lines.get(key), source=source)
                )
                continue
            value = [value]
        if not isinstance(value, list):
            problems.append(
                Problem("expected a list", kind=key, line=lines.get(key), source=source)
            )
            continue
        kinds[key] = value
    problems.extend(_shape_problems(kinds, marks, source))
    version = data.get("version")
    if version is not None and version != 1:
        problems.append(Problem("unsupported version; expected 1", field="version", source=source))
    prune = _prune(
        data.get("prune"), known, problems, source, lines.get("prune"), prune_words or {}
    )
    if problems:
        raise InstanceFileError(problems, source)
    return InstanceDoc(kinds, prune, marks, source, kind_lines=lines)


def _shape_problems(
    kinds: Mapping[str, list[Any]], marks: Mapping[str, Sequence[EntryMarks]], source: str | None
) -> list[Problem]:
    """Too deep, too big or cyclic values in any kind but clients (whose parser checks them),
    measured without expanding YAML aliases."""
    from ._limits import Measure, ShapeError

    measure = Measure()
    found: list[Problem] = []
    for kind, entries in kinds.items():
        if kind == "clients":
            continue
        for position, raw in enumerate(entries, start=1):
            if not isinstance(raw, Mapping):
                continue
            name = raw.get("name")
            for key, value in raw.items():
                try:
                    measure.field(value)
                except ShapeError as exc:
                    kind_marks = marks.get(kind, [])
                    mark = kind_marks[position - 1] if position <= len(kind_marks) else None
                    found.append(
                        Problem(
                            str(exc),
                            kind,
                            position,
                            name if isinstance(name, str) else None,
                            str(key),
                            mark.of(str(key)) if mark is not None else None,
                            source,
                        )
                    )
            if measure.over_budget():
                rule = "YAML aliases expand the file far beyond what is written (an alias bomb?)"
                return [*found, Problem(rule, kind, position, source=source)]
    return found


def _prune(
    value: Any,
    known: Sequence[str],
    problems: list[Problem],
    source: str | None,
    line: int | None,
    words: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    if value is None:
        return {}
    if value is True:
        return dict.fromkeys(known, True)
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                "expected a mapping {kind: true|false}", field="prune", line=line, source=source
            )
        )
        return {}
    out: dict[str, Any] = {}
    for key, flag in value.items():
        if key not in known:
            problems.append(
                Problem(f"unknown kind {key!r}", field=f"prune.{key}", line=line, source=source)
            )
        elif isinstance(flag, str) and flag in words.get(key, ()):
            out[key] = flag
        elif not isinstance(flag, bool):
            allowed = ", ".join(["true", "false", *words.get(key, ())])
            problems.append(
                Problem(
                    f"expected one of {allowed}", field=f"prune.{key}", line=line, source=source
                )
            )
        else:
            out[key] = flag
    return out


# --- parsing with line numbers -------------------------------------------------------------


def _parse(text: str, source: str, *, is_json: bool) -> tuple[Any, Any, Any, Any]:
    """(data, marks per kind, line per top-level key, the parsed text), lines on demand.

    The clients file's reader does the parsing: one pass with the C loader, hostile input
    (deep nesting, alias bombs, keys given twice) refused with the entry and field named.
    """
    from ._source import SourceError, parse_text

    try:
        parsed = parse_text(text, is_json=is_json)
    except SourceError as exc:
        problems = [
            Problem(
                s.rule,
                kind=s.kind or ("clients" if s.entry is not None else None),
                entry=s.entry,
                name=s.client_id,
                field=s.field,
                line=s.line,
                source=source,
            )
            for s in exc.spots
        ]
        raise InstanceFileError(problems, source) from None
    return parsed.data, _KindMarks(parsed), _KindLines(parsed), parsed


class _KindLines(Mapping[str, int]):
    """The line of each top-level key, from the node tree on first use."""

    def __init__(self, parsed: Any) -> None:
        self._parsed = parsed
        self._lines: dict[str, int] | None = None

    def _all(self) -> dict[str, int]:
        if self._lines is None:
            import yaml

            root = self._parsed.root()
            self._lines = {}
            if isinstance(root, yaml.MappingNode):
                for key, _ in root.value:
                    if isinstance(key, yaml.ScalarNode):
                        self._lines.setdefault(key.value, key.start_mark.line + 1)
        return self._lines

    def __getitem__(self, key: str) -> int:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _KindMarks(Mapping[str, Sequence[EntryMarks]]):
    """Marks per kind. Which kinds there are comes from the data; lines from the node tree,
    only when a problem asks for one."""

    def __init__(self, parsed: Any) -> None:
        self._parsed = parsed
        data = parsed.data
        if isinstance(data, list):
            self._keys = ["clients"]
        elif isinstance(data, Mapping):
            self._keys = [str(k) for k, v in data.items() if isinstance(v, list)]
        else:
            self._keys = []
        self._known: dict[str, list[EntryMarks]] | None = None

    def _all(self) -> dict[str, list[EntryMarks]]:
        if self._known is None:
            import yaml

            from ._source import sequence_marks

            root = self._parsed.root()
            nodes: dict[str, Any] = {}
            if isinstance(root, yaml.SequenceNode):
                nodes["clients"] = root
            elif isinstance(root, yaml.MappingNode):
                for key, value in root.value:
                    if isinstance(key, yaml.ScalarNode):
                        nodes.setdefault(key.value, value)
            self._known = {
                key: [EntryMarks(m.line, m.keys) for m in sequence_marks(node)]
                for key, node in nodes.items()
            }
        return self._known

    def __getitem__(self, key: str) -> Sequence[EntryMarks]:
        if key not in self._keys:
            raise KeyError(key)
        return _Later(lambda: self._all().get(key, []))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _Later(Sequence[EntryMarks]):
    """A list made on first use."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._items: list[EntryMarks] | None = None

    def _list(self) -> list[EntryMarks]:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())


def _violation(problem: Problem) -> str:
    head = problem.kind or "<file>"
    if problem.entry is not None:
        head += f"[{problem.entry}]"
    return f"{head}.{problem.field}" if problem.field else head
