"""A clients file's text to data: one parse, duplicate keys refused, positions on demand.

YAML goes through PyYAML's C loader when it is installed (the pure-Python one otherwise):
composed once, constructed once. The node tree is kept so that lines can be looked up later,
and only when there is something to report. JSON goes through ``json``, one entry at a time
so each entry's line comes for free; key lines for messages come from a YAML composition of
the same text, again only when needed.

Hostile input: libyaml stops nesting at 1000 levels and ``json`` at Python's recursion limit;
either way the place is found again from the event stream and reported as the entry and field.
Alias bombs are the business of :mod:`._limits`, which measures the constructed data.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._limits import MAX_FIELD_DEPTH

_OVERRIDES_KEY = "overrides"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_FIELD_ROOT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Spot(NamedTuple):
    """A problem found while reading the text; ``entry`` is 1-based."""

    rule: str
    entry: int | None = None
    client_id: str | None = None
    field: str | None = None
    line: int | None = None
    #: The top-level key holding the entry's list (None for a top-level list).
    kind: str | None = None


class SourceError(Exception):
    """The text cannot be used; ``spots`` says where and why."""

    def __init__(self, spots: list[Spot]) -> None:
        super().__init__("; ".join(s.rule for s in spots))
        self.spots = spots


@dataclass(frozen=True)
class EntryMarks:
    """Where an entry and its keys start (1-based lines); empty when the source has no lines."""

    line: int | None = None
    keys: dict[str, int] = field(default_factory=dict)
    overrides: dict[str, int] = field(default_factory=dict)

    def key_line(self, key: str) -> int | None:
        return self.keys.get(key, self.line)

    def field_line(self, field_name: str) -> int | None:
        # "redirect_uris[1]" and "scim.base_uri" belong to the line of their top-level key.
        if field_name.startswith(f"{_OVERRIDES_KEY}."):
            field_name = field_name[len(_OVERRIDES_KEY) + 1 :]
        match = _FIELD_ROOT.match(field_name)
        root = match[0] if match else field_name
        return self.overrides.get(root) or self.keys.get(root) or self.line


@dataclass
class Parsed:
    """The data, each entry's line (when cheap), and the node tree for lines on demand.

    ``root()`` is the composed YAML node tree (for JSON, composed on first call; None where
    JSON is not YAML). Entries are those of a top-level list, or of a top-level ``clients``.
    """

    data: Any
    entry_lines: list[int | None]
    _root_of: Callable[[], Any]
    #: Where marks come from some other way (the instance file's, per kind).
    _marks_of: Callable[[], list[EntryMarks]] | None = None
    _marks: list[EntryMarks] | None = None
    _root: list[Any] = field(default_factory=list)

    def root(self) -> Any:
        if not self._root:
            self._root.append(self._root_of())
        return self._root[0]

    def marks(self, position: int) -> EntryMarks:
        """The marks of entry ``position`` (1-based)."""
        if self._marks is None:
            if self._marks_of is not None:
                self._marks = self._marks_of()
            else:
                self._marks = [_node_marks(node) for node in _entry_nodes(self.root())]
        if 0 < position <= len(self._marks):
            return self._marks[position - 1]
        line = self.entry_lines[position - 1] if 0 < position <= len(self.entry_lines) else None
        return EntryMarks(line)


def sequence_marks(node: Any) -> list[EntryMarks]:
    """The marks of every item of a sequence node (an empty list for anything else)."""
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return []
    return [_node_marks(item) for item in node.value]


def parse_text(text: str, *, is_json: bool) -> Parsed:
    """Parse a clients file; raises :class:`SourceError` for unusable text."""
    return _parse_json(text) if is_json else _parse_yaml(text)


# --- YAML --------------------------------------------------------------------------------


@functools.cache
def _loader_class() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    implicit = {first: tuple(entries) for first, entries in base.yaml_implicit_resolvers.items()}
    scalar, sequence, mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    class Loader(base):  # type: ignore[misc, valid-type]
        """Safe loading that notes every key given twice in one mapping."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.duplicates: list[tuple[Any, str, int]] = []  # (mapping node, key, line)

        def resolve(self, kind: Any, value: Any, implicit_flags: Any) -> Any:
            # The composer asks once per node; PyYAML's general version (path resolvers,
            # list concatenation) costs a third of a large file's parse.
            if kind is scalar:
                if implicit_flags[0]:
                    for tag, regexp in implicit.get(value[:1], ()):
                        if regexp.match(value):
                            return tag
                return _STR_TAG
            return _SEQ_TAG if kind is sequence else _MAP_TAG

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, mapping):
                self._note_duplicates(node)
            return super().construct_mapping(node, deep=deep)

        def _note_duplicates(self, node: Any) -> None:
            # Before merges are flattened: keys of an entry rightly override its `<<: *base`.
            seen: set[tuple[str, str]] = set()
            for key, value in node.value:
                if not isinstance(key, scalar):
                    continue
                if key.tag == _MERGE_TAG:
                    for merged in value.value if isinstance(value, sequence) else [value]:
                        if isinstance(merged, mapping):
                            self._note_duplicates(merged)
                    continue
                if (key.tag, key.value) in seen:
                    self.duplicates.append((node, key.value, key.start_mark.line + 1))
                seen.add((key.tag, key.value))

    assert not base.yaml_path_resolvers  # resolve() above does not look at paths
    return Loader


