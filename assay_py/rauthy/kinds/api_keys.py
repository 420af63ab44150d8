"""API keys (``/api_keys``), keyed by name; Rauthy 0.36 and later.

Rauthy 0.35.2 lets only an admin session manage API keys (every ``/api_keys`` route but
``/test`` answers an API key 401 "No valid session"); 0.36 adds the ``ApiKeys`` access group
for it. A key's secret is shown once, when it is minted (create, rotation), and can never be
read back: a minted ``name$secret`` goes to the run's publication like a client secret.

Expiry is given relatively (``expires_in: 90d``) and resolved to a unix time only when a key is
created, renewed or its expiry first set, so a plan stays stable: a live expiry is drift only
when the file says "never", when the key never expires but the file wants an expiry, when it is
later than ``now + expires_in`` (the file shortened it), or when it falls within
``renew_before`` (the key is renewed: a new expiry and a new secret).

The key the tool authenticates with is never changed, rotated or deleted: a plan that would is
refused (it would lock itself out mid-run), and prune leaves it alone.
"""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import RauthyError, RauthyUnauthorized, RauthyValidationError
from ._base import Change, Violation, json_equal
from .rights import Rights, missing_rights, parse_access

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "GROUPS",
    "HEAD_GROUPS",
    "NOT_ON_0352",
    "RIGHTS",
    "ApiKeyChange",
    "ApiKeysApi",
    "check",
    "checked",
    "parse_duration",
    "plan",
    "wire_access",
]

KEY = "api_keys"
#: Access groups of Rauthy 0.35.2, in its enum order (bincode stores the position).
GROUPS = (
    "Blacklist",
    "Clients",
    "Events",
    "Generic",
    "Groups",
    "Roles",
    "Secrets",
    "Sessions",
    "Scopes",
    "UserAttributes",
    "Users",
    "Pam",
)
#: Appended by 0.36; a key holding them does not decode on an older Rauthy.
HEAD_GROUPS = ("AuthProviders", "ApiKeys")
ALL_GROUPS = GROUPS + HEAD_GROUPS
RIGHTS = ("read", "create", "update", "delete")
_RE_NAME = "^[a-zA-Z0-9_/-]{2,24}$"
_NAME = re.compile(_RE_NAME[1:-1])
EXP_MIN = 1719784800
FIELDS = ("access", "expires_in", "renew_before")
#: A live expiry this much later than ``now + expires_in`` is still in sync (clock skew, the
#: seconds between minting and planning).
SLACK = 300
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"([1-9][0-9]{0,6})([smhdw])")
#: Ten years: the longest ``expires_in`` (Rauthy has no upper bound; a typo like 9000d is).
MAX_SECONDS = 3650 * 86400
NOT_ON_0352 = (
    "this Rauthy serves /api_keys to admin sessions only (Rauthy 0.35.2 and older): API keys can"
    " manage API keys from Rauthy 0.36 on, with the ApiKeys access group. Upgrade, or create"
    " the key in Rauthy's admin UI (Admin > API Keys) and leave api_keys out of the file"
)

Row = dict[str, Any]
Access = dict[str, builtins.list[str]]


# --- validation ------------------------------------------------------------------------------


def parse_duration(value: Any) -> int | None:
    """Seconds of ``90d``, ``12h``, ``2w``, ``30m``, ``3600s``; None when it is not one."""
    if not isinstance(value, str):
        return None
    found = _DURATION.fullmatch(value.strip())
    if found is None:
        return None
    return int(found[1]) * _UNITS[found[2]]


