"""``c.api_keys`` against the emulator over loopback, as Rauthy 0.36 and 0.35.2 serve it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError, RauthyUnauthorized, RauthyValidationError


@pytest.fixture
def c(head: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(head.url, head.api_key) as client:
        yield client


def test_create_use_rotate_and_delete(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    token = c.api_keys.create({"name": "ci", "access": {"Clients": ["read"]}, "expires_in": "90d"})
    name, _, secret = token.partition("$")
    assert name == "ci" and len(secret) == 64 and secret.isalnum()
    row = c.api_keys.get("ci")
    assert row is not None
    assert row["access"] == [{"group": "Clients", "access_rights": ["read"]}]
    assert abs(row["expires"] - row["created"] - 90 * 86400) <= 2  # resolved when sent
    assert "secret" not in repr(c.api_keys.list())
    with rauthy.client(head.url, token) as ci:
        assert [x["id"] for x in ci.clients.list()] == ["rauthy"]
        assert ci.api_keys.test()["name"] == "ci"
        with pytest.raises(rauthy.RauthyError, match="Needed: Scopes / Create"):
            ci.scopes.create({"name": "read:x"})
        fresh = c.api_keys.rotate("ci")
        assert fresh.startswith("ci$") and fresh != token
        with pytest.raises(RauthyUnauthorized, match="Invalid API-Key"):
            ci.clients.list()
    assert c.api_keys.delete("ci") is True
    assert c.api_keys.delete("ci") is False
    assert c.api_keys.get("ci") is None


def test_reconcile_create_noop_put_and_dry_run(c: rauthy.RauthyClient) -> None:
    entry = {"name": "deploy", "access": [{"group": "Scopes", "access_rights": ["read"]}]}
    assert c.api_keys.reconcile(entry, dry_run=True) == {"action": "create", "planned": True}
    assert c.api_keys.get("deploy") is None
    created = c.api_keys.reconcile(entry)
    assert created["action"] == "create" and created["token"].startswith("deploy$")
    assert c.api_keys.reconcile(entry) == {"action": "noop"}
    wider = {"name": "deploy", "access": {"Scopes": ["read", "update"]}}
    assert c.api_keys.reconcile(wider) == {
        "action": "put",
        "drift_on": "access",
        "drift": ["access"],
    }
    row = c.api_keys.get("deploy")
    assert row is not None and row["access"][0]["access_rights"] == ["read", "update"]
    # An update keeps the secret: the first token still works.
    with rauthy.client(c.url, created["token"]) as deploy:
        assert deploy.api_keys.test()["access"] == row["access"]
    renewed = c.api_keys.update("deploy", {"access": {"Scopes": ["read"]}, "expires_in": "1d"})
    assert renewed["action"] == "put" and "token" not in renewed


def test_the_key_in_use_is_refused_unsent(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    before = head.request_count()
    for call in (lambda: c.api_keys.delete("ansible"), lambda: c.api_keys.rotate("ansible")):
        with pytest.raises(RauthyValidationError, match="authenticates with"):
            call()
    assert head.request_count() == before
    with pytest.raises(RauthyValidationError, match="authenticates with"):
        c.api_keys.reconcile({"name": "ansible", "access": {}})
    assert c.api_keys.get("ansible") is not None


def test_bad_entries_send_nothing(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    before = head.request_count()
    with pytest.raises(RauthyValidationError, match="name: required: a string matching"):
        c.api_keys.create({"name": "a b", "access": {}})
    with pytest.raises(RauthyValidationError, match=r"access\.Secret: unknown group 'Secret'"):
        c.api_keys.reconcile({"name": "ci", "access": {"Secret": ["read"]}})
    assert head.request_count() == before


def test_0352_says_plainly_that_keys_cannot_manage_keys() -> None:
    with RauthyEmulator(version="0.35.2") as old, rauthy.client(old.url, old.api_key) as c:
        for call in (
            c.api_keys.list,
            lambda: c.api_keys.create({"name": "ci", "access": {}}),
            lambda: c.api_keys.rotate("other"),
        ):
            with pytest.raises(RauthyError, match=r"Rauthy 0\.35\.2 and older.*from Rauthy 0\.36"):
                call()
        assert c.api_keys.test()["name"] == "ansible"  # /test works in every version


def test_a_key_without_the_group_gets_rauthys_403(head: RauthyEmulator) -> None:
    token = head.add_api_key("narrow", {"Clients": ["read"]})
    with (
        rauthy.client(head.url, token) as narrow,
        pytest.raises(rauthy.RauthyError, match="Needed: ApiKeys / Read"),
    ):
        narrow.api_keys.list()
