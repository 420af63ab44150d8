"""Dependency order across every kind of the instance file: writes go dependencies first,
deletes the other way round (a user before its roles and groups, a key and branding before
their client), checked in the order the emulator saw the requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative.engine import order
from assay_py.rauthy.declarative.instance import apply_instance
from assay_py.rauthy.declarative.managed import managed_kinds
from assay_py.rauthy.declarative.publication import Publication, SecretsDir

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="3"/></svg>'


def test_every_kind_comes_after_what_it_depends_on() -> None:
    keys = [k.key for k in order(managed_kinds())]
    for kind in managed_kinds():
        for dep in kind.depends_on:
            assert dep in keys, f"{kind.key} depends on unknown kind {dep}"
            assert keys.index(dep) < keys.index(kind.key), (kind.key, dep)
    for before, after in (
        ("user_attributes", "users"),
        ("roles", "users"),
        ("groups", "users"),
        ("password_policy", "users"),  # initial passwords must meet the new policy
        ("clients", "branding"),
        ("users", "api_keys"),
    ):
        assert keys.index(before) < keys.index(after), (before, after)


@pytest.fixture
def head() -> Iterator[RauthyEmulator]:
    with RauthyEmulator(version="0.36") as emu:
        yield emu


def _writes(emu: RauthyEmulator, since: int) -> list[str]:
    kinds = (
        ("/users/attr", "user_attributes"),
        ("/users", "users"),
        ("/roles", "roles"),
        ("/groups", "groups"),
        ("/clients/", "clients"),
        ("/clients", "clients"),
        ("/theme/", "branding"),
        ("/api_keys", "api_keys"),
        ("/password_policy", "password_policy"),
    )
    out: list[str] = []
    for record in emu.requests[since:]:
        if record.method in ("GET", "POST") and "/theme/" in record.path:
            continue  # POST /theme/{id} is the theme read
        if record.method == "GET" or record.path.endswith("/providers"):
            continue
        path = record.path.removeprefix("/auth/v1")
        if path.startswith("/clients/") and path.endswith("/logo"):
            kind = "branding"
        else:
            kind = next((k for prefix, k in kinds if path.startswith(prefix)), path)
        out.append(f"{record.method} {kind}")
    return out


def _firsts(seq: list[str]) -> list[str]:
    seen: list[str] = []
    for item in seq:
        if item not in seen:
            seen.append(item)
    return seen


def test_writes_go_dependencies_first_and_deletes_in_reverse(
    head: RauthyEmulator, tmp_path: Path
) -> None:
    (tmp_path / "logo.svg").write_bytes(SVG)
    full = {
        "user_attributes": [{"name": "department"}],
        "roles": [{"name": "billing_admin"}],
        "groups": [{"name": "finance"}],
        "clients": [
            {
                "id": "reports",
                "name": "Reports",
                "confidential": False,
                "redirect_uris": ["https://reports.example.com/cb"],
            }
        ],
        "password_policy": {"length_min": 12, "length_max": 128},
        "users": [
            {
                "email": "ada@example.com",
                "given_name": "Ada",
                "roles": ["billing_admin"],
                "groups": ["finance"],
                "attributes": {"department": "finance"},
            }
        ],
        "branding": [
            {
                "client_id": "reports",
                "logo": str(tmp_path / "logo.svg"),
                "theme": {"border_radius": "8px"},
            }
        ],
        "api_keys": [{"name": "ci", "access": {"Clients": ["read"]}, "expires_in": "30d"}],
        "blacklist": [{"ip": "203.0.113.9", "expires": int(time.time()) + 86_400}],
    }
    publication = Publication([SecretsDir(tmp_path / "secrets")])
    with rauthy.client(head.url, head.api_key) as c:
        start = len(head.requests)
        report = apply_instance(c, full, publication=publication)
        assert report.ok, report.to_dict()
        writes = _firsts(_writes(head, start))
        for before, after in (
            ("POST user_attributes", "POST users"),
            ("POST roles", "POST users"),
            ("POST groups", "POST users"),
            ("PUT password_policy", "POST users"),
            ("POST clients", "PUT branding"),
            ("POST users", "POST api_keys"),
        ):
            assert writes.index(before) < writes.index(after), (before, after, writes)

        emptied = {
            "prune": {
                "users": "managed",
                "roles": True,
                "groups": True,
                "user_attributes": True,
                "clients": True,
                "api_keys": True,
                "branding": True,
            },
            "user_attributes": [],
            "roles": [],
            "groups": [],
            "clients": [],
            "users": [],
            "branding": [],
            "api_keys": [],
        }
        start = len(head.requests)
        report = apply_instance(c, emptied, publication=publication)
        assert report.ok, report.to_dict()
        deletes = _firsts([w for w in _writes(head, start) if w.startswith("DELETE")])
        for before, after in (
            ("DELETE users", "DELETE roles"),
            ("DELETE users", "DELETE groups"),
            ("DELETE users", "DELETE user_attributes"),
            ("DELETE api_keys", "DELETE users"),
            ("DELETE api_keys", "DELETE clients"),
            ("DELETE branding", "DELETE clients"),
        ):
            assert deletes.index(before) < deletes.index(after), (before, after, deletes)
        assert c.users.get("ada@example.com") is None
        assert [k["name"] for k in c.api_keys.list()] == [head.api_key.split("$")[0]]
