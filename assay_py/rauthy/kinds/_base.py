"""What every named kind (scopes, user attributes, roles, groups) has in common.

A kind is a :class:`Kind` description (its routes, its access group, its dependencies, its
hooks for validating, comparing and building bodies) plus the generic pure :func:`plan_kind`
and the generic :class:`KindApi`. Each kind's own module fills the hooks; nothing here knows
a kind's fields.

Everything is keyed by the name a human chose; Rauthy's random ids appear only in request
paths, looked up from the one list call a plan makes.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from ..errors import RauthyError, RauthyValidationError

if TYPE_CHECKING:
    import httpx

    from .._transport import Transport

__all__ = [
    "Change",
    "Kind",
    "KindApi",
    "Violation",
    "json_equal",
    "plan_kind",
    "reference_list",
]

Action = Literal["create", "put", "noop", "delete"]
Violation = tuple[str, str]
Row = dict[str, Any]

#: Keys of a file entry that steer the plan and are never sent.
RENAMED_FROM = "renamed_from"
RENAME = "rename"
RENAME_MODES = ("replace", "in_place")
PLAN_KEYS = frozenset({RENAMED_FROM, RENAME})


@dataclass(frozen=True)
class Change:
    """The decision for one named item of one kind. ``body`` is the wire body to send."""

    kind: str
    name: str
    action: Action
    drift: tuple[str, ...] = ()
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    body: Row | None = field(default=None, repr=False)
    #: The live item's id in paths (server id, or the name for attributes); None on create.
    id: str | None = None
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    side_effects: tuple[str, ...] = ()
    #: For an in-place rename: the live name the PUT goes to.
    renamed_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The reconcile result shape (``action``, ``drift_on``, ``drift``, ``warnings``)."""
        out: dict[str, Any] = {"action": self.action}
        if self.action == "put" and self.drift:
            out["drift_on"] = self.drift[0]
            out["drift"] = list(self.drift)
        if self.reason:
            out["reason"] = self.reason
        if self.renamed_from is not None:
            out["renamed_from"] = self.renamed_from
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.side_effects:
            out["side_effects"] = list(self.side_effects)
        return out

    def plan_dict(self) -> dict[str, Any]:
        """For plan reports: the result shape plus the field values on both sides."""
        out = {"name": self.name, **self.to_dict()}
        if self.action == "put":
            names: tuple[str, ...] = self.drift
        elif self.action == "create":
            names = tuple(n for n, v in self.after.items() if v is not None)
        else:
            names = tuple(n for n, v in self.before.items() if v not in (None, False, [], ""))
        out["changes"] = [
            {"field": n, "before": self.before.get(n), "after": self.after.get(n)} for n in names
        ]
        return out


