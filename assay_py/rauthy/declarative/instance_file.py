"""The whole-instance file: a mapping of kinds (``clients``, ``scopes``, ``user_attributes``,
``roles``, ``groups``), or a bare list meaning clients only.

Parsing keeps the line of every entry and of every key inside it, so a problem names the kind,
the entry, the field and the line. Each kind validates its own entries (``Managed.parse``);
this module only knows the document's shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    prune: Mapping[str, bool]
    marks: Mapping[str, list[EntryMarks]]
    source: str | None = None
    #: A bare list: the clients-only format.
    bare_list: bool = False
    kind_lines: Mapping[str, int] = field(default_factory=dict)


def load_instance_file(path: str | Path, known: Sequence[str]) -> InstanceDoc:
    """Read ``path`` (JSON for ``.json``, YAML otherwise) into an :class:`InstanceDoc`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFileError(
            [Problem(f"cannot read file: {exc}", source=source)], source
        ) from None
    data, marks, kind_lines = _parse(text, source, is_json=Path(path).suffix.lower() == ".json")
    return parse_document(data, known, source=source, _marks=marks, _kind_lines=kind_lines)


def parse_document(
    data: Any,
    known: Sequence[str],
    *,
    source: str | None = None,
    _marks: Mapping[str, list[EntryMarks]] | None = None,
    _kind_lines: Mapping[str, int] | None = None,
) -> InstanceDoc:
    """Check the document's shape; ``known`` are the kinds' file keys."""
    marks = dict(_marks or {})
    if isinstance(data, list):
        return InstanceDoc({"clients": data}, {}, marks, source, bare_list=True)
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"got {type(data).__name__}"
        rule = f"{what}; expected a mapping of kinds ({', '.join(known)}) or a list of clients"
        raise InstanceFileError([Problem(rule, source=source)], source)
    problems: list[Problem] = []
    kinds: dict[str, list[Any]] = {}
    lines = dict(_kind_lines or {})
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
        if not isinstance(value, list):
            problems.append(
                Problem("expected a list", kind=key, line=lines.get(key), source=source)
            )
            continue
        kinds[key] = value
    version = data.get("version")
    if version is not None and version != 1:
        problems.append(Problem("unsupported version; expected 1", field="version", source=source))
    prune = _prune(data.get("prune"), known, problems, source, lines.get("prune"))
    if problems:
        raise InstanceFileError(problems, source)
    return InstanceDoc(kinds, prune, marks, source, kind_lines=lines)


def _prune(
    value: Any, known: Sequence[str], problems: list[Problem], source: str | None, line: int | None
) -> dict[str, bool]:
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
    out: dict[str, bool] = {}
    for key, flag in value.items():
        if key not in known:
            problems.append(
                Problem(f"unknown kind {key!r}", field=f"prune.{key}", line=line, source=source)
            )
        elif not isinstance(flag, bool):
            problems.append(
                Problem("expected true or false", field=f"prune.{key}", line=line, source=source)
            )
        else:
            out[key] = flag
    return out


# --- parsing with line numbers -------------------------------------------------------------


def _parse(
    text: str, source: str, *, is_json: bool
) -> tuple[Any, dict[str, list[EntryMarks]], dict[str, int]]:
    import json

    import yaml

    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problem = Problem(
                f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno, source=source
            )
            raise InstanceFileError([problem], source) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = Problem(
                f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                line=mark.line + 1 if mark is not None else None,
                source=source,
            )
            raise InstanceFileError([problem], source) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return data, {}, {}
    marks: dict[str, list[EntryMarks]] = {}
    kind_lines: dict[str, int] = {}
    if isinstance(root, yaml.SequenceNode):
        marks["clients"] = _sequence_marks(root)
    elif isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode):
                kind_lines[key.value] = key.start_mark.line + 1
                if isinstance(value, yaml.SequenceNode):
                    marks[key.value] = _sequence_marks(value)
    return data, marks, kind_lines


def _sequence_marks(node: Any) -> list[EntryMarks]:
    import yaml

    out = []
    for item in node.value:
        keys: dict[str, int] = {}
        if isinstance(item, yaml.MappingNode):
            keys = {
                k.value: k.start_mark.line + 1
                for k, _ in item.value
                if isinstance(k, yaml.ScalarNode)
            }
        out.append(EntryMarks(item.start_mark.line + 1, keys))
    return out


def _violation(problem: Problem) -> str:
    head = problem.kind or "<file>"
    if problem.entry is not None:
        head += f"[{problem.entry}]"
    return f"{head}.{problem.field}" if problem.field else head
