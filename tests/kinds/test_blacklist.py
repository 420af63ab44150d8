"""The blacklist: validation, the pure plan (ensure-only, never pruned), the self-block
refusal, and ``c.blacklist`` against the emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError, RauthyValidationError
from assay_py.rauthy.kinds import blacklist

NOW = 1_800_000_000
LATER = NOW + 86_400


def rules(entry: dict[str, Any], own: dict[str, str] | None = None) -> dict[str, str]:
    return dict(blacklist.check(entry, now=NOW, own=own))


def test_entry_rules() -> None:
    assert rules({"ip": "203.0.113.7", "expires": LATER}) == {}
    assert rules({"ip": "2001:db8::1", "expires": "2027-06-01T00:00:00+02:00"}) == {}
    assert "not an IPv4 or IPv6" in rules({"ip": "203.0.113.0/24", "expires": LATER})["ip"]
    assert (
        "with a zone" in rules({"ip": "203.0.113.7", "expires": "2027-01-01T00:00:00"})["expires"]
    )
    assert "in the past" in rules({"ip": "203.0.113.7", "expires": NOW - 1})["expires"]
    assert "Rauthy's floor" in rules({"ip": "203.0.113.7", "expires": 5})["expires"]
    assert "required" in rules({"ip": "203.0.113.7"})["expires"]
    assert "unknown field" in rules({"ip": "203.0.113.7", "expires": LATER, "exp": 1})["exp"]


def test_self_block_refused() -> None:
    own = {"10.1.2.3": "the address this machine reaches Rauthy from"}
    found = rules({"ip": "10.1.2.3", "expires": LATER}, own)["ip"]
    assert "reaches Rauthy from" in found and "lock this tool" in found
    # the same host written as an IPv4-mapped IPv6 address
    assert "ip" in rules({"ip": "::ffff:10.1.2.3", "expires": LATER}, own)
    # loopback is always this machine's, whatever was found
    assert "loopback" in rules({"ip": "127.0.0.2", "expires": LATER})["ip"]
    assert "loopback" in rules({"ip": "::1", "expires": LATER})["ip"]
    with pytest.raises(RauthyValidationError, match=r"10\.1\.2\.3"):
        blacklist.plan([{"ip": "10.1.2.3", "expires": LATER}], [], now=NOW, own=own)


def test_own_addresses_cover_loopback_interfaces_and_the_route() -> None:
    found = blacklist.own_addresses("http://127.0.0.1:1/auth/v1")
    assert found["127.0.0.1"] and found["::1"]
    import ifaddr

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                assert ip.ip in found


def test_plan_creates_extends_and_never_shortens() -> None:
    desired = [
        {"ip": "203.0.113.7", "expires": LATER},
        {"ip": "2001:db8:0::9", "expires": LATER},
        {"ip": "198.51.100.1", "expires": LATER},
    ]
    live = [
        {"ip": "2001:db8::9", "exp": LATER + 1},  # same block (Rauthy's clock reads differ)
        {"ip": "198.51.100.1", "exp": NOW + 60},  # shorter: extended
        {"ip": "192.0.2.50", "exp": NOW + 600},  # Rauthy's own auto-block: left alone
    ]
    changes = blacklist.plan(desired, live, now=NOW)
    assert [(c.action, c.name) for c in changes] == [
        ("create", "203.0.113.7"),
        ("noop", "2001:db8::9"),
        ("put", "198.51.100.1"),
    ]
    assert changes[0].body == {"ip": "203.0.113.7", "exp": LATER}
    longer = blacklist.plan([{"ip": "192.0.2.50", "expires": NOW + 60}], live, now=NOW)
    assert longer[0].action == "noop" and "never shortened" in longer[0].warnings[0]


def test_prune_never_deletes() -> None:
    live = [{"ip": "192.0.2.50", "exp": NOW + 600}, {"ip": "192.0.2.51", "exp": NOW + 600}]
    changes = blacklist.plan([{"ip": "203.0.113.7", "expires": LATER}], live, now=NOW, prune=True)
    assert [c.action for c in changes] == ["create"]
    assert "never pruned" in changes[0].warnings[0]
    assert blacklist.plan([], live, now=NOW, prune=True) == []


@pytest.fixture
def c(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as client:
        yield client


def test_api_round_trip(c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator) -> None:
    until = int(time.time()) + 3600
    entry = {"ip": "2001:db8:0:0::7", "expires": until}
    assert c.blacklist.reconcile(entry, dry_run=True)["planned"] is True
    assert rauthy_emulator.blacklist == {}
    assert c.blacklist.reconcile(entry) == {"action": "create"}
    assert rauthy_emulator.blacklist == {"2001:db8::7": until}
    assert c.blacklist.reconcile(entry) == {"action": "noop"}
    assert c.blacklist.get("2001:db8::7") == {"ip": "2001:db8::7", "exp": until}
    c.blacklist.update("2001:db8::7", {"expires": until + 60})
    assert rauthy_emulator.blacklist["2001:db8::7"] == until + 60
    c.blacklist.create({"ip": "203.0.113.7", "expires": until})
    assert [r["ip"] for r in c.blacklist.list()] == ["2001:db8::7", "203.0.113.7"]
    # deleted by the canonical text even when asked in another spelling
    assert c.blacklist.delete("2001:DB8:0::7") is True
    assert c.blacklist.delete("2001:db8::7") is False
    assert list(rauthy_emulator.blacklist) == ["203.0.113.7"]


def test_api_refuses_blocking_this_machine(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    until = int(time.time()) + 3600
    count = rauthy_emulator.request_count()
    # the emulator listens on 127.0.0.1: that is where this tool reaches it from
    with pytest.raises(RauthyValidationError, match="lock this tool"):
        c.blacklist.create({"ip": "127.0.0.1", "expires": until})
    with pytest.raises(RauthyValidationError, match="lock this tool"):
        c.blacklist.reconcile({"ip": "::ffff:127.0.0.1", "expires": until})
    assert rauthy_emulator.request_count() == count
    assert rauthy_emulator.blacklist == {}
    # what the refusal prevents: sent anyway, the emulator locks this machine out
    headers = {"Authorization": f"API-Key {rauthy_emulator.api_key}"}
    body = {"ip": "127.0.0.1", "exp": until}
    assert httpx.post(rauthy_emulator.url + "/blacklist", json=body, headers=headers).is_success
    assert httpx.get(rauthy_emulator.url + "/blacklist", headers=headers).status_code == 429


def test_a_blocked_tool_fails_at_once_saying_why(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.block("127.0.0.1", int(time.time()) + 3600)
    before = rauthy_emulator.request_count()
    with pytest.raises(RauthyError) as caught:
        c.clients.list()
    assert caught.value.status == 429
    assert "IP blacklist" in str(caught.value) and "retry not before" in str(caught.value)
    assert "<html" not in str(caught.value)
    # an hour's block is not waited out: one request, no retries
    assert rauthy_emulator.request_count() - before == 1


def test_canonical_text_is_rusts_with_a_dotted_ipv4_mapped_tail(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    assert blacklist.canonical("::FFFF:c000:0201") == "::ffff:192.0.2.1"
    assert blacklist.canonical("2001:DB8:0:0::7") == "2001:db8::7"
    assert blacklist.canonical("1:0:0:1:0:0:1:1") == "1::1:0:0:1:1"  # first longest run
    until = int(time.time()) + 3600
    entry = {"ip": "::ffff:c000:201", "expires": until}
    assert c.blacklist.reconcile(entry) == {"action": "create"}
    assert rauthy_emulator.blacklist == {"::ffff:192.0.2.1": until}
    assert c.blacklist.reconcile(entry) == {"action": "noop"}  # what Rauthy lists matches
    assert c.blacklist.delete("::ffff:192.0.2.1") is True and rauthy_emulator.blacklist == {}
