"""``credential.get(name)``: handles a script can place in a request but never read.

A handle is a table of placeholders, one per field the policy declares (``username``,
``password``, ...). A placeholder is an inert string; the HTTP guard swaps it for the value of
the environment variable the policy names, on the way out, and only for a request the policy
has already let through. The value is read at that moment, is never handed to Lua, and is
taken out of any error text and of the response (a server echoing it back).
"""

from __future__ import annotations

import os

from assay_py.host.errors import PolicyError

_MARK = b"\x01"
_TAG = b"assay-cred"
PREFIX = _MARK + _TAG + _MARK
HIDDEN = "[redacted]"
# A value this short would be replaced inside ordinary words when echoed back.
_SCRUB_FROM = 4


def placeholder(name: str, field: str) -> bytes:
    return PREFIX + name.encode() + _MARK + field.encode() + _MARK


def has_placeholder(text: bytes | str) -> bool:
    raw = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    return PREFIX in raw


def reject_in_url(url: bytes | str) -> None:
    # In a URL the value would land in request lines, access logs and proxies' logs.
    if has_placeholder(url):
        raise PolicyError("credential: a credential handle cannot be used in a URL")


class Credentials:
    """The declared credentials: name -> field -> environment variable."""

    def __init__(self, declared: dict[str, dict[str, str]]) -> None:
        self._declared = declared
        self._tokens = {
            placeholder(name, field): (name, field, env_key)
            for name, fields in declared.items()
            for field, env_key in fields.items()
        }

    def __bool__(self) -> bool:
        return bool(self._declared)

    def __repr__(self) -> str:
        return f"Credentials({sorted(self._declared)!r})"

    @property
    def env_keys(self) -> frozenset[str]:
        """The environment variables behind the handles (never readable by scripts)."""
        return frozenset(key for _, _, key in self._tokens.values())

    def fields(self, name: str) -> dict[str, bytes]:
        """A handle's fields and placeholders; an undeclared name is an error."""
        fields = self._declared.get(name)
        if fields is None:
            raise PolicyError(f"credential: '{name}' is not declared in the policy")
        return {field: placeholder(name, field) for field in fields}

    def expand(self, text: bytes, used: list[str]) -> bytes:
        """``text`` with every placeholder replaced by its value; the values go to ``used``."""
        for token, (name, field, env_key) in self._tokens.items():
            if token not in text:
                continue
            value = os.environ.get(env_key)
            if not value:
                # Not the variable's name: a policy that wrongly holds the secret itself in
                # that place must not have it printed here.
                raise PolicyError(
                    f"credential: '{name}.{field}' has no value (the environment variable "
                    "the policy names for it is unset or empty)"
                )
            used.append(value)
            text = text.replace(token, value.encode("utf-8", "surrogateescape"))
        return text


def scrub_text(text: str, secrets: list[str]) -> str:
    """``text`` without the secrets, whole or in the forms a server or a URL gives them."""
    for form in _forms(secrets):
        text = text.replace(form, HIDDEN)
    return text


def scrub_bytes(data: bytes, secrets: list[str]) -> bytes:
    for form in _forms(secrets):
        data = data.replace(form.encode("utf-8", "surrogateescape"), HIDDEN.encode())
    return data


def _forms(secrets: list[str]) -> list[str]:
    import json
    from urllib.parse import quote, quote_plus

    forms = {
        form
        for secret in secrets
        if len(secret) >= _SCRUB_FROM
        for form in (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1])
    }
    return sorted(forms, key=len, reverse=True)  # longest first: no piece is left behind
