"""``/users`` as Rauthy 0.35.2 serves it to an API key (spec rauthy-resources.md §6, §3.5).

``POST /users`` always "e-mails" a set-your-password link: the emulator records the mail in
``kinds.mails`` instead of sending it. Unknown roles and groups are dropped and the rest kept
in table order, as Rauthy does. ``PUT`` is a full replacement and, with the default config,
requires ``given_name``; ``PATCH`` takes ``{put: [{key, value}], del: [key]}``. ``DELETE``
answers 204 and has no guard for the last admin. The list answers 206 with a continuation
token once the user count reaches the ``ssp_threshold`` (1000).
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import parse_qs, unquote

from ._clients import is_head
from ._kind_routes import (
    ApiError,
    App,
    BodyError,
    Errors,
    Field,
    Request,
    Response,
    authorised_body,
    bad_request,
    invalid,
    not_found,
    ok,
    read_body,
    require,
)
from ._named import User, new_id
from ._state import ApiKey
from ._validation import matches

SSP_THRESHOLD = 1000
#: ``user_values.preferred_username.blacklist`` of the default config (matched lower-cased).
_USERNAME_BLACKLIST = frozenset({"admin", "administrator", "root"})
LANGUAGES = ("de", "en", "fr", "ko", "nb", "ru", "uk", "zhhans")
#: The nightly adds Dutch to the ``Language`` enum.
LANGUAGES_HEAD = (*LANGUAGES, "nl")
#: PATCH converts its ``language`` string leniently: these aliases, anything else English.
_PATCH_LANGUAGE = {
    "en-US": "en",
    "de-DE": "de",
    "fr-FR": "fr",
    "ko-KR": "ko",
    "nb-NO": "nb",
    "no-NO": "nb",
    "nl-NL": "nl",
    "ru-RU": "ru",
    "uk-UA": "uk",
    "zh": "zhhans",
    "zh-hans": "zhhans",
    "zh-Hans": "zhhans",
}
_WS = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
RE_USER_NAME = (
    rf"^[a-zA-Z0-9\u00c0-\u024f\-'{_WS}"
    r"\u3041-\u3096\u30a0-\u30ff\u3400-\u4db5\u4e00-\u9fcb\uf900-\ufa6a\u2e80-\u2fd5"
    r"\uff66-\uff9f\uffa1-\uffdc\u31f0-\u31ff]{1,32}$"
)
RE_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
RE_ROLES = r"^[a-zA-Z0-9-_/,:*.]{2,64}$"
RE_GROUPS = rf"^[a-zA-Z0-9-_/,:*{_WS}]{{2,64}}$"
RE_ATTR = r"^[a-zA-Z0-9-_/]{2,32}$"
RE_PREFERRED = r"^[a-zA-Z0-9][a-zA-Z0-9-.]*[a-zA-Z0-9]$"
USER_EXPIRES_MIN = 1719784800
_VALUE_KEYS = ("birthdate", "phone", "street", "zip", "city", "country", "tz")
_PUT_KEYS = (
    "email",
    "password",
    "given_name",
    "family_name",
    "language",
    "roles",
    "groups",
    "enabled",
    "email_verified",
    "user_expires",
    *(f"user_values.{k}" for k in _VALUE_KEYS),
)
_DEL_KEYS = (
    "given_name",
    "family_name",
    "language",
    "roles",
    "groups",
    "user_expires",
    "user_values",
    *(f"user_values.{k}" for k in _VALUE_KEYS),
)
_NEW_USER = (
    Field("email", "string", True),
    Field("given_name", "string"),
    Field("family_name", "string"),
    Field("language", "string", True),
    Field("roles", "strings", True),
    Field("groups", "strings"),
    Field("user_expires", "any"),
    Field("tz", "string"),
)
_UPDATE_USER = (
    Field("email", "string", True),
    Field("given_name", "string"),
    Field("family_name", "string"),
    Field("language", "string"),
    Field("password", "string"),
    Field("roles", "strings", True),
    Field("groups", "strings"),
    Field("enabled", "bool", True),
    Field("email_verified", "bool", True),
    Field("user_expires", "any"),
    Field("user_values", "any"),
)
_PATCH = (Field("put", "any", True), Field("del", "strings", True))


# --- shapes ----------------------------------------------------------------------------------


def _csv(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def to_response(user: User) -> dict[str, Any]:
    """``UserResponse``: optional fields omitted when null."""
    out: dict[str, Any] = {"id": user.id, "email": user.email}
    if user.given_name:
        out["given_name"] = user.given_name
    if user.family_name:
        out["family_name"] = user.family_name
    out["language"] = user.language
    out["roles"] = _csv(user.roles)
    if user.groups:
        out["groups"] = _csv(user.groups)
    out["enabled"] = user.enabled
    out["email_verified"] = user.email_verified
    out["created_at"] = user.created_at
    if user.user_expires is not None:
        out["user_expires"] = user.user_expires
    out["account_type"] = "password" if user.password_set else "new"
    if user.auth_provider_id:
        out["account_type"] = "federated_password" if user.password_set else "federated"
    values = dict(user.user_values)
    if user.preferred_username:
        values["preferred_username"] = user.preferred_username
    out["user_values"] = values
    if user.auth_provider_id:
        out["auth_provider_id"] = user.auth_provider_id
    return out


def to_simple(user: User) -> dict[str, Any]:
    """``UserResponseSimple``: nulls present as null, no roles or groups."""
    return {
        "id": user.id,
        "email": user.email,
        "given_name": user.given_name or None,
        "family_name": user.family_name or None,
        "created_at": user.created_at,
        "last_login": None,
        "picture_id": None,
    }


# --- validation ------------------------------------------------------------------------------


def _check_profile(body: dict[str, Any], errors: Errors) -> None:
    if "email" in body and not matches(RE_EMAIL, body["email"]):
        errors.add("email", "email", body["email"])
    for key in ("given_name", "family_name"):
        value = body.get(key)
        if value is not None and not matches(RE_USER_NAME, value):
            errors.add(key, "[a-zA-Z0-9À-ɏ-'\\s]{1,32}", value)
    errors.each("roles", RE_ROLES, body.get("roles"))
    errors.each("groups", RE_GROUPS, body.get("groups"))
    expires = body.get("user_expires")
    if expires is not None and (
        not isinstance(expires, int) or isinstance(expires, bool) or expires < USER_EXPIRES_MIN
    ):
        errors.add("user_expires", "range", expires, min=USER_EXPIRES_MIN)


def _languages(app: App) -> tuple[str, ...]:
    return LANGUAGES_HEAD if is_head(app.version) else LANGUAGES


def _patch_language(app: App, value: Any) -> str:
    """Rauthy's ``Language::from(&str)``: never an error, an unknown name becomes English."""
    name = value if isinstance(value, str) else ""
    name = _PATCH_LANGUAGE.get(name, name)
    return name if name in _languages(app) else "en"


