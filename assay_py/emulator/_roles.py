"""``/roles`` as Rauthy serves it: 0.35.2 and 0.36 alike for API keys.

``rauthy_admin`` cannot be deleted (Rauthy's anti-lockout rule) but can be renamed.
"""

from __future__ import annotations

from ._kind_routes import MemberKind

ROLES = MemberKind(
    path="/roles",
    group="Roles",
    body_name="role",
    pattern=r"^[a-zA-Z0-9-_/,:*.]{2,64}$",
    code="^[a-zA-Z0-9-_/,:*.]{2,64}$",
    exists="Role already exists",
    table="roles",
    user_field="roles",
    protected={
        "rauthy_admin": "Anti-Lockout Rule: The 'rauthy_admin' role cannot be deleted",
    },
)
route = ROLES.route
