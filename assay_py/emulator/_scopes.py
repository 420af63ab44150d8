"""``/scopes`` as Rauthy 0.35.2 serves it (``claims_at_root`` from 0.36).

Quirks kept on purpose: ``POST`` answers the stored row (mappings as one comma-joined string
or null); unknown attribute names are dropped silently and a mapping of only unknown names is
stored as ``""``, served as ``[""]``; only ``openid`` is protected; rename and delete rewrite
every client by substring (§1.1).
"""

from __future__ import annotations

from typing import Any

from . import _clients as c
from ._kind_routes import (
    App,
    Errors,
    Field,
    Request,
    Response,
    authorised_body,
    bad_request,
    invalid,
    not_found,
    ok,
    require,
)
from ._named import DEFAULT_SCOPES, Scope, csv_remove, new_id
from ._state import ApiKey
from ._validation import matches

RE_ROLES_SCOPES = r"^[a-zA-Z0-9-_/,:*.]{2,64}$"
RE_ATTR = r"^[a-zA-Z0-9-_/]{2,32}$"
_ATTR_CODE = "^[a-z0-9-_/]{2,128}$"
_ATTR_EMPTY = "'validate_vec_attr' cannot be empty when provided"
_MAPPINGS = ("attr_include_access", "attr_include_id")


def _fields(version: str) -> tuple[Field, ...]:
    fields = (
        Field("scope", "string", True),
        Field("attr_include_access", "strings"),
        Field("attr_include_id", "strings"),
    )
    return (*fields, Field("claims_at_root", "bool")) if c.is_head(version) else fields


def to_response(scope: Scope, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": scope.id, "name": scope.name}
    for name in _MAPPINGS:
        value = getattr(scope, name)
        if value is not None:
            out[name] = value.split(",")
    if c.is_head(version):
        out["claims_at_root"] = scope.claims_at_root
    return out


def _row(scope: Scope, version: str) -> dict[str, Any]:
    """The stored row, which is what ``POST /scopes`` answers."""
    out: dict[str, Any] = {
        "id": scope.id,
        "name": scope.name,
        "attr_include_access": scope.attr_include_access,
        "attr_include_id": scope.attr_include_id,
    }
    if c.is_head(version):
        out["claims_at_root"] = scope.claims_at_root
    return out


def _validate(body: dict[str, Any]) -> None:
    errors = Errors()
    errors.regex("scope", RE_ROLES_SCOPES, body["scope"])
    for name in _MAPPINGS:
        values = body.get(name)
        if values is None:
            continue
        if not values:
            errors.add(name, _ATTR_EMPTY)
        elif not all(matches(RE_ATTR, v) for v in values):
            errors.add(name, _ATTR_CODE)
    if errors:
        raise invalid(errors)


def _clean_up(values: list[str] | None, known: set[str]) -> str | None:
    if values is None:
        return None
    return ",".join(v for v in values if v and v in known)


def _mapped(app: App, body: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    name = body["scope"]
    if name in DEFAULT_SCOPES and any(body.get(m) is not None for m in _MAPPINGS):
        raise bad_request("OpenID default scopes cannot have custom mappings")
    known = {a.name for a in app.store.kinds.attrs}
    at_root = body.get("claims_at_root") is True and name not in DEFAULT_SCOPES
    return (
        _clean_up(body.get("attr_include_access"), known),
        _clean_up(body.get("attr_include_id"), known),
        at_root,
    )


def _find(app: App, scope_id: str) -> Scope:
    for scope in app.store.kinds.scopes:
        if scope.id == scope_id:
            return scope
    raise not_found()


def list_scopes(app: App, request: Request, principal: ApiKey | None, _: str | None) -> Response:
    require(principal, "Scopes", "read")
    with app.store.lock:
        return ok([to_response(s, app.version) for s in app.store.kinds.scopes])


def create_scope(app: App, request: Request, principal: ApiKey | None, _: str | None) -> Response:
    body = authorised_body(request, _fields(app.version), principal, "Scopes", "create")
    _validate(body)
    with app.store.lock:
        if any(s.name == body["scope"] for s in app.store.kinds.scopes):
            raise bad_request("Scope already exists")
        access, id_, at_root = _mapped(app, body)
        scope = Scope(new_id(), body["scope"], access, id_, at_root)
        app.store.kinds.scopes.append(scope)
        out = _row(scope, app.version)
        app.store.changed()
    app.store.persist()
    return ok(out)


def put_scope(
    app: App, request: Request, principal: ApiKey | None, scope_id: str | None
) -> Response:
    body = authorised_body(request, _fields(app.version), principal, "Scopes", "update")
    _validate(body)
    assert scope_id is not None
    with app.store.lock:
        scope = _find(app, scope_id)
        if scope.name == "openid":
            raise bad_request("The 'openid' scope cannot be changed")
        access, id_, at_root = _mapped(app, body)
        new = body["scope"]
        if new != scope.name:
            # No uniqueness check on the new name, and every client is rewritten by substring.
            for client in app.store.clients.values():
                joined, default = ",".join(client.scopes), ",".join(client.default_scopes)
                if scope.name in joined or scope.name in default:
                    client.scopes = _split(joined.replace(scope.name, new))
                    client.default_scopes = _split(default.replace(scope.name, new))
        scope.name, scope.attr_include_access, scope.attr_include_id = new, access, id_
        scope.claims_at_root = at_root
        out = to_response(scope, app.version)
        app.store.changed()
    app.store.persist()
    return ok(out)


def delete_scope(
    app: App, request: Request, principal: ApiKey | None, scope_id: str | None
) -> Response:
    require(principal, "Scopes", "delete")
    assert scope_id is not None
    with app.store.lock:
        scope = _find(app, scope_id)
        if scope.name == "openid":
            raise bad_request("The 'openid' scope cannot be deleted")
        for client in app.store.clients.values():
            joined, default = ",".join(client.scopes), ",".join(client.default_scopes)
            if scope.name in joined or scope.name in default:
                client.scopes = _split(csv_remove(joined, scope.name))
                client.default_scopes = _split(csv_remove(default, scope.name))
        app.store.kinds.scopes.remove(scope)
        app.store.changed()
    app.store.persist()
    return Response(200)


def _split(csv: str) -> list[str]:
    return [name for name in csv.split(",") if name]


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    if route == "/scopes":
        handler = {"GET": list_scopes, "POST": create_scope}.get(request.method)
        return None if handler is None else handler(app, request, principal, None)
    parts = route.split("/")
    if len(parts) == 3 and parts[1] == "scopes" and parts[2]:
        item = {"PUT": put_scope, "DELETE": delete_scope}.get(request.method)
        return None if item is None else item(app, request, principal, parts[2])
    return None