def check(entry: Any) -> list[Violation]:
    """Everything wrong with one API-key entry, with Rauthy's rules; no I/O."""
    if not isinstance(entry, Mapping):
        return [("", f"expected a mapping (an API key), got {type(entry).__name__}")]
    found: list[Violation] = []
    allowed = {"name", *FIELDS}
    for key in entry:
        if key not in allowed:
            hint = (
                " (expiry is relative here: expires_in: 90d)" if key in ("exp", "expires") else ""
            )
            found.append((str(key), f"unknown field{hint}; known: {', '.join(sorted(allowed))}"))
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        found.append(("name", f"required: a string matching {_RE_NAME}"))
    if "access" not in entry:
        found.append(("access", "required: {Group: [rights]} or [{group, access_rights}]"))
    else:
        found.extend(_access_problems(entry["access"]))
    expires = entry.get("expires_in")
    seconds = None
    if expires is not None:
        seconds = parse_duration(expires)
        if seconds is None:
            found.append(("expires_in", "must be a duration: a number and s, m, h, d or w (90d)"))
        elif not 60 <= seconds <= MAX_SECONDS:
            found.append(("expires_in", f"must be between 1m and {MAX_SECONDS // 86400}d"))
    renew = entry.get("renew_before")
    if renew is not None:
        before = parse_duration(renew)
        if expires is None:
            found.append(("renew_before", "only meaningful with expires_in"))
        elif before is None:
            found.append(("renew_before", "must be a duration: a number and s, m, h, d or w"))
        elif seconds is not None and before >= seconds:
            found.append(("renew_before", "must be shorter than expires_in"))
    return found


def _access_problems(value: Any) -> list[Violation]:
    pairs: list[tuple[str, Any, str]] = []
    if isinstance(value, Mapping):
        pairs = [(str(g), r, f"access.{g}") for g, r in value.items()]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            where = f"access[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"group", "access_rights"}:
                return [(where, "must be a mapping {group, access_rights}")]
            pairs.append((str(item["group"]), item["access_rights"], where))
    else:
        return [("access", "must be {Group: [rights]} or a list of {group, access_rights}")]
    found: list[Violation] = []
    seen: set[str] = set()
    for group, rights, where in pairs:
        if group not in ALL_GROUPS:
            found.append((where, f"unknown group {group!r}; one of {', '.join(ALL_GROUPS)}"))
            continue
        if group in seen:
            # Rauthy honours only the first entry of a group: a second one is silently void.
            found.append((where, f"group {group} appears twice; Rauthy honours only the first"))
        seen.add(group)
        if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
            found.append((where, f"rights must be a list of {', '.join(RIGHTS)}"))
            continue
        wrong = [r for r in rights if r not in RIGHTS]
        if wrong:
            found.append((where, f"unknown right {wrong[0]!r}; one of {', '.join(RIGHTS)}"))
    return found


def checked(entry: Mapping[str, Any]) -> Row:
    """``entry`` as a dict, or ``RauthyValidationError`` naming every violation."""
    found = check(entry)
    if found:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid API key: {listed}")
    return dict(entry)


# --- views -----------------------------------------------------------------------------------


def access_of(value: Any) -> Access:
    """A valid entry's access as ``{group: rights}`` in Rauthy's orders, empty groups left out."""
    pairs: list[tuple[str, Any]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [(item["group"], item["access_rights"]) for item in value or ()]
    out: Access = {}
    for group, rights in pairs:
        listed = [r for r in RIGHTS if r in set(rights or ())]
        if listed and group not in out:
            out[group] = listed
    return {g: out[g] for g in ALL_GROUPS if g in out}


def live_access(row: Mapping[str, Any]) -> Access:
    """What a live key may do: its first entry per group (Rauthy's check), rights ordered."""
    held: Rights = parse_access(row.get("access"))
    return {g: [r for r in RIGHTS if r in held[g]] for g in ALL_GROUPS if held.get(g)}


def wire_access(access: Mapping[str, Sequence[str]]) -> builtins.list[Row]:
    """``[{group, access_rights}]``, one entry per group: the body Rauthy reads right."""
    return [{"group": g, "access_rights": list(r)} for g, r in access.items()]


def _expiry_text(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit} after minting"
    return f"{seconds}s after minting"


def _when(exp: Any) -> str | None:
    if exp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(exp)))


