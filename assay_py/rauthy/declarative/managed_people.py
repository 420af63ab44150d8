"""Users and the password policy as the engine sees them (``managed.Managed``).

Users are keyed by lower-cased e-mail and read in full (one list, one ``GET`` per user, in
parallel): the list has no roles or groups. Attribute values (``GET /users/{id}/attr``) are
read only where the plan needs them: listed users whose entry states ``attributes``, and,
for prune ``managed``, each unlisted user (its ``assay_managed`` mark).

The password policy cannot be read with an API key: its one item is ``assert``, which apply
always writes and which is not counted as a pending change (a plan cannot know whether it
differs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assay_py.rauthy.errors import RauthyError, RauthyForbidden
from assay_py.rauthy.kinds import password_policy as policy_kind
from assay_py.rauthy.kinds import users as users_kind

from .adapter import KeyedList, Standalone
from .instance_file import EntryMarks, Problem, line_of

__all__ = ["PasswordPolicyManaged", "UsersManaged"]

Row = dict[str, Any]
Refs = dict[str, list[str]]


#: Written above such a user in an export: ``prune: {users: true}`` means "managed".
_HAND_MADE = (
    f"created by hand (no {users_kind.MARKER} mark); only `prune: {{users: all}}` would delete it"
)


class UsersManaged(KeyedList):
    key = "users"
    noun = "user"
    group = "Users"
    depends_on: tuple[str, ...] = ("user_attributes", "roles", "groups", "password_policy")
    references: Mapping[str, str] = {"roles": "roles", "groups": "groups"}
    #: Attribute values are keyed by definition (foreign key, renames cascade): checked to
    #: exist, never rewritten by Rauthy's substring removal.
    checked_references: Mapping[str, str] = {users_kind.ATTRIBUTES: "user_attributes"}
    always_present: frozenset[str] = frozenset()
    #: Besides true/false, ``prune: {users: ...}`` may say these.
    prune_words: tuple[str, ...] = ("managed", "all")

    field = "email"
    duplicate = "duplicate e-mail (compared lower-cased), first used by entry {first}"
    fold_case = True

    def check_item(self, raw: Any) -> list[tuple[str, str]]:
        return users_kind.check(raw)

    def name_of(self, entry: Any) -> str:
        return str(entry["email"]).lower()

    def renamed_from(self, entry: Any) -> str | None:
        return None

    def entry_refs(self, entry: Any) -> Refs:
        refs = {f: list(entry.get(f) or []) for f in self.references if f in entry}
        if users_kind.ATTRIBUTES in entry:
            refs[users_kind.ATTRIBUTES] = users_kind.attribute_names(entry)
        return refs

    def read(self, client: Any) -> list[Row]:
        rows: list[Row] = client.users.read_all()
        return rows

    def row_name(self, row: Mapping[str, Any]) -> str:
        return str(row.get("email", "")).lower()

    def held_refs(
        self, client: Any, rows: Sequence[Row], *, parallel: int = 4
    ) -> tuple[dict[str, Refs], int]:
        """``{email: {"attributes": [names with a value]}}`` for every user, and the requests
        it cost (one values read per user): asked only when a plan deletes an attribute."""
        workers = max(1, min(parallel, len(rows) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            read = list(pool.map(client.users.with_values, rows))
        out = {
            self.row_name(r): {users_kind.ATTRIBUTES: sorted(r[users_kind.ATTRIBUTES])}
            for r in read
            if r[users_kind.ATTRIBUTES]
        }
        return out, len(rows)

    def row_refs(self, row: Mapping[str, Any]) -> Refs:
        return {f: [v for v in (row.get(f) or []) if v] for f in self.references}

    def ref_set(self, names: Sequence[str]) -> frozenset[str]:
        return frozenset(n for n in names if n)

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        from .managed import KindSection

        # true (the file's or --prune's) reads as managed: only "all" reaches hand-made users.
        mode: users_kind.PruneMode = "all" if prune == "all" else ("managed" if prune else False)
        reads = 1 + len(rows)
        listed = {self.name_of(e) for e in entries}
        valued = {self.name_of(e) for e in entries if users_kind.ATTRIBUTES in e}
        todo = [
            i
            for i, r in enumerate(rows)
            if self.row_name(r) in valued or (mode == "managed" and self.row_name(r) not in listed)
        ]
        if todo:
            workers = max(1, min(parallel, len(todo)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                read = list(pool.map(lambda i: client.users.with_values(rows[i]), todo))
            rows = list(rows)
            for i, row in zip(todo, read, strict=True):
                rows[i] = row
            reads += len(todo)
        changes = users_kind.plan(entries, rows, prune=mode)
        items = tuple(change.plan_dict() for change in changes)
        return KindSection(self.key, items, tuple(changes), prune=bool(mode), reads=reads)

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        needed = {("Users", "read")}
        if section.prune:
            needed.add(("UserAttributes", "read"))
        for change in section.detail:
            if change.action == "create":
                needed |= {("Users", "create"), ("Users", "update")}
                needed |= {("UserAttributes", r) for r in ("read", "create", "update")}
            elif change.action == "put":
                needed.add(("Users", "update"))
                if change.attributes:
                    needed.add(("UserAttributes", "update"))
            elif change.action == "delete":
                needed.add(("Users", "delete"))
        return needed

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome

        outcome = KindOutcome(self.key)
        changes = [
            c
            for c in section.detail
            if (c.action == "delete") == (phase == "delete") and c.action != "noop"
        ]
        if not changes:
            return outcome
        if any(c.action == "create" for c in changes):
            try:
                client.users.ensure_marker()  # once, before the parallel creates
            except RauthyError as exc:
                outcome.results = [_failed(c, exc) for c in changes]
                return outcome

        def run(change: Any) -> dict[str, Any]:
            try:
                client.users.execute(change, marker_ready=True)
            except RauthyError as exc:
                return _failed(change, exc)
            return {"name": change.name, "action": change.action, "status": "ok"}

        workers = 1 if phase == "delete" else max(1, min(int(options.get("parallel", 4)), 8))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcome.results = list(pool.map(run, changes))
        return outcome

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        """Every non-federated user as an entry that plans as a noop (never a password), with
        its attribute values (one ``GET`` per user; the marker is not one of them)."""
        from .managed import Exported

        entries: list[Any] = []
        notes: list[str] = []
        comments: dict[int, str] = {}
        for row in sorted(rows, key=self.row_name):
            if row.get("auth_provider_id"):
                continue
            if not notes:
                try:
                    row = client.users.with_values(row)
                except RauthyForbidden:
                    notes.append("users: attribute values not exported (no UserAttributes:read)")
            view = users_kind.live_view(row)
            entry: Row = {"email": self.row_name(row)}
            for name in users_kind.FIELDS:
                value = view.get(name)
                if name in ("roles", "groups"):
                    entry[name] = value or []
                elif value is not None:
                    entry[name] = value
            if row.get(users_kind.ATTRIBUTES):
                entry[users_kind.ATTRIBUTES] = dict(sorted(row[users_kind.ATTRIBUTES].items()))
            if row.get(users_kind.MARKER) is False:  # known unmarked (None: values unread)
                comments[len(entries)] = _HAND_MADE
            entries.append(entry)
        return Exported(entries, notes=notes, comments=comments)

    def fix_refs(self, client: Any, row: Mapping[str, Any], refs: Refs) -> None:
        ops = users_kind.patch_ops({f: refs.get(f) or None for f in refs}, list(refs))
        client.users.patch(str(row["id"]), ops)


def _failed(change: Any, exc: RauthyError) -> dict[str, Any]:
    return {"name": change.name, "action": change.action, "status": "failed", "error": str(exc)}


class PasswordPolicyManaged(Standalone):
    key = "password_policy"
    noun = "password policy"
    group = "Secrets"
    #: Written as one mapping in the file, not a list.
    singleton = True

    def parse(
        self, items: Sequence[Any], marks: Sequence[EntryMarks], source: str | None
    ) -> tuple[list[Any], list[Problem]]:
        if len(items) > 1:
            return [], [Problem("expected one mapping (the policy)", self.key, source=source)]
        problems = []
        for position, raw in enumerate(items, start=1):
            for field_name, rule in policy_kind.check(raw):
                problems.append(
                    Problem(
                        rule,
                        self.key,
                        position,
                        None,
                        field_name or None,
                        line_of(marks, position, field_name),
                        source,
                    )
                )
        return ([] if problems else [dict(i) for i in items]), problems

    def name_of(self, entry: Any) -> str:
        return self.key

    def read(self, client: Any) -> list[Row]:
        return []  # an API key cannot read it: no request

    def row_name(self, row: Mapping[str, Any]) -> str:
        return self.key

    def plan(
        self, client: Any, entries: list[Any], rows: list[Row], *, prune: Any, parallel: int
    ) -> Any:
        from .managed import KindSection

        changes = policy_kind.plan(entries[0] if entries else None)
        items = []
        for change in changes:
            item = change.plan_dict()
            item["action"] = "assert"
            item["changes"] = [
                {"field": n, "before": None, "after": v} for n, v in change.after.items()
            ]
            items.append(item)
        return KindSection(self.key, tuple(items), tuple(changes), reads=0)

    def rights(self, section: Any, *, publish_existing: bool = False) -> set[tuple[str, str]]:
        return {("Secrets", "update")} if section.items else set()

    def apply(self, client: Any, section: Any, phase: str, **options: Any) -> Any:
        from .managed import KindOutcome

        outcome = KindOutcome(self.key)
        if phase == "delete":
            return outcome
        for change in section.detail:
            try:
                client.password_policy.put(change.body)
            except RauthyError as exc:
                outcome.results.append(
                    {"name": self.key, "action": "assert", "status": "failed", "error": str(exc)}
                )
            else:
                outcome.results.append({"name": self.key, "action": "assert", "status": "ok"})
        return outcome

    def export(self, client: Any, rows: list[Row], *, deep: bool) -> Any:
        from .managed import Exported

        return Exported()  # an API key cannot read it
