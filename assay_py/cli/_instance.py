"""``plan``/``apply`` of a whole-instance file (a mapping of kinds); ``rauthy.py`` hands over
here when FILE is a mapping, and keeps the clients-only list format on its own path."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from assay_py.rauthy.declarative.instance import InstanceDoc

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def load_document(file: str, output: str) -> InstanceDoc:
    """The file as a whole-instance document; ``bare_list`` when it is a list of clients
    (whose ``parsed`` text then serves the clients file without a second parse)."""
    from assay_py.rauthy.declarative.instance import InstanceFileError, load_instance

    from ._targets import narrow_document

    try:
        return narrow_document(load_instance(file))
    except InstanceFileError as exc:
        _file_error(exc, output)
        raise  # not reached: _file_error exits


def _file_error(exc: Any, output: str) -> None:
    if output == "json":
        body = {"error": "invalid file", "problems": [p.to_dict() for p in exc.problems]}
        click.echo(json.dumps(body, indent=2))
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_ERROR)


def secret_owners(doc: InstanceDoc) -> list[str]:
    """Every owner whose secret the file may have published (clients, API keys)."""
    from assay_py.rauthy.declarative.instance import secret_owners

    return secret_owners(doc)


def client_entries(doc: InstanceDoc) -> list[Any]:
    """The document's clients; [] when they do not parse (planning then reports why)."""
    from assay_py.rauthy.declarative.instance import client_entries

    return client_entries(doc)


def plan_document(
    client: Any,
    doc: InstanceDoc,
    *,
    prune: bool,
    parallel: int,
    output: str,
    verbose: bool,
    publication: Any = None,
) -> Any:
    from assay_py.rauthy.declarative.instance import InstanceFileError, plan_instance
    from assay_py.rauthy.declarative.instance_render import (
        render_instance_plan_json,
        render_instance_plan_markdown,
        render_instance_plan_text,
    )

    try:
        plan = plan_instance(
            client,
            doc,
            prune=True if prune else None,
            parallel=parallel,
            publication=publication,
        )
    except InstanceFileError as exc:
        _file_error(exc, output)
    if output == "json":
        click.echo(render_instance_plan_json(plan), nl=False)
    elif output == "markdown":
        click.echo(render_instance_plan_markdown(plan), nl=False)
    else:
        click.echo(render_instance_plan_text(plan, verbose=verbose), nl=False)
    return plan


def plan_exit(plan: Any) -> int:
    if plan.missing_rights:
        return EXIT_ERROR
    return EXIT_CHANGES if plan.has_changes else EXIT_OK


def apply_document(
    client: Any,
    doc: InstanceDoc,
    *,
    prune: bool,
    parallel: int,
    output: str,
    verbose: bool,
    human_err: bool,
    publication: Any,
    publish_existing: bool,
    progress: bool,
) -> Any:
    """Plan, show the plan, apply; ``progress``: a live status line if stderr is a terminal."""
    from assay_py.rauthy.declarative.instance import (
        InstanceFileError,
        apply_instance,
        plan_instance,
    )
    from assay_py.rauthy.declarative.instance_render import (
        render_instance_apply_json,
        render_instance_apply_text,
        render_instance_plan_text,
    )

    try:
        plan = plan_instance(
            client,
            doc,
            prune=True if prune else None,
            parallel=parallel,
            publish_existing=publish_existing,
            publication=publication,
        )
    except InstanceFileError as exc:
        _file_error(exc, output)
    if output == "text":
        click.echo(render_instance_plan_text(plan, verbose=verbose), nl=False, err=human_err)
        click.echo(err=human_err)
    if plan.missing_rights:
        click.echo(
            f"error: the API key '{plan.key_name}' lacks {', '.join(plan.missing_rights)};"
            " nothing was changed",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    lost = [i["name"] for s in plan.sections for i in s.items if i.get("mints")]
    if lost and not publication:
        # --no-publish: a client secret stays readable, an API key's token never is again.
        click.echo(
            f"error: API key(s) {', '.join(lost)} would be minted with nowhere to publish the"
            " token, which Rauthy shows once: pass --secrets-dir DIR and/or"
            " --k8s-secret-namespace NS; nothing was changed",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    from ._progress import LiveProgress

    display = LiveProgress.on_stderr(enabled=progress)
    try:
        report = apply_instance(
            client,
            plan,
            parallel=parallel,
            publication=publication,
            publish_existing=publish_existing,
            on_progress=display.update if display is not None else None,
        )
    finally:
        if display is not None:
            display.close()
    if output == "json":
        click.echo(render_instance_apply_json(report), nl=False)
    else:
        click.echo(render_instance_apply_text(report, verbose=verbose), nl=False, err=human_err)
    return report
