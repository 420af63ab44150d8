"""What the API key in use may do, read with ``GET /api_keys/{name}/test`` (needs no group).

A plan computes the rights it needs and compares them with ``c.api_keys.rights()`` before its
first write, so a key that lacks one changes nothing instead of failing half-way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Rights", "missing_rights", "parse_access"]

Rights = dict[str, frozenset[str]]

#: Groups Rauthy 0.35.2 does not have: a key there can never hold them.
_NEWER_GROUPS = {
    "ApiKeys": "Rauthy 0.36 or later; 0.35.2 lets only an admin session manage API keys",
    "AuthProviders": "Rauthy 0.36 or later; 0.35.2 lets only an admin session manage providers",
}


def parse_access(access: Any) -> Rights:
    """Rauthy honours only the first entry per group; later ones are ignored here too."""
    out: Rights = {}
    for item in access if isinstance(access, list) else ():
        if not isinstance(item, Mapping):
            continue
        group = item.get("group")
        rights = item.get("access_rights")
        if isinstance(group, str) and group not in out and isinstance(rights, list):
            out[group] = frozenset(str(r).lower() for r in rights)
    return out


def missing_rights(needed: Iterable[tuple[str, str]], held: Rights) -> list[str]:
    """``["Scopes / create", ...]`` for every needed ``(group, right)`` the key lacks; a group
    0.35.2 does not know says which version it needs."""
    missing = []
    for group, right in sorted(set(needed)):
        if right not in held.get(group, frozenset()):
            note = _NEWER_GROUPS.get(group) if group not in held else None
            missing.append(f"{group} / {right}" + (f" ({note})" if note else ""))
    return missing
