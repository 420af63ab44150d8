"""Approval mode (``--approval-mode``, ``ASSAY_APPROVAL``, ``LuaHost(mode="approval")``).

Each write takes the next index; one that is not approved is not run and raises
``__assay_approval_request__:`` + JSON. A replay runs an approved index only when its grant
names the same op and digest. Servers are real loopback ones, so "not run" means "the server
saw nothing".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost
from assay_py.host.gate import APPROVAL_REQUEST_PREFIX, ApprovalConfig, parse_request
from assay_py.host.gate.approval import ApprovedOp
from tests.host.test_readonly_mode import GATE_VARS
from tests.support.recorder import Recorder, Reply

ENGINES = ("luajit", "5.5")


@pytest.fixture(autouse=True)
def _no_mode_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GATE_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rec() -> Iterator[Recorder]:
    with Recorder() as recorder:
        recorder.on("POST", "/submit", Reply(201, "made"))
        recorder.on("PUT", "/submit", Reply(200, "put"))
        recorder.on("GET", "/read", Reply(200, "read"))
        yield recorder


def host_for(rec: Recorder, config: ApprovalConfig | None = None, **kw: Any) -> LuaHost:
    host = LuaHost(mode="approval", approval=config or ApprovalConfig(), **kw)
    host.globals.URL = rec.url.encode()
    return host


def request_of(host: LuaHost, code: str) -> dict[str, Any]:
    ok, err = host.run_string(f"return pcall(function() {code} end)")
    assert ok is False
    assert isinstance(err, str) and err.startswith(APPROVAL_REQUEST_PREFIX), err
    payload = parse_request(err)
    assert payload is not None
    return payload


def error_of(host: LuaHost, code: str) -> str:
    ok, err = host.run_string(f"return pcall(function() {code} end)")
    assert ok is False and isinstance(err, str)
    return err


POST = "http.post(URL .. '/submit', '{}')"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_write_halts_with_a_request_and_sends_nothing(engine: str, rec: Recorder) -> None:
    with host_for(rec, engine=engine) as host:
        ok, err = host.run_string(
            "return pcall(http.post, URL .. '/submit', '{}', "
            "{headers = {Authorization = 'Bearer s3cret-token', ['X-Trace'] = '1'}})"
        )
    assert ok is False and isinstance(err, str)
    assert err.startswith(APPROVAL_REQUEST_PREFIX)
    body = err[len(APPROVAL_REQUEST_PREFIX) :]
    assert "\n" not in body
    request = json.loads(body)
    assert set(request) == {"prompt", "op", "summary", "index", "digest", "headers"}
    assert request["op"] == "http.post"
    assert request["prompt"] == "Approve http.post?"
    assert request["index"] == 0
    assert request["summary"] == rec.url + "/submit"
    assert len(request["digest"]) == 64 and int(request["digest"], 16) >= 0
    assert request["headers"] == ["Authorization", "X-Trace"]
    assert "s3cret-token" not in err
    assert rec.requests == []


def test_unprotected_request_error_carries_no_position(rec: Recorder) -> None:
    from assay_py.host.errors import LuaScriptError

    with host_for(rec) as host, pytest.raises(LuaScriptError) as caught:
        host.run_string(POST, "job.lua")
    assert caught.value.message.startswith(APPROVAL_REQUEST_PREFIX)


def test_every_write_takes_the_next_index_reads_take_none(rec: Recorder, tmp_path: Path) -> None:
    data = tmp_path / "d.txt"
    data.write_text("x")
    with host_for(rec) as host:
        host.globals.P = str(data).encode()
        first = request_of(host, POST)
        host.run_string(
            "assert.eq(fs.read(P), 'x') assert.eq(http.get(URL .. '/read').status, 200)"
        )
        second = request_of(host, "fs.write(P, 'changed')")
        third = request_of(host, "io.open(P, 'w')")
    assert [(r["index"], r["op"]) for r in (first, second, third)] == [
        (0, "http.post"),
        (1, "fs.write"),
        (2, "io.open"),
    ]
    assert second["summary"] == str(data)
    assert data.read_text() == "x"
    assert [r.method for r in rec.requests] == ["GET"]


def grant(request: dict[str, Any], **changes: Any) -> ApprovedOp:
    fields = {"index": request["index"], "op": request["op"], "digest": request["digest"]}
    fields.update(changes)
    return ApprovedOp(**fields)


def test_an_approved_replay_runs_that_write_and_asks_for_the_next(rec: Recorder) -> None:
    script = "local a = http.post(URL .. '/submit', '{}') local b = http.put(URL .. '/submit', 'b')"
    with host_for(rec) as host:
        first = request_of(host, script)
    assert rec.requests == []
    config = ApprovalConfig(approved=frozenset({0}), bindings=(grant(first),))
    with host_for(rec, config) as host:
        second = request_of(host, script)
    assert (second["index"], second["op"]) == (1, "http.put")
    assert [r.method for r in rec.requests] == ["POST"]
    config = ApprovalConfig(approved=frozenset({0, 1}), bindings=(grant(first), grant(second)))
    with host_for(rec, config) as host:
        host.run_string(script)
    assert [r.method for r in rec.requests] == ["POST", "POST", "PUT"]


def test_grants_come_from_the_environment(rec: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    with host_for(rec) as host:
        first = request_of(host, POST)
    replay = ApprovalConfig(approved=frozenset({0}), bindings=(grant(first, approver="ops"),))
    for name, value in replay.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSAY_APPROVAL", "1")
    with LuaHost() as host:
        host.globals.URL = rec.url.encode()
        assert host.run_string(f"return {POST}.body") == ["made"]
    assert [r.method for r in rec.requests] == ["POST"]


def test_denied_index_fails_without_running(rec: Recorder) -> None:
    with host_for(rec, ApprovalConfig(denied=0)) as host:
        assert error_of(host, POST).endswith("approval: http.post denied")
    assert rec.requests == []


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (
            "http.put(URL .. '/submit', '{}')",
            "approval: operation at index 0 changed since approval "
            "(approved 'http.post', got 'http.put')",
        ),
        (
            "http.post(URL .. '/elsewhere', '{}')",
            "approval: request at index 0 changed since approval "
            "('http.post' arguments differ) — refusing",
        ),
        (
            "http.post(URL .. '/submit', '{amount = 1000000}')",
            "changed since approval ('http.post' arguments differ)",
        ),
        (
            "http.post(URL .. '/submit', '{}', {headers = {Authorization = 'other'}})",
            "changed since approval ('http.post' arguments differ)",
        ),
    ],
)
def test_a_grant_does_not_stretch_to_another_call(
    rec: Recorder, changed: str, message: str
) -> None:
    with host_for(rec) as host:
        first = request_of(host, POST)
    config = ApprovalConfig(approved=frozenset({0}), bindings=(grant(first),))
    with host_for(rec, config) as host:
        assert message in error_of(host, changed)
    with host_for(rec, config) as host:  # the call as approved still runs
        assert host.run_string(f"return {POST}.status") == [201]
    assert [(r.method, r.path) for r in rec.requests] == [("POST", "/submit")]


def test_equal_tables_digest_alike_whatever_their_order(rec: Recorder) -> None:
    with host_for(rec) as host:
        a = request_of(host, "http.post(URL .. '/submit', {b = 1, a = {x = true, y = {1, 2}}})")
        b = request_of(
            host, "local t = {} t.a = {y = {1, 2}, x = true} t.b = 1 http.post(URL .. '/submit', t)"
        )
        c = request_of(host, "http.post(URL .. '/submit', {b = 2, a = {x = true, y = {1, 2}}})")
    assert a["digest"] == b["digest"] != c["digest"]


@pytest.mark.parametrize(
    ("grants", "message"),
    [
        ((), "approval: no operation binding for approved index 0 ('http.post') — refusing"),
        (
            (ApprovedOp(0, "http.post", None),),
            "approval: grant for index 0 ('http.post') predates request binding — refusing",
        ),
    ],
)
def test_a_grant_without_binding_is_refused(
    rec: Recorder, grants: tuple[ApprovedOp, ...], message: str
) -> None:
    with host_for(rec, ApprovalConfig(approved=frozenset({0}), bindings=grants)) as host:
        assert error_of(host, POST).endswith(message)
    assert rec.requests == []


@pytest.mark.parametrize("raw", ["not json", '{"index": 0}', '[{"index": "0", "op": "x"}]'])
def test_malformed_bindings_fail_closed(
    rec: Recorder, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("ASSAY_APPROVED_INDICES", "0, x,")
    monkeypatch.setenv("ASSAY_APPROVED_OPS", raw)
    config = ApprovalConfig.from_env()
    assert config.approved == frozenset({0}) and config.bindings == ()
    with host_for(rec, config) as host:
        assert "no operation binding" in error_of(host, POST)
    assert rec.requests == []


def test_approval_wins_over_read_only(rec: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_READONLY", "1")
    monkeypatch.setenv("ASSAY_APPROVAL", "true")
    with LuaHost() as host:
        assert host.vm.gate is not None and host.vm.gate.mode == "approval"
        host.globals.URL = rec.url.encode()
        assert request_of(host, POST)["op"] == "http.post"


@pytest.mark.parametrize("engine", ENGINES)
def test_inside_a_coroutine_and_for_client_objects(engine: str, rec: Recorder) -> None:
    with host_for(rec, engine=engine) as host:
        text = host.run_string(
            """
            local co = coroutine.wrap(function()
              local c = http.client()
              local ok, err = pcall(c.post, c, URL .. '/submit', 'x')
              return err
            end)
            return co()
            """
        )[0]
    assert isinstance(text, str)
    request = parse_request(text)
    assert request is not None and (request["op"], request["index"]) == ("http.post", 0)
    assert rec.requests == []


def test_a_classified_read_is_neither_counted_nor_asked(rec: Recorder) -> None:
    with host_for(rec) as host:
        host.vm.http_read_classifier = lambda verb, url: url.endswith("/submit")
        assert host.run_string(f"return {POST}.status") == [201]
        assert request_of(host, "http.put(URL .. '/other', 'x')")["index"] == 0


# -- assay.rauthy ----------------------------------------------------------------------------

CREATE = (
    "c.clients:create({id = 'gate-app', name = 'Gate app', confidential = false, "
    "redirect_uris = {'https://app.example/cb'}})"
)


def rauthy_host(emu: RauthyEmulator, config: ApprovalConfig) -> LuaHost:
    host = LuaHost(mode="approval", approval=config)
    host.globals.URL = emu.url.encode()
    host.globals.KEY = emu.api_key.encode()
    host.run_string("c = require('assay.rauthy').client(URL, KEY)")
    return host


def writes(emu: RauthyEmulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.requests if r.method != "GET"]


def test_rauthy_writes_ask_one_by_one(rauthy_emulator: RauthyEmulator) -> None:
    emu = rauthy_emulator
    with rauthy_host(emu, ApprovalConfig()) as host:
        health, count = host.run_string("return c.sys:health(), #c.clients:list()")
        assert health is True and isinstance(count, int)
        first = request_of(host, CREATE)
    assert first["op"] == "http.post" and first["index"] == 0
    assert first["summary"] == emu.url + "/clients"
    assert first["headers"] == ["Authorization", "Content-Type"]
    assert emu.api_key.split("$")[1] not in json.dumps(first)
    assert writes(emu) == []
    # The replay runs the approved POST; create's PUT then asks at the next index.
    config = ApprovalConfig(approved=frozenset({0}), bindings=(grant(first),))
    with rauthy_host(emu, config) as host:
        second = request_of(host, CREATE)
    assert (second["op"], second["index"]) == ("http.put", 1)
    assert second["summary"] == emu.url + "/clients/gate-app"
    assert writes(emu) == [("POST", "/auth/v1/clients")]


def test_rauthy_refusal_names_the_call(rauthy_emulator: RauthyEmulator) -> None:
    with rauthy_host(rauthy_emulator, ApprovalConfig(denied=0)) as host:
        err = error_of(host, "c.clients:delete('gate-other')")
    assert err.endswith("rauthy DELETE /clients/gate-other: approval: http.delete denied")
    assert writes(rauthy_emulator) == []


# -- the command -----------------------------------------------------------------------------


def assay(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    base = {k: v for k, v in os.environ.items() if k not in GATE_VARS}
    return subprocess.run(
        [sys.executable, "-c", "from assay_py.cli import main; main()", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--approval-mode", "w.lua"], {}),
        (["run", "w.lua", "--approval-mode"], {}),
        (["--readonly", "--approval-mode", "w.lua"], {}),
        (["w.lua"], {"ASSAY_APPROVAL": "1"}),
    ],
)
def test_cli_request_fails_the_run_with_the_request(
    tmp_path: Path, argv: list[str], env: dict[str, str]
) -> None:
    target = tmp_path / "out.txt"
    (tmp_path / "w.lua").write_text(f'fs.write("{target}", "data")\n')
    result = assay(*argv, cwd=tmp_path, env=env)
    assert result.returncode == 1
    (line,) = [x for x in result.stderr.splitlines() if APPROVAL_REQUEST_PREFIX in x]
    request = parse_request(line)
    assert request is not None and request["op"] == "fs.write" and request["index"] == 0
    assert "readonly:" not in result.stderr
    assert not target.exists()


def test_cli_marker_variable_reads_fine(tmp_path: Path) -> None:
    result = assay(
        "--approval-mode", "exec", "-e", "print(env.get('ASSAY_APPROVAL'))", cwd=tmp_path
    )
    assert result.returncode == 0 and result.stdout == "1\n"


def test_modules_notice(tmp_path: Path) -> None:
    result = assay("modules", "--approval-mode", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1].startswith("approval mode active:")
    start = assay("-v", "--approval-mode", "exec", "-e", "print(1)", cwd=tmp_path)
    assert "readonly=false" in start.stderr
