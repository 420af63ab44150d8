"""What the API key in use may do: ``GET /api_keys/{name}/test`` (needs no access group).

A plan computes the rights it needs (``needed``) and compares them with ``c.api_keys.rights()``
before its first write, so a key that lacks one changes nothing instead of failing half-way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import RauthyError

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["ApiKeysApi", "missing_rights", "parse_access"]

Rights = dict[str, frozenset[str]]


class ApiKeysApi:
    """``c.api_keys``: the key's own view of itself (more in part 2 of the instance work)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def test(self) -> dict[str, Any]:
        """``{name, created, expires, access}`` of the key in use."""
        path = f"/api_keys/{quote(self._t.key_name, safe='')}/test"
        response = self._t.request("GET", path)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise RauthyError(f"rauthy GET {path}: expected a JSON object", method="GET", path=path)
        return data

    def rights(self) -> Rights:
        """``{group: {right, ...}}`` the key holds."""
        return parse_access(self.test().get("access"))

    def __repr__(self) -> str:
        return "ApiKeysApi()"


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
    """``["Scopes / create", ...]`` for every needed ``(group, right)`` the key lacks."""
    missing = []
    for group, right in sorted(set(needed)):
        if right not in held.get(group, frozenset()):
            missing.append(f"{group} / {right}")
    return missing