@dataclass(frozen=True)
class Kind:
    """One resource kind. Hooks are pure functions of data."""

    #: File key and plan label ("scopes", "user_attributes", ...).
    key: str
    #: One item, for messages ("scope").
    noun: str
    #: The API-key access group its routes check ("Scopes").
    group: str
    list_path: str
    #: ``item_path + quote(id)`` is the PUT/DELETE path.
    item_path: str
    #: The name key of the request body ("scope", "role", "name").
    body_name: str
    #: Fields a file entry may have (besides ``name`` and the plan keys).
    fields: tuple[str, ...]
    validate: Callable[[Mapping[str, Any]], list[Violation]]
    #: The compared view of a desired entry / a live row (same keys, normalised values).
    desired_view: Callable[[Mapping[str, Any]], Row]
    live_view: Callable[[Mapping[str, Any]], Row]
    #: The create and update bodies for a validated entry.
    body: Callable[[Mapping[str, Any]], Row]
    #: Kinds this one references (created first, deleted after).
    depends_on: tuple[str, ...] = ()
    #: ``{entry field: referenced kind}``, for reference checks and re-pointing.
    references: Mapping[str, str] = field(default_factory=dict)
    #: Never deleted or renamed by the tool.
    builtins: frozenset[str] = frozenset()
    #: Live names prune leaves alone although they are not built in.
    prune_keeps: Callable[[str], bool] = lambda name: False
    #: Where the list answer keeps its rows (``{"values": [...]}`` for attributes).
    list_key: str | None = None
    #: Paths use the name itself (attributes) rather than a server id.
    keyed_by_name: bool = False
    #: What deleting an item does besides the delete (shown in plans).
    delete_effects: Callable[[str], tuple[str, ...]] = lambda name: ()
    #: Warnings a desired entry always earns (privileged names, ...).
    entry_warnings: Callable[[Mapping[str, Any]], tuple[str, ...]] = lambda entry: ()
    #: Said on every in-place rename (what Rauthy's rename does to references).
    rename_warning: str | None = None
    #: Fields only newer Rauthy versions serve: a live row without them cannot hold them, so
    #: they are not compared there (a warning says so) instead of drifting forever.
    newer_fields: Mapping[str, str] = field(default_factory=dict)
    #: Turns any answer row (POST answers included) into the list's row shape.
    normalise_row: Callable[[Mapping[str, Any]], Row] = dict

    def is_protected(self, name: str) -> bool:
        return name in self.builtins

    def live_id(self, row: Mapping[str, Any]) -> str:
        return str(row["name"] if self.keyed_by_name else row["id"])

    def path_of(self, item_id: str) -> str:
        return self.item_path + quote(item_id, safe="")

    def check(self, entry: Any) -> list[Violation]:
        """Everything wrong with one entry: unknown fields, rules, plan keys."""
        if not isinstance(entry, Mapping):
            return [("", f"expected a mapping (a {self.noun}), got {type(entry).__name__}")]
        found: list[Violation] = []
        allowed = {"name", *self.fields, *PLAN_KEYS}
        for key in entry:
            if key not in allowed:
                found.append((str(key), f"unknown field; known: {', '.join(sorted(allowed))}"))
        name = entry.get("name")
        if not isinstance(name, str):
            found.append(("name", "required: a string"))
            return found
        found.extend(self.validate(entry))
        old = entry.get(RENAMED_FROM)
        if old is not None:
            if not isinstance(old, str) or not old:
                found.append((RENAMED_FROM, "must be the old name, a non-empty string"))
            elif old == name:
                found.append((RENAMED_FROM, "must differ from name"))
            elif self.is_protected(old):
                found.append((RENAMED_FROM, f"'{old}' is built in and must not be renamed"))
        mode = entry.get(RENAME)
        if mode is not None:
            if mode not in RENAME_MODES:
                found.append((RENAME, f"must be one of {', '.join(RENAME_MODES)}"))
            elif old is None:
                found.append((RENAME, f"only meaningful with {RENAMED_FROM}"))
        return found

    def export(self, row: Mapping[str, Any]) -> Row | None:
        """The shortest file entry that plans as a no-op against ``row`` (None: built in).

        Judged by the kind's own views, so each kind's normalisation decides what may be
        left out: a field whose absence the views read as the live value is dropped.
        """
        name = str(row.get("name"))
        if self.is_protected(name):
            return None
        entry: Row = {"name": name}
        for key in self.fields:
            value = row.get(key)
            if value is not None:
                entry[key] = sorted(value) if key in self.references else value
        before = self.live_view(row)
        for key in self.fields:
            if key in entry and _empty(entry[key]):
                shorter = {k: v for k, v in entry.items() if k != key}
                view = self.desired_view(shorter)
                if all(json_equal(v, before.get(k)) for k, v in view.items()):
                    entry = shorter
        return entry

    def checked(self, entry: Mapping[str, Any]) -> Row:
        """``entry`` as a dict, or ``RauthyValidationError`` naming every violation."""
        found = self.check(entry)
        if found:
            listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
            raise RauthyValidationError(found, f"rauthy: invalid {self.noun}: {listed}")
        return dict(entry)


