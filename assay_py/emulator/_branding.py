"""Client logos and themes as Rauthy serves them (spec rauthy-resources.md §10), 0.35.2 and
0.36 alike.

``GET /clients/{id}/logo`` needs no right and serves the client's logo, else the ``rauthy``
client's, else an empty 404. ``PUT`` (Clients:update) wants a ``Content-Length`` of at most
10 MiB, reads only the first multipart part, whose type must be SVG, PNG or JPEG; rasters must
be at least 84 px high and are stored re-encoded to an 84x84 WebP (what is served), SVGs are
kept without scripts and event handlers. ``DELETE`` needs Clients:**delete**. Themes:
``POST /theme/{id}`` reads (Clients:read;
the default, saying ``client_id: rauthy``, for a client without one; no existence check),
``PUT`` writes (Clients:update; JSON first, then the right, the rules, the path/body match and
the client's existence), ``DELETE`` resets (Clients:delete). Rauthy checks ``accent`` twice and
``action`` never; so does this emulator. Deleting a client drops both (``forget_client``).
"""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import unquote

from ._kind_routes import (
    App,
    BodyError,
    Field,
    Request,
    Response,
    bad_request,
    not_found,
    ok,
    read_body,
    require,
)
from ._state import ApiKey
from ._validation import RE_CLIENT_ID, matches

_MAX_MB = 10
_SMALL = 84
_CSS = r"^[a-z0-9-,.#()%/\s]+$"
_HSL = ("text", "text_high", "bg", "bg_high", "action", "accent", "error")
_LOOSE = ("btn_text", "theme_sun", "theme_moon")
_THEME_FIELDS = (
    Field("client_id", "string", True),
    Field("light", "any", True),
    Field("dark", "any", True),
    Field("border_radius", "string", True),
)
_CSP = "connect-src 'none'; script-src 'none'; frame-ancestors 'none'; object-src 'none';"
_SUN, _MOON = "hsla(var(--action) / .7)", "hsla(var(--accent) / .85)"
DEFAULT_THEME: dict[str, Any] = {
    "client_id": "rauthy",
    "light": {
        "text": [200, 5, 37],
        "text_high": [200, 15, 25],
        "bg": [34, 25, 97],
        "bg_high": [34, 20, 90],
        "action": [34, 100, 40],
        "accent": [265, 100, 53],
        "error": [15, 100, 37],
        "btn_text": "white",
        "theme_sun": _SUN,
        "theme_moon": _MOON,
    },
    "dark": {
        "text": [34, 5, 75],
        "text_high": [34, 7, 90],
        "bg": [200, 40, 6],
        "bg_high": [200, 20, 17],
        "action": [34, 100, 59],
        "accent": [265, 100, 53],
        "error": [15, 100, 37],
        "btn_text": "hsl(var(--bg))",
        "theme_sun": _SUN,
        "theme_moon": _MOON,
    },
    "border_radius": "5px",
}
#: The seeded ``rauthy`` logo (a stand-in drawn for the emulator).
RAUTHY_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 84 84">'
    b'<circle cx="42" cy="42" r="40" fill="#6d28d9"/></svg>'
)


def seed_logos() -> dict[str, dict[str, str]]:
    """A fresh database's logos: the ``rauthy`` client's."""
    return {"rauthy": _stored("image/svg+xml", RAUTHY_LOGO)}


def _stored(content_type: str, data: bytes) -> dict[str, str]:
    return {"content_type": content_type, "data": base64.b64encode(data).decode()}


