"""Shared pieces of the scope, role, group and attribute routes (one module per kind)."""

from __future__ import annotations

from typing import Any

from ._app import ApiError, App, Request, Response, _not_found_row, _ok, _read_body
from ._jsonbody import BodyError, Field
from ._state import ApiKey
from ._validation import Errors

__all__ = [
    "ROUTES",
    "ApiError",
    "App",
    "BodyError",
    "Errors",
    "Field",
    "Request",
    "Response",
    "authorised_body",
    "bad_request",
    "invalid",
    "not_found",
    "ok",
    "read_body",
    "require",
]

ok = _ok
read_body = _read_body
not_found = _not_found_row


def require(principal: ApiKey | None, group: str, right: str) -> None:
    App._require(principal, group, right)


def authorised_body(
    request: Request, fields: tuple[Field, ...], principal: ApiKey | None, group: str, right: str
) -> dict[str, Any]:
    """The JSON body, read before ``group:right`` is checked: Rauthy's extractors run first,
    so a malformed body answers 400 even to a key without the right."""
    body = read_body(request, fields)
    require(principal, group, right)
    return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def invalid(errors: Errors) -> ApiError:
    return ApiError(400, "BadRequest", errors.message())


class MemberKind:
    """Roles and groups: the same routes and the same user-row rewrites, different names.

    ``body_name`` is the request's name key (``role``/``group``), ``pattern`` its regex.
    Renames rewrite every user whose CSV contains the old name by plain substring replacement
    (Rauthy on Hiqlite); deletes use Rauthy's find-then-replace removal.
    """

    def __init__(
        self,
        *,
        path: str,
        group: str,
        body_name: str,
        pattern: str,
        code: str,
        exists: str,
        table: str,
        user_field: str,
        protected: dict[str, str] | None = None,
    ) -> None:
        self.path, self.group, self.body_name = path, group, body_name
        self.pattern, self.code, self.exists = pattern, code, exists
        self.table, self.user_field = table, user_field
        self.protected = protected or {}
        self.fields = (Field(body_name, "string", True), Field("meta", "any"))

    def rows(self, app: App) -> list[Any]:
        rows: list[Any] = getattr(app.store.kinds, self.table)
        return rows

    def route(
        self, app: App, request: Request, principal: ApiKey | None, route: str
    ) -> Response | None:
        if route == self.path:
            if request.method == "GET":
                return self.list(app, principal)
            if request.method == "POST":
                return self.create(app, request, principal)
            return None
        prefix = self.path + "/"
        if route.startswith(prefix) and "/" not in route[len(prefix) :] and route[len(prefix) :]:
            item_id = route[len(prefix) :]
            if request.method == "PUT":
                return self.put(app, request, principal, item_id)
            if request.method == "DELETE":
                return self.delete(app, principal, item_id)
        return None

    def _response(self, row: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row.id, "name": row.name}
        if row.meta is not None:
            out["meta"] = row.meta
        return out

    def _validate(self, body: dict[str, Any]) -> None:
        from ._validation import matches

        if not matches(self.pattern, body[self.body_name]):
            errors = Errors()
            errors.add(self.body_name, self.code, body[self.body_name])
            raise invalid(errors)

    def _find(self, app: App, item_id: str) -> Any:
        for row in self.rows(app):
            if row.id == item_id:
                return row
        raise not_found()

    def list(self, app: App, principal: ApiKey | None) -> Response:
        require(principal, self.group, "read")
        with app.store.lock:
            return ok([self._response(r) for r in self.rows(app)])

    def create(self, app: App, request: Request, principal: ApiKey | None) -> Response:
        from ._named import Named, new_id

        body = authorised_body(request, self.fields, principal, self.group, "create")
        self._validate(body)
        with app.store.lock:
            if any(r.name == body[self.body_name] for r in self.rows(app)):
                raise bad_request(self.exists)
            row = Named(new_id(), body[self.body_name], body.get("meta"))
            self.rows(app).append(row)
            out = self._response(row)
            app.store.changed()
        app.store.persist()
        return ok(out)

    def put(self, app: App, request: Request, principal: ApiKey | None, item_id: str) -> Response:
        body = authorised_body(request, self.fields, principal, self.group, "update")
        self._validate(body)
        with app.store.lock:
            row = self._find(app, item_id)
            new = body[self.body_name]
            if new != row.name:
                for user in app.store.kinds.users:
                    value = getattr(user, self.user_field)
                    if value and row.name in value:
                        setattr(user, self.user_field, value.replace(row.name, new))
            row.name, row.meta = new, body.get("meta")
            out = self._response(row)
            app.store.changed()
        app.store.persist()
        return ok(out)

    def delete(self, app: App, principal: ApiKey | None, item_id: str) -> Response:
        from ._named import csv_remove

        require(principal, self.group, "delete")
        with app.store.lock:
            row = self._find(app, item_id)
            if row.name in self.protected:
                raise bad_request(self.protected[row.name])
            for user in app.store.kinds.users:
                value = getattr(user, self.user_field)
                if value and row.name in value:
                    left = csv_remove(value, row.name)
                    if self.user_field == "groups":
                        setattr(user, self.user_field, left or None)
                    else:
                        setattr(user, self.user_field, left)
            self.rows(app).remove(row)
            app.store.changed()
        app.store.persist()
        return Response(200)


def _routes() -> tuple[Any, ...]:
    from . import (
        _api_keys,
        _attributes,
        _blacklist,
        _branding,
        _groups,
        _password_policy,
        _providers,
        _roles,
        _scopes,
        _users,
    )

    return (
        _scopes.route,
        _attributes.route,
        _roles.route,
        _groups.route,
        _api_keys.route,
        _users.route,
        _password_policy.route,
        _branding.route,
        _blacklist.route,
        _providers.route,
    )


class _LazyRoutes:
    """The kind route table, built on first use (the route modules import this one)."""

    _table: tuple[Any, ...] | None = None

    def __iter__(self) -> Any:
        if _LazyRoutes._table is None:
            _LazyRoutes._table = _routes()
        return iter(_LazyRoutes._table)


ROUTES = _LazyRoutes()
