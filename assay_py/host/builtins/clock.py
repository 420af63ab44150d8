"""The globals ``sleep(seconds)`` and ``time()``.

As on the original, sleeping lets ``async`` tasks and request handlers run meanwhile (see
:mod:`assay_py.host.scheduler`); with no task alive it simply blocks.
"""

from __future__ import annotations

import math
import time

from assay_py.host.builtins._args import arg_f64, number_text
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any


def _sleep(raw: Any = None) -> Pending:
    seconds = arg_f64(raw, 1)  # an f64, as the original declares it ("0.5" reads as 0.5)
    # The original panics on these; a clear error is the nearest safe thing.
    if not math.isfinite(seconds) or seconds < 0:
        shown = number_text(raw if isinstance(raw, (int, float)) else seconds)
        raise ValueError(f"sleep: seconds must be a finite number >= 0, got {shown}")
    pending = Pending.sleep(seconds)
    pending.then = _no_values
    return pending


def _no_values(_: Any) -> tuple[()]:
    return ()  # the original's sleep returns nothing at all: select("#", sleep(0)) is 0


def install(vm: LuaVM) -> None:
    vm.set_global("sleep", awaitable(vm, _sleep))
    vm.set_global("time", vm.function(time.time))
