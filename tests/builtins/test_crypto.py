from __future__ import annotations

import hashlib
import hmac
import string

import pytest

from tests.builtins.conftest import Lua
from tests.support.engines import LUAJIT

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
    expected = hashlib.new(algorithm.replace("-", "_"), "assay ✓".encode()).hexdigest().encode()
    assert lua(f'return crypto.hash("assay ✓", "{algorithm}")') == expected
    assert lua(f'return crypto.hash("assay ✓", "{algorithm.upper()}")') == expected


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha3_256", ""])
def test_hash_unsupported_algorithm(lua: Lua, algorithm: str) -> None:
    assert lua.error(f'crypto.hash("x", "{algorithm}")') == (
        f"crypto.hash: unsupported algorithm: {algorithm} ({SUPPORTED_TEXT})"
    )


def test_hash_arguments_are_strings_not_coerced(lua: Lua) -> None:
    for call in ("crypto.hash(nil)", "crypto.hash(12)", "crypto.hash({})"):
        assert lua.error(call) == "crypto.hash: first argument must be a string"
    assert lua.error('crypto.hash("x", 256)') == (
        "crypto.hash: second argument must be an algorithm string or nil"
    )


def test_hash_reads_its_input_as_utf8_text(lua: Lua) -> None:
    assert lua.error(r'crypto.hash("assay\255")') == (
        "error converting Lua string to &str (invalid utf-8 sequence of 1 bytes from index 5)"
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


def test_hmac_raw_is_a_boolean_or_nil(lua: Lua) -> None:
    assert lua('return #crypto.hmac("k", "d", nil, false)') == 64
    assert lua('return #crypto.hmac("k", "d", nil, true)') == 32
    assert lua.error('crypto.hmac("k", "d", nil, 1)') == (
        "crypto.hmac: fourth argument must be a boolean or nil"
    )


def test_hmac_key_and_data_may_be_any_bytes(lua: Lua) -> None:
    digest = hmac.new(b"\xff", b"\xfe", "sha256").hexdigest().encode()
    assert lua(r'return crypto.hmac("\255", "\254")') == digest


def test_hmac_errors(lua: Lua) -> None:
    assert lua.error('crypto.hmac("k", "d", "md5")') == (
        f"crypto.hmac: unsupported algorithm: md5 ({SUPPORTED_TEXT})"
    )
    for key in ("nil", "1"):
        assert lua.error(f'crypto.hmac({key}, "d")') == (
            "crypto.hmac: first argument must be a string (key)"
        )
    assert lua.error('crypto.hmac("k", {})') == (
        "crypto.hmac: second argument must be a string (data)"
    )
    assert lua.error('crypto.hmac("k", "d", 1)') == (
        "crypto.hmac: third argument must be an algorithm string or nil"
    )


ALPHANUMERIC = set((string.ascii_letters + string.digits).encode())


def test_random_default_is_32_alphanumerics(lua: Lua) -> None:
    first, second = lua("return crypto.random(), crypto.random()")
    assert len(first) == 32 and set(first) <= ALPHANUMERIC
    assert first != second


def test_random_takes_an_integer(lua: Lua) -> None:
    assert len(lua("return crypto.random(1)")) == 1
    assert len(lua("return crypto.random(nil)")) == 32
    # LuaJIT has doubles only: a whole one stands for the integer Lua 5.5 would hold. On
    # Lua 5.5 a float is refused, as on the original.
    if LUAJIT:
        assert len(lua("return crypto.random(16.0)")) == 16
    else:
        assert lua.error("crypto.random(16.0)") == (
            "crypto.random: first argument must be a positive integer or nil"
        )


def test_random_uses_the_whole_alphabet(lua: Lua) -> None:
    sample = lua("return crypto.random(20000)")
    assert len(sample) == 20000
    assert set(sample) == ALPHANUMERIC  # every one of the 62 characters occurs


@pytest.mark.parametrize("length", ["0", "-5"])
def test_random_rejects_lengths_below_one(lua: Lua, length: str) -> None:
    assert lua.error(f"crypto.random({length})") == (
        f"crypto.random: length must be positive, got {length}"
    )


@pytest.mark.parametrize("length", ["1.5", "0/0", '"8"', "{}", "true"])
def test_random_rejects_what_is_not_an_integer(lua: Lua, length: str) -> None:
    assert lua.error(f"crypto.random({length})") == (
        "crypto.random: first argument must be a positive integer or nil"
    )


def test_random_length_has_a_ceiling(lua: Lua) -> None:
    # The original's VM cannot hold a string past its 64 MiB limit; we refuse one up front.
    assert lua.error("crypto.random(1099511627776)") == (
        "crypto.random: length must be at most 67108864, got 1099511627776"
    )
