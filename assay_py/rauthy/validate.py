"""Rauthy's own payload rules, checked before any request (spec rauthy-api.md §4.2-4.3).

A typo such as ``redirect_uri`` would otherwise be ignored by Rauthy and show up as drift on
every run; here it is an error naming the field. Every violation is collected, so one run shows
them all.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from . import _schema as s
from .errors import RauthyValidationError

__all__ = [
    "IdRule",
    "check_path_id",
    "require_create_fields",
    "validate_payload",
    "violations",
]

IdRule = Literal["0.35", "strict", "legacy"]

_ID_RULES: Final[dict[str, re.Pattern[str]]] = {
    # 0.35.0-0.35.2 accept URL-like ids; HEAD narrows them; <= 0.34 was lowercase only.
    "0.35": re.compile(r"^[a-zA-Z0-9,.:/_\-&?=~#!$'()*+%]{2,256}$"),
    "strict": re.compile(r"^[a-zA-Z0-9._\-]{2,256}$"),
    "legacy": re.compile(r"^[a-z0-9\-_/]{2,128}$"),
}
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DOT_SEGMENTS: Final = frozenset({".", ".."})
_DOT_RULE: Final = (
    "'.' and '..' cannot name a client: URL paths drop them (/clients/.. is the API root),"
    " so such a client could never be read, updated or deleted"
)
_URI: Final = re.compile(r"^[a-zA-Z0-9,.:/_\-&?=~#!$'()*+%@]+$")
# RFC 8707 resource indicators (allowed_resources, default_aud): RE_URI without '#', no fragment.
_RESOURCE: Final = re.compile(r"^[a-zA-Z0-9,.:/_\-&?=~!$'()*+%@]+$")
_ORIGIN: Final = re.compile(r"^(http|https)://[a-z0-9.:\-]+$")
_SCOPE: Final = re.compile(r"^[a-zA-Z0-9\-_/,:*.]{2,64}$")
_CONTACT: Final = re.compile(r"^[a-zA-Z0-9+.@/:\-]{0,48}$")
# Rust's \s is Unicode White_Space; Python's also matches U+001C-U+001F, which Rauthy rejects.
_WS: Final = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_GROUP_PREFIX: Final = re.compile(rf"^[a-zA-Z0-9\-_/,:*{_WS}]{{2,64}}$")
# Rauthy's client-name rule: Latin letters with diacritics (U+00C0-U+024F), '-', whitespace and
# these CJK blocks: hiragana, katakana (and its phonetic extensions, half-width forms), radicals,
# ideographs (two blocks, ending where Rauthy's ranges end), compatibility ideographs and
# half-width hangul. Full-width hangul is not among them. No '.', '_', '(' or '/': "Immich
# (mobile)" is rejected by a real Rauthy.
_NAME: Final = re.compile(
    rf"^[a-zA-Z0-9\u00C0-\u024F\-{_WS}"
    r"\u3041-\u3096\u30A0-\u30FF\u31F0-\u31FF\u2E80-\u2FD5\u3400-\u4DB5\u4E00-\u9FCB"
    r"\uF900-\uFA6A\uFF66-\uFF9F\uFFA1-\uFFDC]{2,128}$"
)
_CLAIMS_MAX_BYTES: Final = 1024
# Built once: json.dumps with options builds a new encoder on every call.
# No NaN or infinity: they are not JSON, and Rauthy would refuse the whole body.
_COMPACT: Final = json.JSONEncoder(separators=(",", ":"), allow_nan=False)

#: Common mistakes that difflib would not guess, mapped to the field meant.
_ALIASES: Final[dict[str, str]] = {
    "client_id": "id",
    "client_name": "name",
    "public": "confidential",
    "pkce": "challenges",
    "code_challenge_methods": "challenges",
    "grant_types": "flows_enabled",
    "flows": "flows_enabled",
    "origins": "allowed_origins",
    "cors_origins": "allowed_origins",
    "logout_uris": "post_logout_redirect_uris",
    "mfa": "force_mfa",
}

_Violations = list[tuple[str, str]]


def validate_payload(payload: Any, *, id_rule: IdRule = "0.35") -> None:
    """Raise :class:`RauthyValidationError` listing every rule ``payload`` breaks."""
    found = violations(payload, id_rule=id_rule)
    if found:
        raise RauthyValidationError(found)


def violations(payload: Any, *, id_rule: IdRule = "0.35") -> _Violations:
    """Every ``(field, rule)`` that ``payload`` breaks; empty when it is valid."""
    if not isinstance(payload, Mapping):
        return [("payload", "must be an object (dict) of client fields")]
    out: _Violations = []
    for key in payload:
        if not isinstance(key, str) or key not in s.KNOWN_FIELDS:
            out.append((str(key), _unknown_field_rule(key)))
    if "id" not in payload:
        out.append(("id", "required"))
    for field in s.FIELD_ORDER:
        if field in payload:
            out.extend(_check_field(field, payload[field], id_rule))
    return out


def require_create_fields(payload: Mapping[str, Any]) -> None:
    """``POST /clients`` needs ``confidential`` and ``redirect_uris``; a PUT can inherit them."""
    missing = [
        (field, "required to create a client (POST /clients needs it)")
        for field in ("confidential", "redirect_uris")
        if payload.get(field) is None
    ]
    if missing:
        raise RauthyValidationError(missing)


def _unknown_field_rule(key: object) -> str:
    if not isinstance(key, str):
        return "field names must be strings"
    if key == "secret":
        return "unknown field: Rauthy generates secrets itself (use get_secret/rotate_secret)"
    guess = _ALIASES.get(key) or next(
        iter(difflib.get_close_matches(key, s.FIELD_ORDER, n=1, cutoff=0.6)), None
    )
    hint = f"; did you mean '{guess}'?" if guess else ""
    return f"unknown field (Rauthy would ignore it){hint}"


def _check_field(field: str, value: Any, id_rule: IdRule) -> _Violations:
    if value is None:
        if field in s.REQUIRED_ON_PUT or field == "id":
            return [(field, "must not be null (leave it out to keep the live value)")]
        return []  # optional: null clears it
    if field == "id":
        return _check_id(value, id_rule)
    if field in s.BOOL_FIELDS:
        return [] if isinstance(value, bool) else [(field, "must be a boolean")]
    if field in s.INT_FIELDS:
        return _check_lifetime(field, value)
    if field in s.LIST_FIELDS:
        return _check_list(field, value)
    if field in s.OBJECT_FIELDS:
        return _check_claims(value) if field == "claims" else _check_scim(value)
    if not isinstance(value, str):
        return [(field, "must be a string")]
    if field == "name":
        return [] if _NAME.fullmatch(value) else [(field, _rule_name())]
    if field in ("access_token_alg", "id_token_alg"):
        return [] if value in s.ALGORITHMS else [(field, f"must be one of {_alts(s.ALGORITHMS)}")]
    if field == "restrict_group_prefix":
        ok = _GROUP_PREFIX.fullmatch(value)
        return [] if ok else [(field, f"must match {_GROUP_PREFIX.pattern}")]
    return [] if _URI.fullmatch(value) else [(field, f"must be a URI matching {_URI.pattern}")]


def _check_id(value: Any, id_rule: IdRule) -> _Violations:
    if not isinstance(value, str):
        return [("id", "must be a string")]
    if value in _DOT_SEGMENTS:
        return [("id", _DOT_RULE)]
    pattern = _ID_RULES[id_rule]
    return [] if pattern.fullmatch(value) else [("id", f"must match {pattern.pattern}")]


def check_path_id(value: Any, what: str = "id") -> str:
    """``value`` if it can name a client in ``/clients/{id}``, else raise (nothing is sent).

    Ids are percent-encoded into one path segment, and Rauthy decodes every escape in a
    segment, so ``/``, ``?``, ``#`` and ``%`` come back as they were. Refused: non-strings,
    the empty id (``/clients/`` is another route), ``.`` and ``..`` (URL normalisation turns
    ``/clients/..`` into the API root), and control characters, which proxies and logs do not
    carry faithfully and no Rauthy version accepts in an id.
    """
    if not isinstance(value, str):
        raise RauthyValidationError(
            [(what, "must be a string")],
            f"rauthy: {what} must be a string, got {type(value).__name__}",
        )
    if not value:
        raise RauthyValidationError(
            [(what, "must not be empty")], f"rauthy: {what} must not be empty"
        )
    if value in _DOT_SEGMENTS:
        raise RauthyValidationError([(what, _DOT_RULE)], f"rauthy: {what} {value!r}: {_DOT_RULE}")
    if _CONTROL.search(value):
        rule = "must not contain control characters"
        raise RauthyValidationError([(what, rule)], f"rauthy: {what} {_shown(value)}: {rule}")
    return value


def _check_lifetime(field: str, value: Any) -> _Violations:
    if isinstance(value, bool) or not isinstance(value, int):
        return [(field, "must be an integer (seconds)")]
    low, high = s.LIFETIME_BOUNDS[field]
    return [] if low <= value <= high else [(field, f"must be between {low} and {high} seconds")]


_ENTRY_RULES: Final[dict[str, tuple[re.Pattern[str], str]]] = {
    "redirect_uris": (_URI, "a URI"),
    "post_logout_redirect_uris": (_URI, "a URI"),
    "allowed_resources": (_RESOURCE, "a resource URI (no '#' fragment)"),
    "default_aud": (_RESOURCE, "a resource URI (no '#' fragment)"),
    "allowed_origins": (_ORIGIN, "an origin (lowercase scheme://host[:port], no path)"),
    "scopes": (_SCOPE, "a scope name"),
    "default_scopes": (_SCOPE, "a scope name"),
    "contacts": (_CONTACT, "a contact"),
}


def _check_list(field: str, value: Any) -> _Violations:
    if not isinstance(value, (list, tuple)):
        return [(field, "must be a list of strings")]
    if field == "flows_enabled" and not value:
        return [(field, "must not be empty")]
    out: _Violations = []
    for index, entry in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(entry, str):
            out.append((where, "must be a string"))
        elif field == "flows_enabled":
            if entry not in s.FLOWS:
                out.append((where, f"unknown flow {entry!r}; one of {_alts(s.FLOWS)}"))
        elif field == "challenges":
            if entry not in s.CHALLENGES:
                out.append((where, f"unknown challenge {entry!r}; one of {_alts(s.CHALLENGES)}"))
        else:
            pattern, what = _ENTRY_RULES[field]
            if not pattern.fullmatch(entry):
                out.append((where, f"{_shown(entry)} is not {what} matching {pattern.pattern}"))
    return out


def _check_claims(value: Any) -> _Violations:
    if not isinstance(value, Mapping):
        return [("claims", "must be an object")]
    try:
        text = _COMPACT.encode(value)
    except (TypeError, ValueError):
        return [("claims", "must be JSON: objects, lists, text, finite numbers, true/false/null")]
    if "\\ud" in text and not _is_unicode(value):
        return [("claims", "must be valid Unicode text (a lone surrogate such as \\ud800 is not)")]
    size = len(text.encode())
    if size > _CLAIMS_MAX_BYTES:
        return [("claims", f"must serialise to at most {_CLAIMS_MAX_BYTES} bytes (is {size})")]
    return []


def _is_unicode(value: Any) -> bool:
    # Escaped surrogates are either astral characters (fine) or lone halves (refused by
    # serde): only text that encodes to UTF-8 tells them apart.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_scim(value: Any) -> _Violations:
    # Never echo values here: bearer_token is a credential.
    if not isinstance(value, Mapping):
        return [("scim", "must be an object")]
    out: _Violations = []
    for key in ("bearer_token", "base_uri"):
        entry = value.get(key)
        if not isinstance(entry, str) or not _URI.fullmatch(entry):
            out.append((f"scim.{key}", f"required; must match {_URI.pattern}"))
    if not isinstance(value.get("sync_groups"), bool):
        out.append(("scim.sync_groups", "required; must be a boolean"))
    prefix = value.get("group_sync_prefix")
    # Rauthy checks it with RE_GROUPS, the rule of restrict_group_prefix.
    ok = isinstance(prefix, str) and _GROUP_PREFIX.fullmatch(prefix)
    if prefix is not None and not ok:
        out.append(("scim.group_sync_prefix", f"must match {_GROUP_PREFIX.pattern}"))
    for key in value:
        if key not in ("bearer_token", "base_uri", "sync_groups", "group_sync_prefix"):
            out.append((f"scim.{key}", "unknown field"))
    return out


def _rule_name() -> str:
    return (
        "2-128 characters: letters (also accented, Chinese and Japanese; no full-width hangul),"
        " digits, '-' and spaces;"
        " no '.', '_', '(' or '/'"
    )


def _alts(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _shown(entry: str) -> str:
    return repr(entry if len(entry) <= 80 else entry[:77] + "...")
