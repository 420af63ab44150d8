"""The policy between ``assay.rauthy``'s Python client and the network.

The original's ``assay.rauthy`` sends through the ``http`` global, so its requests meet the
same rules, size cap and redaction as a script's own. Ours is a Python client; it takes this
transport in front of its own, which judges every request it sends (admin calls, health
probes, discovery) before anything leaves, and shapes every answer before the client reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from assay_py.host.errors import PolicyError
from assay_py.host.policy.redact import MARKER, header_redacted, redact_json

if TYPE_CHECKING:
    from assay_py.host.policy import Policy

# Headers that describe the bytes on the wire, not the decoded body handed on.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class PolicedNetwork(httpx.BaseTransport):
    def __init__(self, policy: Policy, inner: httpx.BaseTransport) -> None:
        self._policy = policy
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check_request(request)
        response = self._inner.handle_request(request)
        cap, keys = self._policy.max_response_bytes, self._policy.redact
        if cap is None and not keys:
            return response
        try:
            body = response.read()
        finally:
            response.close()
        if cap is not None and len(body) > cap:
            raise PolicyError(f"policy: response body exceeds max_response_bytes ({cap})")
        if keys:
            body = redact_json(body, keys) or body
        headers = [
            (name, MARKER if header_redacted(name, keys) else value)
            for name, value in response.headers.multi_items()
            if name.lower() not in _WIRE_HEADERS
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=body, extensions=response.extensions
        )

    def close(self) -> None:
        self._inner.close()
