"""``http.redact``: values of the named JSON keys and headers hidden from responses.

A key is matched without regard to case, at any depth, in objects inside arrays too, and its
value is replaced (not removed) by ``[redacted]``, so a script still sees that it was there.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from typing import Any

MARKER = "[redacted]"
MARKER_BYTES = MARKER.encode()


def redact_json(body: bytes, keys: tuple[str, ...]) -> bytes | None:
    """The body with the keys' values replaced, or None if it is not JSON or has none of them.

    A body that changes is written out again compact with sorted keys (as the original
    runtime's JSON writer does); one that needs no change keeps its bytes.
    """
    if not keys or not body:
        return None
    try:
        value = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not _strip(value, frozenset(keys)):
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def header_redacted(name: str | bytes, keys: tuple[str, ...]) -> bool:
    text = name.decode("latin-1") if isinstance(name, bytes) else name
    return text.lower() in keys


def _strip(value: Any, keys: frozenset[str]) -> bool:
    changed = False
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in keys:
                value[key] = MARKER
                changed = True
            elif _strip(item, keys):
                changed = True
    elif isinstance(value, list):
        for item in value:
            if _strip(item, keys):
                changed = True
    return changed
