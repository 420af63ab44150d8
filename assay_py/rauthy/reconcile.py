"""Pure reconcile logic: normalise, diff and plan. No I/O, no httpx.

``plan(desired, live)`` decides what to do with one client; the client's ``execute`` carries it
out. Drift is judged on normalised values so that a real Rauthy converges (DESIGN.md):

- lists compare as multisets; missing, ``null`` and ``[]`` are equal;
- ``scopes``/``default_scopes`` compare as sets with ``openid`` ensured, as Rauthy sanitises them;
- a field Rauthy requires on PUT that the payload leaves out is not drift (it keeps its value);
- a known optional field left out means "clear it" (PUT is a full replacement);
- live fields we do not know are not drift, and are carried over in the PUT body.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import _schema as s
from .validate import validate_payload

__all__ = [
    "Action",
    "Plan",
    "complete_put_body",
    "create_body",
    "diff",
    "dropped_scope_warnings",
    "normalise",
    "plan",
]

Action = Literal["create", "rebuild", "put", "noop"]
Client = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """What reconcile will do for one client, and the bodies it will send."""

    action: Action
    client_id: str
    desired: Client
    live: Client | None
    #: Every drifting field, in Rauthy's response field order.
    drift: tuple[str, ...] = ()
    reason: str | None = None
    #: The complete ``PUT /clients/{id}`` body (for create/rebuild: against Rauthy's defaults).
    put_body: Client = field(default_factory=dict)
    #: The ``POST /clients`` body, for create and rebuild.
    post_body: Client | None = None
    warnings: tuple[str, ...] = ()

    @property
    def confidential(self) -> bool:
        """Whether the client ends up confidential (so a created client has a secret)."""
        return bool(self.put_body.get("confidential"))

    def __repr__(self) -> str:
        # The bodies carry scim.bearer_token, a credential: shown as a marker.
        from .redact import shown_client

        parts = {
            "action": self.action,
            "client_id": self.client_id,
            "desired": shown_client(self.desired),
            "live": shown_client(self.live),
            "drift": self.drift,
            "reason": self.reason,
            "put_body": shown_client(self.put_body),
            "post_body": shown_client(self.post_body),
            "warnings": self.warnings,
        }
        return f"Plan({', '.join(f'{k}={v!r}' for k, v in parts.items())})"

    @property
    def mutates(self) -> bool:
        return self.action != "noop"

    def to_dict(self) -> dict[str, Any]:
        """The reconcile result shape, without a secret (that only exists after executing)."""
        out: dict[str, Any] = {"action": self.action}
        if self.action == "put":
            out["drift_on"] = self.drift[0]
        if self.action == "rebuild" and self.reason is not None:
            out["reason"] = self.reason
        if self.action in ("put", "rebuild") and self.drift:
            out["drift"] = list(self.drift)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def plan(
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    *,
    known_scopes: Collection[str] | None = None,
) -> Plan:
    """Decide create / rebuild / put / noop for ``desired`` given the ``live`` client (or None).

    ``known_scopes`` (the server's scope table, e.g. discovery's ``scopes_supported``) lets
    scopes Rauthy would drop become warnings instead of drift that never goes away.
    Raises :class:`RauthyValidationError` for an invalid payload.
    """
    validate_payload(desired)
    want = dict(desired)
    client_id: str = want["id"]
    if live is None:
        return Plan(
            action="create",
            client_id=client_id,
            desired=want,
            live=None,
            put_body=complete_put_body(want, _fresh_client(want)),
            post_body=create_body(want),
            warnings=tuple(_unknown_scope_warnings(want, known_scopes)),
        )
    have = dict(live)
    drift, warnings = diff(want, have, known_scopes=known_scopes)
    if _pkce_missing_live(want, have):
        # The delete forgets the live client, so the required fields the payload leaves out
        # (which a put would have kept) are carried into the new one explicitly.
        rebuilt = {**_required_left_out(want, have), **want}
        return Plan(
            action="rebuild",
            client_id=client_id,
            desired=rebuilt,
            live=have,
            drift=drift,
            reason="challenges-drift",
            put_body=complete_put_body(rebuilt, _fresh_client(rebuilt)),
            post_body=create_body(rebuilt),
            warnings=tuple(warnings),
        )
    if drift:
        if want.get("confidential") is True and have.get("confidential") is False:
            warnings.append(
                "confidential: turning the client confidential makes Rauthy mint a new secret;"
                " read it with get_secret()"
            )
        return Plan(
            action="put",
            client_id=client_id,
            desired=want,
            live=have,
            drift=drift,
            put_body=complete_put_body(want, have),
            warnings=tuple(warnings),
        )
    return Plan(
        action="noop", client_id=client_id, desired=want, live=have, warnings=tuple(warnings)
    )


def diff(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    known_scopes: Collection[str] | None = None,
) -> tuple[tuple[str, ...], list[str]]:
    """Drifting fields in Rauthy's response order, and warnings about dropped scopes."""
    drift: list[str] = []
    warnings = _unknown_scope_warnings(desired, known_scopes)
    for name in s.FIELD_ORDER:
        if name == "id":
            continue
        if name not in desired:
            if name in s.REQUIRED_ON_PUT:
                continue  # Rauthy keeps the live value: not drift
            want: Any = None  # optional and left out: "clear it"
        else:
            want = desired[name]
        if name in s.SCOPE_FIELDS and known_scopes is not None and want is not None:
            want = [scope for scope in want if scope in known_scopes or scope == "openid"]
        have = live.get(name)
        if not _identical(want, have) and comparable(name, want) != comparable(name, have):
            drift.append(name)
    return tuple(drift), warnings


_PLAIN = (str, bool, int)


