"""The original's tests that run its binary (`Command::new(env!("CARGO_BIN_EXE_assay"))`),
run on `assay-py` with the same arguments, and those that test no part of its Lua runtime.

A binary-driven test is executed statement by statement (rust_eval.py) with `assay-py`
standing in for the binary; every assertion of the test is evaluated, on outputs, exit
codes, JSON envelopes, files and the requests a mock received. A test of the original's
installer, MCP server or embedding API is classified as not a runtime test, with its reason.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_host import Host, NotRuntime
from .rust_eval import Env, Panic, Unsupported
from .rust_source import masked

if TYPE_CHECKING:
    from .rust_source import Helper, RustFunction
    from .translate import Case

NOT_RUNTIME_FILES = {
    "tests/install_*.rs": "tests the original's package installer (`assay install`:"
    " manifests, lock files, archive extraction), not the Lua runtime",
    "tests/mcp_serve.rs": "tests the original's MCP server (`assay mcp-serve`),"
    " not the Lua runtime",
    "tests/file_source_interception.rs": "tests the original's Rust embedding API"
    " (`set_file_source` on an mlua VM), which no script can reach",
}


def not_runtime_reason(file: str) -> str | None:
    return next((r for pat, r in NOT_RUNTIME_FILES.items() if fnmatch.fnmatch(file, pat)), None)


@dataclass
class CliCase:
    file: str
    name: str
    body: str
    helpers: dict[str, Helper]
    consts: dict[str, str]
    matchers: dict[str, str]
    fallback: Case | None = None
    """The translated case of a test with Rust-side assertions: run when the interpreter
    cannot run the whole test (then those assertions stay unchecked)."""


def binary_driven(fn: RustFunction, helpers: dict[str, Helper]) -> bool:
    """Whether the test runs the original's binary, itself or through its helpers, or
    parses a policy (which assay-py reads from a file given to the binary)."""
    seen: set[str] = set()
    todo = [fn.body]
    while todo:
        code = todo.pop()
        if any(k in code for k in ("CARGO_BIN_EXE", "Policy::parse", "connect_async")):
            return True
        for name in re.findall(r"(?<![\w.])(\w+)\s*\(", masked(code)):
            if name in helpers and name not in seen:
                seen.add(name)
                todo.append(helpers[name].body)
    return False


def run_cli_case(
    case: CliCase, crate: Path, env: dict[str, str], assay_py: list[str], work: Path
) -> tuple[str, str]:
    """(status, detail): pass, fail, not-runtime or untranslated."""
    casework = work / f"{Path(case.file).stem}__{case.name}.cli"
    casework.mkdir(parents=True, exist_ok=True)
    host = Host(
        assay_py=assay_py,
        env=env,
        crate=crate,
        workdir=casework,
        helpers=case.helpers,
        consts=case.consts,
        matchers=case.matchers,
    )
    status, detail = "pass", ""
    try:
        host.interp.run_body(case.body, Env())
    except NotRuntime as exc:
        status, detail = "not-runtime", str(exc)
    except Panic as exc:
        status, detail = "fail", str(exc)[:400] + (f" [{host.last}]" if host.last else "")
        if host.served and host.served[-1].stderr:
            detail += f" [served script's stderr: {' | '.join(host.served[-1].stderr[-3:])[:300]}]"
    except Unsupported as exc:
        status, detail = "untranslated", f"binary-driven test: {exc}"[:300]
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # Rust the interpreter got wrong rather than behaviour assay-py got wrong.
        status, detail = "untranslated", f"binary-driven test: {type(exc).__name__}: {exc}"[:300]
    finally:
        unmet = host.stop_servers()
    if status == "pass" and unmet:
        status, detail = "fail", "; ".join(unmet)
    if status == "pass" and host.commands == 0 and "Policy::parse" not in case.body:
        status, detail = "untranslated", "binary-driven test that ran no command"
    return status, detail
