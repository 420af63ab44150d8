"""``/password_policy`` as Rauthy serves it (spec rauthy-resources.md §9).

Any logged-in session may read it, an API key may not (401 ``No valid session``); PUT needs
Secrets:update, replaces the whole policy and answers it (null rules omitted).
``length_min <= length_max`` is not checked, as in Rauthy.
"""

from __future__ import annotations

from typing import Any

from ._kind_routes import (
    ApiError,
    App,
    Errors,
    Field,
    Request,
    Response,
    authorised_body,
    invalid,
    ok,
)
from ._state import ApiKey

#: ``{field: (min, max, required)}``.
RULES: dict[str, tuple[int, int, bool]] = {
    "length_min": (8, 128, True),
    "length_max": (8, 128, True),
    "include_lower_case": (1, 32, False),
    "include_upper_case": (1, 32, False),
    "include_digits": (1, 32, False),
    "include_special": (1, 32, False),
    "valid_days": (1, 3650, False),
    "not_recently_used": (1, 10, False),
}
_FIELDS = tuple(Field(name, "i32", required) for name, (_, _, required) in RULES.items())


def to_response(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in policy.items() if v is not None}


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    if route != "/password_policy":
        return None
    if request.method == "GET":
        # Sessions only: an API key is not a session here.
        raise ApiError(401, "Unauthorized", "No valid session")
    if request.method != "PUT":
        return None
    body = authorised_body(request, _FIELDS, principal, "Secrets", "update")
    errors = Errors()
    for name, (low, high, _) in RULES.items():
        errors.range(name, body.get(name), low, high)
    if errors:
        raise invalid(errors)
    with app.store.lock:
        app.store.kinds.password_policy = {name: body.get(name) for name in RULES}
        out = to_response(app.store.kinds.password_policy)
        app.store.changed()
    app.store.persist()
    return ok(out)
