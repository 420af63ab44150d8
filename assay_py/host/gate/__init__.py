"""The mode gate: read-only and approval mode for a VM (``LuaVM(mode=...)``).

Imported only when a mode is on (``LuaVM`` reads ``ASSAY_READONLY``/``ASSAY_APPROVAL`` itself),
so a plain run pays nothing for it.

How it holds. Every write of :mod:`.surface` is replaced, in the table scripts see, by a Lua
wrapper that asks :meth:`Gate.check` first and only then calls the builtin; the builtin itself
is left only in the wrapper's upvalue (``debug`` is gone, so no script reaches it). Globals
are installed lazily, so the wrapping happens in ``LuaVM.set_global``, the one way a builtin
publishes its table: whenever a global is first used (inside a coroutine too), it arrives
already gated, and a reference, ``rawget`` or ``pairs`` taken afterwards only ever sees
wrappers. Stock ``io`` and ``os`` are wrapped when the VM is made. ``http.client(...)``
objects get their non-``get`` methods wrapped as they are made. The rauthy module talks HTTP
from Python, so it is gated in its transport (:meth:`Gate.rauthy_guard`), below every method.

The policy seam. Every http write (the ``http.post/put/patch/delete`` functions,
``http.client`` methods other than ``get``, the rauthy module's requests) is first offered to
``LuaVM.http_read_classifier(verb, url) -> bool`` (verb lower-case: ``"post"``) when set, else
to the VM's policy (``ASSAY_POLICY_FILE``): ``Policy.classify(METHOD, url) == "read"``, a
rule with ``classify: read``. A read runs: read-only mode lets it through, and approval mode
neither counts nor asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from assay_py.host._engine import lupa_engine
from assay_py.host.errors import UnplacedError
from assay_py.host.gate import digest, surface
from assay_py.host.gate.approval import (
    APPROVAL_REQUEST_PREFIX,
    ApprovalConfig,
    ApprovalGate,
    parse_request,
)
from assay_py.host.vm import LuaVM

__all__ = [
    "APPROVAL_REQUEST_PREFIX",
    "ApprovalConfig",
    "Gate",
    "GateStop",
    "Mode",
    "blocked_text",
    "parse_request",
]

Mode = Literal["readonly", "approval"]

CHUNKNAME = "=[assay gate]"
_KEPT = "gate"

_LUA = rb"""
local check = ...
local error, type, next, rawset = error, type, next, rawset

local function wrap(op, inner)
  return function(...)
    local refusal, level = check(op, ...)
    if refusal ~= nil then error(refusal, level) end
    return inner(...)
  end
end

-- A method of an http.client object: the object itself is not part of the request.
local function wrap_method(op, inner)
  return function(self, ...)
    local refusal, level = check(op, ...)
    if refusal ~= nil then error(refusal, level) end
    return inner(self, ...)
  end
end

local function client(inner, read_method)
  return function(...)
    local c = inner(...)
    if type(c) == "table" then
      for key, value in next, c do
        if type(key) == "string" and key ~= read_method and type(value) == "function" then
          rawset(c, key, wrap_method("http." .. key, value))
        end
      end
    end
    return c
  end
end

