"""Read-only mode (``--readonly``, ``ASSAY_READONLY``, ``LuaHost(mode="readonly")``).

Every write of the mutating surface raises ``readonly: <name> blocked (write operations are
disabled in read-only mode)`` and sends nothing; reads keep working. Globals are installed on
first use, so each case starts from a fresh host: the gate must hold for a global that arrives
late, inside a coroutine, and against a script that tries to reach the builtin another way.
Most cases run on this run's engine (``ASSAY_LUA``); the ways round the gate run on both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost
from assay_py.host.errors import LuaScriptError
from tests.support.recorder import Recorder, Reply

BLOCKED = "blocked (write operations are disabled in read-only mode)"
ENGINES = ("luajit", "5.5")
GATE_VARS = (
    "ASSAY_READONLY",
    "ASSAY_APPROVAL",
    "ASSAY_APPROVED_INDICES",
    "ASSAY_APPROVED_OPS",
    "ASSAY_DENIED_INDEX",
)


def blocked(name: str) -> str:
    return f"readonly: {name} {BLOCKED}"


@pytest.fixture(autouse=True)
def _no_mode_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GATE_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ro() -> Iterator[LuaHost]:
    with LuaHost(mode="readonly") as host:
        yield host


@pytest.fixture
def rec() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


def run(host: LuaHost, code: str) -> list[object]:
    return host.run_string(code)


def error_of(host: LuaHost, code: str) -> str:
    """The error text of a chunk that must fail (run unprotected, as a script would)."""
    with pytest.raises(LuaScriptError) as caught:
        host.run_string(code)
    return caught.value.message


# -- reads work ------------------------------------------------------------------------------


def test_reads_work(ro: LuaHost, rec: Recorder, tmp_path: Path) -> None:
    rec.on("GET", "/health", Reply(200, {"status": "ok"}))
    data = tmp_path / "data.txt"
    data.write_text("hello")
    ro.globals.URL = rec.url.encode()
    ro.globals.P = str(data).encode()
    ro.globals.D = str(tmp_path).encode()
    assert run(
        ro,
        """
        local r = http.get(URL .. "/health")
        assert.eq(json.parse(r.body).status, "ok")
        local c = http.client({timeout = 2})
        assert.eq(c:get(URL .. "/health").status, 200)
        assert.eq(fs.read(P), "hello")
        assert.eq(fs.exists(P), true)
        assert.not_nil(fs.stat(P))
        assert.not_nil(fs.list(D))
        assert.eq(type(env.get("PATH")), "string")
        assert.not_nil(env.list())
        local f = io.open(P, "r")
        local text = f:read("*a")
        f:close()
        assert.eq(io.output() ~= nil, true)
        return text
        """,
    ) == ["hello"]
    assert [r.method for r in rec.requests] == ["GET", "GET"]


# -- writes are blocked, and nothing leaves --------------------------------------------------


def test_http_writes_blocked_and_nothing_is_sent(ro: LuaHost, rec: Recorder) -> None:
    rec.on("POST", "/x", Reply(201))
    ro.globals.URL = rec.url.encode()
    assert error_of(ro, 'http.post(URL .. "/x", "{}")') == "<string>:1: " + blocked("http.post")
    for name in ("put", "patch", "delete", "serve", "serve_with_extra", "download"):
        ok, err = run(ro, f"return pcall(http.{name}, URL .. '/x', '{{}}')")
        assert ok is False
        assert err == blocked(f"http.{name}")
    assert run(ro, "return type(http.get), type(http.client)") == ["function", "function"]
    assert rec.requests == []


def test_http_client_objects_allow_only_get(ro: LuaHost, rec: Recorder) -> None:
    rec.on("GET", "/r", Reply(200, "read"))
    ro.globals.URL = rec.url.encode()
    for verb in ("post", "put", "patch", "delete"):
        message = error_of(
            ro, f'local c = http.client({{timeout = 2}}) c:{verb}(URL .. "/w", "{{}}")'
        )
        assert message.endswith(blocked(f"http.{verb}")), message
    assert run(ro, 'return http.client():get(URL .. "/r").body') == ["read"]
    assert [(r.method, r.path) for r in rec.requests] == [("GET", "/r")]


def test_shell_and_process_are_gated_as_whole_tables(ro: LuaHost, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    ro.globals.CMD = f"touch {marker}".encode()
    ok, err = run(ro, "return pcall(shell.exec, CMD)")
    assert (ok, err) == (False, blocked("shell.exec"))
    names = run(ro, "local n = {} for k in pairs(process) do n[#n + 1] = k end return n")[0]
    assert isinstance(names, list)
    assert {"list", "is_running", "kill", "spawn", "wait", "spawn_pty"} <= set(names)
    for name in names:
        ok, err = run(ro, f"return pcall(process.{name}, {{cmd = CMD}})")
        assert (ok, err) == (False, blocked(f"process.{name}"))
    assert not marker.exists()


def test_fs_writes_blocked_file_untouched(ro: LuaHost, tmp_path: Path) -> None:
    target = tmp_path / "data.txt"
    target.write_text("kept")
    ro.globals.P = str(target).encode()
    for name in (
        "write",
        "write_bytes",
        "remove",
        "rename",
        "copy",
        "chmod",
        "mkdir",
        "tempdir",
        "sub_in_file",
    ):
        ok, err = run(ro, f"return pcall(fs.{name}, P, 'x')")
        assert (ok, err) == (False, blocked(f"fs.{name}"))
    assert target.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]


def test_env_set_blocked_env_get_works(ro: LuaHost) -> None:
    ok, err = run(ro, "return pcall(env.set, 'GATE_TEST_VAR', '1')")
    assert (ok, err) == (False, blocked("env.set"))
    assert "GATE_TEST_VAR" not in os.environ
    assert run(ro, "return env.get('GATE_TEST_VAR')") == [None]


def test_db_ws_archives_and_disk(ro: LuaHost, tmp_path: Path) -> None:
    ro.globals.D = str(tmp_path).encode()
    for call, name in (
        ("db.execute, nil, 'DELETE FROM t'", "db.execute"),
        ("ws.connect, 'ws://127.0.0.1:1/socket'", "ws.connect"),
        ("tar.create, D .. '/a.tar', {}", "tar.create"),
        ("tar.extract, D .. '/a.tar', D", "tar.extract"),
        ("compress.untar, 'x', D, {}", "compress.untar"),
        ("disk.sweep, D, 0", "disk.sweep"),
    ):
        ok, err = run(ro, f"return pcall({call})")
        assert (ok, err) == (False, blocked(name))
    # Their read halves stay.
    assert (
        run(
            ro,
            "return type(db.query), type(db.connect), type(tar.list), type(compress.gunzip),"
            " type(disk.usage), type(ws.recv)",
        )
        == ["function"] * 6
    )
    assert list(tmp_path.iterdir()) == []


def test_lua_io_and_os_writes_blocked(ro: LuaHost, tmp_path: Path) -> None:
    target = tmp_path / "readable.txt"
    target.write_text("line")
    ro.globals.P = str(target).encode()
    for call, name in (
        ("io.popen, 'echo hi'", "io.popen"),
        ("io.open, P, 'w'", "io.open"),
        ("io.open, P, 'a'", "io.open"),
        ("io.open, P, 'r+'", "io.open"),
        ("io.open, P, 'wb'", "io.open"),
        ("io.output, P", "io.output"),
        ("os.remove, P", "os.remove"),
        ("os.rename, P, P .. '2'", "os.rename"),
        ("os.execute, 'true'", "os.execute"),
        ("os.tmpname", "os.tmpname"),
    ):
        ok, err = run(ro, f"return pcall({call})")
        assert (ok, err) == (False, blocked(name))
    assert run(ro, "local f = io.open(P, 'rb') local l = f:read('*l') f:close() return l") == [
        "line"
    ]
    assert target.read_text() == "line"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readable.txt"]


# -- no way round it ------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_no_way_round_the_gate(engine: str, rec: Recorder, tmp_path: Path) -> None:
    rec.on("POST", "/x", Reply(201))
    target = tmp_path / "out.txt"
    with LuaHost(engine=engine, mode="readonly") as host:
        host.globals.URL = rec.url.encode()
        host.globals.P = str(target).encode()
        results = run(
            host,
            """
            local out = {}
            local function try(label, fn, ...)
              local ok, err = pcall(fn, ...)
              out[#out + 1] = label .. "=" .. tostring(ok) .. ":" .. tostring(err)
            end
            -- a reference to the table taken before its first use (still the placeholder)
            local early_fs, early_http = fs, http
            try("early", function() return early_fs.write(P, "x") end)
            -- a function saved before the call, and rawget past any metatable
            local saved = http.post
            try("saved", saved, URL .. "/x", "{}")
            try("rawget", rawget(early_http, "put"), URL .. "/x", "{}")
            -- whatever pairs finds in the table
            for k, v in pairs(fs) do
              if k == "write" then try("pairs", v, P, "x") end
            end
            -- a client object's method, fetched raw
            local c = http.client()
            try("client", rawget(c, "post"), c, URL .. "/x", "{}")
            -- a fresh chunk with its own environment
            local chunk = load("return fs.write(...)", "x", "t", {fs = fs})
            try("load", chunk, P, "x")
            return out
            """,
        )[0]
    assert isinstance(results, list)
    for line in results:
        assert isinstance(line, str)
        assert ":readonly: " in line and BLOCKED in line, line
    assert [r.split("=")[0] for r in results] == [
        "early",
        "saved",
        "rawget",
        "pairs",
        "client",
        "load",
    ]
    assert rec.requests == []
    assert not target.exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_gate_holds_for_a_global_first_used_inside_a_coroutine(engine: str, tmp_path: Path) -> None:
    with LuaHost(engine=engine, mode="readonly") as host:
        host.globals.P = str(tmp_path / "x").encode()
        results = run(
            host,
            """
            local co = coroutine.create(function()
              local ok, err = pcall(fs.write, P, "x")       -- fs installs here
              coroutine.yield(err)
              return select(2, pcall(tar.create, P, {}))
            end)
            local _, first = coroutine.resume(co)
            local _, second = coroutine.resume(co)
            collectgarbage()
            -- and after that coroutine is gone, from the main chunk
            return first, second, select(2, pcall(fs.write, P, "y"))
            """,
        )
    assert results == [blocked("fs.write"), blocked("tar.create"), blocked("fs.write")]
    assert not (tmp_path / "x").exists()


# -- how the mode is chosen ------------------------------------------------------------------


def test_mode_off_writes_work(rec: Recorder, tmp_path: Path) -> None:
    rec.on("POST", "/submit", Reply(201))
    target = tmp_path / "out.txt"
    with LuaHost() as host:
        assert host.vm.gate is None
        host.globals.URL = rec.url.encode()
        host.globals.P = str(target).encode()
        assert run(host, "fs.write(P, 'w') return http.post(URL .. '/submit', '{}').status") == [
            201
        ]
    assert target.read_text() == "w"


@pytest.mark.parametrize("value", ["1", "true", " true "])
def test_env_var_turns_read_only_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("ASSAY_READONLY", value)
    with LuaHost() as host:
        host.globals.P = str(tmp_path / "x").encode()
        assert run(host, "return select(2, pcall(fs.write, P, 'x'))") == [blocked("fs.write")]


@pytest.mark.parametrize("value", ["0", "false", "yes", "TRUE", ""])
def test_other_env_values_leave_it_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("ASSAY_READONLY", value)
    with LuaHost() as host:
        host.globals.P = str(tmp_path / "x").encode()
        run(host, "fs.write(P, 'x')")
    assert (tmp_path / "x").read_text() == "x"


def test_an_explicit_mode_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASSAY_READONLY", "1")
    with LuaHost(mode="unrestricted") as host:
        host.globals.P = str(tmp_path / "x").encode()
        run(host, "fs.write(P, 'x')")
    assert (tmp_path / "x").exists()


def test_unknown_mode_is_named() -> None:
    with pytest.raises(ValueError, match="unknown gate mode 'readnoly'"):
        LuaHost(mode="readnoly")  # type: ignore[arg-type]


# -- the policy seam -------------------------------------------------------------------------


def test_a_classifier_lets_one_exact_write_through(ro: LuaHost, rec: Recorder) -> None:
    rec.on("POST", "/token", Reply(200, "tok"))
    rec.on("POST", "/other", Reply(200))
    seen: list[tuple[str, str]] = []

    def classify(verb: str, url: str) -> bool:
        seen.append((verb, url))
        return verb == "post" and url == rec.url + "/token"

    ro.vm.http_read_classifier = classify
    ro.globals.URL = rec.url.encode()
    assert run(ro, "return http.post(URL .. '/token', 'x').body") == ["tok"]
    assert run(ro, "return http.client():post(URL .. '/token', 'x').body") == ["tok"]
    ok, err = run(ro, "return pcall(http.post, URL .. '/other', 'x')")
    assert (ok, err) == (False, blocked("http.post"))
    assert [r.path for r in rec.requests] == ["/token", "/token"]
    assert ("post", rec.url + "/other") in seen


# -- assay.rauthy ----------------------------------------------------------------------------

RAUTHY_SETUP = """
local rauthy = require("assay.rauthy")
c = rauthy.client(URL, KEY)
"""


@pytest.fixture
def rauthy_ro(rauthy_emulator: RauthyEmulator) -> Iterator[LuaHost]:
    with LuaHost(mode="readonly") as host:
        host.globals.URL = rauthy_emulator.url.encode()
        host.globals.KEY = rauthy_emulator.api_key.encode()
        host.run_string(RAUTHY_SETUP)
        yield host


def test_rauthy_reads_work(rauthy_ro: LuaHost, rauthy_emulator: RauthyEmulator) -> None:
    health, issuer, keys, count, missing = run(
        rauthy_ro,
        """
        return c.sys:health(), c.discovery:config().issuer, type(c.discovery:jwks().keys),
          #c.clients:list(), c.clients:get("absent")
        """,
    )
    assert health is True
    assert isinstance(issuer, str) and issuer.startswith("http://127.0.0.1")
    assert keys == "table"
    assert isinstance(count, int) and count >= 1
    assert missing is None
    assert {r.method for r in rauthy_emulator.requests} == {"GET"}


PAYLOAD = (
    "{id = 'gate-app', name = 'Gate app', confidential = false, "
    "redirect_uris = {'https://app.example/cb'}}"
)


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (f"c.clients:create({PAYLOAD})", "POST", "/clients"),
        (f"c.clients:reconcile({PAYLOAD})", "POST", "/clients"),
        ("c.clients:delete('gate-other')", "DELETE", "/clients/gate-other"),
        ("c.clients:get_secret('rauthy')", "POST", "/clients/rauthy/secret"),
        ("c.clients:rotate_secret('rauthy')", "PUT", "/clients/rauthy/secret"),
        ("c.scopes:reconcile({name = 'gate_scope'})", "POST", "/scopes"),
    ],
)
def test_rauthy_writes_blocked_naming_the_call(
    rauthy_ro: LuaHost, rauthy_emulator: RauthyEmulator, call: str, method: str, path: str
) -> None:
    ok, err = run(rauthy_ro, f"return pcall(function() return {call} end)")
    assert ok is False
    assert isinstance(err, str)
    verb = method.lower()
    assert err.endswith(f"rauthy {method} {path}: {blocked('http.' + verb)}"), err
    assert [r for r in rauthy_emulator.requests if r.method != "GET"] == []


def test_rauthy_apply_is_refused_before_it_starts(
    rauthy_ro: LuaHost, rauthy_emulator: RauthyEmulator
) -> None:
    before = len(rauthy_emulator.requests)
    ok, err = run(
        rauthy_ro, f"return pcall(function() return c:apply({{clients = {{{PAYLOAD}}}}}) end)"
    )
    assert ok is False
    assert isinstance(err, str) and err.endswith(blocked("rauthy apply"))
    ok, err = run(rauthy_ro, f"return pcall(function() return c.clients:apply({{{PAYLOAD}}}) end)")
    assert isinstance(err, str) and err.endswith(blocked("rauthy clients:apply"))
    assert len(rauthy_emulator.requests) == before


def test_rauthy_plan_and_dry_run_work(rauthy_ro: LuaHost, rauthy_emulator: RauthyEmulator) -> None:
    (action,) = run(rauthy_ro, f"return c.clients:reconcile({PAYLOAD}, {{dry_run = true}}).action")
    assert action == "create"
    assert {r.method for r in rauthy_emulator.requests} == {"GET"}


# -- the command -----------------------------------------------------------------------------

PROBE = """
local ok, err = pcall(fs.write, "{path}", "x")
assert.eq(ok, false)
assert.contains(err, "readonly: fs.write blocked")
print("readonly-ok")
"""


def assay(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in GATE_VARS}
    return subprocess.run(
        [sys.executable, "-c", "from assay_py.cli import main; main()", *args],
        cwd=cwd,
        env={**full_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--readonly", "probe.lua"],
        ["run", "--readonly", "probe.lua"],
        ["run", "probe.lua", "--readonly"],
        ["--readonly", "exec", "probe.lua"],
        ["exec", "--readonly", "probe.lua"],
        ["--lua", "5.5", "--readonly", "run", "probe.lua"],
        ["run", "--readonly", "--emulator", "probe.lua", "--", "arg1"],
    ],
)
def test_cli_flag_in_any_position(tmp_path: Path, argv: list[str]) -> None:
    target = tmp_path / "never"
    (tmp_path / "probe.lua").write_text(PROBE.format(path=target))
    result = assay(*argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "readonly-ok\n"
    assert not target.exists()


def test_cli_flag_through_click_commands(tmp_path: Path) -> None:
    # `run --help`-style parsing goes through click; the flag must read the same there.
    target = tmp_path / "never"
    (tmp_path / "probe.lua").write_text(PROBE.format(path=target))
    result = assay("-v", "run", "--readonly", "--lua=luajit", "probe.lua", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "readonly-ok" in result.stdout


def test_cli_env_var(tmp_path: Path) -> None:
    (tmp_path / "probe.lua").write_text(PROBE.format(path=tmp_path / "never"))
    result = assay("probe.lua", cwd=tmp_path, env={"ASSAY_READONLY": "true"})
    assert result.returncode == 0, result.stderr


def test_cli_blocked_write_fails_the_script(tmp_path: Path) -> None:
    (tmp_path / "w.lua").write_text('shell.exec("echo hi")\n')
    result = assay("--readonly", "w.lua", cwd=tmp_path)
    assert result.returncode == 1
    assert f"w.lua:1: {blocked('shell.exec')}" in result.stderr
    assert "hi" not in result.stdout


@pytest.mark.parametrize(
    ("env", "flag", "shown"),
    [({}, [], "false"), ({}, ["--readonly"], "true"), ({"ASSAY_READONLY": "1"}, [], "true")],
)
def test_verbose_start_line_says_readonly(
    tmp_path: Path, env: dict[str, str], flag: list[str], shown: str
) -> None:
    result = assay("-v", *flag, "exec", "-e", "print(1)", cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert f"starting assay-py (script mode) script=<eval> readonly={shown}\n" in result.stderr


def test_modules_notice(tmp_path: Path) -> None:
    on = assay("modules", "--readonly", cwd=tmp_path)
    assert on.returncode == 0
    assert on.stdout.splitlines()[-2:] == [
        "",
        "read-only mode active: writes raise 'readonly: <name> blocked (...)' errors",
    ]
    off = assay("modules", cwd=tmp_path)
    assert "read-only mode active" not in off.stdout
    # JSON stays JSON.
    assert "mode active" not in assay("--readonly", "modules", "--json", cwd=tmp_path).stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_a_policy_rule_classified_read_passes_read_only(engine: str, rec: Recorder) -> None:
    from assay_py.host.policy import Policy

    rec.on("POST", "/v3/auth/tokens", Reply(201, "token"))
    rec.on("POST", "/v3/other", Reply(201))
    policy = Policy.from_text(
        """
version: 1
http:
  rules:
    - hosts: ["127.0.0.1"]
      methods: [POST]
      paths: [/v3/auth/tokens]
      classify: read
    - hosts: ["127.0.0.1"]
      methods: [POST]
      paths: [/v3/other]
"""
    )
    with LuaHost(engine=engine, policy=policy, mode="readonly") as host:
        host.globals.URL = rec.url.encode()
        assert run(host, "return http.post(URL .. '/v3/auth/tokens', 'x').body") == ["token"]
        assert run(host, "return http.client():post(URL .. '/v3/auth/tokens', 'x').status") == [201]
        ok, err = run(host, "return pcall(http.post, URL .. '/v3/other', 'x')")
        assert (ok, err) == (False, blocked("http.post"))
    assert [r.path for r in rec.requests] == ["/v3/auth/tokens", "/v3/auth/tokens"]


@pytest.mark.parametrize(
    ("argv", "env", "words"),
    [
        (["--readonly", "rauthy", "apply", "clients.yaml"], {}, "read-only mode"),
        (["rauthy", "rotate", "app", "--no-publish"], {"ASSAY_READONLY": "1"}, "read-only mode"),
        (["--approval-mode", "rauthy", "apply", "clients.yaml"], {}, "is for Lua scripts"),
    ],
)
def test_rauthy_commands_that_write_refuse_under_a_mode(
    tmp_path: Path,
    rauthy_emulator: RauthyEmulator,
    argv: list[str],
    env: dict[str, str],
    words: str,
) -> None:
    (tmp_path / "clients.yaml").write_text("clients: []\n")
    connection = {"RAUTHY_URL": rauthy_emulator.url, "RAUTHY_API_KEY": rauthy_emulator.api_key}
    result = assay(*argv, cwd=tmp_path, env={**connection, **env})
    assert result.returncode == 1
    assert f"rauthy {argv[argv.index('rauthy') + 1]}: " in result.stderr
    assert words in result.stderr
    assert rauthy_emulator.requests == []
