"""Check files (``assay-py checks.yaml``) through the real command, against loopback servers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assay_py
from tests.support.recorder import Recorder, Reply

QUICK = "timeout: 30s\nretries: 0\nbackoff: 0s\n"


def checks(cwd: Path, text: str, *, name: str = "checks.yaml") -> tuple[int, Any, str]:
    (cwd / name).write_text(textwrap.dedent(text))
    done = assay_py(name, cwd=cwd)
    report = json.loads(done.stdout) if done.stdout else None
    return done.returncode, report, done.stderr.decode()


def messages(report: Any) -> dict[str, Any]:
    return {check["name"]: check["message"] for check in report["checks"]}


@pytest.fixture
def server() -> Any:
    with Recorder() as rec:
        yield rec


def test_passing_http_checks_exit_0_with_a_json_report(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/health", Reply(200, {"database": "ok", "build": {"n": 7}}))
    code, report, _ = checks(
        tmp_path,
        QUICK
        + f"""
checks:
  - name: any-2xx
    type: http
    url: {server.url}/health
  - name: all-expectations
    type: http
    url: {server.url}/health
    expect:
      status: 200
      body: database
      json: '.database == "ok"'
  - name: nested-number
    type: http
    url: {server.url}/health
    expect: {{json: ".build.n == 7"}}
""",
    )
    assert code == 0
    assert list(report) == ["passed", "checks", "duration_ms"]
    assert report["passed"] is True
    assert [(c["name"], c["passed"], c["message"]) for c in report["checks"]] == [
        ("any-2xx", True, None),
        ("all-expectations", True, None),
        ("nested-number", True, None),
    ]
    assert all(isinstance(c["duration_ms"], int) for c in report["checks"])


def test_failing_http_checks_say_why_and_exit_1(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/health", Reply(200, {"database": "down", "up": True}))
    server.on("GET", "/broken", Reply(500, "oops"))
    code, report, stderr = checks(
        tmp_path,
        QUICK
        + f"""
checks:
  - {{name: status, type: http, url: "{server.url}/health", expect: {{status: 404}}}}
  - {{name: no-expect, type: http, url: "{server.url}/broken"}}
  - {{name: body, type: http, url: "{server.url}/health", expect: {{body: "green"}}}}
  - {{name: json, type: http, url: "{server.url}/health", expect: {{json: '.database == "ok"'}}}}
  - {{name: path, type: http, url: "{server.url}/health", expect: {{json: ".cache.hits == 1"}}}}
  - {{name: not-json, type: http, url: "{server.url}/broken", expect: {{json: ".a == 1"}}}}
  - {{name: bool-is-not-1, type: http, url: "{server.url}/health", expect: {{json: ".up == 1"}}}}
""",
    )
    assert code == 1 and report["passed"] is False
    got = messages(report)
    assert got["status"] == "expected status 404, got 200"
    assert got["no-expect"] == "expected 2xx, got 500"
    assert got["body"] == 'body does not contain "green"'
    assert got["json"] == 'JSON expression failed: .database == "ok"'
    assert got["path"] == "JSON path '.cache' not found in response"
    assert got["not-json"].startswith("response body is not valid JSON")
    assert got["bool-is-not-1"] == "JSON expression failed: .up == 1"
    assert "check status: FAIL" in stderr


def test_a_failing_check_is_retried_with_backoff(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/flaky", Reply(503), Reply(503), Reply(200))
    code, report, stderr = checks(
        tmp_path,
        f"""
        retries: 2
        backoff: 0s
        checks:
          - {{name: flaky, type: http, url: "{server.url}/flaky"}}
        """,
    )
    assert code == 0 and report["checks"][0]["passed"] is True
    assert len(server.calls("GET", "/flaky")) == 3
    assert "check flaky failed (attempt 1 of 3), retrying" in stderr


def test_retries_stop_at_the_limit(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/down", Reply(503))
    code, report, _ = checks(
        tmp_path,
        f"""
        retries: 1
        backoff: 0ms
        checks:
          - {{name: down, type: http, url: "{server.url}/down"}}
        """,
    )
    assert code == 1 and messages(report) == {"down": "expected 2xx, got 503"}
    assert len(server.calls("GET", "/down")) == 2


def test_redirects_are_followed_unless_told_not_to(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/old", Reply(302, headers={"Location": "/new"}))
    server.on("GET", "/new", Reply(200, "here"))
    code, report, _ = checks(
        tmp_path,
        QUICK
        + f"""
