"""The ``yaml`` global: ``yaml.parse(s)``, ``yaml.parse_all(s)``, ``yaml.encode(v)``.

Plain scalars follow YAML 1.2's core schema, as the original runtime's parser does: only
``true``/``false`` are booleans (``yes``, ``no``, ``on`` stay strings), ``017`` is 17,
``0o17`` is 15, and dates stay strings. PyYAML alone reads YAML 1.1, so the loader swaps
those rules in. Parsed values follow the JSON rules: ``null`` (and NaN/infinity) become
``nil``, keys become strings. ``yaml.encode`` quotes any string a 1.1 *or* 1.2 reader would
take for something else, sorts keys, and writes an empty table as ``{}``.

PyYAML is imported on first use (it costs start-up time most scripts never need).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from assay_py.host.builtins._args import arg_str
from assay_py.host.vm import LuaVM

# Bounds what one document may expand to through aliases ("billion laughs"), and nesting.
MAX_VALUES = 5_000_000

# The original's deserializer refuses a 128th level of nesting ("recursion limit exceeded").
NEST_LIMIT = 127
# Aliases may multiply the values written out at most this much (plus a margin): reuse is
# fine, exponential growth is not, and refusing it costs no more than reading the text.
ALIAS_FACTOR = 10
ALIAS_MARGIN = 100_000

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_YAML11_ONLY = {_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}

# (tag, pattern, first characters) of the YAML 1.2 core schema.
_CORE_RESOLVERS = (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)


def _add_core_resolvers(cls: Any) -> None:
    for tag, pattern, first in _CORE_RESOLVERS:
        cls.add_implicit_resolver(tag, re.compile(pattern), list(first))


def _core_int(loader: Any, node: Any) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # leading zeros are decimal in 1.2


@functools.cache
def _classes() -> tuple[Any, Any]:
    """(loader, dumper) classes, built on first use."""
    import yaml

    loader_base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper_base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class CoreLoader(loader_base):  # type: ignore[misc, valid-type]
        """Safe loading with YAML 1.2 core-schema scalars and string keys."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
            # Keys turn into text *before* they meet in a dict: as Python keys 1 and true
            # would collide (1 == True); as JSON keys "1" and "true" do not.
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)  # merge keys (<<)
            return {
                _key_text(self.construct_object(key, deep=True)): self.construct_object(
                    value, deep=deep
                )
                for key, value in node.value
            }

    CoreLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag not in _YAML11_ONLY]
        for first, entries in loader_base.yaml_implicit_resolvers.items()
    }

    _add_core_resolvers(CoreLoader)
    CoreLoader.add_constructor(_INT, _core_int)

    class QuotingDumper(dumper_base):  # type: ignore[misc, valid-type]
        """Keeps 1.1 resolvers and adds 1.2 ones: a string either would misread is quoted."""

    _add_core_resolvers(QuotingDumper)
    return CoreLoader, QuotingDumper


# -- parse -------------------------------------------------------------------------------


def parse(raw: Any = None) -> Any:
    return _load("yaml.parse", raw, all_documents=False)


def parse_all(raw: Any = None) -> Any:
    return _load("yaml.parse_all", raw, all_documents=True)


def _load(where: str, raw: Any, *, all_documents: bool) -> Any:
    text = arg_str(raw, 1)
    import yaml

    loader = _classes()[0]
    try:
        if not all_documents:
            document = yaml.load(text, Loader=loader)
        else:
            documents = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        if _too_deep(exc):
            raise ValueError(f"{where}: {_recursion_limit(text)}") from None
        raise ValueError(f"{where}: {_yaml_reason(exc)}") from None
    # ValueError: an explicit tag on a bad scalar (`!!int x`).
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    except RecursionError:  # the pure-Python composer, where libyaml is missing
        raise ValueError(f"{where}: nested too deeply") from None
    plain = _Plain(where)
    try:
        for loaded in [document] if not all_documents else documents:
            _check_expansion(where, loaded)
        if not all_documents:
            return plain.value(document, 0)
        values = (plain.value(doc, 0) for doc in documents)
        return [value for value in values if value is not None]
    except _TooDeep:
        raise ValueError(f"{where}: {_recursion_limit(text)}") from None


class _TooDeep(Exception):
    pass


def _too_deep(exc: Exception) -> bool:
    problem = getattr(exc, "problem", None)
    return isinstance(problem, str) and "nesting depth" in problem


