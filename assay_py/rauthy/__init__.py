"""Rauthy admin client: ``rauthy.client(url, api_key)``, reconcile, presets, validation.

Pure Python; knows nothing about Lua. Results are plain JSON-like values.
"""

from __future__ import annotations

from . import presets as client_presets
from .client import RauthyClient, client
from .errors import (
    RauthyError,
    RauthyForbidden,
    RauthyNotFound,
    RauthyUnauthorized,
    RauthyUnreachable,
    RauthyValidationError,
    RebuildIncomplete,
    SecretUnread,
)
from .reconcile import Plan, plan
from .validate import validate_payload

__all__ = [
    "Plan",
    "RauthyClient",
    "RauthyError",
    "RauthyForbidden",
    "RauthyNotFound",
    "RauthyUnauthorized",
    "RauthyUnreachable",
    "RauthyValidationError",
    "RebuildIncomplete",
    "SecretUnread",
    "client",
    "client_presets",
    "plan",
    "validate_payload",
]
