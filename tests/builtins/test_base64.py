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
    # U+FFFF is EF BF BF: 111011 111011 111110 111111
    assert lua(r'return base64.encode("\239\191\191")') == b"77+/"


def test_arguments_are_rust_text(lua: Lua) -> None:
    # The original takes both arguments as Rust strings: bytes that are not UTF-8 are refused.
    assert lua.error(r'base64.encode("\0\255")') == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 1)"
    )
    assert lua('return base64.decode(base64.encode("grüße ✓"))') == "grüße ✓".encode()


def test_numbers_are_coerced(lua: Lua) -> None:
    assert lua("return base64.encode(12)") == b"MTI="


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("Zm9v\\n", "invalid length at 4"),
        ("Zm 9v", "invalid length at 4"),
        ("Zm 9", "invalid symbol at 2"),
        ("Zm9-", "invalid symbol at 3"),
        ("Zm8", "invalid length at 0"),
        ("Zg=a", "invalid symbol at 2"),
        ("Z===", "invalid padding length at 1"),
        ("====", "invalid padding length at 0"),
        ("Zh==", "non-zero trailing bits at 1"),
        ("Zm9=", "non-zero trailing bits at 2"),
        ("QUJD!AAA", "invalid symbol at 4"),
    ],
)
def test_decode_is_strict(lua: Lua, encoded: str, message: str) -> None:
    assert lua.error(f'base64.decode("{encoded}")') == f"base64.decode: {message}"


def test_padding_may_close_any_block(lua: Lua) -> None:
    assert lua('return base64.decode("Zg==Zm8=Zm9v")') == b"ffofoo"


def test_decode_requires_utf8(lua: Lua) -> None:
    assert lua.error('base64.decode("/w==")') == (
        "base64.decode: invalid UTF-8: invalid utf-8 sequence of 1 bytes from index 0"
    )
    assert lua.error('base64.decode("4oI=")') == (
        "base64.decode: invalid UTF-8: incomplete utf-8 byte sequence from index 0"
    )


def test_non_string_arguments(lua: Lua) -> None:
    assert lua.error("base64.encode({})") == (
        "bad argument #1: error converting Lua table to String (expected string or number)"
    )
    assert lua.error("base64.decode()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
