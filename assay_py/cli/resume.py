"""Suspending a tool-mode run at an approval request, and ``assay-py resume`` replaying it.

A script (or an approval gate) asks for a decision by raising
``__assay_approval_request__:<JSON>`` with at least a ``prompt``. Tool mode then writes a
resume state, ``<state dir>/resume/<token>.json``, and answers ``needs_approval`` with the
token. ``resume --token T --approve yes|no`` re-runs the script from the start in tool mode
with the decision in its environment:

- ``ASSAY_APPROVAL_RESULT=yes|no`` for scripts that ask themselves (``env.get``);
- under an approval gate, ``ASSAY_APPROVED_INDICES`` (comma-separated operation indices),
  ``ASSAY_APPROVED_OPS`` (JSON ``[{index, op, digest?, approver?}]``, binding each grant to
  the operation it was issued for) and, on ``no``, ``ASSAY_DENIED_INDEX``.

The state dir is ``$ASSAY_STATE_DIR``, else ``$OPENCLAW_STATE_DIR``, else
``~/.assay/state``. A token is spent once the replay ends in any state but
``needs_approval``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from assay_py.cli import _envelope

TYPE_CHECKING = False  # not typing's: see assay_py.cli
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

DEFAULT_TTL = 3600
_TOKEN_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")


class ResumeError(Exception):
    """A resume that cannot go ahead; its text is the error envelope's message."""


def state_dir() -> Path:
    for name in ("ASSAY_STATE_DIR", "OPENCLAW_STATE_DIR"):
        value = os.environ.get(name)
        if value:
            return Path(value)
    home = os.environ.get("HOME")
    if not home:
        raise ResumeError("resolving state directory: HOME is not set")
    return Path(home) / ".assay" / "state"


def suspend(path: str, args: Sequence[str], request: dict[str, Any], mode: str) -> bytes:
    """Write the resume state of a run stopped at ``request``; its ``needs_approval``
    envelope (or an error envelope when the state cannot be written)."""
    from assay_py.host._engine import engine_name
    from assay_py.host.gate.approval import ApprovalConfig

    readonly = mode == "readonly"
    granted = ApprovalConfig.from_env()  # this run's grants: the chain the replay continues
    token = secrets.token_hex(16)
    index = request.get("index")
    state = {
        "script_path": os.path.abspath(path),
        "approval_prompt": request["prompt"],
        "approval_context": request.get("context"),
        "created_at": int(time.time()),
        "ttl_secs": DEFAULT_TTL,
        "mode": "approval" if mode == "approval" else None,
        "approved_indices": sorted(granted.approved),
        "pending_index": index if isinstance(index, int) else None,
        "op": request.get("op"),
        "summary": request.get("summary"),
        "digest": request.get("digest"),
        "headers": request.get("headers") or [],
        "script_args": list(args),
        "approved_ops": [grant.as_dict() for grant in granted.bindings],
        # The replay runs on the engine this run used, whatever the resumer's default.
        "engine": engine_name(),
    }
    try:
        folder = state_dir() / "resume"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{token}.json"
        # The state names the script and its arguments: readable by its owner only.
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
    except ResumeError as exc:
        return _envelope.error(str(exc), readonly=readonly)
    except OSError as exc:
        return _envelope.error(f"writing resume state: {exc.strerror or exc}", readonly=readonly)
    requires: dict[str, Any] = {
        "prompt": request["prompt"],
        "context": request.get("context"),
        "resumeToken": token,
    }
    for key in ("op", "summary", "index", "digest"):
        if request.get(key) is not None:
            requires[key] = request[key]
    if request.get("headers"):
        requires["headers"] = request["headers"]
    return _envelope.needs_approval(requires, readonly=readonly)


