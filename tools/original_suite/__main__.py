"""Run the original assay's own tests on assay-py and print how many pass.

    python -m tools.original_suite ORIGINAL [--lua 5.5] [--only PATTERN] [--json OUT] [-v]

ORIGINAL is a git directory or a work tree of developerinlondon/assay (the search tool's
`fetch` gives one). Its tests and stdlib are extracted into a temporary folder at run time;
nothing of them is kept. Each Rust test becomes a Lua script run through `assay-py run`,
against a loopback server that answers as its wiremock setup says, with
ASSAY_MODULES_PATH pointing at the original's stdlib (less the modules assay-py provides).
The `.lua` test files run as they are. Not part of our test suite: CI has no network.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from . import postgres
from .cli_cases import CliCase, binary_driven, not_runtime_reason, run_cli_case
from .mock_server import MockServer
from .rust_source import Helper, constants, custom_matchers, helper_functions, test_functions
from .translate import RUNNERS, Case, Step, Untranslatable, translate
from .vm_options import source_constants
from .ws_server import WsServer

_LUA_FILE_DIRS = ("e2e",)
_LUA_FILE_GLOB = "*_lua"


@dataclass
class Outcome:
    corpus: str
    file: str
    name: str
    status: str
    """pass, fail, untranslated, skipped, not-runtime (tests a part of the original that
    is not its Lua runtime: its installer, MCP server, embedding API)"""
    detail: str = ""
    rust_side: bool = False


def extract(original: Path, into: Path) -> Path:
    """The original's crates/assay under `into` (its tests read files of the crate)."""
    git_dir = (
        original if (original / "HEAD").exists() and not (original / ".git").exists() else None
    )
    if git_dir is None and (original / ".git").exists():
        git_dir = original / ".git"
    if git_dir is not None:
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", "HEAD", "crates/assay"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    else:
        shutil.copytree(original / "crates/assay", into / "crates/assay")
    return into / "crates/assay"


def builtin_modules(assay_py: list[str]) -> set[str]:
    """`assay.X` names assay-py provides itself; the original's files for them are left out."""
    out = subprocess.run([*assay_py, "modules", "--json"], capture_output=True, text=True)
    try:
        entries = json.loads(out.stdout)
    except ValueError:
        return {"assay.rauthy"}
    if isinstance(entries, dict):
        entries = entries.get("modules", [])
    return {e["name"] for e in entries if e.get("source") == "builtin" and "." in e["name"]}


def module_dir(crate: Path, provided: set[str], into: Path) -> Path:
    target = into / "modules"
    target.mkdir()
    for item in (crate / "stdlib").iterdir():
        name = "assay." + item.stem
        if name in provided:
            continue
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest)
        else:
            shutil.copy2(item, dest)
    return target


def long_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[\n{text}]{eq}]"


def with_servers(text: str, urls: dict[str, str]) -> str:
    """text with the placeholders of the test's servers filled in."""
    for name, url in urls.items():
        text = text.replace("{{server:" + name + "}}", url)
        text = text.replace("{{port:" + name + "}}", url.rsplit(":", 1)[1])
    return text


def script_for(step: Step, urls: dict[str, str]) -> str:
    lua = with_servers(step.lua, urls)
    if step.mode == "run":
        return lua
    if lua.startswith("#!"):
        # The original's runner drops a shebang line before loading the chunk.
        lua = "\n" + lua.split("\n", 1)[-1] if "\n" in lua else ""
    checks = "\n".join(
        f"if not ({c}) then error('eval check failed: ' .. {json.dumps(c)}"
        " .. ' (got ' .. tostring(__v) .. ')') end"
        for c in step.checks
    )
    return (
        f"local __chunk, __err = load({long_string(lua)}, '=test')\n"
        "if not __chunk then error(__err, 0) end\n"
        f"local __v = __chunk()\n{checks}\n"
    )


