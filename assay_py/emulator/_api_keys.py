"""``GET /api_keys/{name}/test``: a key's view of itself, needing no access group.

The rest of ``/api_keys`` is admin-session only in 0.35.2 and is not emulated here.
"""

from __future__ import annotations

from urllib.parse import unquote

from . import _clients as c
from ._kind_routes import ApiError, App, Request, Response, ok
from ._state import GROUPS, RIGHTS, ApiKey

_HEAD_ONLY = ("ApiKeys", "AuthProviders")


def test_key(app: App, principal: ApiKey | None, name: str) -> Response:
    if principal is None:
        raise ApiError(401, "Unauthorized", "No API Key given")
    if principal.name != name:
        raise ApiError(403, "Forbidden", "Wrong API Key given")
    groups = [g for g in GROUPS if c.is_head(app.version) or g not in _HEAD_ONLY]
    access = [
        {"group": g, "access_rights": [r for r in RIGHTS if r in principal.access[g]]}
        for g in groups
        if g in principal.access
    ]
    return ok(
        {
            "name": principal.name,
            "created": int(principal.created),
            "expires": None if principal.expires is None else int(principal.expires),
            "access": access,
        }
    )


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    parts = route.split("/")
    if (
        request.method == "GET"
        and len(parts) == 4
        and parts[1] == "api_keys"
        and parts[3] == "test"
    ):
        return test_key(app, principal, unquote(parts[2]))
    return None
