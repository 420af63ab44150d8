"""The client against the Rauthy emulator: presets accepted, reconcile converges, secrets match."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy import client_presets

HOST = "app.example.com"


@pytest.fixture(scope="module")
def emu() -> Iterator[RauthyEmulator]:
    with RauthyEmulator() as emulator:
        yield emulator


@pytest.fixture
def c(emu: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    emu.reset()
    with rauthy.client(emu.url, emu.api_key, backoff_base=0.001) as client:
        yield client


def admin_requests(emu: RauthyEmulator) -> int:
    """Requests the emulator has logged, except health probes."""
    return sum(1 for r in emu.requests if not r.path.endswith("/health"))


@pytest.mark.parametrize("name", client_presets.names())
def test_every_preset_is_accepted_and_converges_in_one_request(
    emu: RauthyEmulator, c: rauthy.RauthyClient, name: str
) -> None:
    payload = client_presets.get(name)({"host": HOST})
    first = c.clients.reconcile(payload)
    assert first["action"] == "create"
    assert "warnings" not in first
    if payload["confidential"]:
        assert first["secret"] == emu.client_secret(payload["id"])
    else:
        assert "secret" not in first

    before = admin_requests(emu)
    assert c.clients.reconcile(payload) == {"action": "noop"}
    assert admin_requests(emu) - before == 1


@pytest.mark.parametrize("name", client_presets.names())
def test_create_request_counts(emu: RauthyEmulator, c: rauthy.RauthyClient, name: str) -> None:
    payload = client_presets.get(name)({"host": HOST})
    c.clients.reconcile(payload)
    # GET, POST, PUT unless the POST answer already matches, POST .../secret if confidential
    limit = 4 if payload["confidential"] else 3
    assert 2 <= admin_requests(emu) <= limit


def test_put_on_drift_then_noop(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    payload = client_presets.grafana(host=HOST)
    c.clients.reconcile(payload)
    changed = {**payload, "name": "Grafana Prod", "access_token_lifetime": 600}
    before = admin_requests(emu)
    assert c.clients.reconcile(changed) == {
        "action": "put",
        "drift_on": "name",
        "drift": ["name", "access_token_lifetime"],
    }
    assert admin_requests(emu) - before == 2
    live = emu.get_client("grafana")
    assert live is not None
    assert (live["name"], live["access_token_lifetime"]) == ("Grafana Prod", 600)
    assert c.clients.reconcile(changed) == {"action": "noop"}


def test_clearing_pkce_is_a_put_and_sticks(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    payload = client_presets.openbao(host=HOST)
    c.clients.reconcile(payload)
    without = {k: v for k, v in payload.items() if k != "challenges"}
    result = c.clients.reconcile(without)
    assert (result["action"], result["drift_on"]) == ("put", "challenges")
    live = emu.get_client("openbao")
    assert live is not None
    assert "challenges" not in live
    assert c.clients.reconcile(without) == {"action": "noop"}


def test_rebuild_when_pkce_is_missing_live(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    payload = client_presets.openbao(host=HOST)
    without = {k: v for k, v in payload.items() if k != "challenges"}
    c.clients.reconcile(without)
    old_secret = emu.client_secret("openbao")
    before = admin_requests(emu)
    result = c.clients.reconcile(payload)
    assert admin_requests(emu) - before <= 5
    assert (result["action"], result["reason"]) == ("rebuild", "challenges-drift")
    assert result["secret"] == emu.client_secret("openbao") != old_secret
    assert c.clients.reconcile(payload) == {"action": "noop"}


def test_rebuild_keeps_required_fields_an_admin_set(
    emu: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    payload = client_presets.openbao(host=HOST)
    c.clients.reconcile({k: v for k, v in payload.items() if k != "challenges"})
    c.clients.put("openbao", {"id": "openbao", "enabled": False})  # an admin disables it
    partial = {k: v for k, v in payload.items() if k != "enabled"}
    assert c.clients.reconcile(partial)["action"] == "rebuild"
    rebuilt = emu.get_client("openbao")
    assert rebuilt is not None
    assert rebuilt["enabled"] is False
    assert rebuilt["challenges"] == ["S256"]
    assert c.clients.reconcile(partial) == {"action": "noop"}


def test_dry_run_changes_nothing(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    payload = client_presets.immich(host=HOST)
    assert c.clients.reconcile(payload, dry_run=True) == {"action": "create", "planned": True}
    assert emu.get_client("immich") is None
    admin_requests(emu)
    assert {r.method for r in emu.requests} == {"GET"}


def test_required_fields_left_out_keep_rauthys_values(c: rauthy.RauthyClient) -> None:
    payload = {"id": "bare", "confidential": False, "redirect_uris": ["https://b.example.com/cb"],
               "challenges": ["S256"]}  # fmt: skip
    assert c.clients.reconcile(payload) == {"action": "create"}
    assert c.clients.reconcile(payload) == {"action": "noop"}
    got = c.clients.get("bare")
    assert got is not None
    assert got["access_token_alg"] == "EdDSA"


def test_unknown_scope_warns_and_still_converges(
    emu: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    payload = {**client_presets.outline(host=HOST), "scopes": ["openid", "email", "offline_access"]}
    first = c.clients.reconcile(payload)
    assert first["action"] == "create"
    assert any("'offline_access'" in w for w in first["warnings"])
    second = c.clients.reconcile(payload)
    assert second["action"] == "noop"
    assert any("'offline_access'" in w for w in second["warnings"])


def test_client_crud_and_secrets(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    payload = client_presets.harbor(host=HOST)
    created = c.clients.create(payload)
    assert created["id"] == "harbor"
    assert {x["id"] for x in c.clients.list()} >= {"rauthy", "harbor"}
    assert c.clients.get_secret("harbor") == emu.client_secret("harbor")
    rotated = c.clients.rotate_secret("harbor", cache_current_hours=2)
    assert rotated == emu.client_secret("harbor")
    assert len(emu.valid_client_secrets("harbor")) == 2
    put = c.clients.put("harbor", {"name": "Harbor Registry"})
    assert put["name"] == "Harbor Registry"
    assert put["redirect_uris"] == payload["redirect_uris"]
    rebuilt = c.clients.rebuild(payload)
    assert rebuilt["name"] == "Harbor"
    c.clients.delete("harbor")
    c.clients.delete("harbor")  # already gone: still fine
    assert c.clients.get("harbor") is None


def test_public_client_secret_read_is_not_found(c: rauthy.RauthyClient) -> None:
    c.clients.create(client_presets.argocd(host=HOST))
    with pytest.raises(rauthy.RauthyNotFound, match="is a public client"):
        c.clients.get_secret("argocd")


def test_sys_and_discovery(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    assert c.sys.health() is True
    assert c.sys.wait_healthy(5) is True
    cfg = c.discovery.config()
    assert cfg["issuer"] == emu.url + "/"
    assert c.discovery.jwks()["keys"]


def test_a_wrong_key_is_unauthorized(emu: RauthyEmulator) -> None:
    name = emu.api_key.partition("$")[0]
    with rauthy.client(emu.url, f"{name}$wrong") as c, pytest.raises(rauthy.RauthyUnauthorized):
        c.clients.list()


def test_the_nightly_converges_too() -> None:
    with RauthyEmulator(version="0.36") as emu, rauthy.client(emu.url, emu.api_key) as c:
        for name in client_presets.names():
            payload = client_presets.get(name)({"host": HOST})
            assert c.clients.reconcile(payload)["action"] == "create"
            assert c.clients.reconcile(payload) == {"action": "noop"}, name


def test_many_clients_through_the_clients_api(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    entries = [client_presets.openbao(host=HOST), client_presets.argocd(host=HOST)]
    assert c.clients.plan(entries).to_dict()["summary"]["create"] == 2
    assert c.clients.apply(entries, parallel=2).ok
    assert c.clients.plan(entries).to_dict()["changes"] is False


def test_a_secret_that_cannot_be_read_is_never_lost_silently(emu: RauthyEmulator) -> None:
    emu.reset()
    clients_only = {"Clients": ["read", "create", "update", "delete"]}
    key = emu.add_api_key("no-secrets", access=clients_only)
    payload = client_presets.openbao(host=HOST)
    with (
        rauthy.client(emu.url, key, backoff_base=0.001) as c,
        pytest.raises(rauthy.SecretUnread) as caught,
    ):
        c.clients.reconcile(payload)
    text = str(caught.value)
    assert "'openbao' was created" in text
    assert "get_secret('openbao')" in text
    assert "Secrets / Read" in text  # the cause names the missing right
    assert emu.get_client("openbao") is not None  # the client is there
    assert emu.client_secret("openbao") not in text
