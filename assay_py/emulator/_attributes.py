"""``/users/attr`` (custom user-attribute definitions) as Rauthy 0.35.2 serves it.

PUT never changes ``typ``; an omitted ``user_editable`` becomes false. A rename rewrites every
scope mapping by substring replacement; a delete strips ``name,`` and then every remaining
occurrence of ``name`` (deleting ``dept`` turns ``dept_code`` into ``_code``), as Rauthy does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

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
from ._named import Attr
from ._state import ApiKey
from ._validation import matches

RE_ATTR = r"^[a-zA-Z0-9-_/]{2,32}$"
_WS = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
RE_ATTR_DESC = rf"^[a-zA-Z0-9-_/{_WS}]{{0,128}}$"
_FIELDS = (
    Field("name", "string", True),
    Field("desc", "string"),
    Field("default_value", "any"),
    Field("typ", "attr_typ"),
    Field("user_editable", "opt_bool"),
)


def to_response(attr: Attr) -> dict[str, Any]:
    out: dict[str, Any] = {"name": attr.name}
    for key in ("desc", "default_value", "typ"):
        if getattr(attr, key) is not None:
            out[key] = getattr(attr, key)
    out["user_editable"] = attr.user_editable
    return out


def _body(request: Request, principal: ApiKey | None, right: str) -> dict[str, Any]:
    body = authorised_body(request, _FIELDS, principal, "UserAttributes", right)
    errors = Errors()
    if not matches(RE_ATTR, body["name"]):
        errors.add("name", "^[a-z0-9-_/]{2,32}$", body["name"])
    desc = body.get("desc")
    if desc is not None and not matches(RE_ATTR_DESC, desc):
        errors.add("desc", "[a-zA-Z0-9À-ÿ-\\s]{2,128}", desc)
    if errors:
        raise invalid(errors)
    return body


def _find(app: App, name: str) -> Attr:
    for attr in app.store.kinds.attrs:
        if attr.name == name:
            return attr
    raise not_found()


def list_attrs(app: App, principal: ApiKey | None) -> Response:
    require(principal, "UserAttributes", "read")
    with app.store.lock:
        return ok({"values": [to_response(a) for a in app.store.kinds.attrs]})


def create_attr(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = _body(request, principal, "create")
    with app.store.lock:
        if any(a.name == body["name"] for a in app.store.kinds.attrs):
            raise bad_request("User attribute config does already exist")
        attr = Attr(
            body["name"],
            body.get("desc"),
            body.get("default_value"),
            body.get("typ"),
            body.get("user_editable") is True,
        )
        app.store.kinds.attrs.append(attr)
        out = to_response(attr)
        app.store.changed()
    app.store.persist()
    return ok(out)


def put_attr(app: App, request: Request, principal: ApiKey | None, name: str) -> Response:
    body = _body(request, principal, "update")
    with app.store.lock:
        attr = _find(app, name)
        new = body["name"]
        if new != name:
            for scope in app.store.kinds.scopes:
                for key in ("attr_include_access", "attr_include_id"):
                    value = getattr(scope, key)
                    if value is not None and name in value:
                        setattr(scope, key, value.replace(name, new))
            for user in app.store.kinds.users:
                # The values' foreign key is ON UPDATE CASCADE.
                if name in user.attrs:
                    user.attrs[new] = user.attrs.pop(name)
        attr.name, attr.desc = new, body.get("desc")
        attr.default_value = body.get("default_value")
        attr.user_editable = body.get("user_editable") is True
        out = to_response(attr)
        app.store.changed()
    app.store.persist()
    return ok(out)


def delete_attr(app: App, principal: ApiKey | None, name: str) -> Response:
    require(principal, "UserAttributes", "delete")
    with app.store.lock:
        attr = _find(app, name)
        for scope in app.store.kinds.scopes:
            for key in ("attr_include_access", "attr_include_id"):
                value = getattr(scope, key)
                if value is not None and name in value:
                    left = value.replace(name + ",", "").replace(name, "")
                    setattr(scope, key, left or None)
        for user in app.store.kinds.users:
            user.attrs.pop(name, None)  # every user's value for it goes
        app.store.kinds.attrs.remove(attr)
        app.store.changed()
    app.store.persist()
    return Response(200)


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    if route == "/users/attr":
        if request.method == "GET":
            return list_attrs(app, principal)
        if request.method == "POST":
            return create_attr(app, request, principal)
        return None
    prefix = "/users/attr/"
    if route.startswith(prefix) and route[len(prefix) :] and "/" not in route[len(prefix) :]:
        name = unquote(route[len(prefix) :])
        if request.method == "PUT":
            return put_attr(app, request, principal, name)
        if request.method == "DELETE":
            return delete_attr(app, principal, name)
    return None
