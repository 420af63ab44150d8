"""Upstream auth providers (``/providers``), keyed by the name a human chose.

Only Rauthy 0.36 lets an API key manage them (access group ``AuthProviders``); 0.35.2 serves
every ``/providers`` admin route to an admin session only, and answers an API key with 401
``No valid session``, which this module turns into an error saying so.

Rauthy's quirks this module absorbs:
- the list is ``POST /providers``, a create is ``POST /providers/create``, a ``PUT`` answers
  an empty body, and there is no read of one provider;
- names are not unique in Rauthy: the file's name is the key, and a live twin is warned of;
- ``scope`` is served ``+``-joined although ``+`` is not allowed going in: it is compared
  as a set of words and always sent space-joined;
- ``client_secret`` is served back in clear on every read, and a ``PUT`` without it erases
  it. The file names it only by reference; it is compared by digest, never shown in a plan,
  error or repr, and every ``PUT`` carries it;
- an update refuses a secret with neither ``client_secret_basic`` nor ``client_secret_post``
  although a create accepts it: both are checked before anything is sent.

``typ`` picks the defaults of the fields an entry leaves out, as Rauthy's admin UI fills its
form for that type (``github``: GitHub's endpoints, ``google``: what Google's discovery
document gives; ``oidc``/``custom``: the form's generic defaults, endpoints to be given).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import RauthyError, RauthyNotOffered, RauthyUnauthorized, RauthyValidationError
from ..validate import _NAME, _URI, _rule_name
from ._base import Change, Violation, json_equal
from ._secret_ref import SecretValue, reference_problems, resolve_reference

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "FIELDS",
    "KEY",
    "PRESETS",
    "TYPES",
    "ProviderChange",
    "ProvidersApi",
    "check",
    "checked",
    "desired_view",
    "live_view",
    "plan",
    "public_row",
]

KEY = "auth_providers"
TYPES = ("custom", "github", "google", "oidc")
SECRET = "client_secret"
RENAMED_FROM = "renamed_from"
#: Rauthy reserves this issuer for its own ATProto provider (created from its config).
ATPROTO = "atproto"
HIDDEN = "<hidden>"
HIDDEN_NEW = "<hidden: another value>"
VERSION_HINT = (
    "upstream auth providers need Rauthy 0.36 or later: 0.35.2 serves /providers to an admin"
    " session only, never to an API key"
)

URIS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_endpoint",
    "client_id",
    "admin_claim_path",
    "admin_claim_value",
    "mfa_claim_path",
    "mfa_claim_value",
)
OPTIONAL = frozenset(
    {"jwks_endpoint", "admin_claim_path", "admin_claim_value", "mfa_claim_path", "mfa_claim_value"}
)
BOOLS = (
    "enabled",
    "use_pkce",
    "client_secret_basic",
    "client_secret_post",
    "auto_onboarding",
    "auto_link",
)
#: Every ``ProviderRequest`` field but the name, in Rauthy's order; all are compared.
FIELDS = (
    "typ",
    "enabled",
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_endpoint",
    "use_pkce",
    "client_secret_basic",
    "client_secret_post",
    "auto_onboarding",
    "auto_link",
    "client_id",
    SECRET,
    "scope",
    "admin_claim_path",
    "admin_claim_value",
    "mfa_claim_path",
    "mfa_claim_value",
)
_REQUIRED_URIS = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint")

#: The admin UI's form defaults for a new provider.
_FORM: dict[str, Any] = {
    "enabled": True,
    "use_pkce": True,
    "client_secret_basic": True,
    "client_secret_post": False,
    "auto_onboarding": False,
    "auto_link": False,
    "scope": [],
}
#: What a ``typ`` fills in, over the form defaults.
PRESETS: dict[str, dict[str, Any]] = {
    "oidc": {},
    "custom": {},
    # The UI's fixed GitHub template (GitHub has no discovery document).
    "github": {
        "issuer": "github.com",
        "authorization_endpoint": "https://github.com/login/oauth/authorize",
        "token_endpoint": "https://github.com/login/oauth/access_token",
        "userinfo_endpoint": "https://api.github.com/user",
        "use_pkce": False,
        "client_secret_basic": True,
        "client_secret_post": True,
        "scope": ["user:email"],
        "mfa_claim_path": "$.two_factor_authentication",
        "mfa_claim_value": "true",
    },
    # What the UI's lookup of accounts.google.com fills in (it keeps basic over post and
    # sends no jwks_endpoint).
    "google": {
        "issuer": "https://accounts.google.com",
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
        "use_pkce": True,
        "client_secret_basic": True,
        "client_secret_post": False,
        "scope": ["openid", "profile", "email"],
    },
}
_SCOPE_WORD = re.compile(r"[a-zA-Z0-9\-_/:*.]+")
_SCOPE_MAX = 512
_SECRET_MAX = 256

Row = dict[str, Any]


# --- validation ------------------------------------------------------------------------------


def _filled(entry: Mapping[str, Any]) -> Row:
    """The entry over its type's defaults (an unknown type: the form's defaults). An
    explicit null clears an optional field the type would fill."""
    typ = entry.get("typ")
    preset = PRESETS.get(typ, {}) if isinstance(typ, str) else {}
    return {**_FORM, **preset, **entry}


def check(entry: Any) -> list[Violation]:
    """Everything wrong with one provider entry, with Rauthy's rules, before any request; no
    I/O but the secret reference's existence (its value is never named)."""
    if not isinstance(entry, Mapping):
        return [("", f"expected a mapping (a provider), got {type(entry).__name__}")]
    found: list[Violation] = []
    allowed = {"name", *FIELDS, RENAMED_FROM}
    for key in entry:
        if key not in allowed:
            found.append((str(key), f"unknown field; known: {', '.join(sorted(allowed))}"))
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        found.append(("name", "required: " + _rule_name()))
    old = entry.get(RENAMED_FROM)
    if old is not None and (not isinstance(old, str) or not old or old == name):
        found.append((RENAMED_FROM, "must be the old name, a non-empty string unlike name"))
    typ = entry.get("typ")
    if typ not in TYPES:
        found.append(("typ", f"required: one of {', '.join(TYPES)}"))
    full = _filled(entry)
    for key in BOOLS:
        if not isinstance(full.get(key), bool):
            found.append((key, "must be a boolean"))
    for key in URIS:
        value = full.get(key)
        if value is None:
            if key not in OPTIONAL:
                why = f"for typ {typ}" if typ in ("oidc", "custom") else "here"
                found.append((key, f"required {why}: a string matching {_URI.pattern}"))
        elif not isinstance(value, str) or not _URI.fullmatch(value):
            extra = " (leave it out for none)" if value == "" and key in OPTIONAL else ""
            found.append((key, f"must be a string matching {_URI.pattern}{extra}"))
    if full.get("issuer") == ATPROTO:
        found.append(("issuer", f"'{ATPROTO}' is reserved by Rauthy"))
    found.extend(_scope_problems(full.get("scope")))
    secret = entry.get(SECRET)
    if secret is not None and not isinstance(secret, SecretValue):
        found.extend(reference_problems(secret, SECRET))
    elif isinstance(secret, SecretValue) and len(secret.reveal()) > _SECRET_MAX:
        found.append((SECRET, f"at most {_SECRET_MAX} characters"))
    if full.get("use_pkce") is False and secret is None:
        found.append(("use_pkce", "false needs a client_secret (Rauthy: confidential or PKCE)"))
    sends = full.get("client_secret_basic") or full.get("client_secret_post")
    if secret is not None and not sends:
        found.append(
            (SECRET, "needs client_secret_basic or client_secret_post true (Rauthy's update rule)")
        )
    return found