def _build(loader: Any, root: Any) -> Any:
    """The data of the composed tree, as the safe constructor would make it, faster.

    Plain strings, lists and mappings (nearly every node of a clients file) are built here,
    without the constructor's per-node bookkeeping; anything else (other scalar tags, merge
    keys, sets, ...) is handed to the constructor. An alias is one object, as with PyYAML.
    """
    import yaml

    scalar, sequence, mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    built: dict[Any, Any] = {}
    pending: list[tuple[Any, Any]] = []

    def make(node: Any) -> Any:
        if node in built:
            return built[node]
        kind, tag = type(node), node.tag
        if kind is scalar and tag == _STR_TAG:
            return node.value
        if kind is sequence and tag == _SEQ_TAG:
            obj: Any = []
        elif (
            kind is mapping and tag == _MAP_TAG and all(k.tag != _MERGE_TAG for k, _ in node.value)
        ):
            obj = {}
        else:
            obj = built[node] = loader.construct_object(node, deep=True)
            return obj
        built[node] = obj
        pending.append((node, obj))  # filled later: no recursion, however deep the tree
        return obj

    result = make(root)
    while pending:
        node, obj = pending.pop()
        if type(obj) is list:
            obj.extend(make(child) for child in node.value)
            continue
        for key_node, value_node in node.value:
            key = make(key_node)
            try:
                known = key in obj
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from None
            if known:
                loader.duplicates.append((node, str(key), key_node.start_mark.line + 1))
            obj[key] = make(value_node)
    return result


