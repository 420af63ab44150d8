from __future__ import annotations

import hashlib
import hmac
import string

import pytest

from tests.builtins.conftest import Lua

ALGORITHMS = [
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
]
SUPPORTED_TEXT = "supported: " + ", ".join(ALGORITHMS)


def test_hash_defaults_to_sha256_hex(lua: Lua) -> None:
    # FIPS 180-2 example: SHA-256("abc").
    assert lua('return crypto.hash("abc")') == (
        b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_hash_every_algorithm_any_case(lua: Lua, algorithm: str) -> None:
    expected = hashlib.new(algorithm.replace("-", "_"), b"assay\xff").hexdigest().encode()
    assert lua(rf'return crypto.hash("assay\255", "{algorithm}")') == expected
    assert lua(rf'return crypto.hash("assay\255", "{algorithm.upper()}")') == expected


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha3_256", ""])
def test_hash_unsupported_algorithm(lua: Lua, algorithm: str) -> None:
    assert lua.error(f'crypto.hash("x", "{algorithm}")') == (
        f"crypto.hash: unsupported algorithm: {algorithm} ({SUPPORTED_TEXT})"
    )


def test_hash_first_argument_must_be_a_string(lua: Lua) -> None:
    assert lua.error("crypto.hash(nil)") == (
        "crypto.hash: first argument must be a string, got nil"
    )


def test_hmac_rfc4231_case_2(lua: Lua) -> None:
    assert lua('return crypto.hmac("Jefe", "what do ya want for nothing?")') == (
        b"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_hmac_every_algorithm_hex_and_raw(lua: Lua, algorithm: str) -> None:
    digest = hmac.new(b"k\x00ey", b"data", algorithm.replace("-", "_")).digest()
    hexed, raw = lua(
        rf"""return crypto.hmac("k\0ey", "data", "{algorithm}"),
                  crypto.hmac("k\0ey", "data", "{algorithm}", true)"""
    )
    assert (hexed, raw) == (digest.hex().encode(), digest)


def test_hmac_raw_only_when_exactly_true(lua: Lua) -> None:
    assert lua('return #crypto.hmac("k", "d", nil, 1)') == 64


def test_hmac_errors(lua: Lua) -> None:
    assert lua.error('crypto.hmac("k", "d", "md5")') == (
        f"crypto.hmac: unsupported algorithm: md5 ({SUPPORTED_TEXT})"
    )
    assert lua.error('crypto.hmac(nil, "d")') == "crypto.hmac: key must be a string, got nil"
    assert lua.error('crypto.hmac("k", {})') == "crypto.hmac: data must be a string, got table"


ALPHANUMERIC = set((string.ascii_letters + string.digits).encode())


def test_random_default_is_32_alphanumerics(lua: Lua) -> None:
    first, second = lua("return crypto.random(), crypto.random()")
    assert len(first) == 32 and set(first) <= ALPHANUMERIC
    assert first != second


def test_random_accepts_integral_doubles(lua: Lua) -> None:
    assert len(lua("return crypto.random(16.0)")) == 16
    assert len(lua("return crypto.random(1)")) == 1


def test_random_uses_the_whole_alphabet(lua: Lua) -> None:
    sample = lua("return crypto.random(20000)")
    assert len(sample) == 20000
    assert set(sample) == ALPHANUMERIC  # every one of the 62 characters occurs


@pytest.mark.parametrize("length", ["0", "-5", "1.5", "0/0", "2^40"])
def test_random_rejects_bad_lengths(lua: Lua, length: str) -> None:
    assert lua.error(f"crypto.random({length})").startswith(
        "crypto.random: length must be a whole number from 1 to 67108864, got "
    )


def test_random_length_must_be_a_number(lua: Lua) -> None:
    assert lua.error('crypto.random("8")') == ("crypto.random: length must be a number, got string")
