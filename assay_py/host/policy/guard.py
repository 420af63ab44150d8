"""The policy around each HTTP call a script makes (``http.<verb>``, ``http.client`` objects,
``http.download``).

Before: a credential placeholder in the URL is refused, the rules must admit the request, and
only then are placeholders elsewhere (body, headers) swapped for their values. After: a body
over ``max_response_bytes`` is an error (not a cut), and ``redact`` keys are hidden. A refused
request is never built, so it never leaves the machine. Secrets that went out are taken out
of error text and of the answer before Lua sees either.
"""

from __future__ import annotations

from assay_py.host.errors import PolicyError
from assay_py.host.policy.credential import reject_in_url, scrub_bytes, scrub_text
from assay_py.host.policy.redact import MARKER_BYTES, header_redacted, redact_json
from assay_py.host.scheduler import Pending

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from assay_py.host.policy import Policy
    from assay_py.host.vm import LuaVM

_SUBSTITUTE_KEY = "policy.substitute"
_SUBSTITUTE = rb"""
local PREFIX = ...
local find, type, next, getmetatable, setmetatable = string.find, type, next, getmetatable,
      setmetatable
-- A copy, never the script's own table: the values must not be left where Lua can read them.
local function walk(value, expand, seen)
  local kind = type(value)
  if kind == "string" then
    if find(value, PREFIX, 1, true) then return expand(value) end
    return value
  end
  if kind ~= "table" then return value end
  local copy = seen[value]
  if copy ~= nil then return copy end
  copy = {}
  seen[value] = copy
  for k, v in next, value do copy[k] = walk(v, expand, seen) end
  local mt = getmetatable(value)
  if type(mt) == "table" then setmetatable(copy, mt) end
  return copy
end
return function(value, expand) return walk(value, expand, {}) end
"""


def guard_http(policy: Policy, vm: LuaVM, method: str, call: Callable[..., Any]) -> Any:
    """``call`` (a verb's Python function: ``(url, ...)``) with the policy around it."""

    def policed(url: Any = None, *rest: Any) -> Any:
        if not isinstance(url, bytes):
            return call(url, *rest)  # the verb's own argument error
        reject_in_url(url)
        policy.check_http(method, url.decode("utf-8", "replace"))
        used: list[str] = []
        if policy.credentials:
            rest = _substituted(policy, vm, rest, used)
        try:
            result = call(url, *rest)
        except Exception as exc:
            if used:
                raise _scrubbed(exc, used) from None
            raise
        if isinstance(result, Pending):
            return _after(policy, result, used)
        return sanitize(policy, result, used)

    return policed


def _substituted(policy: Policy, vm: LuaVM, args: tuple[Any, ...], used: list[str]) -> Any:
    substitute = vm.kept(_SUBSTITUTE_KEY)
    if substitute is None:
        from assay_py.host.policy.credential import PREFIX

        vm.keep(_SUBSTITUTE_KEY, vm.run_host_chunk(_SUBSTITUTE, "=[assay policy]", PREFIX))
        substitute = vm.kept(_SUBSTITUTE_KEY)
    expand = vm.function(lambda text: policy.credentials.expand(text, used))
    return tuple(substitute(value, expand) for value in args)


def _after(policy: Policy, pending: Pending, used: list[str]) -> Pending:
    work, then = pending.work, pending.then
    if work is None:
        return pending
    if then is None:

        def checked_work() -> Any:
            return sanitize(policy, _run(work, used), used)

        return Pending(checked_work, deadline=pending.deadline)

    def checked_then(value: Any) -> Any:
        return sanitize(policy, _run(lambda: then(value), used), used)

    return Pending(lambda: _run(work, used), checked_then, deadline=pending.deadline)


def _run(work: Callable[[], Any], used: list[str]) -> Any:
    try:
        return work()
    except Exception as exc:
        if used:
            raise _scrubbed(exc, used) from None
        raise


def sanitize(policy: Policy, result: Any, used: list[str]) -> Any:
    """An answer ``{status, headers, body}`` as the policy lets a script see it."""
    if not isinstance(result, dict):
        return result
    body = result.get("body")
    cap = policy.max_response_bytes
    if cap is not None and isinstance(body, bytes) and len(body) > cap:
        raise PolicyError(f"policy: response body exceeds max_response_bytes ({cap})")
    keys = policy.redact
    headers = result.get("headers")
    if isinstance(body, bytes):
        if keys:
            body = redact_json(body, keys) or body
        if used:
            body = scrub_bytes(body, used)
        result["body"] = body
    if isinstance(headers, dict) and (keys or used):
        for name, value in headers.items():
            if keys and header_redacted(name, keys):
                headers[name] = MARKER_BYTES
            elif used and isinstance(value, bytes):
                headers[name] = scrub_bytes(value, used)
    return result


def _scrubbed(exc: Exception, used: list[str]) -> Exception:
    text = str(exc)
    clean = scrub_text(text, used)
    if clean == text:
        return exc
    try:
        return type(exc)(clean)
    except Exception:  # a type that wants other arguments: the text is what Lua sees
        return RuntimeError(clean)
