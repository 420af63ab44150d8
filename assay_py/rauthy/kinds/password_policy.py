"""The password policy (``/password_policy``): one per instance.

An API key may write it (``PUT``, Secrets:update) but not read it (``GET`` wants a session),
so a plan cannot see drift: it shows the policy as *asserted*, and apply always PUTs it. The
PUT is a full replacement: a rule the file leaves out is switched off. Rauthy does not check
``length_min <= length_max``; this module does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import RauthyValidationError
from ._base import Change, Violation

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["RULES", "PasswordPolicyApi", "check", "plan"]

KEY = "password_policy"
#: ``{field: (min, max, required)}`` (``PasswordPolicyRequest``).
RULES: dict[str, tuple[int, int, bool]] = {
    "length_min": (8, 128, True),
    "length_max": (8, 128, True),
    "include_lower_case": (1, 32, False),
    "include_upper_case": (1, 32, False),
    "include_digits": (1, 32, False),
    "include_special": (1, 32, False),
    "valid_days": (1, 3650, False),
    "not_recently_used": (1, 10, False),
}


def check(policy: Any) -> list[Violation]:
    if not isinstance(policy, Mapping):
        return [("", f"expected a mapping (the password policy), got {type(policy).__name__}")]
    found: list[Violation] = []
    for key in policy:
        if key not in RULES:
            found.append((str(key), f"unknown field; known: {', '.join(RULES)}"))
    for name, (low, high, required) in RULES.items():
        value = policy.get(name)
        if value is None:
            if required:
                found.append((name, f"required: an integer {low}-{high}"))
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            found.append((name, f"must be an integer {low}-{high} (leave it out: rule off)"))
    shortest, longest = policy.get("length_min"), policy.get("length_max")
    if isinstance(shortest, int) and isinstance(longest, int) and shortest > longest:
        found.append(("length_min", "must not exceed length_max (Rauthy does not check)"))
    return found


def checked(policy: Any) -> dict[str, Any]:
    found = check(policy)
    if found:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid password policy: {listed}")
    return dict(policy)


def body(policy: Mapping[str, Any]) -> dict[str, Any]:
    return {name: policy[name] for name in RULES if policy.get(name) is not None}


def plan(desired: Mapping[str, Any] | None) -> list[Change]:
    """Pure: the policy cannot be read with an API key, so a stated policy is always
    ``assert`` (a PUT), and no policy in the file means nothing to do."""
    if desired is None:
        return []
    policy = checked(desired)
    sent = body(policy)
    return [
        Change(
            KEY,
            KEY,
            "put",
            drift=tuple(sent),
            after={name: policy.get(name) for name in RULES},
            body=sent,
            reason="asserted: an API key cannot read the policy, so it is always written",
        )
    ]


class PasswordPolicyApi:
    """``c.password_policy``: ``put`` (also ``update``/``reconcile``); ``get`` needs a session."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def put(self, policy: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the policy; answers the policy Rauthy now holds (rules off left out)."""
        sent = body(checked(policy))
        data = self._t.request("PUT", "/password_policy", body=sent).json()
        return dict(data) if isinstance(data, Mapping) else sent

    update = put

    def get(self) -> dict[str, Any]:
        """Rauthy answers 401 to an API key here; kept for sessions and for a clear error."""
        data = self._t.request("GET", "/password_policy").json()
        return dict(data) if isinstance(data, Mapping) else {}

    def reconcile(self, policy: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        (change,) = plan(policy)
        out = {"action": "assert", "reason": change.reason}
        if dry_run:
            return {**out, "planned": True}
        self.put(policy)
        return out

    def __repr__(self) -> str:
        return "PasswordPolicyApi(/password_policy)"
