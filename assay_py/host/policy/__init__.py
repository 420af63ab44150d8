"""The capability policy (``ASSAY_POLICY_FILE``): what a script may require, read from the
environment and send over HTTP, and the ``credential`` handles it may use.

Imported only when a policy is given: without one, nothing here runs and every check passes.
The policy narrows what is reachable; the execution mode (read-only, approval) decides
separately whether a write runs, and may ask :meth:`Policy.classify` whether the policy counts
a request as a read.

One module per concern: :mod:`.schema` (the file and its rules), :mod:`.rules` and
:mod:`.glob` (HTTP targets), :mod:`.redact` (response keys), :mod:`.credential` (handles),
:mod:`.guard` (the wrapper around HTTP calls), :mod:`.network` (the same for Python HTTP
clients: ``assay.rauthy``), :mod:`.install` (what a VM gets).
"""

from __future__ import annotations

import os

from assay_py.host.errors import PolicyError
from assay_py.host.policy.credential import Credentials
from assay_py.host.policy.schema import PolicyFile, load, parse

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import httpx

    from assay_py.host.policy.schema import Classify
    from assay_py.host.vm import LuaVM

ENV_VAR = "ASSAY_POLICY_FILE"

__all__ = ["ENV_VAR", "Policy", "PolicyError", "from_env"]


class Policy:
    """A checked policy file, and the decisions it makes."""

    def __init__(self, file: PolicyFile) -> None:
        self._file = file
        self.credentials = Credentials(file.credentials)
        # The variables behind credentials stay hidden even without an env allowlist: reading
        # one would hand the script the very secret the handle keeps from it.
        self._hidden_env = self.credentials.env_keys

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        return cls(load(os.fspath(path)))

    @classmethod
    def from_text(cls, source: str) -> Policy:
        """A policy from YAML text (for embedders that do not use a file)."""
        return cls(parse(source))

    def __repr__(self) -> str:
        f = self._file
        return (
            f"Policy(modules={_listed(f.module_allow)}, env={_listed(f.env_allow)}, "
            f"http_rules={'any' if f.rules is None else len(f.rules)}, "
            f"credentials={sorted(f.credentials)!r})"
        )

    @property
    def max_response_bytes(self) -> int | None:
        return self._file.max_response_bytes

    @property
    def redact(self) -> tuple[str, ...]:
        return self._file.redact

    # -- decisions ----------------------------------------------------------------------
    def module_allowed(self, name: str) -> bool:
        allow = self._file.module_allow
        return allow is None or name in allow

    def require_refusal(self, name: str) -> str | None:
        """Why ``require(name)`` of an ``assay.*`` module is refused, or None."""
        if self.module_allowed(name):
            return None
        return f"policy: module '{name}' is not in the allowed set"

    def env_visible(self, name: str) -> bool:
        allow = self._file.env_allow
        return name not in self._hidden_env and (allow is None or name in allow)

    def check_http(self, method: str, url: str) -> Classify:
        """``"read"`` or ``"write"`` for an admitted request; PolicyError for a refused one."""
        from assay_py.host.policy.rules import check

        return check(self._file.rules, method, url)

    def check_request(self, request: httpx.Request) -> None:
        """Refuse (PolicyError) a request about to be sent that the rules do not admit: an
        httpx hook, so the hops of a redirect are judged as the first request was."""
        from assay_py.host.policy.credential import reject_in_url

        url = str(request.url)
        reject_in_url(url)
        self.check_http(request.method, url)

    def classify(self, method: str, url: str) -> Classify | None:
        """How the policy classifies a request (None: it refuses it): the gate's hook, so a
        rule with ``classify: read`` lets that write through read-only mode."""
        try:
            return self.check_http(method, url)
        except PolicyError:
            return None

    # -- wiring -------------------------------------------------------------------------
    def install(self, vm: LuaVM) -> None:
        """What a VM gets at creation: the ``credential`` global and the filtered getenv."""
        from assay_py.host.policy.install import install

        install(self, vm)

    def guard_http(self, vm: LuaVM, method: str, call: Callable[..., Any]) -> Any:
        """An HTTP verb's Python function with this policy around it (see :mod:`.guard`)."""
        from assay_py.host.policy.guard import guard_http

        return guard_http(self, vm, method, call)

    def python_client(
        self, url: str, secret: str
    ) -> tuple[str, Callable[[httpx.BaseTransport], httpx.BaseTransport]]:
        """For a Python HTTP client a script creates (``assay.rauthy``): ``secret`` (its API
        key) with any credential handle in it filled in, and the wrapper for its transport.
        The value stays in Python; the wrapper still judges every request the client sends."""
        from assay_py.host.policy.credential import reject_in_url

        reject_in_url(url)
        raw = secret.encode("utf-8", "surrogateescape")
        filled = self.credentials.expand(raw, []).decode("utf-8", "surrogateescape")
        return filled, self.network

    def network(self, inner: httpx.BaseTransport) -> httpx.BaseTransport:
        """``inner`` (a Python HTTP client's transport) with this policy in front of it."""
        from assay_py.host.policy.network import PolicedNetwork

        return PolicedNetwork(self, inner)


def from_env() -> Policy | None:
    """The policy ``$ASSAY_POLICY_FILE`` names, or None when it is unset or empty."""
    path = os.environ.get(ENV_VAR)
    return Policy.from_file(path) if path else None


def _listed(names: frozenset[str] | None) -> str:
    return "any" if names is None else repr(sorted(names))
