"""Tool mode through the real command: one JSON envelope on stdout, exit status 0."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assay_py
from tests.support.engines import per_engine
from tests.support.recorder import Recorder, Reply

CAP = 512 * 1024


def tool(cwd: Path, source: str, *args: str, env: dict[str, str] | None = None) -> bytes:
    """Run ``source`` as t.lua with ``run --mode tool``; its stdout (the exit must be 0)."""
    (cwd / "t.lua").write_text(source)
    done = assay_py("run", "--mode", "tool", *args, "t.lua", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def envelope(cwd: Path, source: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return json.loads(tool(cwd, source, *args, env=env))


def test_the_return_value_is_the_output_of_an_ok_envelope(tmp_path: Path) -> None:
    out = tool(tmp_path, 'return { message = "ok", values = {1, 2, 3}, none = {} }')
    assert out == (
        b'{"ok":true,"status":"ok","output":{"message":"ok","none":{},"values":[1,2,3]},'
        b'"requiresApproval":null}'
    )


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("local x = 1", None),
        ('return "hello from tool mode"', "hello from tool mode"),
        ("return true, 'only the first value counts'", True),
        ("return json.array({})", []),
        ("return 10 / 4", 2.5),
    ],
)
def test_any_json_value_can_be_the_output(tmp_path: Path, source: str, output: Any) -> None:
    assert envelope(tmp_path, source)["output"] == output


def test_numbers_keep_the_engine_s_shape(tmp_path: Path) -> None:
    # Lua 5.5 knows 10/2 is a float (5.0), as the original prints it; LuaJIT has no subtype.
    assert per_engine(b'"output":5,', b'"output":5.0,') in tool(tmp_path, "return 10 / 2")


def test_a_value_json_cannot_hold_is_an_error_envelope(tmp_path: Path) -> None:
    got = envelope(tmp_path, "return { f = print }")
    assert got["ok"] is False and got["status"] == "error"
    assert got["error"].startswith("serializing Lua result: ")
    assert "function" in got["error"]


def test_an_error_is_an_error_envelope_with_the_traceback(tmp_path: Path) -> None:
    got = envelope(tmp_path, "local function f()\n  error('boom')\nend\nf()\n")
    assert list(got) == ["ok", "status", "error"]
    assert (got["ok"], got["status"]) == (False, "error")
    assert got["error"].startswith("t.lua:2: boom\nstack traceback:")
    assert "t.lua:4: in main chunk" in got["error"]


def test_a_syntax_error_is_an_error_envelope(tmp_path: Path) -> None:
    got = envelope(tmp_path, "return (")
    assert got["status"] == "error"
    assert got["error"].startswith("syntax error: t.lua:1:")


def test_assay_mode_env_selects_tool_mode_for_run_the_bare_file_and_exec(tmp_path: Path) -> None:
    (tmp_path / "t.lua").write_text("return { enabled = true }")
    (tmp_path / "t.txt").write_text("return { any_extension = true }")
    mode = {"ASSAY_MODE": "tool"}
    for argv in (["run", "t.lua"], ["t.lua"], ["exec", "t.lua"], ["exec", "t.txt"]):
        done = assay_py(*argv, cwd=tmp_path, env=mode)
        assert done.returncode == 0, (argv, done.stderr)
        assert json.loads(done.stdout)["ok"] is True, argv
    # --mode script wins over the variable; inline code has no tool mode.
    done = assay_py("run", "--mode", "script", "t.lua", cwd=tmp_path, env=mode)
    assert (done.returncode, done.stdout) == (0, b"")
    done = assay_py("exec", "-e", "print('plain')", cwd=tmp_path, env=mode)
    assert (done.returncode, done.stdout) == (0, b"plain\n")


def test_stdout_holds_the_envelope_alone(tmp_path: Path) -> None:
    (tmp_path / "t.lua").write_text(
        'print("printed")\nio.write("written\\n")\nlog.info("logged")\nreturn { ok = true }\n'
    )
    done = assay_py("run", "--mode", "tool", "t.lua", cwd=tmp_path)
    assert done.stdout == b'{"ok":true,"status":"ok","output":{"ok":true},"requiresApproval":null}'
    for line in (b"printed", b"written", b"logged"):
        assert line in done.stderr


def test_the_script_knows_it_runs_as_a_tool_and_gets_its_arguments(tmp_path: Path) -> None:
    got = envelope(
        tmp_path,
        'return { mode = env.get("ASSAY_MODE"), args = arg, n = #arg }',
    )
    assert got["output"] == {"mode": "tool", "args": {"0": "t.lua"}, "n": 0}
    (tmp_path / "a.lua").write_text("return { arg[0], arg[1], arg[2] }")
    done = assay_py("run", "--mode", "tool", "a.lua", "--", "prod", "--flag", cwd=tmp_path)
    assert json.loads(done.stdout)["output"] == ["a.lua", "prod", "--flag"]


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        ("os.exit()", b'{"ok":true,"status":"ok","output":null,"requiresApproval":null}'),
        ("os.exit(0, true)", b'{"ok":true,"status":"ok","output":null,"requiresApproval":null}'),
        ("os.exit(3)", b'{"ok":false,"status":"error","error":"the script called os.exit(3)"}'),
        ("os.exit(false)", b'{"ok":false,"status":"error","error":"the script called os.exit(1)"}'),
    ],
)
def test_os_exit_still_answers_with_one_envelope_and_exit_0(
    tmp_path: Path, call: str, answer: bytes
) -> None:
    assert tool(tmp_path, f"print('before')\n{call}\nreturn 'never reached'") == answer


def test_line_numbers_are_the_file_s_own(tmp_path: Path) -> None:
    got = envelope(tmp_path, "#!/usr/bin/env assay-py\n\nerror('third line')\n")
    assert got["error"].startswith("t.lua:3: third line")


def test_a_run_past_its_timeout_is_a_timeout_envelope(tmp_path: Path) -> None:
    out = tool(tmp_path, "sleep(30)\nreturn 1", "--timeout", "1")
    assert out == b'{"ok":false,"status":"timeout","error":"execution timed out after 1s"}'


def test_a_busy_lua_loop_is_stopped_too(tmp_path: Path) -> None:
    (tmp_path / "t.lua").write_text("print('started')\nlocal n = 0\nwhile true do n = n + 1 end\n")
    done = assay_py("run", "--timeout=1", "t.lua", cwd=tmp_path, env={"ASSAY_MODE": "tool"})
    assert done.returncode == 0
    assert json.loads(done.stdout)["error"] == "execution timed out after 1s"
    assert b"started" in done.stderr


def test_an_output_that_fits_the_cap_is_whole(tmp_path: Path) -> None:
    overhead = len(b'{"ok":true,"status":"ok","output":"","requiresApproval":null}')
    out = tool(tmp_path, f'return string.rep("a", {CAP - overhead})')
    assert len(out) == CAP
    assert b"truncated" not in out
    assert json.loads(out)["output"] == "a" * (CAP - overhead)


def test_one_byte_more_and_the_output_is_cut_to_the_cap(tmp_path: Path) -> None:
    overhead = len(b'{"ok":true,"status":"ok","output":"","requiresApproval":null}')
    out = tool(tmp_path, f'return string.rep("a", {CAP - overhead + 1})')
    assert len(out) <= CAP
    got = json.loads(out)
    assert got["truncated"] is True and got["ok"] is True
    # The output is now the start of the value's JSON text, marked with "...".
    assert got["output"].startswith('"aaaa') and got["output"].endswith("a...")
    # As long as the cap allows: one more character would not fit.
    assert len(out) > CAP - 2


def test_a_cut_never_splits_a_character_or_an_escape(tmp_path: Path) -> None:
    out = tool(tmp_path, 'return { text = string.rep("é\\n", 300000) }')
    assert len(out) <= CAP
    got = json.loads(out.decode("utf-8"))  # whole characters only, or this raises
    assert got["truncated"] is True
    text = got["output"]
    assert text.startswith('{"text":"é\\né\\n') and text.endswith("...")
    assert len(out) > CAP - len("\\\\n")


def test_read_only_runs_say_so(tmp_path: Path) -> None:
    out = tool(tmp_path, "return 1", env={"ASSAY_READONLY": "1"})
    assert out == b'{"ok":true,"status":"ok","output":1,"requiresApproval":null,"readonly":true}'
    got = envelope(tmp_path, "error('x')", env={"ASSAY_READONLY": "true"})
    assert got["readonly"] is True and got["status"] == "error"


def test_a_missing_script_is_a_plain_error(tmp_path: Path) -> None:
    done = assay_py("run", "--mode", "tool", "nope.lua", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr == b"error: reading nope.lua: No such file or directory\n"


def test_bad_mode_and_timeout_values_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "t.lua").write_text("return 1")
    done = assay_py("run", "--mode", "approval", "t.lua", cwd=tmp_path)
    assert done.returncode == 2 and b"'approval' is not one of 'tool', 'script'" in done.stderr
    done = assay_py("run", "--mode", "tool", "--timeout", "soon", "t.lua", cwd=tmp_path)
    assert done.returncode == 2 and b"--timeout" in done.stderr


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_password_of_a_url_reaches_an_error_envelope(tmp_path: Path) -> None:
    url = f"http://admin:hunter2@127.0.0.1:{_closed_port()}/x?token=s3cr3t"
    out = tool(tmp_path, f'return http.get("{url}")')
    got = json.loads(out)
    assert got["status"] == "error" and "http.get failed" in got["error"]
    assert b"hunter2" not in out and b"s3cr3t" not in out


def test_no_api_key_reaches_an_error_envelope(tmp_path: Path) -> None:
    key = "tool-key$Zm9vYmFyLXNlY3JldC12YWx1ZQ"
    secret = key.split("$", 1)[1]
    with Recorder() as rec:
        # A server that repeats the key it was sent: the error must still not carry it.
        rec.on(
            "GET",
            "/clients/app",
            lambda r: Reply(
                400, {"error": "BadRequest", "message": f"bad {r.headers['authorization']}"}
            ),
        )
        out = tool(
            tmp_path,
            f'local c = require("assay.rauthy").client("{rec.url}", "{key}")\n'
            'return c.clients:get("app")\n',
        )
    got = json.loads(out)
    assert got["status"] == "error" and "HTTP 400" in got["error"]
    assert secret.encode() not in out
