"""Client branding, keyed by client id: the login page's logo and its theme.

An entry is ``{client_id, logo?, theme?}``. A part the entry leaves out is not managed (kept
as it is, never compared); ``logo: null`` / ``theme: null`` (``false`` from Lua) mean Rauthy's
default: no logo of the client's own, the default theme. ``logo`` is a file path (checked by
``logo.read_logo``); ``theme`` is ``{light, dark, border_radius}`` where any field left out
takes Rauthy's default, so the PUT (a full replacement) is always complete.

Rauthy's routes: ``POST /theme/{id}`` reads (Clients:read; a client without a theme of its own
answers the default, whose ``client_id`` is ``rauthy``), ``PUT /theme/{id}`` writes
(Clients:update; the body's ``client_id`` must equal the path's), ``DELETE /theme/{id}`` resets
(Clients:delete). ``GET /clients/{id}/logo`` needs no right and serves the client's logo, else
the ``rauthy`` client's, else 404; ``PUT`` uploads (multipart, Clients:update), ``DELETE``
removes (Clients:**delete**). Both go with their client when it is deleted.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import RauthyError, RauthyValidationError
from ._base import Change, Violation, json_equal
from .logo import Logo, LogoRecords, read_logo, sha256

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "DEFAULT_THEME",
    "KEY",
    "BrandingApi",
    "Desired",
    "check",
    "desired_of",
    "full_theme",
    "plan",
]

KEY = "branding"
RAUTHY = "rauthy"
ENTRY_FIELDS = ("client_id", "logo", "theme")
THEME_FIELDS = ("light", "dark", "border_radius")
HSL_FIELDS = ("text", "text_high", "bg", "bg_high", "action", "accent", "error")
CSS_FIELDS = ("btn_text", "theme_sun", "theme_moon")
_RE_CLIENT_ID = "^[a-zA-Z0-9,.:/_\\-&?=~#!$'()*+%]{2,256}$"
_CLIENT_ID = re.compile(_RE_CLIENT_ID[1:-1])
_RE_CSS = "^[a-z0-9-,.#()%/\\s]+$"
_CSS = re.compile(_RE_CSS[1:-1])

_SUN, _MOON = "hsla(var(--action) / .7)", "hsla(var(--accent) / .85)"
#: Rauthy's built-in theme (what ``POST /theme/{id}`` answers for a client without one).
DEFAULT_THEME: dict[str, Any] = {
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

Row = dict[str, Any]


@dataclass(frozen=True)
class Desired:
    """A checked entry: the logo read from its file. ``*_set`` False: that part not managed."""

    client_id: str
    logo_set: bool = False
    logo: Logo | None = None
    theme_set: bool = False
    #: The full theme (defaults filled in), or None for Rauthy's default.
    theme: Mapping[str, Any] | None = None


# --- validation ------------------------------------------------------------------------------


def check(entry: Any, *, base_dir: str | Path | None = None) -> list[Violation]:
    """Everything wrong with one entry (the logo file is read to check it)."""
    return desired_of(entry, base_dir=base_dir)[1]


def desired_of(
    entry: Any, *, base_dir: str | Path | None = None
) -> tuple[Desired | None, list[Violation]]:
    """The entry checked and its logo read; ``base_dir`` anchors a relative logo path."""
    if not isinstance(entry, Mapping):
        return None, [("", f"expected a mapping (a client's branding), got {type(entry).__name__}")]
    found: list[Violation] = []
    for key in entry:
        if key not in ENTRY_FIELDS:
            found.append((str(key), f"unknown field; known: {', '.join(ENTRY_FIELDS)}"))
    client_id = entry.get("client_id")
    if not isinstance(client_id, str):
        found.append(("client_id", "required: the client's id, a string"))
    elif not _CLIENT_ID.fullmatch(client_id):
        found.append(("client_id", f"must match {_RE_CLIENT_ID}"))
    logo: Logo | None = None
    logo_set = "logo" in entry
    raw_logo = entry.get("logo")
    if raw_logo is not None and raw_logo is not False:
        if not isinstance(raw_logo, (str, Path)) or not str(raw_logo):
            found.append(("logo", "must be the path of an image file (or null: no logo)"))
        else:
            path = Path(raw_logo)
            if base_dir is not None and not path.is_absolute():
                path = Path(base_dir) / path
            logo, problems = read_logo(path, "logo")
            found.extend(problems)
    theme: dict[str, Any] | None = None
    theme_set = "theme" in entry
    raw_theme = entry.get("theme")
    if raw_theme is not None and raw_theme is not False:
        problems = theme_problems(raw_theme)
        found.extend(problems)
        if not problems:
            theme = full_theme(raw_theme)
    if not logo_set and not theme_set and not found:
        found.append(("", "says nothing to manage: give logo and/or theme"))
    if found:
        return None, found
    assert isinstance(client_id, str)
    return Desired(client_id, logo_set, logo, theme_set, theme), []


def checked(entry: Any, *, base_dir: str | Path | None = None) -> Desired:
    desired, found = desired_of(entry, base_dir=base_dir)
    if desired is None:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid branding: {listed}")
    return desired


def theme_problems(theme: Any) -> list[Violation]:
    """Rauthy's ``ThemeRequestResponse`` rules, ``action`` included (Rauthy checks ``accent``
    twice and ``action`` never; an out-of-range value there would be stored)."""
    if not isinstance(theme, Mapping):
        return [("theme", "must be a mapping {light, dark, border_radius} (or null: default)")]
    found: list[Violation] = []
    for key in theme:
        if key not in THEME_FIELDS:
            found.append((f"theme.{key}", f"unknown field; known: {', '.join(THEME_FIELDS)}"))
    for mode in ("light", "dark"):
        colours = theme.get(mode)
        if colours is None:
            continue
        where = f"theme.{mode}"
        if not isinstance(colours, Mapping):
            found.append((where, "must be a mapping of colours"))
            continue
        for key, value in colours.items():
            name = f"{where}.{key}"
            if key in HSL_FIELDS:
                found.extend(_hsl_problems(name, value))
            elif key in CSS_FIELDS:
                found.extend(_css_problems(name, value))
            else:
                known = ", ".join((*HSL_FIELDS, *CSS_FIELDS))
                found.append((name, f"unknown field; known: {known}"))
    if "border_radius" in theme:
        found.extend(_css_problems("theme.border_radius", theme["border_radius"]))
    return found


def _hsl_problems(name: str, value: Any) -> list[Violation]:
    ints = (
        isinstance(value, (list, tuple))
        and len(value) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )
    if not ints:
        return [(name, "must be [hue, saturation, lightness]: three whole numbers")]
    hue, sat, lum = value
    found: list[Violation] = []
    if not 0 <= hue <= 360:
        found.append((name, "hue must be 0-360"))
    if not (0 <= sat <= 100 and 0 <= lum <= 100):
        found.append((name, "saturation and lightness must be 0-100"))
    return found


def _css_problems(name: str, value: Any) -> list[Violation]:
    if not isinstance(value, str) or not _CSS.fullmatch(value):
        return [(name, f"must be a CSS value matching {_RE_CSS} (lower case)")]
    return []


def full_theme(theme: Mapping[str, Any]) -> dict[str, Any]:
    """``theme`` with Rauthy's defaults for every field it leaves out (a valid theme)."""
    out: dict[str, Any] = {}
    for mode in ("light", "dark"):
        given = theme.get(mode) or {}
        out[mode] = {
            key: list(given[key]) if key in HSL_FIELDS else given[key]
            for key in (*HSL_FIELDS, *CSS_FIELDS)
            if key in given
        }
        for key, default in DEFAULT_THEME[mode].items():
            out[mode].setdefault(key, default)
    out["border_radius"] = theme.get("border_radius", DEFAULT_THEME["border_radius"])
    return out


