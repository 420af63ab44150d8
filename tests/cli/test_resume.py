"""A tool-mode run that asks for approval, and ``assay-py resume`` continuing it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from tests.support.cli import assay_py

# Asks its caller, as modules of the original do: in tool mode by the approval-request
# error; on the replay the decision is in ASSAY_APPROVAL_RESULT.
ASKING = """
local function approve(prompt, context)
  local decided = env.get("ASSAY_APPROVAL_RESULT")
  if decided then return decided == "yes" end
  if env.get("ASSAY_MODE") == "tool" then
    error("__assay_approval_request__:" .. json.encode({ prompt = prompt, context = context }))
  end
  error("approval required: " .. prompt)
end
if approve("Deploy?", { env = "prod" }) then
  return { status = "deployed", target = arg[1], engine = _VERSION }
end
return { status = "rejected" }
"""


def run(cwd: Path, state: Path, *args: str, **env: str) -> Any:
    done = assay_py(*args, cwd=cwd, env={"ASSAY_STATE_DIR": str(state), **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def suspended(cwd: Path, state: Path, *extra: str) -> str:
    (cwd / "deploy.lua").write_text(ASKING)
    got = run(cwd, state, "run", "--mode", "tool", "deploy.lua", *extra)
    assert got["status"] == "needs_approval"
    token: str = got["requiresApproval"]["resumeToken"]
    return token


def test_an_approval_request_suspends_the_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "deploy.lua").write_text(ASKING)
    got = run(tmp_path, state, "run", "--mode", "tool", "deploy.lua")
    assert list(got) == ["ok", "status", "output", "requiresApproval"]
    assert (got["ok"], got["status"], got["output"]) == (True, "needs_approval", None)
    request = got["requiresApproval"]
    assert (request["prompt"], request["context"]) == ("Deploy?", {"env": "prod"})
    token = request["resumeToken"]
    assert len(token) == 32 and all(c in "0123456789abcdef" for c in token)
    saved = state / "resume" / f"{token}.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # it names the script and its args
    assert json.loads(saved.read_text())["script_path"] == str(tmp_path / "deploy.lua")


def test_yes_replays_the_script_with_its_arguments_and_spends_the_token(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = suspended(tmp_path, state, "--", "eu-west")
    got = run(tmp_path, state, "resume", "--token", token, "--approve", "yes")
    assert got["status"] == "ok"
    assert got["output"]["status"] == "deployed" and got["output"]["target"] == "eu-west"
    assert not (state / "resume" / f"{token}.json").exists()
    again = run(tmp_path, state, "resume", "--token", token, "--approve", "yes")
    assert again == {"ok": False, "status": "error", "error": "invalid resume token"}


def test_no_replays_with_the_refusal(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = suspended(tmp_path, state)
    got = run(tmp_path, state, "resume", "--token", token, "--approve", "no")
    assert (got["status"], got["output"]) == ("ok", {"status": "rejected"})


def test_the_approver_is_echoed_in_the_envelope(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = suspended(tmp_path, state)
    args = ("resume", "--token", token, "--approve", "yes", "--approver", "alice")
    got = run(tmp_path, state, *args)
    assert got["approver"] == "alice" and got["output"]["status"] == "deployed"


def test_the_replay_runs_on_the_engine_of_the_first_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = suspended(tmp_path, state, "--lua", "5.5")
    done = assay_py(
        "resume",
        "--token",
        token,
        "--approve",
        "yes",
        cwd=tmp_path,
        env={"ASSAY_STATE_DIR": str(state)},
        unset=("ASSAY_LUA",),
    )
    assert json.loads(done.stdout)["output"]["engine"] == "Lua 5.5"


def test_unknown_expired_and_path_like_tokens_are_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "resume").mkdir(parents=True)
    (state / "resume" / "old.json").write_text(
        json.dumps({"script_path": str(tmp_path / "deploy.lua"), "created_at": 0})
    )
    (tmp_path / "outside.json").write_text(
        json.dumps({"script_path": str(tmp_path / "deploy.lua"), "created_at": 2**40})
    )
    for token, message in [
        ("missing-token", "invalid resume token"),
        ("../../outside", "invalid resume token"),
        ("old", "resume token expired"),
    ]:
        got = run(tmp_path, state, "resume", "--token", token, "--approve", "yes")
        assert got == {"ok": False, "status": "error", "error": message}, token


def test_a_shorter_ttl_expires_a_fresh_token(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token = suspended(tmp_path, state)
    saved = state / "resume" / f"{token}.json"
    data = json.loads(saved.read_text())
    data["created_at"] -= 120
    saved.write_text(json.dumps(data))
    args = ("resume", "--token", token, "--approve", "yes", "--resume-ttl", "60")
    assert run(tmp_path, state, *args)["error"] == "resume token expired"
    assert run(tmp_path, state, "resume", "--token", token, "--approve", "yes")["status"] == "ok"


def test_the_state_lives_in_openclaw_state_dir_or_home(tmp_path: Path) -> None:
    (tmp_path / "deploy.lua").write_text(ASKING)
    claw = tmp_path / "claw"
    done = assay_py(
        "run", "--mode", "tool", "deploy.lua", cwd=tmp_path, env={"OPENCLAW_STATE_DIR": str(claw)}
    )
    token = json.loads(done.stdout)["requiresApproval"]["resumeToken"]
    assert (claw / "resume" / f"{token}.json").is_file()
    home = tmp_path / "home"
    done = assay_py("run", "--mode", "tool", "deploy.lua", cwd=tmp_path, env={"HOME": str(home)})
    token = json.loads(done.stdout)["requiresApproval"]["resumeToken"]
    assert (home / ".assay" / "state" / "resume" / f"{token}.json").is_file()
    replayed = assay_py(
        "resume", "--token", token, "--approve", "yes", cwd=tmp_path, env={"HOME": str(home)}
    )
    assert json.loads(replayed.stdout)["output"]["status"] == "deployed"


def test_outside_tool_mode_there_is_no_suspension(tmp_path: Path) -> None:
    (tmp_path / "deploy.lua").write_text(ASKING)
    done = assay_py("run", "deploy.lua", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == b""
    assert b"approval required: Deploy?" in done.stderr


def test_a_malformed_request_is_an_ordinary_error(tmp_path: Path) -> None:
    (tmp_path / "t.lua").write_text('error("__assay_approval_request__:{not json")')
    done = assay_py("run", "--mode", "tool", "t.lua", cwd=tmp_path)
    got = json.loads(done.stdout)
    assert got["status"] == "error" and "__assay_approval_request__:{not json" in got["error"]


def test_resume_needs_a_token_and_a_decision(tmp_path: Path) -> None:
    done = assay_py("resume", "--token", "x", "--approve", "maybe", cwd=tmp_path)
    assert done.returncode == 2 and b"'maybe' is not one of 'yes', 'no'" in done.stderr
    help_text = assay_py("resume", "--help", cwd=tmp_path).stdout.decode()
    for word in ("--token", "--approve", "--resume-ttl", "--approver", "ASSAY_STATE_DIR"):
        assert word in help_text
