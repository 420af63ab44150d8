"""Options of the client and of plan/apply, checked before anything is sent.

A wrong type used to do harm or fail late: ``prune="false"`` is truthy, so it pruned every
other client; ``secrets_dir=5`` created clients and then lost their secrets; a string
``timeout`` failed deep inside httpx. Each rule here names the option and what it takes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from .errors import RauthyValidationError

__all__ = ["check_options"]

Rule = tuple[Callable[[Any], bool], str]


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _integer(low: int, high: int | None = None) -> Callable[[Any], bool]:
    def ok(value: Any) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value >= low
            and (high is None or value <= high)
        )

    return ok


def _number(*, positive: bool) -> Callable[[Any], bool]:
    def ok(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return math.isfinite(value) and (value > 0 if positive else value >= 0)

    return ok


def _path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike)) and os.fspath(value) != ""


RULES: dict[str, Rule] = {
    "prune": (_boolean, "a boolean (true or false)"),
    "dry_run": (_boolean, "a boolean (true or false)"),
    "publish_existing": (_boolean, "a boolean (true or false)"),
    "verify": (_boolean, "a boolean (true or false)"),
    "parallel": (_integer(1, 64), "a whole number from 1 to 64"),
    "attempts": (_integer(1), "a whole number of at least 1"),
    "retries": (_integer(0), "a whole number of at least 0"),
    "cache_current_hours": (_integer(1, 24), "a whole number of hours from 1 to 24"),
    "secrets_dir": (_path, "a directory path (a non-empty string)"),
    "ca_bundle": (_path, "a file path (a non-empty string)"),
    "timeout": (_number(positive=True), "a number of seconds above 0"),
    "connect_timeout": (_number(positive=True), "a number of seconds above 0"),
    "read_timeout": (_number(positive=True), "a number of seconds above 0"),
    "probe_timeout": (_number(positive=True), "a number of seconds above 0"),
    "interval": (_number(positive=True), "a number of seconds above 0"),
    "timeout_secs": (_number(positive=False), "a number of seconds (0 or more)"),
    "backoff_base": (_number(positive=False), "a number of seconds (0 or more)"),
    "on_progress": (callable, "a function"),
    "sleep": (callable, "a function"),
}


def check_options(where: str, *, none_ok: tuple[str, ...] = (), **given: Any) -> None:
    """Raise :class:`RauthyValidationError` for the first option of ``given`` that breaks its
    rule (names without a rule pass). ``None`` is allowed for the names in ``none_ok``."""
    for name, value in given.items():
        rule = RULES.get(name)
        if rule is None or (value is None and name in none_ok):
            continue
        ok, expected = rule
        if not ok(value):
            raise RauthyValidationError(
                [(name, f"must be {expected}")],
                f"{where}: option '{name}' must be {expected}, got {_shown(value)}",
            )


def _shown(value: Any) -> str:
    if value is None:
        return "nothing (nil/None)"
    kind = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
    if isinstance(value, (bool, int, float, str)):
        text = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        return f"{kind} {text}"
    return kind
