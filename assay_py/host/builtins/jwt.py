"""JSON Web Tokens for the ``crypto`` global: ``jwt_sign``, ``jwt_decode``, ``jwt_verify``.

The original signs with Rust's ``jsonwebtoken``; these follow it:

- ``jwt_sign(claims, private_pem, alg?, {kid?})`` signs RS256 (default), RS384 or RS512 with
  an RSA key; the header is ``{"typ":"JWT","alg":..,"kid":..}`` in that order and the claims
  are the compact, key-sorted JSON ``json.encode`` writes.
- ``jwt_decode(token)`` reads header and claims without any check.
- ``jwt_verify(token, key, opts?)`` checks the signature, then the claims: ``exp`` is required
  and checked with 60 seconds of leeway by default; ``nbf`` only with ``validate_nbf``; an
  ``aud`` claim needs ``opts.audience``. ``key`` is an RSA public PEM (``opts.algorithm``,
  RS256 by default) or a JWKS table, whose key is picked by the token's ``kid``.
  Failures read as jsonwebtoken words them: ``crypto.jwt_verify: ExpiredSignature``,
  ``InvalidSignature``, ``InvalidAudience``, ``Missing required claim: exp``, ...

PyJWT does the JWS work over ``cryptography``; both are imported on first use.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import arg_str
from assay_py.host.vm import LuaVM, error_text

RSA_ALGORITHMS = ("RS256", "RS384", "RS512")
DEFAULT_LEEWAY = 60  # jsonwebtoken's default, which the original keeps
# The header fields jsonwebtoken knows; it returns only these, in this order.
_HEADER_FIELDS = ("typ", "alg", "cty", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256")
_SPEC_CLAIMS = ("exp", "nbf", "aud", "iss", "sub")


class JwtError(ValueError):
    """A token, key or option the original would refuse."""


def _is_table(value: Any) -> bool:
    return bool(lupa_engine().lua_type(value) == "table")


_URL_SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _base64url_fault(segment: str) -> str | None:
    """Why the original's unpadded base64url decoder refuses a segment, in its words."""
    if len(segment) % 4 == 1:
        return f"invalid length at {len(segment) - 1}"
    for index, char in enumerate(segment):
        if char not in _URL_SYMBOLS:
            return f"invalid symbol at {index}"
    spare = 6 * len(segment) % 8
    if spare and _URL_SYMBOLS.index(segment[-1]) & ((1 << spare) - 1):
        return f"non-zero trailing bits at {len(segment) - 1}"
    return None


def _segment(segment: str, label: str, where: str, vm: LuaVM) -> Any:
    """One base64url segment (unpadded, canonical, as RFC 7515 writes it) as JSON, read by
    the json global's parser (the original's rules, and its serde-worded errors)."""
    fault = _base64url_fault(segment)
    if fault is not None:
        raise JwtError(f"{where}: {label}: invalid base64url: {fault}")
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise JwtError(f"{where}: {label}: invalid base64url: {exc}") from None
    try:
        return vm.json_codec()[1].decode(raw)
    except lupa_engine().LuaError as exc:
        raise JwtError(f"{where}: {label}: invalid JSON: {error_text(exc)}") from None


