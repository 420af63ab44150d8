"""The ``crypto`` global: ``hash``, ``hash_file``, ``hmac``, ``random`` and JSON Web Tokens.

``crypto.hash(s, alg?)``, ``crypto.hash_file(path, alg?)`` (read in chunks) and
``crypto.hmac(key, data, alg?, raw?)`` give lowercase hex (or raw
bytes for ``hmac`` with ``raw == true``); algorithms are the SHA-2 and SHA-3 families, named
case-insensitively, ``sha256`` by default. ``crypto.random(len?)`` is ``len`` (default 32)
characters of ``[A-Za-z0-9]`` from the OS's secure source. ``jwt_sign``, ``jwt_decode`` and
``jwt_verify`` live in :mod:`.jwt`.

``hashlib`` (OpenSSL) and ``secrets`` are imported on first use: together they cost several
milliseconds of start-up that most scripts never need.
"""

from __future__ import annotations

import os
from typing import Any

from assay_py.host.builtins._args import rust_debug, utf8_str
from assay_py.host.vm import LuaVM

SUPPORTED = ("sha224", "sha256", "sha384", "sha512", "sha3-224", "sha3-256", "sha3-384", "sha3-512")

_ALPHANUMERIC = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Bytes below 248 (= 4 * 62) map onto the alphabet evenly; the rest are dropped, so every
# character is equally likely.
_UNBIASED_LIMIT = 4 * len(_ALPHANUMERIC)
_TO_ALPHANUMERIC = bytes(_ALPHANUMERIC[i % len(_ALPHANUMERIC)] for i in range(256))
_BIASED_BYTES = bytes(range(_UNBIASED_LIMIT, 256))
# The original VM has a 64 MiB memory limit; a larger string could never be made there.
MAX_RANDOM_LENGTH = 64 * 1024 * 1024


# The original checks each argument's Lua type itself (strings only: a number is refused,
# not coerced) and reads text arguments as Rust strings (UTF-8 or an error).


def _algorithm(raw: Any, where: str, position: str) -> str:
    if raw is None:
        return "sha256"
    if not isinstance(raw, bytes):
        raise TypeError(f"{where}: {position} argument must be an algorithm string or nil")
    return utf8_str(raw).lower()


def _hashlib_name(name: str, where: str) -> str:
    if name not in SUPPORTED:
        raise ValueError(
            f"{where}: unsupported algorithm: {name} (supported: {', '.join(SUPPORTED)})"
        )
    return name.replace("-", "_")  # hashlib spells SHA-3 "sha3_256"


def hash_hex(data: Any = None, algorithm: Any = None) -> str:
    import hashlib

    if not isinstance(data, bytes):
        raise TypeError("crypto.hash: first argument must be a string")
    text = utf8_str(data).encode("utf-8")
    name = _hashlib_name(_algorithm(algorithm, "crypto.hash", "second"), "crypto.hash")
    return hashlib.new(name, text).hexdigest()


def hash_file(path: Any = None, algorithm: Any = None) -> str:
    import hashlib

    if not isinstance(path, bytes):
        raise TypeError("crypto.hash_file: first argument must be a path string")
    name = utf8_str(path)
    chosen = _algorithm(algorithm, "crypto.hash_file", "second")
    try:
        # A raw descriptor: a folder opens and fails on read, as Rust's File::open does.
        fd = os.open(name, os.O_RDONLY)
    except OSError as exc:
        raise OSError(f"crypto.hash_file: open {rust_debug(name)}: {_os_error(exc)}") from None
    try:
        # The original opens the file before it looks at the algorithm's name.
        digest = hashlib.new(_hashlib_name(chosen, "crypto.hash_file"))
        while chunk := os.read(fd, 64 * 1024):
            digest.update(chunk)
    except OSError as exc:
        raise OSError(f"crypto.hash_file: read {rust_debug(name)}: {_os_error(exc)}") from None
    finally:
        os.close(fd)
    return digest.hexdigest()


def _os_error(exc: OSError) -> str:
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def hmac_digest(key: Any = None, data: Any = None, algorithm: Any = None, raw: Any = None) -> Any:
    import hmac

    if not isinstance(key, bytes):
        raise TypeError("crypto.hmac: first argument must be a string (key)")
    if not isinstance(data, bytes):
        raise TypeError("crypto.hmac: second argument must be a string (data)")
    chosen = _algorithm(algorithm, "crypto.hmac", "third")
    if raw is not None and not isinstance(raw, bool):
        raise TypeError("crypto.hmac: fourth argument must be a boolean or nil")
    mac = hmac.new(key, data, _hashlib_name(chosen, "crypto.hmac"))
    return mac.digest() if raw is True else mac.hexdigest()


def random_alphanumeric(length: Any = None) -> bytes:
    if length is None:
        length = 32
    # An integer only: on LuaJIT, where every number is a double, a whole one (lupa hands
    # those over as int); on Lua 5.5 a float such as 16.0 is refused, as on the original.
    if isinstance(length, bool) or not isinstance(length, int):
        raise TypeError("crypto.random: first argument must be a positive integer or nil")
    if length <= 0:
        raise ValueError(f"crypto.random: length must be positive, got {length}")
    if length > MAX_RANDOM_LENGTH:
        raise ValueError(f"crypto.random: length must be at most {MAX_RANDOM_LENGTH}, got {length}")
    import secrets

    wanted = length
    out = b""
    while len(out) < wanted:
        chunk = secrets.token_bytes(wanted - len(out) + 16)
        out += chunk.translate(_TO_ALPHANUMERIC, _BIASED_BYTES)
    return out[:wanted]


def install(vm: LuaVM) -> None:
    from assay_py.host.builtins.jwt import Jwt

    tokens = Jwt(vm)
    vm.set_global(
        "crypto",
        vm.table(
            {
                "hash": vm.function(hash_hex),
                "hash_file": vm.function(hash_file),
                "jwt_sign": vm.function(tokens.sign),
                "jwt_decode": vm.function(tokens.decode),
                "jwt_verify": vm.function(tokens.verify),
                "hmac": vm.function(hmac_digest),
                "random": vm.function(random_alphanumeric),
            }
        ),
    )