def _scope_problems(value: Any) -> list[Violation]:
    words = _scope_words(value)
    if words is None:
        return [("scope", "must be a list of scope names or one space-separated string")]
    for word in words:
        if not _SCOPE_WORD.fullmatch(word):
            return [("scope", f"'{word}' must match [a-zA-Z0-9-_/:*.]+ (Rauthy: no '+' or ',')")]
    if len(" ".join(words)) > _SCOPE_MAX:
        return [("scope", f"at most {_SCOPE_MAX} characters joined with spaces")]
    return []


def _scope_words(value: Any) -> builtins.list[str] | None:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [w for v in value for w in v.split()]
    return None


def checked(entry: Mapping[str, Any]) -> Row:
    """The entry with its secret resolved (a :class:`SecretValue`), or
    ``RauthyValidationError`` naming every violation (never a secret)."""
    found = check(entry)
    if found:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid provider: {listed}")
    out = dict(entry)
    secret = out.get(SECRET)
    if secret is not None and not isinstance(secret, SecretValue):
        out[SECRET] = resolved = resolve_reference(secret, SECRET)
        if len(resolved.reveal()) > _SECRET_MAX:
            raise RauthyValidationError(
                [(SECRET, f"at most {_SECRET_MAX} characters")],
                f"rauthy: invalid provider: {SECRET}: at most {_SECRET_MAX} characters",
            )
    return out


