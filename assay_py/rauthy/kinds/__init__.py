"""One module per Rauthy resource kind, each the same shape: its schema and validation, its
pure ``plan(desired, live)``, its API class. ``KINDS`` registers them for the engine.
"""

from __future__ import annotations

from . import attributes, groups, roles, scopes
from ._base import Change, Kind, KindApi, plan_kind

__all__ = ["KINDS", "Change", "Kind", "KindApi", "plan_kind"]

#: Every named kind, by file key. Adding a kind is adding its module and one line here.
KINDS: dict[str, Kind] = {
    kind.key: kind for kind in (attributes.KIND, scopes.KIND, roles.KIND, groups.KIND)
}