def run_case(
    case: Case, crate: Path, env: dict[str, str], assay_py: list[str], work: Path
) -> Outcome:
    corpus = "stdlib" if Path(case.file).name.startswith("stdlib_") else "builtin"
    if case.skip:
        return Outcome(corpus, case.file, case.name, "skipped", case.skip)
    servers = {
        name: MockServer([m for m in case.mocks if m.server == name]) for name in case.servers
    }
    urls = {name: s.url for name, s in servers.items()}
    sockets = [WsServer(spec) for spec in case.ws_servers]
    urls.update({ws.spec.name: ws.url for ws in sockets})
    for ws in sockets:
        ws.start()
    for mock in case.mocks:
        for name, url in urls.items():
            mock.body = mock.body.replace(("{{server:" + name + "}}").encode(), url.encode())
    for server in servers.values():
        server.start()
    failure: str | None = None
    try:
        for index, step in enumerate(case.steps):
            failure = run_step(case, index, step, urls, crate, env, assay_py, work)
            if failure is not None:
                break
    finally:
        unmet = [msg for s in servers.values() for msg in s.stop()]
        for ws in sockets:
            ws.stop()
    if failure is None and unmet:
        failure = "; ".join(unmet)
    if failure is not None:
        if _UNPROVIDED not in failure:
            used = _UNPROVIDED_USE.search("\n".join(step.lua for step in case.steps))
            if used:
                # A pcall around the global's use hides our error; the test needs it all the same.
                failure = f"uses '{used.group(1)}', which {_UNPROVIDED}: {failure}"
        return Outcome(corpus, case.file, case.name, "fail", failure, case.rust_side)
    return Outcome(corpus, case.file, case.name, "pass", "", case.rust_side)


def run_any(
    case: Case | CliCase, crate: Path, env: dict[str, str], assay_py: list[str], work: Path
) -> Outcome:
    if isinstance(case, Case):
        return run_case(case, crate, env, assay_py, work)
    corpus = "stdlib" if Path(case.file).name.startswith("stdlib_") else "builtin"
    status, detail = run_cli_case(case, crate, env, assay_py, work)
    if case.fallback is not None and status == "untranslated":
        outcome = run_case(case.fallback, crate, env, assay_py, work)
        why = f"Rust-side assertions unchecked ({detail.removeprefix('binary-driven test: ')})"
        outcome.detail = f"{outcome.detail}; {why}" if outcome.detail else why
        return outcome
    return Outcome(corpus, case.file, case.name, status, detail)