# --- plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKeyChange(Change):
    """An API key's decision. ``access`` and ``expires_in`` are resolved into a body only when
    sent (``body_at(now)``); ``rotate``: a new secret is minted (renewal, publication)."""

    access: Access = field(default_factory=dict)
    expires_in: int | None = None
    #: The live expiry, sent again when the update does not change it.
    keep_exp: int | None = None
    rotate: bool = False
    #: Why the current secret must be published (one reason per destination lacking it).
    publish: tuple[str, ...] = ()

    @property
    def mints(self) -> bool:
        return self.action == "create" or self.rotate

    @property
    def sends_put(self) -> bool:
        return self.action == "put" and bool(self.drift)

    def body_at(self, now: float) -> Row:
        """``ApiKeyRequest`` with the expiry resolved against ``now``."""
        body: Row = {"name": self.name, "access": wire_access(self.access)}
        if self.keep_exp is not None:
            body["exp"] = self.keep_exp  # a PUT without exp would make the key never expire
        elif self.expires_in is not None:
            body["exp"] = max(EXP_MIN, int(now) + self.expires_in)
        return body

    def plan_dict(self) -> dict[str, Any]:
        out = super().plan_dict()
        if self.action == "create":
            out["confidential"] = True  # a secret is minted
        if self.publish:
            out["publish"] = list(self.publish)
        return out


def plan(
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    prune: bool = False,
    in_use: str | None = None,
    now: float | None = None,
) -> list[ApiKeyChange]:
    """Pure: create / put / noop per desired key, and prune deletes (``now``: the clock).

    ``in_use`` is the name of the key making the requests: a plan that would change, rotate
    or delete it raises ``RauthyValidationError``; prune keeps it with a warning.
    """
    clock = time.time() if now is None else now
    entries = [checked(e) for e in desired]
    by_name = {str(r.get("name")): r for r in live}
    changes: list[ApiKeyChange] = []
    seen: set[str] = set()
    for entry in entries:
        name = str(entry["name"])
        if name in seen:
            raise RauthyValidationError(
                [("name", f"duplicate API key {name}")], f"rauthy: duplicate API key {name}"
            )
        seen.add(name)
        change = _decide(entry, by_name.get(name), clock)
        if name == in_use and change.action != "noop":
            raise refused_in_use(name, change.reason or ", ".join(change.drift))
        changes.append(change)
    if prune:
        for name, row in by_name.items():
            if name in seen:
                continue
            if name == in_use:
                changes.append(
                    ApiKeyChange(
                        KEY,
                        name,
                        "noop",
                        id=name,
                        warnings=("kept: the key this run authenticates with is never pruned",),
                    )
                )
                continue
            changes.append(
                ApiKeyChange(
                    KEY,
                    name,
                    "delete",
                    before=_live_view(row),
                    id=name,
                    reason="absent from the file (prune api_keys)",
                    side_effects=(f"requests made with the key '{name}' fail from then on",),
                )
            )
    return changes


def refused_in_use(name: str, what: str) -> RauthyValidationError:
    return RauthyValidationError(
        [("name", f"'{name}' is the API key this run authenticates with")],
        f"rauthy: refusing to change the API key '{name}' ({what}): it is the key this run"
        " authenticates with, and changing, rotating or deleting it would lock the run out"
        " half-way. Apply this with another key, or make the file match the live key",
    )


def _desired_view(access: Access, expires_in: int | None) -> Row:
    return {"access": access, "expires": _expiry_text(expires_in)}


def _live_view(row: Mapping[str, Any]) -> Row:
    return {"access": live_access(row), "expires": _when(row.get("expires")) or "never"}