def forget_client(app: App, client_id: str) -> None:
    """A deleted client's logo and theme go with it (``ON DELETE CASCADE``). Lock held."""
    app.store.kinds.logos.pop(client_id, None)
    app.store.kinds.themes.pop(client_id, None)


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    parts = route.split("/")
    if len(parts) == 4 and parts[1] == "clients" and parts[3] == "logo" and parts[2]:
        client_id = unquote(parts[2])
        if request.method == "GET":
            return _get_logo(app, client_id)
        if request.method == "PUT":
            return _put_logo(app, request, principal, client_id)
        if request.method == "DELETE":
            require(principal, "Clients", "delete")
            with app.store.lock:
                if app.store.kinds.logos.pop(client_id, None) is not None:
                    app.store.changed()
            app.store.persist()
            return Response(200)
        return None
    if len(parts) == 3 and parts[1] == "theme" and parts[2]:
        client_id = unquote(parts[2])
        if request.method == "POST":
            require(principal, "Clients", "read")
            with app.store.lock:
                theme = app.store.kinds.themes.get(client_id)
                return ok(theme if theme is not None else DEFAULT_THEME)
        if request.method == "PUT":
            return _put_theme(app, request, principal, client_id)
        if request.method == "DELETE":
            require(principal, "Clients", "delete")
            with app.store.lock:
                if app.store.kinds.themes.pop(client_id, None) is not None:
                    app.store.changed()
            app.store.persist()
            return Response(200, headers=[("clear-site-data", "cache")])
    return None


# --- logos ------------------------------------------------------------------------------------


def _get_logo(app: App, client_id: str) -> Response:
    with app.store.lock:
        logos = app.store.kinds.logos
        found = logos.get(client_id) or (logos.get("rauthy") if client_id != "rauthy" else None)
    if found is None:
        return Response(404)
    data = base64.b64decode(found["data"])
    return Response(200, data, found["content_type"], [("content-security-policy", _CSP)])


def _put_logo(app: App, request: Request, principal: ApiKey | None, client_id: str) -> Response:
    require(principal, "Clients", "update")
    length = request.headers.get("content-length")
    if length is None:
        raise bad_request("Content-Length header missing")
    if not length.strip().isdigit():
        raise bad_request("invalid Content-Length header")
    if int(length) > _MAX_MB * 1024 * 1024:
        raise bad_request(f"Max size {_MAX_MB}MB")
    content_type, data = _first_part(request)
    if content_type is None:
        raise bad_request("content_type is missing")
    if content_type == "image/svg+xml":
        stored = _stored(content_type, _sanitised_svg(data))
    elif content_type in ("image/png", "image/jpeg"):
        stored = _stored("image/webp", _small_webp(data))
    else:
        raise bad_request("Invalid mime type for auth provider logo")  # Rauthy's own words
    with app.store.lock:
        if client_id not in app.store.clients:
            raise bad_request("Database error: ConstraintViolation: FOREIGN KEY constraint failed")
        app.store.kinds.logos[client_id] = stored
        app.store.changed()
    app.store.persist()
    return Response(200, headers=[("clear-site-data", "cache")])


