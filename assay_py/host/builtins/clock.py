"""The globals ``sleep(seconds)`` and ``time()``.

As on the original, sleeping lets ``async`` tasks and request handlers run meanwhile (see
:mod:`assay_py.host.scheduler`); with no task alive it simply blocks.
"""

from __future__ import annotations

import math
import time

from assay_py.host.builtins._args import lua_type_name
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any


def _sleep(seconds: Any = None) -> Pending:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"sleep: seconds must be a number, got {lua_type_name(seconds)}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"sleep: seconds must be a finite number >= 0, got {seconds}")
    return Pending.sleep(seconds)


def install(vm: LuaVM) -> None:
    vm.set_global("sleep", awaitable(vm, _sleep))
    vm.set_global("time", vm.function(time.time))
