"""Rauthy's payload validation rules, with its error text.

Rauthy reports ``Payload validation error: ValidationErrors({...})``, the Rust Debug output of
validator 0.20. We rebuild that shape: the field name, then the ``code`` (the regex text,
``range``, ``length`` or a custom sentence) and the offending value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

RE_URI = r"^[a-zA-Z0-9,.:/_\-&?=~#!$'()*+%@]+$"
# RFC 8707 resource indicators (allowed_resources, default_aud): RE_URI without '#'.
RE_RESOURCE = r"^[a-zA-Z0-9,.:/_\-&?=~!$'()*+%@]+$"
RE_CLIENT_ID = r"^[a-zA-Z0-9,.:/_\-&?=~#!$'()*+%]{2,256}$"  # 0.35.0 - 0.35.2
RE_CLIENT_ID_STRICT = r"^[a-zA-Z0-9._\-]{2,256}$"  # 0.36 nightly
# Rust's `\s` is Unicode White_Space; Python's would also take U+001C-U+001F.
_WS = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Latin with diacritics, '-', whitespace, and Rauthy's CJK ranges: hiragana, katakana (with
# its phonetic extensions and half-width forms), radicals, ideographs, compatibility
# ideographs and half-width hangul.
RE_CLIENT_NAME = (
    rf"^[a-zA-Z0-9\u00c0-\u024f\-{_WS}"
    r"\u3041-\u3096\u30a0-\u30ff\u3400-\u4db5\u4e00-\u9fcb\uf900-\ufa6a\u2e80-\u2fd5"
    r"\uff66-\uff9f\uffa1-\uffdc\u31f0-\u31ff]{2,128}$"
)
RE_ORIGIN = r"^(http|https)://[a-z0-9.:-]+$"
RE_SCOPE = r"^[a-zA-Z0-9-_/,:*.]{2,64}$"
RE_CONTACT = r"^[a-zA-Z0-9+.@/:-]{0,48}$"
# Rauthy's RE_GROUPS, used for restrict_group_prefix and scim.group_sync_prefix alike.
RE_GROUPS = rf"^[a-zA-Z0-9-_/,:*{_WS}]{{2,64}}$"
RE_FLOW = (
    r"^(authorization_code|client_credentials|urn:ietf:params:oauth:grant-type:device_code"
    r"|password|refresh_token)$"
)
RE_CHALLENGE = r"^(plain|S256)$"
CHALLENGES_EMPTY = "'challenges' cannot be empty when provided"

_compiled: dict[str, re.Pattern[str]] = {}


def matches(pattern: str, value: str) -> bool:
    compiled = _compiled.get(pattern)
    if compiled is None:
        # Rust's `$` is end-of-text; Python's also accepts a trailing newline, hence fullmatch.
        compiled = _compiled[pattern] = re.compile(pattern[1:-1])
    return compiled.fullmatch(value) is not None


def _debug_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _debug_value(value: Any) -> str:
    if isinstance(value, str):
        return f"String({_debug_str(value)})"
    if isinstance(value, bool):
        return f"Bool({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"Number({value})"
    if isinstance(value, list):
        return "Array([" + ", ".join(_debug_value(v) for v in value) + "])"
    return "Object {...}"


class Errors:
    """Collects field errors; ``message()`` renders them like validator's Debug output."""

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}
        self._nested: dict[str, Errors] = {}

    def __bool__(self) -> bool:
        return bool(self._fields or self._nested)

    def add(self, field: str, code: str, value: Any = None, **params: float) -> None:
        rendered = {"value": _debug_value(value)} if value is not None else {}
        rendered.update({k: f"Number({float(v)})" for k, v in params.items()})
        params_text = ", ".join(f"{_debug_str(k)}: {v}" for k, v in rendered.items())
        self._fields.setdefault(field, []).append(
            f"ValidationError {{ code: {_debug_str(code)}, message: None, "
            f"params: {{{params_text}}} }}"
        )

    def nest(self, field: str, errors: Errors) -> None:
        if errors:
            self._nested[field] = errors

    def debug(self) -> str:
        parts = [f"{_debug_str(k)}: Field([{', '.join(v)}])" for k, v in self._fields.items()]
        parts += [f"{_debug_str(k)}: Struct({v.debug()})" for k, v in self._nested.items()]
        return "ValidationErrors({" + ", ".join(parts) + "})"

    def message(self) -> str:
        return f"Payload validation error: {self.debug()}"

    def regex(self, field: str, pattern: str, value: str | None) -> None:
        if value is not None and not matches(pattern, value):
            self.add(field, pattern, value)

    def each(self, field: str, pattern: str, values: Iterable[str] | None) -> None:
        for value in values or ():
            if not matches(pattern, value):
                self.add(field, pattern, value)
                return

    def range(self, field: str, value: int | None, low: int, high: int) -> None:
        if value is not None and not low <= value <= high:
            self.add(field, "range", value, min=low, max=high)
