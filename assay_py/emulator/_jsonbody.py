"""Request bodies the way actix's ``Json<T>`` extractor with serde reads them.

Errors here are plain text (``Json deserialize error: ...`` or ``Content type error``) and come
before any auth check, as in Rauthy. Messages follow serde_json's wording; the
``line/column`` points just past the offending value (for list elements: past the list).

Hostile bodies: serde_json stops at 128 nested containers (``recursion limit exceeded``) and
cannot hold a number beyond f64 (``number out of range``), where Python's decoder recurses
until a RecursionError or refuses integers over 4,300 digits. A body that could reach either
limit (many brackets, a long digit run, a three-digit exponent) is read by ``_guarded``, an
iterative reader that meets those limits where serde would, in serde's order: a typed field
stops at its first element of the wrong type, an unknown field is skipped unread, a free-form
(``any``) field reads everything. Ordinary bodies never take that path.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

ALGS = ("RS256", "RS384", "RS512", "EdDSA")
_DECODER = json.JSONDecoder()
_WS = " \t\n\r"
_I32 = (-(2**31), 2**31 - 1)
_I64 = (-(2**63), 2**63 - 1)
# AccessGroup in Rauthy's enum order; 0.36 appends the last two.
ACCESS_GROUPS = (
    "Blacklist",
    "Clients",
    "Events",
    "Generic",
    "Groups",
    "Roles",
    "Secrets",
    "Sessions",
    "Scopes",
    "UserAttributes",
    "Users",
    "Pam",
    "AuthProviders",
    "ApiKeys",
)
ACCESS_RIGHTS = ("read", "create", "update", "delete")
# serde_json's recursion limit: the 128th nested container (the body's own object is the first).
_DEPTH_LIMIT = 128
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# Enough to reach a limit above: a run of digits past f64's range, or a 3-digit exponent.
_HUGE_NUMBER = re.compile(r"[0-9]{300}|[eE][-+]?[0-9]{3}")
_LITERALS = (("true", True), ("false", False), ("null", None))

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
    # string | bool | opt_bool | i32 | i64 | u8 | strings | alg | attr_typ | provider_typ | any
    # | scim | access (Vec<ApiKeyAccess> of 0.36) | access_0352 (without its two newer groups)
    kind: str
    required: bool = False


_EXPECTED = {
    "string": "a string",
    "bool": "a boolean",
    "i32": "i32",
    "i64": "i64",
    "u8": "u8",
    "access": "a sequence",
    "access_0352": "a sequence",
    "strings": "a sequence",
    "alg": "enum JwkKeyPairAlg",
    "scim": "struct ScimClientRequestResponse",
    "opt_bool": "a boolean",
    "attr_typ": "enum UserAttrConfigTyp",
    "provider_typ": "enum AuthProviderType",
}
PROVIDER_TYPES = ("custom", "github", "google", "oidc")

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


class _Unreadable:
    """A value serde_json would fail on when it reads it (its error, positioned); the error is
    raised only if and when the field is read, so that an earlier field's error comes first."""

    def __init__(self, message: str) -> None:
        self.message = message

    def error(self) -> BodyError:
        return BodyError(f"Json deserialize error: {self.message}")


def _number(text: str, index: int, end: int, token: str) -> Any:
    """A JSON number as Python's decoder gives it, or ``_Unreadable`` past f64's range."""
    integer = _NUMBER.match(token)
    assert integer is not None
    value = float(token)
    if math.isinf(value):
        return _Unreadable(f"number out of range {_position(text, end)}")
    if integer.group(1) is None and integer.group(2) is None:
        return int(token)  # finite as f64, so at most ~309 digits: within int()'s limit
    return value


def _guarded(text: str, index: int, keep: int) -> tuple[Any, int]:
    """One JSON value from ``index``, read without recursion: ``(value, end)``.

    ``keep`` is how many levels of the value are built: children attach to containers of
    depth < ``keep`` (the value itself is depth 1); deeper containers stay empty, so a typed
    field still sees "a sequence" where serde would stop. A number past f64, at a kept level,
    becomes ``_Unreadable``. With ``keep`` beyond the limit (an ``any`` field) the 128th
    container makes the whole value ``_Unreadable``, as serde_json's recursion limit.
    Syntax errors raise ``json.JSONDecodeError`` as Python's decoder words them.
    """
    failed: list[_Unreadable] = []
    try:
        return _read_iteratively(text, index, keep, failed)
    except json.JSONDecodeError:
        if failed:  # serde stops at the limit, before it could see the broken syntax
            raise failed[0].error() from None
        raise


