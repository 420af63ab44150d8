from __future__ import annotations

import pytest

from tests.builtins.conftest import Lua

# RFC 4648 section 10 test vectors.
VECTORS = [
    ("", ""),
    ("f", "Zg=="),
    ("fo", "Zm8="),
    ("foo", "Zm9v"),
    ("foob", "Zm9vYg=="),
    ("fooba", "Zm9vYmE="),
    ("foobar", "Zm9vYmFy"),
]


@pytest.mark.parametrize(("plain", "encoded"), VECTORS)
def test_rfc4648_vectors_both_ways(lua: Lua, plain: str, encoded: str) -> None:
    assert lua(f'return base64.encode("{plain}")') == encoded.encode()
    assert lua(f'return base64.decode("{encoded}")') == plain.encode()


def test_standard_alphabet_not_url_safe(lua: Lua) -> None:
    assert lua(r'return base64.encode("\251\255\254")') == b"+//+"  # 111110 111111 111111 111110


def test_binary_encodes_and_utf8_round_trips(lua: Lua) -> None:
    assert lua(r'return base64.encode("\0\255")') == b"AP8="
    assert lua('return base64.decode(base64.encode("grüße ✓"))') == "grüße ✓".encode()


def test_numbers_are_coerced(lua: Lua) -> None:
    assert lua("return base64.encode(12)") == b"MTI="


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("Zm9v\n", r"base64.decode: invalid symbol '\n' at offset 4"),
        ("Zm 9v", "base64.decode: invalid symbol ' ' at offset 2"),
        ("Zm9-", "base64.decode: invalid symbol '-' at offset 3"),
        ("Zm8", "base64.decode: invalid length 3 (padded input is a multiple of 4)"),
        ("Zg=a", "base64.decode: invalid padding"),
        ("Z===", "base64.decode: invalid padding"),
        ("Zh==", "base64.decode: invalid last symbol 'h' at offset 1 (unused bits must be zero)"),
    ],
)
def test_decode_is_strict(lua: Lua, encoded: str, message: str) -> None:
    literal = encoded.replace("\n", "\\n")
    assert lua.error(f'base64.decode("{literal}")') == message


def test_decode_requires_utf8(lua: Lua) -> None:
    assert lua.error('base64.decode("/w==")') == (
        "base64.decode: invalid UTF-8: byte 0xff at offset 0: invalid start byte"
    )


def test_non_string_arguments(lua: Lua) -> None:
    assert lua.error("base64.encode({})") == "base64.encode: argument must be a string, got table"
    assert lua.error("base64.decode()") == "base64.decode: argument must be a string, got nil"
