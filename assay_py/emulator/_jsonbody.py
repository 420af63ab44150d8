"""Request bodies the way actix's ``Json<T>`` extractor with serde reads them.

Errors here are plain text (``Json deserialize error: ...`` or ``Content type error``) and come
before any auth check, as in Rauthy. Messages follow serde_json's wording; the
``line/column`` points just past the offending value (for list elements: past the list).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

ALGS = ("RS256", "RS384", "RS512", "EdDSA")
_DECODER = json.JSONDecoder()
_WS = " \t\n\r"
_I32 = (-(2**31), 2**31 - 1)

# Python json error messages -> serde_json's wording.
_SYNTAX = {
    "Expecting value": "expected value",
    "Expecting property name enclosed in double quotes": "key must be a string",
    "Expecting ',' delimiter": "expected `,` or `}`",
    "Expecting ':' delimiter": "expected `:`",
    "Unterminated string starting at": "EOF while parsing a string",
    "Extra data": "trailing characters",
    "Invalid control character at": (
        "control character (\\u0000-\\u001F) found while parsing a string"
    ),
}


class BodyError(Exception):
    """A 400 (413 for an oversized body) with a text/plain body, as actix's JSON extractor
    answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # string | bool | i32 | u8 | strings | alg | any | scim
    required: bool = False


_EXPECTED = {
    "string": "a string",
    "bool": "a boolean",
    "i32": "i32",
    "u8": "u8",
    "strings": "a sequence",
    "alg": "enum JwkKeyPairAlg",
    "scim": "struct ScimClientRequestResponse",
}

SCIM_FIELDS = (
    Field("bearer_token", "string", True),
    Field("base_uri", "string", True),
    Field("sync_groups", "bool", True),
    Field("group_sync_prefix", "string"),
)


def is_json_content_type(value: str | None) -> bool:
    if not value:
        return False
    # actix looks at the subtype only: any ``*/json`` or ``*/*+json`` is JSON.
    mime = value.split(";", 1)[0].strip().lower()
    kind, slash, subtype = mime.partition("/")
    if not (kind and slash and subtype):
        return False
    return subtype == "json" or subtype.endswith("+json")


def _position(text: str, end: int) -> str:
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1)
    return f"at line {line} column {column}"


def _unexpected(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    return "sequence" if isinstance(value, list) else "map"


def _skip_ws(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WS:
        index += 1
    return index


def _members(text: str) -> tuple[list[tuple[str, Any, int]], int]:
    """Top-level object members as ``(key, value, end_index)``; raises on bad syntax."""
    index = _skip_ws(text, 0)
    if index >= len(text):
        raise BodyError(
            f"Json deserialize error: EOF while parsing a value {_position(text, index)}"
        )
    if text[index] != "{":
        value, end = _DECODER.raw_decode(text, index)
        raise BodyError(
            f"Json deserialize error: invalid type: {_unexpected(value)}, expected a map "
            f"{_position(text, end)}"
        )
    members: list[tuple[str, Any, int]] = []
    index = _skip_ws(text, index + 1)
    if index < len(text) and text[index] == "}":
        return members, index + 1
    while True:
        if index >= len(text):
            raise json.JSONDecodeError("Unterminated string starting at", text, index)
        if text[index] != '"':
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, index
            )
        key, index = scanstring(text, index + 1)
        index = _skip_ws(text, index)
        if index >= len(text) or text[index] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
        value, index = _DECODER.raw_decode(text, _skip_ws(text, index + 1))
        members.append((key, value, index))
        index = _skip_ws(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_ws(text, index + 1)
            continue
        if index < len(text) and text[index] == "}":
            return members, index + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _check(field: Field, value: Any, where: str) -> Any:
    """The value converted to its Rust type, or a serde-style error."""
    if value is None and not field.required and field.kind != "bool":
        return None
    kind = field.kind
    if kind == "any":
        return value
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind in ("i32", "u8") and isinstance(value, int) and not isinstance(value, bool):
        low, high = _I32 if kind == "i32" else (0, 255)
        if low <= value <= high:
            return value
        raise BodyError(
            f"Json deserialize error: invalid value: integer `{value}`, expected {kind} {where}"
        )
    if kind == "strings" and isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                raise BodyError(
                    f"Json deserialize error: invalid type: {_unexpected(item)}, "
                    f"expected a string {where}"
                )
        return value
    if kind == "alg" and isinstance(value, str):
        if value in ALGS:
            return value
        expected = ", ".join(f"`{a}`" for a in ALGS)
        raise BodyError(
            f"Json deserialize error: unknown variant `{value}`, expected one of {expected} {where}"
        )
    if kind == "scim" and isinstance(value, dict):
        return _struct(list(value.items()), SCIM_FIELDS, where, where)
    raise BodyError(
        f"Json deserialize error: invalid type: {_unexpected(value)}, "
        f"expected {_EXPECTED[kind]} {where}"
    )


def _struct(
    members: Sequence[tuple[str, Any]] | Sequence[tuple[str, Any, str]],
    fields: Sequence[Field],
    end_where: str,
    default_where: str,
) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    for member in members:
        key, value = member[0], member[1]
        where = member[2] if len(member) == 3 else default_where
        field = by_name.get(key)
        if field is None:
            continue  # unknown fields are ignored: no deny_unknown_fields in Rauthy
        if key in out:
            raise BodyError(f"Json deserialize error: duplicate field `{key}` {where}")
        out[key] = _check(field, value, where)
    for field in fields:
        if field.required and field.name not in out:
            raise BodyError(f"Json deserialize error: missing field `{field.name}` {end_where}")
    return out


def read_struct(
    raw: bytes, content_type: str | None, fields: Sequence[Field], oversize: str | None = None
) -> dict[str, Any]:
    """Deserialise a JSON object body into the given fields (absent optional fields omitted).

    ``oversize`` is the 413 text when the body was over the limit; actix checks the content
    type first, then the size.
    """
    if not is_json_content_type(content_type):
        raise BodyError("Content type error")
    if oversize is not None:
        raise BodyError(oversize, 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(
            f"Json deserialize error: invalid unicode code point at {exc.start}"
        ) from None
    try:
        members, end = _members(text)
        trailing = _skip_ws(text, end)
        if trailing < len(text):
            raise json.JSONDecodeError("Extra data", text, trailing)
    except json.JSONDecodeError as exc:
        message = _SYNTAX.get(exc.msg, exc.msg)
        if exc.pos >= len(text) and message in ("expected value", "expected `,` or `}`"):
            message = "EOF while parsing an object"
        # serde points at the offending character (1-based), or at the last one on EOF.
        column_end = min(max(exc.pos, 0) + 1, len(text))
        raise BodyError(
            f"Json deserialize error: {message} {_position(text, column_end)}"
        ) from None
    positioned = [(k, v, _position(text, e)) for k, v, e in members]
    return _struct(positioned, fields, _position(text, end), _position(text, end))
