"""Rauthy admin client: ``rauthy.client(url, api_key)``, reconcile, presets, validation.

Pure Python; knows nothing about Lua. Results are plain JSON-like values.

The names below load on first use: ``client`` brings in httpx and ssl (tens of ms), which
commands that send nothing (``presets``, help) never pay for.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        RotationUncertain,
        SecretUnread,
    )
    from .reconcile import Plan, plan
    from .validate import validate_payload

# public name -> (submodule, attribute in it; "" for the submodule itself)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Plan": (".reconcile", "Plan"),
    "RauthyClient": (".client", "RauthyClient"),
    "RauthyError": (".errors", "RauthyError"),
    "RauthyForbidden": (".errors", "RauthyForbidden"),
    "RauthyNotFound": (".errors", "RauthyNotFound"),
    "RauthyUnauthorized": (".errors", "RauthyUnauthorized"),
    "RauthyUnreachable": (".errors", "RauthyUnreachable"),
    "RauthyValidationError": (".errors", "RauthyValidationError"),
    "RebuildIncomplete": (".errors", "RebuildIncomplete"),
    "RotationUncertain": (".errors", "RotationUncertain"),
    "SecretUnread": (".errors", "SecretUnread"),
    "client": (".client", "client"),
    "client_presets": (".presets", ""),
    "plan": (".reconcile", "plan"),
    "validate_payload": (".validate", "validate_payload"),
}

__all__ = [  # a literal list, as type checkers read it; equal to the keys of _EXPORTS
    "Plan",
    "RauthyClient",
    "RauthyError",
    "RauthyForbidden",
    "RauthyNotFound",
    "RauthyUnauthorized",
    "RauthyUnreachable",
    "RauthyValidationError",
    "RebuildIncomplete",
    "RotationUncertain",
    "SecretUnread",
    "client",
    "client_presets",
    "plan",
    "validate_payload",
]


def __getattr__(name: str) -> Any:
    entry = _EXPORTS.get(name)
    if entry is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = entry
    module = importlib.import_module(module_name, __name__)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """Keeps ``rauthy.client`` the constructor once the submodule ``.client`` is imported.

    Importing a submodule binds its name on the package. Eagerly, the ``from .client import
    client`` line rebound it to the constructor right after; loaded lazily, that line never
    runs, so the binding of the submodule object is refused here instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "client" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