def _decide(entry: Mapping[str, Any], row: Mapping[str, Any] | None, now: float) -> ApiKeyChange:
    name = str(entry["name"])
    access = access_of(entry["access"])
    seconds = parse_duration(entry.get("expires_in"))
    renew = parse_duration(entry.get("renew_before")) or 0
    after = _desired_view(access, seconds)
    warnings: tuple[str, ...] = ()
    if "ApiKeys" in access and set(access["ApiKeys"]) & {"create", "update"}:
        warnings = (
            "ApiKeys create/update lets this key mint keys with any rights, Secrets included"
            " (Rauthy does not check the granter's own rights)",
        )
    if row is None:
        return ApiKeyChange(
            KEY,
            name,
            "create",
            after=after,
            access=access,
            expires_in=seconds,
            warnings=warnings,
        )
    before = _live_view(row)
    exp = row.get("expires")
    drift: list[str] = []
    if not json_equal(access, before["access"]):
        drift.append("access")
    rotate = False
    reason = None
    keep = None if exp is None else int(exp)
    if seconds is None:
        if exp is not None:
            drift.append("expires")
    elif exp is None:
        drift.append("expires")
        after = {**after, "expires": f"{_when(now + seconds)} ({_expiry_text(seconds)})"}
    elif int(exp) <= now + renew:
        rotate = True
        reason = (
            f"renew: {'expired' if int(exp) <= now else 'expires'} {_when(exp)}; a new secret"
            " is minted and published"
        )
        drift.append("expires")
        after = {**after, "expires": f"{_when(now + seconds)} (renewed)"}
    elif int(exp) > now + seconds + SLACK:
        drift.append("expires")
        after = {**after, "expires": f"{_when(now + seconds)} (shortened)"}
    if not drift:
        return ApiKeyChange(KEY, name, "noop", id=name, access=access, warnings=warnings)
    return ApiKeyChange(
        KEY,
        name,
        "put",
        drift=tuple(drift),
        before=before,
        after=after,
        id=name,
        reason=reason,
        warnings=warnings,
        access=access,
        expires_in=seconds,
        keep_exp=keep if "expires" not in drift else None,
        rotate=rotate,
    )


def with_rotation(change: ApiKeyChange, reasons: tuple[str, ...]) -> ApiKeyChange:
    """``change`` also publishing the key's secret, which cannot be read back: a rotation."""
    from dataclasses import replace

    if change.action in ("create", "delete") or change.rotate:
        return change
    return replace(change, rotate=True, publish=reasons)


# --- the API ---------------------------------------------------------------------------------


