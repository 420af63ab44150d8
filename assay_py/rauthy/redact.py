"""Client fields that are credentials, hidden wherever a client is shown.

``scim.bearer_token`` is the token Rauthy sends to the SCIM server: a ``GET /clients/{id}``
answer carries it, so reprs, ``assay-py rauthy get`` and messages show a marker instead.
The data a caller asked for (``clients.get()``) is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SENSITIVE", "shown_client"]

SENSITIVE = "(sensitive)"


def shown_client(client: Any) -> Any:
    """A copy of ``client`` fit to be shown: credentials replaced by :data:`SENSITIVE`."""
    if not isinstance(client, Mapping):
        return client
    scim = client.get("scim")
    if not isinstance(scim, Mapping) or scim.get("bearer_token") is None:
        return dict(client)
    return {**client, "scim": {**scim, "bearer_token": SENSITIVE}}
