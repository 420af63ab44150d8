"""``plan -o markdown``: a plan short enough for a pull-request comment (docs/plan-markdown.md).

It is drawn from the same plain body as ``plan -o json`` (either layout), so it knows no kind
by name and shows secrets exactly as the other outputs do: ``"(sensitive)"``, never a value.
A summary line comes first, then one collapsed ``<details>`` table per kind with changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["render_plan_markdown"]

_SIGN = {"create": "+", "put": "~", "rebuild": "-/+", "delete": "-", "noop": "=", "assert": "!"}
_WORDS = {
    "create": "to create",
    "put": "to update",
    "rebuild": "to rebuild",
    "delete": "to delete",
    "assert": "to assert",
    "publish": "to publish",
}


def render_plan_markdown(body: Mapping[str, Any]) -> str:
    """Markdown for ``body``, the dict ``plan -o json`` prints (``layout`` clients/instance)."""
    sections = _sections(body)
    lines: list[str] = []
    missing = body.get("missing_rights") or []
    if not body.get("changes"):
        total = ", ".join(f"{len(items)} {key}" for key, items in sections) or "nothing"
        lines.append(f"**No changes**: {total} match the file.")
    else:
        parts = [
            f"{key} {_counts(items)}"
            for key, items in sections
            if any(_pending(i) or i["action"] == "assert" for i in items)
        ]
        lines.append("**Plan**: " + "; ".join(parts) + ".")
    if missing:
        lines.append("")
        lines.append(f"**Apply would refuse**: the API key lacks {_code(', '.join(missing))}.")
    for key, items in sections:
        shown = [i for i in items if _pending(i) or i["action"] == "assert"]
        if shown:
            lines.append("")
            lines.extend(_details(key, items, shown))
    return "\n".join(lines) + "\n"


def _sections(body: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    if body.get("layout") == "clients":
        items = [{**c, "name": c["id"]} for c in body.get("clients", [])]
        return [("clients", items)]
    return [(key, list(kind["items"])) for key, kind in body.get("kinds", {}).items()]


def _pending(item: Mapping[str, Any]) -> bool:
    return item["action"] not in ("noop", "assert") or bool(item.get("publish"))


def _action(item: Mapping[str, Any]) -> str:
    return "publish" if item["action"] == "noop" and item.get("publish") else str(item["action"])


def _counts(items: Iterable[Mapping[str, Any]]) -> str:
    seen: dict[str, int] = {}
    unchanged = 0
    for item in items:
        action = _action(item)
        if action == "noop":
            unchanged += 1
        else:
            seen[action] = seen.get(action, 0) + 1
    parts = [f"{seen[a]} {w}" for a, w in _WORDS.items() if seen.get(a)]
    parts.append(f"{unchanged} unchanged")
    return ", ".join(parts)


def _details(key: str, items: list[dict[str, Any]], shown: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"<details><summary><b>{key}</b>: {_counts(items)}</summary>",
        "",
        "| | name | action | field | before | after |",
        "|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for item in shown:
        action = _action(item)
        sign = "~" if action == "publish" else _SIGN.get(action, "?")
        label = action + (f" ({_cell(item['reason'])})" if item.get("reason") else "")
        changes = item.get("changes") or []
        head = f"| {_cell(sign)} | {_code(item['name'])} | {label} |"
        if not changes:
            lines.append(f"{head} | | |")
        for n, change in enumerate(changes):
            before = "" if action == "create" else _code(_value(change["before"]))
            after = "" if action == "delete" else _code(_value(change["after"]))
            start = head if n == 0 else "| | | |"
            lines.append(f"{start} {_code(change['field'])} | {before} | {after} |")
        notes.extend(_notes(item, action))
    if notes:
        lines.append("")
        lines.extend(notes)
    lines.extend(["", "</details>"])
    return lines


def _notes(item: Mapping[str, Any], action: str) -> list[str]:
    name = _code(item["name"])
    out = []
    if action in ("create", "rebuild") and item.get("confidential"):
        out.append(f"- {name}: a new secret will be minted")
    out.extend(f"- {name}: publish: {_text(r)}" for r in item.get("publish", ()))
    out.extend(f"- {name}: warning: {_text(w)}" for w in item.get("warnings", ()))
    out.extend(f"- {name}: side effect: {_text(e)}" for e in item.get("side_effects", ()))
    return out


def _value(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _code(text: str) -> str:
    """An inline code span that survives any content, inside a table cell too: its fence is
    longer than any backtick run in it, and pipes are escaped (GFM splits cells on them)."""
    text = str(text).replace("\n", " ")
    run = longest = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|")


def _text(text: str) -> str:
    """Free text (reasons, warnings) as plain text: no markup of its own, no raw HTML."""
    out = str(text).replace("\n", " ")
    for char in "\\`*_[]<>#":
        out = out.replace(char, "\\" + char)
    return out
