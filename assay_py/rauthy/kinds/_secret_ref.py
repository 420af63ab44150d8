"""Secrets a file names by reference (``{env: VAR}`` or ``{file: PATH}``), never by value.

A resolved secret is a :class:`SecretValue`: its repr and str never show it, it cannot be
pickled or turned into JSON by accident, and two of them compare by a keyed hash, so a
plan can tell whether Rauthy holds the wanted value without ever printing either.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from ..errors import RauthyValidationError

__all__ = ["SecretValue", "reference_problems", "resolve_reference"]

Violation = tuple[str, str]
KINDS = ("env", "file")
# Per process: a digest that leaked somewhere still could not be checked against guesses.
_KEY = secrets.token_bytes(32)


class SecretValue:
    """A secret in memory. ``reveal()`` is the only way to its text."""

    __slots__ = ("_digest", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._digest = hmac.new(_KEY, value.encode(), hashlib.sha256).digest()

    def reveal(self) -> str:
        return self._value

    def same_as(self, other: SecretValue | None) -> bool:
        """Equal values, compared by digest in constant time."""
        return other is not None and hmac.compare_digest(self._digest, other._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and self.same_as(other)

    def __hash__(self) -> int:
        return hash(self._digest)

    def __repr__(self) -> str:
        return "SecretValue(<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecretValue is never pickled")


def reference_problems(ref: Any, where: str) -> list[Violation]:
    """What is wrong with a reference at ``where`` (the variable or file must exist)."""
    if not isinstance(ref, Mapping) or len(ref) != 1 or next(iter(ref)) not in KINDS:
        # Never echo the value: a literal secret here must not reach an error message.
        return [(where, "must be a reference {env: VAR} or {file: PATH}, never a literal")]
    kind, target = next(iter(ref.items()))
    if not isinstance(target, str) or not target:
        return [(f"{where}.{kind}", "must be a non-empty string")]
    if kind == "env" and not os.environ.get(target):
        return [(f"{where}.env", f"environment variable {target} is not set or empty")]
    if kind == "file" and not Path(target).is_file():
        return [(f"{where}.file", f"{target} is not a readable file")]
    return []


def resolve_reference(ref: Mapping[str, Any], where: str) -> SecretValue:
    """The secret ``ref`` points at (a file's trailing newline dropped)."""
    found = reference_problems(ref, where)
    if found:
        raise RauthyValidationError(found, f"rauthy: {found[0][0]}: {found[0][1]}")
    kind, target = next(iter(ref.items()))
    if kind == "env":
        value = os.environ.get(str(target), "")
    else:
        try:
            value = Path(str(target)).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise RauthyValidationError(
                [(f"{where}.file", f"{target} cannot be read ({type(exc).__name__})")],
                f"rauthy: {where}.file: {target} cannot be read ({type(exc).__name__})",
            ) from None
    if not value:
        raise RauthyValidationError(
            [(f"{where}.{kind}", "is empty")], f"rauthy: {where}.{kind} {target} is empty"
        )
    return SecretValue(value)
