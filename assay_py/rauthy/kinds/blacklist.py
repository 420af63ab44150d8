"""The IP blacklist (``/blacklist``): ensure-only, never pruned.

An entry is ``{ip, expires}``: ``expires`` is an ISO 8601 time with a zone, or unix seconds.
Rauthy adds entries itself (brute force, scans), each with an expiry, so the tool ensures
the IPs its file lists and never deletes one: a plan says so, whatever ``prune`` says.
Ensuring extends: an IP already blocked at least as long is left alone, a shorter block is
lengthened (``POST`` resets the expiry); a block is never shortened.

Rauthy's blacklist middleware runs before everything else, so an entry that blocks the
machine running the tool locks it out of Rauthy. :func:`own_addresses` finds this machine's
addresses (loopback, every interface, and the source address the OS uses to reach the
Rauthy host), and such an entry is refused before any request. An address translated on the
way (NAT, a proxy) cannot be seen from here; Rauthy would see that one.
"""

from __future__ import annotations

import builtins
import ipaddress
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ..errors import RauthyError, RauthyValidationError
from ._base import Change, Violation

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["KEY", "BlacklistApi", "canonical", "check", "own_addresses", "plan"]

KEY = "blacklist"
FIELDS = ("ip", "expires")
#: Rauthy's floor for ``exp`` (``IpBlacklistRequest``).
MIN_EXP = 1719784800
#: Rauthy computes the stored expiry from two clock reads; this much difference is no drift.
SLACK_S = 2
NEVER_PRUNED = (
    "the blacklist is never pruned: Rauthy adds entries itself, and an IP the file leaves out"
    " is not unblocked"
)

Row = dict[str, Any]
Addresses = Mapping[str, str]


def canonical(ip: str) -> str:
    """Rauthy's rendering of an address (Rust's ``IpAddr`` to string): IPv6 compressed as
    RFC 5952 says, but an IPv4-mapped address keeps its dotted tail (``::ffff:192.0.2.1``),
    where Python would write ``::ffff:c000:201``."""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _same_host(ip: str) -> str:
    """For comparing with this machine's addresses: IPv4-mapped IPv6 as its IPv4."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def expiry_of(value: Any) -> int | None:
    """Unix seconds from ``expires`` (an int, or ISO 8601 with a zone), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return int(value.timestamp()) if value.tzinfo is not None else None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
        return int(when.timestamp()) if when.tzinfo is not None else None
    return None


def check(entry: Any, *, now: float | None = None, own: Addresses | None = None) -> list[Violation]:
    """Everything wrong with one entry; ``own``: this machine's addresses (refused)."""
    if not isinstance(entry, Mapping):
        return [("", f"expected a mapping (a blacklist entry), got {type(entry).__name__}")]
    found: list[Violation] = []
    for key in entry:
        if key not in FIELDS:
            found.append((str(key), f"unknown field; known: {', '.join(FIELDS)}"))
    ip = entry.get("ip")
    if not isinstance(ip, str):
        found.append(("ip", "required: an IPv4 or IPv6 address, a string"))
    else:
        try:
            address = canonical(ip)
        except ValueError:
            found.append(("ip", f"{ip!r} is not an IPv4 or IPv6 address (no ranges)"))
        else:
            why = (own or {}).get(_same_host(address))
            if why is None and ipaddress.ip_address(_same_host(address)).is_loopback:
                why = "a loopback address"
            if why is not None:
                found.append(
                    (
                        "ip",
                        f"{address} is {why}: blacklisting it would lock this tool (and this"
                        " machine) out of Rauthy; refused",
                    )
                )
    if "expires" not in entry:
        found.append(("expires", "required: when the block ends (ISO 8601 with a zone, or unix s)"))
    else:
        exp = expiry_of(entry["expires"])
        current = time.time() if now is None else now
        if exp is None:
            found.append(
                ("expires", "must be ISO 8601 with a zone (2027-01-01T00:00:00Z) or unix seconds")
            )
        elif exp < MIN_EXP:
            found.append(("expires", f"must be at least {MIN_EXP} (Rauthy's floor)"))
        elif exp <= current:
            found.append(("expires", "is in the past: Rauthy would answer 200 and store nothing"))
    return found


def checked(
    entry: Any, *, now: float | None = None, own: Addresses | None = None
) -> dict[str, Any]:
    found = check(entry, now=now, own=own)
    if found:
        listed = "; ".join(f"{f}: {r}" if f else r for f, r in found)
        raise RauthyValidationError(found, f"rauthy: invalid blacklist entry: {listed}")
    return {"ip": canonical(entry["ip"]), "exp": expiry_of(entry["expires"])}


def plan(
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    *,
    now: float | None = None,
    own: Addresses | None = None,
    prune: bool = False,
) -> list[Change]:
    """Pure: ensure each desired IP is blocked at least until its ``expires``.

    ``live``: ``GET /blacklist`` rows ``{ip, exp}``. Live IPs the file leaves out are never
    deleted; ``prune`` is accepted and changes nothing (every item says so).
    """
    entries = [checked(e, now=now, own=own) for e in desired]
    by_ip: dict[str, int] = {}
    for row in live:
        try:
            by_ip[canonical(str(row.get("ip")))] = int(row.get("exp") or 0)
        except ValueError:
            continue
    notes = (NEVER_PRUNED,) if prune else ()
    changes = []
    seen: set[str] = set()
    for entry in entries:
        ip, exp = entry["ip"], entry["exp"]
        if ip in seen:
            continue
        seen.add(ip)
        body = {"ip": ip, "exp": exp}
        current = by_ip.get(ip)
        if current is None:
            changes.append(
                Change(KEY, ip, "create", after={"exp": exp}, body=body, id=ip, warnings=notes)
            )
        elif current + SLACK_S >= exp:
            longer = (
                (f"Rauthy blocks it longer (until {current}); a block is never shortened",)
                if current > exp + SLACK_S
                else ()
            )
            changes.append(Change(KEY, ip, "noop", id=ip, warnings=(*longer, *notes)))
        else:
            changes.append(
                Change(
                    KEY,
                    ip,
                    "put",
                    drift=("exp",),
                    before={"exp": current},
                    after={"exp": exp},
                    body=body,
                    id=ip,
                    reason="the block is extended (POST resets its expiry)",
                    warnings=notes,
                )
            )
    return changes


