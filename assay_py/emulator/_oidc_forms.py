"""Reading OIDC requests as Rauthy's extractors do: ``Form<T>`` bodies and ``Query<T>``
strings (plain-text 400s from actix), then the ``validator`` rules of each request type."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from . import _validation as v
from ._app import ApiError, Request
from ._jsonbody import BodyError

FORM_LIMIT = 16 * 1024  # actix's default FormConfig limit

# (pattern, the `code` Rauthy's validator reports): the codes are Rauthy's own strings.
URI = (v.RE_URI, "[a-zA-Z0-9,.:/_-&?=~#!$'()*+%@]+$")
ALNUM = (r"^[a-zA-Z0-9]+$", "[a-zA-Z0-9]")
CLIENT_ID = (
    r"^[a-zA-Z0-9,.:/_\-&?=~#!$'()*+%]{2,256}$",
    "^[a-zA-Z0-9,.:/_\\-&?=~#!$'()*+%]{2,128}$",
)
GRANT_TYPES = (v.RE_FLOW, v.RE_FLOW)
CODE_VERIFIER = (r"^[a-zA-Z0-9-._~+/=]+$", "[a-zA-Z0-9-\\._~+/=]+")
CHALLENGE_METHOD = (r"^(plain|S256)$", "plain|S256")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def read_form(request: Request, fields: Iterable[str], required: Iterable[str]) -> dict[str, str]:
    """The known fields of an urlencoded body; unknown ones are ignored, as serde does."""
    content_type = request.headers.get("content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        raise BodyError("Content type error.")
    size = len(request.body)
    if request.oversize is not None or size > FORM_LIMIT:
        raise BodyError(
            f"URL encoded payload is larger ({size} bytes) than allowed "
            f"(limit: {FORM_LIMIT} bytes).",
            413,
        )
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("Encoding error.") from None
    return _fields(parse_qsl(text, keep_blank_values=True), fields, required, "Parse error: {}.")


def read_query(request: Request, fields: Iterable[str], required: Iterable[str]) -> dict[str, str]:
    pairs = parse_qsl(request.query, keep_blank_values=True)
    return _fields(pairs, fields, required, "Query deserialize error: {}")


def _fields(
    pairs: list[tuple[str, str]], fields: Iterable[str], required: Iterable[str], shape: str
) -> dict[str, str]:
    known = set(fields)
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in known:
            if name in out:
                raise BodyError(shape.format(f"duplicate field `{name}`"))
            out[name] = value
    for name in required:
        if name not in out:
            raise BodyError(shape.format(f"missing field `{name}`"))
    return out


class Checks:
    """``validator`` rules over a parsed request; ``raise_if_any`` answers Rauthy's 400."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors = v.Errors()

    def regex(self, name: str, rule: tuple[str, str]) -> None:
        value = self.values.get(name)
        if value is not None and not v.matches(rule[0], value):
            self.errors.add(name, rule[1], value)

    def max_len(self, name: str, limit: int) -> None:
        value = self.values.get(name)
        if value is not None and len(value) > limit:
            self.errors.add(name, "length", value, max=limit)

    def email(self, name: str) -> None:
        value = self.values.get(name)
        if value is not None and not _EMAIL.fullmatch(value):
            self.errors.add(name, "email", value)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, "BadRequest", self.errors.message())
