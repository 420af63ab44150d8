"""The ``log`` global: ``log.info/warn/error(msg)`` (and ``log.debug``) as lines on stderr.

Each line reads ``2026-05-11T12:00:00.123456Z  INFO message``: a UTC timestamp with
microseconds, the level right-aligned in five columns, then the message, as the original
runtime's tracing output (without its colours). ``ASSAY_LOG_LEVEL`` (``debug``, ``info``,
``warn``, ``error``; default ``info``) sets the lowest level shown; ``assay-py -v`` sets it
to ``debug``.
"""

from __future__ import annotations

import os
import sys
import time

from assay_py.host.builtins._args import arg_str, no_values
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

_LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40}


def _threshold() -> int:
    # Read per call: the CLI (or a script through env.set) may change it after install.
    return _LEVELS.get(os.environ.get("ASSAY_LOG_LEVEL", "").lower(), _LEVELS["info"])


def emit(level: str, message: str) -> None:
    """Write one log line to stderr if ``level`` passes ``ASSAY_LOG_LEVEL``."""
    if _LEVELS[level] < _threshold():
        return
    # time rather than datetime: the datetime import alone costs about a millisecond.
    seconds, nanos = divmod(time.time_ns(), 1_000_000_000)
    stamp = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{nanos // 1000:06d}Z"
    stream = sys.stderr  # looked up per call so redirections (and test capture) apply
    stream.write(f"{stamp} {level.upper():>5} {message}\n")
    stream.flush()


def _logger(level: str) -> Any:
    def log(message: Any = None) -> None:
        # Rust text, as the original declares it: numbers coerced, nil and tables refused.
        emit(level, arg_str(message, 1))

    return log


def install(vm: LuaVM) -> None:
    loggers = {level: vm.function(no_values(_logger(level))) for level in _LEVELS}
    vm.set_global("log", vm.table(loggers))