# --- this machine's addresses ------------------------------------------------------------------


def own_addresses(base_url: str | None = None) -> dict[str, str]:
    """``{address: why it is this machine's}``: loopback, every interface address, and the
    source address the OS picks to reach ``base_url``'s host (found by connecting a UDP
    socket, which sends nothing)."""
    out: dict[str, str] = {"127.0.0.1": "a loopback address", "::1": "a loopback address"}
    for address in _interface_addresses():
        out.setdefault(address, "an address of this machine's network interfaces")
    if base_url:
        for address in _route_sources(base_url):
            out.setdefault(address, "the address this machine reaches Rauthy from")
    return {_same_host(a): why for a, why in out.items()}


def _interface_addresses() -> Iterable[str]:
    import ifaddr

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            raw = ip.ip[0] if isinstance(ip.ip, tuple) else ip.ip
            try:
                yield canonical(str(raw).split("%", 1)[0])
            except ValueError:
                continue


def _route_sources(base_url: str) -> Iterable[str]:
    import socket

    parts = urlsplit(base_url)
    host = parts.hostname
    if not host:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError:
        return  # unresolvable now: the request itself will say so
    for family, kind, proto, _, target in infos:
        with socket.socket(family, kind, proto) as probe:
            try:
                probe.connect(target)
            except OSError:
                continue
            try:
                yield canonical(str(probe.getsockname()[0]).split("%", 1)[0])
            except ValueError:
                continue
        try:
            address = ipaddress.ip_address(str(target[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address.is_loopback:
            yield str(address)


# --- the API -----------------------------------------------------------------------------------


class BlacklistApi:
    """``c.blacklist``: ``list``, ``get``, ``create``, ``update``, ``delete``, ``reconcile``,
    keyed by IP. Entries that would block this machine are refused before any request."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport
        self._own: dict[str, str] | None = None

    def own_addresses(self) -> dict[str, str]:
        """This machine's addresses as :func:`own_addresses` finds them (once per client)."""
        if self._own is None:
            self._own = own_addresses(self._t.base_url)
        return dict(self._own)

    def list(self) -> builtins.list[Row]:
        """Every blocked IP: ``[{ip, exp}]`` (``exp`` unix seconds)."""
        data = self._t.request("GET", "/blacklist").json()
        rows = data.get("ips") if isinstance(data, Mapping) else None
        if not isinstance(rows, builtins.list):
            raise RauthyError("rauthy GET /blacklist: expected {ips: [...]}", method="GET")
        return [
            {"ip": str(r.get("ip")), "exp": r.get("exp")} for r in rows if isinstance(r, Mapping)
        ]

    def get(self, ip: str) -> Row | None:
        """The entry for ``ip`` (compared canonically), or None."""
        wanted = _canonical_or_error(ip)
        return next((r for r in self.list() if _canonical_or_none(r["ip"]) == wanted), None)

    def create(self, entry: Mapping[str, Any]) -> Row:
        """Block ``entry['ip']`` until ``entry["expires"]`` (a repeat resets the expiry)."""
        body = checked(entry, own=self.own_addresses())
        self._t.request("POST", "/blacklist", body=body)
        return body

    def update(self, ip: str, entry: Mapping[str, Any]) -> Row:
        given = dict(entry)
        given.setdefault("ip", ip)
        if _canonical_or_none(str(given["ip"])) != _canonical_or_error(ip):
            raise RauthyValidationError(
                [("ip", f"must be {ip} (the entry updated)")],
                f"rauthy: blacklist entry {ip}: ip: the entry names {given['ip']}",
            )
        return self.create(given)

    def delete(self, ip: str) -> bool:
        """Unblock ``ip``; False when it was not blocked (Rauthy deletes by exact text, so
        the canonical form is sent)."""
        row = self.get(ip)
        if row is None:
            return False
        self._t.request("DELETE", "/blacklist/" + quote(row["ip"], safe=""))
        return True

    def reconcile(self, entry: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        if not isinstance(dry_run, bool):
            raise RauthyValidationError(
                [("dry_run", "must be a boolean")], "rauthy: dry_run must be a boolean"
            )
        own = self.own_addresses()
        checked(entry, own=own)  # refused before the list is read
        (change,) = plan([entry], self.list(), own=own)
        if dry_run:
            return {**change.to_dict(), "planned": True}
        self.execute(change)
        return change.to_dict()

    def execute(self, change: Change) -> None:
        if change.action in ("create", "put"):
            assert change.body is not None
            self._t.request("POST", "/blacklist", body=change.body)
        elif change.action == "delete":
            raise RauthyError("rauthy: the blacklist is never pruned")

    def __repr__(self) -> str:
        return "BlacklistApi(/blacklist)"


def _canonical_or_none(ip: str) -> str | None:
    try:
        return canonical(ip)
    except ValueError:
        return None


def _canonical_or_error(ip: str) -> str:
    found = _canonical_or_none(ip) if isinstance(ip, str) else None
    if found is None:
        raise RauthyValidationError(
            [("ip", f"{ip!r} is not an IPv4 or IPv6 address")],
            f"rauthy: {ip!r} is not an IPv4 or IPv6 address",
        )
    return found