def _text_arg(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


class Jwt:
    def __init__(self, vm: LuaVM) -> None:
        self.vm = vm

    # -- sign ---------------------------------------------------------------------------
    def sign(self, claims: Any = None, pem: Any = None, alg: Any = None, opts: Any = None) -> str:
        where = "crypto.jwt_sign"
        if not _is_table(claims):
            raise JwtError(f"{where}: first argument must be a claims table")
        if not isinstance(pem, bytes):
            raise JwtError(f"{where}: second argument must be a PEM key string")
        if alg is None:
            algorithm = "RS256"
        elif isinstance(alg, bytes):
            algorithm = _text_arg(alg).upper()
            if algorithm not in RSA_ALGORITHMS:
                raise JwtError(f"{where}: unsupported algorithm: {algorithm}")
        else:
            raise JwtError(f"{where}: third argument must be an algorithm string or nil")
        if opts is not None and not _is_table(opts):
            raise JwtError(f"{where}: fourth argument must be an options table or nil")
        try:
            payload = self.vm.json_encode(claims)
        except ValueError as exc:
            raise JwtError(f"{where}: {exc}") from None
        key = _rsa_private_key(pem, where)
        header: dict[str, Any] = {}
        kid = opts[b"kid"] if opts is not None else None
        if isinstance(kid, (bytes, int, float)) and not isinstance(kid, bool):
            header["kid"] = kid.decode("utf-8", "replace") if isinstance(kid, bytes) else str(kid)
        import jwt

        try:
            return jwt.api_jws.PyJWS().encode(
                payload, key, algorithm=algorithm, headers=header or None, sort_headers=False
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise JwtError(f"{where}: encoding failed: {exc}") from None

    # -- decode -------------------------------------------------------------------------
    def decode(self, token: Any = None) -> dict[str, Any]:
        where = "crypto.jwt_decode"
        parts = arg_str(token, 1).split(".")
        if len(parts) != 3:
            raise JwtError(
                f"{where}: token must have three '.'-separated segments (header.payload.signature)"
            )
        return {
            "header": _segment(parts[0], "header", where, self.vm),
            "claims": _segment(parts[1], "payload", where, self.vm),
        }

    # -- verify -------------------------------------------------------------------------
    def verify(self, token: Any = None, key: Any = None, opts: Any = None) -> dict[str, Any]:
        where = "crypto.jwt_verify"
        if not isinstance(token, bytes):
            raise JwtError(f"{where}: first argument must be a JWT string")
        if opts is not None and not _is_table(opts):
            raise JwtError(f"{where}: third argument must be an options table or nil")
        text = _text_arg(token)
        if isinstance(key, bytes):
            algorithm = _option_algorithm(opts, where)
            verifying_key: Any = _rsa_public_key(key, where)
        elif _is_table(key):
            verifying_key, algorithm = self._jwks_key(key, text, where)
        else:
            raise JwtError(f"{where}: second argument must be a PEM string or JWKS table")
        options = _Validation(opts, where)
        import jwt

        try:
            header = jwt.get_unverified_header(text)
        except jwt.PyJWTError:
            raise JwtError(f"{where}: InvalidToken") from None
        if header.get("alg") != algorithm:
            raise JwtError(f"{where}: InvalidAlgorithm")
        try:
            claims = jwt.decode(
                text,
                verifying_key,
                algorithms=[algorithm],
                audience=options.audience,
                issuer=options.issuer,
                leeway=options.leeway,
                options={
                    "verify_signature": True,
                    "verify_exp": options.validate_exp,
                    "verify_nbf": options.validate_nbf,
                    "verify_iat": False,
                    "verify_aud": True,
                    "verify_iss": options.issuer is not None,
                    "verify_sub": False,
                    "verify_jti": False,
                    "require": options.required,
                },
            )
        except jwt.PyJWTError as exc:
            raise JwtError(f"{where}: {_jsonwebtoken_words(exc)}") from None
        shown = {name: header[name] for name in _HEADER_FIELDS if header.get(name) is not None}
        return {"header": shown, "claims": claims}

    def _jwks_key(self, jwks: Any, token: str, where: str) -> tuple[Any, str]:
        import jwt

        try:
            data = self.vm.from_lua(jwks)
        except ValueError as exc:
            raise JwtError(f"{where}: invalid JWKS table: {exc}") from None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            raise JwtError(f"{where}: invalid JWKS table: missing field `keys`")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise JwtError(f"{where}: malformed token header: {exc}") from None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise JwtError(f"{where}: token header missing 'kid' (required for JWKS dispatch)")
        entry = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
        if entry is None:
            raise JwtError(f"{where}: no key in JWKS matches kid '{kid}'")
        algorithm = entry.get("alg") or header.get("alg")
        if not isinstance(algorithm, str):
            raise JwtError(f"{where}: InvalidAlgorithm")
        try:
            jwk = jwt.PyJWK.from_dict(entry, algorithm=algorithm)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise JwtError(f"{where}: cannot decode JWK: {exc}") from None
        return jwk.key, algorithm


class _Validation:
    """``opts`` of jwt_verify, with jsonwebtoken's defaults."""

    def __init__(self, opts: Any, where: str) -> None:
        self.audience: list[str] | None = None
        self.issuer: list[str] | None = None
        self.leeway = DEFAULT_LEEWAY
        self.validate_exp = True
        self.validate_nbf = False
        self.required = ["exp"]
        if opts is None:
            return
        self.audience = _strings(opts[b"audience"], "audience", where)
        self.issuer = _strings(opts[b"issuer"], "issuer", where)
        leeway = opts[b"leeway"]
        if isinstance(leeway, (int, float)) and not isinstance(leeway, bool) and leeway >= 0:
            self.leeway = int(leeway)
        for name in ("validate_exp", "validate_nbf"):
            flag = opts[name.encode()]
            if isinstance(flag, bool):
                setattr(self, name, flag)
        required = opts[b"required_claims"]
        if _is_table(required):
            names = [_text_arg(v) for v in required.values() if isinstance(v, bytes)]
            # jsonwebtoken enforces presence of the registered claims only.
            self.required = [n for n in names if n in _SPEC_CLAIMS]


def _strings(value: Any, field: str, where: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return [_text_arg(value)]
    if _is_table(value):
        return [_text_arg(v) for v in value.values() if isinstance(v, bytes)]
    raise JwtError(f"{where}: '{field}' must be a string or array of strings")


def _option_algorithm(opts: Any, where: str) -> str:
    raw = opts[b"algorithm"] if opts is not None else None
    if not isinstance(raw, bytes):
        return "RS256"
    algorithm = _text_arg(raw).upper()
    if algorithm not in RSA_ALGORITHMS:
        raise JwtError(f"{where}: unsupported algorithm: {algorithm}")
    return algorithm


def _rsa_private_key(pem: bytes, where: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise JwtError(f"{where}: invalid PEM key: InvalidKeyFormat")
    return key


def _rsa_public_key(pem: bytes, where: str) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key: Any
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError):
        try:
            key = x509.load_pem_x509_certificate(pem).public_key()
        except (ValueError, TypeError):
            key = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise JwtError(f"{where}: invalid PEM key: InvalidKeyFormat")
    return key


def _jsonwebtoken_words(exc: Exception) -> str:
    import jwt

    words: tuple[tuple[type[Exception], str], ...] = (
        (jwt.ExpiredSignatureError, "ExpiredSignature"),
        (jwt.ImmatureSignatureError, "ImmatureSignature"),
        (jwt.InvalidAudienceError, "InvalidAudience"),
        (jwt.InvalidIssuerError, "InvalidIssuer"),
        (jwt.InvalidAlgorithmError, "InvalidAlgorithm"),
        (jwt.InvalidSignatureError, "InvalidSignature"),
    )
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"Missing required claim: {exc.claim}"
    for kind, text in words:
        if isinstance(exc, kind):
            return text
    message = str(exc)
    for claim in _SPEC_CLAIMS:
        if f"({claim})" in message:  # PyJWT: "Expiration Time claim (exp) must be a number."
            return f"Invalid format for claim: {claim}"
    return "InvalidToken"
