"""``--target KIND[/NAME]`` for ``plan`` and ``apply``: the option, and the narrowing of the
loaded file, kept here so that the commands only gain one decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from assay_py.rauthy.declarative.instance_file import InstanceDoc

F = TypeVar("F", bound=Callable[..., Any])
_META = "assay_py.targets"


def target_option(command: F) -> F:
    @click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KIND[/NAME]",
        help="Only this kind, or this object, and what it references (repeatable).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, targets: tuple[str, ...], **kwargs: Any) -> Any:
        if targets:
            from assay_py.rauthy.declarative.targets import parse_targets

            click.get_current_context().meta[_META] = parse_targets(targets)
            click.echo(
                f"warning: --target {' '.join(targets)}: only these and what they reference"
                " are planned; the rest of the file and of Rauthy was not looked at",
                err=True,
            )
        return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def targets() -> list[tuple[str, str | None]] | None:
    ctx = click.get_current_context(silent=True)
    found = ctx.meta.get(_META) if ctx is not None else None
    return list(found) if found else None


def narrow_document(doc: InstanceDoc) -> InstanceDoc:
    """The whole-instance document narrowed to the targets (as it is without any)."""
    wanted = targets()
    if not wanted or doc.bare_list:
        return doc
    from assay_py.rauthy.declarative.targets import narrow

    return narrow(doc, wanted)


def narrow_clients(entries: list[Any], source: str) -> list[Any]:
    """A clients file's entries narrowed to ``clients`` / ``clients/ID`` targets."""
    wanted = targets()
    if not wanted:
        return entries
    from assay_py.rauthy.errors import RauthyValidationError

    other = [k for k, _ in wanted if k != "clients"]
    if other:
        rule = f"{source} is a clients list; it has no {other[0]}"
        raise RauthyValidationError([("--target", rule)], f"--target: {rule}")
    if any(name is None for _, name in wanted):
        return entries
    names = {name for _, name in wanted if name is not None}
    missing = sorted(names - {e.id for e in entries})
    if missing:
        rule = f"{source} has no client named {missing[0]!r}"
        raise RauthyValidationError([("--target", rule)], f"--target: {rule}")
    return [e for e in entries if e.id in names]
