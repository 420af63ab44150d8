"""The ``base64`` global: ``base64.encode(s)`` and a strict ``base64.decode(s)``.

Standard alphabet with ``=`` padding. Decoding accepts only the canonical form (no
whitespace, padding required, unused trailing bits zero) and text that is UTF-8, like the
original runtime; errors read ``base64.decode: <reason>``.
"""

from __future__ import annotations

import binascii

from assay_py.host.builtins._args import lua_text
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

# bytes.translate, not a regex: re is ~5 ms of a start that uses base64.
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def encode(raw: Any = None) -> bytes:
    return binascii.b2a_base64(lua_text(raw, "base64.encode: argument"), newline=False)


def decode(raw: Any = None) -> bytes:
    data = lua_text(raw, "base64.decode: argument")
    decoded = _decode_canonical(data)
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"base64.decode: invalid UTF-8: byte 0x{decoded[exc.start]:02x} "
            f"at offset {exc.start}: {exc.reason}"
        ) from None
    return decoded


def _decode_canonical(data: bytes) -> bytes:
    bad = data.translate(None, _ALPHABET)  # the bytes outside the alphabet, in order
    if bad:
        at = data.index(bad[:1])
        raise ValueError(f"base64.decode: invalid symbol {_symbol(data[at])} at offset {at}")
    if len(data) % 4:
        raise ValueError(
            f"base64.decode: invalid length {len(data)} (padded input is a multiple of 4)"
        )
    body = data.rstrip(b"=")
    if b"=" in body or len(data) - len(body) > 2:
        raise ValueError("base64.decode: invalid padding")
    decoded = binascii.a2b_base64(data)
    # A last symbol carrying non-zero unused bits decodes, but is not canonical.
    if binascii.b2a_base64(decoded, newline=False) != data:
        last = len(body) - 1
        raise ValueError(
            f"base64.decode: invalid last symbol {_symbol(body[last])} at offset {last} "
            "(unused bits must be zero)"
        )
    return decoded


def _symbol(byte: int) -> str:
    return repr(chr(byte)) if byte < 0x80 else f"byte 0x{byte:02x}"


def install(vm: LuaVM) -> None:
    functions = {"encode": vm.function(encode), "decode": vm.function(decode)}
    vm.set_global("base64", vm.table(functions))