return { wrap = wrap, client = client }
"""


def lua_type(value: Any) -> str | None:
    return lupa_engine().lua_type(value)


def blocked_text(name: str) -> str:
    return f"readonly: {name} blocked (write operations are disabled in read-only mode)"


class GateStop(BaseException):
    """A gated rauthy request, raised from inside the rauthy client.

    A BaseException on purpose: the client's apply turns each client's ``Exception`` into a
    failed result and goes on; a gated write must stop the whole call instead (an approval
    request suspends the run). The rauthy binding turns it into the Lua error.
    """

    def __init__(self, text: str, method: str, path: str, *, request: bool) -> None:
        super().__init__(text)
        self.text = text
        self.method = method
        self.path = path
        self.request = request


class GateRefusal(Exception):
    """A gated call refused (read-only, or an approval grant that no longer fits)."""


class Gate:
    """Read-only or approval mode, applied to one VM."""

    def __init__(self, vm: LuaVM, mode: Mode, approval: ApprovalConfig | None = None) -> None:
        self.vm = vm
        self.mode: Mode = mode
        self.approval = (
            ApprovalGate(approval or ApprovalConfig.from_env()) if mode == "approval" else None
        )
        vm.keep(_KEPT, vm.run_host_chunk(_LUA, CHUNKNAME, vm.function(self._check)))
        for name, keys in surface.STOCK_FUNCTIONS.items():
            table = vm.get_global(name)
            if table is not None and lua_type(table) == "table":
                self._wrap_keys(name, table, keys)

    @property
    def readonly(self) -> bool:
        return self.mode == "readonly"

    # -- wrapping -------------------------------------------------------------------------
    def wrap_global(self, name: str, value: Any) -> Any:
        """``value`` (a global being set) with its writes gated; tables are changed in place."""
        if lua_type(value) != "table":
            return value
        keys = surface.gated_keys(name)
        if keys is None:
            keys = frozenset(
                k.decode()
                for k, v in list(value.items())
                if isinstance(k, bytes) and lua_type(v) == "function"
            )
        self._wrap_keys(name, value, sorted(keys))
        if name == "http" and lua_type(value[b"client"]) == "function":
            lua = self.vm.kept(_KEPT)
            value[b"client"] = lua.client(value[b"client"], surface.CLIENT_READ_METHOD.encode())
        return value

    def _wrap_keys(self, name: str, table: Any, keys: Any) -> None:
        lua = self.vm.kept(_KEPT)
        for key in keys:
            inner = table[key.encode()]
            if lua_type(inner) == "function":
                table[key.encode()] = lua.wrap(f"{name}.{key}".encode(), inner)

    # -- deciding -------------------------------------------------------------------------
    def _check(self, raw_op: bytes, *args: Any) -> tuple[str, int] | None:
        """None to let the call run; else (error text, Lua error level)."""
        op = raw_op.decode()
        if self._not_a_write(op, args):
            return None
        if self.approval is None:
            return blocked_text(op), 2
        text = self.approval.decide(
            op, digest.summary(args), digest.operation_digest(op, args), digest.header_names(args)
        )
        if text is None:
            return None
        return text, 0 if text.startswith(APPROVAL_REQUEST_PREFIX) else 2

    def _not_a_write(self, op: str, args: tuple[Any, ...]) -> bool:
        """The gated functions that write only in some forms: io.open for reading, io.output
        asked for the current file, an http call a policy classifies as a read."""
        if op == "io.open":
            mode = args[1] if len(args) > 1 and isinstance(args[1], bytes) else b"r"
            return not any(flag in mode for flag in (b"w", b"a", b"+"))
        if op == "io.output":
            return not args
        return op.startswith("http.") and self._http_is_read(op[5:], args)

    def _http_is_read(self, verb: str, args: tuple[Any, ...]) -> bool:
        if verb in surface.HTTP_NON_VERBS:
            return False  # a server, a download to disk: no request a policy could classify
        url = next((a for a in args if isinstance(a, bytes)), None)
        return url is not None and self._classified_read(verb, url.decode("utf-8", "replace"))

    def _classified_read(self, verb: str, url: str) -> bool:
        classifier = self.vm.http_read_classifier
        if classifier is not None:
            return bool(classifier(verb, url))
        policy = self.vm.policy
        return policy is not None and policy.classify(verb.upper(), url) == "read"

    def rauthy_call(self, fn: Callable[[], Any]) -> Any:
        """Run one rauthy method; a gated request it made becomes the error the script sees:
        ``rauthy POST /clients: readonly: http.post blocked (...)``, or the approval request
        itself (unprefixed, so its text starts with the marker)."""
        try:
            return fn()
        except GateStop as stop:
            if stop.request:
                raise UnplacedError(stop.text) from None
            raise GateRefusal(f"rauthy {stop.method} {stop.path}: {stop.text}") from None

    def rauthy_whole(self, name: str) -> None:
        """Read-only mode refuses ``name`` (an apply) before it starts: applying is a write,
        and it journals secrets locally before its first request."""
        if self.readonly:
            raise GateRefusal(blocked_text(name))

    def rauthy_guard(self, method: str, url: str, path: str, body: Any, files: Any = None) -> None:
        """The rauthy client's write guard: called once per request that is not a GET, before
        anything is sent; raises :class:`GateStop` unless the request may run."""
        verb = method.lower()
        if self._classified_read(verb, url):
            return
        op = f"http.{verb}"
        if self.approval is None:
            raise GateStop(blocked_text(op), method, path, request=False)
        sent_files = None
        if files:
            import hashlib

            sent_files = {
                part: [name, hashlib.sha256(data).hexdigest(), kind]
                for part, (name, data, kind) in files.items()
            }
        headers = ["Authorization"] + (["Content-Type"] if body is not None or files else [])
        text = self.approval.decide(
            op,
            digest.truncate(url),
            digest.operation_digest(op, [url, body, sent_files]),
            headers,
        )
        if text is not None:
            request = text.startswith(APPROVAL_REQUEST_PREFIX)
            raise GateStop(text, method, path, request=request)