class ApiKeysApi:
    """``c.api_keys``: list, get, create, update, delete, rotate, reconcile (Rauthy 0.36), and
    ``test``/``rights``, the key in use's view of itself (every version)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    # -- the key in use -----------------------------------------------------------------------

    def test(self) -> dict[str, Any]:
        """``{name, created, expires, access}`` of the key in use."""
        path = f"/api_keys/{quote(self._t.key_name, safe='')}/test"
        response = self._t.request("GET", path)
        data = _json(response)
        if not isinstance(data, dict):
            raise RauthyError(f"rauthy GET {path}: expected a JSON object", method="GET", path=path)
        return data

    def rights(self) -> Rights:
        """``{group: {right, ...}}`` the key holds."""
        return parse_access(self.test().get("access"))

    def missing(self, needed: Sequence[tuple[str, str]]) -> builtins.list[str]:
        return missing_rights(needed, self.rights())

    # -- CRUD ---------------------------------------------------------------------------------

    def list(self) -> builtins.list[Row]:
        """Every key ``{name, created, expires, access}`` (no secrets: Rauthy keeps hashes)."""
        try:
            response = self._t.request("GET", "/api_keys")
        except RauthyUnauthorized as exc:
            raise _version_error("GET", "/api_keys", exc) from None
        data = _json(response)
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, builtins.list):
            raise RauthyError("rauthy GET /api_keys: expected {keys: [...]}", method="GET")
        return [dict(k) for k in keys if isinstance(k, Mapping)]

    def get(self, name: str) -> Row | None:
        """The key called ``name`` or None (Rauthy has no GET by name: one list call)."""
        return next((r for r in self.list() if r.get("name") == name), None)

    def create(self, entry: Mapping[str, Any]) -> str:
        """Create the key and answer its token ``name$secret``: shown once, keep it safe."""
        (change,) = plan([entry], [], in_use=self._t.key_name)
        token = self.execute(change)
        assert token is not None
        return token

    def update(self, name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Converge the key ``name`` on ``entry`` (access, expiry); the secret is kept unless
        it is renewed. Answers the reconcile shape; ``token`` when one was minted."""
        desired = checked({**entry, "name": name})
        row = self.get(name)
        if row is None:
            raise RauthyError(f"rauthy: no API key named '{name}'")
        (change,) = plan([desired], [row], in_use=self._t.key_name)
        return self._result(change, self.execute(change))

    def rotate(self, name: str) -> str:
        """A new secret for the key ``name`` (the old one dies at once); answers the token."""
        if name == self._t.key_name:
            raise refused_in_use(name, "rotate")
        return self._mint("PUT", f"/api_keys/{quote(_checked_name(name), safe='')}/secret")

    def delete(self, name: str) -> bool:
        """Delete the key; False when there is none. The key in use is refused unsent."""
        if name == self._t.key_name:
            raise refused_in_use(name, "delete")
        if self.get(name) is None:
            return False
        self.delete_name(name)
        return True

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one key on ``entry``: ``{action, drift_on?, drift?, token?}``; ``token``
        (``name$secret``) only when one was minted."""
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        desired = checked(entry)
        row = self.get(str(desired["name"]))
        (change,) = plan([desired], [row] if row else [], in_use=self._t.key_name)
        if dry_run:
            return {**change.to_dict(), "planned": True}
        return self._result(change, self.execute(change))

    # -- used by the engine -------------------------------------------------------------------

    def execute(self, change: Change, *, now: float | None = None) -> str | None:
        """Send the requests of one decided change; the minted token, if any."""
        assert isinstance(change, ApiKeyChange)
        clock = time.time() if now is None else now
        if change.name == self._t.key_name and change.action != "noop":
            raise refused_in_use(change.name, change.action)
        path = "/api_keys/" + quote(change.name, safe="")
        if change.action == "create":
            return self._mint("POST", "/api_keys", body=change.body_at(clock))
        if change.action == "delete":
            self.delete_name(change.name)
            return None
        if change.sends_put:
            self._call("PUT", path, body=change.body_at(clock))
        if change.rotate:
            return self._mint("PUT", path + "/secret")
        return None

    def delete_name(self, name: str) -> None:
        self._call("DELETE", "/api_keys/" + quote(name, safe=""))

    def _mint(self, method: str, path: str, *, body: Row | None = None) -> str:
        from .._transport import Retry

        try:
            response = self._t.request(method, path, body=body, retry=Retry.UNSENT_ONLY)
        except RauthyUnauthorized as exc:
            raise _version_error(method, path, exc) from None
        token = response.text.strip()
        _, dollar, secret = token.partition("$")
        if not dollar or not secret:
            raise RauthyError(
                f"rauthy {method} {path}: expected a text/plain token name$secret",
                method=method,
                path=path,
            )
        self._t.add_secret(secret)  # never in a later error text
        return token

    def _call(self, method: str, path: str, *, body: Row | None = None) -> None:
        try:
            self._t.request(method, path, body=body)
        except RauthyUnauthorized as exc:
            raise _version_error(method, path, exc) from None

    def _result(self, change: ApiKeyChange, token: str | None) -> dict[str, Any]:
        out = change.to_dict()
        if token is not None:
            out["token"] = token
        return out

    def __repr__(self) -> str:
        return "ApiKeysApi(/api_keys)"


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RauthyValidationError(
            [("name", f"must match {_RE_NAME}")], f"rauthy: API key name must match {_RE_NAME}"
        )
    return name


def _version_error(method: str, path: str, exc: RauthyUnauthorized) -> RauthyError:
    # The key itself was accepted (the middleware would have answered first): a 401 here is
    # the route wanting an admin session, which is what 0.35.2 does.
    if "session" in exc.message.lower():
        return RauthyUnauthorized(NOT_ON_0352, method=method, path=path, status=401)
    return exc


def _json(response: Any) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
