"""The policy's HTTP rules, size cap and redaction, against a recording server on 127.0.0.1.

A refused request must never reach the server: each refusal test checks it saw nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay_py.host.policy import Policy
from tests.host.policy_support import ENGINES, error_of, policed, run
from tests.support.recorder import Recorder, Reply


def rules(*rule_lines: str, extra: str = "") -> str:
    return "version: 1\nhttp:\n" + extra + "  rules:\n" + "".join(rule_lines)


LOCAL_GET_V3 = '    - hosts: ["127.0.0.1"]\n      methods: [GET]\n      paths: ["/v3/*"]\n'


@pytest.mark.parametrize("engine", ENGINES)
def test_a_host_outside_the_rules_is_refused_before_anything_is_sent(
    rec: Recorder, engine: str
) -> None:
    with policed(rules('    - hosts: ["allowed.example.com"]\n'), engine) as host:
        host.globals.URL = rec.url.encode()
        assert error_of(host, "http.get(URL .. '/x')") == (
            "policy: GET 127.0.0.1/x is not allowed by any http rule"
        )
        assert error_of(host, "http.post(URL .. '/x', {a = 1})") == (
            "policy: POST 127.0.0.1/x is not allowed by any http rule"
        )
    assert rec.requests == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_matching_rule_lets_the_request_through(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/v3/projects", Reply(200, "ok"))
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        assert run(host, "return http.get(URL .. '/v3/projects?page=2').body") == "ok"
    assert [r.path for r in rec.requests] == ["/v3/projects?page=2"]


@pytest.mark.parametrize("engine", ENGINES)
def test_path_and_method_outside_the_rule_are_refused(rec: Recorder, engine: str) -> None:
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        for code, shown in [
            ("http.get(URL .. '/admin/keys')", "GET 127.0.0.1/admin/keys"),
            ("http.get(URL .. '/v3/a/b')", "GET 127.0.0.1/v3/a/b"),
            ("http.get(URL .. '/v3')", "GET 127.0.0.1/v3"),
            # judged as sent: the dot segments are resolved before the request leaves
            ("http.get(URL .. '/v3/../admin')", "GET 127.0.0.1/admin"),
            ("http.delete(URL .. '/v3/projects')", "DELETE 127.0.0.1/v3/projects"),
            ("http.put(URL .. '/v3/projects', 'x')", "PUT 127.0.0.1/v3/projects"),
        ]:
            assert error_of(host, code) == f"policy: {shown} is not allowed by any http rule"
    assert rec.requests == []


@pytest.mark.parametrize("engine", ENGINES)
def test_the_error_carries_the_script_line(rec: Recorder, engine: str) -> None:
    with policed(rules('    - hosts: ["nowhere.example"]\n'), engine) as host:
        host.globals.URL = rec.url.encode()
        ok, err = host.run_string("return pcall(function()\n\n  http.get(URL)\nend)")
    assert ok is False
    assert err == "<string>:3: policy: GET 127.0.0.1/ is not allowed by any http rule"


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_rule_list_refuses_everything_and_no_list_admits_everything(
    rec: Recorder, engine: str
) -> None:
    rec.on("GET", "/x", Reply(200, "ok"))
    with policed("version: 1\nhttp:\n  rules: []\n", engine) as host:
        host.globals.URL = rec.url.encode()
        assert "not allowed by any http rule" in error_of(host, "http.get(URL .. '/x')")
    assert rec.requests == []
    with policed("version: 1\nhttp: {}\n", engine) as host:
        host.globals.URL = rec.url.encode()
        assert run(host, "return http.get(URL .. '/x').body") == "ok"


@pytest.mark.parametrize("engine", ENGINES)
def test_client_objects_and_download_are_policed(
    rec: Recorder, engine: str, tmp_path: Path
) -> None:
    rec.on("GET", "/v3/file", Reply(200, "data"))
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        host.globals.DEST = str(tmp_path / "f").encode()
        assert (
            run(host, "local c = http.client({timeout = 5}) return c:get(URL .. '/v3/file').body")
            == "data"
        )
        assert error_of(host, "local c = http.client() c:post(URL .. '/v3/file', 'x')") == (
            "policy: POST 127.0.0.1/v3/file is not allowed by any http rule"
        )
        assert error_of(host, "local c = http.client() c:delete(URL .. '/other')") == (
            "policy: DELETE 127.0.0.1/other is not allowed by any http rule"
        )
        assert run(host, "return http.download(URL .. '/v3/file', DEST)") == 4
        assert error_of(host, "http.download(URL .. '/secret', DEST)") == (
            "policy: GET 127.0.0.1/secret is not allowed by any http rule"
        )
    assert [r.path for r in rec.requests] == ["/v3/file", "/v3/file"]
    assert (tmp_path / "f").read_text() == "data"


@pytest.mark.parametrize("engine", ENGINES)
def test_hosts_match_exactly_or_as_strict_subdomains(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/", Reply(200, "ok"))
    policy = rules('    - hosts: ["*.example.com", "LOCALHOST"]\n')
    with policed(policy, engine) as host:
        port = rec.url.rsplit(":", 1)[1]
        host.globals.URL = f"http://localhost:{port}/".encode()
        assert run(host, "return http.get(URL).body") == "ok"
        for refused in ("http://example.com/", "http://evilexample.com/", "http://127.0.0.1/"):
            assert "not allowed" in error_of(host, f"http.get('{refused}')")
    assert len(rec.requests) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_argument_errors_stay_the_verbs_own(engine: str) -> None:
    with policed(rules(LOCAL_GET_V3), engine) as host:
        assert error_of(host, "http.get(42)") == "http.get: first argument must be a URL string"
        assert "cannot parse request URL" in error_of(host, "http.get('http://[::1/x')")
        assert error_of(host, "http.get('/v3/x')") == "policy: request URL '/v3/x' has no host"


# ------------------------------------------------------------ redaction and the size cap


@pytest.mark.parametrize("engine", ENGINES)
def test_declared_keys_are_hidden_in_bodies_and_headers(rec: Recorder, engine: str) -> None:
    body = {"user": {"name": "a", "Password": "hunter2"}, "items": [{"token": {"v": "t0k3n"}}]}
    rec.on("GET", "/creds", Reply(200, body, {"X-Auth-Token": "h3ad3r", "X-Other": "kept"}))
    policy = rules(
        '    - hosts: ["127.0.0.1"]\n', extra="  redact: [password, TOKEN, x-auth-token]\n"
    )
    with policed(policy, engine) as host:
        host.globals.URL = rec.url.encode()
        raw, token_header, other = run(
            host,
            "local r = http.get(URL .. '/creds')"
            " return r.body, r.headers['x-auth-token'], r.headers['x-other']",
        )
    assert json.loads(raw) == {
        "items": [{"token": "[redacted]"}],
        "user": {"Password": "[redacted]", "name": "a"},
    }
    assert (token_header, other) == ("[redacted]", "kept")
    for secret in ("hunter2", "t0k3n", "h3ad3r"):
        assert secret not in raw


@pytest.mark.parametrize("engine", ENGINES)
def test_bodies_without_declared_keys_keep_their_bytes(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/text", Reply(200, "password: hunter2"))
    rec.on("GET", "/json", Reply(200, '{ "b": 1.50, "a": [] }'))
    policy = rules('    - hosts: ["127.0.0.1"]\n', extra="  redact: [password]\n")
    with policed(policy, engine) as host:
        host.globals.URL = rec.url.encode()
        assert run(host, "return http.get(URL .. '/text').body") == "password: hunter2"
        assert run(host, "return http.get(URL .. '/json').body") == '{ "b": 1.50, "a": [] }'


@pytest.mark.parametrize("engine", ENGINES)
def test_an_oversized_body_is_an_error_not_a_cut(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/big", Reply(200, "x" * 4096))
    rec.on("GET", "/fits", Reply(200, "x" * 128))
    policy = rules('    - hosts: ["127.0.0.1"]\n', extra="  max_response_bytes: 128\n")
    with policed(policy, engine) as host:
        host.globals.URL = rec.url.encode()
        assert error_of(host, "http.get(URL .. '/big')") == (
            "policy: response body exceeds max_response_bytes (128)"
        )
        assert run(host, "return #http.get(URL .. '/fits').body") == 128


# ------------------------------------------------------------ lazily installed, coroutines


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_hold_when_http_is_first_used_inside_a_coroutine(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/v3/a", Reply(200, "a"))
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        assert run(
            host,
            "local co = coroutine.wrap(function()"
            "  local ok, err = pcall(http.get, URL .. '/admin')"
            "  return ok, err, http.get(URL .. '/v3/a').body end)"
            " return co()",
        ) == [False, "policy: GET 127.0.0.1/admin is not allowed by any http rule", "a"]
    assert [r.path for r in rec.requests] == ["/v3/a"]


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_hold_inside_async_tasks(rec: Recorder, engine: str) -> None:
    rec.on("GET", "/v3/a", Reply(200, "a"))
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        assert run(
            host,
            "local out = {}"
            " local t1 = async.spawn(function() out[1] = http.get(URL .. '/v3/a').body end)"
            " local t2 = async.spawn(function()"
            "   out[2] = select(2, pcall(http.get, URL .. '/nope')) end)"
            " t1:await() t2:await() return out[1], out[2]",
        ) == ["a", "policy: GET 127.0.0.1/nope is not allowed by any http rule"]
    assert [r.path for r in rec.requests] == ["/v3/a"]


# ------------------------------------------------------------ classification (the gate's hook)


def test_classify_reports_reads_writes_and_refusals() -> None:
    policy = Policy.from_text(
        rules(
            '    - hosts: ["id.example.com"]\n      methods: [POST]\n'
            '      paths: ["/v3/auth/tokens"]\n      classify: read\n',
            '    - hosts: ["id.example.com"]\n      methods: [GET]\n      classify: write\n',
            '    - hosts: ["id.example.com"]\n',
        )
    )
    assert policy.classify("post", "https://id.example.com/v3/auth/tokens") == "read"
    assert policy.classify("get", "https://id.example.com/v3/x") == "write"
    assert policy.classify("post", "https://id.example.com/v3/servers") == "write"
    assert policy.classify("get", "https://other.example.com/") is None
    unruled = Policy.from_text("version: 1\n")
    assert unruled.classify("get", "http://x/") == "read"
    assert unruled.classify("patch", "http://x/") == "write"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_redirect_to_a_refused_target_is_not_followed(rec: Recorder, engine: str) -> None:
    port = rec.url.rsplit(":", 1)[1]
    rec.on("GET", "/v3/moved", Reply(302, "", {"Location": f"http://localhost:{port}/v3/x"}))
    rec.on("GET", "/v3/hop", Reply(302, "", {"Location": "/v3/landed"}))
    rec.on("GET", "/v3/landed", Reply(200, "landed"))
    with policed(rules(LOCAL_GET_V3), engine) as host:
        host.globals.URL = rec.url.encode()
        assert error_of(host, "http.get(URL .. '/v3/moved')") == (
            "policy: GET localhost/v3/x is not allowed by any http rule"
        )
        assert run(host, "return http.get(URL .. '/v3/hop').body") == "landed"
    assert [r.path for r in rec.requests] == ["/v3/moved", "/v3/hop", "/v3/landed"]
    assert [r.headers["host"].split(":")[0] for r in rec.requests] == ["127.0.0.1"] * 3