def _language(app: App, value: Any) -> None:
    languages = _languages(app)
    if value is not None and value not in languages:
        expected = ", ".join(f"`{lang}`" for lang in languages)
        # A serde error: Rauthy answers it as plain text, like every body error.
        raise BodyError(
            f"Json deserialize error: unknown variant `{value}`, expected one of {expected}"
        )


def _known(app: App, table: str, names: list[str] | None) -> str | None:
    """Rauthy drops unknown names and keeps the rest in table order."""
    wanted = set(names or ())
    rows = getattr(app.store.kinds, table)
    kept = [r.name for r in rows if r.name in wanted]
    return ",".join(kept) if kept else None


def _check_password(app: App, password: str) -> None:
    policy = app.store.kinds.password_policy
    problems = []
    if not policy["length_min"] <= len(password) <= policy["length_max"]:
        problems.append(f"length {policy['length_min']}-{policy['length_max']}")
    counts = {
        "include_lower_case": sum(c.islower() for c in password),
        "include_upper_case": sum(c.isupper() for c in password),
        "include_digits": sum(c.isdigit() for c in password),
        "include_special": sum(not c.isalnum() for c in password),
    }
    for rule, have in counts.items():
        need = policy.get(rule)
        if need is not None and have < need:
            problems.append(f"{rule} {need}")
    if problems:
        raise bad_request("Password policy not satisfied: " + ", ".join(problems))


