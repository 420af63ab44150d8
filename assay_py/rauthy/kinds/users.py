"""Users (``/users``), keyed by e-mail (lower-cased before comparing).

Rauthy's ``POST /users`` always e-mails a set-your-password link, takes no ``enabled``,
``email_verified`` or password, and a ``PUT`` with the default config fails without
``given_name`` and clears what it leaves out. So a create is ``POST`` then one ``PATCH`` for
what the POST cannot carry, and an update is one ``PATCH`` of the drifted fields only.

A field a file entry leaves out is not managed: its live value is kept and never compared.
An initial password comes only by reference (``{env: VAR}`` or ``{file: PATH}``), is resolved
at apply time, sent only at creation and never compared, stored in a plan or shown.

Users assay-py creates carry the attribute ``assay_managed: true`` (the definition is created
when missing); prune ``managed`` deletes only those; no prune deletes a federated user. A
plan (prune, role change or disable) that would leave no enabled holder of ``rauthy_admin``
is refused before anything is sent: Rauthy itself has no such guard on users.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from ..errors import RauthyError, RauthyValidationError
from ._base import Change, Violation, check_json, json_equal, reference_list
from .roles import ADMIN_ROLE

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "ATTRIBUTES",
    "FIELDS",
    "MARKER",
    "PruneMode",
    "UserChange",
    "UsersApi",
    "admin_loss",
    "attribute_names",
    "check",
    "checked",
    "plan",
    "refuse_admin_loss",
    "resolve_password",
]

KEY = "users"
MARKER = "assay_managed"
#: Rauthy's ``Language`` enum; 0.36 adds ``nl`` (0.35.2 refuses it when the user is written).
LANGUAGES = ("de", "en", "fr", "ko", "nb", "nl", "ru", "uk", "zhhans")
USER_EXPIRES_MIN = 1719784800
#: Compared fields, in plan order.
FIELDS = (
    "given_name",
    "family_name",
    "language",
    "enabled",
    "email_verified",
    "roles",
    "groups",
    "user_expires",
    "preferred_username",
)
PASSWORD = "initial_password"
#: Per-user values of custom attributes (``{name: JSON value}``; null or "" removes one).
ATTRIBUTES = "attributes"
_ATTR = re.compile("[a-zA-Z0-9-_/]{2,32}")
_RE_ATTR = "^[a-zA-Z0-9-_/]{2,32}$"
PruneMode = Literal[False, "managed", "all"]

_WS = "\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CJK = (
    "\u3041-\u3096\u30a0-\u30ff\u3400-\u4db5\u4e00-\u9fcb\uf900-\ufa6a\u2e80-\u2fd5"
    "\uff66-\uff9f\uffa1-\uffdc\u31f0-\u31ff"
)
_PERSON = re.compile(f"[a-zA-Z0-9\u00c0-\u024f\\-'{_WS}{_CJK}]{{1,32}}")
_RE_PERSON = "^[a-zA-Z0-9À-ɏ-'\\s<CJK>]{1,32}$"
_ROLE = re.compile("[a-zA-Z0-9-_/,:*.]{2,64}")
_GROUP = re.compile(f"[a-zA-Z0-9\\-_/,:*{_WS}]{{2,64}}")
_PREFERRED = re.compile("[a-zA-Z0-9][a-zA-Z0-9-.]*[a-zA-Z0-9]")
_RE_PREFERRED = "^[a-zA-Z0-9][a-zA-Z0-9-.]*[a-zA-Z0-9]$"
# Rauthy's check is the validator crate's; this is its shape: one @, a dotted domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Row = dict[str, Any]


# --- validation ------------------------------------------------------------------------------


def check(entry: Any) -> list[Violation]:
    """Everything wrong with one user entry, with Rauthy's rules; no I/O but the password
    reference's existence (an unset variable or missing file is named, its value never)."""
    if not isinstance(entry, Mapping):
        return [("", f"expected a mapping (a user), got {type(entry).__name__}")]
    found: list[Violation] = []
    allowed = {"email", *FIELDS, PASSWORD, ATTRIBUTES}
    for key in entry:
        if key not in allowed:
            found.append((str(key), f"unknown field; known: {', '.join(sorted(allowed))}"))
    email = entry.get("email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email):
        found.append(("email", "required: an e-mail address"))
    for name in ("given_name", "family_name"):
        value = entry.get(name)
        if value is not None and (not isinstance(value, str) or not _PERSON.fullmatch(value)):
            found.append((name, f"must be a string matching {_RE_PERSON}"))
    language = entry.get("language")
    if language is not None and language not in LANGUAGES:
        found.append(("language", f"must be one of {', '.join(LANGUAGES)} (nl: Rauthy 0.36+)"))
    for name in ("enabled", "email_verified"):
        if entry.get(name) is not None and not isinstance(entry[name], bool):
            found.append((name, "must be a boolean"))
    for name, pattern, shown in (
        ("roles", _ROLE, "^[a-zA-Z0-9-_/,:*.]{2,64}$"),
        ("groups", _GROUP, "^[a-zA-Z0-9-_/,:*\\s]{2,64}$"),
    ):
        found.extend(_names(entry.get(name), name, pattern, shown))
    expires = entry.get("user_expires")
    if expires is not None and (
        not isinstance(expires, int) or isinstance(expires, bool) or expires < USER_EXPIRES_MIN
    ):
        found.append(("user_expires", f"must be a unix time (integer) >= {USER_EXPIRES_MIN}"))
    preferred = entry.get("preferred_username")
    if preferred is not None and (
        not isinstance(preferred, str) or not _PREFERRED.fullmatch(preferred)
    ):
        found.append(("preferred_username", f"must be a string matching {_RE_PREFERRED}"))
    if PASSWORD in entry:
        found.extend(_password_problems(entry[PASSWORD]))
    if ATTRIBUTES in entry:
        found.extend(_attribute_problems(entry[ATTRIBUTES]))
    return found


def _attribute_problems(values: Any) -> list[Violation]:
    if values == []:
        return []  # an empty Lua table arrives as a list
    if not isinstance(values, Mapping):
        return [(ATTRIBUTES, "must be a mapping {attribute: value} (null removes a value)")]
    found: list[Violation] = []
    for key, value in values.items():
        where = f"{ATTRIBUTES}.{key}"
        if not isinstance(key, str) or not _ATTR.fullmatch(key):
            found.append((where, f"attribute names must match {_RE_ATTR}"))
        elif key == MARKER:
            found.append((where, "is assay-py's mark of the users it created; not settable"))
        else:
            found.extend(check_json(value, where))
    return found


def attribute_names(entry: Mapping[str, Any]) -> builtins.list[str]:
    """The attributes an entry gives a value (the definitions that must exist)."""
    values = entry.get(ATTRIBUTES) or {}
    return sorted(str(k) for k, v in values.items() if v is not None and v != "")


def _names(value: Any, name: str, pattern: re.Pattern[str], shown: str) -> list[Violation]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [(name, "must be a list of strings")]
    for item in value:
        if not pattern.fullmatch(item):
            return [(name, f"'{item}' must match {shown}")]
        if "," in item:
            return [(name, f"'{item}' must not contain ',' (Rauthy joins names with commas)")]
    return []


def _password_problems(ref: Any) -> list[Violation]:
    where = PASSWORD
    if not isinstance(ref, Mapping) or len(ref) != 1 or next(iter(ref)) not in ("env", "file"):
        # Never echo the value: a literal password here must not reach an error message.
        return [(where, "must be a reference {env: VAR} or {file: PATH}, never a literal")]
    kind, target = next(iter(ref.items()))
    if not isinstance(target, str) or not target:
        return [(f"{where}.{kind}", "must be a non-empty string")]
    if kind == "env" and not os.environ.get(target):
        return [(f"{where}.env", f"environment variable {target} is not set or empty")]
    if kind == "file" and not Path(target).is_file():
        return [(f"{where}.file", f"{target} is not a readable file")]
    return []


def checked(entry: Mapping[str, Any]) -> Row:
    """``entry`` as a dict, or ``RauthyValidationError`` naming every violation."""
    found = check(entry)
    if found:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid user: {listed}")
    return dict(entry)


def resolve_password(ref: Mapping[str, Any]) -> str:
    """The password a reference points at (a file's trailing newline dropped)."""
    kind, target = next(iter(ref.items()))
    if kind == "env":
        value = os.environ.get(str(target), "")
    else:
        value = Path(str(target)).read_text(encoding="utf-8").rstrip("\r\n")
    if not value:
        raise RauthyValidationError(
            [(f"{PASSWORD}.{kind}", "is empty")], f"rauthy: {PASSWORD}.{kind} {target} is empty"
        )
    return value


# --- views -----------------------------------------------------------------------------------


def email_of(entry: Mapping[str, Any]) -> str:
    return str(entry["email"]).lower()


def desired_view(entry: Mapping[str, Any]) -> Row:
    """The compared fields the entry states (left out: not managed)."""
    out: Row = {}
    for name in FIELDS:
        if name not in entry:
            continue
        value = entry[name]
        if name in ("roles", "groups"):
            value = reference_list(value)
        elif name in ("given_name", "family_name", "preferred_username"):
            value = value or None
        out[name] = value
    for key, value in sorted((entry.get(ATTRIBUTES) or {}).items()):
        out[f"{ATTRIBUTES}.{key}"] = None if value == "" else value
    return out


def live_view(row: Mapping[str, Any]) -> Row:
    """A ``UserResponse`` in the compared shape."""
    values = row.get("user_values") or {}
    attributes = {f"{ATTRIBUTES}.{k}": v for k, v in sorted((row.get(ATTRIBUTES) or {}).items())}
    return {
        **attributes,
        "given_name": row.get("given_name") or None,
        "family_name": row.get("family_name") or None,
        "language": row.get("language"),
        "enabled": row.get("enabled"),
        "email_verified": row.get("email_verified"),
        "roles": reference_list(row.get("roles")),
        "groups": reference_list(row.get("groups")),
        "user_expires": row.get("user_expires"),
        "preferred_username": values.get("preferred_username") or None,
    }


def post_body(entry: Mapping[str, Any]) -> Row:
    """``NewUserRequest``: what a create can carry (``language`` and ``roles`` are required)."""
    body: Row = {
        "email": email_of(entry),
        "language": entry.get("language") or "en",
        "roles": list(entry.get("roles") or []),
    }
    for name in ("given_name", "family_name", "user_expires"):
        if entry.get(name) is not None:
            body[name] = entry[name]
    if entry.get("groups"):
        body["groups"] = list(entry["groups"])
    return body


def patch_ops(after: Mapping[str, Any], names: Iterable[str]) -> Row:
    """``{put, del}`` setting ``names`` to their ``after`` values (None: delete)."""
    put: list[Row] = []
    delete: list[str] = []
    for name in names:
        if name == "preferred_username" or name.startswith(f"{ATTRIBUTES}."):
            continue  # their own routes
        value = after.get(name)
        if value is None and name in ("given_name", "family_name", "user_expires", "groups"):
            delete.append(name)
        else:
            put.append({"key": name, "value": [] if value is None else value})
    return {"put": put, "del": delete}


# --- plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserChange(Change):
    """A user's decision. ``body`` is the POST body (create); ``patch`` the PATCH body."""

    patch: Row | None = field(default=None, repr=False)
    #: ``preferred_username`` to set after the POST/PATCH ("" removes it).
    preferred_username: str | None = None
    #: The entry's password reference (never the password); sent once, after the POST.
    password_ref: Mapping[str, Any] | None = field(default=None, repr=False)
    #: Attribute values to ``PUT /users/{id}/attr`` (None: remove), last.
    attributes: Row | None = None


def plan(
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    prune: PruneMode | bool = False,
    admin_guard: bool = True,
) -> list[UserChange]:
    """Pure: create / put / noop per desired user, and the prune deletes.

    ``live`` rows are ``UserResponse`` objects; a row may carry ``assay_managed: true``
    (read from its attribute values) for prune ``managed``. ``prune=True`` means
    ``managed``; ``"all"`` deletes every live user the file does not list; federated users
    are never pruned. A plan that would leave no enabled holder of ``rauthy_admin`` (when one
    exists now) is refused with ``RauthyValidationError``; ``admin_guard=False`` is for
    callers that pass only some live users and judge the whole instance themselves.
    """
    entries = [checked(e) for e in desired]
    by_email = {str(r.get("email", "")).lower(): r for r in live}
    changes: list[UserChange] = []
    seen: set[str] = set()
    for entry in entries:
        email = email_of(entry)
        if email in seen:
            raise RauthyValidationError(
                [("email", f"duplicate user {email}")], f"rauthy: duplicate user {email}"
            )
        seen.add(email)
        changes.append(_decide(entry, by_email.get(email)))
    mode: PruneMode = "managed" if prune is True else prune
    if mode:
        changes.extend(_prune(live, seen, mode))
    if admin_guard:
        refuse_admin_loss(admin_loss(entries, live, changes))
    return changes


def _decide(entry: Mapping[str, Any], row: Mapping[str, Any] | None) -> UserChange:
    email = email_of(entry)
    after = desired_view(entry)
    if row is None:
        follow = [n for n in ("enabled", "email_verified") if n in after]
        follow = [n for n in follow if after[n] != {"enabled": True, "email_verified": False}[n]]
        ops = patch_ops(after, follow)
        ref = entry.get(PASSWORD)
        effects = [f"Rauthy e-mails {email} a link to set a password (POST /users always does)"]
        if after.get("enabled") is False:
            effects.append("the account is enabled from the POST until the PATCH disables it")
        values = {k: v for k, v in _attribute_values(after, after).items() if v is not None}
        return UserChange(
            KEY,
            email,
            "create",
            after=after,
            body=post_body(entry),
            patch=ops if ops["put"] or ops["del"] else None,
            preferred_username=after.get("preferred_username"),
            password_ref=ref,
            attributes=values or None,
            side_effects=tuple(effects),
            reason="initial password set once, from a reference" if ref else None,
        )
    if ATTRIBUTES in entry and ATTRIBUTES not in row:
        # Judging values not read would plan them as new on every run.
        raise ValueError(f"the live row of {email} lacks its attribute values ({ATTRIBUTES})")
    before = live_view(row)
    drift = tuple(n for n in after if not json_equal(after[n], before.get(n)))
    warnings: tuple[str, ...] = ()
    if PASSWORD in entry:
        warnings = (f"{PASSWORD} is only sent when the user is created; never compared",)
    if not drift:
        return UserChange(KEY, email, "noop", id=str(row["id"]), warnings=warnings)
    ops = patch_ops(after, drift)
    preferred = None
    if "preferred_username" in drift:
        preferred = after.get("preferred_username") or ""
    return UserChange(
        KEY,
        email,
        "put",
        drift=drift,
        before={n: before.get(n) for n in after},
        after=after,
        id=str(row["id"]),
        patch=ops if ops["put"] or ops["del"] else None,
        preferred_username=preferred,
        warnings=warnings,
        attributes=_attribute_values(after, drift) or None,
    )


def _attribute_values(after: Mapping[str, Any], names: Iterable[str]) -> Row:
    """``{attribute: value}`` for the ``attributes.*`` names among ``names``."""
    prefix = f"{ATTRIBUTES}."
    return {n[len(prefix) :]: after.get(n) for n in names if n.startswith(prefix)}


def _is_admin(roles: Any) -> bool:
    return ADMIN_ROLE in (reference_list(roles) or [])


def _active_admin(roles: Any, enabled: Any) -> bool:
    """Holds ``rauthy_admin`` and can sign in (a disabled admin locks nobody in)."""
    return _is_admin(roles) and enabled is not False


def _prune(
    live: Sequence[Mapping[str, Any]], listed: set[str], mode: PruneMode
) -> list[UserChange]:
    out: list[UserChange] = []
    for row in sorted(live, key=lambda r: str(r.get("email", "")).lower()):
        email = str(row.get("email", "")).lower()
        if email in listed:
            continue
        if row.get("auth_provider_id"):
            continue  # federated: created by logins, not by this tool
        if mode == "managed" and row.get(MARKER) is not True:
            continue
        out.append(
            UserChange(
                KEY,
                email,
                "delete",
                before=live_view(row),
                id=str(row["id"]),
                reason=f"absent from the file (prune users: {mode})",
                side_effects=("Rauthy logs the user's sessions out (back-channel) first",),
            )
        )
    return out


def admin_loss(
    entries: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    changes: Sequence[UserChange],
) -> list[str]:
    """Why no enabled user would hold ``rauthy_admin`` after ``changes`` (one reason per
    admin lost), or ``[]`` when one would, or when none does now (nothing to lose).

    ``live`` must be every user: the guard judges the whole instance, not a page of it.
    """
    by_email = {email_of(e): e for e in entries}
    deleted = {c.name for c in changes if c.action == "delete"}
    reasons: list[str] = []
    now = after = 0
    for row in live:
        email = str(row.get("email", "")).lower()
        was = _active_admin(row.get("roles"), row.get("enabled"))
        now += was
        if email in deleted:
            if was:
                reasons.append(f"{email} is deleted")
            continue
        entry = by_email.get(email, {})
        roles = entry["roles"] if "roles" in entry else row.get("roles")
        enabled = entry["enabled"] if entry.get("enabled") is not None else row.get("enabled")
        if _active_admin(roles, enabled):
            after += 1
        elif was:
            lost = f"loses {ADMIN_ROLE}" if not _is_admin(roles) else "is disabled"
            reasons.append(f"{email} {lost}")
    known = {str(r.get("email", "")).lower() for r in live}
    for email, entry in by_email.items():
        if email not in known and _active_admin(entry.get("roles"), entry.get("enabled")):
            after += 1
    return reasons if now and not after else []


def refuse_admin_loss(reasons: Sequence[str]) -> None:
    """Raise the refusal ``admin_loss`` found grounds for (nothing has been sent)."""
    if not reasons:
        return
    why = "; ".join(reasons)
    raise RauthyValidationError(
        [("roles", f"no enabled user would hold {ADMIN_ROLE} ({why})")],
        f"rauthy: refusing: no enabled user would hold {ADMIN_ROLE} afterwards ({why}); keep"
        f" one: list an enabled user with roles [{ADMIN_ROLE}] in the file, or give the role"
        " to another user first. Nothing was changed",
    )


# --- the API ---------------------------------------------------------------------------------


class UsersApi:
    """``c.users``: list, get (by e-mail), create, update, delete, reconcile."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self) -> builtins.list[Row]:
        """Every user as ``GET /users`` lists them (no roles or groups), all pages."""
        from .._transport import Retry

        rows: builtins.list[Row] = []
        path = "/users"
        for _ in range(100_000):
            response = self._t.request("GET", path, retry=Retry.IDEMPOTENT)
            data = response.json() if response.content else []
            if not isinstance(data, builtins.list):
                raise RauthyError("rauthy GET /users: expected a JSON array", method="GET")
            rows.extend(dict(r) for r in data if isinstance(r, Mapping))
            token = response.headers.get("x-continuation-token")
            if response.status_code != 206 or not token:
                return rows
            path = "/users?continuation_token=" + quote(token, safe="")
        raise RauthyError("rauthy GET /users: pagination did not end")

    def get_id(self, user_id: str) -> Row:
        data = self._t.request("GET", "/users/" + quote(user_id, safe="")).json()
        return dict(data) if isinstance(data, Mapping) else {}

    def get(self, email: str) -> Row | None:
        """The full user (``UserResponse``) with this e-mail, or None."""
        response = self._t.request(
            "GET", "/users/email/" + quote(email.lower(), safe=""), allow=frozenset({404})
        )
        if response.status_code == 404:
            return None
        data = response.json()
        return dict(data) if isinstance(data, Mapping) else None

    def read_all(self, *, parallel: int = 4, values: bool = False) -> builtins.list[Row]:
        """Every user in full (one list plus one GET each, in parallel); with ``values``,
        also each user's attribute values (one more GET each; see ``with_values``)."""
        simple = self.list()
        workers = max(1, min(parallel, len(simple) or 1))

        def full(row: Mapping[str, Any]) -> Row:
            got = self.get_id(str(row["id"]))
            return self.with_values(got) if values else got

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return builtins.list(pool.map(full, simple))

    def values(self, user_id: str) -> Row:
        """Every attribute value of the user, ``assay_managed`` included (``GET .../attr``)."""
        path = "/users/" + quote(user_id, safe="") + "/attr"
        data = self._t.request("GET", path).json()
        items = data.get("values") if isinstance(data, Mapping) else None
        return {
            str(v["key"]): v.get("value")
            for v in items or ()
            if isinstance(v, Mapping) and "key" in v
        }

    def with_values(self, row: Mapping[str, Any]) -> Row:
        """``row`` with its ``attributes`` (the marker left out) and ``assay_managed`` flag,
        as ``plan`` reads them."""
        found = self.values(str(row["id"]))
        marked = found.pop(MARKER, None) is True
        return {**row, ATTRIBUTES: found, MARKER: marked}

    def marker(self, user_id: str) -> bool:
        return self.values(user_id).get(MARKER) is True

    def create(self, entry: Mapping[str, Any]) -> Row:
        """Create the user (Rauthy e-mails it a set-your-password link) and mark it managed."""
        desired = checked(entry)
        self.check_defined([desired])
        (change,) = plan([desired], [])
        return self.execute(change) or {}

    def update(self, email: str, entry: Mapping[str, Any]) -> Row:
        """PATCH the fields ``entry`` states onto the user with ``email``."""
        desired = checked({**entry, "email": email})
        self.check_defined([desired])
        row = self.get(email)
        if row is None:
            raise RauthyError(f"rauthy: no user {email.lower()}")
        if ATTRIBUTES in desired:
            row = self.with_values(row)
        (change,) = plan([desired], [row], admin_guard=False)
        self._guard_admins(desired, row, change)
        return self.execute(change) or row

    def delete(self, email: str) -> bool:
        """Delete the user; False when there is none. The last ``rauthy_admin`` is refused."""
        row = self.get(email)
        if row is None:
            return False
        change = UserChange(KEY, email.lower(), "delete", id=str(row["id"]))
        self._guard_admins(None, row, change)
        self.delete_id(str(row["id"]))
        return True

    def _guard_admins(
        self, entry: Mapping[str, Any] | None, row: Mapping[str, Any], change: UserChange
    ) -> None:
        """Refuse a change that takes the last enabled ``rauthy_admin`` away; every user is
        read only when this one is such an admin and the change would end that."""
        if not _active_admin(row.get("roles"), row.get("enabled")) or change.action == "noop":
            return
        entries = [entry] if entry is not None else []
        if not admin_loss(entries, [row], [change]):
            return
        refuse_admin_loss(admin_loss(entries, self.read_all(), [change]))

    def delete_id(self, user_id: str) -> None:
        self._t.request("DELETE", "/users/" + quote(user_id, safe=""), allow=frozenset({404}))

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one user on ``entry``: ``{action, drift_on?, drift?, side_effects?}``."""
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        desired = checked(entry)
        self.check_defined([desired])
        row = self.get(email_of(desired))
        if row is not None and ATTRIBUTES in desired:
            row = self.with_values(row)
        (change,) = plan([desired], [row] if row else [], admin_guard=False)
        if row is not None:
            self._guard_admins(desired, row, change)
        if dry_run:
            return {**change.to_dict(), "planned": True}
        self.execute(change)
        return change.to_dict()

    def check_defined(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Refuse values for attributes this Rauthy does not define, before any write (Rauthy
        would answer the value's PUT with a foreign-key error, after the user exists)."""
        wanted = {name for e in entries for name in attribute_names(e)}
        if not wanted:
            return
        data = self._t.request("GET", "/users/attr").json()
        items = data.get("values") if isinstance(data, Mapping) else None
        defined = {str(v.get("name")) for v in items or () if isinstance(v, Mapping)}
        unknown = sorted(wanted - defined)
        if unknown:
            raise RauthyValidationError(
                [(f"{ATTRIBUTES}.{n}", "is not a defined user attribute") for n in unknown],
                f"rauthy: no user attribute {', '.join(unknown)} is defined in this Rauthy"
                " (define it first: c.attributes.create)",
            )

    # -- used by the engine -------------------------------------------------------------------

    def ensure_marker(self) -> None:
        """Define ``assay_managed`` when this Rauthy lacks it (no scope maps it: never in
        tokens)."""
        from .._transport import Retry

        data = self._t.request("GET", "/users/attr").json()
        values = data.get("values") if isinstance(data, Mapping) else None
        if any(isinstance(v, Mapping) and v.get("name") == MARKER for v in values or ()):
            return
        body = {"name": MARKER, "desc": "created by assay-py", "user_editable": False}
        self._t.request(
            "POST", "/users/attr", body=body, retry=Retry.UNSENT_ONLY, allow=frozenset({400})
        )

    def execute(self, change: Change, *, marker_ready: bool = False) -> Row | None:
        """Send the requests of one decided change (``marker_ready``: the caller already
        made sure ``assay_managed`` is defined)."""
        assert isinstance(change, UserChange)
        if change.action == "create":
            from .._transport import Retry

            assert change.body is not None
            if not marker_ready:
                self.ensure_marker()
            answer = self._t.request("POST", "/users", body=change.body, retry=Retry.UNSENT_ONLY)
            row = dict(answer.json())
            user_id = str(row["id"])
            # The mark first, with the values: a create stopped later is still prunable.
            self._put_values(user_id, {MARKER: True, **(change.attributes or {})})
            ops = change.patch or {"put": [], "del": []}
            if change.password_ref is not None:
                secret = resolve_password(change.password_ref)
                self._t.add_secret(secret)
                ops = {
                    "put": [*ops["put"], {"key": "password", "value": secret}],
                    "del": ops["del"],
                }
            if ops["put"] or ops["del"]:
                row = self._patch(user_id, ops)
            if change.preferred_username:
                self._preferred(user_id, change.preferred_username)
            return row
        if change.action == "put":
            assert change.id is not None
            patched = self._patch(change.id, change.patch) if change.patch else None
            if change.preferred_username is not None:
                self._preferred(change.id, change.preferred_username)
            if change.attributes:
                self._put_values(change.id, change.attributes)
            return patched
        if change.action == "delete":
            assert change.id is not None
            self.delete_id(change.id)
        return None

    def _put_values(self, user_id: str, values: Mapping[str, Any]) -> None:
        """Upsert per key; a None value removes that key (Rauthy leaves unlisted keys)."""
        body = {"values": [{"key": k, "value": v} for k, v in values.items()]}
        self._t.request("PUT", "/users/" + quote(user_id, safe="") + "/attr", body=body)

    def patch(self, user_id: str, ops: Mapping[str, Any]) -> Row:
        """``PATCH /users/{id}`` with ``{put, del}`` as it is."""
        return self._patch(user_id, ops)

    def _patch(self, user_id: str, ops: Mapping[str, Any]) -> Row:
        answer = self._t.request("PATCH", "/users/" + quote(user_id, safe=""), body=dict(ops))
        data = answer.json() if answer.content else {}
        return dict(data) if isinstance(data, Mapping) else {}

    def _preferred(self, user_id: str, name: str) -> None:
        path = "/users/" + quote(user_id, safe="") + "/self/preferred_username"
        body: Row = {"preferred_username": name or None, "force_overwrite": True}
        self._t.request("PUT", path, body=body)

    def __repr__(self) -> str:
        return "UsersApi(/users)"
