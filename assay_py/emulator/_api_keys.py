"""``/api_keys`` as Rauthy serves it (spec rauthy-resources.md §8, rauthy-api.md §1.5).

- ``GET /api_keys/{name}/test`` needs no group, in every version: a key's view of itself.
- 0.35.2: every other route wants an admin session, so an API key gets 401 "No valid
  session" (after the JSON body is read: body errors come first). The emulator has no
  sessions, so nothing else is reachable there.
- 0.36: the ``ApiKeys`` group guards them (read, create, update, delete; a rotation is an
  update). As in Rauthy, the granter's own rights are not checked (a key with ``ApiKeys``
  create can mint a key holding ``Secrets``), and a key may update, rotate or delete itself,
  which takes effect at once (Rauthy invalidates its cache entry).

``POST`` and ``PUT .../secret`` answer ``text/plain`` ``name$secret``; ``PUT`` answers 200
empty and rejects a body name that differs from the path; ``DELETE`` answers 200 for an unknown
name too. ``exp`` must be ``>= 1719784800`` and is not checked to be in the future. The access
list is stored as sent (duplicates included) and only its first entry per group counts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from . import _clients as c
from ._kind_routes import (
    ApiError,
    App,
    Errors,
    Field,
    Request,
    Response,
    bad_request,
    invalid,
    not_found,
    ok,
    read_body,
    require,
)
from ._state import GROUPS, RIGHTS, ApiKey, random_key_secret
from ._validation import matches

_HEAD_ONLY = ("ApiKeys", "AuthProviders")
RE_API_KEY = r"^[a-zA-Z0-9_/-]{2,24}$"
# Rauthy's code text for the rule (its doc comment's spelling, not the regex itself).
_NAME_CODE = "^[a-zA-Z0-9_-/]{2,24}$"
EXP_MIN = 1719784800
_TEXT = "text/plain; charset=utf-8"


def _fields(app: App) -> tuple[Field, ...]:
    access = "access" if c.is_head(app.version) else "access_0352"
    return (Field("name", "string", True), Field("exp", "i64"), Field("access", access, True))


def _listed(key: ApiKey, version: str) -> list[dict[str, Any]]:
    if key.listed is not None:
        return [dict(a) for a in key.listed]
    groups = [g for g in GROUPS if c.is_head(version) or g not in _HEAD_ONLY]
    return [
        {"group": g, "access_rights": [r for r in RIGHTS if r in key.access[g]]}
        for g in groups
        if g in key.access
    ]


def _response(key: ApiKey, version: str) -> dict[str, Any]:
    return {
        "name": key.name,
        "created": int(key.created),
        "expires": None if key.expires is None else int(key.expires),
        "access": _listed(key, version),
    }


def _first_per_group(access: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for entry in access:
        out.setdefault(entry["group"], frozenset(entry["access_rights"]))
    return out


def test_key(app: App, principal: ApiKey | None, name: str) -> Response:
    if principal is None:
        raise ApiError(401, "Unauthorized", "No API Key given")
    if principal.name != name:
        raise ApiError(403, "Forbidden", "Wrong API Key given")
    return ok(_response(principal, app.version))


def _authorise(app: App, principal: ApiKey | None, right: str) -> None:
    if not c.is_head(app.version):
        # validate_admin_session(): an API key is no session.
        raise ApiError(401, "Unauthorized", "No valid session")
    require(principal, "ApiKeys", right)


def _validate(body: dict[str, Any]) -> None:
    errors = Errors()
    if not matches(RE_API_KEY, body["name"]):
        errors.add("name", _NAME_CODE, body["name"])
    exp = body.get("exp")
    if exp is not None and exp < EXP_MIN:
        errors.add("exp", "range", exp, min=EXP_MIN)
    if errors:
        raise invalid(errors)


def _token(key: ApiKey) -> Response:
    return Response(200, f"{key.name}${key.secret}".encode(), _TEXT)


def list_keys(app: App, principal: ApiKey | None) -> Response:
    _authorise(app, principal, "read")
    with app.store.lock:
        keys = [_response(k, app.version) for k in app.store.api_keys.values()]
    return ok({"keys": keys})


def create_key(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = read_body(request, _fields(app))
    _authorise(app, principal, "create")
    _validate(body)
    key = ApiKey(
        body["name"],
        random_key_secret(),
        body.get("exp"),
        _first_per_group(body["access"]),
        created=float(int(app.clock())),
        listed=body["access"],
    )
    with app.store.lock:
        if key.name in app.store.api_keys:
            raise bad_request(
                "Database error: ConstraintViolation: UNIQUE constraint failed: api_keys.name"
            )
        app.store.api_keys[key.name] = key
        app.store.changed()
    app.store.persist()
    return _token(key)


def update_key(app: App, request: Request, principal: ApiKey | None, name: str) -> Response:
    body = read_body(request, _fields(app))
    _authorise(app, principal, "update")
    _validate(body)
    if body["name"] != name:
        raise bad_request("JSON payload does not match the Name from the path")
    with app.store.lock:
        key = app.store.api_keys.get(name)
        if key is None:
            raise not_found()
        # The secret hash is kept; exp left out means "never expires".
        key.expires = body.get("exp")
        key.access = _first_per_group(body["access"])
        key.listed = body["access"]
        app.store.changed()
    app.store.persist()
    return Response(200)


def delete_key(app: App, principal: ApiKey | None, name: str) -> Response:
    _authorise(app, principal, "delete")
    with app.store.lock:
        if app.store.api_keys.pop(name, None) is not None:
            app.store.changed()
    app.store.persist()
    return Response(200)


def rotate_key(app: App, principal: ApiKey | None, name: str) -> Response:
    _authorise(app, principal, "update")
    with app.store.lock:
        key = app.store.api_keys.get(name)
        if key is None:
            raise not_found()
        key.secret = random_key_secret()  # the old secret fails from the next request on
        answer = _token(key)
        app.store.changed()
    app.store.persist()
    return answer


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    parts = route.split("/")
    if len(parts) < 2 or parts[1] != "api_keys":
        return None
    method = request.method
    if len(parts) == 2:
        if method == "GET":
            return list_keys(app, principal)
        if method == "POST":
            return create_key(app, request, principal)
        return None
    name = unquote(parts[2])
    if not name:
        return None
    if len(parts) == 3:
        if method == "PUT":
            return update_key(app, request, principal, name)
        if method == "DELETE":
            return delete_key(app, principal, name)
        return None
    if len(parts) == 4 and parts[3] == "test" and method == "GET":
        return test_key(app, principal, name)
    if len(parts) == 4 and parts[3] == "secret" and method == "PUT":
        return rotate_key(app, principal, name)
    return None
