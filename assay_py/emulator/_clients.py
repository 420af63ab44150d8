"""Rauthy clients: request fields, validation, defaults on create, full-replacement update and
the ``ClientResponse`` serialisation (key order as Rauthy's)."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _validation as v
from ._jsonbody import Field

SCOPES_TABLE = ("email", "openid", "profile", "groups", "address", "phone")
_ALNUM = string.ascii_letters + string.digits


def is_head(version: str) -> bool:
    """True for the 0.36 nightly behaviour; everything else behaves as 0.35.2."""
    return version.startswith("0.36")


def random_secret() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(64))


@dataclass
class Client:
    id: str
    name: str | None = None
    enabled: bool = True
    confidential: bool = False
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] | None = None
    allowed_origins: list[str] | None = None
    flows_enabled: list[str] = field(default_factory=lambda: ["authorization_code"])
    access_token_alg: str = "EdDSA"
    id_token_alg: str = "EdDSA"
    auth_code_lifetime: int = 60
    access_token_lifetime: int = 1800
    scopes: list[str] = field(default_factory=lambda: ["openid", "email", "profile", "groups"])
    default_scopes: list[str] = field(default_factory=lambda: ["openid"])
    challenges: list[str] | None = field(default_factory=lambda: ["S256"])
    force_mfa: bool = False
    client_uri: str | None = None
    contacts: list[str] | None = None
    backchannel_logout_uri: str | None = None
    restrict_group_prefix: str | None = None
    claims: dict[str, Any] | None = None
    claims_at_root: bool = False
    allowed_resources: list[str] | None = None
    default_aud: list[str] | None = None
    scim: dict[str, Any] | None = None
    # Not part of any response: the live secret and rotated ones still accepted until a time.
    secret: str | None = field(default=None, repr=False)
    cached_secrets: list[tuple[str, float]] = field(default_factory=list, repr=False)


_RESPONSE_ORDER = (
    ("id", False),
    ("name", True),
    ("enabled", False),
    ("confidential", False),
    ("redirect_uris", False),
    ("post_logout_redirect_uris", True),
    ("allowed_origins", True),
    ("flows_enabled", False),
    ("access_token_alg", False),
    ("id_token_alg", False),
    ("auth_code_lifetime", False),
    ("access_token_lifetime", False),
    ("scopes", False),
    ("default_scopes", False),
    ("challenges", True),
    ("force_mfa", False),
    ("client_uri", True),
    ("contacts", True),
    ("backchannel_logout_uri", True),
    ("restrict_group_prefix", True),
)
_HEAD_RESPONSE_ORDER = (
    ("claims", True),
    ("claims_at_root", False),
    ("allowed_resources", True),
    ("default_aud", True),
)


def to_response(client: Client, version: str, with_scim: bool) -> dict[str, Any]:
    order = _RESPONSE_ORDER + (_HEAD_RESPONSE_ORDER if is_head(version) else ())
    out: dict[str, Any] = {}
    for name, optional in order:
        value = getattr(client, name)
        if not (optional and value is None):
            out[name] = list(value) if isinstance(value, list) else value
    if with_scim and client.scim is not None:
        out["scim"] = dict(client.scim)
    return out


# --- POST /clients ---------------------------------------------------------------------------

NEW_CLIENT_FIELDS = (
    Field("id", "string", True),
    Field("name", "string"),
    Field("confidential", "bool", True),
    Field("redirect_uris", "strings", True),
    Field("post_logout_redirect_uris", "strings"),
)


def validate_new(body: dict[str, Any], version: str) -> v.Errors:
    errors = v.Errors()
    errors.regex("id", v.RE_CLIENT_ID_STRICT if is_head(version) else v.RE_CLIENT_ID, body["id"])
    errors.regex("name", v.RE_CLIENT_NAME, body.get("name"))
    errors.each("redirect_uris", v.RE_URI, body["redirect_uris"])
    errors.each("post_logout_redirect_uris", v.RE_URI, body.get("post_logout_redirect_uris"))
    return errors


def _trimmed(uris: list[str] | None) -> list[str] | None:
    if uris is None:
        return None
    kept = [u.strip() for u in uris if u.strip()]
    return kept


def new_client(body: dict[str, Any]) -> Client:
    post_logout = _trimmed(body.get("post_logout_redirect_uris"))
    confidential: bool = body["confidential"]
    return Client(
        id=body["id"],
        name=body.get("name"),
        confidential=confidential,
        redirect_uris=_trimmed(body["redirect_uris"]) or [],
        post_logout_redirect_uris=post_logout or None,
        secret=random_secret() if confidential else None,
    )


# --- PUT /clients/{id} -----------------------------------------------------------------------

_UPDATE_FIELDS = (
    Field("name", "string"),
    Field("confidential", "bool", True),
    Field("redirect_uris", "strings", True),
    Field("post_logout_redirect_uris", "strings"),
    Field("allowed_origins", "strings"),
    Field("enabled", "bool", True),
    Field("flows_enabled", "strings", True),
    Field("access_token_alg", "alg", True),
    Field("id_token_alg", "alg", True),
    Field("auth_code_lifetime", "i32", True),
    Field("access_token_lifetime", "i32", True),
    Field("scopes", "strings", True),
    Field("default_scopes", "strings", True),
    Field("challenges", "strings"),
    Field("force_mfa", "bool", True),
    Field("client_uri", "string"),
    Field("contacts", "strings"),
    Field("backchannel_logout_uri", "string"),
    Field("restrict_group_prefix", "string"),
    Field("scim", "scim"),
)
_HEAD_UPDATE_FIELDS = (
    Field("claims", "any"),
    Field("claims_at_root", "bool"),
    Field("allowed_resources", "strings"),
    Field("default_aud", "strings"),
)


def update_fields(version: str) -> tuple[Field, ...]:
    if is_head(version):
        return _UPDATE_FIELDS + _HEAD_UPDATE_FIELDS
    return (Field("id", "string", True), *_UPDATE_FIELDS)


def validate_update(body: dict[str, Any], version: str) -> v.Errors:
    errors = v.Errors()
    if not is_head(version):
        errors.regex("id", v.RE_CLIENT_ID, body["id"])
    errors.regex("name", v.RE_CLIENT_NAME, body.get("name"))
    errors.each("redirect_uris", v.RE_URI, body["redirect_uris"])
    errors.each("post_logout_redirect_uris", v.RE_URI, body.get("post_logout_redirect_uris"))
    errors.each("allowed_origins", v.RE_ORIGIN, body.get("allowed_origins"))
    if not body["flows_enabled"]:
        errors.add("flows_enabled", "length", body["flows_enabled"], min=1)
    errors.each("flows_enabled", v.RE_FLOW, body["flows_enabled"])
    errors.range("auth_code_lifetime", body["auth_code_lifetime"], 10, 300)
    errors.range("access_token_lifetime", body["access_token_lifetime"], 10, 86400)
    errors.each("scopes", v.RE_SCOPE, body["scopes"])
    errors.each("default_scopes", v.RE_SCOPE, body["default_scopes"])
    challenges = body.get("challenges")
    if challenges == []:
        errors.add("challenges", v.CHALLENGES_EMPTY, challenges)
    errors.each("challenges", v.RE_CHALLENGE, challenges)
    errors.regex("client_uri", v.RE_URI, body.get("client_uri"))
    errors.each("contacts", v.RE_CONTACT, body.get("contacts"))
    errors.regex("backchannel_logout_uri", v.RE_URI, body.get("backchannel_logout_uri"))
    errors.regex("restrict_group_prefix", v.RE_GROUPS, body.get("restrict_group_prefix"))
    scim = body.get("scim")
    if scim is not None:
        nested = v.Errors()
        nested.regex("bearer_token", v.RE_URI, scim["bearer_token"])
        nested.regex("base_uri", v.RE_URI, scim["base_uri"])
        nested.regex("group_sync_prefix", v.RE_GROUPS, scim.get("group_sync_prefix"))
        errors.nest("scim", nested)
    if is_head(version):
        claims = body.get("claims")
        if claims is not None and not isinstance(claims, dict):
            errors.add("claims", "claims must be a JSON object")
        elif claims is not None and len(_compact_json(claims)) > 1024:
            errors.add("claims", "claims must not exceed 1024 bytes")
        errors.each("allowed_resources", v.RE_RESOURCE, body.get("allowed_resources"))
        errors.each("default_aud", v.RE_RESOURCE, body.get("default_aud"))
    return errors


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def sanitize_scopes(requested: list[str], table: Sequence[str] = SCOPES_TABLE) -> list[str]:
    """Unknown names dropped, scopes-table order, ``openid`` ensured (prepended)."""
    wanted = set(requested)
    kept = [name for name in table if name in wanted]
    if not any("openid" in name for name in kept):
        kept.insert(0, "openid")
    return kept


def _none_if_empty(values: list[str] | None) -> list[str] | None:
    return values or None


def apply_update(
    client: Client, body: dict[str, Any], version: str, scope_table: Sequence[str] = SCOPES_TABLE
) -> None:
    """Full replacement: every optional field left out (or null) is cleared."""
    confidential: bool = body["confidential"]
    if confidential and not client.confidential:
        client.secret = random_secret()
    elif not confidential:
        client.secret = None
        client.cached_secrets = []
    client.confidential = confidential
    client.name = body.get("name")
    client.enabled = body["enabled"]
    client.redirect_uris = list(body["redirect_uris"])
    client.post_logout_redirect_uris = _none_if_empty(body.get("post_logout_redirect_uris"))
    client.allowed_origins = _none_if_empty(body.get("allowed_origins"))
    client.flows_enabled = list(body["flows_enabled"])
    client.access_token_alg = body["access_token_alg"]
    client.id_token_alg = body["id_token_alg"]
    client.auth_code_lifetime = body["auth_code_lifetime"]
    client.access_token_lifetime = body["access_token_lifetime"]
    client.scopes = sanitize_scopes(body["scopes"], scope_table)
    client.default_scopes = sanitize_scopes(body["default_scopes"], scope_table)
    client.challenges = body.get("challenges")
    client.force_mfa = body["force_mfa"]
    client.client_uri = body.get("client_uri")
    client.contacts = _none_if_empty(body.get("contacts"))
    client.backchannel_logout_uri = body.get("backchannel_logout_uri")
    client.restrict_group_prefix = body.get("restrict_group_prefix")
    scim = body.get("scim")
    client.scim = None if scim is None else {k: val for k, val in scim.items() if val is not None}
    if is_head(version):
        client.claims = body.get("claims")
        client.claims_at_root = body.get("claims_at_root", False)
        client.allowed_resources = _none_if_empty(body.get("allowed_resources"))
        client.default_aud = _none_if_empty(body.get("default_aud"))


def rauthy_client(public_url: str, name: str = "Rauthy") -> Client:
    """The admin-UI client Rauthy resets at every start (only ``name`` survives)."""
    return Client(
        id="rauthy",
        name=name,
        confidential=False,
        redirect_uris=[f"{public_url}/auth/v1/oidc/callback"],
        post_logout_redirect_uris=[f"{public_url}/auth/v1/"],
        auth_code_lifetime=10,
        access_token_lifetime=10,
        scopes=["openid"],
        default_scopes=["openid"],
        challenges=["S256"],
        force_mfa=True,  # ADMIN_FORCE_MFA defaults to true
        client_uri=public_url,
    )
