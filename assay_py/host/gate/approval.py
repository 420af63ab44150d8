"""Approval mode: every write gets an index, and runs only when that index was approved.

The approval request
--------------------
A write whose index is not approved is not run. It raises a Lua error whose text is
``APPROVAL_REQUEST_PREFIX`` followed by one line of JSON (keys sorted, no spaces)::

    __assay_approval_request__:{"digest":"<sha256 hex>","headers":["Authorization"],
                                "index":0,"op":"http.post","prompt":"Approve http.post?",
                                "summary":"http://host/submit"}

- ``index``: the write's position among this run's writes (0, 1, ...). Every gated call takes
  the next index, approved or not, so a replay with one more approval gets one write further.
- ``op``: the operation, as the surface names it (``http.post``, ``fs.write``, ``io.open``).
- ``summary``: its salient argument (URL, path, command), cut to 200 characters + ``...``.
- ``digest``: :func:`~assay_py.host.gate.digest.operation_digest` of the op and its
  arguments; a grant binds to it.
- ``headers``: the *names* of request headers given in a ``headers`` table (values never).
- ``prompt``: ``Approve <op>?``.

The error carries no ``chunk:line:`` prefix, so the text starts with the prefix; a script that
catches it and raises it again may add one, so a reader should look for the prefix anywhere
and take the JSON up to the end of that line (:func:`parse_request` does).

Granting (the environment of the replay)
----------------------------------------
- ``ASSAY_APPROVED_INDICES``: comma-separated approved indices (``0,1``).
- ``ASSAY_APPROVED_OPS``: JSON list of ``{"index": n, "op": "http.post", "digest": "...",
  "approver": "..."?}``, what each grant was issued for. An approved index runs only when its
  binding names the same op and digest; otherwise the call fails for good (no new request).
  Missing or malformed: every grant is refused (fail closed).
- ``ASSAY_DENIED_INDEX``: one index that fails with ``approval: <op> denied``.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

APPROVAL_REQUEST_PREFIX = "__assay_approval_request__:"
APPROVED_INDICES_ENV = "ASSAY_APPROVED_INDICES"
APPROVED_OPS_ENV = "ASSAY_APPROVED_OPS"
DENIED_INDEX_ENV = "ASSAY_DENIED_INDEX"


@dataclass(frozen=True)
class ApprovedOp:
    """One grant: the index it was issued for, and the op and digest it approved."""

    index: int
    op: str
    digest: str | None = None
    approver: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "op": self.op}
        if self.digest is not None:
            out["digest"] = self.digest
        if self.approver is not None:
            out["approver"] = self.approver
        return out


@dataclass(frozen=True)
class ApprovalConfig:
    """What a run may do: approved indices, their bindings, and at most one denied index."""

    approved: frozenset[int] = frozenset()
    bindings: tuple[ApprovedOp, ...] = ()
    denied: int | None = None

    @classmethod
    def from_env(cls, environ: Any = None) -> ApprovalConfig:
        env = os.environ if environ is None else environ
        return cls(
            approved=frozenset(_indices(env.get(APPROVED_INDICES_ENV, ""))),
            bindings=tuple(_bindings(env.get(APPROVED_OPS_ENV))),
            denied=_index(env.get(DENIED_INDEX_ENV)),
        )

    def env(self) -> dict[str, str]:
        """The environment a replay needs to see this config (for the resume machinery)."""
        out = {
            APPROVED_INDICES_ENV: ",".join(str(i) for i in sorted(self.approved)),
            APPROVED_OPS_ENV: json.dumps([b.as_dict() for b in self.bindings]),
        }
        if self.denied is not None:
            out[DENIED_INDEX_ENV] = str(self.denied)
        return out


def _index(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


def _indices(text: str) -> list[int]:
    return [i for i in (_index(part) for part in text.split(",")) if i is not None]


def _bindings(text: str | None) -> list[ApprovedOp]:
    if not text:
        return []
    try:
        raw = json.loads(text)
    except ValueError:
        return []
    if not isinstance(raw, list):
        return []
    out = []
    for item in raw:
        if not isinstance(item, dict):
            return []
        index, op = item.get("index"), item.get("op")
        digest, approver = item.get("digest"), item.get("approver")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            return []
        if not isinstance(op, str) or not isinstance(digest, (str, type(None))):
            return []
        out.append(ApprovedOp(index, op, digest, approver if isinstance(approver, str) else None))
    return out


@dataclass
class ApprovalGate:
    """The per-VM counter and the decision for each write."""

    config: ApprovalConfig = field(default_factory=ApprovalConfig)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, op: str, summary: str, digest: str, headers: list[str]) -> str | None:
        """None to run the write; else the error text (a request, or a refusal)."""
        with self._lock:  # rauthy's parallel apply asks from worker threads
            index = self._next
            self._next += 1
        if self.config.denied == index:
            return f"approval: {op} denied"
        if index not in self.config.approved:
            return request_text(op, summary, index, digest, headers)
        binding = next((b for b in self.config.bindings if b.index == index), None)
        if binding is None:
            return f"approval: no operation binding for approved index {index} ('{op}') — refusing"
        if binding.op != op:
            return (
                f"approval: operation at index {index} changed since approval "
                f"(approved '{binding.op}', got '{op}')"
            )
        if binding.digest is None:
            return f"approval: grant for index {index} ('{op}') predates request binding — refusing"
        if binding.digest != digest:
            return (
                f"approval: request at index {index} changed since approval "
                f"('{op}' arguments differ) — refusing"
            )
        return None


def request_text(op: str, summary: str, index: int, digest: str, headers: list[str]) -> str:
    payload = {
        "prompt": f"Approve {op}?",
        "op": op,
        "summary": summary,
        "index": index,
        "digest": digest,
        "headers": headers,
    }
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return APPROVAL_REQUEST_PREFIX + body


def parse_request(text: str) -> dict[str, Any] | None:
    """The approval request in an error text (anywhere in it), or None."""
    start = text.find(APPROVAL_REQUEST_PREFIX)
    if start < 0:
        return None
    line = text[start + len(APPROVAL_REQUEST_PREFIX) :].split("\n", 1)[0]
    try:
        payload = json.loads(line)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
