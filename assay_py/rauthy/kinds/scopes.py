"""Scopes (``/scopes``): a name and the custom user attributes mapped into its claims.

Rauthy's six OpenID default scopes may carry no mappings, and only ``openid`` is protected by
Rauthy itself; the tool protects all six. ``POST /scopes`` answers the stored row, whose
mappings are one comma-joined string: rows are normalised to the list shape here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import Change, Kind, KindApi, Row, Violation, check_name, plan_kind, reference_list
from ._base import regex_rule as _rx

__all__ = ["DEFAULT_SCOPES", "KIND", "ScopesApi", "plan"]

#: Rauthy's built-in scopes; none may carry attribute mappings.
DEFAULT_SCOPES = frozenset({"openid", "email", "profile", "groups", "address", "phone"})
MAPPINGS = ("attr_include_access", "attr_include_id")

_RE_ROLES_SCOPES = "^[a-zA-Z0-9-_/,:*.]{2,64}$"
_RE_ATTR = "^[a-zA-Z0-9-_/]{2,32}$"
_NAME = _rx(_RE_ROLES_SCOPES)
_ATTR = _rx(_RE_ATTR)


def validate(entry: Mapping[str, Any]) -> list[Violation]:
    found = check_name(entry.get("name"), _NAME, _RE_ROLES_SCOPES)
    name = entry.get("name")
    for field in MAPPINGS:
        value = entry.get(field)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            found.append((field, "must be a list of attribute names"))
            continue
        bad = [v for v in value if not _ATTR.fullmatch(v)]
        if bad:
            found.append((field, f"{bad[0]!r} must match {_RE_ATTR}"))
        if value and name in DEFAULT_SCOPES:
            found.append((field, f"'{name}' is an OpenID default scope: it takes no mappings"))
    at_root = entry.get("claims_at_root")
    if at_root is not None and not isinstance(at_root, bool):
        found.append(("claims_at_root", "must be a boolean (Rauthy 0.36 and later)"))
    return found


def desired_view(entry: Mapping[str, Any]) -> Row:
    view: Row = {field: reference_list(entry.get(field)) for field in MAPPINGS}
    if "claims_at_root" in entry:
        view["claims_at_root"] = bool(entry["claims_at_root"])
    return view


def live_view(row: Mapping[str, Any]) -> Row:
    view: Row = {field: reference_list(row.get(field)) for field in MAPPINGS}
    view["claims_at_root"] = bool(row.get("claims_at_root", False))
    return view


def body(entry: Mapping[str, Any]) -> Row:
    out: Row = {"scope": entry["name"]}
    for field in MAPPINGS:
        names = reference_list(entry.get(field))
        if names:  # Rauthy rejects an empty list "when provided"; absent clears
            out[field] = names
    if entry.get("claims_at_root") is not None:
        out["claims_at_root"] = bool(entry["claims_at_root"])
    return out


def normalise_row(row: Mapping[str, Any]) -> Row:
    out = dict(row)
    for field in MAPPINGS:
        out[field] = reference_list(row.get(field))
    return out


def _effects(name: str) -> tuple[str, ...]:
    return (f"every client loses scope '{name}' from its scopes and default_scopes",)


KIND = Kind(
    key="scopes",
    noun="scope",
    group="Scopes",
    list_path="/scopes",
    item_path="/scopes/",
    body_name="scope",
    fields=(*MAPPINGS, "claims_at_root"),
    validate=validate,
    desired_view=desired_view,
    live_view=live_view,
    body=body,
    depends_on=("user_attributes",),
    references={"attr_include_access": "user_attributes", "attr_include_id": "user_attributes"},
    builtins=DEFAULT_SCOPES,
    delete_effects=_effects,
    normalise_row=normalise_row,
    newer_fields={"claims_at_root": "needs Rauthy 0.36 or later"},
)


def plan(
    desired: list[Mapping[str, Any]], live: list[Mapping[str, Any]], *, prune: bool = False
) -> list[Change]:
    """Pure: the changes that make ``live`` (``GET /scopes`` rows) match ``desired``."""
    return plan_kind(KIND, [KIND.checked(e) for e in desired], live, prune=prune)


class ScopesApi(KindApi):
    """``c.scopes``: the ``/scopes`` admin API, keyed by scope name."""
