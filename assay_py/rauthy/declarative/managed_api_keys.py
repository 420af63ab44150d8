"""API keys as the engine sees them (``managed.Managed``); Rauthy 0.36 and later.

A minted key ``name$secret`` is published like a client secret, through the run's
``Publication``, under the owner id ``api-key@<name>`` (``publish.api_key_owner``): the file
``DIR/api-key@<name>`` holds the token, the Kubernetes Secret ``api-key-<name>`` holds it under
``api_key``. Before a request that may mint (create, renewal, rotation) the owner is journalled
in every destination, and taken out once the destination holds the token; so a run killed in
between leaves the destination marked stale.

Unlike a client secret, a key's secret can never be read back: a destination that lacks it
(a missing file, an interrupted mint) is repaired by rotating the key, which the plan shows as
``(publish)``. The key the run authenticates with is never rotated, changed or pruned.

On Rauthy 0.35.2 ``/api_keys`` is for admin sessions only: a file with ``api_keys`` fails to
plan with a message saying so; export leaves the kind out with a note.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from assay_py.rauthy.errors import RauthyError, RauthyUnauthorized
from assay_py.rauthy.kinds import api_keys as keys_kind

from .adapter import KeyedList, Standalone
from .publish import api_key_owner

__all__ = ["ApiKeysManaged", "ApiKeysPlan"]

Row = dict[str, Any]


@dataclass(frozen=True)
class ApiKeysPlan:
    """The section's detail: the decided changes and the name of the key in use."""

    changes: tuple[keys_kind.ApiKeyChange, ...]
    in_use: str | None = None
    #: The names the file lists (prune's kept keys are not published anywhere).
    declared: frozenset[str] = frozenset()


class _Unmanageable(list[Row]):
    """What ``read`` answers where an API key may not list keys (0.35.2): no rows, and why."""

    def __init__(self, error: RauthyError) -> None:
        super().__init__()
        self.error = error


@dataclass
class _Minted:
    """Tokens minted by one apply, for ``InstanceApplyReport.secrets()`` (Python and Lua
    callers; the command line never prints them)."""

    tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def secrets(self) -> dict[str, str]:
        return dict(self.tokens)

    def __repr__(self) -> str:
        return f"_Minted({sorted(self.tokens)})"