def _parse_yaml(text: str) -> Parsed:
    import yaml

    loader = _loader_class()(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else _build(loader, root)
    except RecursionError:  # the pure-Python composer on deep nesting
        raise SourceError([_deep_spot(text)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in reason:  # libyaml's own limit (1000 levels)
            raise SourceError([_deep_spot(text)]) from None
        line = mark.line + 1 if mark is not None else None
        raise SourceError([Spot(f"invalid YAML: {reason}", line=line)]) from None
    except ValueError as exc:  # a bad scalar under an explicit tag (`!!int x`), a huge int
        raise SourceError([Spot(f"invalid YAML: {_plain_reason(exc)}")]) from None
    finally:
        loader.dispose()
    entries = _entry_nodes(root)
    if loader.duplicates:
        raise SourceError(_yaml_duplicates(loader.duplicates, root, data))
    return Parsed(data, [node.start_mark.line + 1 for node in entries], lambda: root)


def _entry_nodes(root: Any) -> list[Any]:
    import yaml

    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "clients":
                root = value
    return list(root.value) if isinstance(root, yaml.SequenceNode) else []


def _node_marks(item: Any) -> EntryMarks:
    import yaml

    keys: dict[str, int] = {}
    overrides: dict[str, int] = {}
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            keys.setdefault(key.value, key.start_mark.line + 1)
            if key.value == _OVERRIDES_KEY and isinstance(value, yaml.MappingNode):
                for k, _ in value.value:
                    if isinstance(k, yaml.ScalarNode):
                        overrides.setdefault(k.value, k.start_mark.line + 1)
    return EntryMarks(item.start_mark.line + 1, keys, overrides)


def _yaml_duplicates(found: list[tuple[Any, str, int]], root: Any, data: Any) -> list[Spot]:
    spots = []
    for node, key, line in found:
        route = _locate(node, root, _node_children)
        spots.append(_duplicate_spot(data, [*(route or []), key], line))
    return sorted(spots, key=lambda s: s.line or 0)


def _duplicate_spot(data: Any, route: list[str | int], line: int | None) -> Spot:
    """The spot of a key given twice at ``route`` (from the document's root)."""
    kind: str | None = None
    steps = list(route)
    if isinstance(data, dict) and steps and isinstance(steps[0], str):
        kind = steps[0]
        data = data.get(kind)
        steps = steps[1:]
    index = steps[0] if steps else None
    if not (isinstance(data, list) and len(steps) > 1 and isinstance(index, int)):
        return Spot(_TWICE, field=_dotted(route), line=line)
    steps = steps[1:]
    entry = data[index] if index < len(data) else None
    label = entry.get("id", entry.get("name")) if isinstance(entry, dict) else None
    return Spot(
        _TWICE,
        entry=index + 1,
        client_id=label if isinstance(label, str) else None,
        field=_dotted(steps),
        line=line,
        kind=kind,
    )


_TWICE = "key given twice (the last one would silently win)"


def _node_children(node: Any) -> list[tuple[str | int, Any]]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [
            (key.value if isinstance(key, yaml.ScalarNode) else "?", value)
            for key, value in node.value
        ]
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    return []


def _data_children(value: Any) -> list[tuple[str | int, Any]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return list(enumerate(value))
    return []


def _locate(
    target: Any, root: Any, children: Callable[[Any], list[tuple[str | int, Any]]]
) -> list[str | int] | None:
    """The keys and indexes leading from ``root`` to ``target`` (by identity)."""
    stack: list[tuple[Any, list[str | int]]] = [(root, [])]
    seen: set[int] = set()
    while stack:
        node, route = stack.pop()
        if node is target:
            return route
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend((child, [*route, step]) for step, child in children(node))
    return None


def _dotted(route: list[str | int]) -> str:
    text = ""
    for step in route:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


# --- JSON --------------------------------------------------------------------------------


def _parse_json(text: str) -> Parsed:
    duplicates: list[tuple[dict[str, Any], list[str]]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) != len(pairs):
            counted: dict[str, int] = {}
            for key, _ in pairs:
                counted[key] = counted.get(key, 0) + 1
            duplicates.append((mapping, [k for k, n in counted.items() if n > 1]))
        return mapping

    decoder = json.JSONDecoder(object_pairs_hook=pairs_hook)
    try:
        data, lines = _decode_entries(decoder, text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            [Spot(f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno)]
        ) from None
    except ValueError as exc:  # not a list of entries: a huge integer somewhere
        raise SourceError([Spot(f"invalid JSON: {_plain_reason(exc)}")]) from None
    except _DeepEntry as deep:
        raise SourceError([_deep_spot(deep.text, entry=deep.position, line=deep.line)]) from None
    except RecursionError:  # not a list of entries
        raise SourceError([_deep_spot(text)]) from None
    if duplicates:
        raise SourceError(_json_duplicates(duplicates, data, text))
    return Parsed(data, lines, lambda: _compose_json(text))


def _decode_entries(decoder: json.JSONDecoder, text: str) -> tuple[Any, list[int | None]]:
    """The document and, for a top-level list, the line of each item."""
    start = _skip_ws(text, 0)
    if not text.startswith("[", start):
        data, end = decoder.raw_decode(text, start)
        _expect_end(text, end)
        return data, []
    items: list[Any] = []
    lines: list[int | None] = []
    line, counted_to = 1, 0
    i = _skip_ws(text, start + 1)
    if text.startswith("]", i):
        _expect_end(text, i + 1)
        return items, lines
    while True:
        line += text.count("\n", counted_to, i)
        counted_to = i
        try:
            item, end = decoder.raw_decode(text, i)
        except RecursionError:
            raise _DeepEntry(text[i:], len(items) + 1, line) from None
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise
            # Python refuses to read integers of more than 4300 digits.
            raise SourceError(
                [Spot(f"invalid JSON: {_plain_reason(exc)}", entry=len(items) + 1, line=line)]
            ) from None
        items.append(item)
        i = end
        lines.append(line)
        i = _skip_ws(text, i)
        if text.startswith("]", i):
            _expect_end(text, i + 1)
            return items, lines
        if not text.startswith(",", i):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip_ws(text, i + 1)


def _plain_reason(exc: ValueError) -> str:
    text = str(exc)
    if "integer string conversion" in text:
        return "an integer with more than 4300 digits"
    return text


class _DeepEntry(Exception):
    def __init__(self, text: str, position: int, line: int) -> None:
        super().__init__(position)
        self.text, self.position, self.line = text, position, line


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _expect_end(text: str, i: int) -> None:
    i = _skip_ws(text, i)
    if i != len(text):
        raise json.JSONDecodeError("Extra data", text, i)


def _compose_json(text: str) -> Any:
    # JSON is YAML for these purposes; where it is not, messages go without key lines.
    import yaml

    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return None


def _json_duplicates(
    found: list[tuple[dict[str, Any], list[str]]], data: Any, text: str
) -> list[Spot]:
    spots = []
    for mapping, keys in found:
        route = _locate(mapping, data, _data_children)
        for key in keys:
            line = _json_duplicate_line(text, route, key)
            spots.append(_duplicate_spot(data, [*(route or []), key], line))
    return sorted(spots, key=lambda s: s.line or 0)


def _json_duplicate_line(text: str, route: list[str | int] | None, key: str) -> int | None:
    """The line of the key's second occurrence, from a YAML composition of the JSON text."""
    import yaml

    if route is None:
        return None
    node = _compose_json(text)
    for step in route:
        node = dict(_node_children(node)).get(step) if node is not None else None
    lines = [
        k.start_mark.line + 1
        for k, _ in (node.value if isinstance(node, yaml.MappingNode) else [])
        if isinstance(k, yaml.ScalarNode) and k.value == key
    ]
    return lines[1] if len(lines) > 1 else None


# --- too deep ----------------------------------------------------------------------------


def _deep_spot(text: str, *, entry: int | None = None, line: int = 1) -> Spot:
    """Where nesting first goes past the limit, found again from the parser's event stream.

    ``entry``/``line``: ``text`` is that one entry of a JSON list, starting at that line.
    libyaml's scanner may give up (at its own depth limit) before the events that name the
    entry came out; the pure-Python parser has no such limit and is tried next.
    """
    import yaml

    rule = f"nested deeper than {MAX_FIELD_DEPTH} levels"
    loaders = [getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader]
    for loader in dict.fromkeys(loaders):
        found = _walk_to_depth(text, loader, one_entry=entry is not None)
        if found is not None:
            kind, position, label, key, at = found
            return Spot(
                rule,
                entry=entry if entry is not None else position,
                client_id=label,
                field=key,
                line=at + line - 1,
                kind=kind,
            )
    return Spot(rule, entry=entry, line=line if entry is not None else None)


def _walk_to_depth(
    text: str, loader: Any, *, one_entry: bool
) -> tuple[str | None, int, str | None, str | None, int] | None:
    """(kind, entry, its id or name, field, line) of the first container nested too deep.

    Entries are the items of a top-level list, or of the lists under a top-level mapping's
    keys (the kinds); with ``one_entry`` the text is one entry.
    """
    import yaml

    levels: list[list[Any]] = []  # per open collection: [is a mapping, items seen]
    entries_depth = 0 if one_entry else 1
    kind: str | None = None
    entry, key, label = 0, None, None
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionEndEvent):
                levels.pop()
                continue
            if not isinstance(
                event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)
            ):
                continue
            depth = len(levels)
            is_key = False
            if levels:
                is_key = levels[-1][0] and levels[-1][1] % 2 == 0
                levels[-1][1] += 1
            if depth == 0 and isinstance(event, yaml.MappingStartEvent) and not one_entry:
                entries_depth = 2  # a mapping of kinds, or {clients: [...]}
            if depth == 1 and is_key and entries_depth == 2 and isinstance(event, yaml.ScalarEvent):
                kind, entry = event.value, 0
            if depth == entries_depth and not is_key:
                entry, key, label = entry + 1, None, None
            if isinstance(event, yaml.ScalarEvent) and depth == entries_depth + 1:
                if is_key:
                    key = event.value
                elif key in ("id", "name") and label is None:
                    label = event.value
            if isinstance(event, yaml.CollectionStartEvent):
                levels.append([isinstance(event, yaml.MappingStartEvent), 0])
                if len(levels) > entries_depth + 1 + MAX_FIELD_DEPTH and entry:
                    mark = event.start_mark
                    return kind, entry, label, key, (mark.line + 1 if mark else 1)
    except (yaml.YAMLError, RecursionError):
        pass
    return None


# --- helpers -----------------------------------------------------------------------------