checks:
  - {{name: followed, type: http, url: "{server.url}/old", expect: {{body: here}}}}
  - {{name: kept, type: http, url: "{server.url}/old", follow_redirects: false,
      expect: {{status: 302}}}}
""",
    )
    assert code == 0, report


def prometheus_answer(value: str) -> Reply:
    return Reply(
        200,
        {"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, value]}]}},
    )


def test_prometheus_checks_compare_the_first_sample(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/api/v1/query", prometheus_answer("3"))
    code, report, _ = checks(
        tmp_path,
        QUICK
        + f"""
checks:
  - {{name: value, type: prometheus, url: "{server.url}/", query: "count(up)"}}
  - {{name: in-range, type: prometheus, url: "{server.url}", query: "count(up)",
      expect: {{min: 1, max: 3}}}}
  - {{name: too-few, type: prometheus, url: "{server.url}", query: up, expect: {{min: 5}}}}
  - {{name: too-many, type: prometheus, url: "{server.url}", query: up, expect: {{max: 2.5}}}}
""",
    )
    assert code == 1
    assert messages(report) == {
        "value": "query returned: 3",
        "in-range": None,
        "too-few": "expected min 5, got 3",
        "too-many": "expected max 2.5, got 3",
    }
    assert server.requests[0].path == "/api/v1/query?query=count%28up%29"


def test_prometheus_errors_are_failed_checks(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/bad/api/v1/query", Reply(400, {"status": "error", "error": "parse error"}))
    server.on(
        "GET", "/none/api/v1/query", Reply(200, {"status": "success", "data": {"result": []}})
    )
    code, report, _ = checks(
        tmp_path,
        QUICK
        + f"""
checks:
  - {{name: bad, type: prometheus, url: "{server.url}/bad", query: "up{{"}}
  - {{name: none, type: prometheus, url: "{server.url}/none", query: up}}
""",
    )
    assert code == 1
    assert messages(report) == {
        "bad": "Prometheus query failed: parse error",
        "none": "Prometheus query returned no results",
    }


def test_script_checks_run_lua_with_their_own_env(tmp_path: Path) -> None:
    (tmp_path / "target.lua").write_text(
        'print("to stderr, not into the report")\n'
        'assert.eq(env.get("TARGET"), "staging")\n'
        'assert.eq(env.get("PORT"), "8080")\n'
    )
    (tmp_path / "isolated.lua").write_text('assert.eq(env.get("TARGET"), nil, "no leak")\n')
    (tmp_path / "fails.lua").write_text("\nassert.eq(1, 2, 'numbers')\n")
    code, report, stderr = checks(
        tmp_path,
        QUICK
        + """
checks:
  - {name: env, type: script, file: target.lua, env: {TARGET: staging, PORT: 8080}}
  - {name: isolated, type: script, file: isolated.lua}
  - {name: fails, type: script, file: fails.lua}
  - {name: missing, type: script, file: nope.lua}
