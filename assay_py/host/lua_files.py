"""Lua sources shipped with assay-py (the top-level ``lua/`` folder).

In a source checkout they live in ``<repo>/lua/``; an installed wheel carries the same files
in ``assay_py/_lua/`` (see ``force-include`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_ROOTS = (_PACKAGE_DIR / "_lua", _PACKAGE_DIR.parent / "lua")


def lua_root() -> Path:
    """The folder holding the shipped Lua files."""
    for root in _ROOTS:
        if root.is_dir():
            return root
    raise FileNotFoundError(
        f"assay-py's Lua files are missing (looked in {', '.join(map(str, _ROOTS))})"
    )


def lua_source(relpath: str) -> bytes:
    """The bytes of a shipped Lua file, e.g. ``lua_source("assay/rauthy.lua")``."""
    return (lua_root() / relpath).read_bytes()