# --- pure plan -----------------------------------------------------------------------------


def plan_kind(
    kind: Kind,
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    prune: bool = False,
) -> list[Change]:
    """Decide create / put / noop per desired entry, plus deletes (renames, prune).

    Desired entries must be valid (``kind.checked``). Live rows are in the list's shape.
    Renames (``renamed_from``) are create-new then delete-old unless ``rename: in_place``,
    which is refused when the old name is a substring of another live name of the kind (Rauthy
    renames by substring replacement and would rewrite those too).
    """
    by_name: dict[str, Mapping[str, Any]] = {}
    copies: dict[str, int] = {}
    for row in live:
        by_name.setdefault(str(row.get("name")), row)
        copies[str(row.get("name"))] = copies.get(str(row.get("name")), 0) + 1
    wanted = {str(entry["name"]) for entry in desired}
    changes: list[Change] = []
    deleting: set[str] = set()
    for entry in desired:
        name = str(entry["name"])
        old = entry.get(RENAMED_FROM)
        found = by_name.get(name)
        if found is None and old in by_name and old not in wanted:
            if entry.get(RENAME) == "in_place":
                changes.append(_in_place(kind, entry, by_name, str(old)))
                deleting.add(str(old))  # consumed by the rename, not to be pruned
                continue
            changes.append(_decide(kind, entry, None, reason=f"renamed from '{old}'"))
            changes.append(_delete(kind, by_name[str(old)], reason=f"renamed to '{name}'"))
            deleting.add(str(old))
            continue
        changes.append(_decide(kind, entry, found))
        if old is not None and old in by_name and old not in wanted and old not in deleting:
            # The new name exists already (an earlier run stopped half-way): finish the rename.
            changes.append(_delete(kind, by_name[str(old)], reason=f"renamed to '{name}'"))
            deleting.add(str(old))
    for i, change in enumerate(changes):
        extra = copies.get(change.name, 0)
        if extra > 1 and change.action != "delete":
            # No database uniqueness: a rename or parallel creates can leave twins.
            text = (
                f"Rauthy holds {extra} {kind.key} named '{change.name}'; only the first is managed"
            )
            changes[i] = replace(change, warnings=(*change.warnings, text))
    if prune:
        for name, row in by_name.items():
            if name in wanted or name in deleting or kind.is_protected(name):
                continue
            if kind.prune_keeps(name):
                continue
            changes.append(_delete(kind, row, reason=f"absent from the file (prune {kind.key})"))
    return changes


def _decide(
    kind: Kind, entry: Mapping[str, Any], row: Mapping[str, Any] | None, reason: str | None = None
) -> Change:
    after = kind.desired_view(entry)
    warnings = kind.entry_warnings(entry)
    name = str(entry["name"])
    if row is None:
        return Change(
            kind.key,
            name,
            "create",
            after=after,
            body=kind.body(entry),
            reason=reason,
            warnings=warnings,
        )
    before = kind.live_view(row)
    unknown = [n for n in kind.newer_fields if n in after and n not in row]
    for n in unknown:
        warnings = (*warnings, f"{n}: {kind.newer_fields[n]}; this Rauthy ignores it")
    drift = tuple(n for n in after if n not in unknown and not json_equal(after[n], before.get(n)))
    if not drift:
        return Change(kind.key, name, "noop", id=kind.live_id(row), warnings=warnings)
    return Change(
        kind.key,
        name,
        "put",
        drift=drift,
        before=before,
        after=after,
        body=kind.body(entry),
        id=kind.live_id(row),
        warnings=warnings,
    )


