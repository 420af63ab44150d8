"""One live client as the shortest clients-file entry that plans as a no-op against it.

Fields equal to what a new client gets from Rauthy are left out, lists are sorted (Rauthy
compares them as sets or multisets), and a client that a preset reproduces exactly is written
as that preset with its options. The secret is never read; a SCIM bearer token becomes an
``{env: VAR}`` reference.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from assay_py.rauthy import _schema as s
from assay_py.rauthy.errors import RauthyError
from assay_py.rauthy.reconcile import comparable, plan

__all__ = ["export_client", "scim_variable"]

Row = dict[str, Any]

#: Always written: a create needs them (``require_create_fields``).
_ALWAYS = ("confidential", "redirect_uris")


def scim_variable(client_id: str) -> str:
    """The environment variable an exported file reads a client's SCIM token from."""
    return "SCIM_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", client_id.upper())


def export_client(row: Mapping[str, Any]) -> tuple[Row | None, list[str]]:
    """``(entry, env variables it needs)``; ``(None, [])`` for the built-in client."""
    client_id = str(row["id"])
    if client_id == s.BUILTIN_CLIENT:
        return None, []
    entry: Row = {"id": client_id}
    needs: list[str] = []
    for name in s.FIELD_ORDER:
        if name == "id" or name not in row:
            continue
        value = row[name]
        if name == "scim":
            if isinstance(value, Mapping):
                entry["scim"], needs = _scim(client_id, value)
            continue
        if name in s.REQUIRED_ON_PUT and name not in _ALWAYS:
            default = s.CREATE_DEFAULTS.get(name)
            if comparable(name, value) == comparable(name, default):
                continue
        elif name not in _ALWAYS and comparable(name, value) == comparable(name, None):
            continue
        entry[name] = _tidy(name, value)
    if not needs:
        preset = _as_preset(entry, row)
        if preset is not None:
            return preset, []
    return entry, needs


def _tidy(name: str, value: Any) -> Any:
    if name in s.LIST_FIELDS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    return value


def _scim(client_id: str, value: Mapping[str, Any]) -> tuple[Row, list[str]]:
    out = {k: v for k, v in value.items() if v is not None}
    if "bearer_token" in out:
        variable = scim_variable(client_id)
        out["bearer_token"] = {"env": variable}
        return out, [variable]
    return out, []


_PRINTED = ("confidential", "access_token_alg", "id_token_alg", "challenges", "scopes")


def _fingerprint(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """What no preset option changes: a cheap first test before building a preset."""
    uris = row.get("redirect_uris") or []
    return (len(uris), *(comparable(n, row.get(n)) for n in _PRINTED))


@functools.cache
def _preset_prints() -> dict[str, tuple[Any, ...]]:
    from assay_py.rauthy import client_presets

    return {
        name: _fingerprint(client_presets.get(name)({"host": "h.example"}))
        for name in client_presets.names()
    }


def _as_preset(entry: Row, row: Mapping[str, Any]) -> Row | None:
    """The preset form of ``entry`` when some preset with some options makes it exactly."""
    from assay_py.rauthy import client_presets

    origins = row.get("post_logout_redirect_uris") or []
    if len(origins) != 1 or not str(origins[0]).startswith("https://"):
        return None
    host = str(origins[0])[len("https://") :]
    if not host or "/" in host:
        return None
    mark = _fingerprint(row)
    for name, print_ in _preset_prints().items():
        if print_ != mark:
            continue
        base = client_presets.get(name)({"host": host})
        options: Row = {"preset": name}
        if entry["id"] != base["id"]:
            options["id"] = entry["id"]
        options["host"] = host
        if row.get("name") != base["name"]:
            if not row.get("name"):
                continue
            options["name"] = row["name"]
        try:
            payload = client_presets.get(name)({k: v for k, v in options.items() if k != "preset"})
        except RauthyError:  # an option this preset refuses: not this preset
            continue
        if plan(payload, dict(row)).action == "noop":
            return options
    return None
