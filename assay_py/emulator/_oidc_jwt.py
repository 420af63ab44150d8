"""Rauthy's JWTs: ``{"alg","kid","typ":"JWT"}`` header, compact JSON claims, and the checks
(and messages) Rauthy applies when a token comes back to it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ._keys import KeyPair, KeyStore

TOKEN_LEN_LIMIT = 4096  # Rauthy's default `token_len_limit`


class JwtError(Exception):
    """A Rauthy error for a token that does not validate: ``(status, error, message)``."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if "=" in text:
        raise ValueError("padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict[str, Any], pair: KeyPair) -> str:
    header = f'{{"alg":"{pair.alg}","kid":"{pair.kid}","typ":"JWT"}}'
    body = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    signing_input = b64url(header.encode()) + "." + b64url(body.encode())
    return signing_input + "." + b64url(pair.sign(signing_input.encode("ascii")))


def verify(
    token: str,
    keys: KeyStore,
    issuer: str,
    now: float,
    expected_typ: str | None,
    skew: int = 0,
) -> dict[str, Any]:
    """The claims of a token this emulator signed, checked in Rauthy's order."""
    if len(token) > TOKEN_LEN_LIMIT:
        raise JwtError(400, "BadRequest", "JWT token input too long")
    parts = token.split(".")
    if len(parts) < 2:
        what = "header" if not parts[0] else "claims"
        raise JwtError(400, "BadRequest", f"Cannot deserialize JWT Token {what}")
    if len(parts) == 2:
        raise JwtError(400, "BadRequest", "Cannot deserialize JWT Token signature")
    if len(parts) > 3:
        raise JwtError(400, "BadRequest", "Invalid JWT token format")
    try:
        header = json.loads(_unb64url(parts[0]))
        alg, kid, typ = header["alg"], header["kid"], header["typ"]
    except (ValueError, binascii.Error, KeyError, TypeError):
        raise JwtError(400, "BadRequest", "Cannot deserialize JWT Token header") from None
    if typ != "JWT":
        raise JwtError(400, "BadRequest", "Invalid JWT Header `typ`")
    pair = keys.find(str(kid))
    if pair is None:
        raise JwtError(404, "NotFound", "no rows returned")
    if pair.alg != alg:
        raise JwtError(400, "BadRequest", "Invalid JWT Header `alg` does not match `kid`")
    try:
        signature = _unb64url(parts[2])
    except (ValueError, binascii.Error):
        raise JwtError(400, "BadRequest", "Malformed token") from None
    if not pair.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
        raise JwtError(401, "Unauthorized", "Invalid JWT Token signature")
    claims: dict[str, Any] = json.loads(_unb64url(parts[1]))
    _check_times(claims, issuer, now, expected_typ, skew)
    return claims


def _check_times(
    claims: dict[str, Any], issuer: str, now: float, expected_typ: str | None, skew: int
) -> None:
    t = int(now)
    if claims["iat"] - skew > t:
        raise JwtError(401, "JwtToken", "Token was issued in the future")
    if claims["exp"] + skew < t:
        raise JwtError(401, "JwtToken", "Token has expired")
    if claims["nbf"] - skew > t:
        raise JwtError(401, "JwtToken", "Token is not valid yet")
    if expected_typ is not None and claims.get("typ") != expected_typ:
        raise JwtError(401, "JwtToken", "Invalid `typ`")
    if claims.get("iss") != issuer:
        raise JwtError(401, "JwtToken", "Invalid `iss`")