def theme_body(client_id: str, theme: Mapping[str, Any]) -> Row:
    return {"client_id": client_id, **full_theme(theme)}


def theme_of_answer(client_id: str, answer: Any) -> dict[str, Any] | None:
    """The client's own theme from a ``POST /theme/{id}`` answer; None when Rauthy answered
    its default (which says ``client_id: rauthy``)."""
    if not isinstance(answer, Mapping) or answer.get("client_id") != client_id:
        return None
    return {k: answer.get(k) for k in THEME_FIELDS}


# --- pure plan -------------------------------------------------------------------------------


def plan(
    desired: Sequence[Desired | Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    records: Mapping[str, Mapping[str, str]] | None = None,
    prune: bool = False,
) -> list[Change]:
    """Pure: one change per desired client, plus resets of unlisted clients when ``prune``.

    ``live`` rows: ``{client_id, exists, logo: {sha256, content_type, size} | None, theme:
    full theme | None}`` (None: Rauthy's default). ``records``: ``{client_id: {source,
    served}}`` sha256s of past uploads to this Rauthy. The ``rauthy`` client is never pruned.
    """
    wanted = [d if isinstance(d, Desired) else checked(d) for d in desired]
    by_id = {str(row.get("client_id")): row for row in live}
    records = records or {}
    changes = [_decide(d, by_id.get(d.client_id), records.get(d.client_id)) for d in wanted]
    if prune:
        listed = {d.client_id for d in wanted}
        for client_id, row in by_id.items():
            if client_id in listed or client_id == RAUTHY:
                continue
            body: Row = {}
            if row.get("logo") is not None:
                body["logo"] = None
            if row.get("theme") is not None:
                body["theme"] = None
            if body:
                changes.append(
                    Change(
                        KEY,
                        client_id,
                        "delete",
                        before=_live_view(row),
                        body=body,
                        id=client_id,
                        reason="absent from the file (prune branding)",
                        side_effects=("the login page falls back to Rauthy's logo and theme",),
                    )
                )
    return changes


def _decide(
    want: Desired, row: Mapping[str, Any] | None, record: Mapping[str, str] | None
) -> Change:
    exists = row is not None and row.get("exists", True) is not False
    live_logo = row.get("logo") if row is not None else None
    live_theme = row.get("theme") if row is not None else None
    body: Row = {}
    drift: list[str] = []
    before: Row = {}
    after: Row = {}
    warnings: list[str] = []
    reason = None
    if want.logo_set:
        before["logo"] = _logo_text(live_logo)
        after["logo"] = want.logo.describe() if want.logo is not None else None
        if want.logo is None:
            if live_logo is not None:
                body["logo"] = None
                drift.append("logo")
        elif not _logo_matches(want.logo, live_logo, record):
            body["logo"] = want.logo
            drift.append("logo")
            if live_logo is not None and record is None:
                reason = "no record of an earlier upload to this Rauthy: the logo is uploaded"
                warnings.append(
                    "Rauthy re-encodes rasters and sanitises SVGs, so its served logo can only be"
                    " matched to the file through the record an upload leaves"
                )
    if want.theme_set:
        desired_theme = want.theme or DEFAULT_THEME
        current = live_theme or DEFAULT_THEME
        names = _theme_drift(desired_theme, current)
        for name in names:
            before[name] = _pick(current, name)
            after[name] = _pick(desired_theme, name)
        if names:
            drift.extend(names)
            body["theme"] = dict(want.theme) if want.theme is not None else None
    if not exists:
        return Change(
            KEY,
            want.client_id,
            "create",
            after=after,
            body=body,
            id=want.client_id,
            reason="the client is created by this apply",
        )
    if not drift:
        return Change(KEY, want.client_id, "noop", id=want.client_id, warnings=tuple(warnings))
    own = live_logo is not None or live_theme is not None
    return Change(
        KEY,
        want.client_id,
        "put" if own else "create",
        drift=tuple(drift),
        before=before,
        after=after,
        body=body,
        id=want.client_id,
        reason=reason,
        warnings=tuple(warnings),
    )


def _logo_matches(want: Logo, live: Any, record: Mapping[str, str] | None) -> bool:
    if not isinstance(live, Mapping):
        return False
    served = live.get("sha256")
    if served == want.sha256:
        return True  # served as uploaded (an SVG the sanitiser left alone)
    return (
        record is not None
        and record.get("source") == want.sha256
        and (record.get("served") == served)
    )


def _logo_text(live: Any) -> str | None:
    if not isinstance(live, Mapping):
        return None
    return (
        f"served {live.get('content_type')}, {live.get('size')} bytes,"
        f" sha256 {str(live.get('sha256'))[:12]}"
    )


def _theme_drift(want: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    names = []
    for mode in ("light", "dark"):
        for key in (*HSL_FIELDS, *CSS_FIELDS):
            name = f"theme.{mode}.{key}"
            if not json_equal(_pick(want, name), _pick(live, name)):
                names.append(name)
    if not json_equal(want.get("border_radius"), live.get("border_radius")):
        names.append("theme.border_radius")
    return names


def _pick(theme: Mapping[str, Any], name: str) -> Any:
    value: Any = theme
    for part in name.split(".")[1:]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _live_view(row: Mapping[str, Any]) -> Row:
    out: Row = {}
    if row.get("logo") is not None:
        out["logo"] = _logo_text(row.get("logo"))
    if row.get("theme") is not None:
        out["theme"] = "custom"
    return out


# --- the API ---------------------------------------------------------------------------------


class BrandingApi:
    """``c.branding``: ``list``, ``get``, ``create``, ``update``, ``delete``, ``reconcile``, keyed
    by client id, plus ``logo_bytes`` (what Rauthy serves)."""

    def __init__(self, transport: Transport, records: LogoRecords | None = None) -> None:
        self._t = transport
        self.records = records if records is not None else LogoRecords()

    # -- reads ------------------------------------------------------------------------------

    def logo_bytes(self, client_id: str) -> bytes | None:
        """The logo Rauthy serves for this client (its own, or the ``rauthy`` fallback)."""
        served = self._served(client_id)
        return served[0] if served is not None else None

    def _served(self, client_id: str) -> tuple[bytes, str] | None:
        path = f"/clients/{quote(client_id, safe='')}/logo"
        response = self._t.request("GET", path, allow=frozenset({404}))
        if response.status_code == 404:
            return None
        return response.content, response.headers.get("content-type", "")

    def fallback_sha(self) -> str | None:
        """The sha256 of the ``rauthy`` client's logo (what clients without one are served)."""
        served = self._served(RAUTHY)
        return sha256(served[0]) if served is not None else None

    def theme(self, client_id: str) -> dict[str, Any] | None:
        """The client's own theme, or None when Rauthy serves it the default (1 request)."""
        answer = self._t.request("POST", f"/theme/{quote(client_id, safe='')}")
        return theme_of_answer(client_id, _json(answer))

    def live(self, client_id: str, *, fallback: str | None, exists: bool = True) -> Row:
        """The live row of one client (2 requests); ``fallback`` from :meth:`fallback_sha`."""
        theme = self.theme(client_id)
        served = self._served(client_id)
        logo: Row | None = None
        if served is not None:
            digest = sha256(served[0])
            if client_id == RAUTHY or digest != fallback:
                logo = {"sha256": digest, "content_type": served[1], "size": len(served[0])}
        return {"client_id": client_id, "exists": exists, "logo": logo, "theme": theme}

    def list(self) -> builtins.list[Row]:
        """Every client with a logo or theme of its own (``1 + 2 * clients`` requests)."""
        rows = self._t.request("GET", "/clients").json()
        ids = [str(r["id"]) for r in rows if isinstance(r, Mapping) and "id" in r]
        fallback = self.fallback_sha()
        found = [self.live(i, fallback=fallback) for i in ids]
        return [r for r in found if r["logo"] is not None or r["theme"] is not None]

    def get(self, client_id: str) -> Row | None:
        """The client's branding (``logo``/``theme`` None: Rauthy's default), or None when
        there is no such client."""
        path = f"/clients/{quote(client_id, safe='')}"
        if self._t.request("GET", path, allow=frozenset({404})).status_code == 404:
            return None
        return self.live(client_id, fallback=self.fallback_sha())

    # -- writes -----------------------------------------------------------------------------

    def create(self, entry: Mapping[str, Any]) -> Row:
        """Apply the entry's parts as given (upload, theme PUT); answers the new live row."""
        want = checked(entry)
        body: Row = {}
        if want.logo_set:
            body["logo"] = want.logo
        if want.theme_set:
            body["theme"] = want.theme
        self.execute(Change(KEY, want.client_id, "create", body=body, id=want.client_id))
        return self.live(want.client_id, fallback=self.fallback_sha())

    def update(self, client_id: str, entry: Mapping[str, Any]) -> Row:
        """Like :meth:`create` on ``client_id`` (the entry's ``client_id`` may be left out)."""
        given = dict(entry)
        given.setdefault("client_id", client_id)
        if given["client_id"] != client_id:
            raise RauthyValidationError(
                [("client_id", f"must be '{client_id}' (the client updated)")],
                f"rauthy: branding of '{client_id}': client_id: the entry names"
                f" '{given['client_id']}'",
            )
        return self.create(given)

    def delete(self, client_id: str) -> bool:
        """Back to Rauthy's defaults (logo and theme); False when there was nothing own."""
        row = self.get(client_id)
        if row is None or (row["logo"] is None and row["theme"] is None):
            return False
        body: Row = {}
        if row["logo"] is not None:
            body["logo"] = None
        if row["theme"] is not None:
            body["theme"] = None
        self.execute(Change(KEY, client_id, "delete", body=body, id=client_id))
        return True

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one client's branding: ``{action, drift_on?, drift?, warnings?}``."""
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        want = checked(entry)
        row = self.get(want.client_id)
        if row is None:
            raise RauthyError(f"rauthy: no client '{want.client_id}' to brand")
        record = self.records.get(self._t.base_url, want.client_id)
        (change,) = plan([want], [row], records={want.client_id: record} if record else None)
        if dry_run:
            return {**change.to_dict(), "planned": True}
        self.execute(change)
        return change.to_dict()

    def execute(self, change: Change) -> None:
        """Send the requests of one decided change (logo first, then theme)."""
        if change.action == "noop" or not change.body:
            return
        client_id = change.name
        quoted = quote(client_id, safe="")
        if "logo" in change.body:
            logo = change.body["logo"]
            if isinstance(logo, Logo):
                self._t.request("PUT", f"/clients/{quoted}/logo", files=logo.files())
                served = self._served(client_id)
                self.records.put(
                    self._t.base_url,
                    client_id,
                    logo.sha256,
                    sha256(served[0]) if served is not None else None,
                )
            else:
                self._t.request("DELETE", f"/clients/{quoted}/logo")
                self.records.put(self._t.base_url, client_id, None, None)
        if "theme" in change.body:
            theme = change.body["theme"]
            if theme is None:
                self._t.request("DELETE", f"/theme/{quoted}")
            else:
                self._t.request("PUT", f"/theme/{quoted}", body=theme_body(client_id, theme))

    def __repr__(self) -> str:
        return "BrandingApi(/theme, /clients/{id}/logo)"


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
