"""``credential`` handles: the secret goes out in allowed requests and nowhere else.

Every test that could show the secret checks the whole of what the script saw (and, through
the command, stdout and stderr) for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py.host.policy import Policy
from tests.host.policy_support import ENGINES, error_of, policed, run
from tests.support.recorder import Recorded, Recorder, Reply

SECRET = "s3cr3t-value-not-in-lua"
CREDENTIALS = (
    "credentials:\n  inventory-ro:\n    username: POLICY_T_USER\n    password: POLICY_T_PASSWORD\n"
)


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_T_PASSWORD", SECRET)
    monkeypatch.setenv("POLICY_T_USER", "svc-reader")


def local_only() -> str:
    return 'version: 1\nhttp:\n  rules:\n    - hosts: ["127.0.0.1"]\n' + CREDENTIALS


@pytest.mark.parametrize("engine", ENGINES)
def test_a_handle_never_holds_the_secret(engine: str) -> None:
    with policed("version: 1\n" + CREDENTIALS, engine) as host:
        seen = run(
            host,
            "local c = credential.get('inventory-ro')"
            " local parts = {c.password, tostring(c.password):upper(), json.encode(c),"
            "   c.username, yaml.encode(c)}"
            " for k, v in pairs(c) do parts[#parts + 1] = k .. '=' .. v end"
            " return table.concat(parts, '|')",
        )
    assert SECRET not in seen and "s3cr3t" not in seen.lower()
    assert "svc-reader" not in seen


@pytest.mark.parametrize("engine", ENGINES)
def test_an_undeclared_name_is_an_error(engine: str) -> None:
    with policed("version: 1\n" + CREDENTIALS, engine) as host:
        assert error_of(host, "credential.get('other')") == (
            "credential: 'other' is not declared in the policy"
        )
        assert error_of(host, "credential.get()") == "credential.get: name must be a string"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_secret_reaches_an_allowed_target_in_body_and_headers(
    rec: Recorder, engine: str
) -> None:
    rec.on("POST", "/v3/auth/tokens", Reply(201, "issued"))
    with policed(local_only(), engine) as host:
        host.globals.URL = rec.url.encode()
        assert (
            run(
                host,
                "local c = credential.get('inventory-ro')"
                " local body = {auth = {user = c.username, pass = c.password, list = {c.password}}}"
                " local r = http.post(URL .. '/v3/auth/tokens', body,"
                "   {headers = {Authorization = 'Basic ' .. c.password}})"
                " assert.eq(body.auth.pass, c.password, 'the script table was changed')"
                " return r.body",
            )
            == "issued"
        )
    (request,) = rec.requests
    assert request.json() == {"auth": {"list": [SECRET], "pass": SECRET, "user": "svc-reader"}}
    assert request.headers["authorization"] == f"Basic {SECRET}"


@pytest.mark.parametrize("engine", ENGINES)
def test_string_bodies_and_client_objects_are_filled_too(rec: Recorder, engine: str) -> None:
    rec.on("PUT", "/cfg", Reply(200, "ok"))
    with policed(local_only(), engine) as host:
        host.globals.URL = rec.url.encode()
        run(
            host,
            "local c = credential.get('inventory-ro')"
            " http.client():put(URL .. '/cfg', 'user=' .. c.username .. '&pw=' .. c.password)",
        )
    (request,) = rec.requests
    assert request.body == f"user=svc-reader&pw={SECRET}".encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_handle_in_a_url_is_refused_and_nothing_is_sent(rec: Recorder, engine: str) -> None:
    with policed(local_only(), engine) as host:
        host.globals.URL = rec.url.encode()
        err = error_of(
            host, "local c = credential.get('inventory-ro') http.get(URL .. '/?k=' .. c.password)"
        )
    assert err == "credential: a credential handle cannot be used in a URL"
    assert rec.requests == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refused_target_never_gets_the_secret(rec: Recorder, engine: str) -> None:
    policy = 'version: 1\nhttp:\n  rules:\n    - hosts: ["id.example.com"]\n' + CREDENTIALS
    with policed(policy, engine) as host:
        host.globals.URL = rec.url.encode()
        err = error_of(
            host,
            "local c = credential.get('inventory-ro') http.post(URL .. '/t', {p = c.password})",
        )
    assert "is not allowed by any http rule" in err
    assert rec.requests == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_secret_echoed_back_is_hidden_from_the_script(rec: Recorder, engine: str) -> None:
    def echo(request: Recorded) -> Reply:
        return Reply(200, request.body, {"X-Echo": request.headers.get("x-key", "")})

    rec.on("POST", "/echo", echo)
    with policed(local_only(), engine) as host:
        host.globals.URL = rec.url.encode()
        body, header = run(
            host,
            "local c = credential.get('inventory-ro')"
            " local r = http.post(URL .. '/echo', {p = c.password}, {headers = {['X-Key'] ="
            " c.password}})"
            " return r.body, r.headers['x-echo']",
        )
    assert rec.requests[0].json() == {"p": SECRET}
    assert SECRET not in body and SECRET not in header
    assert body == '{"p":"[redacted]"}'


@pytest.mark.parametrize("engine", ENGINES)
def test_the_backing_variables_stay_unreadable(engine: str) -> None:
    # No env allowlist: the policy still hides the variables behind its credentials.
    with policed("version: 1\n" + CREDENTIALS, engine) as host:
        assert run(
            host,
            "local keys = {} for _, e in ipairs(env.list()) do keys[e.key] = e.value end"
            " return tostring(env.get('POLICY_T_PASSWORD')), tostring(os.getenv('POLICY_T_USER')),"
            " tostring(keys.POLICY_T_PASSWORD), keys.HOME ~= nil",
        ) == ["nil", "nil", "nil", True]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unset_variable_is_an_error_that_names_neither_it_nor_a_value(
    rec: Recorder, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLICY_T_PASSWORD")
    with policed(local_only(), engine) as host:
        host.globals.URL = rec.url.encode()
        err = error_of(
            host, "local c = credential.get('inventory-ro') http.post(URL .. '/t', c.password)"
        )
    assert err == (
        "credential: 'inventory-ro.password' has no value (the environment variable the "
        "policy names for it is unset or empty)"
    )
    assert rec.requests == []


@pytest.mark.parametrize("engine", ENGINES)
def test_the_secret_stays_out_of_transport_errors(engine: str) -> None:
    # Nothing listens on port 1; the error must not carry what was to be sent.
    with policed(local_only(), engine) as host:
        err = error_of(
            host,
            "local c = credential.get('inventory-ro')"
            " http.post('http://127.0.0.1:1/x', c.password, {headers = {['X-K'] = c.password}})",
        )
    assert err.startswith("http.post failed: error sending request for url (http://127.0.0.1:1/x)")
    assert SECRET not in err


def test_no_output_of_a_run_shows_the_secret(rec: Recorder, tmp_path: Path) -> None:
    rec.on("POST", "/login", Reply(200, {"token": "t"}))
    policy = tmp_path / "policy.yaml"
    policy.write_text(local_only())
    script = tmp_path / "login.lua"
    script.write_text(
        "local c = credential.get('inventory-ro')\n"
        "print(c.password, json.encode(c))\n"
        "log.info('password is ' .. c.password)\n"
        f"local r = http.post('{rec.url}/login', {{pw = c.password}})\n"
        "print(r.status, r.body)\n"
        "error('failing with ' .. c.password)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "from assay_py.cli import main; main()", "run", str(script)],
        capture_output=True,
        env={**os.environ, "ASSAY_POLICY_FILE": str(policy)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert b'200\t{"token": "t"}' in result.stdout
    assert b"failing with" in result.stderr
    assert SECRET.encode() not in result.stdout + result.stderr
    assert rec.requests[0].json() == {"pw": SECRET}


def test_nothing_in_python_shows_the_secret() -> None:
    policy = Policy.from_text("version: 1\n" + CREDENTIALS)
    assert SECRET not in repr(policy) + repr(policy.credentials)
    assert "POLICY_T_PASSWORD" not in repr(policy)
