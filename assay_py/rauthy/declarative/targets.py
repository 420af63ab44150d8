"""``--target KIND[/NAME]``: narrow a document to some objects and what they reference.

Pure and kind-agnostic: each kind's ``parse`` names the entries and ``entry_refs`` says what
they point at; references are followed through the file (a client's scopes, a scope's
attributes). A bare kind target keeps every entry of the kind and its ``prune:``; a named
target never prunes, because the rest of the kind is not looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from assay_py.rauthy.errors import RauthyValidationError

from .instance_file import InstanceDoc
from .managed import Managed, managed_kinds, reference_targets

__all__ = ["narrow", "parse_targets"]


def parse_targets(targets: Sequence[str]) -> list[tuple[str, str | None]]:
    """``["clients/openbao", "scopes"]`` -> ``[("clients", "openbao"), ("scopes", None)]``."""
    known = {k.key for k in managed_kinds()}
    out: list[tuple[str, str | None]] = []
    for target in targets:
        key, slash, name = target.partition("/")
        if key not in known:
            raise _bad(target, f"unknown kind {key!r}; known: {', '.join(sorted(known))}")
        if slash and not name:
            raise _bad(target, "expected KIND or KIND/NAME")
        out.append((key, name or None))
    return out


def narrow(doc: InstanceDoc, targets: Sequence[tuple[str, str | None]]) -> InstanceDoc:
    """``doc`` with only the targeted entries and, transitively, the entries they reference."""
    kinds = {k.key: k for k in managed_kinds()}
    # (kind, position) -> (name, refs); entries a kind refuses keep their place (plan reports).
    named: dict[str, list[tuple[str | None, dict[str, list[str]]]]] = {}
    for key, items in doc.kinds.items():
        named[key] = [_name_and_refs(kinds[key], item, doc) for item in items]
    keep: dict[str, set[int]] = {}
    whole: set[str] = set()
    todo: list[tuple[str, int]] = []
    for key, name in targets:
        entries = named.get(key, [])
        if name is None:
            whole.add(key)
            todo += [(key, i) for i in range(len(entries))]
            continue
        found = [i for i, (n, _) in enumerate(entries) if n == name]
        if not found:
            where = doc.source or "the file"
            raise _bad(f"{key}/{name}", f"{where} has no {kinds[key].noun} named {name!r}")
        todo += [(key, i) for i in found]
    while todo:
        key, i = todo.pop()
        if i in keep.setdefault(key, set()):
            continue
        keep[key].add(i)
        for field_name, names in named[key][i][1].items():
            target = reference_targets(kinds[key]).get(field_name)
            if target is None or target not in named:
                continue
            todo += [(target, j) for j, (n, _) in enumerate(named[target]) if n in names]
    chosen = [key for key in doc.kinds if keep.get(key)] + [
        key for key in doc.kinds if key in whole and not keep.get(key)
    ]
    return replace(
        doc,
        kinds={key: [doc.kinds[key][i] for i in sorted(keep.get(key, ()))] for key in chosen},
        marks={
            key: [m for i, m in enumerate(doc.marks.get(key, [])) if i in keep.get(key, ())]
            for key in chosen
        },
        prune={key: flag for key, flag in doc.prune.items() if key in whole},
    )


def _name_and_refs(
    kind: Managed, item: Any, doc: InstanceDoc
) -> tuple[str | None, dict[str, list[str]]]:
    entries, problems = kind.parse([item], [], doc.source)
    if problems or not entries:
        return None, {}
    return kind.name_of(entries[0]), kind.entry_refs(entries[0])


def _bad(target: str, rule: str) -> RauthyValidationError:
    return RauthyValidationError([("--target", rule)], f"--target {target}: {rule}")