class ApiKeysManaged(KeyedList, Standalone):
    key = "api_keys"
    noun = "API key"
    group = "ApiKeys"
    # Last (spec §18 step 11): no key minted here is needed by an earlier step.
    depends_on: tuple[str, ...] = ("clients", "users")

    def check_item(self, raw: Any) -> list[tuple[str, str]]:
        return keys_kind.check(raw)

    def name_of(self, entry: Any) -> str:
        return str(entry["name"])

    def renamed_from(self, entry: Any) -> str | None:
        return None  # the name is the primary key: a rename is a new key with a new secret

    def read(self, client: Any) -> list[Row]:
        try:
            rows: list[Row] = client.api_keys.list()
        except RauthyUnauthorized as exc:
            if exc.message != keys_kind.NOT_ON_0352:
                raise
            return _Unmanageable(exc)
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("name"))

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        if isinstance(rows, _Unmanageable):
            raise rows.error
        in_use = client._transport.key_name
        changes = keys_kind.plan(entries, rows, prune=bool(prune), in_use=in_use, now=time.time())
        declared = frozenset(self.name_of(e) for e in entries)
        return self._section(changes, in_use, declared, prune=bool(prune))

    def _section(
        self,
        changes: Sequence[keys_kind.ApiKeyChange],
        in_use: str | None,
        declared: frozenset[str],
        *,
        prune: bool,
    ) -> Any:
        from .managed import KindSection

        items = []
        for change in changes:
            item = change.plan_dict()
            if change.mints:
                item["mints"] = True
            items.append(item)
        detail = ApiKeysPlan(tuple(changes), in_use, declared)
        return KindSection(self.key, tuple(items), detail, prune=prune)

    def with_publication(self, section: Any, publication: Any) -> Any:
        """``section`` with the keys some destination lacks marked: they are rotated (a key's
        secret cannot be read back). The key in use only gets a warning."""
        from dataclasses import replace

        detail: ApiKeysPlan = section.detail
        held = {
            c.name
            for c in detail.changes
            if c.action != "delete" and not c.mints and c.name in detail.declared
        }
        stale = publication.stale([api_key_owner(name) for name in sorted(held)])
        if not stale:
            return section
        changes = []
        for change in detail.changes:
            reasons = stale.get(api_key_owner(change.name))
            if reasons and change.name in held:
                if change.name == detail.in_use:
                    text = (
                        "its token is missing at "
                        + "; ".join(reasons)
                        + ", but the key in use is never rotated: rotate it with another key"
                    )
                    change = replace(change, warnings=(*change.warnings, text))
                else:
                    told = (*reasons, "a key's secret cannot be read back: apply rotates it")
                    change = keys_kind.with_rotation(change, told)
            changes.append(change)
        return self._section(changes, detail.in_use, detail.declared, prune=section.prune)

    def secret_owners(self, entries: Sequence[Any]) -> list[str]:
        """Owner ids of every declared key, for the publication's name checks."""
        return [api_key_owner(self.name_of(e)) for e in entries]

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        needed = {("ApiKeys", "read")}
        for change in section.detail.changes:
            if change.action == "create":
                needed.add(("ApiKeys", "create"))
            elif change.action == "delete":
                needed.add(("ApiKeys", "delete"))
            elif change.sends_put or change.rotate:
                needed.add(("ApiKeys", "update"))
        return needed

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome
        from .publication import Publication

        outcome = KindOutcome(self.key)
        publication = options.get("publication") or Publication([])
        detail: ApiKeysPlan = section.detail
        if phase == "delete":
            for change in (c for c in detail.changes if c.action == "delete"):
                outcome.results.append(self._delete(client, change, publication))
            return outcome
        todo = [c for c in detail.changes if c.action in ("create", "put") or c.rotate]
        if not todo:
            return outcome
        minting = [c for c in todo if c.mints]
        if minting:
            try:
                publication.prepare()  # the directory exists before the first mint
            except OSError as exc:
                error = f"cannot publish: {exc.strerror or exc}; nothing was minted"
                outcome.results = [
                    {"name": c.name, "action": c.action, "status": "failed", "error": error}
                    for c in todo
                ]
                return outcome
        # Journalled before the first request that may mint: a crash after it leaves the
        # destination marked stale, and the next plan rotates the key.
        for op in ("create", "rotate"):
            owners = [
                api_key_owner(c.name) for c in minting if (c.action == "create") == (op == "create")
            ]
            publication.begin(owners, op)
        minted = _Minted()
        outcome.reports.append(minted)
        files = [getattr(d, "path", None) for d in publication.destinations]
        workers = max(1, min(int(options.get("parallel", 4)), len(todo)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcome.results = list(
                pool.map(lambda c: self._write(client, c, publication, minted, files), todo)
            )
        errors = publication.flush()
        if errors:
            for result in outcome.results:
                if result.get("secret_source"):
                    result["status"] = "failed"
                    result["error"] = (
                        "applied, but publishing its token failed (the next apply rotates and"
                        f" publishes it): {'; '.join(errors)}"
                    )
        return outcome

    def _write(
        self, client: Any, change: Any, publication: Any, minted: _Minted, files: list[Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"name": change.name, "action": change.action}
        owner = api_key_owner(change.name)
        try:
            token = client.api_keys.execute(change)
        except RauthyError as exc:
            if change.mints and exc.status is not None and exc.status < 500:
                publication.settle([owner])  # refused: nothing was minted
            return {**out, "status": "failed", "error": str(exc)}
        if token is None:
            return {**out, "status": "ok"}
        minted.tokens[owner] = token
        errors = publication.deliver(owner, token)
        out["secret_source"] = "minted"
        if errors:
            return {
                **out,
                "status": "failed",
                "error": "applied, but publishing its token failed (the next apply rotates and"
                f" publishes it): {'; '.join(errors)}",
            }
        from .publish import secret_file_name

        directory = next((f for f in files if f is not None), None)
        if directory is not None:
            out["secret_file"] = str(directory / secret_file_name(owner))
        return {**out, "status": "ok"}

    def _delete(self, client: Any, change: Any, publication: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"name": change.name, "action": "delete"}
        try:
            client.api_keys.execute(change)
        except RauthyError as exc:
            return {**out, "status": "failed", "error": str(exc)}
        publication.settle([api_key_owner(change.name)])
        return {**out, "status": "ok"}

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        """Every key as ``{name, access, expires_in?}`` that plans as a noop; never a secret
        (Rauthy keeps only hashes)."""
        from .managed import Exported

        out = Exported()
        if isinstance(rows, _Unmanageable):
            out.notes.append(f"api_keys: left out: {keys_kind.NOT_ON_0352}")
            return out
        now = time.time()
        for row in sorted(rows, key=self.row_name):
            entry: Row = {"name": self.row_name(row), "access": keys_kind.live_access(row)}
            exp = row.get("expires")
            if exp is not None:
                days = max(1, -(-(int(exp) - int(now)) // 86400))  # rounded up: never shorter
                entry["expires_in"] = f"{days}d"
                if int(exp) <= now:
                    out.notes.append(
                        f"api_keys: '{entry['name']}' has expired; apply renews it (a new token)"
                    )
            out.entries.append(entry)
        return out