def _recursion_limit(text: str) -> str:
    """The original's words for nesting past its limit, at the collection that opens the
    first level too many (found by reading the events again, only on this failure, with the
    pure-Python parser: libyaml's own stops at 1000 levels before it yields an event)."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > NEST_LIMIT:
                    mark = event.start_mark
                    return f"recursion limit exceeded at {_mark_text(mark)}"
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return "recursion limit exceeded"  # too deep only through aliases


def _mark_text(mark: Any) -> str:
    if mark.line or mark.column:
        return f"line {mark.line + 1} column {mark.column + 1}"
    return f"position {mark.index}"


def _yaml_reason(exc: Exception) -> str:
    """libyaml's problem and context, worded as the original's YAML library words them:
    ``<problem> at line L column C, <context> at line L column C``."""
    problem = getattr(exc, "problem", None)
    if not isinstance(problem, str):
        return str(exc)
    if problem.startswith("found undefined alias"):
        problem = "unknown anchor"  # the original's deserializer finds it, not libyaml
    mark = getattr(exc, "problem_mark", None)
    text = problem
    if mark is not None:
        text += f" at {_mark_text(mark)}" if mark.line or mark.column or mark.index else ""
    context = getattr(exc, "context", None)
    if isinstance(context, str):
        text += f", {context}"
        context_mark = getattr(exc, "context_mark", None)
        here = (mark.line, mark.column) if mark is not None else None
        if (
            context_mark is not None
            and (context_mark.line or context_mark.column)
            and (context_mark.line, context_mark.column) != here
        ):
            text += f" at {_mark_text(context_mark)}"
    return text


def _check_expansion(where: str, document: Any) -> None:
    """Refuse alias bombs before anything walks them: each shared value is measured once."""
    if not isinstance(document, (dict, list)):
        return
    known: dict[int, int] = {}  # id -> expanded size
    written = expanded = 0
    stack: list[tuple[Any, Any, list[int]]] = []
    on_path: set[int] = set()

    def enter(value: Any) -> None:
        nonlocal written
        written += len(value) + 1
        on_path.add(id(value))
        stack.append((value, iter(value.values() if isinstance(value, dict) else value), [1]))

    enter(document)
    while stack:
        node, children, size = stack[-1]
        for child in children:
            if not isinstance(child, (dict, list)):
                size[0] += 1
            elif id(child) in known:
                size[0] += known[id(child)]
            elif id(child) in on_path:
                raise ValueError(f"{where}: an alias refers to a value that contains it")
            elif len(stack) >= NEST_LIMIT:
                raise _TooDeep()
            else:
                enter(child)
                break
        else:
            stack.pop()
            on_path.discard(id(node))
            known[id(node)] = size[0]
            if stack:
                stack[-1][2][0] += size[0]
            else:
                expanded = size[0]
            continue
        if size[0] > MAX_VALUES:
            break
    if stack or expanded > MAX_VALUES:
        raise ValueError(f"{where}: document expands to more than {MAX_VALUES} values")
    if expanded > ALIAS_FACTOR * written + ALIAS_MARGIN:
        raise ValueError(f"{where}: aliases expand {written} values to {expanded} (an alias bomb?)")


class _Plain:
    """Turns a loaded document into JSON-shaped data, within MAX_VALUES and NEST_LIMIT."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.count = 0

    def value(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise ValueError(f"{self.where}: document expands to more than {MAX_VALUES} values")
        if depth >= NEST_LIMIT and isinstance(node, (dict, list, tuple)):
            raise _TooDeep()
        if isinstance(node, float) and not math.isfinite(node):
            return None  # JSON has no NaN or infinity
        if node is None or isinstance(node, (str, bytes, bool, int, float)):
            return node
        if isinstance(node, dict):
            return {_key_text(k): self.value(v, depth + 1) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [self.value(item, depth + 1) for item in node]
        if isinstance(node, (set, frozenset)):  # !!set: a mapping to nulls
            return {_key_text(k): None for k in node}
        if hasattr(node, "isoformat"):  # explicit !!timestamp
            return node.isoformat()
        return str(node)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    return str(key)


# -- encode ------------------------------------------------------------------------------


def _encoder(vm: LuaVM) -> Any:
    def encode(value: Any = None) -> str:
        import json

        import yaml

        # The original's road: the value as JSON first (with its errors, unprefixed), then
        # YAML; so integers and floats, and table shapes, are what json.encode makes them.
        data = json.loads(vm.json_encode(value))
        text: str = yaml.dump(
            data,
            Dumper=_classes()[1],
            default_flow_style=False,
            allow_unicode=True,
            sort_keys=True,
        )
        # A bare top-level scalar gets an explicit document end; JSON-like output has none.
        return text.removesuffix("...\n") if text.endswith("\n...\n") else text

    return encode


def install(vm: LuaVM) -> None:
    vm.set_global(
        "yaml",
        vm.table(
            {
                "parse": vm.function(parse),
                "parse_all": vm.function(parse_all),
                "encode": vm.function(_encoder(vm)),
            }
        ),
    )
