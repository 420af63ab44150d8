"""Custom user-attribute definitions (``/users/attr``), keyed by their name.

``PUT`` replaces ``desc``, ``default_value`` and ``user_editable`` (left out: cleared, false)
but never changes ``typ``. Deleting a definition erases every user's value for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import Change, Kind, KindApi, Row, Violation, check_json, check_name, plan_kind
from ._base import regex_rule as _rx

__all__ = ["KIND", "AttributesApi", "plan"]

_RE_ATTR = "^[a-zA-Z0-9-_/]{2,32}$"
# Rust's \s is Unicode White_Space (spaces are allowed in descriptions).
_WS = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_RE_DESC = "^[a-zA-Z0-9-_/\\s]{0,128}$"
_NAME = _rx(_RE_ATTR)
_DESC = _rx(rf"^[a-zA-Z0-9\-_/{_WS}]{{0,128}}$")
TYPES = ("Email",)


def validate(entry: Mapping[str, Any]) -> list[Violation]:
    found = check_name(entry.get("name"), _NAME, _RE_ATTR)
    desc = entry.get("desc")
    if desc is not None and (not isinstance(desc, str) or not _DESC.fullmatch(desc)):
        found.append(("desc", f"must be a string matching {_RE_DESC}"))
    typ = entry.get("typ")
    if typ is not None and typ not in TYPES:
        found.append(("typ", f"must be one of {', '.join(TYPES)}"))
    editable = entry.get("user_editable")
    if editable is not None and not isinstance(editable, bool):
        found.append(("user_editable", "must be a boolean"))
    if "default_value" in entry:
        found.extend(check_json(entry["default_value"], "default_value"))
    return found


def desired_view(entry: Mapping[str, Any]) -> Row:
    return {
        "desc": entry.get("desc") or None,
        "default_value": entry.get("default_value"),
        "user_editable": bool(entry.get("user_editable", False)),
    }


def live_view(row: Mapping[str, Any]) -> Row:
    return {
        "desc": row.get("desc") or None,
        "default_value": row.get("default_value"),
        "user_editable": bool(row.get("user_editable", False)),
        "typ": row.get("typ"),
    }


def body(entry: Mapping[str, Any]) -> Row:
    out: Row = {"name": entry["name"], "user_editable": bool(entry.get("user_editable", False))}
    for field in ("desc", "default_value", "typ"):
        if entry.get(field) is not None:
            out[field] = entry[field]
    return out


def _effects(name: str) -> tuple[str, ...]:
    return (
        f"every user's value of '{name}' is erased",
        f"'{name}' is removed from every scope mapping (by substring: mappings are re-asserted)",
    )


KIND = Kind(
    key="user_attributes",
    noun="user attribute",
    group="UserAttributes",
    list_path="/users/attr",
    item_path="/users/attr/",
    body_name="name",
    fields=("desc", "default_value", "typ", "user_editable"),
    validate=validate,
    desired_view=desired_view,
    live_view=live_view,
    body=body,
    list_key="values",
    keyed_by_name=True,
    # The mark on users assay-py created (kinds/users.py): pruning it would orphan them.
    builtins=frozenset({"assay_managed"}),
    delete_effects=_effects,
)


def plan(
    desired: list[Mapping[str, Any]], live: list[Mapping[str, Any]], *, prune: bool = False
) -> list[Change]:
    """Pure: the changes that make ``live`` (``GET /users/attr`` values) match ``desired``."""
    return plan_kind(KIND, [KIND.checked(e) for e in desired], live, prune=prune)


class AttributesApi(KindApi):
    """``c.attributes``: custom user-attribute definitions, keyed by name."""
