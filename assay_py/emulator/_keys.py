"""Real signing keys for the JWKS endpoint, in pure Python (no ``cryptography`` available).

RSA keys come from random probable primes (Miller-Rabin with ``secrets``); the Ed25519 public
key is derived from a random seed with the RFC 8032 group arithmetic. Only public keys leave
this module. Generating the three RSA sizes takes seconds, so the key set is built on the first
JWKS request and cached for the life of the process.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import string
import threading
from typing import Any

_ALNUM = string.ascii_letters + string.digits
_SMALL_PRIMES = [p for p in range(3, 5000) if all(p % d for d in range(2, int(p**0.5) + 1))]
# One gcd against the product of the small primes rejects most candidates in a single C call.
_SMALL_PRIMORIAL = math.prod(_SMALL_PRIMES)
_RSA_EXPONENT = 65537


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def random_kid() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(24))


def _is_probable_prime(n: int, rounds: int = 8) -> bool:
    """Miller-Rabin. For random candidates of >= 1024 bits, 8 rounds is far below 2**-100
    error (FIPS 186-4 table C.2 asks for 5 at 1024 bits); these are dev keys for an emulator."""
    if n < 5000:
        return n in _SMALL_PRIMES or n == 2
    if math.gcd(n, _SMALL_PRIMORIAL) != 1:
        return False
    if pow(2, n - 1, n) != 1:  # a cheap Fermat test weeds out nearly every composite left
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _random_prime(bits: int) -> int:
    """A prime of exactly ``bits`` bits whose top two bits are set (so p*q has 2*bits bits)."""
    top = (1 << (bits - 1)) | (1 << (bits - 2))
    while True:
        candidate = secrets.randbits(bits) | top | 1
        if (candidate - 1) % _RSA_EXPONENT and _is_probable_prime(candidate):
            return candidate


def rsa_modulus(bits: int) -> tuple[int, int, int]:
    """``(n, p, q)`` with ``n = p*q`` of exactly ``bits`` bits and e=65537 invertible."""
    while True:
        p, q = _random_prime(bits // 2), _random_prime(bits // 2)
        if p != q and (p * q).bit_length() == bits:
            return p * q, p, q


# --- Ed25519 (RFC 8032 section 5.1), extended homogeneous coordinates -----------------------

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_BASE_Y = 4 * pow(5, _P - 2, _P) % _P


def _recover_x(y: int, sign: int) -> int:
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if x & 1 != sign:
        x = _P - x
    return x


_Point = tuple[int, int, int, int]
_BASE: _Point = (
    _recover_x(_BASE_Y, 0),
    _BASE_Y,
    1,
    _recover_x(_BASE_Y, 0) * _BASE_Y % _P,
)


def _point_add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = 2 * t1 * t2 * _D % _P
    dd = 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _scalar_mult(scalar: int, point: _Point) -> _Point:
    result: _Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        scalar >>= 1
    return result


def _encode_point(point: _Point) -> bytes:
    x, y, z, _ = point
    z_inv = pow(z, _P - 2, _P)
    x, y = x * z_inv % _P, y * z_inv % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def ed25519_public_key(seed: bytes) -> bytes:
    """The 32-byte public key for a 32-byte private seed (RFC 8032 5.1.5)."""
    digest = bytearray(hashlib.sha512(seed).digest()[:32])
    digest[0] &= 248
    digest[31] &= 127
    digest[31] |= 64
    return _encode_point(_scalar_mult(int.from_bytes(digest, "little"), _BASE))


# --- The JWKS a fresh Rauthy has: one key per algorithm -------------------------------------

_RSA_SIZES = (("RS256", 2048), ("RS384", 3072), ("RS512", 4096))
_jwks_lock = threading.Lock()
_jwks: list[dict[str, Any]] | None = None


def _build_jwks() -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = []
    for alg, bits in _RSA_SIZES:
        n, _, _ = rsa_modulus(bits)
        keys.append(
            {
                "kty": "RSA",
                "use": "sig",
                "alg": alg,
                "kid": random_kid(),
                "n": _b64url(_int_bytes(n)),
                "e": _b64url(_int_bytes(_RSA_EXPONENT)),
            }
        )
    public = ed25519_public_key(secrets.token_bytes(32))
    keys.append(
        {
            "kty": "OKP",
            "use": "sig",
            "alg": "EdDSA",
            "crv": "Ed25519",
            "kid": random_kid(),
            "x": _b64url(public),
        }
    )
    return keys


def jwks() -> list[dict[str, Any]]:
    """The process-wide JWK list (public parts only), generated on first use."""
    global _jwks
    with _jwks_lock:
        if _jwks is None:
            _jwks = _build_jwks()
        return _jwks
