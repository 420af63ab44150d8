"""The options a test gives the VM it builds, as `assay-py run` takes them.

The original builds VMs in-process with options (`create_vm_configured(.., readonly)`,
`create_vm_with_policy(.., VmOptions { mode, .. }, Some(policy))`) or with an environment
variable set while it builds one (`ASSAY_READONLY`, `ASSAY_BLOCK_GLOBALS`). assay-py is a
separate process per run, so each becomes what that process is given: a flag of
`assay-py run` for a per-VM mode, the same variable for an environment activation, and a
policy file named by ASSAY_POLICY_FILE for a parsed policy.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .rust_source import calls, masked, split_args

if TYPE_CHECKING:
    from .translate import Scope

MODE_FLAGS = {"ReadOnly": ["--readonly"], "Approval": ["--approval-mode"], "Unrestricted": []}
"""`ExecMode::X` of the original: the `assay-py run` flags that select it."""

_VM_CALL = re.compile(r"(?:\w+::)*(create_vm(?:_\w+)?)\s*\(")
_CONST = re.compile(r"\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*\"([^\"]*)\"\s*;")


@dataclass(frozen=True)
class Vm:
    """A VM as a test built it, in the terms of one `assay-py run`."""

    flags: tuple[str, ...] = ()
    env: tuple[tuple[str, str | None], ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    """Files the run needs (a policy), path -> content."""
    lib_path: str | None = None

    def __str__(self) -> str:
        return "<a VM>"


@dataclass
class _Building:
    flags: list[str] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    lib_path: str | None = None

    def done(self) -> Vm:
        return Vm(
            tuple(dict.fromkeys(self.flags)),
            tuple(self.env.items()),
            tuple(self.files.items()),
            self.lib_path,
        )


def source_constants(src: Path) -> dict[str, str]:
    """`const NAME: &str = "..."` of the original's sources (the variables it reads)."""
    out: dict[str, str] = {}
    for rs in sorted(src.rglob("*.rs")):
        for m in _CONST.finditer(rs.read_text(errors="replace")):
            out.setdefault(m.group(1), m.group(2))
    return out


def is_vm_call(expr: str) -> bool:
    m = _VM_CALL.match(expr.strip())
    return m is not None and not expr.strip().startswith("self.")


def build_vm(code: str, scope: Scope) -> Vm:
    """The VM that `code` (a helper's body, or one expression) builds, in `scope`."""
    from .translate import Untranslatable

    b = _Building()
    mask = masked(code)
    for m in re.finditer(r"(?:std::)?env::set_var\s*\(", mask):
        close = _close(code, m.end() - 1)
        key, value = split_args(code[m.end() : close])
        b.env[scope.text(key)] = scope.text(value)
    found = False
    for m in _VM_CALL.finditer(mask):
        if m.start() > 0 and (mask[m.start() - 1] in "._" or mask[m.start() - 1].isalnum()):
            continue
        name = m.group(1)
        args = split_args(code[m.end() : _close(code, m.end() - 1)])
        found = True
        if name == "create_vm":
            continue
        if name == "create_vm_with_lib_path":
            b.lib_path = scope.text(args[1])
        elif name == "create_vm_configured" and len(args) == 3:
            if args[1].strip() != "None":
                raise Untranslatable("create_vm_configured with a policy")
            if scope.eval(args[2]) is True:
                b.flags.append("--readonly")
        elif name == "create_vm_with_options" and len(args) == 2:
            b.flags += _mode(args[1], scope)
        elif name == "create_vm_with_policy" and len(args) == 3:
            b.flags += _mode(args[1], scope)
            _policy(args[2], code, scope, b)
        else:
            raise Untranslatable(f"a VM built by {name} with {len(args)} arguments")
    if not found:
        raise Untranslatable("no VM construction found")
    return b.done()


def _close(code: str, open_at: int) -> int:
    from .rust_source import matching

    return matching(code, open_at)


def _mode(options: str, scope: Scope) -> list[str]:
    from .translate import Untranslatable

    m = re.search(r"\bmode\s*(?::\s*([^,}]+))?", options)
    if m is None:
        return []
    expr = (m.group(1) or "mode").strip()
    literal = re.fullmatch(r"(?:\w+::)*ExecMode::(\w+)", expr)
    value = literal.group(1) if literal else str(scope.eval(expr)).rsplit("::", 1)[-1]
    if value not in MODE_FLAGS:
        raise Untranslatable(f"ExecMode::{value}")
    return MODE_FLAGS[value]


def _policy(arg: str, code: str, scope: Scope, b: _Building) -> None:
    """`Some(policy)` built by `Policy::parse(yaml)`: a policy file named in the environment."""
    from .translate import Untranslatable

    arg = arg.strip()
    if arg == "None":
        return
    m = re.fullmatch(r"Some\s*\(\s*(\w+)\s*\)", arg)
    parse = None
    if m:
        binding = re.search(rf"\blet\s+{m.group(1)}\s*=\s*", masked(code))
        if binding:
            parse = calls(code[binding.end() :], "Policy::parse")
    if not parse:
        raise Untranslatable(f"a policy given as {arg[:40]!r}")
    import tempfile

    handle, path = tempfile.mkstemp(prefix="policy-", suffix=".yaml", dir=scope.workdir)
    os.close(handle)
    b.files[path] = scope.text(parse[0][1])
    b.env[env_name(scope, "POLICY_FILE_ENV")] = path


def env_name(scope: Scope, const: str) -> str:
    """The variable the original's constant `const` names (read from its sources)."""
    return scope.text(const)
