"""The digest that binds an approval to one exact call, and the header names it shows.

A grant for "index 3 is http.post" alone would also cover a replay whose URL or body changed,
so each gated call is digested with its arguments: sha256 over the operation name, then for
each argument a zero byte and the argument in a canonical form (tables with their keys
sorted, so two equal tables digest alike whatever their iteration order). Header *values*
are covered by the digest but never shown: an approval prompt is read by a human and kept in
resume state, and a header value is where a token lives.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from assay_py.host._engine import lupa_engine

_MAX_DEPTH = 16
SUMMARY_CAP = 200


def number_text(value: int | float) -> str:
    """A number as the original's digest spells it: integral values without ``.0``, never an
    exponent (``1e+20`` is ``100000000000000000000``)."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value):
        text = str(int(value))
        return "-0" if text == "0" and math.copysign(1.0, value) < 0 else text
    text = repr(value)
    if "e" in text or "E" in text:
        from decimal import Decimal

        text = format(Decimal(text), "f")
    return text


def _is_table(value: Any) -> bool:
    return lupa_engine().lua_type(value) == "table"


def _key_text(key: Any) -> str:
    if isinstance(key, bytes):
        try:
            return key.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (int, float)):
        return number_text(key)
    return _type_name(key)


def _type_name(value: Any) -> str:
    kind = lupa_engine().lua_type(value)
    if kind is not None:
        return kind
    if isinstance(value, (Mapping, list, tuple)):
        return "table"
    return type(value).__name__


def _entries(value: Any) -> Iterable[tuple[Any, Any]]:
    if isinstance(value, Mapping):
        return value.items()
    if isinstance(value, (list, tuple)):
        return ((i, v) for i, v in enumerate(value, 1))
    return list(value.items())  # a Lua table, iterated raw (lupa's items() is next)


def _absorb(value: Any, sink: Any, depth: int) -> None:
    if depth > _MAX_DEPTH:
        sink.update(b"deep")
    elif value is None:
        sink.update(b"nil")
    elif isinstance(value, bool):
        sink.update(b"true" if value else b"false")
    elif isinstance(value, (int, float)):
        sink.update(number_text(value).encode())
    elif isinstance(value, bytes):
        sink.update(value)
    elif isinstance(value, str):
        sink.update(value.encode("utf-8", "surrogateescape"))
    elif isinstance(value, (Mapping, list, tuple)) or _is_table(value):
        entries = sorted(
            ((_key_text(k), v) for k, v in _entries(value)), key=lambda kv: kv[0].encode()
        )
        sink.update(b"{")
        for key, entry in entries:
            sink.update(key.encode("utf-8", "surrogateescape"))
            sink.update(b"=")
            _absorb(entry, sink, depth + 1)
            sink.update(b";")
        sink.update(b"}")
    else:
        sink.update(_type_name(value).encode())


def operation_digest(op: str, args: Iterable[Any]) -> str:
    """sha256 hex of ``op`` and its arguments (Lua values as lupa hands them, or Python ones)."""
    sink = hashlib.sha256(op.encode())
    for value in args:
        sink.update(b"\0")
        _absorb(value, sink, 0)
    return sink.hexdigest()


def header_names(args: Iterable[Any]) -> list[str]:
    """Sorted names of the ``headers`` table of any table argument (``{headers = {...}}``)."""
    names: set[str] = set()
    for value in args:
        if not _is_table(value):
            continue
        headers = value[b"headers"]
        if _is_table(headers):
            names.update(_key_text(key) for key, _ in _entries(headers))
    return sorted(names)


def summary(args: Iterable[Any]) -> str:
    """The salient argument a human approves: the first string (URL, path, command, SQL)."""
    for value in args:
        if isinstance(value, bytes):
            return truncate(value.decode("utf-8", "replace"))
    return ""


def truncate(text: str) -> str:
    return text if len(text) <= SUMMARY_CAP else text[:SUMMARY_CAP] + "..."
