"""A whole Rauthy instance as code: ``plan_instance`` and ``apply_instance`` on a document
(``load_instance`` for a file, or a Python mapping/list), over the kind-agnostic engine.

A document is a mapping with any of the kinds' keys (``user_attributes``, ``scopes``, ``roles``,
``groups``, ``clients``) plus ``version: 1`` and ``prune: {kind: true}``; a bare list is the
clients-only format.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay_py.rauthy.options import check_options

from .engine import InstanceApplyReport, InstancePlan, MissingRights, apply_plan, make_plan
from .instance_file import InstanceDoc, InstanceFileError, load_instance_file, parse_document
from .managed import ClientsManaged, managed_kinds

if TYPE_CHECKING:
    from .publication import Publication

__all__ = [
    "InstanceApplyReport",
    "InstanceDoc",
    "InstanceFileError",
    "InstancePlan",
    "MissingRights",
    "apply_instance",
    "client_entries",
    "kind_keys",
    "load_instance",
    "plan_instance",
    "secret_owners",
]


def kind_keys() -> list[str]:
    """The file keys of every kind, in dependency order."""
    from .engine import order

    return [k.key for k in order(managed_kinds())]


def _shape_rules() -> dict[str, Any]:
    """What the document's shape check needs to know of the kinds (nothing of their fields)."""
    kinds = managed_kinds()
    return {
        "singletons": [k.key for k in kinds if getattr(k, "singleton", False)],
        "prune_words": {k.key: getattr(k, "prune_words", ()) for k in kinds},
    }


def load_instance(path: str | Path) -> InstanceDoc:
    """Read and shape-check an instance file (entries are validated when planning)."""
    return load_instance_file(path, kind_keys(), **_shape_rules())


def _doc(doc: Any) -> InstanceDoc:
    if isinstance(doc, InstanceDoc):
        return doc
    return parse_document(doc, kind_keys(), **_shape_rules())


def plan_instance(
    client: Any,
    doc: Any,
    *,
    prune: bool | None = None,
    parallel: int = 4,
    publish_existing: bool = False,
    publication: Publication | None = None,
) -> InstancePlan:
    """Validate ``doc`` (every problem at once), read each managed kind with one list request,
    and plan. ``prune`` overrides the document's per-kind ``prune:`` for every kind. With a
    ``publication``, clients whose current secret a destination lacks are marked ``publish``
    (no request), and ids it cannot name are refused before any request."""
    check_options(
        "plan",
        none_ok=("prune",),
        prune=prune,
        parallel=parallel,
        publish_existing=publish_existing,
    )
    doc = _doc(doc)
    if publication is not None:
        publication.check(secret_owners(doc))
    plan = make_plan(
        client,
        doc,
        prune=prune,
        parallel=parallel,
        publish_existing=publish_existing,
        publication=publication,
    )
    if publication is None or plan.section("clients") is None:
        return plan
    from .planner import with_publication

    sections = tuple(
        ClientsManaged().section(with_publication(s.detail, publication))
        if s.key == "clients"
        else s
        for s in plan.sections
    )
    return replace(plan, sections=sections)


def secret_owners(doc: Any) -> list[str]:
    """Every owner whose secret the document may have published: confidential clients, and
    each other kind's (``secret_owners``: API keys); [] for entries that do not parse."""
    from .planner import secret_owners as client_owners

    doc = _doc(doc)
    owners = client_owners(client_entries(doc))
    for kind in managed_kinds():
        items = doc.kinds.get(kind.key)
        if items and hasattr(kind, "secret_owners"):
            entries, problems = kind.parse(items, doc.marks.get(kind.key, []), doc.source)
            if not problems:
                owners += kind.secret_owners(entries)
    return owners


def client_entries(doc: Any) -> list[Any]:
    """The document's clients as ``Entry`` objects; [] when they do not parse (planning
    reports those problems)."""
    doc = _doc(doc)
    items = doc.kinds.get("clients")
    if not items:
        return []
    entries, problems = ClientsManaged().parse(items, doc.marks.get("clients", []), doc.source)
    return [] if problems else entries


def apply_instance(
    client: Any,
    doc_or_plan: Any,
    *,
    prune: bool | None = None,
    parallel: int = 4,
    secrets_dir: str | Path | None = None,
    publication: Publication | None = None,
    publish_existing: bool = False,
    on_progress: Any = None,
) -> InstanceApplyReport:
    """Converge Rauthy on the document (planning first), or carry out an existing plan.

    Secrets go to ``publication`` (``secrets_dir`` is short for a secrets directory alone).
    ``on_progress(done, failed, total)`` is called from worker threads as objects finish,
    counted over every object of the plan, unchanged ones included.
    """
    check_options(
        "apply",
        none_ok=("prune", "secrets_dir", "on_progress"),
        prune=prune,
        parallel=parallel,
        secrets_dir=secrets_dir,
        publish_existing=publish_existing,
        on_progress=on_progress,
    )
    if secrets_dir is not None and publication is not None:
        raise ValueError("give secrets_dir or publication, not both")
    if publication is None:
        from .publication import Publication, SecretsDir

        publication = Publication([SecretsDir(secrets_dir)] if secrets_dir is not None else [])
    if isinstance(doc_or_plan, InstancePlan):
        plan = doc_or_plan
    else:
        plan = plan_instance(
            client,
            doc_or_plan,
            prune=prune,
            parallel=parallel,
            publish_existing=publish_existing,
            publication=publication,
        )
    return apply_plan(
        client,
        plan,
        parallel=parallel,
        publication=publication,
        publish_existing=publish_existing,
        on_progress=on_progress,
    )
