"""A Rauthy emulator: real HTTP on 127.0.0.1, faithful to Rauthy's admin API.

``with RauthyEmulator() as emu: ...``; see ``RauthyEmulator`` for the API. Only the standard
library is imported, so starting one is cheap.
"""

from ._emulator import RauthyEmulator
from ._faults import Faults, RequestRecord

__all__ = ["Faults", "RauthyEmulator", "RequestRecord"]
