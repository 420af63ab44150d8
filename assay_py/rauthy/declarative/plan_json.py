"""The version of ``plan -o json`` (docs/plan-json.md). Bump it with any change a reader of
the output could notice: a key renamed, removed or given another meaning (adding a key is
not a change of version)."""

from __future__ import annotations

from typing import Any

FORMAT_VERSION = 1


def versioned(body: dict[str, Any], layout: str) -> dict[str, Any]:
    """``body`` with ``format_version`` and ``layout`` ("clients" or "instance") first."""
    return {"format_version": FORMAT_VERSION, "layout": layout, **body}