def _read_iteratively(
    text: str, index: int, keep: int, failures: list[_Unreadable]
) -> tuple[Any, int]:
    stack: list[list[Any] | dict[str, Any]] = []
    keys: list[str] = []  # the pending key of each open object, in stack order
    failed: _Unreadable | None = None
    length = len(text)
    while True:
        index = _skip_ws(text, index)
        if index >= length:
            raise json.JSONDecodeError("Expecting value", text, index)
        char = text[index]
        value: Any
        if char in "[{":
            if failed is None and keep >= _DEPTH_LIMIT and len(stack) + 2 >= _DEPTH_LIMIT:
                failed = _Unreadable(f"recursion limit exceeded {_position(text, index + 1)}")
                failures.append(failed)
            container: list[Any] | dict[str, Any] = [] if char == "[" else {}
            index = _skip_ws(text, index + 1)
            closer = "]" if char == "[" else "}"
            if index < length and text[index] == closer:
                value, index = container, index + 1
            else:
                stack.append(container)
                if char == "{":
                    index = _key(text, index, keys)
                continue
        elif char == '"':
            value, index = scanstring(text, index + 1)
        else:
            match = _NUMBER.match(text, index)
            if match is not None:
                token, end = match.group(), match.end()
                keep_it = len(stack) < keep and failed is None
                value = _number(text, index, end, token) if keep_it else None
                if isinstance(value, _Unreadable) and keep >= _DEPTH_LIMIT:
                    failed = value  # free-form: serde reads it all, so the value is lost
                    failures.append(failed)
                index = end
            else:
                for word, literal in _LITERALS:
                    if text.startswith(word, index):
                        value, index = literal, index + len(word)
                        break
                else:
                    raise json.JSONDecodeError("Expecting value", text, index)
        # A value is complete: attach it, then close every container it completes.
        while True:
            if not stack:
                return (failed if failed is not None else value), index
            parent = stack[-1]
            if len(stack) < keep:
                if isinstance(parent, list):
                    parent.append(value)
                else:
                    parent[keys[-1]] = value
            index = _skip_ws(text, index)
            if index < length and text[index] == ",":
                index += 1
                if isinstance(parent, dict):
                    keys.pop()
                    index = _key(text, _skip_ws(text, index), keys)
                break
            closer = "]" if isinstance(parent, list) else "}"
            if index < length and text[index] == closer:
                value = stack.pop()
                if isinstance(parent, dict):
                    keys.pop()
                index += 1
                continue
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _key(text: str, index: int, keys: list[str]) -> int:
    """Read ``"key":`` at ``index`` (whitespace skipped) and push the key; the index after."""
    if index >= len(text) or text[index] != '"':
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
    key, index = scanstring(text, index + 1)
    index = _skip_ws(text, index)
    if index >= len(text) or text[index] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
    keys.append(key)
    return index + 1


def _keep(field: Field | None) -> int:
    """Levels of a member's value that serde reads before it can fail (see ``_guarded``)."""
    if field is None:
        return 0  # unknown: skipped unread
    if field.kind == "any":
        return _DEPTH_LIMIT
    if field.kind.startswith("access"):
        return 3  # the list, its structs, their lists of rights
    return 2  # the value and its elements (a list's items, a struct's fields)


