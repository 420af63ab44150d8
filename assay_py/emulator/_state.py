"""The emulator's database: clients in insertion order, API keys, optional JSON persistence.

One lock guards everything. Persistence writes a snapshot to a temporary file next to the
target and ``os.replace``s it, so a crash never leaves a half-written state file. The file
holds client secrets and API-key secrets (it is a dev database), so it is created 0600.

A kill between the temporary file's creation and the replace leaves that file behind. Its name
carries the writer's process id (``.<name>.<pid>.<random>.tmp``), so the next start removes
those of processes that are gone (its own pid included: in a container the new emulator may
have the old one's), and leaves alone a file another live emulator is writing.

A state file that cannot be used (unreadable, not JSON, not the shape written here) is a
``StateFileError`` naming the file and the entry; no value from the file is quoted, since it
holds secrets.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
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
    #: The access list as it was sent (``POST``/``PUT /api_keys``), answered back as it is;
    #: ``access`` holds its first entry per group, the only one Rauthy checks.
    listed: list[dict[str, Any]] | None = None

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


class StateFileError(ValueError):
    """A ``state_file`` that cannot be used; the message names the file and what is wrong."""


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
        if self._path is not None:
            _remove_stale_temporaries(self._path)
            if self._path.exists():
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
                    **({"listed": k.listed} if k.listed is not None else {}),
                }
                for k in self.api_keys.values()
            ],
        }

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise StateFileError(f"state file {path}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise StateFileError(f"state file {path}: cannot read it: {reason}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateFileError(
                f"state file {path}: not valid JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno}"
            ) from None
        except (ValueError, RecursionError):  # a number too long, nesting too deep
            raise StateFileError(f"state file {path}: not valid JSON as written here") from None
        try:
            clients, keys = _parse_state(data, self.public_url)
            kinds = _parse_kinds(data.get("kinds"))
        except _ShapeError as exc:
            raise StateFileError(f"state file {path}: {exc}") from None
        self.clients.update(clients)
        self.api_keys.update(keys)
        if kinds is not None:
            self.kinds = kinds


class _ShapeError(Exception):
    pass


# Field annotations of Client -> (accepted Python types, None allowed). Stored files are ours,
# so this only has to tell a file written here from anything else.
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "bool": (bool,),
    "int": (int,),
    "list[str]": (list,),
    "dict[str, Any]": (dict,),
    "list[tuple[str, float]]": (list,),
}


def _check_field(where: str, annotation: str, value: Any) -> None:
    base, _, optional = annotation.partition(" | ")
    if value is None and optional:
        return
    types = _TYPES[base]
    wrong_bool = isinstance(value, bool) and bool not in types
    if not isinstance(value, types) or wrong_bool:
        raise _ShapeError(f"{where}: expected {base}{' or null' if optional else ''}")
    items: list[Any] = value if isinstance(value, list) else []
    if base == "list[str]" and not all(isinstance(item, str) for item in items):
        raise _ShapeError(f"{where}: expected a list of strings")
    if base == "list[tuple[str, float]]":
        for item in items:
            pair_ok = isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
            if not pair_ok or not isinstance(item[1], (int, float)) or isinstance(item[1], bool):
                raise _ShapeError(f"{where}: expected [secret, unix time] pairs")


def _parse_state(data: Any, public_url: str) -> tuple[dict[str, Client], dict[str, ApiKey]]:
    if not isinstance(data, dict):
        raise _ShapeError("expected a JSON object with lists 'clients' and 'api_keys'")
    raw_clients, raw_keys = data.get("clients", []), data.get("api_keys", [])
    for name, value in (("clients", raw_clients), ("api_keys", raw_keys)):
        if not isinstance(value, list):
            raise _ShapeError(f"{name}: expected a list")
    annotations = {f.name: str(f.type) for f in dataclasses.fields(Client)}
    clients: dict[str, Client] = {}
    for index, raw in enumerate(raw_clients):
        where = f"clients[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise _ShapeError(f"{where}: expected an object with a string 'id'")
        known = {k: val for k, val in raw.items() if k in annotations}
        for name, value in known.items():
            _check_field(f"{where}.{name}", annotations[name], value)
        client = Client(**known)
        client.cached_secrets = [(s, float(t)) for s, t in client.cached_secrets]
        if client.id == "rauthy":
            # Rauthy resets its own client at every start; only the name survives.
            client = rauthy_client(public_url, client.name or "Rauthy")
        clients[client.id] = client
    keys: dict[str, ApiKey] = {}
    for index, raw in enumerate(raw_keys):
        where = f"api_keys[{index}]"
        if not isinstance(raw, dict):
            raise _ShapeError(f"{where}: expected an object")
        key_name, secret, access = raw.get("name"), raw.get("secret"), raw.get("access")
        expires = raw.get("expires")
        if not isinstance(key_name, str) or not isinstance(secret, str):
            raise _ShapeError(f"{where}: expected string 'name' and 'secret'")
        if not isinstance(access, dict) or not all(isinstance(r, list) for r in access.values()):
            raise _ShapeError(f"{where}.access: expected an object of lists of rights")
        if expires is not None and (
            isinstance(expires, bool) or not isinstance(expires, (int, float))
        ):
            raise _ShapeError(f"{where}.expires: expected unix seconds or null")
        try:
            key = make_api_key(key_name, access, expires, secret)
        except (ValueError, TypeError) as exc:
            raise _ShapeError(f"{where}: {exc}") from None
        listed = raw.get("listed")
        if isinstance(listed, list):
            key.listed = listed
        keys[key.name] = key
    return clients, keys


def _parse_kinds(data: Any) -> KindsState | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _ShapeError("kinds: expected an object")
    try:
        return KindsState.from_json(data)
    except (TypeError, ValueError, KeyError, AttributeError):
        raise _ShapeError("kinds: not the shape this emulator writes") from None


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temporaries(path: Path) -> None:
    """Remove temporary files that a killed writer of ``path`` left (see the module doc)."""
    prefix = _temporary_prefix(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return  # no folder yet, or not listable: nothing we could clean
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].partition(".")[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue  # another emulator on the same file is writing it now
        with contextlib.suppress(OSError):
            (path.parent / name).unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from before a restart under the same pid: nothing writes yet
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f"{_temporary_prefix(path)}{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
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
