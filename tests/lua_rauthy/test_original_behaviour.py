"""The original module's documented behaviour, as Lua run through our host.

Each test mirrors one behaviour of the original assay.rauthy test-suite (spec
assay-runtime.md §7), against a recording server on 127.0.0.1, and additionally checks what
went over the wire (method, path, headers, JSON body).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assay_py.host import LuaScriptError
from tests.rauthy.fixtures import fresh_client
from tests.support.recorder import Recorder, Reply

RunLua = Callable[..., list[Any]]
AUTH = "API-Key test-name$test-secret"
PRELUDE = 'local rauthy = require("assay.rauthy")\nlocal c = rauthy.client("{url}", "{key}")\n'
OPENBAO_CB = "https://bao.example.com/ui/vault/auth/oidc/oidc/callback"


def live_client(**fields: Any) -> dict[str, Any]:
    """A ClientResponse as Rauthy returns it after a plain create; ``None`` drops a field."""
    live = fresh_client("openbao", name="OpenBao", confidential=True, redirect_uris=[OPENBAO_CB])
    live.update(fields)
    return {k: v for k, v in live.items() if v is not None}


def test_health_ok(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on("GET", "/health", Reply(200, {"db_healthy": True, "cache_healthy": True}))
    run_lua(PRELUDE + "assert.eq(c.sys:health(), true)", recorder.url)
    (req,) = recorder.requests
    assert req.path == "/health"
    assert "authorization" not in req.headers  # health is a probe: no key


def test_health_false_on_5xx(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on("GET", "/health", Reply(503))
    run_lua(PRELUDE + "assert.eq(c.sys:health(), false)", recorder.url)


def test_health_false_on_transport_error(run_lua: RunLua) -> None:
    run_lua(PRELUDE + "assert.eq(c.sys:health(), false)", "http://127.0.0.1:9")


def test_discovery_config(recorder: Recorder, run_lua: RunLua) -> None:
    base = recorder.url
    recorder.on(
        "GET",
        "/.well-known/openid-configuration",
        Reply(
            200,
            {
                "issuer": base,
                "authorization_endpoint": base + "/oidc/authorize",
                "token_endpoint": base + "/oidc/token",
                "jwks_uri": base + "/oidc/certs",
                "id_token_signing_alg_values_supported": ["RS256", "EdDSA"],
            },
        ),
    )
    run_lua(
        PRELUDE
        + """
local cfg = c.discovery:config()
assert.eq(cfg.issuer, "{url}")
assert.eq(cfg.token_endpoint, "{url}" .. "/oidc/token")
""",
        base,
    )
    assert "authorization" not in recorder.requests[0].headers


def test_clients_get_existing(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on("GET", "/clients/openbao", Reply(200, live_client()))
    run_lua(
        PRELUDE
        + """
local got = c.clients:get("openbao")
assert.eq(got.id, "openbao")
assert.eq(got.confidential, true)
assert.eq(got.challenges[1], "S256")
""",
        recorder.url,
    )
    (req,) = recorder.requests
    assert req.headers["authorization"] == AUTH
    assert req.headers["user-agent"].startswith("assay-py/")


def test_clients_get_missing_returns_nil(recorder: Recorder, run_lua: RunLua) -> None:
    run_lua(PRELUDE + 'assert.eq(c.clients:get("missing"), nil)', recorder.url)
    assert [r.path for r in recorder.requests] == ["/clients/missing"]


def test_get_secret_reads_with_post(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on(
        "POST",
        "/clients/openbao/secret",
        Reply(200, {"id": "openbao", "confidential": True, "secret": "freshly-read-secret"}),
    )
    run_lua(
        PRELUDE + 'assert.eq(c.clients:get_secret("openbao"), "freshly-read-secret")',
        recorder.url,
    )
    (req,) = recorder.requests
    assert (req.method, req.body) == ("POST", b"")
    assert req.headers["authorization"] == AUTH


def test_rotate_secret_really_rotates(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on(
        "PUT",
        "/clients/openbao/secret",
        Reply(200, {"id": "openbao", "confidential": True, "secret": "freshly-rotated"}),
    )
    run_lua(
        PRELUDE
        + 'assert.eq(c.clients:rotate_secret("openbao", {cache_current_hours = 2}),'
        + ' "freshly-rotated")',
        recorder.url,
    )
    (req,) = recorder.requests
    assert req.method == "PUT"
    assert req.json() == {"cache_current_hours": 2}


def test_reconcile_noop_when_no_drift(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on("GET", "/clients/openbao", Reply(200, live_client()))
    run_lua(
        PRELUDE
        + f"""
local r = c.clients:reconcile({{id = "openbao", name = "OpenBao", confidential = true,
  challenges = {{"S256"}}, redirect_uris = {{"{OPENBAO_CB}"}}}})
