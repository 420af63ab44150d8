"""Client branding as the engine sees it (``managed.Managed``).

Entries are keyed by client id and refer to clients (checked like any reference: the client
is in the file or live). Reading costs ``GET /clients`` plus, per branded client that exists,
``POST /theme/{id}`` and ``GET /clients/{id}/logo``, and one read of the ``rauthy`` logo (what
clients without their own are served); prune reads every live client that way.

A logo path is relative to the instance file's folder. The record of past uploads (see
``kinds.logo``) lives next to the instance file as ``.<file name>.logos.json``; a document
given as data uses the client's in-memory record. A client rebuilt or deleted by the same
apply loses its logo and theme with it, so a planned no-op is checked again at apply time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assay_py.rauthy.errors import RauthyError
from assay_py.rauthy.kinds import branding as branding_kind
from assay_py.rauthy.kinds.logo import LogoRecords

from .adapter import Checked, KeyedList, Standalone
from .instance_file import EntryMarks, Problem

__all__ = ["BrandingManaged", "records_path"]

Row = dict[str, Any]
Refs = dict[str, list[str]]


def records_path(source: str) -> Path:
    """Where the upload record of the instance file ``source`` is kept."""
    path = Path(source)
    return path.with_name(f".{path.name}.logos.json")


class BrandingManaged(KeyedList, Standalone):
    key = "branding"
    noun = "client branding"
    group = "Clients"
    depends_on: tuple[str, ...] = ("clients",)
    references: Mapping[str, str] = {"client_id": "clients"}
    #: Themes cost one read per client: exported only when asked for by name.
    export_by_default = False
    export_note = (
        "branding: not exported unless named (--kinds ...,branding reads one theme and one logo"
        " per client)"
    )

    field = "client_id"
    duplicate = "duplicate client_id, first used by entry {first}"

    def __init__(self) -> None:
        self._source: str | None = None

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        self._source = source  # logo paths are relative to the file
        return super().parse(items, marks, source)

    def read_item(self, raw: Any) -> Checked:
        base = Path(self._source).parent if self._source else None
        return branding_kind.desired_of(raw, base_dir=base)

    def name_of(self, entry: Any) -> str:
        return str(entry.client_id)

    def entry_refs(self, entry: Any) -> Refs:
        return {"client_id": [entry.client_id]}

    def read(self, client: Any) -> list[Row]:
        return [{"client_id": str(r["id"])} for r in client.clients.list()]

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("client_id"))

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        # A live client's branding is its own row: deleting a client needs no note here
        # (the plan of clients says its logo and theme go with it).
        return {}

    def _api(self, client: Any, records: LogoRecords | None = None) -> Any:
        if records is None:
            return client.branding
        return branding_kind.BrandingApi(client._transport, records)

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        from .managed import KindSection

        records = LogoRecords(records_path(self._source)) if self._source else None
        api = self._api(client, records)
        live_ids = {self.row_name(r) for r in rows}
        wanted = [e.client_id for e in entries if e.client_id in live_ids]
        if prune:
            listed = {e.client_id for e in entries}
            wanted += [i for i in sorted(live_ids) if i not in listed and i != "rauthy"]
        reads = 1
        live: list[Row] = []
        if wanted:
            fallback = api.fallback_sha()
            workers = max(1, min(parallel, len(wanted)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                live = list(pool.map(lambda i: api.live(i, fallback=fallback), wanted))
            reads += 1 + 2 * len(wanted)
        url = client._transport.base_url
        book = {e.client_id: api.records.get(url, e.client_id) for e in entries}
        changes = branding_kind.plan(
            entries,
            live,
            records={k: v for k, v in book.items() if v},
            prune=bool(prune),
        )
        items = tuple(change.plan_dict() for change in changes)
        detail = (tuple(changes), api.records, {e.client_id: e for e in entries})
        return KindSection(self.key, items, detail, prune=bool(prune), reads=reads)

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        needed = {("Clients", "read")}
        for change in section.detail[0]:
            body = change.body or {}
            if any(v is not None for v in body.values()):
                needed.add(("Clients", "update"))  # the upload and the theme PUT
            if any(v is None for v in body.values()):
                needed.add(("Clients", "delete"))  # Rauthy resets both with this right
        return needed

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome

        changes, records, entries = section.detail
        api = self._api(client, records)
        outcome = KindOutcome(self.key)
        if phase == "delete":
            todo = [c for c in changes if c.action == "delete"]
        else:
            todo = [c for c in changes if c.action in ("create", "put")]
            todo += self._recheck(client, api, [c for c in changes if c.action == "noop"], entries)

        def run(change: Any) -> dict[str, Any]:
            try:
                api.execute(change)
            except RauthyError as exc:
                return {
                    "name": change.name,
                    "action": change.action,
                    "status": "failed",
                    "error": str(exc),
                }
            return {"name": change.name, "action": change.action, "status": "ok"}

        workers = max(1, min(int(options.get("parallel", 4)), len(todo) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcome.results = list(pool.map(run, todo))
        return outcome

    def _recheck(
        self, client: Any, api: Any, noops: list[Any], entries: Mapping[str, Any]
    ) -> list[Any]:
        """Planned no-ops planned again: a client rebuilt by this apply lost its branding."""
        if not noops:
            return []
        try:
            fallback = api.fallback_sha()
            url = client._transport.base_url
            again = []
            for change in noops:
                want = entries[change.name]
                row = api.live(change.name, fallback=fallback)
                record = api.records.get(url, change.name)
                (fresh,) = branding_kind.plan(
                    [want], [row], records={change.name: record} if record else None
                )
                if fresh.action != "noop":
                    again.append(fresh)
        except RauthyError:
            return []  # the plan stands; a failure to look again changes nothing
        return again

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        return None  # a client id never changes: nothing to re-point

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        """Themes of their own as entries that plan clean; logos are left out (a note says
        why): Rauthy serves a re-encoded copy, never the uploaded file."""
        from .managed import Exported

        out = Exported()
        ids = sorted(self.row_name(r) for r in rows)
        api = client.branding
        themes: list[tuple[str, Any]] = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(lambda i: (i, api.theme(i)), ids))
        for client_id, theme in found:
            if theme is not None:
                themes.append((client_id, theme))
        for client_id, theme in themes:
            out.entries.append({"client_id": client_id, "theme": _theme_entry(theme)})
        if ids:
            fallback = api.fallback_sha()
            logos = [i for i in ids if i != "rauthy" and _has_own_logo(api, i, fallback)]
            if logos:
                out.notes.append(
                    "branding: logos are not exported (Rauthy serves a re-encoded copy, not the"
                    f" uploaded file); clients with one: {', '.join(logos)}"
                )
        return out


def _has_own_logo(api: Any, client_id: str, fallback: str | None) -> bool:
    from assay_py.rauthy.kinds.logo import sha256

    served = api.logo_bytes(client_id)
    return served is not None and sha256(served) != fallback


def _theme_entry(theme: Mapping[str, Any]) -> Row:
    """Only what differs from Rauthy's default theme (the rest is filled in when planned)."""
    default = branding_kind.DEFAULT_THEME
    out: Row = {}
    for mode in ("light", "dark"):
        colours = theme.get(mode) or {}
        changed = {k: v for k, v in colours.items() if default[mode].get(k) != v}
        if changed:
            out[mode] = changed
    if theme.get("border_radius") != default["border_radius"]:
        out["border_radius"] = theme.get("border_radius")
    return out