def _load(path: Path, ttl: int) -> dict[str, Any]:
    if not path.is_file():
        raise ResumeError("invalid resume token")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResumeError(f"reading resume state: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ResumeError(f"parsing resume state: {exc}") from None
    if not isinstance(state, dict) or not isinstance(state.get("script_path"), str):
        raise ResumeError("parsing resume state: script_path must be a string")
    created = state.get("created_at")
    if not isinstance(created, int) or created + ttl < time.time():
        raise ResumeError("resume token expired")
    return state


def _replay_env(state: dict[str, Any], approve: str, approver: str | None) -> dict[str, str]:
    from assay_py.host.gate.approval import (
        APPROVED_INDICES_ENV,
        APPROVED_OPS_ENV,
        DENIED_INDEX_ENV,
        ApprovalConfig,
        ApprovedOp,
    )

    env = {
        **os.environ,
        "ASSAY_MODE": "tool",
        "ASSAY_APPROVAL_RESULT": approve,
        "ASSAY_STATE_DIR": str(state_dir()),
    }
    # Grants belong to the chain in the state, never to the resumer's environment.
    for name in (APPROVED_INDICES_ENV, APPROVED_OPS_ENV, DENIED_INDEX_ENV):
        env.pop(name, None)
    if state.get("mode") != "approval":
        return env
    env["ASSAY_APPROVAL"] = "1"
    # The state's grants, read by the gate's own rules (a malformed list grants nothing).
    indices = [i for i in state.get("approved_indices") or [] if isinstance(i, int)]
    chain = ApprovalConfig.from_env(
        {
            APPROVED_INDICES_ENV: ",".join(str(i) for i in indices),
            APPROVED_OPS_ENV: json.dumps(state.get("approved_ops") or []),
        }
    )
    approved, bindings, denied = set(chain.approved), list(chain.bindings), None
    pending = state.get("pending_index")
    if isinstance(pending, int) and not isinstance(pending, bool):
        if approve != "yes":
            denied = pending
        else:
            approved.add(pending)
            # The grant is bound to the operation (and digest) it was issued for: a replay
            # that reaches something else at this index is refused, not run.
            op, digest = state.get("op"), state.get("digest")
            if isinstance(op, str) and all(b.index != pending for b in bindings):
                bindings.append(
                    ApprovedOp(pending, op, digest if isinstance(digest, str) else None, approver)
                )
    env.update(ApprovalConfig(frozenset(approved), tuple(bindings), denied).env())
    return env


def resume(token: str, approve: str, *, ttl: int = DEFAULT_TTL, approver: str | None) -> bytes:
    """Replay the run suspended under ``token`` with ``approve`` (``yes``/``no``); the
    replay's envelope (with ``approver`` added when given)."""
    from assay_py.cli.tool_mode import gate_mode

    readonly = gate_mode() == "readonly"
    try:
        if not token or not set(token) <= _TOKEN_CHARACTERS:
            raise ResumeError("invalid resume token")  # and never a path out of the folder
        path = state_dir() / "resume" / f"{token}.json"
        state = _load(path, ttl)
        env = _replay_env(state, approve, approver)
    except ResumeError as exc:
        return _envelope.error(str(exc), readonly=readonly)
    command = [sys.executable, "-m", "assay_py"]
    if isinstance(state.get("engine"), str):
        command += ["--lua", state["engine"]]
    command += ["run", "--mode", "tool", state["script_path"]]
    args = [a for a in state.get("script_args") or [] if isinstance(a, str)]
    if args:
        command += ["--", *args]
    try:
        # stderr passes through: the replay's logs are the resumer's diagnostics.
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, check=False)
    except OSError as exc:
        return _envelope.error(f"spawning resume execution: {exc}", readonly=readonly)
    try:
        replayed = json.loads(done.stdout)
    except ValueError:
        replayed = None
    status = replayed.get("status") if isinstance(replayed, dict) else None
    if done.returncode == 0 and status != "needs_approval":
        path.unlink(missing_ok=True)
    if approver is not None and isinstance(replayed, dict):
        replayed["approver"] = approver
        return json.dumps(replayed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return bytes(done.stdout)
