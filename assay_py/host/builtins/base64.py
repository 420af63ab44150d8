"""The ``base64`` global: ``base64.encode(s)`` and a strict ``base64.decode(s)``.

Standard alphabet with ``=`` padding, as the original (which takes both arguments as Rust
text, so a string that is not UTF-8 is refused). Decoding follows the original's decoder
exactly: the length must be a multiple of 4, padding may end any 4-symbol block (so
``"QQ==QQ=="`` reads ``"AA"``), unused trailing bits must be zero, and the result must be
UTF-8; errors read ``base64.decode: invalid symbol at 3``, ``invalid length at 4``,
``invalid padding length at 2``, ``non-zero trailing bits at 2``, or
``invalid UTF-8: invalid utf-8 sequence of 1 bytes from index 0``.
"""

from __future__ import annotations

import binascii

from assay_py.host.builtins._args import arg_str, utf8_error
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_SYMBOLS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {byte: index for index, byte in enumerate(_SYMBOLS)}
_PAD = ord("=")


def encode(raw: Any = None) -> bytes:
    text = arg_str(raw, 1)
    return binascii.b2a_base64(text.encode("utf-8"), newline=False)


def decode(raw: Any = None) -> bytes:
    data = arg_str(raw, 1).encode("utf-8")
    decoded = _decode(data)
    fault = utf8_error(decoded)
    if fault is not None:
        raise ValueError(f"base64.decode: invalid UTF-8: {fault}")
    return decoded


def _decode(data: bytes) -> bytes:
    """The decoder's checks in its order, each naming its position like the original's."""
    if len(data) % 4:
        raise ValueError(f"base64.decode: invalid length at {len(data) - len(data) % 4}")
    start = 0
    while start < len(data):
        # The first symbol that is not of the alphabet (padding included) ends the run.
        stop = start
        while stop < len(data) and data[stop] in _VALUE:
            stop += 1
        if stop == len(data):
            _check_trailing(data, start, len(data))
            break
        block = stop - stop % 4
        if block > start:
            _check_trailing(data, start, block)
        quad = data[block : block + 4]
        used = len(quad.rstrip(b"="))
        if used < 2:
            raise ValueError(f"base64.decode: invalid padding length at {block + used}")
        for offset in range(used):
            if quad[offset] not in _VALUE:
                raise ValueError(f"base64.decode: invalid symbol at {block + offset}")
        _check_trailing(data, block, block + used)
        start = block + 4
    return _decode_blocks(data)


def _check_trailing(data: bytes, start: int, end: int) -> None:
    # The bits of the last symbol beyond the last whole byte must be zero.
    spare = 6 * (end - start) % 8
    if spare and _VALUE[data[end - 1]] & ((1 << spare) - 1):
        raise ValueError(f"base64.decode: non-zero trailing bits at {end - 1}")


def _decode_blocks(data: bytes) -> bytes:
    # Checked above; padding may close any block, so decode block by padded block.
    out = []
    start = 0
    while start < len(data):
        end = data.find(b"=", start)
        if end < 0:
            out.append(binascii.a2b_base64(data[start:]))
            break
        block_end = end - end % 4 + 4
        out.append(binascii.a2b_base64(data[start:block_end]))
        start = block_end
    return b"".join(out)


def install(vm: LuaVM) -> None:
    functions = {"encode": vm.function(encode), "decode": vm.function(decode)}
    vm.set_global("base64", vm.table(functions))