assert.eq(r.action, "noop")
assert.eq(r.secret, nil)
""",
        recorder.url,
    )
    assert [(r.method, r.path) for r in recorder.requests] == [("GET", "/clients/openbao")]


def test_reconcile_put_when_payload_omits_field_present_on_server(
    recorder: Recorder, run_lua: RunLua
) -> None:
    recorder.on("GET", "/clients/openbao", Reply(200, live_client()))
    recorder.on("PUT", "/clients/openbao", lambda req: Reply(200, req.json()))
    run_lua(
        PRELUDE
        + f"""
local r = c.clients:reconcile({{id = "openbao", name = "OpenBao", confidential = true,
  redirect_uris = {{"{OPENBAO_CB}"}}}})
assert.eq(r.action, "put")
assert.eq(r.drift_on, "challenges")
""",
        recorder.url,
    )
    put = recorder.calls("PUT", "/clients/openbao")[0]
    body = put.json()
    assert "challenges" not in body or body["challenges"] is None  # cleared: PKCE off
    # The PUT is complete: fields the payload left out keep their live values.
    assert body["id"] == "openbao"
    assert body["access_token_alg"] == "EdDSA"
    assert body["flows_enabled"] == ["authorization_code"]
    assert put.headers["content-type"] == "application/json"
    assert [k for k, _ in put.raw_headers].count("Content-Type") == 1


def test_reconcile_create_on_404(recorder: Recorder, run_lua: RunLua) -> None:
    created = live_client()
    recorder.on("POST", "/clients", Reply(200, created))
    recorder.on("PUT", "/clients/openbao", lambda req: Reply(200, req.json()))
    recorder.on(
        "POST",
        "/clients/openbao/secret",
        Reply(200, {"id": "openbao", "confidential": True, "secret": "minted-on-create"}),
    )
    run_lua(
        PRELUDE
        + """
local r = c.clients:reconcile(rauthy.client_presets.openbao({host = "bao.example.com"}))
assert.eq(r.action, "create")
assert.eq(r.secret, "minted-on-create")
""",
        recorder.url,
    )
    post = recorder.calls("POST", "/clients")[0].json()
    assert set(post) <= {"id", "name", "confidential", "redirect_uris", "post_logout_redirect_uris"}
    assert post["id"] == "openbao" and post["confidential"] is True
    put = recorder.calls("PUT", "/clients/openbao")[0].json()
    assert put["access_token_alg"] == "RS256"
    assert put["challenges"] == ["S256"]
    assert recorder.calls("POST", "/clients/openbao/secret")[0].body == b""


def test_reconcile_rebuild_on_challenges_drift(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on(
        "GET",
        "/clients/openbao",
        Reply(200, live_client(challenges=None, access_token_alg="RS256", id_token_alg="RS256")),
    )
    recorder.on("DELETE", "/clients/openbao", Reply(200))
    recorder.on("POST", "/clients", Reply(200, live_client()))
    recorder.on("PUT", "/clients/openbao", lambda req: Reply(200, req.json()))
    recorder.on(
        "POST",
        "/clients/openbao/secret",
        Reply(200, {"id": "openbao", "confidential": True, "secret": "minted-after-rebuild"}),
    )
    run_lua(
        PRELUDE
        + """
local r = c.clients:reconcile(rauthy.client_presets.openbao({host = "bao.example.com"}))
assert.eq(r.action, "rebuild")
assert.eq(r.reason, "challenges-drift")
assert.eq(r.secret, "minted-after-rebuild")
""",
        recorder.url,
    )
    order = [(r.method, r.path) for r in recorder.requests]
    assert order.index(("DELETE", "/clients/openbao")) < order.index(("POST", "/clients"))


def test_reconcile_put_only_on_non_challenges_drift(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on(
        "GET",
        "/clients/openbao",
        Reply(200, live_client(access_token_alg="RS256", id_token_alg="EdDSA")),
    )
    recorder.on("PUT", "/clients/openbao", lambda req: Reply(200, req.json()))
    run_lua(
        PRELUDE
        + f"""
local r = c.clients:reconcile({{id = "openbao", name = "OpenBao", confidential = true,
  challenges = {{"S256"}}, redirect_uris = {{"{OPENBAO_CB}"}},
  access_token_alg = "RS256", id_token_alg = "RS256"}})
assert.eq(r.action, "put")
assert.eq(r.drift_on, "id_token_alg")
assert.eq(r.secret, nil)
""",
        recorder.url,
    )
    assert recorder.calls("PUT", "/clients/openbao")[0].json()["id_token_alg"] == "RS256"


def test_errors_are_strings_with_the_original_shape(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on(
        "GET",
        "/clients",
        Reply(
            403,
            {
                "timestamp": 1,
                "error": "Forbidden",
                "message": "Bad permissions for given ApiKey. Needed: Clients / Read",
            },
        ),
    )
    run_lua(
        PRELUDE
        + """
