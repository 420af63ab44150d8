"""What Rust's libraries do for a binary-driven test, done in Python, with assay-py run for
the original's binary.

`Host` answers the interpreter (rust_eval.py): paths (`Value::Null`), calls (`Command::new`,
`std::fs::write`, `MockServer::start`), methods by the receiver's kind, `format!` and friends.
A command whose program is the original's binary runs `assay-py` with the same arguments,
environment changes and working directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cli_serve
from .cli_serve import LuaVm, Served
from .rust_eval import Env, Interpreter, Panic, Parser, Unsupported
from .rust_values import (
    NONE,
    Binary,
    Command,
    Counter,
    Duration,
    Instant,
    J,
    Metadata,
    Output,
    Request,
    Res,
    Status,
    TempDir,
    TempFile,
    debug,
    display,
    plain,
)

if TYPE_CHECKING:
    from .mock_server import MockServer
    from .rust_source import Helper


class NotRuntime(Exception):
    """The test drives a part of the original that is not its Lua runtime; the reason."""


NOT_RUNTIME_COMMANDS = {
    "mcp-serve": "the original's MCP server (`assay mcp-serve`), outside the Lua runtime",
    "install": "the original's package installer (`assay install`), outside the Lua runtime",
    "workflow": "the original's remote workflow engine CLI, outside the Lua runtime",
    "serve": "the original's API server (`assay serve`), outside the Lua runtime",
}
"""Subcommands of the original's binary that are not the running of scripts, by name."""


