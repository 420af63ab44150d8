"""``assay.rauthy`` under a policy: its requests meet the same rules, cap and redaction as the
``http`` global's (the original's module sends through that global), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost
from assay_py.host.policy import Policy
from tests.host.policy_support import ENGINES, error_of, policed, run


@pytest.fixture(scope="module")
def emulator() -> Iterator[RauthyEmulator]:
    with RauthyEmulator() as emu:
        yield emu


def allow(paths: str, methods: str = "", extra: str = "", credentials: str = "") -> str:
    rule = f'    - hosts: ["127.0.0.1"]\n      paths: {paths}\n'
    if methods:
        rule += f"      methods: {methods}\n"
    return "version: 1\nhttp:\n" + extra + "  rules:\n" + rule + credentials


@pytest.mark.parametrize("engine", ENGINES)
def test_admin_calls_inside_the_rules_go_through(emulator: RauthyEmulator, engine: str) -> None:
    with policed(allow('["/auth/v1/**"]'), engine) as host:
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        assert run(
            host,
            "local c = require('assay.rauthy').client(URL, KEY)"
            " return c.sys:health(), type(c.clients:list())",
        ) == [True, "table"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refused_request_never_reaches_rauthy(emulator: RauthyEmulator, engine: str) -> None:
    refused = f"refused-{engine.replace('.', '')}"
    with policed(allow('["/auth/v1/health"]', "[GET]"), engine) as host:
        host.globals.ID = refused.encode()
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        before = len(emulator.requests)
        err = error_of(
            host,
            "local c = require('assay.rauthy').client(URL, KEY)"
            " c.clients:create({id = ID, name = 'Refused', confidential = false,"
            "   redirect_uris = {'https://x.example.com/cb'}})",
        )
        assert err == "policy: POST 127.0.0.1/auth/v1/clients is not allowed by any http rule"
        assert error_of(host, "require('assay.rauthy').client(URL, KEY).clients:list()") == (
            "policy: GET 127.0.0.1/auth/v1/clients is not allowed by any http rule"
        )
        # Probes are requests too: the one path the rules admit is answered.
        assert run(host, "return require('assay.rauthy').client(URL, KEY).sys:health()") is True
        assert [r.path for r in emulator.requests[before:]] == ["/auth/v1/health"]
    with rauthy.client(emulator.url, emulator.api_key) as unpoliced:
        assert unpoliced.clients.get(refused) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_redaction_and_the_cap_apply_to_its_answers(emulator: RauthyEmulator, engine: str) -> None:
    policy = allow('["/auth/v1/**"]', extra="  redact: [secret]\n")
    with policed(policy, engine) as host:
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        host.globals.ID = f"redacted-{engine.replace('.', '')}".encode()
        secret = run(
            host,
            "local c = require('assay.rauthy').client(URL, KEY)"
            " c.clients:create({id = ID, name = 'Redacted App', confidential = true,"
            "   redirect_uris = {'https://app.example.com/cb'}})"
            " return c.clients:get_secret(ID)",
        )
        assert secret == "[redacted]"
    with policed(allow('["/auth/v1/**"]', extra="  max_response_bytes: 10\n"), engine) as host:
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        assert "exceeds max_response_bytes (10)" in error_of(
            host, "require('assay.rauthy').client(URL, KEY).clients:list()"
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_the_api_key_can_be_a_credential_handle(
    emulator: RauthyEmulator, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_T_RAUTHY_KEY", emulator.api_key)
    creds = "credentials:\n  rauthy:\n    api_key: POLICY_T_RAUTHY_KEY\n"
    with policed(allow('["/auth/v1/**"]', credentials=creds), engine) as host:
        host.globals.URL = emulator.url.encode()
        before = len(emulator.requests)
        seen = run(
            host,
            "local key = credential.get('rauthy').api_key"
            " local c = require('assay.rauthy').client(URL, key)"
            " return type(c.clients:list()), key",
        )
    assert seen[0] == "table"
    assert emulator.api_key_secret not in seen[1]
    (listed,) = emulator.requests[before:]
    assert (listed.method, listed.status) == ("GET", 200)
    with policed(allow('["/auth/v1/**"]', credentials=creds), engine) as host:
        assert (
            error_of(
                host,
                "require('assay.rauthy').client('http://h/' .. credential.get('rauthy').api_key,"
                " 'k$s')",
            )
            == "credential: a credential handle cannot be used in a URL"
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_read_declared_post_passes_read_only_mode(emulator: RauthyEmulator, engine: str) -> None:
    # Reading a client's secret is a POST in Rauthy's API: the policy may declare it a read.
    client_id = f"ro-read-{engine.replace('.', '')}"
    with rauthy.client(emulator.url, emulator.api_key) as admin:
        admin.clients.create(
            {
                "id": client_id,
                "name": "Ro Read",
                "confidential": True,
                "redirect_uris": ["https://ro.example.com/cb"],
            }
        )
    read_rule = (
        '    - hosts: ["127.0.0.1"]\n      methods: [POST]\n'
        '      paths: ["/auth/v1/clients/*/secret"]\n      classify: read\n'
    )
    policy = Policy.from_text(
        allow('["/auth/v1/**"]').replace("  rules:\n", "  rules:\n" + read_rule)
    )
    code = "return require('assay.rauthy').client(URL, KEY).clients:get_secret(ID)"
    with LuaHost(engine=engine, policy=policy, mode="readonly") as host:
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        host.globals.ID = client_id.encode()
        assert len(run(host, code)) == 64
        assert "readonly: http.delete blocked" in error_of(
            host, "require('assay.rauthy').client(URL, KEY).clients:delete(ID)"
        )
    with LuaHost(
        engine=engine, policy=Policy.from_text(allow('["/auth/v1/**"]')), mode="readonly"
    ) as host:
        host.globals.URL, host.globals.KEY = emulator.url.encode(), emulator.api_key.encode()
        host.globals.ID = client_id.encode()
        assert "readonly: http.post blocked" in error_of(host, code.replace("return ", ""))
