"""Roles (``/roles``): a name and optional JSON ``meta``; users hold them by name.

``rauthy_admin`` is Rauthy's admin role: never deleted or renamed by the tool. From 0.36 a role
``rauthy_admin:<group>`` makes its holders delegated admins of that group; prune leaves such
roles alone unless the file lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import Change, Kind, KindApi, Row, Violation, check_json, check_name, plan_kind
from ._base import regex_rule as _rx

__all__ = ["ADMIN_ROLE", "KIND", "RolesApi", "plan"]

ADMIN_ROLE = "rauthy_admin"
_DELEGATED = ADMIN_ROLE + ":"
_RE_ROLES_SCOPES = "^[a-zA-Z0-9-_/,:*.]{2,64}$"
_NAME = _rx(_RE_ROLES_SCOPES)


def validate(entry: Mapping[str, Any]) -> list[Violation]:
    found = check_name(entry.get("name"), _NAME, _RE_ROLES_SCOPES)
    if "meta" in entry:
        found.extend(check_json(entry["meta"], "meta"))
    return found


def meta_view(entry: Mapping[str, Any]) -> Row:
    return {"meta": entry.get("meta")}


def body(entry: Mapping[str, Any]) -> Row:
    out: Row = {"role": entry["name"]}
    if entry.get("meta") is not None:
        out["meta"] = entry["meta"]
    return out


def _warnings(entry: Mapping[str, Any]) -> tuple[str, ...]:
    name = str(entry["name"])
    if name.startswith(_DELEGATED):
        return (
            f"from Rauthy 0.36 holders of '{name}' are delegated admins of group"
            f" '{name[len(_DELEGATED) :]}'",
        )
    return ()


def _effects(name: str) -> tuple[str, ...]:
    return (f"every user holding role '{name}' loses it",)


KIND = Kind(
    key="roles",
    noun="role",
    group="Roles",
    list_path="/roles",
    item_path="/roles/",
    body_name="role",
    fields=("meta",),
    validate=validate,
    desired_view=meta_view,
    live_view=meta_view,
    body=body,
    builtins=frozenset({ADMIN_ROLE}),
    prune_keeps=lambda name: name.startswith(_DELEGATED),
    delete_effects=_effects,
    rename_warning=(
        "on a Postgres-backed Rauthy an in-place rename takes the role away from every user"
        " (Rauthy deletes it there); on Hiqlite users keep it"
    ),
    entry_warnings=_warnings,
)


def plan(
    desired: list[Mapping[str, Any]], live: list[Mapping[str, Any]], *, prune: bool = False
) -> list[Change]:
    """Pure: the changes that make ``live`` (``GET /roles`` rows) match ``desired``."""
    return plan_kind(KIND, [KIND.checked(e) for e in desired], live, prune=prune)


class RolesApi(KindApi):
    """``c.roles``: the ``/roles`` admin API, keyed by role name."""