def _members(
    text: str, fields: Sequence[Field] | None = None
) -> tuple[list[tuple[str, Any, int]], int]:
    """Top-level object members as ``(key, value, end_index)``; raises on bad syntax.

    ``fields`` tells the guarded reader how far serde would read each member; without it
    (or for an ordinary body) Python's decoder reads every value.
    """
    guarded: dict[str, Field | None] | None = None
    if fields is not None and _may_hit_limits(text):
        guarded = {f.name: f for f in fields}
    index = _skip_ws(text, 0)
    if index >= len(text):
        raise BodyError(
            f"Json deserialize error: EOF while parsing a value {_position(text, index)}"
        )
    if text[index] != "{":
        if guarded is not None:
            value, end = _guarded(text, index, 1)
            if isinstance(value, _Unreadable):
                raise value.error()
        else:
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
        start = _skip_ws(text, index + 1)
        if guarded is not None:
            value, index = _guarded(text, start, _keep(guarded.get(key)))
        else:
            value, index = _DECODER.raw_decode(text, start)
        members.append((key, value, index))
        index = _skip_ws(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_ws(text, index + 1)
            continue
        if index < len(text) and text[index] == "}":
            return members, index + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _may_hit_limits(text: str) -> bool:
    brackets = text.count("[") + text.count("{")
    return brackets >= _DEPTH_LIMIT - 1 or _HUGE_NUMBER.search(text) is not None


def _check(field: Field, value: Any, where: str) -> Any:
    """The value converted to its Rust type, or a serde-style error."""
    if isinstance(value, _Unreadable):
        raise value.error()
    if value is None and not field.required and field.kind != "bool":
        return None
    kind = field.kind
    if kind == "any":
        return value
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind in ("i32", "i64", "u8") and isinstance(value, int) and not isinstance(value, bool):
        low, high = {"i32": _I32, "i64": _I64}.get(kind, (0, 255))
        if low <= value <= high:
            return value
        raise BodyError(
            f"Json deserialize error: invalid value: integer `{value}`, expected {kind} {where}"
        )
    if kind == "strings" and isinstance(value, list):
        for item in value:
            if isinstance(item, _Unreadable):
                raise item.error()
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
    if kind == "opt_bool" and (value is None or isinstance(value, bool)):
        return value  # Option<bool>: null is None
    if kind == "attr_typ" and isinstance(value, str):
        if value == "Email":
            return value
        raise BodyError(
            f"Json deserialize error: unknown variant `{value}`, expected `Email` {where}"
        )
    if kind == "provider_typ" and isinstance(value, str):
        if value in PROVIDER_TYPES:
            return value
        expected = ", ".join(f"`{t}`" for t in PROVIDER_TYPES)
        raise BodyError(
            f"Json deserialize error: unknown variant `{value}`, expected one of {expected} {where}"
        )
    if kind in ("access", "access_0352") and isinstance(value, list):
        groups = ACCESS_GROUPS if kind == "access" else ACCESS_GROUPS[:-2]
        return [_access_entry(item, groups, where) for item in value]
    if kind == "scim" and isinstance(value, dict):
        return _struct(list(value.items()), SCIM_FIELDS, where, where)
    raise BodyError(
        f"Json deserialize error: invalid type: {_unexpected(value)}, "
        f"expected {_EXPECTED[kind]} {where}"
    )


def _variant(value: Any, variants: Sequence[str], enum: str, where: str) -> str:
    if isinstance(value, _Unreadable):
        raise value.error()
    if not isinstance(value, str):
        raise BodyError(
            f"Json deserialize error: invalid type: {_unexpected(value)}, expected enum {enum}"
            f" {where}"
        )
    if value not in variants:
        expected = ", ".join(f"`{v}`" for v in variants)
        raise BodyError(
            f"Json deserialize error: unknown variant `{value}`, expected one of {expected} {where}"
        )
    return value


def _access_entry(item: Any, groups: Sequence[str], where: str) -> dict[str, Any]:
    """One ``ApiKeyAccess {group, access_rights}`` (unknown keys ignored, as serde does)."""
    if isinstance(item, _Unreadable):
        raise item.error()
    if not isinstance(item, dict):
        raise BodyError(
            f"Json deserialize error: invalid type: {_unexpected(item)}, expected struct"
            f" ApiKeyAccess {where}"
        )
    for name in ("group", "access_rights"):
        if name not in item:
            raise BodyError(f"Json deserialize error: missing field `{name}` {where}")
    group = _variant(item["group"], groups, "AccessGroup", where)
    rights = item["access_rights"]
    if not isinstance(rights, list):
        raise BodyError(
            f"Json deserialize error: invalid type: {_unexpected(rights)}, expected a sequence"
            f" {where}"
        )
    listed = [_variant(r, ACCESS_RIGHTS, "AccessRights", where) for r in rights]
    return {"group": group, "access_rights": listed}


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
        members, end = _members(text, fields)
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
