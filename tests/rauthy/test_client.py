"""The client on the wire: methods, paths, headers and bodies, over the recording server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from assay_py import __version__, rauthy
from assay_py.rauthy import client_presets
from tests.support.recorder import Recorded, Recorder, Reply

from .conftest import API_KEY
from .fixtures import fresh_client, live_openbao

OPENBAO = client_presets.openbao(host="vault.example.com")


def wire(rec: Recorder) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in rec.requests]


def test_every_request_carries_the_user_agent_and_admin_calls_the_key(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("GET", "/health", Reply(200))
    rec.on("GET", "/clients", Reply(200, []))
    rec.on("GET", "/.well-known/openid-configuration", Reply(200, {"issuer": "x"}))
    api.sys.health()
    api.clients.list()
    api.discovery.config()
    assert all(r.headers["user-agent"] == f"assay-py/{__version__}" for r in rec.requests)
    keyed = {r.path: r.headers.get("authorization") for r in rec.requests}
    assert keyed == {
        "/health": None,
        "/clients": f"API-Key {API_KEY}",
        "/.well-known/openid-configuration": None,
    }


def test_trailing_slashes_are_trimmed(rec: Recorder) -> None:
    rec.on("GET", "/clients", Reply(200, [{"id": "rauthy"}]))
    with rauthy.client(rec.url + "///", API_KEY) as c:
        assert c.url == rec.url
        assert c.clients.list() == [{"id": "rauthy"}]
    assert wire(rec) == [("GET", "/clients")]


def test_base_path_is_kept(rec: Recorder) -> None:
    rec.on("GET", "/auth/v1/clients/x", Reply(200, {"id": "x"}))
    with rauthy.client(rec.url + "/auth/v1/", API_KEY) as c:
        assert c.clients.get("x") == {"id": "x"}


def test_ids_stay_one_path_segment(rec: Recorder, api: rauthy.RauthyClient) -> None:
    api.clients.get("https://app.example.com/a?b#c")
    assert rec.requests[0].path == "/clients/https:%2F%2Fapp.example.com%2Fa%3Fb%23c"


# --- create / put / delete / rebuild -----------------------------------------------------------


def test_create_skips_the_put_when_rauthys_answer_already_matches(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    payload = {"id": "cli", "confidential": False, "redirect_uris": ["http://localhost:8000"],
               "challenges": ["S256"]}  # fmt: skip
    answer = fresh_client("cli", redirect_uris=["http://localhost:8000"])
    rec.on("POST", "/clients", Reply(200, answer))
    assert api.clients.create(payload) == answer
    assert wire(rec) == [("POST", "/clients")]
    assert rec.requests[0].json() == {
        "id": "cli",
        "confidential": False,
        "redirect_uris": ["http://localhost:8000"],
    }


def test_create_puts_the_full_state_when_it_differs(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    answer = fresh_client(
        "openbao",
        name="OpenBao",
        confidential=True,
        redirect_uris=OPENBAO["redirect_uris"],
        post_logout_redirect_uris=OPENBAO["post_logout_redirect_uris"],
    )
    final = live_openbao(id="openbao")
    rec.on("POST", "/clients", Reply(200, answer))
    rec.on("PUT", "/clients/openbao", Reply(200, final))
    assert api.clients.create(OPENBAO) == final
    assert wire(rec) == [("POST", "/clients"), ("PUT", "/clients/openbao")]
    put = rec.requests[1]
    assert put.json() == {**OPENBAO, "id": "openbao"}
    assert put.headers["content-type"] == "application/json"
    assert put.headers["authorization"] == f"API-Key {API_KEY}"


def test_create_requires_what_post_requires(rec: Recorder, api: rauthy.RauthyClient) -> None:
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        api.clients.create({"id": "x1"})
    assert [f for f, _ in caught.value.violations] == ["confidential", "redirect_uris"]
    assert rec.requests == []


def test_put_with_a_complete_payload_sends_it_alone(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao()))
    assert api.clients.put("openbao", OPENBAO) == live_openbao()
    assert wire(rec) == [("PUT", "/clients/openbao")]
    assert rec.requests[0].json() == OPENBAO


def test_put_with_a_partial_payload_completes_it_from_the_live_client(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    live = {**live_openbao(), "future_flag": 1}
    rec.on("GET", "/clients/openbao", Reply(200, live))
    rec.on("PUT", "/clients/openbao", Reply(200, live))
    api.clients.put("openbao", {"name": "Bao", "confidential": True, "redirect_uris": []})
    assert wire(rec) == [("GET", "/clients/openbao"), ("PUT", "/clients/openbao")]
    body = rec.requests[1].json()
    assert body["name"] == "Bao"
    assert body["redirect_uris"] == []
    assert body["scopes"] == live["scopes"]  # required: kept
    assert body["future_flag"] == 1  # unknown to us: carried over
    assert "allowed_origins" not in body  # optional and left out: cleared
    assert body["id"] == "openbao"


def test_put_on_a_missing_client_is_not_found(rec: Recorder, api: rauthy.RauthyClient) -> None:
    with pytest.raises(rauthy.RauthyNotFound):
        api.clients.put("gone", {"name": "Gone"})
    assert wire(rec) == [("GET", "/clients/gone")]


@pytest.mark.parametrize("status", [200, 404])
def test_delete_counts_404_as_done(rec: Recorder, api: rauthy.RauthyClient, status: int) -> None:
    rec.on("DELETE", "/clients/x1", Reply(status))
    api.clients.delete("x1")
    assert wire(rec) == [("DELETE", "/clients/x1")]


def test_delete_other_errors_raise(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on(
        "DELETE",
        "/clients/x1",
        Reply(403, {"error": "Forbidden", "message": "Needed: Clients / Delete"}),
    )
    with pytest.raises(rauthy.RauthyForbidden, match=r"^rauthy DELETE /clients/x1: HTTP 403"):
        api.clients.delete("x1")


def test_rebuild_deletes_then_creates(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao(challenges=None)))
    rec.on("DELETE", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients", Reply(200, fresh_client("openbao")))
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao()))
    assert api.clients.rebuild(OPENBAO) == live_openbao()
    assert wire(rec) == [
        ("GET", "/clients/openbao"),
        ("DELETE", "/clients/openbao"),
        ("POST", "/clients"),
        ("PUT", "/clients/openbao"),
    ]


# --- secrets -----------------------------------------------------------------------------------


def test_rotate_secret_is_a_put_without_a_body_by_default(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on(
        "PUT",
        "/clients/app/secret",
        Reply(200, {"id": "app", "confidential": True, "secret": "n" * 64}),
    )
    assert api.clients.rotate_secret("app") == "n" * 64
    assert wire(rec) == [("PUT", "/clients/app/secret")]
    assert rec.requests[0].body == b""


def test_rotate_secret_can_keep_the_old_one_valid(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("PUT", "/clients/app/secret", Reply(200, {"secret": "n" * 64}))
    api.clients.rotate_secret("app", cache_current_hours=24)
    assert rec.requests[0].json() == {"cache_current_hours": 24}
    assert rec.requests[0].headers["content-type"] == "application/json"


def test_an_empty_secret_is_an_error(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("POST", "/clients/app/secret", Reply(200, {"secret": ""}))
    with pytest.raises(rauthy.RauthyError, match=r"^rauthy: empty secret returned for app$"):
        api.clients.get_secret("app")


# --- reconcile extras --------------------------------------------------------------------------


def test_dry_run_sends_only_the_read(rec: Recorder, api: rauthy.RauthyClient) -> None:
    assert api.clients.reconcile(OPENBAO, dry_run=True) == {"action": "create", "planned": True}
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao(challenges=None)))
    assert api.clients.reconcile(OPENBAO, dry_run=True) == {
        "action": "rebuild",
        "reason": "challenges-drift",
        "drift": ["challenges"],
        "planned": True,
    }
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao(name="Old")))
    assert api.clients.reconcile(OPENBAO, dry_run=True) == {
        "action": "put",
        "drift_on": "name",
        "drift": ["name"],
        "planned": True,
    }
    assert {r.method for r in rec.requests} == {"GET"}


def test_public_client_create_has_no_secret(rec: Recorder, api: rauthy.RauthyClient) -> None:
    argocd = client_presets.argocd(host="argo.example.com")
    rec.on("POST", "/clients", Reply(200, fresh_client("argocd")))
    rec.on("PUT", "/clients/argocd", Reply(200, {**fresh_client("argocd"), **argocd}))
    result = api.clients.reconcile(argocd)
    assert result == {"action": "create"}
    assert not rec.calls("POST", "/clients/argocd/secret")


def test_scope_rauthy_dropped_warns_after_the_put(rec: Recorder, api: rauthy.RauthyClient) -> None:
    payload = {**OPENBAO, "scopes": ["openid", "email", "offline_access"]}
    rec.on(
        "GET", "/clients/openbao", Reply(200, live_openbao(scopes=["email", "openid"], name="X"))
    )
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao(scopes=["email", "openid"])))
    rec.on("GET", "/.well-known/openid-configuration", Reply(200, {"issuer": "x"}))
    result = api.clients.reconcile(payload)
    assert result["action"] == "put"
    assert result["warnings"] == [
        "scopes: Rauthy drops the scope 'offline_access' because it is not in its scope table;"
        " create the scope in Rauthy or remove it from the payload"
    ]


def test_scope_rauthy_drops_is_noop_on_the_next_run(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    payload = {**OPENBAO, "scopes": ["openid", "email", "offline_access"]}
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao(scopes=["email", "openid"])))
    rec.on(
        "GET",
        "/.well-known/openid-configuration",
        Reply(200, {"scopes_supported": ["email", "openid", "profile", "groups", "phone"]}),
    )
    result = api.clients.reconcile(payload)
    assert result["action"] == "noop"
    assert "'offline_access'" in result["warnings"][0]
    assert wire(rec) == [("GET", "/clients/openbao"), ("GET", "/.well-known/openid-configuration")]
    assert "authorization" not in rec.requests[1].headers


def test_results_are_plain_json(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao(name="Old")))
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao()))
    rec.on("GET", "/clients", Reply(200, [live_openbao()]))
    for value in (api.clients.reconcile(OPENBAO), api.clients.list(), api.clients.get("openbao")):
        assert json.loads(json.dumps(value)) == value


def test_execute_runs_a_given_plan(rec: Recorder, api: rauthy.RauthyClient) -> None:
    decided = rauthy.plan(OPENBAO, live_openbao(name="Old"))
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao()))
    assert api.clients.execute(decided) == {"action": "put", "drift_on": "name", "drift": ["name"]}
    assert wire(rec) == [("PUT", "/clients/openbao")]
    assert rec.requests[0].json() == decided.put_body


def test_execute_can_leave_the_secret_unread(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("POST", "/clients", Reply(200, fresh_client("openbao")))
    rec.on("PUT", "/clients/openbao", Reply(200, live_openbao()))
    result = api.clients.execute(rauthy.plan(OPENBAO, None), read_secret=False)
    assert result == {"action": "create"}
    assert wire(rec) == [("POST", "/clients"), ("PUT", "/clients/openbao")]


# --- sys and discovery -------------------------------------------------------------------------


def test_health_false_on_transport_errors(closed_port_url: str) -> None:
    with rauthy.client(closed_port_url, API_KEY) as c:
        assert c.sys.health() is False


def test_wait_healthy_polls_until_2xx(rec: Recorder) -> None:
    waits: list[float] = []
    rec.on("GET", "/health", Reply(503), Reply(500), Reply(200))
    with rauthy.client(rec.url, API_KEY, sleep=waits.append) as c:
        assert c.sys.wait_healthy(60) is True
    assert len(rec.calls("GET", "/health")) == 3
    assert waits == [2.0, 2.0]  # default interval
    assert all("authorization" not in r.headers for r in rec.requests)


def test_wait_healthy_polls_through_connection_errors_and_honours_the_deadline(
    closed_port_url: str,
) -> None:
    with (
        rauthy.client(closed_port_url, API_KEY) as c,
        pytest.raises(rauthy.RauthyUnreachable) as caught,
    ):
        c.sys.wait_healthy(0.3, interval=0.05, probe_timeout=0.1)
    text = str(caught.value)
    assert text.startswith(f"rauthy: never became reachable at {closed_port_url}/health")
    assert "ConnectError" in text  # the last reason


def test_wait_healthy_reports_the_last_status(rec: Recorder) -> None:
    rec.on("GET", "/health", Reply(503))
    with (
        rauthy.client(rec.url, API_KEY) as c,
        pytest.raises(rauthy.RauthyUnreachable, match=r"\(last: HTTP 503\)$"),
    ):
        c.sys.wait_healthy(0.2, interval=0.05)
    assert len(rec.calls("GET", "/health")) >= 2  # it kept polling


def test_jwks_follows_jwks_uri(rec: Recorder, api: rauthy.RauthyClient) -> None:
    keys = {"keys": [{"kty": "OKP", "alg": "EdDSA", "kid": "k1"}]}
    rec.on(
        "GET",
        "/.well-known/openid-configuration",
        Reply(200, {"jwks_uri": rec.url + "/oidc/certs"}),
    )
    rec.on("GET", "/oidc/certs", Reply(200, keys))
    assert api.discovery.jwks() == keys
    assert wire(rec)[-1] == ("GET", "/oidc/certs")
    assert all("authorization" not in r.headers for r in rec.requests)


def test_jwks_without_jwks_uri(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("GET", "/.well-known/openid-configuration", Reply(200, {"issuer": "x"}))
    with pytest.raises(rauthy.RauthyError, match=r"^rauthy\.discovery: response missing jwks_uri$"):
        api.discovery.jwks()


# --- one client, many threads ------------------------------------------------------------------


def test_one_client_serves_many_threads(rec: Recorder, api: rauthy.RauthyClient) -> None:
    def answer(r: Recorded) -> Reply:
        return Reply(200, {"id": r.path.rsplit("/", 1)[1]})

    ids = [f"client-{i}" for i in range(64)]
    for client_id in ids:
        rec.on("GET", f"/clients/{client_id}", answer)
    with ThreadPoolExecutor(16) as pool:
        got: list[Any] = list(pool.map(api.clients.get, ids))
    assert [g["id"] for g in got] == ids
    assert len(rec.requests) == 64
