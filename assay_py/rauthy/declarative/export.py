"""Read a live Rauthy into a file of our own format that plans clean against it.

Kind-agnostic: one list request per kind, each kind's ``export`` decides its entries. The
result is a bare clients list when clients are all there is (or all that was asked for),
otherwise the whole-instance mapping in dependency order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .managed import managed_kinds

__all__ = ["Export", "export_instance", "render_export"]

BARE_KIND = "clients"


@dataclass(frozen=True)
class Export:
    document: Any
    #: Environment variables the file reads secrets from (they must be set to plan it).
    variables: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reads: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def export_instance(
    client: Any, kinds: Sequence[str] | None = None, *, deep: bool = False
) -> Export:
    """Export ``kinds`` (every kind when None); ``deep`` also reads what lists leave out."""
    from .engine import order

    every = order(managed_kinds())
    known = [k.key for k in every]
    if kinds is not None:
        unknown = [k for k in kinds if k not in known]
        if unknown:
            from assay_py.rauthy.errors import RauthyValidationError

            raise RauthyValidationError(
                [("kinds", f"unknown kind {k!r}; known: {', '.join(known)}") for k in unknown],
                f"rauthy export: unknown kind {', '.join(map(repr, unknown))};"
                f" known: {', '.join(known)}",
            )
    # A kind whose export costs requests per object (or yields nothing) is read only when named.
    chosen = [
        k
        for k in every
        if (kinds is None and getattr(k, "export_by_default", True))
        or (kinds is not None and k.key in kinds)
    ]
    sections: dict[str, list[Any]] = {}
    variables: list[str] = []
    notes: list[str] = []
    if kinds is None:
        skipped = (k for k in every if not getattr(k, "export_by_default", True))
        notes += [note for k in skipped if (note := getattr(k, "export_note", None))]
    reads = 0
    for kind in chosen:
        rows = kind.read(client)
        reads += 1 + (len(rows) if deep and kind.key == BARE_KIND else 0)
        part = kind.export(client, rows, deep=deep)
        sections[kind.key] = part.entries
        variables += part.variables
        notes += part.notes
    counts = {k: len(v) for k, v in sections.items()}
    if kinds is None:
        sections = {k: v for k, v in sections.items() if v or k == BARE_KIND}
    bare = list(sections) == [BARE_KIND]
    document: Any = sections[BARE_KIND] if bare else {"version": 1, **sections}
    return Export(document, tuple(variables), tuple(notes), reads, counts)


def render_export(result: Export, output: str, *, source: str | None = None) -> str:
    """YAML (with a header comment) or JSON text of the exported document."""
    if output == "json":
        import json

        return json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    head = [
        f"# Exported from {source} by `assay-py rauthy export`."
        if source
        else "# Exported by `assay-py rauthy export`.",
        "# `assay-py rauthy plan` of this file against the same Rauthy shows no changes.",
        "# Built-ins (the rauthy client, the OpenID scopes, rauthy_admin) are left out;",
        "# everything else here was created by hand: with prune, anything later removed from",
        "# this file is deleted.",
    ]
    if result.variables:
        head.append("# Secrets are not exported; set: " + ", ".join(result.variables))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 10x faster
    body = yaml.dump(
        result.document,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return "\n".join(head) + "\n" + body