def _find(app: App, user_id: str) -> User:
    for user in app.store.kinds.users:
        if user.id == user_id:
            return user
    raise not_found()


def _email_taken(app: App, email: str, but: User | None = None) -> bool:
    return any(u.email == email and u is not but for u in app.store.kinds.users)


# --- routes ----------------------------------------------------------------------------------


def list_users(app: App, request: Request, principal: ApiKey | None) -> Response:
    require(principal, "Users", "read")
    query = parse_qs(request.query or "")
    with app.store.lock:
        users = list(app.store.kinds.users)
    count = len(users)
    if count < SSP_THRESHOLD:
        return Response(
            200,
            _json([to_simple(u) for u in users]),
            "application/json",
            [("x-user-count", str(count))],
        )
    size = max(_int(query.get("page_size"), SSP_THRESHOLD), SSP_THRESHOLD)
    token = (query.get("continuation_token") or [""])[0]
    start = _int([token[1:]], 0) if token.startswith("o") else _int(query.get("offset"), 0)
    page = users[start : start + size]
    headers = [
        ("x-user-count", str(count)),
        ("x-page-count", str(-(-count // size))),
        ("x-page-size", str(size)),
    ]
    if start + size < count:
        headers.append(("x-continuation-token", f"o{start + size}"))
    return Response(206, _json([to_simple(u) for u in page]), "application/json", headers)


def _int(values: list[str] | None, default: int) -> int:
    try:
        return max(0, int((values or [""])[0]))
    except ValueError:
        return default


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":")).encode()


def create_user(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = authorised_body(request, _NEW_USER, principal, "Users", "create")
    _language(app, body["language"])
    errors = Errors()
    _check_profile(body, errors)
    tz = body.get("tz")
    if tz is not None and len(tz) > 48:
        errors.add("tz", "length", tz, max=48)
    if errors:
        raise invalid(errors)
    email = body["email"].lower()
    with app.store.lock:
        if _email_taken(app, email):
            raise bad_request("User with this E-Mail already exists")
        user = User(
            new_id(),
            email,
            _known(app, "roles", body["roles"]) or "",
            _known(app, "groups", body.get("groups")),
            given_name=body.get("given_name") or None,
            family_name=body.get("family_name") or None,
            language=body["language"],
            user_expires=body.get("user_expires"),
            created_at=int(time.time()),
        )
        if tz is not None and tz not in ("UTC", "Etc/UTC"):
            user.user_values["tz"] = tz
        app.store.kinds.users.append(user)
        # No flag suppresses it: the first-password magic link goes out on every create.
        app.store.kinds.mails.append(
            {
                "to": email,
                "template": "new_user",
                "link": f"/auth/v1/users/{user.id}/reset/{secrets.token_urlsafe(24)}",
            }
        )
        out = to_response(user)
        app.store.changed()
    app.store.persist()
    return ok(out)


def get_user(app: App, principal: ApiKey | None, user_id: str) -> Response:
    require(principal, "Users", "read")
    with app.store.lock:
        return ok(to_response(_find(app, user_id)))


def get_by_email(app: App, principal: ApiKey | None, email: str) -> Response:
    require(principal, "Users", "read")
    with app.store.lock:
        for user in app.store.kinds.users:
            if user.email == email.lower():
                return ok(to_response(user))
    raise not_found()


def put_user(app: App, request: Request, principal: ApiKey | None, user_id: str) -> Response:
    # The JSON body is read before any handler code; 0.35.2 then authorises before
    # validating, the nightly validates first ("cheap auth gate" after the checks).
    body = read_body(request, _UPDATE_USER)
    _language(app, body.get("language"))
    if not is_head(app.version):
        require(principal, "Users", "update")
    errors = Errors()
    _check_profile(body, errors)
    if errors:
        raise invalid(errors)
    if not body.get("given_name"):
        # The default config's required-values validator (PUT only, not PATCH).
        raise bad_request("'given_name' is required")
    require(principal, "Users", "update")
    with app.store.lock:
        user = _find(app, user_id)
        email = body["email"].lower()
        if _email_taken(app, email, user):
            raise bad_request("User with this E-Mail already exists")
        if body.get("password") is not None:
            _check_password(app, body["password"])
            user.password_set = True
        user.email = email
        user.given_name = body.get("given_name") or None
        user.family_name = body.get("family_name") or None
        if body.get("language") is not None:
            user.language = body["language"]
        user.roles = _known(app, "roles", body["roles"]) or ""
        user.groups = _known(app, "groups", body.get("groups"))
        user.enabled, user.email_verified = body["enabled"], body["email_verified"]
        user.user_expires = body.get("user_expires")
        values = body.get("user_values")
        user.user_values = dict(values) if isinstance(values, dict) else {}
        out = to_response(user)
        app.store.changed()
    app.store.persist()
    return ok(out)


def patch_user(app: App, request: Request, principal: ApiKey | None, user_id: str) -> Response:
    require(principal, "Users", "update")
    body = read_body(request, _PATCH)
    ops = body["put"]
    if not isinstance(ops, list) or not all(
        isinstance(op, dict) and isinstance(op.get("key"), str) and "value" in op for op in ops
    ):
        raise bad_request("Json deserialize error: expected a sequence of {key, value}")
    for op in ops:
        if op["key"] not in _PUT_KEYS:
            raise bad_request(f"Invalid patch op: {op['key']}")
    for key in body["del"]:
        if key not in _DEL_KEYS:
            raise bad_request(f"Invalid patch op: {key}")
    with app.store.lock:
        user = _find(app, user_id)
        draft: dict[str, Any] = {
            "given_name": user.given_name,
            "family_name": user.family_name,
            "language": user.language,
            "roles": _csv(user.roles),
            "groups": _csv(user.groups),
            "user_expires": user.user_expires,
        }
        values = dict(user.user_values)
        email, password = user.email, None
        enabled, verified = user.enabled, user.email_verified
        for op in ops:
            key, value = op["key"], op["value"]
            if key == "email":
                email = str(value).lower()
            elif key == "password":
                password = value if isinstance(value, str) else None
            elif key == "enabled":
                enabled = value if isinstance(value, bool) else True
            elif key == "email_verified":
                verified = value if isinstance(value, bool) else True
            elif key == "language":
                draft["language"] = _patch_language(app, value)
            elif key.startswith("user_values."):
                values[key.split(".", 1)[1]] = value
            else:
                draft[key] = value
        for key in body["del"]:
            if key == "user_values":
                values = {}
            elif key.startswith("user_values."):
                values.pop(key.split(".", 1)[1], None)
            elif key == "language":
                continue  # Rauthy sets no language then, and a missing one is kept
            else:
                draft[key] = [] if key in ("roles", "groups") else None
        checked = {k: v for k, v in draft.items() if v is not None}
        checked["email"] = email
        _shape(checked)
        errors = Errors()
        _check_profile(checked, errors)
        if errors:
            raise invalid(errors)
        if _email_taken(app, email, user):
            raise bad_request("User with this E-Mail already exists")
        if password is not None:
            _check_password(app, password)
            user.password_set = True
        user.email, user.enabled, user.email_verified = email, enabled, verified
        user.given_name = draft["given_name"] or None
        user.family_name = draft["family_name"] or None
        user.language = draft["language"] or "en"
        user.roles = _known(app, "roles", draft["roles"]) or ""
        user.groups = _known(app, "groups", draft["groups"])
        user.user_expires = draft["user_expires"]
        user.user_values = {k: v for k, v in values.items() if v is not None}
        out = to_response(user)
        app.store.changed()
    app.store.persist()
    return ok(out)


def _shape(draft: dict[str, Any]) -> None:
    for key in ("given_name", "family_name", "language", "email"):
        if key in draft and not isinstance(draft[key], str):
            raise bad_request(f"Invalid patch op: {key} must be a string")
    for key in ("roles", "groups"):
        if key in draft and not (
            isinstance(draft[key], list) and all(isinstance(v, str) for v in draft[key])
        ):
            raise bad_request(f"Invalid patch op: {key} must be an array of strings")


def delete_user(app: App, principal: ApiKey | None, user_id: str) -> Response:
    require(principal, "Users", "delete")
    with app.store.lock:
        user = _find(app, user_id)
        app.store.kinds.users.remove(user)  # no last-admin guard, as in Rauthy
        app.store.changed()
    app.store.persist()
    return Response(204)


def get_attrs(app: App, principal: ApiKey | None, user_id: str) -> Response:
    require(principal, "UserAttributes", "read")
    with app.store.lock:
        user = _find(app, user_id)
        return ok({"values": [{"key": k, "value": v} for k, v in user.attrs.items()]})


def put_attrs(app: App, request: Request, principal: ApiKey | None, user_id: str) -> Response:
    body = authorised_body(
        request, (Field("values", "any", True),), principal, "UserAttributes", "update"
    )
    values = body["values"]
    if not isinstance(values, list) or not all(
        isinstance(v, dict) and isinstance(v.get("key"), str) for v in values
    ):
        raise bad_request("Json deserialize error: expected a sequence of {key, value}")
    errors = Errors()
    for item in values:
        if not matches(RE_ATTR, item["key"]):
            errors.add("key", "^[a-zA-Z0-9-_/]{2,32}$", item["key"])
            break
    if errors:
        raise invalid(errors)
    with app.store.lock:
        user = _find(app, user_id)
        defined = {a.name for a in app.store.kinds.attrs}
        for item in values:
            value = item.get("value")
            if value is None or value == "":
                user.attrs.pop(item["key"], None)
            elif item["key"] not in defined:
                # Hiqlite's foreign-key failure as Rauthy maps it.
                raise bad_request("FOREIGN KEY constraint failed")
            else:
                user.attrs[item["key"]] = value
        out = {"values": [{"key": k, "value": v} for k, v in user.attrs.items()]}
        app.store.changed()
    app.store.persist()
    return ok(out)


def put_preferred_username(
    app: App, request: Request, principal: ApiKey | None, user_id: str
) -> Response:
    body = read_body(
        request, (Field("preferred_username", "string"), Field("force_overwrite", "opt_bool"))
    )
    name = body.get("preferred_username")
    if name and not matches(RE_PREFERRED, name):
        errors = Errors()
        errors.add("preferred_username", RE_PREFERRED, name)
        raise invalid(errors)
    require(principal, "Users", "update")  # the body is validated before authorising here
    if name and name.lower() in _USERNAME_BLACKLIST:
        raise ApiError(406, "NotAccepted", f"username '{name}' is blacklisted")
    with app.store.lock:
        user = _find(app, user_id)
        if body.get("force_overwrite") is not True and user.preferred_username is not None:
            # the default config makes a set name immutable
            raise bad_request("The 'preferred_username' is immutable")
        if name and any(
            u.preferred_username == name and u is not user for u in app.store.kinds.users
        ):
            # the UNIQUE constraint, answered as Rauthy words it
            raise ApiError(406, "NotAccepted", "'preferred_username' is not available")
        user.preferred_username = name or None
        app.store.changed()
    app.store.persist()
    return Response(200)


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    if not (route == "/users" or route.startswith("/users/")):
        return None
    parts = route.split("/")[2:]  # after "", "users"
    method = request.method
    if route == "/users":
        if method == "GET":
            return list_users(app, request, principal)
        if method == "POST":
            return create_user(app, request, principal)
        return None
    if parts[0] == "attr":
        return None  # attribute definitions (_attributes.py)
    if len(parts) == 2 and parts[0] == "email" and method == "GET":
        return get_by_email(app, principal, unquote(parts[1]))
    user_id = unquote(parts[0])
    if len(parts) == 1:
        if method == "GET":
            return get_user(app, principal, user_id)
        if method == "PUT":
            return put_user(app, request, principal, user_id)
        if method == "PATCH":
            return patch_user(app, request, principal, user_id)
        if method == "DELETE":
            return delete_user(app, principal, user_id)
        return None
    if len(parts) == 2 and parts[1] == "attr":
        if method == "GET":
            return get_attrs(app, principal, user_id)
        if method == "PUT":
            return put_attrs(app, request, principal, user_id)
        return None
    if parts[1:] == ["self", "preferred_username"] and method == "PUT":
        return put_preferred_username(app, request, principal, user_id)
    return None