# --- views -----------------------------------------------------------------------------------


def desired_view(entry: Mapping[str, Any]) -> Row:
    """Every compared field of a checked entry, type defaults filled (the secret apart)."""
    full = _filled(entry)
    out: Row = {}
    for key in FIELDS:
        if key == SECRET:
            continue
        value = full.get(key)
        out[key] = sorted(set(_scope_words(value) or [])) if key == "scope" else value
    return out


def live_view(row: Mapping[str, Any]) -> Row:
    """A ``ProviderResponse`` (normalised by :func:`normalise_row`) in the compared shape."""
    out: Row = {}
    for key in FIELDS:
        if key == SECRET:
            continue
        value = row.get(key)
        if key == "scope":
            value = sorted(set(_scope_words(value) or []))
        elif key in OPTIONAL and value == "":
            value = None
        out[key] = value
    return out


def normalise_row(row: Mapping[str, Any]) -> Row:
    """A ``ProviderResponse`` as held in memory: ``scope`` as words (Rauthy serves it
    ``+``-joined), the clear secret wrapped so no repr or dump shows it."""
    out = dict(row)
    scope = out.get("scope")
    if isinstance(scope, str):
        out["scope"] = [w for w in re.split(r"[+\s]+", scope) if w]
    secret = out.get(SECRET)
    if isinstance(secret, str):
        out[SECRET] = SecretValue(secret) if secret else None
    return out


def public_row(row: Mapping[str, Any]) -> Row:
    """What ``list``/``get`` give a script: the row without its secret, and whether one is
    set (Rauthy would show it in clear)."""
    out = {k: v for k, v in row.items() if k != SECRET}
    out["client_secret_set"] = row.get(SECRET) is not None
    return out


def body(entry: Mapping[str, Any]) -> Row:
    """The complete ``ProviderRequest`` for a checked entry; the secret stays wrapped until
    the request is sent."""
    full = _filled(entry)
    out: Row = {"name": entry["name"]}
    for key in FIELDS:
        value = full.get(key)
        if key == "scope":
            value = " ".join(_scope_words(value) or [])
        out[key] = value
    return out


# --- plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderChange(Change):
    """A provider's decision; ``linked`` are the e-mails of users linked to it (deletes)."""

    linked: tuple[str, ...] = field(default=(), repr=False)


def _secret_of(value: Any) -> SecretValue | None:
    return value if isinstance(value, SecretValue) else None


