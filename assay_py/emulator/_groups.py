"""``/groups`` as Rauthy serves it (the SCIM pushes of a real Rauthy are not emulated)."""

from __future__ import annotations

from ._kind_routes import MemberKind
from ._validation import RE_GROUPS

GROUPS = MemberKind(
    path="/groups",
    group="Groups",
    body_name="group",
    pattern=RE_GROUPS,
    code="^[a-zA-Z0-9-_/,:*\\s]{2,64}$",
    exists="Group already exists",
    table="groups",
    user_field="groups",
)
route = GROUPS.route