""",
    )
    assert code == 1
    got = messages(report)
    assert got["env"] is None and got["isolated"] is None
    assert got["fails"].startswith('fails.lua:2: assert.eq failed: "1" != "2" - numbers')
    assert got["missing"] == 'failed to read Lua script "nope.lua": No such file or directory'
    assert "to stderr, not into the report" in stderr


def test_the_global_timeout_fails_what_did_not_finish(tmp_path: Path, server: Recorder) -> None:
    server.on("GET", "/ok", Reply(200))
    (tmp_path / "slow.lua").write_text("sleep(30)\n")
    code, report, _ = checks(
        tmp_path,
        f"""
        timeout: 1s
        retries: 0
        checks:
          - {{name: first, type: http, url: "{server.url}/ok"}}
          - {{name: slow, type: script, file: slow.lua}}
          - {{name: never, type: http, url: "{server.url}/ok"}}
        """,
    )
    assert code == 1
    assert [(c["name"], c["passed"]) for c in report["checks"]] == [
        ("first", True),
        ("slow", False),
        ("never", False),
    ]
    assert messages(report)["never"] == "global timeout of 1s exceeded"
    assert report["checks"][2]["duration_ms"] == 0
    assert len(server.calls("GET", "/ok")) == 1


def test_an_empty_check_list_passes(tmp_path: Path) -> None:
    code, report, _ = checks(tmp_path, "checks: []\n", name="c.yml")
    assert (code, report["passed"], report["checks"]) == (0, True, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "checks:\n  - {name: a, type: http}\n",
            "checks[0] (a).url: must be a string (a http check needs it)",
        ),
        (
            "checks:\n  - {name: a, type: ping, url: x}\n",
            "checks[0] (a).type: must be one of http, prometheus, script (got 'ping')",
        ),
        (
            "checks:\n  - {name: a, type: http, url: x, expcet: {}}\n",
            "checks[0]: unknown field 'expcet'",
        ),
        (
            "checks:\n  - {name: p, type: prometheus, url: x}\n",
            "checks[0] (p).query: must be a string (a prometheus check needs it)",
        ),
        (
            "checks:\n  - {name: s, type: script}\n",
            "checks[0] (s).file: must be a string (a script check needs it)",
        ),
        ("checks:\n  - {type: http, url: x}\n", "checks[0].name: must be a string (required)"),
        (
            "timeout: soon\nchecks: []\n",
            "timeout: unsupported duration format: 'soon' (use e.g. '120s', '5m', '500ms')",
        ),
        ("retries: -1\nchecks: []\n", "retries: must be a whole number >= 0"),
        ("retries: many\nchecks: []\n", "retries: must be a whole number >= 0"),
        ("checks: {}\n", "checks: must be a list of checks (required)"),
        ("check: []\n", "the check file: unknown field 'check'"),
        (
            "checks:\n  - {name: a, type: http, url: x, expect: {status: '200'}}\n",
            "checks[0] (a).expect.status: must be an HTTP status (100-599)",
        ),
        (
            "checks:\n  - {name: a, type: http, url: x, follow_redirects: 1}\n",
            "checks[0] (a).follow_redirects: must be true or false",
        ),
        ("checks: [\n", "parsing YAML:"),
    ],
)
def test_a_bad_check_file_is_refused_with_the_field_and_rule(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "c.yaml").write_text(text)
    done = assay_py("c.yaml", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().startswith(f"error: loading config from c.yaml: {message}")


def test_nothing_is_sent_when_a_later_check_is_bad(tmp_path: Path, server: Recorder) -> None:
    (tmp_path / "c.yaml").write_text(
        f"checks:\n  - {{name: good, type: http, url: '{server.url}/x'}}\n"
        "  - {name: bad, type: http, url: 7}\n"
    )
    done = assay_py("c.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert b"checks[1] (bad).url: must be a string" in done.stderr
    assert server.requests == []


def test_a_missing_check_file_is_an_error(tmp_path: Path) -> None:
    done = assay_py("run", "none.yml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        b"error: loading config from none.yml: reading config none.yml: No such file or directory\n"
    )


def test_other_extensions_are_refused_with_the_accepted_ones(tmp_path: Path) -> None:
    done = assay_py("notes.txt", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        b'error: unsupported file extension "txt" (expected .yaml, .yml, or .lua)\n'
    )
    # No script is read from stdin: "-" is a file name like any other.
    for argv in (["-"], ["run", "-"]):
        done = assay_py(*argv, cwd=tmp_path)
        assert done.returncode == 1, argv
        assert done.stderr == (
            b'error: unsupported file extension "" (expected .yaml, .yml, or .lua)\n'
        )
