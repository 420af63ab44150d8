"""Taking secrets out of text that may be shown (error messages, logs), before any cut.

A secret can come back in many shapes: whole, URL-encoded (a proxy page echoing the request),
only its part after ``$`` (an API key is ``name$secret``), or cut short by whoever produced
the text. Whole forms are replaced wherever they occur, in any letter case; for long secrets
(Rauthy's are 64 characters) any run of 8 or more of their characters in a row is replaced
too, and so is a shorter piece of one at the very start or end of the text.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"
#: Shorter secrets are only replaced whole: their fragments would match ordinary words.
_FRAGMENTS_FROM = 16
_FRAGMENT = 8
_EDGE = 4


class Scrubber:
    """Holds the secrets to hide; thread-safe, as one transport serves several threads."""

    def __init__(self, *secrets: str) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._compiled: tuple[re.Pattern[str] | None, frozenset[str], tuple[str, ...]] | None
        self._compiled = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        with self._lock:
            if secret not in self._secrets:
                self._secrets.add(secret)
                self._compiled = None

    def scrub(self, text: str) -> str:
        """``text`` with every known secret, whole or in part, replaced by ``<redacted>``."""
        pattern, grams, long_secrets = self._rules()
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        if grams:
            text = _without_fragments(text, grams)
        for secret in long_secrets:
            text = _without_edges(text, secret)
        return text

    def _rules(self) -> tuple[re.Pattern[str] | None, frozenset[str], tuple[str, ...]]:
        with self._lock:
            if self._compiled is None:
                forms = {
                    form
                    for secret in self._secrets
                    for form in (secret, quote(secret, safe=""), quote_plus(secret))
                    if len(form) >= _EDGE
                }
                ordered = sorted(forms, key=len, reverse=True)  # longest first: no leftovers
                pattern = (
                    re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)
                    if ordered
                    else None
                )
                long_secrets = tuple(s for s in self._secrets if len(s) >= _FRAGMENTS_FROM)
                grams = frozenset(
                    s[i : i + _FRAGMENT]
                    for s in long_secrets
                    for i in range(len(s) - _FRAGMENT + 1)
                )
                self._compiled = (pattern, grams, long_secrets)
            return self._compiled


def _without_fragments(text: str, grams: frozenset[str]) -> str:
    spans: list[list[int]] = []
    for i in range(len(text) - _FRAGMENT + 1):
        if text[i : i + _FRAGMENT] in grams:
            if spans and spans[-1][1] >= i:
                spans[-1][1] = i + _FRAGMENT
            else:
                spans.append([i, i + _FRAGMENT])
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], REDACTED]
        last = end
    out.append(text[last:])
    return "".join(out)


def _without_edges(text: str, secret: str) -> str:
    """A text cut inside the secret (or starting inside one) keeps no piece of it."""
    for size in range(min(len(secret), len(text)), _EDGE - 1, -1):
        if text.endswith(secret[:size]):
            text = text[:-size] + REDACTED
            break
    for size in range(min(len(secret), len(text)), _EDGE - 1, -1):
        if text.startswith(secret[-size:]):
            text = REDACTED + text[size:]
            break
    return text
