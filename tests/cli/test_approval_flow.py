"""Approval mode end to end: each write suspends the tool-mode run until ``resume`` grants it.

The gate (``assay_py.host.gate``) numbers the run's writes and raises an approval request
for the first one not granted; tool mode turns that into ``needs_approval`` and ``resume``
replays the script with the grants so far. Nothing is sent before its approval.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assay_py
from tests.support.recorder import Recorder, Reply

TWO_WRITES = """
local base = arg[1]
local first = http.post(base .. "/first", { n = 1 }, { headers = { Authorization = "Bearer t0k" } })
local second = http.post(base .. "/second", fs.read("body.txt"))
return { first = first.status, second = second.status }
"""


@pytest.fixture
def server() -> Any:
    with Recorder() as rec:
        rec.on("POST", "/first", Reply(201))
        rec.on("POST", "/second", Reply(202))
        yield rec


def run(cwd: Path, *args: str, **env: str) -> Any:
    full = {"ASSAY_STATE_DIR": str(cwd / "state"), **env}
    done = assay_py(*args, cwd=cwd, env=full)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def resume(cwd: Path, envelope: Any, decision: str, *extra: str) -> Any:
    token = envelope["requiresApproval"]["resumeToken"]
    return run(cwd, "resume", "--token", token, "--approve", decision, *extra)


def start(cwd: Path, server: Recorder) -> Any:
    (cwd / "writes.lua").write_text(TWO_WRITES)
    (cwd / "body.txt").write_text("second body")
    return run(cwd, "--approval-mode", "run", "--mode", "tool", "writes.lua", "--", server.url)


def test_each_write_waits_for_its_own_approval(tmp_path: Path, server: Recorder) -> None:
    first = start(tmp_path, server)
    assert first["status"] == "needs_approval" and first["output"] is None
    request = first["requiresApproval"]
    assert (request["op"], request["index"], request["prompt"]) == (
        "http.post",
        0,
        "Approve http.post?",
    )
    assert request["summary"].startswith(server.url + "/first")
    assert request["headers"] == ["Authorization"]  # the name, never the value
    assert "t0k" not in json.dumps(first)
    assert server.requests == []

    second = resume(tmp_path, first, "yes", "--approver", "alice")
    assert second["status"] == "needs_approval"
    assert (second["requiresApproval"]["index"], second["approver"]) == (1, "alice")
    assert [r.path for r in server.requests] == ["/first"]
    # The grant travels with the chain, bound to its op and digest, with who gave it.
    token = second["requiresApproval"]["resumeToken"]
    chain = json.loads((tmp_path / "state" / "resume" / f"{token}.json").read_text())
    assert chain["approved_indices"] == [0]
    assert chain["approved_ops"] == [
        {"index": 0, "op": "http.post", "digest": request["digest"], "approver": "alice"}
    ]

    done = resume(tmp_path, second, "yes")
    assert done["status"] == "ok" and done["output"] == {"first": 201, "second": 202}
    # The replay repeats the first write (approved twice now) and makes the second.
    assert [r.path for r in server.requests] == ["/first", "/first", "/second"]


def test_a_refusal_ends_the_run_with_an_error(tmp_path: Path, server: Recorder) -> None:
    first = start(tmp_path, server)
    denied = resume(tmp_path, first, "no")
    assert denied["ok"] is False and denied["status"] == "error"
    assert "approval: http.post denied" in denied["error"]
    assert server.requests == []


def test_a_grant_does_not_cover_a_changed_request(tmp_path: Path, server: Recorder) -> None:
    first = start(tmp_path, server)
    second = resume(tmp_path, first, "yes")
    (tmp_path / "body.txt").write_text("a different body")  # what the approver saw changes
    refused = resume(tmp_path, second, "yes")
    assert refused["status"] == "error"
    assert "changed since approval" in refused["error"]
    assert [r.path for r in server.requests] == ["/first", "/first"]


def test_read_only_tool_runs_refuse_writes_in_the_envelope(
    tmp_path: Path, server: Recorder
) -> None:
    (tmp_path / "writes.lua").write_text(TWO_WRITES)
    got = run(tmp_path, "run", "--readonly", "--mode", "tool", "writes.lua", "--", server.url)
    assert (got["ok"], got["status"], got["readonly"]) == (False, "error", True)
    assert "readonly: http.post blocked" in got["error"]
    assert server.requests == []