def run_step(
    case: Case,
    index: int,
    step: Step,
    urls: dict[str, str],
    crate: Path,
    env: dict[str, str],
    assay_py: list[str],
    work: Path,
) -> str | None:
    """Run one of a case's Lua runs; what went wrong, or None."""
    for d in step.dirs:
        Path(d).mkdir(parents=True, exist_ok=True)
    for p, content in step.files.items():
        Path(p).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            Path(p).write_bytes(content)
        else:
            Path(p).write_text(with_servers(content, urls))
    script = work / f"{Path(case.file).stem}__{case.name}__{index}.lua"
    script.write_text(script_for(step, urls))
    label = f"run {index + 1}: " if len(case.steps) > 1 else ""
    cwd = crate
    if step.lib_path is not None:
        # assay-py searches ./modules before the global module folder, as the original
        # searches its lib path before the modules it embeds.
        cwd = work / f"{Path(case.file).stem}__{case.name}__{index}.d"
        cwd.mkdir(exist_ok=True)
        Path(step.lib_path).mkdir(parents=True, exist_ok=True)
        (cwd / "modules").symlink_to(step.lib_path)
    if step.env:
        env = {**env, **{k: v for k, v in step.env.items() if v is not None}}
        env = {k: v for k, v in env.items() if step.env.get(k, "") is not None}
    try:
        proc = subprocess.run(
            [*assay_py, "run", *step.flags, str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return f"{label}timed out after 60 s"
    err = proc.stderr.strip().splitlines()
    last = next(
        (line for line in err if "ERROR" in line or "error" in line), err[-1] if err else ""
    )
    unprovided = next((line for line in err if _UNPROVIDED in line), None)
    if unprovided is not None:
        last = unprovided[unprovided.find("'") :] if "'" in unprovided else unprovided
    if step.expect_error:
        if proc.returncode == 0:
            return f"{label}expected an error, got success"
        text = proc.stderr.lower() if step.error_ignore_case else proc.stderr
        missing = [g for g in step.error_contains if not any(s in text for s in g)]
        if missing:
            return f"{label}error lacks {missing!r}: {last[:300]}"
        present = [s for s in step.error_absent if s in text]
        if present:
            return f"{label}error has {present!r}: {last[:300]}"
        return None
    if proc.returncode != 0:
        return f"{label}{last[:400]}"
    return None


def run_lua_file(path: Path, crate: Path, env: dict[str, str], assay_py: list[str]) -> Outcome:
    rel = str(path.relative_to(crate))
    try:
        proc = subprocess.run(
            [*assay_py, "run", rel],
            cwd=crate,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Outcome("lua", rel, path.stem, "fail", "timed out")
    if proc.returncode == 0:
        return Outcome("lua", rel, path.stem, "pass")
    err = proc.stderr.strip().splitlines()
    line = next((x for x in err if _UNPROVIDED in x), err[0] if err else "")
    return Outcome(
        "lua", rel, path.stem, "fail", line[line.find("'") if _UNPROVIDED in line else 0 :][:400]
    )


def collect(
    crate: Path, work: Path, only: str | None
) -> tuple[list[Case | CliCase], list[Outcome]]:
    cases: list[Case | CliCase] = []
    untranslated: list[Outcome] = []
    # Fixtures shared through `mod common;` (helpers and constants of tests/common/*.rs);
    # its runners are not helpers: they are what a test's Lua goes through.
    shared_helpers: dict[str, Helper] = {}
    # The original's own `const X_ENV: &str = "..."`, which tests name as `assay::lua::X_ENV`.
    source = {k: json.dumps(v) for k, v in source_constants(crate / "src").items()}
    shared_consts: dict[str, str] = {}
    for rs in sorted((crate / "tests" / "common").glob("*.rs")):
        text = rs.read_text()
        shared_helpers.update(helper_functions(text))
        shared_consts.update(constants(text))
    # The interpreter of whole tests (cli_cases) runs the runners' own bodies.
    with_runners = dict(shared_helpers)
    for runner in RUNNERS:
        shared_helpers.pop(runner, None)
    for rs in sorted((crate / "tests").rglob("*.rs")):
        rel = str(rs.relative_to(crate))
        if "/common/" in rel:
            continue
        text = rs.read_text()
        if "lua" not in text:
            continue
        helpers = (
            {**shared_helpers, **helper_functions(text)}
            if "mod common" in text
            else (helper_functions(text))
        )
        consts = {**source, **(shared_consts if "mod common" in text else {}), **constants(text)}
        matchers = custom_matchers(text)
        for fn in test_functions(text):
            if only and not fnmatch.fnmatch(f"{rs.stem}::{fn.name}", only):
                continue
            corpus = "stdlib" if rs.name.startswith("stdlib_") else "builtin"
            reason = not_runtime_reason(rel)
            if reason is not None and not fn.ignored:
                untranslated.append(Outcome(corpus, rel, fn.name, "not-runtime", reason))
                continue
            try:
                case = translate(rel, fn, helpers, consts, work, crate, matchers)
                if case.rust_side and case.skip is None:
                    everything = {**with_runners, **helpers} if "mod common" in text else helpers
                    cases.append(CliCase(rel, fn.name, fn.body, everything, consts, matchers, case))
                else:
                    cases.append(case)
            except (Untranslatable, ValueError, IndexError, OSError) as exc:
                if binary_driven(fn, helpers) and not fn.ignored:
                    cases.append(CliCase(rel, fn.name, fn.body, helpers, consts, matchers))
                    continue
                untranslated.append(Outcome(corpus, rel, fn.name, "untranslated", str(exc)[:200]))
    return cases, untranslated


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("original", type=Path)
    ap.add_argument("--lua", default=None, help="engine for assay-py (e.g. 5.5)")
    ap.add_argument(
        "--assay-py", default=None, help="the command to run (default: assay-py beside this Python)"
    )
    ap.add_argument("--only", default=None, help="glob over FILE::TEST, e.g. 'regex::*'")
    ap.add_argument("--json", type=Path, default=None, help="write every outcome here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each failure")
    ap.add_argument(
        "--no-postgres",
        action="store_true",
        help=f"do not start a PostgreSQL for the tests that need ${postgres.URL_VAR}",
    )
    args = ap.parse_args(argv)

    default = Path(sys.executable).with_name("assay-py")
    assay_py = [args.assay_py or (str(default) if default.exists() else "assay-py")]
    if args.lua:
        assay_py += ["--lua", args.lua]

    started = time.perf_counter()
    database = None
    if not args.no_postgres and postgres.URL_VAR not in os.environ:
        database = postgres.start()
        if database is not None:
            # Read where the original reads it: the test's own environment (its guard).
            os.environ[postgres.URL_VAR] = database[0]
    try:
        outcomes = run_all(args, assay_py)
    finally:
        if database is not None:
            database[1]()
    report(outcomes, args.verbose, time.perf_counter() - started)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


def run_all(args: argparse.Namespace, assay_py: list[str]) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="assay-original-") as tmp:
        root = Path(tmp)
        crate = extract(args.original, root)
        work = root / "work"
        work.mkdir()
        modules = module_dir(crate, builtin_modules(assay_py), root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(ASSAY_MODULES_PATH=str(modules), HOME=str(root), NO_COLOR="1")
        if postgres.URL_VAR in os.environ:
            env[postgres.URL_VAR] = os.environ[postgres.URL_VAR]
        if args.lua:
            env["ASSAY_LUA"] = args.lua
        cases, outcomes = collect(crate, work, args.only)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes += list(pool.map(lambda c: run_any(c, crate, env, assay_py, work), cases))
            if not args.only:
                lua_files = [
                    p for d in _LUA_FILE_DIRS for p in sorted((crate / "tests" / d).glob("*.lua"))
                ]
                lua_files += sorted((crate / "tests").glob(f"{_LUA_FILE_GLOB}/*.lua"))
                outcomes += list(
                    pool.map(lambda p: run_lua_file(p, crate, env, assay_py), lua_files)
                )
    return outcomes


_UNPROVIDED = "is a global of the original assay that assay-py does not provide"
_UNPROVIDED_USE = re.compile(r"(?<![\w.])(systemd|machinectl|cgroup|apt|oci|authz)\s*\.")


def report(outcomes: list[Outcome], verbose: bool, seconds: float) -> None:
    if verbose:
        for o in outcomes:
            if o.status in ("fail", "untranslated", "not-runtime"):
                print(f"{o.status:12} {o.file}::{o.name}: {o.detail}")
            elif o.rust_side:
                print(f"{'rust-side':12} {o.file}::{o.name}: {o.detail}")
    columns = (
        "tests",
        "run",
        "pass",
        "fail",
        "unprov.",
        "untransl.",
        "skipped",
        "not-rt",
        "rust-side",
    )
    print("\n" + f"{'corpus':8}" + "".join(f" {c:>9}" for c in columns))
    for corpus in ("stdlib", "builtin", "lua"):
        mine = [o for o in outcomes if o.corpus == corpus]
        count = {
            s: sum(o.status == s for o in mine)
            for s in ("pass", "fail", "untranslated", "skipped", "not-runtime")
        }
        ran = count["pass"] + count["fail"]
        rust = sum(o.rust_side and o.status == "pass" for o in mine)
        unprovided = sum(o.status == "fail" and _UNPROVIDED in o.detail for o in mine)
        figures = (len(mine), ran, count["pass"], count["fail"], unprovided, count["untranslated"])
        figures += (count["skipped"], count["not-runtime"], rust)  # type: ignore[assignment]
        print(f"{corpus:8}" + "".join(f" {n:>9}" for n in figures))
    reasons: dict[str, int] = {}
    for o in outcomes:
        if o.status == "fail":
            m = re.search(
                r"attempt to index (?:a nil value|field) \(?(?:global|field) '(\w+)'"
                r"|global '(\w+)'",
                o.detail,
            )
            key = (m.group(1) or m.group(2)) if m else o.detail[:60]
            reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        print("\nmost common failures:")
        for key, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:15]:
            print(f"  {n:4}  {key}")
    print(
        f"\n{seconds:.0f} s; 'unprov.': failed on a global assay-py does not provide;"
        " 'not-rt': tests a part of the original that is not its Lua runtime;"
        " 'rust-side': passed, Rust-side assertions not re-run"
    )


if __name__ == "__main__":
    sys.exit(main())