class Host:
    def __init__(
        self,
        *,
        assay_py: list[str],
        env: dict[str, str],
        crate: Path,
        workdir: Path,
        helpers: dict[str, Helper],
        consts: dict[str, str],
        matchers: dict[str, str],
    ) -> None:
        self.matchers = matchers
        """The test file's own wiremock matchers (`impl Match for X`)."""
        self.assay_py = assay_py
        self.env = dict(env)
        self.crate = crate
        self.workdir = workdir
        self.helpers = helpers
        self.consts = consts
        self.const_values: dict[str, Any] = {}
        self.servers: list[tuple[str, MockServer]] = []
        self.served: list[Served] = []
        """Chunks of a test's own VM running in the background (a served script)."""
        self.interp = Interpreter(self, "")
        self.commands = 0
        self.last = ""
        """The last command run and how it ended, for a failure's detail."""

    # -- the interpreter's questions
    def helper(self, name: str) -> tuple[list[str], str] | None:
        h = self.helpers.get(name)
        return (h.params, h.body) if h is not None else None

    def native(self, name: str) -> Callable[[list[Any]], Any] | None:
        """A helper that builds bytes with a Rust crate (a tar, a gzip), done in Python."""
        from .translate import _native_helper

        h = self.helpers.get(name)
        return _native_helper(h.body) if h is not None else None

    def path(self, path: tuple[str, ...]) -> Any:
        name = path[-1]
        if path == ("None",):
            return NONE
        if name == "Null" and len(path) > 1:
            return J(None)
        if len(path) > 1 and path[-2] == "Method":
            return name.upper()
        if (path[:-1] and path[-2] == "Ordering") or name in ("UNIX_EPOCH",):
            return 0
        if name in ("Stdio",) or path[-2:-1] == ("Stdio",):
            return None
        if name in self.consts:
            if name not in self.const_values:
                self.const_values[name] = self.expr(self.consts[name])
            return self.const_values[name]
        raise Unsupported(f"path {'::'.join(path)}")

    def expr(self, text: str) -> Any:
        parser = Parser(text)
        return self.interp.eval(parser.expr(), Env())

    def statement(self, text: str, env: Env) -> bool:
        if not text.lstrip().startswith("Mock::given"):
            return False
        self.mount(text, env)
        return True

    def iterate(self, value: Any) -> list[Any]:
        value = plain(value)
        if isinstance(value, list | tuple | range):
            return list(value)
        if isinstance(value, dict):
            return list(value.items())
        raise Unsupported(f"iterating over {type(value).__name__}")

    def equal(self, a: Any, b: Any) -> bool:
        a, b = plain(a), plain(b)
        if isinstance(a, bytes) and isinstance(b, list):
            return a == bytes(b)
        if isinstance(b, bytes) and isinstance(a, list):
            return b == bytes(a)
        if isinstance(a, bytes) and isinstance(b, str):
            b = b.encode()
        if isinstance(b, bytes) and isinstance(a, str):
            a = a.encode()
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(self.equal(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, bool) != isinstance(b, bool):
            return False
        return bool(a == b)

    def struct(self, path: tuple[str, ...], fields: dict[str, Any]) -> Any:
        raise Unsupported(f"struct {'::'.join(path)}")

    def json(self, value: Any) -> Any:
        return J(value)

    def field(self, value: Any, name: str) -> Any:
        if isinstance(value, Output | Request) and hasattr(value, name):
            return getattr(value, name)
        if isinstance(value, cli_serve.CloseFrame) and name in ("code", "reason"):
            return getattr(value, name)
        if isinstance(value, tuple) and name.isdigit():
            return value[int(name)]
        raise Unsupported(f"field .{name} of {type(value).__name__}")

    def index(self, value: Any, key: Any) -> Any:
        if isinstance(value, J):
            inner = value.value
            if isinstance(inner, dict) and isinstance(key, str):
                return J(inner.get(key))
            if isinstance(inner, list) and isinstance(key, int):
                return J(inner[key] if key < len(inner) else None)
            return J(None)
        if isinstance(value, str | bytes | list) and isinstance(key, range):
            return value[key.start : key.stop]
        if isinstance(value, list) and isinstance(key, int):
            return value[key]
        raise Unsupported(f"indexing {type(value).__name__}")

    def macro(self, name: str, args: list[Any], named: dict[str, Any]) -> Any:
        if name in ("format", "panic", "println", "eprintln", "print", "eprint"):
            text = _format(args, named) if args else ""
            if name == "panic":
                raise Panic(f"panic: {text}")
            return text if name == "format" else None
        if name == "env" and args == ["CARGO_BIN_EXE_assay"]:
            return Binary()
        if name == "env" and args == ["CARGO_MANIFEST_DIR"]:
            return str(self.crate)
        if name == "concat":
            return "".join(display(a) for a in args)
        raise Unsupported(f"macro {name}!")

    # -- calls of paths
    def call(self, path: tuple[str, ...], args: list[Any]) -> Any:
        full = "::".join(path)
        name = path[-1]
        owner = path[-2] if len(path) > 1 else ""
        if full in ("Some",):
            return args[0]
        if full == "Ok":
            return Res(ok=args[0] if args else None)
        if full == "Err":
            return Res(err=display(args[0]))
        if owner == "Command" and name == "new":
            return Command(args[0])
        if (owner, name) in (("PathBuf", "from"), ("Path", "new"), ("String", "from")):
            return display(args[0]) if not isinstance(args[0], Binary) else args[0]
        if owner == "String" and name == "new":
            return ""
        if owner == "Vec" and name == "new":
            return []
        if owner == "String" and name in ("from_utf8_lossy", "from_utf8"):
            text = bytes(args[0]).decode("utf-8", "replace")
            return text if name.endswith("lossy") else Res(ok=text)
        if owner == "serde_json" and name in ("from_slice", "from_str"):
            raw = args[0] if isinstance(args[0], bytes) else str(args[0]).encode()
            try:
                return Res(ok=J(json.loads(raw)))
            except ValueError as exc:
                return Res(err=f"{exc} in {raw[:200]!r}")
        if owner == "serde_json" and name in ("to_string", "to_vec"):
            text = display(args[0])
            return Res(ok=text if name == "to_string" else text.encode())
        if owner in ("Value", "JsonValue") and name in ("String", "Bool", "from", "Number"):
            return J(plain(args[0]))
        if owner == "fs" or path[:2] == ("std", "fs") or owner == "File":
            return self.fs(owner, name, args)
        if owner == "env" and path[0] in ("std", "env"):
            return self.process_env(name, args)
        if name in ("tempdir", "TempDir") or (owner == "TempDir" and name == "new"):
            return Res(ok=TempDir(tempfile.mkdtemp(dir=self.workdir)))
        if owner == "NamedTempFile":
            suffix = display(args[0]) if args else ""
            handle, file = tempfile.mkstemp(suffix=suffix, dir=self.workdir)
            os.close(handle)
            return Res(ok=TempFile(file))
        if owner in ("SystemTime", "Instant") and name == "now":
            return Instant.now()
        if owner == "Duration":
            scale = {"from_secs": 10**9, "from_millis": 10**6, "from_secs_f64": 10**9}
            if name in scale:
                return Duration(int(plain(args[0]) * scale[name]))
        if owner == "AtomicU64" and name == "new":
            return Counter(args[0])
        if owner == "MockServer" and name == "start":
            return self.start_server()
        if name == "spawn_blocking" or (owner == "task" and name == "spawn"):
            return Res(ok=args[0]())
        if name == "sleep" and isinstance(args[0], Duration):
            time.sleep(args[0].ns / 1e9)
            return None
        if owner == "Policy" and name == "parse":
            return self.policy_parse(display(args[0]))
        # A VM takes the environment as it is when it is built (ASSAY_READONLY and friends).
        if name == "create_vm" and path[:2] == ("assay", "lua"):
            return Res(ok=LuaVm(self, env=dict(self.env)))
        if name == "create_vm_with_lib_path" and path[:2] == ("assay", "lua"):
            return Res(ok=LuaVm(self, env=dict(self.env), lib_path=display(args[1])))
        if name == "create_vm_configured" and path[:2] == ("assay", "lua") and args[1] is NONE:
            flags = ["--readonly"] if args[2] is True else []
            return Res(ok=LuaVm(self, env=dict(self.env), flags=flags))
        if name == "strip_shebang":
            return args[0]  # assay-py drops a shebang line itself, as the original's runner
        if full in _BUILDERS:
            return _Builder()
        if name == "spawn_local":
            return Res(ok=args[0])
        if name == "timeout" and owner == "time":
            return Res(ok=args[1])
        if name == "from" and owner in ("u8", "u16", "u32", "u64", "i32", "i64", "usize"):
            return args[0]
        return cli_serve.ws_call(path, args)

    def fs(self, owner: str, name: str, args: list[Any]) -> Any:
        target = Path(display(args[0])) if args else Path()
        if not target.is_absolute():
            target = self.crate / target
        try:
            if name == "write":
                data = args[1]
                target.write_bytes(data if isinstance(data, bytes) else display(data).encode())
                return Res()
            if name == "read_to_string":
                return Res(ok=target.read_text())
            if name == "read":
                return Res(ok=target.read_bytes())
            if name == "create_dir_all":
                target.mkdir(parents=True, exist_ok=True)
                return Res()
            if name == "remove_dir_all":
                import shutil

                shutil.rmtree(target)
                return Res()
            if name == "remove_file":
                target.unlink()
                return Res()
            if name == "metadata":
                info = target.stat()
                return Res(ok=Metadata(info.st_size, info.st_mtime_ns, info.st_mode))
            if owner == "File" and name == "create":
                target.write_bytes(b"")
                return Res(ok=TempFile(str(target)))
        except OSError as exc:
            return Res(err=str(exc))
        raise Unsupported(f"std::fs::{name}")

    def process_env(self, name: str, args: list[Any]) -> Any:
        """The test process's own environment, which the commands it runs inherit."""
        if name == "temp_dir":
            return str(self.workdir)
        if name == "set_var":
            self.env[display(args[0])] = display(args[1])
            return None
        if name == "remove_var":
            self.env.pop(display(args[0]), None)
            return None
        if name == "var":
            value = self.env.get(display(args[0]))
            return Res(ok=value) if value is not None else Res(err="environment variable not found")
        if name == "current_dir":
            return Res(ok=str(self.crate))
        raise Unsupported(f"std::env::{name}")

    # -- mock servers
    def start_server(self) -> Any:
        from .mock_server import MockServer

        server = MockServer([])
        server.start()
        name = f"server{len(self.servers)}"
        self.servers.append((name, server))
        return server

    def mount(self, text: str, env: Env) -> None:
        """A `Mock::given(..)...mount(&server)` statement: the mock, on that server."""
        from .translate import Json, Scope, Untranslatable, _mock

        scope = Scope(self.workdir, self.crate, self.helpers, self.consts, matchers=self.matchers)
        names = {id(s): n for n, s in self.servers}
        e: Env | None = env
        while e is not None:
            for key, value in e.vars.items():
                if id(value) in names:
                    scope.servers.append(key)
                    scope.aliases[key] = names[id(value)]
                elif key in scope.values:
                    continue
                elif isinstance(value, str | int | bytes):
                    scope.values[key] = value
                elif isinstance(value, J):
                    scope.values[key] = Json(value.value)
            e = e.parent
        try:
            spec = _mock(text, scope)
        except Untranslatable as exc:
            raise Unsupported(str(exc)) from None
        server = dict(self.servers)[spec.server]
        server.mount(spec)

    def stop_servers(self) -> list[str]:
        for served in self.served:
            served.stop()
        return [msg for _, s in self.servers for msg in s.stop()]

    # -- the binary
    def run(self, cmd: Command) -> Output:
        if not isinstance(cmd.program, Binary):
            raise Unsupported(f"running {display(cmd.program)!r}, not the assay binary")
        words = [a for a in cmd.args if not a.startswith("-")]
        if words and words[0] in NOT_RUNTIME_COMMANDS:
            raise NotRuntime(NOT_RUNTIME_COMMANDS[words[0]])
        env = {**self.env, **cmd.env}
        for key in cmd.removed:
            env.pop(key, None)
        self.commands += 1
        self.last = f"assay-py {' '.join(cmd.args)[:160]}"
        try:
            proc = subprocess.run(
                [*self.assay_py, *cmd.args],
                cwd=cmd.cwd or self.crate,
                env=env,
                input=cmd.stdin if cmd.stdin is not None else b"",
                capture_output=True,
                timeout=90,
            )
        except subprocess.TimeoutExpired:
            raise Panic(f"assay-py {' '.join(cmd.args)[:200]} timed out after 90 s") from None
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        self.last += f" -> exit {proc.returncode}" + (f", stderr: {err[-1][:160]}" if err else "")
        return Output(proc.stdout, proc.stderr, Status(proc.returncode))

    def policy_parse(self, yaml_text: str) -> Res:
        """`Policy::parse(yaml)`: assay-py given that policy file, refusing it or running."""
        handle, file = tempfile.mkstemp(prefix="policy-", suffix=".yaml", dir=self.workdir)
        os.close(handle)
        Path(file).write_text(yaml_text)
        var = self.consts.get("POLICY_FILE_ENV", '"ASSAY_POLICY_FILE"').strip('"')
        out = self.run(Command(Binary(), ["exec", "-e", "return 1"], env={var: file}))
        if out.status.code == 0:
            return Res(ok="<a policy>")
        return Res(err=out.stderr.decode("utf-8", "replace"))

    # -- methods, by the receiver's kind
    def method(self, value: Any, name: str, args: list[Any]) -> Any:
        from .cli_methods import method

        if isinstance(value, _Builder):
            if name in ("run_until", "block_on"):
                return args[-1]  # the future, already run where it was written
            return value  # a runtime or client builder: its settings change nothing here
        if isinstance(value, LuaVm | cli_serve.Chunk | cli_serve.Globals):
            return cli_serve.vm_method(self, value, name, args)
        if isinstance(value, cli_serve.WsClient | cli_serve.CloseFrame):
            return cli_serve.ws_method(value, name, args)
        return method(self, value, name, args)

    def variant(self, value: Any, path: tuple[str, ...]) -> list[Any] | None:
        name = path[-1]
        if isinstance(value, Res):
            if name == "Ok":
                return [value.ok] if value.err is None else None
            if name == "Err":
                return [value.err] if value.err is not None else None
        if name == "None":
            return [] if value is NONE else None
        if name == "Some":
            return [value] if value is not NONE else None
        return cli_serve.variant(value, path)


class _Builder:
    """A builder of a Tokio runtime, a LocalSet or an HTTP client: a test's plumbing."""


_BUILDERS = {
    "reqwest::Client::builder",
    "reqwest::Client::new",
    "tokio::runtime::Builder::new_current_thread",
    "tokio::runtime::Builder::new_multi_thread",
    "tokio::task::LocalSet::new",
    "LocalSet::new",
    "Mutex::new",
    "std::sync::Mutex::new",
}


def _format(args: list[Any], named: dict[str, Any]) -> str:
    template = args[0]
    if not isinstance(template, str):
        raise Unsupported("format! without a literal")
    positional = list(args[1:])
    index = 0

    def one(m: re.Match[str]) -> str:
        nonlocal index
        whole = m.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        key, _, spec = m.group(1).partition(":")
        if key == "":
            value = positional[index] if index < len(positional) else ""
            index += 1
        elif key.isdigit():
            value = positional[int(key)]
        elif key in named:
            value = named[key]
        else:
            raise Unsupported(f"format! of {key}")
        return debug(value) if "?" in spec else display(value)

    return re.sub(r"\{\{|\}\}|\{([^{}]*)\}", one, template)