def _first_part(request: Request) -> tuple[str | None, bytes]:
    """The first multipart part's ``Content-Type`` and bytes (actix-multipart's reading)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    header = request.headers.get("content-type", "")
    if not header.lower().startswith("multipart/"):
        raise bad_request("Multipart error: Could not find Content-Type header")
    if request.oversize is not None:
        raise bad_request(f"Max size {_MAX_MB}MB")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    if not message.is_multipart():
        raise bad_request("Multipart error: no boundary")
    for part in message.iter_parts():
        given = part.get("content-type")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        return (part.get_content_type() if given is not None else None), data
    raise bad_request("content_type is missing")


def _sanitised_svg(data: bytes) -> bytes:
    """Scripts and event handlers taken out, as Rauthy's sanitiser does; a clean SVG is kept
    byte for byte (this emulator's reading: only what is removed changes the bytes)."""
    import re
    import xml.etree.ElementTree as ET

    if not re.search(rb"<script|\son[a-z]+\s*=", data, re.IGNORECASE):
        return data
    try:
        root = ET.fromstring(data)  # expat refuses entity expansion bombs
    except ET.ParseError as exc:
        raise bad_request(f"SVG error: {exc}") from None
    for parent in root.iter():
        for child in list(parent):
            if child.tag.rsplit("}", 1)[-1].lower() == "script":
                parent.remove(child)
        for name in [n for n in parent.attrib if n.rsplit("}", 1)[-1].lower().startswith("on")]:
            del parent.attrib[name]
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(root)


def _small_webp(data: bytes) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.height < _SMALL:
                raise bad_request(f"size must be at least {_SMALL} px")
            small = ImageOps.fit(image.convert("RGBA"), (_SMALL, _SMALL))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise bad_request(f"Image error: {exc}") from None
    out = io.BytesIO()
    small.save(out, "WEBP")
    return out.getvalue()


# --- themes -----------------------------------------------------------------------------------


def _put_theme(app: App, request: Request, principal: ApiKey | None, client_id: str) -> Response:
    body = read_body(request, _THEME_FIELDS)
    light, dark = _theme_css(body["light"], "light"), _theme_css(body["dark"], "dark")
    require(principal, "Clients", "update")
    if not matches(RE_CLIENT_ID, body["client_id"]):
        raise bad_request("client_id must match: ^[a-zA-Z0-9,.:/_\\-&?=~#!$'()*+%]{2,256}$")
    for css in (light, dark):
        # Rauthy's order: text, text_high, bg, bg_high, accent (twice), error; never action.
        for key in ("text", "text_high", "bg", "bg_high", "accent", "accent", "error"):
            hue, sat, lum = css[key]
            if hue > 360:
                raise bad_request("hue max value is 360")
            if sat > 100 or lum > 100:
                raise bad_request("sat|lum max value is 100")
        for key in _LOOSE:
            _loose(css[key])
    _loose(body["border_radius"])
    if body["client_id"] != client_id:
        raise bad_request("mismatch in client_id")
    with app.store.lock:
        if client_id not in app.store.clients:
            raise not_found()
        app.store.kinds.themes[client_id] = {
            "client_id": client_id,
            "light": light,
            "dark": dark,
            "border_radius": body["border_radius"],
        }
        app.store.changed()
    app.store.persist()
    return Response(200, headers=[("clear-site-data", "cache")])


def _loose(value: str) -> None:
    if not matches(_CSS, value):
        raise bad_request("css value must match: ^[a-z0-9-,.#()%/\\s]+$")


def _theme_css(value: Any, name: str) -> dict[str, Any]:
    """``ThemeCss`` as serde reads it: every field required, ``[u16; 3]`` colours."""
    if not isinstance(value, dict):
        raise BodyError(
            f"Json deserialize error: invalid type: {_kind(value)}, expected struct ThemeCss"
        )
    out: dict[str, Any] = {}
    for key in (*_HSL, *_LOOSE):
        if key not in value:
            raise BodyError(f"Json deserialize error: missing field `{key}`")
        item = value[key]
        if key in _LOOSE:
            if not isinstance(item, str):
                raise BodyError(
                    f"Json deserialize error: invalid type: {_kind(item)}, expected a string"
                )
            out[key] = item
            continue
        if not isinstance(item, list):
            raise BodyError(
                f"Json deserialize error: invalid type: {_kind(item)}, expected an array of"
                " length 3"
            )
        if len(item) != 3:
            raise BodyError(
                f"Json deserialize error: invalid length {len(item)}, expected an array of length 3"
            )
        for number in item:
            if not isinstance(number, int) or isinstance(number, bool):
                raise BodyError(
                    f"Json deserialize error: invalid type: {_kind(number)}, expected u16"
                )
            if not 0 <= number <= 65535:
                raise BodyError(
                    f"Json deserialize error: invalid value: integer `{number}`, expected u16"
                )
        out[key] = list(item)
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if value is None:
        return "null"
    return "sequence" if isinstance(value, list) else "map"
