"""What a Rauthy client looks like on the wire (spec rauthy-api.md §4.2-4.4).

Shared by validation and planning; pure data, no I/O.
"""

from __future__ import annotations

from typing import Any, Final

#: Keys of ``ClientResponse`` in Rauthy's serialisation order. Drift is reported in this order.
FIELD_ORDER: Final[tuple[str, ...]] = (
    "id",
    "name",
    "enabled",
    "confidential",
    "redirect_uris",
    "post_logout_redirect_uris",
    "allowed_origins",
    "flows_enabled",
    "access_token_alg",
    "id_token_alg",
    "auth_code_lifetime",
    "access_token_lifetime",
    "scopes",
    "default_scopes",
    "challenges",
    "force_mfa",
    "client_uri",
    "contacts",
    "backchannel_logout_uri",
    "restrict_group_prefix",
    "claims",
    "claims_at_root",
    "allowed_resources",
    "default_aud",
    "scim",
)

KNOWN_FIELDS: Final[frozenset[str]] = frozenset(FIELD_ORDER)

#: Fields ``UpdateClientRequest`` requires. Left out of a payload they keep their live value.
REQUIRED_ON_PUT: Final[frozenset[str]] = frozenset(
    {
        "confidential",
        "redirect_uris",
        "enabled",
        "flows_enabled",
        "access_token_alg",
        "id_token_alg",
        "auth_code_lifetime",
        "access_token_lifetime",
        "scopes",
        "default_scopes",
        "force_mfa",
    }
)

#: Optional on PUT: omitted or null clears them (PUT is a full replacement).
OPTIONAL_ON_PUT: Final[frozenset[str]] = KNOWN_FIELDS - REQUIRED_ON_PUT - {"id"}

#: The only fields ``POST /clients`` (``NewClientRequest``) takes.
CREATE_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "name",
    "confidential",
    "redirect_uris",
    "post_logout_redirect_uris",
)

#: What a new client gets from Rauthy (``impl Default for Client``, v0.20 to HEAD).
CREATE_DEFAULTS: Final[dict[str, Any]] = {
    "enabled": True,
    "flows_enabled": ["authorization_code"],
    "access_token_alg": "EdDSA",
    "id_token_alg": "EdDSA",
    "auth_code_lifetime": 60,
    "access_token_lifetime": 1800,
    "scopes": ["openid", "email", "profile", "groups"],
    "default_scopes": ["openid"],
    "challenges": ["S256"],
    "force_mfa": False,
}

LIST_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "redirect_uris",
        "post_logout_redirect_uris",
        "allowed_origins",
        "flows_enabled",
        "scopes",
        "default_scopes",
        "challenges",
        "contacts",
        "allowed_resources",
        "default_aud",
    }
)
BOOL_FIELDS: Final[frozenset[str]] = frozenset(
    {"enabled", "confidential", "force_mfa", "claims_at_root"}
)
INT_FIELDS: Final[frozenset[str]] = frozenset({"auth_code_lifetime", "access_token_lifetime"})
STRING_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "id",
        "name",
        "access_token_alg",
        "id_token_alg",
        "client_uri",
        "backchannel_logout_uri",
        "restrict_group_prefix",
    }
)
OBJECT_FIELDS: Final[frozenset[str]] = frozenset({"claims", "scim"})

SCOPE_FIELDS: Final[frozenset[str]] = frozenset({"scopes", "default_scopes"})

FLOWS: Final[tuple[str, ...]] = (
    "authorization_code",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
    "password",
    "refresh_token",
)
ALGORITHMS: Final[tuple[str, ...]] = ("RS256", "RS384", "RS512", "EdDSA")
CHALLENGES: Final[tuple[str, ...]] = ("plain", "S256")
LIFETIME_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "auth_code_lifetime": (10, 300),
    "access_token_lifetime": (10, 86400),
}

#: The built-in admin-UI client; Rauthy refuses to delete it.
BUILTIN_CLIENT: Final[str] = "rauthy"
