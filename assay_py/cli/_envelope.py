"""The JSON envelopes tool mode and ``resume`` print: one compact object on stdout.

Field names and order are the original assay's, so a caller written for it parses ours:

- ``{"ok":true,"status":"ok","output":V,"requiresApproval":null}``, plus ``"truncated":true``
  when the output was cut to fit the cap;
- ``{"ok":false,"status":"error"|"timeout","error":"..."}``;
- ``{"ok":true,"status":"needs_approval","output":null,"requiresApproval":{...}}``.

``"readonly":true`` ends each of them when the run was read-only (it is left out otherwise).
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # not typing's: see assay_py.cli
if TYPE_CHECKING:
    from typing import Any

STDOUT_CAP_BYTES = 512 * 1024
"""No envelope is longer: a larger output is replaced by a cut string of its JSON text."""

_ELLIPSIS = "..."


def _dumps(value: Any) -> str:
    # Compact, non-ASCII kept as it is, NaN refused: the shape of the original's serde_json.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _tail(readonly: bool) -> str:
    return ',"readonly":true}' if readonly else "}"


def error(message: str, *, status: str = "error", readonly: bool = False) -> bytes:
    """A failed run: ``status`` is ``error`` or ``timeout``."""
    head = f'{{"ok":false,"status":{_dumps(status)},"error":{_dumps(message)}'
    return (head + _tail(readonly)).encode("utf-8")


def success(output_json: bytes, *, readonly: bool = False) -> bytes:
    """A finished run whose return value is ``output_json`` (compact JSON text, UTF-8)."""
    whole = b'{"ok":true,"status":"ok","output":' + output_json
    envelope = whole + (b',"requiresApproval":null' + _tail(readonly).encode())
    if len(envelope) <= STDOUT_CAP_BYTES:
        return envelope
    return _truncated(output_json.decode("utf-8"), readonly)


def _truncated_envelope(text: str, readonly: bool) -> bytes:
    return (
        '{"ok":true,"status":"ok","output":'
        + _dumps(text)
        + ',"requiresApproval":null,"truncated":true'
        + _tail(readonly)
    ).encode("utf-8")


def _truncated(output_text: str, readonly: bool) -> bytes:
    """The envelope whose output is the longest prefix of ``output_text`` (+ ``...``), as a
    JSON string, that keeps the whole envelope within the cap."""
    low, high = 0, len(output_text)
    best = _truncated_envelope(_ELLIPSIS, readonly)
    while low <= high:
        middle = (low + high) // 2
        candidate = _truncated_envelope(output_text[:middle] + _ELLIPSIS, readonly)
        if len(candidate) <= STDOUT_CAP_BYTES:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def needs_approval(requires_approval: dict[str, Any], *, readonly: bool = False) -> bytes:
    """A run suspended at an approval request; ``requires_approval`` carries its token."""
    head = '{"ok":true,"status":"needs_approval","output":null,"requiresApproval":'
    return (head + _dumps(requires_approval) + _tail(readonly)).encode("utf-8")
