"""A Rauthy emulator: real HTTP on 127.0.0.1, faithful to Rauthy's admin API.

``with RauthyEmulator() as emu: ...``; see ``RauthyEmulator`` for the API. Names load on first
use, so that the pytest plugin (imported by every pytest run) costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._emulator import RauthyEmulator
    from ._faults import Faults
    from ._request_log import RequestRecord

__all__ = ["Faults", "RauthyEmulator", "RequestRecord"]

_WHERE = {"RauthyEmulator": "._emulator", "Faults": "._faults", "RequestRecord": "._request_log"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