local ok, err = pcall(function() return c.clients:list() end)
assert.eq(ok, false)
assert.eq(type(err), "string")
assert.not_nil(string.find(err, "rauthy GET /clients: HTTP 403: Bad permissions", 1, true))
assert.eq(string.find(err, "test-secret", 1, true), nil)
""",
        recorder.url,
    )


def test_bad_payload_sends_nothing(recorder: Recorder, run_lua: RunLua) -> None:
    run_lua(
        PRELUDE
        + """
local ok, err = pcall(function()
  return c.clients:reconcile({id = "x1", confidential = true, redirect_uri = {"https://a/cb"}})
end)
assert.eq(ok, false)
assert.not_nil(string.find(err, "redirect_uri", 1, true))
assert.not_nil(string.find(err, "redirect_uris", 1, true))
""",
        recorder.url,
    )
    assert recorder.requests == []


def test_reconcile_requires_an_id(run_lua: RunLua) -> None:
    with pytest.raises(LuaScriptError, match=r"payload\.id required"):
        run_lua(PRELUDE + "c.clients:reconcile({name = 'x'})", "http://127.0.0.1:9")


PRESETS = {
    "openbao": ("openbao", "OpenBao", True, "RS256", "S256"),
    "argocd": ("argocd", "ArgoCD", False, "EdDSA", "S256"),
    "outline": ("outline", "Outline", True, "RS256", None),
    "seafile": ("seafile", "Seafile", True, "RS256", None),
    "paperless": ("paperless", "Paperless-ngx", True, "RS256", "S256"),
    "immich": ("immich", "Immich", True, "RS256", "S256"),
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_original_presets(name: str, run_lua: RunLua) -> None:
    client_id, title, confidential, alg, challenge = PRESETS[name]
    pkce = "p.challenges" if challenge is None else "p.challenges[1]"
    run_lua(
        f"""
local rauthy = require("assay.rauthy")
local p = rauthy.client_presets.{name}({{host = "app.example.com"}})
assert.eq(p.id, "{client_id}")
assert.eq(p.name, "{title}")
assert.eq(p.confidential, {str(confidential).lower()})
assert.eq(p.id_token_alg, "{alg}")
assert.eq(p.post_logout_redirect_uris[1], "https://app.example.com")
assert.eq(p.scopes[1], "openid")
assert.eq({pkce}, {"nil" if challenge is None else f'"{challenge}"'})
"""
    )


def test_preset_redirects(run_lua: RunLua) -> None:
    run_lua(
        """
local rauthy = require("assay.rauthy")
local p = rauthy.client_presets
local h = {host = "h.example.com"}
assert.eq(p.openbao(h).redirect_uris[1], "https://h.example.com/ui/vault/auth/oidc/oidc/callback")
assert.eq(p.openbao(h).redirect_uris[2], "http://localhost:8250/oidc/callback")
assert.eq(p.argocd(h).redirect_uris[2], "http://localhost:8085/auth/callback")
assert.eq(p.outline(h).redirect_uris[1], "https://h.example.com/auth/oidc.callback")
assert.eq(p.seafile(h).redirect_uris[1], "https://h.example.com/oauth/callback/")
assert.eq(p.seafile(h).scopes[4], "groups")
assert.eq(p.immich(h).redirect_uris[2], "https://h.example.com/user-settings")
assert.eq(p.immich_mobile(h).id, "immich-mobile")
assert.eq(p.immich_mobile(h).redirect_uris[1], "app.immich:///oauth-callback")
assert.eq(p.immich_mobile(h).confidential, false)
assert.eq(p.openbao({host = "h.example.com", id = "bao", name = "Bao"}).id, "bao")
"""
    )


@pytest.mark.parametrize(
    "name", ["openbao", "argocd", "outline", "seafile", "paperless", "immich", "immich_mobile"]
)
def test_presets_require_host(name: str, run_lua: RunLua) -> None:
    run_lua(
        f"""
local rauthy = require("assay.rauthy")
local ok, err = pcall(rauthy.client_presets.{name}, {{}})
assert.eq(ok, false)
assert.not_nil(string.find(err, "rauthy.client_presets.{name}: opts.host required", 1, true))
"""
    )


def test_dot_and_colon_calls_agree(recorder: Recorder, run_lua: RunLua) -> None:
    recorder.on("GET", "/clients/openbao", Reply(200, live_client()))
    run_lua(
        PRELUDE
        + """
assert.eq(c.clients.get("openbao").id, c.clients:get("openbao").id)
""",
        recorder.url,
    )
    assert len(recorder.requests) == 2