def _decide(entry: Row, row: Mapping[str, Any] | None, reason: str | None = None) -> Change:
    name = str(entry["name"])
    after = desired_view(entry)
    wanted = _secret_of(entry.get(SECRET))
    shown_after = {**after, SECRET: HIDDEN if wanted else None}
    if row is None:
        return Change(KEY, name, "create", after=shown_after, body=body(entry), reason=reason)
    before = live_view(row)
    live = _secret_of(row.get(SECRET))
    secret_differs = (wanted is None) != (live is None) or (
        wanted is not None and not wanted.same_as(live)
    )
    drift = [
        k
        for k in FIELDS
        if (secret_differs if k == SECRET else not json_equal(after[k], before.get(k)))
    ]
    old_name = str(row.get("name"))
    if old_name != name:
        drift.insert(0, "name")
    if not drift:
        return Change(KEY, name, "noop", id=str(row["id"]))
    before_shown = {**before, "name": old_name, SECRET: HIDDEN if live else None}
    after_shown = {**after, "name": name, SECRET: None}
    if wanted is not None:
        after_shown[SECRET] = HIDDEN_NEW if SECRET in drift and live else HIDDEN
    return Change(
        KEY,
        name,
        "put",
        drift=tuple(drift),
        before=before_shown,
        after=after_shown,
        body=body(entry),
        id=str(row["id"]),
        reason=reason,
        renamed_from=old_name if old_name != name else None,
    )


def plan(
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    prune: bool = False,
) -> builtins.list[Change]:
    """Pure: create / put / noop per desired provider, and the prune deletes.

    ``desired`` entries are checked here (a secret reference is resolved: the only thing
    read). ``live`` rows are ``ProviderResponse`` objects. ``renamed_from`` renames in place
    (users link to a provider by its id, so a rename must keep it). The ``ATProto`` provider
    Rauthy makes from its own config is never pruned.
    """
    entries = [checked(e) for e in desired]
    rows = [normalise_row(r) for r in live]
    by_name: dict[str, Row] = {}
    copies: dict[str, int] = {}
    for row in rows:
        by_name.setdefault(str(row.get("name")), row)
        copies[str(row.get("name"))] = copies.get(str(row.get("name")), 0) + 1
    wanted = [str(e["name"]) for e in entries]
    dupes = sorted({n for n in wanted if wanted.count(n) > 1})
    if dupes:
        raise RauthyValidationError(
            [("name", f"duplicate provider '{n}'") for n in dupes],
            f"rauthy: duplicate provider {', '.join(repr(n) for n in dupes)}"
            " (Rauthy does not keep names unique; the file must)",
        )
    changes: list[Change] = []
    used: set[str] = set()
    for entry in entries:
        name = str(entry["name"])
        match = by_name.get(name)
        old = entry.get(RENAMED_FROM)
        reason = None
        if match is None and isinstance(old, str) and old in by_name and old not in wanted:
            match, reason = by_name[old], f"renamed in place from '{old}'"
        if match is not None:
            used.add(str(match.get("name")))
        change = _decide(entry, match, reason)
        twins = copies.get(str(match.get("name")), 0) if match is not None else 0
        if match is not None and twins > 1:
            text = f"Rauthy holds {twins} providers named '{match.get('name')}'"
            change = replace(change, warnings=(*change.warnings, text + "; the first is managed"))
        changes.append(change)
    if prune:
        for name, row in by_name.items():
            if name in wanted or name in used or _is_builtin(row):
                continue
            changes.append(_delete(row, reason=f"absent from the file (prune {KEY})"))
    return changes


def _is_builtin(row: Mapping[str, Any]) -> bool:
    return row.get("issuer") == ATPROTO


def _delete(row: Mapping[str, Any], *, reason: str) -> Change:
    return ProviderChange(
        KEY,
        str(row.get("name")),
        "delete",
        before={**live_view(row), SECRET: HIDDEN if row.get(SECRET) else None},
        id=str(row["id"]),
        reason=reason,
        side_effects=(
            "on a Postgres backend Rauthy's provider delete fails (HTTP 500: a Rauthy bug)",
        ),
    )


