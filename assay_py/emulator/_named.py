"""The emulator's scopes, roles, groups, attribute definitions and (minimal) users.

Rauthy keeps memberships as comma-joined strings and edits them with substring operations
(spec rauthy-resources.md §1.1). The helpers here reproduce those operations exactly, hazards
included, so tests can show the tool never triggers them.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Attr", "KindsState", "Named", "Provider", "Scope", "User", "csv_remove", "new_id"]

_ALNUM = string.ascii_letters + string.digits
# The seeded policy (spec rauthy-resources.md §9.2).
DEFAULT_POLICY: dict[str, Any] = {
    "length_min": 14,
    "length_max": 128,
    "include_lower_case": 1,
    "include_upper_case": 1,
    "include_digits": 1,
    "include_special": None,
    "valid_days": 180,
    "not_recently_used": 3,
}
DEFAULT_SCOPES = ("email", "openid", "profile", "groups", "address", "phone")


def new_id() -> str:
    """Rauthy's store ids: 24 random alphanumerics."""
    return "".join(secrets.choice(_ALNUM) for _ in range(24))


def csv_remove(csv: str, name: str) -> str:
    """Rauthy's removal of one name from a CSV: by the first substring match, then replace.

    ``"openid,read_all"`` minus ``"read"`` is ``"openid_all"``, as in Rauthy.
    """
    at = csv.find(name)
    if at < 0:
        return csv
    if at == 0:
        return csv.replace(name + ",", "") if len(csv) > len(name) else ""
    return csv.replace("," + name, "")


@dataclass
class Scope:
    id: str
    name: str
    attr_include_access: str | None = None
    attr_include_id: str | None = None
    claims_at_root: bool = False


@dataclass
class Named:
    """A role or a group; ``meta`` is kept as parsed JSON (Rauthy stores its bytes)."""

    id: str
    name: str
    meta: Any = None


@dataclass
class Attr:
    name: str
    desc: str | None = None
    default_value: Any = None
    typ: str | None = None
    user_editable: bool = False


@dataclass
class User:
    """A user row: CSV memberships as Rauthy stores them (role/group hazards touch those),
    the profile the ``/users`` routes serve, and the per-user attribute values."""

    id: str
    email: str
    roles: str = ""
    groups: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    language: str = "en"
    enabled: bool = True
    email_verified: bool = False
    user_expires: int | None = None
    created_at: int = 0
    #: Whether a password was set (never the password: the emulator checks the policy only).
    password_set: bool = False
    preferred_username: str | None = None
    user_values: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    #: The upstream provider the account signs in with (``ON DELETE SET NULL``).
    auth_provider_id: str | None = None


@dataclass
class Provider:
    """An upstream auth provider row: ``scope`` as stored (``+``-joined), the secret as sent
    (Rauthy encrypts it at rest and serves it decrypted)."""

    id: str
    fields: dict[str, Any]


@dataclass
class KindsState:
    scopes: list[Scope] = field(default_factory=list)
    roles: list[Named] = field(default_factory=list)
    groups: list[Named] = field(default_factory=list)
    attrs: list[Attr] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    #: What Rauthy would have e-mailed (``{to, template, link}``), oldest first.
    mails: list[dict[str, Any]] = field(default_factory=list)
    #: The password policy (``PasswordPolicyResponse`` fields; None = rule off).
    password_policy: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    #: Client themes by client id (``ThemeRequestResponse`` bodies).
    themes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Client logos by client id: ``{content_type, data}`` (base64 of what is served).
    logos: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Blocked IPs (canonical text) and when each block ends (unix seconds).
    blacklist: dict[str, int] = field(default_factory=dict)
    providers: list[Provider] = field(default_factory=list)

    @classmethod
    def fresh(cls) -> KindsState:
        """A fresh production database's rows (``2_init_data.sql``)."""
        from ._branding import seed_logos

        return cls(
            scopes=[Scope(new_id(), name) for name in DEFAULT_SCOPES],
            roles=[Named(new_id(), name) for name in ("admin", "user", "rauthy_admin")],
            groups=[Named(new_id(), name) for name in ("user", "admin")],
            logos=seed_logos(),
        )

    def scope_names(self) -> list[str]:
        return [s.name for s in self.scopes]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KindsState:
        return cls(
            scopes=[Scope(**row) for row in data.get("scopes", [])],
            roles=[Named(**row) for row in data.get("roles", [])],
            groups=[Named(**row) for row in data.get("groups", [])],
            attrs=[Attr(**row) for row in data.get("attrs", [])],
            users=[User(**row) for row in data.get("users", [])],
            mails=list(data.get("mails", [])),
            password_policy=dict(data.get("password_policy", DEFAULT_POLICY)),
            themes=dict(data.get("themes", {})),
            logos=dict(data["logos"]) if "logos" in data else _seed_logos(),
            blacklist={str(ip): int(exp) for ip, exp in data.get("blacklist", {}).items()},
            providers=[Provider(**row) for row in data.get("providers", [])],
        )


def _seed_logos() -> dict[str, dict[str, str]]:
    from ._branding import seed_logos

    return seed_logos()
