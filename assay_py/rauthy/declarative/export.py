"""Read a live Rauthy into a file of our own format that plans clean against it.

Kind-agnostic: one list request per kind, each kind's ``export`` decides its entries. The
result is a bare clients list when clients are all there is (or all that was asked for),
otherwise the whole-instance mapping in dependency order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assay_py.rauthy.errors import RauthyNotOffered

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
    #: ``{kind key: {entry position: remark}}`` from the kinds, written above entries in YAML.
    comments: dict[str, dict[int, str]] = field(default_factory=dict)


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
    comments: dict[str, dict[int, str]] = {}
    variables: list[str] = []
    notes: list[str] = []
    if kinds is None:
        skipped = (k for k in every if not getattr(k, "export_by_default", True))
        notes += [note for k in skipped if (note := getattr(k, "export_note", None))]
    transport = getattr(client, "_transport", None)
    sent_before = transport.sent if transport is not None else 0
    for kind in chosen:
        try:
            rows = kind.read(client)
        except RauthyNotOffered as exc:
            if kinds is not None:
                raise
            notes.append(f"{kind.key}: not exported: {exc}")
            continue
        part = kind.export(client, rows, deep=deep)
        sections[kind.key] = part.entries
        if part.comments:
            comments[kind.key] = dict(part.comments)
        variables += part.variables
        notes += part.notes
    # What was really sent, whatever each kind needed; one a kind for a client counting none.
    reads = transport.sent - sent_before if transport is not None else len(chosen)
    counts = {k: len(v) for k, v in sections.items()}
    if kinds is None:
        sections = {k: v for k, v in sections.items() if v or k == BARE_KIND}
    bare = list(sections) == [BARE_KIND]
    document: Any = sections[BARE_KIND] if bare else {"version": 1, **sections}
    return Export(document, tuple(variables), tuple(notes), reads, counts, comments)


def render_export(result: Export, output: str, *, source: str | None = None) -> str:
    """YAML (a header, remarks above the entries they concern) or JSON text of the document.

    JSON has no comments: the same document without the header and remarks (the command says
    on stderr how many entries had one)."""
    if output == "json":
        import json

        return json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
    head = [
        f"Exported from {source} by `assay-py rauthy export`."
        if source
        else "Exported by `assay-py rauthy export`.",
        "`assay-py rauthy plan` of this file against the same Rauthy shows no changes.",
        "Built-ins (the rauthy client, the OpenID scopes, rauthy_admin) are left out. With"
        " prune, what is later removed from this file is deleted (remarks below say where"
        " not).",
    ]
    head += [f"Note: {note}" for note in result.notes]
    if result.variables:
        head.append("Secrets are not exported; set: " + ", ".join(result.variables))
    lines = [line for text in head for line in _comment(text)]
    document = result.document
    if isinstance(document, list):
        body = _section(None, document, result.comments.get(BARE_KIND, {}))
    else:
        body = "".join(
            _section(key, value, result.comments.get(key, {})) for key, value in document.items()
        )
    return "\n".join(lines) + "\n" + body


def remarked(result: Export) -> int:
    """Entries that carry a remark of their kind (what JSON output leaves unsaid)."""
    return sum(len(c) for c in result.comments.values())


def _dump(data: Any) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 10x faster
    text: str = yaml.dump(
        data,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def _section(key: str | None, value: Any, remarks: dict[int, str]) -> str:
    """One top-level section; entries with a remark are dumped one by one to put it above
    them (PyYAML writes no comments), the rest in one go."""
    entries = value if isinstance(value, list) else None
    notes: dict[int, list[str]] = {}
    for position, entry in enumerate(entries or ()):
        found = ([remarks[position]] if position in remarks else []) + _placeholders(entry)
        if found:
            notes[position] = found
    if not notes or entries is None:
        return _dump(value if key is None else {key: value})
    out = [] if key is None else [f"{key}:\n"]
    run: list[Any] = []
    for position, entry in enumerate(entries):
        if position in notes:
            if run:
                out.append(_dump(run))
                run = []
            out.extend(line + "\n" for text in notes[position] for line in _comment(text))
            out.append(_dump([entry]))
        else:
            run.append(entry)
    if run:
        out.append(_dump(run))
    return "".join(out)


def _placeholders(entry: Any, path: str = "") -> list[str]:
    """A remark per secret written as a reference (``{env: VAR}``), whatever the kind."""
    if isinstance(entry, dict):
        if path and len(entry) == 1 and isinstance(entry.get("env"), str):
            return [f"{path} is not exported: it is read from ${entry['env']}"]
        found: list[str] = []
        for name, value in entry.items():
            found += _placeholders(value, f"{path}.{name}" if path else str(name))
        return found
    if isinstance(entry, list):
        return [r for i, v in enumerate(entry) for r in _placeholders(v, f"{path}[{i}]")]
    return []


def _comment(text: str) -> list[str]:
    import textwrap

    wrapped = textwrap.wrap(
        text,
        98,
        initial_indent="# ",
        subsequent_indent="#   ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapped or ["#"]
