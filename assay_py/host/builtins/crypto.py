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

from assay_py.host.builtins._args import lua_text, lua_type_name
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


def _algorithm(raw: Any, where: str) -> str:
    if raw is None:
        return "sha256"
    name = lua_text(raw, f"{where}: algorithm").decode("utf-8", "replace")
    if name.lower() not in SUPPORTED:
        raise ValueError(
            f"{where}: unsupported algorithm: {name.lower()} (supported: {', '.join(SUPPORTED)})"
        )
    return name.lower().replace("-", "_")  # hashlib spells SHA-3 "sha3_256"


def hash_hex(data: Any = None, algorithm: Any = None) -> str:
    import hashlib

    text = lua_text(data, "crypto.hash: first argument")
    return hashlib.new(_algorithm(algorithm, "crypto.hash"), text).hexdigest()


def hash_file(path: Any = None, algorithm: Any = None) -> str:
    import hashlib

    if not isinstance(path, bytes):
        raise TypeError("crypto.hash_file: first argument must be a path string")
    if algorithm is not None and not isinstance(algorithm, bytes):
        raise TypeError("crypto.hash_file: second argument must be an algorithm string or nil")
    digest = hashlib.new(_algorithm(algorithm, "crypto.hash_file"))
    name = path.decode("utf-8", "surrogateescape")
    shown = path.decode("utf-8", "replace")
    try:
        # A raw descriptor: a folder opens and fails on read, as Rust's File::open does.
        fd = os.open(name, os.O_RDONLY)
    except OSError as exc:
        raise OSError(f'crypto.hash_file: open "{shown}": {_os_error(exc)}') from None
    try:
        while chunk := os.read(fd, 64 * 1024):
            digest.update(chunk)
    except OSError as exc:
        raise OSError(f'crypto.hash_file: read "{shown}": {_os_error(exc)}') from None
    finally:
        os.close(fd)
    return digest.hexdigest()


def _os_error(exc: OSError) -> str:
    return f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)


def hmac_digest(key: Any = None, data: Any = None, algorithm: Any = None, raw: Any = None) -> Any:
    import hmac

    mac = hmac.new(
        lua_text(key, "crypto.hmac: key"),
        lua_text(data, "crypto.hmac: data"),
        _algorithm(algorithm, "crypto.hmac"),
    )
    return mac.digest() if raw is True else mac.hexdigest()


def random_alphanumeric(length: Any = 32) -> bytes:
    if length is None:
        length = 32
    if isinstance(length, bool) or not isinstance(length, (int, float)):
        raise TypeError(f"crypto.random: length must be a number, got {lua_type_name(length)}")
    if not float(length).is_integer() or length <= 0 or length > MAX_RANDOM_LENGTH:
        raise ValueError(
            f"crypto.random: length must be a whole number from 1 to {MAX_RANDOM_LENGTH}, "
            f"got {length}"
        )
    import secrets

    wanted = int(length)
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
