"""The IP blacklist as Rauthy serves it (spec rauthy-resources.md §11), and its middleware.

``GET /blacklist`` (Blacklist:read) answers ``{ips: [{ip, exp}]}``; ``POST`` (Blacklist:create)
takes ``{ip, exp}``: JSON first (``ip`` must parse as an address), then the right, then
``exp >= 1719784800``; an ``exp`` not in the future answers 200 and stores nothing, otherwise
the entry is stored (a repeat resets its expiry) under the address's canonical text.
``DELETE /blacklist/{ip}`` (Blacklist:delete) removes the exact text given, 200 either way.

The middleware runs before everything else: a request from a blocked address is answered
429 with an HTML page and ``x-retry-not-before`` (the block's end), whatever its route.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

from ._kind_routes import (
    App,
    BodyError,
    Errors,
    Field,
    Request,
    Response,
    invalid,
    ok,
    read_body,
    require,
)
from ._state import ApiKey

_MIN_EXP = 1719784800
_FIELDS = (Field("ip", "string", True), Field("exp", "any", True))


def refused(app: App, request: Request) -> Response | None:
    """The middleware: the 429 for a blocked peer, or None to go on."""
    peer = request.peer
    if peer is None or not app.store.kinds.blacklist:
        return None
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    with app.store.lock:
        exp = app.store.kinds.blacklist.get(str(address))
    if exp is None or exp <= app.clock():
        return None
    page = (
        "<!DOCTYPE html><html><head><title>Too many requests</title></head><body>"
        f"<p>{address} is blocked until {exp}</p></body></html>"
    ).encode()
    return Response(429, page, "text/html; charset=utf-8", [("x-retry-not-before", str(exp))])


def route(app: App, request: Request, principal: ApiKey | None, route: str) -> Response | None:
    if route == "/blacklist":
        if request.method == "GET":
            require(principal, "Blacklist", "read")
            now = app.clock()
            with app.store.lock:
                ips = [
                    {"ip": ip, "exp": exp}
                    for ip, exp in sorted(app.store.kinds.blacklist.items())
                    if exp > now
                ]
            return ok({"ips": ips})
        if request.method == "POST":
            return _post(app, request, principal)
        return None
    if route.startswith("/blacklist/") and request.method == "DELETE":
        require(principal, "Blacklist", "delete")
        with app.store.lock:
            if app.store.kinds.blacklist.pop(unquote(route[len("/blacklist/") :]), None):
                app.store.changed()
        app.store.persist()
        return Response(200)
    return None


def _rust_text(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """``IpAddr::to_string()``: Python's text but for IPv4-mapped IPv6, which Rust writes
    with a dotted tail (``::ffff:192.0.2.1``)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _post(app: App, request: Request, principal: ApiKey | None) -> Response:
    body = read_body(request, _FIELDS)
    try:
        address = ipaddress.ip_address(body["ip"])
    except ValueError:
        raise BodyError("Json deserialize error: invalid IP address syntax") from None
    exp = body["exp"]
    if not isinstance(exp, int) or isinstance(exp, bool) or not -(2**63) <= exp < 2**63:
        raise BodyError(f"Json deserialize error: invalid type: {exp!r}, expected i64")
    require(principal, "Blacklist", "create")
    if exp < _MIN_EXP:
        errors = Errors()
        errors.add("exp", "range", exp, min=_MIN_EXP)
        raise invalid(errors)
    now = int(app.clock())
    if exp <= now:
        return Response(200)  # Rauthy's silent no-op for a past expiry
    with app.store.lock:
        app.store.kinds.blacklist[_rust_text(address)] = now + (exp - now)
        app.store.changed()
    app.store.persist()
    return Response(200)
