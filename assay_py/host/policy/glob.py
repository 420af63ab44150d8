"""Host and path patterns of ``http.rules``.

Not :mod:`fnmatch`: its ``*`` crosses ``/`` (so ``/v3/*`` would admit ``/v3/a/b``) and it
gives ``?`` and ``[...]`` meaning, where a rule's paths take them literally. Paths here know
two wildcards, ``*`` (any run inside one segment) and ``**`` (any run, across segments), and
match the whole path. Hosts know only ``*`` (any host) and a leading ``*.`` (strict
subdomains): a general glob such as ``*example.com`` would admit ``evilexample.com``.
"""

from __future__ import annotations

import re
from functools import lru_cache


def host_matches(pattern: str, host: str) -> bool:
    """Case-insensitive; ``*.example.com`` matches ``a.example.com`` but not the apex."""
    pattern = _bare(pattern)
    host = _bare(host)
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        suffix = pattern[1:]  # ".example.com"
        return host.endswith(suffix) and len(host) > len(suffix)
    return pattern == host


def path_matches(pattern: str, path: str) -> bool:
    """Anchored at both ends: ``/v3`` does not match ``/v3/auth``."""
    return _compiled(pattern).fullmatch(path) is not None


def _bare(host: str) -> str:
    # IPv6 literals are written with brackets in URLs and often without in rules.
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    for piece in re.split(r"(\*\*|\*)", pattern):
        if piece == "**":
            parts.append(".*")
        elif piece == "*":
            parts.append("[^/]*")
        elif piece:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)
