"""The emulator's ``/blacklist`` routes and its middleware, over raw HTTP."""

from __future__ import annotations

import time

import httpx

from assay_py.emulator import RauthyEmulator


def test_post_list_delete(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    until = int(time.time()) + 3600
    assert api.post("/blacklist", json={"ip": "2001:db8:0:0::7", "exp": until}).status_code == 200
    assert api.post("/blacklist", json={"ip": "203.0.113.7", "exp": until}).status_code == 200
    ips = api.get("/blacklist").json()["ips"]
    # stored under the canonical text (IPv6 compressed)
    assert {e["ip"] for e in ips} == {"2001:db8::7", "203.0.113.7"}
    assert all(e["exp"] == until for e in ips)
    # Rauthy deletes the exact text: a non-canonical spelling removes nothing
    assert api.delete("/blacklist/2001:db8:0:0::7").status_code == 200
    assert "2001:db8::7" in rauthy_emulator.blacklist
    assert api.delete("/blacklist/2001:db8::7").status_code == 200
    assert api.delete("/blacklist/2001:db8::7").status_code == 200  # idempotent
    assert [e["ip"] for e in api.get("/blacklist").json()["ips"]] == ["203.0.113.7"]


def test_past_expiry_is_a_silent_noop_and_floor_is_checked(api: httpx.Client) -> None:
    past = api.post("/blacklist", json={"ip": "203.0.113.8", "exp": int(time.time()) - 5})
    assert past.status_code == 200
    assert api.get("/blacklist").json()["ips"] == []
    low = api.post("/blacklist", json={"ip": "203.0.113.8", "exp": 5})
    assert low.status_code == 400 and '"exp"' in low.json()["message"]
    bad = api.post("/blacklist", json={"ip": "203.0.113.0/24", "exp": int(time.time()) + 60})
    assert bad.status_code == 400 and bad.text.startswith("Json deserialize error")


def test_rights(rauthy_emulator: RauthyEmulator) -> None:
    token = rauthy_emulator.add_api_key("bl-read", {"Blacklist": ["read"]})
    headers = {"Authorization": f"API-Key {token}"}
    url = rauthy_emulator.url + "/blacklist"
    assert httpx.get(url, headers=headers).status_code == 200
    body = {"ip": "203.0.113.9", "exp": int(time.time()) + 60}
    denied = httpx.post(url, json=body, headers=headers)
    assert denied.status_code == 403 and "Blacklist / Create" in denied.json()["message"]
    assert httpx.delete(url + "/203.0.113.9", headers=headers).status_code == 403


def test_a_blocked_address_is_refused_everywhere(rauthy_emulator: RauthyEmulator) -> None:
    until = int(time.time()) + 600
    rauthy_emulator.block("127.0.0.1", until)
    for path in ("/health", "/clients", "/blacklist"):
        answer = httpx.get(rauthy_emulator.url + path)
        assert answer.status_code == 429
        assert answer.headers["x-retry-not-before"] == str(until)
        assert "text/html" in answer.headers["content-type"]
    rauthy_emulator.block("127.0.0.1", int(time.time()) - 1)  # ended: let through again
    assert httpx.get(rauthy_emulator.url + "/health").status_code == 200


def test_an_ipv4_mapped_address_is_stored_with_its_dotted_tail(api: httpx.Client) -> None:
    # Rust's Ipv6Addr Display keeps the IPv4 tail of ::ffff:a.b.c.d; Python would not.
    until = int(time.time()) + 3600
    for spelling in ("::ffff:c000:201", "0:0:0:0:0:FFFF:192.0.2.1"):
        assert api.post("/blacklist", json={"ip": spelling, "exp": until}).status_code == 200
    assert [e["ip"] for e in api.get("/blacklist").json()["ips"]] == ["::ffff:192.0.2.1"]
