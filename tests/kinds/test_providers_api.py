"""``c.providers`` against the emulator over loopback (0.36; 0.35.2 refuses API keys)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError, RauthyUnauthorized, RauthyValidationError
from tests.support.recorder import Recorder, Reply

SECRET = "Google-Upstream-Secret-0123456789"
ENTRY = {
    "name": "Google",
    "typ": "google",
    "client_id": "1234.apps.googleusercontent.com",
    "client_secret": {"env": "GOOGLE_CLIENT_SECRET"},
}


@pytest.fixture
def head(monkeypatch: pytest.MonkeyPatch) -> Iterator[RauthyEmulator]:
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", SECRET)
    with RauthyEmulator(port=0, version="0.36") as emulator:
        yield emulator


@pytest.fixture
def c(head: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(head.url, head.api_key) as client:
        yield client


def test_create_get_update_delete(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    created = c.providers.create(ENTRY)
    assert created["name"] == "Google" and created["client_secret_set"] is True
    assert "client_secret" not in created
    (stored,) = head.stored_providers()
    assert stored["client_secret"] == SECRET and stored["scope"] == "openid+profile+email"
    got = c.providers.get("Google")
    assert got is not None and got["scope"] == ["openid", "profile", "email"]
    assert SECRET not in repr(c.providers.list()) + repr(c.providers)
    with pytest.raises(RauthyValidationError, match="exists"):
        c.providers.create(ENTRY)  # Rauthy would make a twin
    # an update of another field still sends the secret (a PUT without it erases it)
    updated = c.providers.update("Google", {**ENTRY, "auto_onboarding": True})
    assert updated["auto_onboarding"] is True
    assert head.stored_providers()[0]["client_secret"] == SECRET
    # a rename in place keeps the id (users link to it)
    renamed = c.providers.update("Google", {**ENTRY, "name": "Google Workspace"})
    assert renamed["id"] == created["id"]
    assert c.providers.delete("Google Workspace") is True
    assert c.providers.delete("Google Workspace") is False
    assert c.providers.list() == []


def test_reconcile_converges_and_compares_the_secret(
    c: rauthy.RauthyClient, head: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert c.providers.reconcile(ENTRY, dry_run=True) == {"action": "create", "planned": True}
    assert head.stored_providers() == []
    assert c.providers.reconcile(ENTRY) == {"action": "create"}
    assert c.providers.reconcile(ENTRY) == {"action": "noop"}
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "Rotated-Upstream-Secret-42")
    changed = c.providers.reconcile(ENTRY)
    assert changed == {"action": "put", "drift_on": "client_secret", "drift": ["client_secret"]}
    assert head.stored_providers()[0]["client_secret"] == "Rotated-Upstream-Secret-42"
    assert c.providers.reconcile(ENTRY) == {"action": "noop"}
    # a change made by hand in Rauthy is drift
    puts = head.request_count("PUT", "/auth/v1/providers/")
    assert c.providers.reconcile({**ENTRY, "scope": ["openid", "email"]})["drift"] == ["scope"]
    assert head.request_count("PUT", "/auth/v1/providers/") == puts + 1


def test_delete_refuses_while_users_are_linked(
    c: rauthy.RauthyClient, head: RauthyEmulator
) -> None:
    c.providers.create(ENTRY)
    head.add_user("ada@example.com")
    head.link_user("ada@example.com", "Google")
    assert c.providers.linked_users("Google") == ["ada@example.com"]
    with pytest.raises(RauthyValidationError, match=r"ada@example\.com would lose"):
        c.providers.delete("Google")
    assert len(head.stored_providers()) == 1
    assert c.providers.delete("Google", force=True) is True
    assert c.users.get("ada@example.com") is not None  # Rauthy only unlinks the user


def test_bad_entry_sends_nothing(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    before = head.request_count()
    with pytest.raises(RauthyValidationError) as refused:
        c.providers.reconcile({**ENTRY, "client_secret": SECRET})
    assert SECRET not in str(refused.value) and "never a literal" in str(refused.value)
    assert head.request_count() == before


def test_lookup(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    found = c.providers.lookup(head.url)
    assert found["authorization_endpoint"] == head.url + "/oidc/authorize"
    with pytest.raises(RauthyValidationError, match="issuer or metadata_url"):
        c.providers.lookup()


def test_a_rauthy_error_never_shows_a_secret_it_served(head: RauthyEmulator) -> None:
    """A live secret Rauthy served is scrubbed from a later error that quotes it."""
    with rauthy.client(head.url, head.api_key) as client:
        client.providers.create(ENTRY)
        row = head.stored_providers()[0]
    served = {**row, "client_secret": "Hand-Set-Live-Secret-999"}
    with Recorder() as rec:
        rec.on("POST", "/auth/v1/providers", Reply(200, [served]))
        answer = {"error": "Internal", "message": "cannot store Hand-Set-Live-Secret-999"}
        rec.on("PUT", f"/auth/v1/providers/{row['id']}", Reply(500, answer))
        client = rauthy.client(rec.url + "/auth/v1", "k$s", retries=1)
        with client, pytest.raises(RauthyError) as failed:
            client.providers.update("Google", {**ENTRY, "enabled": False})
        sent = rec.calls("PUT")[0].json()
    assert "Hand-Set-Live-Secret-999" not in str(failed.value) + repr(failed.value)
    assert "<redacted>" in str(failed.value)
    assert sent["client_secret"] == SECRET and sent["enabled"] is False


def test_0352_says_plainly_that_api_keys_cannot_manage_providers(
    rauthy_emulator: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", SECRET)
    client = rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key)
    with client, pytest.raises(RauthyUnauthorized) as refused:
        client.providers.reconcile(ENTRY)
    text = str(refused.value)
    assert text.startswith("rauthy POST /providers: HTTP 401: No valid session")
    assert "need Rauthy 0.36 or later" in text and "0.35.2" in text
