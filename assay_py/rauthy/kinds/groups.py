"""Groups (``/groups``): a name and optional JSON ``meta``; users hold them by name.

Group names follow Rauthy's ``RE_GROUPS`` (whitespace allowed, ``.`` not), unlike roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import Change, Kind, KindApi, Row, Violation, check_json, check_name, plan_kind
from ._base import regex_rule as _rx

__all__ = ["KIND", "GroupsApi", "plan"]

# Rust's \s is Unicode White_Space.
_WS = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_RE_GROUPS = "^[a-zA-Z0-9-_/,:*\\s]{2,64}$"
_NAME = _rx(rf"^[a-zA-Z0-9\-_/,:*{_WS}]{{2,64}}$")


def validate(entry: Mapping[str, Any]) -> list[Violation]:
    found = check_name(entry.get("name"), _NAME, _RE_GROUPS)
    if "meta" in entry:
        found.extend(check_json(entry["meta"], "meta"))
    return found


def meta_view(entry: Mapping[str, Any]) -> Row:
    return {"meta": entry.get("meta")}


def body(entry: Mapping[str, Any]) -> Row:
    out: Row = {"group": entry["name"]}
    if entry.get("meta") is not None:
        out["meta"] = entry["meta"]
    return out


def _effects(name: str) -> tuple[str, ...]:
    return (
        f"every user in group '{name}' leaves it",
        "clients whose restrict_group_prefix or SCIM group_sync_prefix names it are not changed",
    )


KIND = Kind(
    key="groups",
    noun="group",
    group="Groups",
    list_path="/groups",
    item_path="/groups/",
    body_name="group",
    fields=("meta",),
    validate=validate,
    desired_view=meta_view,
    live_view=meta_view,
    body=body,
    delete_effects=_effects,
    rename_warning=(
        "on a Postgres-backed Rauthy an in-place rename takes the group away from every user"
        " (Rauthy deletes it there); on Hiqlite users keep it"
    ),
)


def plan(
    desired: list[Mapping[str, Any]], live: list[Mapping[str, Any]], *, prune: bool = False
) -> list[Change]:
    """Pure: the changes that make ``live`` (``GET /groups`` rows) match ``desired``."""
    return plan_kind(KIND, [KIND.checked(e) for e in desired], live, prune=prune)


class GroupsApi(KindApi):
    """``c.groups``: the ``/groups`` admin API, keyed by group name."""
