"""The emulator's database: clients in insertion order, API keys, optional JSON persistence.

One lock guards everything. Persistence writes a snapshot to a temporary file next to the
target and ``os.replace``s it, so a crash never leaves a half-written state file. The file
holds client secrets and API-key secrets (it is a dev database), so it is created 0600.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import string
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._clients import Client, rauthy_client
from ._named import KindsState

GROUPS = (
    "ApiKeys",
    "AuthProviders",
    "Blacklist",
    "Clients",
    "Events",
    "Generic",
    "Groups",
    "Pam",
    "Roles",
    "Secrets",
    "Sessions",
    "Scopes",
    "UserAttributes",
    "Users",
)
RIGHTS = ("read", "create", "update", "delete")
_KEY_NAME_CHARS = set(string.ascii_letters + string.digits + "_/-")
_ALNUM = string.ascii_letters + string.digits


@dataclass
class ApiKey:
    name: str
    secret: str
    expires: float | None
    access: dict[str, frozenset[str]]
    created: float = field(default_factory=time.time)

    @property
    def secret_sha256(self) -> bytes:
        return hashlib.sha256(self.secret.encode()).digest()

    def __repr__(self) -> str:  # never show the secret
        return f"ApiKey(name={self.name!r}, expires={self.expires!r}, access=...)"


def random_key_secret() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(64))


def make_api_key(
    name: str,
    access: Mapping[str, Sequence[str]],
    expires: float | None = None,
    secret: str | None = None,
) -> ApiKey:
    """Validate like Rauthy (name regex, known groups and rights) and build a key."""
    if not 2 <= len(name) <= 24 or not set(name) <= _KEY_NAME_CHARS:
        raise ValueError("api key name: must match ^[a-zA-Z0-9_/-]{2,24}$")
    if secret is not None and len(secret) < 64:
        raise ValueError("api key secret: must be >= 64 characters")
    rights: dict[str, frozenset[str]] = {}
    for group, group_rights in access.items():
        if group not in GROUPS:
            raise ValueError(f"api key access: unknown group {group!r}; one of {GROUPS}")
        unknown = set(group_rights) - set(RIGHTS)
        if unknown:
            raise ValueError(f"api key access: unknown rights {sorted(unknown)}; one of {RIGHTS}")
        rights[group] = frozenset(group_rights)
    return ApiKey(name, secret or random_key_secret(), expires, rights)


def full_access() -> dict[str, list[str]]:
    return {group: list(RIGHTS) for group in GROUPS}


class Store:
    """Clients and API keys behind one lock (``store.lock``); persisted if ``state_file``."""

    def __init__(self, public_url: str, state_file: str | os.PathLike[str] | None) -> None:
        self.lock = threading.Lock()
        self.public_url = public_url
        self.clients: dict[str, Client] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.kinds = KindsState.fresh()
        self._path = Path(state_file) if state_file is not None else None
        self._write_lock = threading.Lock()
        self._version = 0
        self._written = 0
        self.reset_clients()
        if self._path is not None and self._path.exists():
            self._load(self._path)

    # --- state ---------------------------------------------------------------------------

    def reset_clients(self, rauthy_name: str = "Rauthy") -> None:
        self.clients = {"rauthy": rauthy_client(self.public_url, rauthy_name)}

    def reset_kinds(self) -> None:
        self.kinds = KindsState.fresh()

    def check_api_key(self, name: str, secret: str) -> ApiKey | str:
        """The key, or why not: ``"missing"``, ``"expired"``, ``"invalid"`` (Rauthy's order)."""
        key = self.api_keys.get(name)
        if key is None:
            return "missing"
        if key.expires is not None and key.expires < time.time():
            return "expired"
        given = hashlib.sha256(secret.encode()).digest()
        return key if hmac.compare_digest(given, key.secret_sha256) else "invalid"

    # --- persistence ---------------------------------------------------------------------

    def changed(self) -> None:
        """Call with ``lock`` held after a mutation; returns a snapshot to write later."""
        self._version += 1

    def persist(self) -> None:
        """Write the current state if needed. Call without ``lock`` held."""
        if self._path is None:
            return
        with self.lock:
            version, snapshot = self._version, self._snapshot()
        with self._write_lock:
            if version <= self._written:
                return  # a newer snapshot is already on disk
            _atomic_write(self._path, json.dumps(snapshot, indent=1).encode())
            self._written = version

    def _snapshot(self) -> dict[str, Any]:
        return {
            "clients": [dataclasses.asdict(c) for c in self.clients.values()],
            "kinds": self.kinds.to_json(),
            "api_keys": [
                {
                    "name": k.name,
                    "secret": k.secret,
                    "expires": k.expires,
                    "access": {g: sorted(r) for g, r in k.access.items()},
                }
                for k in self.api_keys.values()
            ],
        }

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = {f.name for f in dataclasses.fields(Client)}
        for raw in data.get("clients", []):
            client = Client(**{k: val for k, val in raw.items() if k in fields})
            client.cached_secrets = [(s, float(t)) for s, t in client.cached_secrets]
            if client.id == "rauthy":
                # Rauthy resets its own client at every start; only the name survives.
                client = rauthy_client(self.public_url, client.name or "Rauthy")
            self.clients[client.id] = client
        if isinstance(data.get("kinds"), dict):
            self.kinds = KindsState.from_json(data["kinds"])
        for raw in data.get("api_keys", []):
            key = make_api_key(raw["name"], raw["access"], raw.get("expires"), raw["secret"])
            self.api_keys[key.name] = key


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
