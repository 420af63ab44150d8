"""The globals ``sleep(seconds)`` and ``time()``.

The original runtime's sleep is asynchronous; here it blocks the VM's thread, which is the
same thing for a script (nothing else runs inside one VM meanwhile).
"""

from __future__ import annotations

import math
import time
from typing import Any

from assay_py.host.builtins._args import lua_type_name
from assay_py.host.vm import LuaVM


def _sleep(seconds: Any = None) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"sleep: seconds must be a number, got {lua_type_name(seconds)}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"sleep: seconds must be a finite number >= 0, got {seconds}")
    time.sleep(seconds)


def install(vm: LuaVM) -> None:
    vm.set_global("sleep", vm.function(_sleep))
    vm.set_global("time", vm.function(time.time))
