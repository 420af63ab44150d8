"""Exceptions raised by the Rauthy client.

Every error keeps the original module's text shape, ``rauthy <METHOD> <path>: HTTP <status>:
<message>``, so callers (and Lua scripts matching on strings) can rely on it. No error ever
carries the API key or a client secret: messages are built from Rauthy's own error text, which
the transport scrubs before it gets here.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "RauthyError",
    "RauthyForbidden",
    "RauthyNotFound",
    "RauthyNotOffered",
    "RauthyUnauthorized",
    "RauthyUnreachable",
    "RauthyValidationError",
    "RebuildIncomplete",
    "RotationUncertain",
    "SecretUnread",
]

#: Rauthy's 403 text for API keys: "Bad permissions for given ApiKey. Needed: Secrets / Read".
_NEEDED = re.compile(r"Needed:\s*([A-Za-z]+\s*/\s*[A-Za-z]+)")


class RauthyError(Exception):
    """A request to Rauthy failed, or was refused before being sent.

    ``method``/``path``/``status`` are None when no HTTP answer is involved.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.error = error
        self.message = message

    def __str__(self) -> str:
        if self.method is not None and self.status is not None:
            return f"rauthy {self.method} {self.path}: HTTP {self.status}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class RauthyNotFound(RauthyError):
    """HTTP 404 (unknown id, or reading the secret of a public client)."""


class RauthyUnauthorized(RauthyError):
    """HTTP 401: missing, wrong or expired API key."""


class RauthyNotOffered(RauthyUnauthorized):
    """This Rauthy version serves the route to an admin session only, never to an API key
    (upstream providers before 0.36): the message says which version is needed."""


class RauthyForbidden(RauthyError):
    """HTTP 403; ``missing_right`` names what the API key lacks, e.g. ``"Secrets / Read"``."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        found = _NEEDED.search(message)
        self.missing_right: str | None = (
            re.sub(r"\s*/\s*", " / ", found.group(1)) if found else None
        )


class RauthyValidationError(RauthyError):
    """A payload breaks Rauthy's rules; ``violations`` lists every ``(field, rule)``.

    Raised before sending anything when we can tell, and for Rauthy's own 400 validation answer.
    """

    def __init__(
        self,
        violations: list[tuple[str, str]],
        message: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.violations = list(violations)
        if message is None:
            listed = "; ".join(f"{field}: {rule}" for field, rule in self.violations)
            message = f"rauthy: invalid client payload: {listed}"
        super().__init__(message, **kwargs)


class RauthyUnreachable(RauthyError):
    """No HTTP answer: connection refused, DNS, TLS, timeouts (after retries)."""


class RebuildIncomplete(RauthyError):
    """A rebuild deleted the client and then failed to create it again.

    Usually the client is absent now. When the create's POST landed and only the PUT that
    applies the payload failed (``recreated``), it exists again on Rauthy's defaults.
    ``snapshot`` is the client as it was before the delete; ``__cause__`` is the failure.
    """

    def __init__(
        self,
        client_id: str,
        snapshot: dict[str, Any] | None,
        cause: str,
        *,
        recreated: bool = False,
        confidential: bool = False,
    ) -> None:
        if not recreated:
            state = "the client is now absent, re-running reconcile recreates it"
        else:
            state = (
                "the client exists again but with Rauthy's defaults, not the payload;"
                " re-running reconcile applies it"
            )
            if confidential:
                state += f", and get_secret('{client_id}') reads the secret Rauthy minted"
        super().__init__(
            f"rauthy: rebuild of client '{client_id}' failed after it was deleted; {state}"
            f" (cause: {cause})"
        )
        self.client_id = client_id
        self.snapshot = snapshot
        self.recreated = recreated


class RotationUncertain(RauthyError):
    """A rotation was sent but its answer was lost: the secret may or may not be new now.

    ``method``/``path``/``status`` are the failed request's; ``__cause__`` is its error.
    ``old_secret_until`` is when the old secret stops working if the rotation did happen
    (unix seconds; now, without ``cache_current_hours``).
    """

    def __init__(self, client_id: str, cache_current_hours: int | None, cause: RauthyError) -> None:
        import time

        now = time.time()
        self.old_secret_until = now + 3600 * (cache_current_hours or 0)
        if cache_current_hours:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.old_secret_until))
            old = (
                f"if it did, the old secret keeps working {cache_current_hours} h more"
                f" (cache_current_hours), until about {when}, then stops"
            )
        else:
            old = "if it did, the old secret stopped working at once (no cache_current_hours)"
        super().__init__(
            f"rauthy: rotating the secret of client '{client_id}' may have happened, but its"
            f" answer was lost ({cause}); {old}. Republish the current secret with"
            f" get_secret('{client_id}'), or rotate again to mint and publish a fresh one",
            method=cause.method,
            path=cause.path,
            status=cause.status,
            error=cause.error,
        )
        self.client_id = client_id

    def __str__(self) -> str:
        return self.message


class SecretUnread(RauthyError):
    """A confidential client was created (or rebuilt), but reading its new secret failed.

    The client exists; only the secret was not handed back. ``__cause__`` is the read's error.
    """

    def __init__(self, client_id: str, action: str, cause: RauthyError) -> None:
        done = "created" if action == "create" else "rebuilt"
        super().__init__(
            f"rauthy: client '{client_id}' was {done} but its secret could not be read ({cause});"
            f" read it with get_secret('{client_id}') once the API key has Secrets / read,"
            " or rotate it with rotate_secret"
        )
        self.client_id = client_id
