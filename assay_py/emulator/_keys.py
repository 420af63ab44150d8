"""The emulator's signing keys: real key pairs from ``cryptography``, one per algorithm.

A fresh Rauthy has one key per algorithm (RS256, RS384, RS512, EdDSA); ``POST
/oidc/rotate_jwk`` adds a new one for each and keeps the old ones published, and new tokens
are signed with the newest key of the client's algorithm.

Every RSA key here is 2048 bits. Rauthy makes RS384 and RS512 keys of 3072 and 4096 bits,
but a 4096-bit key takes up to 1.5 s to generate, and no verifier cares about the size (a JWK
carries its modulus; RS512 is defined for any key of at least 2048 bits). The first key
generation is shared by every emulator in the process and built per algorithm when first
needed; rotations belong to one emulator.

``cryptography`` is imported inside the functions that need it, so importing the emulator
costs nothing until a key is used.
"""

from __future__ import annotations

import base64
import secrets
import string
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

ALGS = ("RS256", "RS384", "RS512", "EdDSA")
RSA_BITS = 2048
_ALNUM = string.ascii_letters + string.digits


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def random_kid() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(24))


class KeyPair:
    """One signing key: its algorithm, ``kid``, private key and public JWK."""

    __slots__ = ("_private", "alg", "jwk", "kid")

    def __init__(self, alg: str, kid: str, private: RSAPrivateKey | Ed25519PrivateKey) -> None:
        self.alg = alg
        self.kid = kid
        self._private = private
        self.jwk = _public_jwk(alg, kid, private)

    def __repr__(self) -> str:  # never the private key
        return f"KeyPair(alg={self.alg!r}, kid={self.kid!r})"

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if isinstance(self._private, Ed25519PrivateKey):
            return self._private.sign(data)
        from cryptography.hazmat.primitives.asymmetric import padding

        return self._private.sign(data, padding.PKCS1v15(), _hash(self.alg))

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            if isinstance(self._private, Ed25519PrivateKey):
                self._private.public_key().verify(signature, data)
            else:
                from cryptography.hazmat.primitives.asymmetric import padding

                self._private.public_key().verify(
                    signature, data, padding.PKCS1v15(), _hash(self.alg)
                )
        except InvalidSignature:
            return False
        return True


def _hash(alg: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    if alg == "RS256":
        return hashes.SHA256()
    return hashes.SHA384() if alg == "RS384" else hashes.SHA512()


def _public_jwk(alg: str, kid: str, private: RSAPrivateKey | Ed25519PrivateKey) -> dict[str, Any]:
    """Rauthy's JWK field order: kty, use, alg, (crv), kid, then n/e or x."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if isinstance(private, Ed25519PrivateKey):
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "kty": "OKP",
            "use": "sig",
            "alg": alg,
            "crv": "Ed25519",
            "kid": kid,
            "x": _b64url(raw),
        }
    numbers = private.public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": alg,
        "kid": kid,
        "n": _b64url(_int_bytes(numbers.n)),
        "e": _b64url(_int_bytes(numbers.e)),
    }


def generate(alg: str) -> KeyPair:
    if alg not in ALGS:
        raise ValueError(f"alg: must be one of {ALGS}, not {alg!r}")
    if alg == "EdDSA":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return KeyPair(alg, random_kid(), Ed25519PrivateKey.generate())
    from cryptography.hazmat.primitives.asymmetric import rsa

    return KeyPair(alg, random_kid(), rsa.generate_private_key(65537, RSA_BITS))


# The first generation, shared by every emulator of the process (built per algorithm on use).
_first_lock = threading.Lock()
_first: dict[str, KeyPair] = {}


def _first_key(alg: str) -> KeyPair:
    with _first_lock:
        pair = _first.get(alg)
        if pair is None:
            pair = _first[alg] = generate(alg)
        return pair


class KeyStore:
    """One emulator's keys: the shared first generation, then its own rotations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rotated: list[KeyPair] = []

    def jwks(self) -> list[dict[str, Any]]:
        """Every published public key, oldest first (as Rauthy lists its table)."""
        first = [_first_key(alg).jwk for alg in ALGS]
        with self._lock:
            return first + [pair.jwk for pair in self._rotated]

    def latest(self, alg: str) -> KeyPair:
        """The key new tokens of ``alg`` are signed with."""
        with self._lock:
            for pair in reversed(self._rotated):
                if pair.alg == alg:
                    return pair
        return _first_key(alg)

    def find(self, kid: str) -> KeyPair | None:
        with self._lock:
            for pair in self._rotated:
                if pair.kid == kid:
                    return pair
        with _first_lock:
            return next((p for p in _first.values() if p.kid == kid), None)

    def rotate(self) -> None:
        """A new key for every algorithm; the old ones stay published and verifiable."""
        for alg in ALGS:
            _first_key(alg)  # the first generation is older than any rotation
        fresh = [generate(alg) for alg in ALGS]
        with self._lock:
            self._rotated.extend(fresh)
