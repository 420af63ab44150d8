"""Errors the Lua host raises to Python callers."""

from __future__ import annotations


class LuaScriptError(Exception):
    """A Lua chunk failed: a syntax error, or an uncaught error while it ran.

    ``str(err)`` is the Lua message alone (``script.lua:3: boom``), so a Python builtin that
    lets this escape hands Lua the same text; ``traceback`` holds the Lua stack traceback
    (empty for syntax errors).
    """

    def __init__(self, message: str, traceback: str = "", *, syntax: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.traceback = traceback
        self.syntax = syntax

    def render(self) -> str:
        """Message and traceback, as the CLI prints them."""
        if self.syntax:
            return f"syntax error: {self.message}"
        return f"{self.message}\n{self.traceback}" if self.traceback else self.message


class PolicyError(Exception):
    """The policy file (``ASSAY_POLICY_FILE``) cannot be used: unreadable, not YAML, or a field
    breaks a rule. Raised when a VM is created, before any script runs.

    Here rather than in :mod:`assay_py.host.policy`, so the CLI can catch it without importing
    the policy package on every start.
    """


class UnplacedError(Exception):
    """Raised by a builtin for an error Lua must see as its bare text, without the calling
    line's ``chunk:line:`` (an approval request, whose text starts with its marker)."""