def with_linked(change: Change, linked: Sequence[str]) -> Change:
    """A planned delete told which users ``delete_safe`` reports as linked to it."""
    if not linked:
        return change
    text = (
        f"{len(linked)} linked user(s) lose their link: {', '.join(linked)} (an account with"
        " neither password nor passkey can no longer sign in)"
    )
    return ProviderChange(
        change.kind,
        change.name,
        change.action,
        before=change.before,
        id=change.id,
        reason=change.reason,
        side_effects=(text, *change.side_effects),
        linked=tuple(linked),
    )


# --- the API ---------------------------------------------------------------------------------


class ProvidersApi:
    """``c.providers``: list, get, create, update, delete, reconcile, lookup (Rauthy 0.36+)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    # -- reading ------------------------------------------------------------------------------

    def rows(self) -> builtins.list[Row]:
        """Every provider as Rauthy lists them, secrets wrapped (for plans; one request)."""
        data = self._call("POST", "/providers").json()
        if not isinstance(data, builtins.list):
            raise RauthyError("rauthy POST /providers: expected a JSON array", method="POST")
        rows = [normalise_row(r) for r in data if isinstance(r, Mapping)]
        for row in rows:
            secret = _secret_of(row.get(SECRET))
            if secret is not None:
                self._t.add_secret(secret.reveal())  # never in a later error text
        return rows

    def list(self) -> builtins.list[Row]:
        """Every provider, sorted by name, without its secret (``client_secret_set`` says
        whether one is set)."""
        return [public_row(r) for r in self.rows()]

    def get(self, name: str) -> Row | None:
        """The provider called ``name`` (no secret), or None (one list request)."""
        row = self._find(self.rows(), name)
        return public_row(row) if row is not None else None

    def linked_users(self, name: str) -> builtins.list[str]:
        """E-mails of the users linked to the provider (``delete_safe``)."""
        row = self._find(self.rows(), name)
        return [] if row is None else self.linked_ids(str(row["id"]))

    def linked_ids(self, provider_id: str) -> builtins.list[str]:
        path = "/providers/" + quote(provider_id, safe="") + "/delete_safe"
        response = self._call("GET", path, allow=frozenset({406}))
        data = response.json() if response.content else []
        users = data if isinstance(data, builtins.list) else []
        return sorted(str(u.get("email")) for u in users if isinstance(u, Mapping))

    def lookup(
        self, issuer: str | None = None, *, metadata_url: str | None = None
    ) -> dict[str, Any]:
        """What Rauthy discovers at ``issuer`` (or ``metadata_url``): endpoints, scope, PKCE
        and client-auth support, as ``POST /providers/lookup`` answers."""
        found: list[Violation] = []
        for key, value in (("issuer", issuer), ("metadata_url", metadata_url)):
            if value is not None and (not isinstance(value, str) or not _URI.fullmatch(value)):
                found.append((key, f"must be a string matching {_URI.pattern}"))
        if issuer is None and metadata_url is None:
            found.append(("issuer", "give issuer or metadata_url"))
        if found:
            listed = "; ".join(f"{f}: {r}" for f, r in found)
            raise RauthyValidationError(found, f"rauthy: providers.lookup: {listed}")
        body_: Row = {"issuer": issuer, "metadata_url": metadata_url}
        data = self._call("POST", "/providers/lookup", body=body_).json()
        return dict(data) if isinstance(data, Mapping) else {}

    # -- writing ------------------------------------------------------------------------------

    def create(self, entry: Mapping[str, Any]) -> Row:
        """Create the provider (refused when one of that name exists: Rauthy would make a
        twin); answers it without its secret."""
        desired = checked(entry)
        if self._find(self.rows(), str(desired["name"])) is not None:
            raise RauthyValidationError(
                [("name", "a provider of this name exists")],
                f"rauthy: a provider named '{desired['name']}' exists (use update or reconcile)",
            )
        return public_row(self._post(body(desired)))

    def update(self, name: str, entry: Mapping[str, Any]) -> Row:
        """PUT ``entry`` (a full replacement, the secret included) on the provider now called
        ``name``; ``entry["name"]`` may rename it in place."""
        desired = checked(entry)
        found = self._find(self.rows(), name)
        if found is None:
            raise RauthyError(f"rauthy: no provider named '{name}'")
        self._put(str(found["id"]), body(desired))
        got = self._find(self.rows(), str(desired["name"]))
        return public_row(got) if got is not None else {}

    def delete(self, name: str, *, force: bool = False) -> bool:
        """Delete the provider; False when there is none. Refused while users are linked to
        it (they would lose their sign-in) unless ``force``; never the ATProto provider."""
        row = self._find(self.rows(), name)
        if row is None:
            return False
        if _is_builtin(row):
            raise RauthyValidationError(
                [("name", "the ATProto provider comes from Rauthy's config")],
                f"rauthy: refusing to delete '{name}': Rauthy manages it from its config",
            )
        if not force:
            linked = self.linked_ids(str(row["id"]))
            if linked:
                raise RauthyValidationError(
                    [("name", f"{len(linked)} user(s) are linked to it")],
                    f"rauthy: refusing to delete provider '{name}': linked users"
                    f" {', '.join(linked)} would lose their sign-in (force=True deletes anyway)",
                )
        self.delete_id(str(row["id"]))
        return True

    def delete_id(self, provider_id: str) -> None:
        self._call("DELETE", "/providers/" + quote(provider_id, safe=""))

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one provider on ``entry``: ``{action, drift_on?, drift?, warnings?}``
        (``client_secret`` may be named in ``drift``; its value never appears)."""
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        desired = checked(entry)  # before any request
        (change,) = plan([desired], self.rows())
        if dry_run:
            return {**change.to_dict(), "planned": True}
        self.execute(change)
        return change.to_dict()

    # -- used by the engine -------------------------------------------------------------------

    def execute(self, change: Change) -> None:
        """Send the request of one decided change."""
        if change.action == "create":
            assert change.body is not None
            self._post(change.body)
        elif change.action == "put":
            assert change.body is not None and change.id is not None
            self._put(change.id, change.body)
        elif change.action == "delete":
            assert change.id is not None
            self.delete_id(change.id)

    def _post(self, wrapped: Row) -> Row:
        from .._transport import Retry

        answer = self._call(
            "POST", "/providers/create", body=self._wire(wrapped), retry=Retry.UNSENT_ONLY
        )
        data = answer.json() if answer.content else {}
        return normalise_row(data) if isinstance(data, Mapping) else {}

    def _put(self, provider_id: str, wrapped: Row) -> None:
        self._call("PUT", "/providers/" + quote(provider_id, safe=""), body=self._wire(wrapped))

    def _wire(self, wrapped: Row) -> Row:
        out = dict(wrapped)
        secret = _secret_of(out.get(SECRET))
        if secret is not None:
            self._t.add_secret(secret.reveal())
            out[SECRET] = secret.reveal()
        return out

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._t.request(method, path, **kwargs)
        except RauthyUnauthorized as exc:
            if "no valid session" not in exc.message.lower():
                raise
            raise RauthyNotOffered(
                f"{exc.message} ({VERSION_HINT})",
                method=exc.method,
                path=exc.path,
                status=exc.status,
                error=exc.error,
            ) from None

    @staticmethod
    def _find(rows: Sequence[Row], name: str) -> Row | None:
        return next((r for r in rows if r.get("name") == name), None)

    def __repr__(self) -> str:
        return "ProvidersApi(/providers)"