def _identical(want: Any, have: Any) -> bool:
    """True when both are the same plain value (same types too), so no rule can tell them
    apart; the usual case of an unchanged client, decided without normalising."""
    kind = type(want)
    if kind is not type(have):
        return False
    if kind in _PLAIN or want is None:
        return bool(want == have)
    if kind is list:
        return bool(want == have) and all(type(item) is str for item in want)
    return False


def comparable(name: str, value: Any) -> Hashable:
    """A value equal for two values exactly when their ``normalise`` texts are equal.

    What ``diff`` compares: it reaches the same verdicts as ``normalise`` without writing JSON
    text (a no-op plan made about 58 ``json.dumps`` calls per client); only mappings, such as
    ``claims`` or ``scim``, are still compared as canonical JSON text.
    """
    if name in s.SCOPE_FIELDS:
        scopes = frozenset(value or ())
        if not any("openid" in scope for scope in scopes):
            scopes |= {"openid"}  # Rauthy always ensures it
        return scopes
    if name in s.LIST_FIELDS:
        return _multiset(_key(entry) for entry in value or ())
    if name == "claims_at_root" and value is None:
        return _key(False)  # Rauthy's default, always present in its answer
    return _key(value)


def _key(value: Any) -> Hashable:
    # Tagged so that values JSON tells apart stay apart (True, 1 and 1.0 are equal in Python).
    if isinstance(value, str):
        return value
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", _canonical(value))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_key(item) for item in value))
    return ("json", _canonical(value))  # mappings (key order, key types) and anything else


def _multiset(keys: Iterable[Hashable]) -> Hashable:
    counts: dict[Hashable, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return frozenset(counts.items())


def normalise(name: str, value: Any) -> str:
    """A canonical text for ``value`` of field ``name``; equal texts mean no drift."""
    if name in s.SCOPE_FIELDS:
        scopes = set(value or ())
        if not any("openid" in scope for scope in scopes):
            scopes.add("openid")  # Rauthy always ensures it
        return _canonical(sorted(scopes))
    if name in s.LIST_FIELDS:
        return _canonical(sorted(_canonical(entry) for entry in value or ()))
    if name == "claims_at_root" and value is None:
        return _canonical(False)  # Rauthy's default, always present in its answer
    return _canonical(value)


def create_body(desired: Mapping[str, Any]) -> Client:
    """The ``NewClientRequest`` subset ``POST /clients`` takes (unset fields omitted)."""
    return {name: desired[name] for name in s.CREATE_FIELDS if desired.get(name) is not None}


def complete_put_body(desired: Mapping[str, Any], base: Mapping[str, Any]) -> Client:
    """Full ``PUT`` body: ``base`` (live, or Rauthy's defaults), then ``desired``, then ``id``.

    Known optional fields the payload leaves out are dropped (cleared); required ones keep the
    base value; unknown live fields are carried over. An empty ``challenges`` is omitted because
    Rauthy answers 400 to ``[]`` while omitted means "PKCE off".
    """
    merged: Client = {}
    for name, value in base.items():
        if name not in s.OPTIONAL_ON_PUT:
            merged[name] = value
    for name in s.REQUIRED_ON_PUT:
        if merged.get(name) is None:
            merged[name] = _required_default(name)
    merged.update(desired)
    merged["id"] = desired["id"]
    ordered = {name: merged[name] for name in s.FIELD_ORDER if name in merged}
    ordered.update({name: value for name, value in merged.items() if name not in ordered})
    return {
        name: value
        for name, value in ordered.items()
        if not (value is None or (name == "challenges" and not value))
    }


def dropped_scope_warnings(desired: Mapping[str, Any], answer: Mapping[str, Any]) -> list[str]:
    """Warnings for scopes we sent that Rauthy's answer no longer lists (unknown to it)."""
    warnings: list[str] = []
    for name in ("scopes", "default_scopes"):
        sent = desired.get(name)
        if sent is None or name not in answer:
            continue
        kept = set(answer.get(name) or ())
        for scope in _unique(sent):
            if scope not in kept:
                warnings.append(_dropped_text(name, scope))
    return warnings


def _unknown_scope_warnings(
    desired: Mapping[str, Any], known_scopes: Collection[str] | None
) -> list[str]:
    if known_scopes is None:
        return []
    return [
        _dropped_text(name, scope)
        for name in ("scopes", "default_scopes")
        for scope in _unique(desired.get(name) or ())
        if scope not in known_scopes and scope != "openid"
    ]


def _dropped_text(name: str, scope: str) -> str:
    return (
        f"{name}: Rauthy drops the scope '{scope}' because it is not in its scope table;"
        " create the scope in Rauthy or remove it from the payload"
    )


def _pkce_missing_live(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """The original's rebuild rule: PKCE declared, but the live client has none."""
    return bool(desired.get("challenges")) and not live.get("challenges")


def _required_left_out(desired: Mapping[str, Any], live: Mapping[str, Any]) -> Client:
    """Live values of the fields Rauthy requires on PUT that ``desired`` does not set."""
    return {
        name: live[name]
        for name in s.FIELD_ORDER
        if name in s.REQUIRED_ON_PUT and name not in desired and live.get(name) is not None
    }


def _fresh_client(desired: Mapping[str, Any]) -> Client:
    """What ``POST /clients`` answers for ``desired``: its create subset on Rauthy's defaults."""
    fresh: Client = {"id": desired["id"], **s.CREATE_DEFAULTS}
    fresh.update(create_body(desired))
    return fresh


def _required_default(name: str) -> Any:
    if name in s.CREATE_DEFAULTS:
        return s.CREATE_DEFAULTS[name]
    return False if name == "confidential" else []


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
