"""Whole-instance plans and apply reports for people (text, grouped by kind) and machines."""

from __future__ import annotations

import json
from typing import Any

from .engine import InstanceApplyReport, InstancePlan
from .managed import KindSection

__all__ = [
    "render_instance_apply_json",
    "render_instance_apply_text",
    "render_instance_plan_json",
    "render_instance_plan_markdown",
    "render_instance_plan_text",
]

_SIGN = {"create": "+", "put": "~", "rebuild": "-/+", "delete": "-", "noop": "=", "assert": "!"}
_WIDTH = 33


def render_instance_plan_text(plan: InstancePlan, *, verbose: bool = False) -> str:
    lines: list[str] = []
    for section in plan.sections:
        shown = [i for i in section.items if verbose or i["action"] != "noop" or i.get("publish")]
        if not shown:
            continue
        lines.append(f"{section.key}:")
        for item in shown:
            lines.extend(_item(item))
        lines.append("")
    if plan.missing_rights:
        lines.append(
            f"The API key '{plan.key_name}' lacks {', '.join(plan.missing_rights)}:"
            " apply would change nothing."
        )
    if not plan.has_changes:
        total = ", ".join(f"{len(s.items)} {s.key}" for s in plan.sections)
        lines.append(f"No changes: {total or 'nothing'} match the file.")
    else:
        parts = [_summary(s) for s in plan.sections if s.has_changes or s.counts().get("assert")]
        lines.append("Plan: " + "; ".join(parts) + ".")
    return "\n".join(lines) + "\n"


def _summary(section: KindSection) -> str:
    counts = section.counts()
    words = {
        "create": "to create",
        "put": "to update",
        "rebuild": "to rebuild",
        "delete": "to delete",
        "assert": "to assert (unreadable with an API key)",
    }
    parts = [f"{counts[a]} {w}" for a, w in words.items() if counts.get(a)]
    publish = sum(1 for i in section.items if i["action"] == "noop" and i.get("publish"))
    if publish:
        parts.append(f"{publish} to publish")
    parts.append(f"{counts.get('noop', 0)} unchanged")
    return f"{section.key} " + ", ".join(parts)


def _item(item: dict[str, Any]) -> list[str]:
    action = item["action"]
    if action == "noop" and item.get("publish"):
        head = f"{'~':>3} {item['name']}  (publish)"
    else:
        head = f"{_SIGN.get(action, '?'):>3} {item['name']}  ({action}"
        if item.get("reason"):
            head += f": {item['reason']}"
        head += ")"
    if action in ("create", "rebuild") and item.get("confidential"):
        head += "  [a new secret will be minted]"
    lines = [head]
    lines.extend(f"      > {reason}" for reason in item.get("publish", ()))
    for change in item.get("changes", ()):
        label = f"      {change['field']}".ljust(_WIDTH)
        if action == "create":
            value = _value(change["after"])
        elif action == "delete":
            value = _value(change["before"])
        elif action == "assert":
            value = _value(change["after"])
        else:
            value = f"{_value(change['before'])} -> {_value(change['after'])}"
        lines.append(f"{label} {value}")
    lines.extend(f"      ! {w}" for w in item.get("warnings", ()))
    lines.extend(f"      side effect: {e}" for e in item.get("side_effects", ()))
    return lines


def _value(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def render_instance_plan_json(plan: InstancePlan) -> str:
    from .plan_json import versioned

    return json.dumps(versioned(plan.to_dict(), "instance"), indent=2, ensure_ascii=False) + "\n"


def render_instance_plan_markdown(plan: InstancePlan) -> str:
    from .plan_json import versioned
    from .plan_markdown import render_plan_markdown

    return render_plan_markdown(versioned(plan.to_dict(), "instance"))


def render_instance_apply_text(report: InstanceApplyReport, *, verbose: bool = False) -> str:
    lines: list[str] = []
    totals: dict[str, int] = {}
    failed = 0
    for key, body in report.to_dict()["kinds"].items():
        for result in body["results"]:
            ok = result["status"] == "ok"
            if ok:
                totals[result["action"]] = totals.get(result["action"], 0) + 1
            else:
                failed += 1
            if verbose or not ok or result["action"] != "noop":
                detail = "" if ok else f"  {result.get('error', '')}"
                secret = (
                    f"  secret: {result['secret_source']}" if result.get("secret_source") else ""
                )
                if result.get("secret_file"):
                    secret += f" -> {result['secret_file']}"
                lines.append(
                    f"{key}: {result['name']}: {result['action']} {'ok' if ok else 'FAILED'}"
                    f"{secret}{detail}"
                )
    for fixed in report.repaired:
        ok = fixed["status"] == "ok"
        failed += 0 if ok else 1
        detail = "" if ok else f"  {fixed.get('error', '')}"
        lines.append(
            f"{fixed['kind']}: {fixed['name']}: {fixed['reason']}"
            f" {'ok' if ok else 'FAILED'}{detail}"
        )
    for key in report.skipped:
        lines.append(f"{key}: skipped (an earlier kind failed)")
    verbs = {
        "create": "created",
        "put": "updated",
        "rebuild": "rebuilt",
        "delete": "deleted",
        "assert": "asserted",
    }
    parts = [f"{totals[a]} {v}" for a, v in verbs.items() if totals.get(a)]
    summary = ", ".join(parts) if parts else "nothing applied"
    if lines:
        lines.append("")
    lines.append(
        f"Apply: {summary}; {failed} failed." if failed or report.skipped else f"Apply: {summary}."
    )
    return "\n".join(lines) + "\n"


def render_instance_apply_json(report: InstanceApplyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
