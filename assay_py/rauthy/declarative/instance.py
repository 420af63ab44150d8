"""A whole Rauthy instance as code: ``plan_instance`` and ``apply_instance`` on a document
(``load_instance`` for a file, or a Python mapping/list), over the kind-agnostic engine.

A document is a mapping with any of the kinds' keys (``user_attributes``, ``scopes``, ``roles``,
``groups``, ``clients``) plus ``version: 1`` and ``prune: {kind: true}``; a bare list is the
clients-only format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay_py.rauthy.options import check_options

from .engine import InstanceApplyReport, InstancePlan, MissingRights, apply_plan, make_plan
from .instance_file import InstanceDoc, InstanceFileError, load_instance_file, parse_document
from .managed import managed_kinds

__all__ = [
    "InstanceApplyReport",
    "InstanceDoc",
    "InstanceFileError",
    "InstancePlan",
    "MissingRights",
    "apply_instance",
    "kind_keys",
    "load_instance",
    "plan_instance",
]


def kind_keys() -> list[str]:
    """The file keys of every kind, in dependency order."""
    from .engine import order

    return [k.key for k in order(managed_kinds())]


def load_instance(path: str | Path) -> InstanceDoc:
    """Read and shape-check an instance file (entries are validated when planning)."""
    return load_instance_file(path, kind_keys())


def _doc(doc: Any) -> InstanceDoc:
    if isinstance(doc, InstanceDoc):
        return doc
    return parse_document(doc, kind_keys())


def plan_instance(
    client: Any,
    doc: Any,
    *,
    prune: bool | None = None,
    parallel: int = 4,
    publish_existing: bool = False,
) -> InstancePlan:
    """Validate ``doc`` (every problem at once), read each managed kind with one list request,
    and plan. ``prune`` overrides the document's per-kind ``prune:`` for every kind."""
    check_options(
        "plan",
        none_ok=("prune",),
        prune=prune,
        parallel=parallel,
        publish_existing=publish_existing,
    )
    return make_plan(
        client, _doc(doc), prune=prune, parallel=parallel, publish_existing=publish_existing
    )


def apply_instance(
    client: Any,
    doc_or_plan: Any,
    *,
    prune: bool | None = None,
    parallel: int = 4,
    secrets_dir: str | Path | None = None,
    publish_existing: bool = False,
    on_progress: Any = None,
) -> InstanceApplyReport:
    """Converge Rauthy on the document (planning first), or carry out an existing plan."""
    check_options(
        "apply",
        none_ok=("prune", "secrets_dir", "on_progress"),
        prune=prune,
        parallel=parallel,
        secrets_dir=secrets_dir,
        publish_existing=publish_existing,
        on_progress=on_progress,
    )
    if isinstance(doc_or_plan, InstancePlan):
        plan = doc_or_plan
    else:
        plan = plan_instance(
            client, doc_or_plan, prune=prune, parallel=parallel, publish_existing=publish_existing
        )
    return apply_plan(
        client,
        plan,
        parallel=parallel,
        secrets_dir=secrets_dir,
        publish_existing=publish_existing,
        on_progress=on_progress,
    )