def _in_place(
    kind: Kind, entry: Mapping[str, Any], by_name: Mapping[str, Mapping[str, Any]], old: str
) -> Change:
    name = str(entry["name"])
    clashes = sorted(other for other in by_name if other != old and old in other)
    if clashes:
        raise RauthyValidationError(
            [(RENAME, f"'{old}' is part of {', '.join(repr(c) for c in clashes)}")],
            f"rauthy: {kind.noun} '{name}': an in-place rename of '{old}' would also rewrite"
            f" {', '.join(repr(c) for c in clashes)} (Rauthy renames by substring); drop"
            f" 'rename: in_place' to create '{name}' and delete '{old}' instead",
        )
    row = by_name[old]
    before = kind.live_view(row)
    after = kind.desired_view(entry)
    drift = ("name", *(n for n in after if not json_equal(after[n], before.get(n))))
    return Change(
        kind.key,
        name,
        "put",
        drift=drift,
        before={**before, "name": old},
        after={**after, "name": name},
        body=kind.body(entry),
        id=kind.live_id(row),
        reason=f"renamed in place from '{old}'",
        warnings=(
            *kind.entry_warnings(entry),
            *((kind.rename_warning,) if kind.rename_warning else ()),
        ),
        renamed_from=old,
    )


def _delete(kind: Kind, row: Mapping[str, Any], *, reason: str) -> Change:
    name = str(row.get("name"))
    return Change(
        kind.key,
        name,
        "delete",
        before=kind.live_view(row),
        id=kind.live_id(row),
        reason=reason,
        side_effects=kind.delete_effects(name),
    )


# --- comparing -------------------------------------------------------------------------------


