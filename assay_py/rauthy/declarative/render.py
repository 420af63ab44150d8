"""Plan and apply reports for people (text) and machines (JSON). No secret reaches either:
plans never hold one, and apply results render which secret was published, not its value."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from assay_py.rauthy import _schema as schema

from .executor import ApplyReport, ClientResult
from .planner import ClientPlan, FieldChange, PlanReport

__all__ = [
    "render_apply_json",
    "render_apply_text",
    "render_plan_json",
    "render_plan_markdown",
    "render_plan_text",
]

_SIGN = {"create": "+", "put": "~", "rebuild": "-/+", "delete": "-", "noop": "="}
_VERB = {
    "create": "created",
    "put": "updated",
    "rebuild": "rebuilt",
    "delete": "deleted",
    "noop": "unchanged",
}
_FIELD_WIDTH = 33


def render_plan_text(report: PlanReport, *, verbose: bool = False) -> str:
    """Changed clients with their field diffs, then a one-line summary.

    Unchanged clients are listed only with ``verbose``: with hundreds of them, the changes
    are what a reviewer needs to see.
    """
    lines: list[str] = []
    for planned in report.clients:
        if not planned.pending and not verbose:
            continue
        lines.extend(_plan_block(planned))
    counts = report.counts()
    if not report.has_changes:
        lines.append(f"No changes: {counts['noop']} client(s) match the file.")
    else:
        parts = [
            f"{counts['create']} to create",
            f"{counts['put']} to update",
            f"{counts['rebuild']} to rebuild",
            f"{counts['delete']} to delete",
        ]
        if counts["publish"]:
            parts.append(f"{counts['publish']} to publish")
        parts.append(f"{counts['noop']} unchanged")
        lines.append("")
        lines.append("Plan: " + ", ".join(parts) + ".")
    return "\n".join(lines).lstrip("\n") + "\n"


def render_plan_json(report: PlanReport) -> str:
    from .plan_json import versioned

    return json.dumps(versioned(report.to_dict(), "clients"), indent=2, ensure_ascii=False) + "\n"


def render_plan_markdown(report: PlanReport) -> str:
    from .plan_json import versioned
    from .plan_markdown import render_plan_markdown as render

    return render(versioned(report.to_dict(), "clients"))


def render_apply_text(report: ApplyReport, *, verbose: bool = False) -> str:
    """A table of the clients that changed, failed or had a secret published, then totals."""
    rows = [
        r for r in report.results if verbose or r.action != "noop" or not r.ok or r.secret_source
    ]
    lines: list[str] = []
    if rows:
        table = [("CLIENT", "ACTION", "RESULT", "SECRET", "DETAIL")]
        table.extend(_apply_row(result) for result in rows)
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
            lines.append("  ".join([*cells, row[4]]).rstrip())
        for result in rows:
            lines.extend(f"warning: {result.client_id}: {w}" for w in result.warnings)
        lines.append("")
    done: Counter[str] = Counter(r.action for r in report.results if r.ok)
    parts = [f"{done[action]} {_VERB[action]}" for action in _VERB if done[action]]
    republished = sum(1 for r in report.results if r.ok and r.secret_source == "republished")
    if republished:
        parts.append(f"{republished} secret(s) published again")
    lines.extend(f"error: {error}" for error in report.publish_errors)
    failed = len(report.failed) + len(report.publish_errors)
    summary = ", ".join(parts) if parts else "nothing applied"
    lines.append(f"Apply: {summary}; {failed} failed." if failed else f"Apply: {summary}.")
    return "\n".join(lines) + "\n"


def render_apply_json(report: ApplyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


# --- plan blocks ---------------------------------------------------------------------------


def _plan_block(planned: ClientPlan) -> list[str]:
    if planned.action == "noop" and planned.publish:
        head = f"{'~':>3} {planned.client_id}  (publish)"
    else:
        head = f"{_SIGN[planned.action]:>3} {planned.client_id}  ({planned.action}"
        if planned.reason:
            head += f": {planned.reason}"
        head += ")"
    if planned.mints:
        head += "  [a new secret will be minted]"
    elif planned.publish and planned.action != "noop":
        head += "  [its current secret will be published]"
    lines = ["", head]
    lines.extend(f"      > {reason}" for reason in planned.publish)
    for change in planned.changes:
        lines.extend(_change_lines(planned.action, change))
    lines.extend(f"      ! {warning}" for warning in planned.warnings)
    return lines


def _change_lines(action: str, change: FieldChange) -> list[str]:
    label = f"      {change.field}".ljust(_FIELD_WIDTH)
    if action == "create":
        return [f"{label} {_value(change.after)}"]
    if action == "delete":
        return [f"{label} {_value(change.before)}"]
    added, removed = _list_delta(change)
    if added or removed:
        first, *rest = [f"- {_value(v)}" for v in removed] + [f"+ {_value(v)}" for v in added]
        return [f"{label} {first}", *(f"{'':{_FIELD_WIDTH}} {line}" for line in rest)]
    return [f"{label} {_value(change.before)} -> {_value(change.after)}"]


def _list_delta(change: FieldChange) -> tuple[list[Any], list[Any]]:
    """Elements added and removed, for list fields where both sides are lists."""
    if change.field not in schema.LIST_FIELDS:
        return [], []
    before = change.before if isinstance(change.before, list) else []
    after = change.after if isinstance(change.after, list) else []
    if not before or not after:
        return [], []
    old, new = Counter(map(_key, before)), Counter(map(_key, after))
    added = [v for v in after if (new - old)[_key(v)]]
    removed = [v for v in before if (old - new)[_key(v)]]
    return _unique(added), _unique(removed)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _unique(values: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(_key(value), value)
    return list(seen.values())


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def _apply_row(result: ClientResult) -> tuple[str, str, str, str, str]:
    secret = ""
    if result.secret_source is not None:
        secret = result.secret_source
        if result.secret_file is not None:
            secret += f" -> {result.secret_file}"
    detail = result.error or ""
    if result.attempts > 1 and result.ok:
        detail = f"after {result.attempts} attempts"
    return (
        result.client_id,
        result.action,
        "ok" if result.ok else "FAILED",
        secret,
        detail,
    )