def json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values (``1 == 1.0``, key order ignored, ``True != 1``)."""
    return _canon(a) == _canon(b)


def _canon(value: Any) -> str:
    return json.dumps(_numbers(value), sort_keys=True, separators=(",", ":"), default=str)


def _numbers(value: Any) -> Any:
    """Integral floats as ints: Rauthy stores JSON as bytes and may answer ``1`` for ``1.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_numbers(v) for v in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def reference_list(value: Any) -> builtins.list[str] | None:
    """A set-like list of names: sorted, unique; ``None``, ``[]``, ``[""]`` and ``""`` are none.

    POST answers mappings as one comma-joined string; that is split here too.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    names = sorted({str(v) for v in value if v != ""})
    return names or None


# --- validation helpers ----------------------------------------------------------------------


def regex_rule(pattern: str) -> re.Pattern[str]:
    """Rauthy's pattern as a fullmatch (Rust's ``$`` does not accept a trailing newline)."""
    return re.compile(pattern[1:-1])


def check_name(
    value: Any, pattern: re.Pattern[str], shown: str, *, field_name: str = "name"
) -> list[Violation]:
    if not isinstance(value, str):
        return [(field_name, "must be a string")]
    found: list[Violation] = []
    if not pattern.fullmatch(value):
        found.append((field_name, f"must match {shown}"))
    if "," in value:
        # Rauthy keeps memberships as comma-joined strings: "x,rauthy_admin" would be read
        # back as two names, one of them the admin role.
        found.append((field_name, "must not contain ',' (Rauthy joins names with commas)"))
    return found


def check_json(value: Any, field_name: str) -> list[Violation]:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [(field_name, f"must be a JSON value ({exc})")]
    return []


# --- the API ---------------------------------------------------------------------------------


class KindApi:
    """``list``, ``get``, ``create``, ``update``, ``delete``, ``reconcile`` for one kind."""

    def __init__(self, transport: Transport, kind: Kind) -> None:
        self._t = transport
        self.kind = kind

    def list(self) -> builtins.list[Row]:
        """Every live item, in the list's shape (one request)."""
        k = self.kind
        data = _json(self._t.request("GET", k.list_path))
        if k.list_key is not None:
            data = data.get(k.list_key) if isinstance(data, dict) else None
        if not isinstance(data, builtins.list):
            raise RauthyError(
                f"rauthy GET {k.list_path}: expected a JSON array of {k.key}",
                method="GET",
                path=k.list_path,
            )
        return [k.normalise_row(row) for row in data if isinstance(row, Mapping)]

    def get(self, name: str) -> Row | None:
        """The item called ``name``, or None (Rauthy has no GET by id: one list call)."""
        for row in self.list():
            if row.get("name") == name:
                return row
        return None

    def create(self, entry: Mapping[str, Any]) -> Row:
        """POST the entry; answers the created item in the list's shape."""
        desired = self.kind.checked(entry)
        return self._post(self.kind.body(desired))

    def update(self, name: str, entry: Mapping[str, Any]) -> Row:
        """PUT ``entry`` (a full replacement) on the item now called ``name``.

        ``entry["name"]`` may differ from ``name``: that renames in place, which Rauthy does
        by substring replacement in every reference, so it is refused for built-ins and when
        ``name`` is part of another live name of the kind.
        """
        k = self.kind
        desired = k.checked(entry)
        new = str(desired["name"])
        if new != name and k.is_protected(name):
            raise _refused(k, name, "renamed")
        rows = self.list()
        row = next((r for r in rows if r.get("name") == name), None)
        if row is None:
            raise RauthyError(f"rauthy: no {k.noun} named '{name}'")
        if new != name:
            clashes = sorted(
                str(r["name"]) for r in rows if r["name"] != name and name in r["name"]
            )
            if clashes:
                raise RauthyValidationError(
                    [("name", f"'{name}' is part of {', '.join(clashes)}")],
                    f"rauthy: renaming {k.noun} '{name}' in place would also rewrite"
                    f" {', '.join(clashes)}: create '{new}' and delete '{name}' instead",
                )
        return self._put(k.live_id(row), k.body(desired))

    def delete(self, name: str) -> bool:
        """Delete the item called ``name``; False when there is none. Built-ins are refused
        before anything is sent."""
        k = self.kind
        if k.is_protected(name):
            raise _refused(k, name, "deleted")
        row = self.get(name)
        if row is None:
            return False
        self.delete_id(k.live_id(row))
        return True

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Converge one item on ``entry``: ``{action, drift_on?, drift?, warnings?}``."""
        desired = self.kind.checked(entry)
        changes = plan_kind(self.kind, [desired], self.list())
        if dry_run:
            return {**changes[0].to_dict(), "planned": True}
        for change in changes:
            self.execute(change)
        return changes[0].to_dict()

    # -- used by the engine -------------------------------------------------------------------

    def execute(self, change: Change) -> Row | None:
        """Send the request(s) of one decided change."""
        if change.action == "create":
            assert change.body is not None
            return self._post(change.body)
        if change.action == "put":
            assert change.body is not None and change.id is not None
            return self._put(change.id, change.body)
        if change.action == "delete":
            if self.kind.is_protected(change.name):
                raise _refused(self.kind, change.name, "deleted")
            assert change.id is not None
            self.delete_id(change.id)
        return None

    def delete_id(self, item_id: str) -> None:
        self._t.request("DELETE", self.kind.path_of(item_id), allow=frozenset({404}))

    def _post(self, body: Row) -> Row:
        from .._transport import Retry

        k = self.kind
        answer = _json(self._t.request("POST", k.list_path, body=body, retry=Retry.UNSENT_ONLY))
        return k.normalise_row(answer) if isinstance(answer, Mapping) else {}

    def _put(self, item_id: str, body: Row) -> Row:
        answer = _json(self._t.request("PUT", self.kind.path_of(item_id), body=body))
        return self.kind.normalise_row(answer) if isinstance(answer, Mapping) else dict(body)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind.list_path})"


def _refused(kind: Kind, name: str, what: str) -> RauthyValidationError:
    return RauthyValidationError(
        [("name", f"the built-in {kind.noun} '{name}' must not be {what}")],
        f"rauthy: refusing: the built-in {kind.noun} '{name}' must not be {what}",
    )


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def names_of(rows: Iterable[Mapping[str, Any]]) -> builtins.list[str]:
    return [str(row.get("name")) for row in rows]
