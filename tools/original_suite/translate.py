"""Turn one of the original's Rust test functions into a case we can run: mocks, Lua, checks.

What cannot be translated faithfully is reported with a reason instead of being guessed at;
Rust-side assertions we do not re-run are flagged so the figures stay honest.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rust_source import (
    Helper,
    RustFunction,
    calls,
    literal_at,
    masked,
    matching,
    skip_literal,
    split_args,
    string_value,
)
from .vm_options import Vm, build_vm, is_vm_call


class Untranslatable(Exception):
    """The test uses Rust we do not model; the message says what."""


@dataclass
class MockSpec:
    server: str
    method: str | None = None
    path: str | None = None
    path_regex: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    headers_present: list[str] = field(default_factory=list)
    body_json: Any = None
    has_body_json: bool = False
    body_contains: list[str] = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    expect: int | None = None
    up_to: int | None = None
    query_json_keys: list[tuple[str, str]] = field(default_factory=list)
    """(parameter, key): the query parameter, read as JSON, has that key."""
    body_json_fields: dict[str, Any] = field(default_factory=dict)
    """top-level fields of the JSON body that must have these values."""


@dataclass
class WsSpec:
    """A WebSocket server the test starts in Rust, as the harness serves it."""

    name: str
    kind: str
    """``echo`` or ``exec``"""
    negotiates: bool = False
    status: str = ""


@dataclass
class Step:
    """One Lua run of a test and what the Rust around it expects of that run."""

    lua: str = ""
    mode: str = "run"
    """``run``: the chunk must succeed; ``eval``: its value is checked by ``checks``."""
    expect_error: bool = False
    error_contains: list[list[str]] = field(default_factory=list)
    """Each group: at least one of its texts is in the error."""
    error_absent: list[str] = field(default_factory=list)
    error_ignore_case: bool = False
    checks: list[str] = field(default_factory=list)
    """Lua boolean expressions over ``__v`` (the chunk's value) that must hold."""
    files: dict[str, str | bytes] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)
    """Variables the test sets (or removes, None) in its own environment before the run."""
    lib_path: str | None = None
    """A folder searched first for `assay.*` modules (the original's VM lib path)."""
    flags: list[str] = field(default_factory=list)
    """Options of `assay-py run` that give the VM the test built (`--readonly`)."""


@dataclass
class Case:
    file: str
    name: str
    steps: list[Step] = field(default_factory=list)
    """The test's Lua runs, in order; all share the mocks."""
    mocks: list[MockSpec] = field(default_factory=list)
    servers: list[str] = field(default_factory=list)
    ws_servers: list[WsSpec] = field(default_factory=list)
    rust_side: bool = False
    """The test also asserts in Rust (requests received, files written) and we do not."""
    skip: str | None = None


_SERVER_START = re.compile(r"MockServer::(?:start|builder\(\)[^;]*\.start)\(\)\s*\.await")
_LET = re.compile(r"\blet\s+(?:mut\s+)?(\w+)\s*(?::\s*([^=]+?))?\s*=\s*")
RUNNERS = ("run_lua_with_lib_path", "run_lua_local", "run_lua", "eval_lua_local", "eval_lua")


@dataclass(frozen=True)
class Json:
    """A `serde_json::Value` the test built with `json!`."""

    value: Any


_RANGE_MAP = re.compile(
    r"\((-?\d+)\.\.(=?)(-?\d+)\)\.map\(\|(\w+)\|\s*(.+)\)\.collect(?:::<[^>]*>)?\(\)", re.S
)


class _Nothing:
    """Rust's `None`; `Some(x)` is x itself."""

    def __repr__(self) -> str:
        return "None"


NOTHING = _Nothing()

Value = str | int | bytes | Json | _Nothing | Vm


def _to_json(value: Value) -> Any:
    if isinstance(value, _Nothing):
        return None
    if isinstance(value, bytes):
        return list(value)
    return value.value if isinstance(value, Json) else value


class Scope:
    """The values of the test's simple `let` bindings: servers, strings, numbers, temp paths."""

    def __init__(
        self,
        workdir: Path,
        crate: Path,
        helpers: dict[str, Helper],
        consts: dict[str, str],
        parent: Scope | None = None,
        matchers: dict[str, str] | None = None,
    ) -> None:
        self.values: dict[str, Value] = {}
        self.written: dict[str, str | bytes] = parent.written if parent else {}
        self.ws_servers: list[WsSpec] = parent.ws_servers if parent else []
        self.failed: dict[str, str] = {}
        """Files the helpers called so far write, shared by every scope of a test."""
        self.matchers: dict[str, str] = (
            matchers if matchers is not None else (parent.matchers if parent else {})
        )
        self.servers: list[str] = list(parent.servers) if parent else []
        self.aliases: dict[str, str] = dict(parent.aliases) if parent else {}
        """A helper's parameter name -> the test's server it was given."""
        self.workdir = workdir
        self.crate = crate
        self.helpers = helpers
        self.consts = consts
        self.parent = parent

    def lookup(self, name: str) -> Value | None:
        if name in self.values:
            return self.values[name]
        if self.parent is not None:
            return self.parent.lookup(name)
        if name in self.consts:
            return self.eval(self.consts[name])
        return None

    def text(self, expr: str) -> str:
        return str(self.eval(expr))

    def content(self, expr: str) -> str | bytes:
        """What `fs::write(path, expr)` writes: text, or bytes."""
        value = self.eval(expr)
        if isinstance(value, bytes):
            return value
        if isinstance(value, Json) and isinstance(value.value, list):
            return bytes(value.value)
        return str(value)

    def number(self, expr: str) -> int:
        value = self.eval(expr)
        if not isinstance(value, int):
            raise Untranslatable(f"{expr[:40]!r} is not a number")
        return value

    def eval(self, expr: str) -> Value:
        expr = expr.strip().rstrip(",").strip()
        expr = re.sub(r"^&(mut\s+)?", "", expr).strip()
        for suffix in _NOOP_SUFFIXES:
            if expr.endswith(suffix):
                return self.eval(expr[: -len(suffix)])
        if expr == "None":
            return NOTHING
        shebang = re.fullmatch(r"(?:\w+::)*strip_shebang\((.*)\)", expr, re.S)
        if shebang:
            return self.eval(shebang.group(1))  # the runner strips a shebang line itself
        if expr in ("true", "false"):
            return expr == "true"
        if expr in ("String::new()", "Vec::new()", "vec![]"):
            return "" if expr.startswith("String") else Json([])
        m = re.fullmatch(r"Some\s*\((.*)\)", expr, re.S)
        if m and matching(expr, expr.index("(")) == len(expr) - 1:
            return self.eval(m.group(1))
        if re.match(r"match\s", expr):
            return self.match(expr)
        if is_vm_call(expr):
            return build_vm(expr, self)
        m = re.fullmatch(r"(?:\w+::)*(ExecMode::\w+)", expr)
        if m:
            return m.group(1)
        m = re.fullmatch(r"(?:\w+::)+([A-Z][A-Z0-9_]*)", expr)
        if m and m.group(1) in self.consts:
            return self.eval(self.consts[m.group(1)])
        method = _trailing_method(expr)
        if method is not None:
            value = self.method(*method)
            if value is not None:
                return value
        m = re.fullmatch(r"(.+?)\s+as\s+\w+", expr, re.S)
        if m:
            return self.eval(m.group(1))
        if expr.startswith("(") and matching(expr, 0) == len(expr) - 1:
            return self.eval(expr[1:-1])
        lit = literal_at(expr, 0)
        if lit is not None and lit[1] == len(expr):
            if re.match(r"b r?#*\"|b\"", expr.replace("br", "b r", 1)):
                return lit[0].encode("latin-1")
            return lit[0]
        number = _NUMBER.fullmatch(expr)
        if number and "." not in number.group(1):
            return int(number.group(1).replace("_", ""))
        hexa = re.fullmatch(r"0x([0-9a-fA-F_]+)(?:_?[iu](?:8|16|32|64|size))?", expr)
        if hexa:
            return int(hexa.group(1).replace("_", ""), 16)
        m = re.fullmatch(r"vec!\s*\[(.+);(.+)\]", expr, re.S)
        if m and ";" not in masked(m.group(1)):
            item = self.eval(m.group(1))
            if isinstance(item, int) and 0 <= item < 256:
                return bytes([item]) * self.number(m.group(2))
            return Json([_to_json(item)] * self.number(m.group(2)))
        m = re.fullmatch(r"(\w+)\.uri\(\)", expr)
        if m and m.group(1) in self.servers:
            return "{{server:" + m.group(1) + "}}"
        m = re.fullmatch(r"(\w+)\.address\(\)\.ip\(\)", expr)
        if m and m.group(1) in self.servers:
            return "127.0.0.1"
        m = re.fullmatch(r"(\w+)\.address\(\)\.port\(\)", expr)
        if m and m.group(1) in self.servers:
            return "{{port:" + m.group(1) + "}}"
        if re.fullmatch(r"\w+", expr):
            value = self.lookup(expr)
            if value is not None:
                return value
            scope: Scope | None = self
            while scope is not None:
                if expr in scope.failed:
                    raise Untranslatable(scope.failed[expr])
                scope = scope.parent
        m = re.fullmatch(r"(?:serde_json::)?json!\s*[({\[](.*)", expr, re.S)
        if m:
            inner = expr[expr.index("!") + 1 :].strip()
            if inner.startswith("(") and inner.endswith(")"):
                inner = inner[1:-1]
            return Json(_json_value(inner, self))
        if re.fullmatch(r"format!\s*\((.*)\)", expr, re.S):
            return self.format(expr[expr.index("(") + 1 : -1])
        m = re.fullmatch(r"(.+?)\.join\((.+)\)", expr, re.S)
        if m:
            return str(Path(self.text(m.group(1))) / self.text(m.group(2)))
        if re.fullmatch(
            r"(tempfile::)?(tempdir|TempDir::new)\(\)|tempfile::TempDir::new\(\)", expr
        ):
            return tempfile.mkdtemp(dir=self.workdir)
        if expr in ("std::env::temp_dir()", "env::temp_dir()"):
            return tempfile.mkdtemp(dir=self.workdir)
        if re.fullmatch(r"std::process::id\(\)", expr):
            return 4242
        if "SystemTime::now()" in expr and re.search(r"as_secs\(\)\s*$", expr):
            return int(time.time())
        m = re.fullmatch(r"(?:std::)?fs::read_to_string\((.+)\)", expr, re.S)
        if m:
            p = Path(self.text(m.group(1)))
            return (p if p.is_absolute() else self.crate / p).read_text()
        product = re.fullmatch(r"\d[\d_]*(?:\s*\*\s*\d[\d_]*)+", expr)
        if product:
            result = 1
            for factor in expr.split("*"):
                result *= int(factor.strip().replace("_", ""))
            return result
        m = re.fullmatch(r"(\w+)\s*([+-])\s*(\d+)", expr)
        if m:
            base = self.eval(m.group(1))
            if isinstance(base, int):
                return base + int(m.group(3)) * (1 if m.group(2) == "+" else -1)
        m = re.fullmatch(r"(\w+)\s*\((.*)\)", expr, re.S)
        if m and m.group(1) in self.helpers:
            return self.call(m.group(1), split_args(m.group(2)))
        m = _RANGE_MAP.fullmatch(expr)
        if m:
            stop = int(m.group(3)) + (1 if m.group(2) else 0)
            out = []
            for i in range(int(m.group(1)), stop):
                each = Scope(self.workdir, self.crate, self.helpers, self.consts, self)
                each.values[m.group(4)] = i
                out.append(_to_json(each.eval(m.group(5))))
            return Json(out)
        m = re.fullmatch(r"vec!\s*\[(.*)\]", expr, re.S)
        if m and ";" not in masked(m.group(1)):
            return Json([_to_json(self.eval(a)) for a in split_args(m.group(1))])
        raise Untranslatable(f"expression {expr[:60]!r}")

    def method(self, receiver: str, name: str, args: list[str]) -> Value | None:
        """`receiver.name(args)` for the string and list methods tests build values with."""
        if name == "join" and len(args) == 1:
            base = self.eval(receiver)
            if isinstance(base, Json) and isinstance(base.value, list):
                return self.text(args[0]).join(str(v) for v in base.value)
            return str(Path(str(base)) / self.text(args[0]))
        unary = {
            "to_uppercase": str.upper,
            "to_lowercase": str.lower,
            "to_ascii_uppercase": str.upper,
            "to_ascii_lowercase": str.lower,
        }
        if name in unary and not args:
            return unary[name](self.text(receiver))
        if name == "len" and not args:
            base = self.eval(receiver)
            if isinstance(base, bytes):
                return len(base)
            return len(base.value) if isinstance(base, Json) else len(str(base))
        if name in ("replace", "replacen") and len(args) >= 2:
            count = self.number(args[2]) if name == "replacen" else -1
            return self.text(receiver).replace(self.text(args[0]), self.text(args[1]), count)
        if name == "repeat" and len(args) == 1:
            return self.text(receiver) * self.number(args[0])
        if name in ("trim_start_matches", "trim_end_matches", "trim_matches") and len(args) == 1:
            text, cut = self.text(receiver), self.text(args[0])
            if cut:
                while name != "trim_end_matches" and text.startswith(cut):
                    text = text[len(cut) :]
                while name != "trim_start_matches" and text.endswith(cut):
                    text = text[: -len(cut)]
            return text
        if name in ("unwrap_or_else", "expect", "unwrap"):
            return self.eval(receiver)
        if name in ("unwrap_or", "unwrap_or_default") and len(args) <= 1:
            base = self.eval(receiver)
            if isinstance(base, _Nothing):
                return self.eval(args[0]) if args else ""
            return base
        return None

    def match(self, expr: str) -> Value:
        """`match X { Some(v) => a, None => b, "lit" => c, _ => d }` over a modelled X."""
        inner, result = self._arm(expr)
        if result.startswith("{") and matching(result, 0) == len(result) - 1:
            block = result[1:-1]
            inner.bind(block)
            return inner.eval(block[_last_statement_start(block) :])
        return inner.eval(result)

    def match_arm(self, expr: str) -> str:
        """The code of the arm of `match X {...}` that applies (bindings substituted)."""
        inner, result = self._arm(expr)
        for key, value in inner.values.items():
            literal = json.dumps(_to_json(value)).replace("\\", "\\\\")
            result = re.sub(rf"\b{key}\b", literal, result)
        return result

    def _arm(self, expr: str) -> tuple[Scope, str]:
        open_at = masked(expr).index("{")
        subject = self.eval(expr[len("match") : open_at])
        close = matching(expr, open_at)
        if close != len(expr) - 1:
            raise Untranslatable("match followed by more")
        for arm in _match_arms(expr[open_at + 1 : close]):
            pattern, _, result = arm.partition("=>")
            pattern = pattern.strip()
            inner = Scope(self.workdir, self.crate, self.helpers, self.consts, self)
            some = re.fullmatch(r"Some\s*\(\s*(\w+)\s*\)", pattern)
            if some and not isinstance(subject, _Nothing):
                inner.values[some.group(1)] = subject
            elif not (
                pattern == "_"
                or (pattern == "None" and isinstance(subject, _Nothing))
                or (literal_at(pattern, 0) is not None and self.eval(pattern) == subject)
            ):
                continue
            return inner, result.strip()
        raise Untranslatable("no match arm applies")

    def call(self, name: str, args: list[str]) -> Value:
        helper = self.helpers[name]
        if len(args) != len(helper.params):
            raise Untranslatable(f"call of {name} with {len(args)} arguments")
        ws = _ws_helper(helper.body)
        if ws is not None:
            spec = WsSpec(f"ws{len(self.ws_servers)}", ws, "Sec-WebSocket-Protocol" in helper.body)
            if ws == "exec":
                spec.status = self.text(args[0])
            self.ws_servers.append(spec)
            return "{{port:" + spec.name + "}}"
        if re.search(r"\bcreate_vm\w*\s*\(", masked(helper.body)):
            return self._vm(name, args)
        native = _native_helper(helper.body)
        if native is not None:
            built: Value = native([self.eval(a) for a in args])
            return built
        inner = self.enter(name, args)
        body = helper.body.strip()
        inner.bind(body)
        for _, a in calls(body, "std::fs::write") + calls(body, "fs::write"):
            # A helper that writes a file (a kubeconfig, a fixture) does so when called.
            p, content = split_args(a)
            try:
                self.written[inner.text(p)] = inner.content(content)
            except Untranslatable:
                raise Untranslatable("fs::write of a computed value") from None
        tail = body[_last_statement_start(body) :].strip()
        return inner.eval(tail)

    def _vm(self, name: str, args: list[str]) -> Value:
        """A helper that builds a VM, with the options it gives it."""
        inner = self.enter(name, args)
        inner.bind(self.helpers[name].body)
        return build_vm(self.helpers[name].body, inner)

    def enter(self, name: str, args: list[str]) -> Scope:
        """A scope for the body of helper `name` called with `args`."""
        helper = self.helpers[name]
        inner = Scope(self.workdir, self.crate, self.helpers, self.consts, self)
        for param, arg in zip(helper.params, args, strict=True):
            server = self.server_of(arg)
            if server is not None:
                inner.servers.append(param)
                inner.aliases[param] = server
            else:
                inner.values[param] = self.eval(arg)
        return inner

    def server_of(self, expr: str) -> str | None:
        name = expr.strip().lstrip("&").strip()
        if name in self.servers:
            return self.aliases.get(name, name)
        return None

    def format(self, inner: str) -> str:
        args = split_args(inner)
        template = literal_at(args[0], 0)
        if template is None:
            raise Untranslatable("format! without a literal")
        positional = [a for a in args[1:] if not re.match(r"\w+\s*=[^=]", a)]
        named = {
            a.split("=", 1)[0].strip(): a.split("=", 1)[1] for a in args[1:] if a not in positional
        }
        index = 0

        def field_value(m: re.Match[str]) -> str:
            nonlocal index
            whole = m.group(0)
            if whole == "{{":
                return "{"
            if whole == "}}":
                return "}"
            key, _, spec = m.group(1).partition(":")
            if spec not in ("", "?") and not re.fullmatch(r"\d+", spec):
                raise Untranslatable(f"format spec {{:{spec}}}")
            if key == "":
                if index >= len(positional):
                    raise Untranslatable("format! with too few arguments")
                value = self.eval(positional[index])
                index += 1
            elif key.isdigit():
                value = self.eval(positional[int(key)])
            elif key in named:
                value = self.eval(named[key])
            else:
                value = self.eval(key)
            if spec == "?" and isinstance(value, str):
                return json.dumps(value)
            return str(value)

        return re.sub(r"\{\{|\}\}|\{([^{}]*)\}", field_value, template[0])

    def bind(self, body: str) -> None:
        """Evaluate the body's `let` statements in order, keeping what we can model."""
        mask = masked(body)
        for m in re.finditer(r"\blet\s+\(\s*(\w+)\s*,[^)]*\)\s*=\s*", mask):
            # `let (port, captured) = start_server().await`: the first of the pair.
            try:
                self.values[m.group(1)] = self.eval(body[m.end() : _statement_end(body, m.end())])
            except (Untranslatable, ValueError, IndexError, OSError):
                continue
        for m in _LET.finditer(mask):
            end = _statement_end(body, m.end())
            expr = body[m.end() : end]
            name = m.group(1)
            if _SERVER_START.search(expr):
                self.servers.append(name)
                continue
            try:
                self.values[name] = self.eval(expr)
            except Untranslatable as exc:
                self.failed[name] = str(exc)  # the reason to give if it is needed
                continue
            except (ValueError, IndexError, OSError):
                continue


_NOOP_SUFFIXES = (
    ".await",
    ".to_string()",
    ".to_owned()",
    ".as_str()",
    ".unwrap()",
    ".display()",
    ".to_string_lossy()",
    ".to_str()",
    ".into()",
    ".path()",
    ".clone()",
    ".as_bytes()",
    ".trim()",
    "[..]",
    "?",
)


def _bytes_of(value: Value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, Json) and isinstance(value.value, list):
        return bytes(value.value)
    return str(value).encode()


def _tar(name: str, data: bytes, gz: bool) -> bytes:
    import gzip
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o755
        archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue()) if gz else buffer.getvalue()


def _ws_helper(body: str) -> str | None:
    """`echo` or `exec` when the helper starts a WebSocket server of a shape we serve."""
    code = masked(body)
    if "accept_async" not in code and "accept_hdr_async" not in code:
        return None
    if "stdout_frame" in code and "status_frame" in code:
        return "exec"
    if re.search(r"write\s*\.send\s*\(\s*msg\s*\)", code):
        return "echo"
    return None


def _native_helper(body: str) -> Any:
    """Python for a test helper that builds bytes with a Rust crate (an archive, a compressed
    payload, a Lua string literal of them), recognised by what it calls; else None."""
    import gzip
    import lzma

    code = re.sub(r"\s+", "", masked(body))
    if "tar::Builder" in code:
        return lambda a: _tar(str(a[0]), _bytes_of(a[1]), "GzEncoder" in code)
    if "GzEncoder" in code:
        return lambda a: gzip.compress(_bytes_of(a[0]))
    if "XzEncoder" in code:
        return lambda a: lzma.compress(_bytes_of(a[0]), format=lzma.FORMAT_XZ)
    if "zstd::stream::encode_all" in code:

        def zstd(a: list[Value]) -> bytes:
            import zstandard

            return bytes(zstandard.ZstdCompressor().compress(_bytes_of(a[0])))

        return zstd
    if re.search(r'format!\("\\\\\{\}",b\)', re.sub(r"\s+", "", body)):
        # `\{byte}` for each byte, in quotes: a Lua literal in decimal escapes.
        return lambda a: '"' + "".join(f"\\{b}" for b in _bytes_of(a[0])) + '"'
    return None


def _trailing_method(expr: str) -> tuple[str, str, list[str]] | None:
    """`receiver`, `name` and arguments when expr is a method call `receiver.name(args)`."""
    if not expr.endswith(")"):
        return None
    mask = masked(expr)
    try:
        depth = 0
        for i in range(len(expr) - 1, -1, -1):
            c = mask[i]
            if c in ")]}":
                depth += 1
            elif c in "([{":
                depth -= 1
                if depth == 0:
                    head = re.search(r"\.(\w+)\s*$", mask[:i])
                    if head is None or head.start() == 0:
                        return None
                    return expr[: head.start()], head.group(1), split_args(expr[i + 1 : -1])
    except ValueError:
        return None
    return None


def _match_arms(text: str) -> list[str]:
    """The arms of a match body: `pat => expr,` or `pat => { block }` with an optional comma."""
    arms: list[str] = []
    mask = masked(text)
    i = 0
    while i < len(text):
        arrow = mask.find("=>", i)
        if arrow < 0:
            break
        j = arrow + 2
        while j < len(text) and text[j].isspace():
            j += 1
        end = matching(text, j) + 1 if text[j : j + 1] == "{" else _arm_end(text, j)
        arms.append(text[i:end].strip())
        i = end
        while i < len(text) and (text[i].isspace() or text[i] == ","):
            i += 1
    return arms


def _arm_end(text: str, start: int) -> int:
    mask = masked(text)
    depth = 0
    for i in range(start, len(text)):
        c = mask[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return i
    return len(text)


def _last_statement_start(body: str) -> int:
    """Where a function body's tail expression (its value) starts."""
    mask = masked(body)
    depth = 0
    last = 0
    for i, c in enumerate(mask):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ";" and depth == 0:
            last = i + 1
    return last


def _statement_end(text: str, start: int) -> int:
    mask = masked(text)
    depth = 0
    for i in range(start, len(text)):
        c = mask[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return i
        elif c == ";" and depth == 0:
            return i
    return len(text)


_NUMBER = re.compile(
    r"(?<![\w.])(-?\d[\d_]*(?:\.\d[\d_]*)?)(?:_?(?:[iu](?:8|16|32|64|128|size)|f32|f64))?\b"
)


def _plain_code(text: str) -> str:
    """text without comments, its number literals without `_` separators or type suffixes."""
    out: list[str] = []
    i = code_from = 0
    while i < len(text):
        j = skip_literal(text, i)
        if j == i:
            i += 1
            continue
        out.append(_NUMBER.sub(lambda m: m.group(1).replace("_", ""), text[code_from:i]))
        if not text.startswith(("//", "/*"), i):
            out.append(text[i:j])
        i = code_from = j
    out.append(_NUMBER.sub(lambda m: m.group(1).replace("_", ""), text[code_from:]))
    return "".join(out)


def _json_value(text: str, scope: Scope) -> Any:
    """The value of a `json!(...)` body: JSON text whose values may be Rust expressions."""
    cleaned = re.sub(r",(\s*[}\]])", r"\1", _plain_code(text.strip()))
    mask = masked(cleaned)
    pieces: list[str] = []
    last = 0
    for m in re.finditer(r"[A-Za-z_&]\w*(?:::\w+)*", mask):
        if m.start() < last:
            continue
        end = m.end()
        # Take the whole expression: calls, macro calls and method chains.
        while end < len(mask) and mask[end] in "!(.":
            if mask[end] == "(":
                end = matching(cleaned, end) + 1
            elif mask[end] == "!":
                end += 1
            else:
                ident = re.match(r"\.\w+", mask[end:])
                if ident is None:
                    break
                end += ident.end()
        token = cleaned[m.start() : end]
        pieces.append(cleaned[last : m.start()])
        if token in ("true", "false", "null", "serde_json::Value::Null", "Value::Null"):
            token = "null" if token.endswith("Null") else token
            pieces.append(token)
        else:
            try:
                pieces.append(json.dumps(_to_json(scope.eval(token))))
            except (Untranslatable, OSError):
                pieces.append(token)
        last = end
    pieces.append(cleaned[last:])
    try:
        return json.loads("".join(pieces))
    except json.JSONDecodeError as exc:
        raise Untranslatable(f"json! body: {exc}") from exc


_KNOWN_MATCHERS = {
    "method",
    "path",
    "path_regex",
    "query_param",
    "header",
    "header_exists",
    "body_json",
    "body_string_contains",
}


def _mock(statement: str, scope: Scope) -> MockSpec:
    mount = calls(statement, ".mount")
    target = mount[0][1] if mount else ""
    server = scope.server_of(target)
    if server is None:
        raise Untranslatable(f"mock mounted on {target.strip()!r}")
    spec = MockSpec(server=server)
    text = statement
    for _, arg in calls(statement, ".and") + calls(statement, "Mock::given"):
        head = re.match(r"\s*(?:wiremock::matchers::)?(\w+)", arg)
        name = head.group(1) if head else arg
        if name in scope.matchers:
            _custom_matcher(spec, scope.matchers[name], arg[head.end() if head else 0 :], scope)
            continue
        if name not in _KNOWN_MATCHERS and not (
            name in scope.helpers and "header(" in scope.helpers[name].body
        ):
            raise Untranslatable(f"matcher {name}")
    for name, helper in scope.helpers.items():
        if (
            not helper.params
            and "header(" in helper.body
            and re.search(rf"\b{name}\(\)", masked(text))
        ):
            inlined = helper.body.strip().rstrip(";")
            text = re.sub(rf"\b{name}\(\)", inlined.replace("\\", "\\\\"), text)
    for _, arg in calls(text, "method"):
        spec.method = scope.text(arg).upper()
    for _, arg in calls(text, "path"):
        spec.path = scope.text(arg)
    for _, arg in calls(text, "path_regex"):
        spec.path_regex = scope.text(arg)
    for _, arg in calls(text, "query_param"):
        k, v = split_args(arg)
        spec.query[scope.text(k)] = scope.text(v)
    for _, arg in calls(text, "header"):
        k, v = split_args(arg)
        spec.headers[scope.text(k).lower()] = scope.text(v)
    for _, arg in calls(text, "header_exists"):
        spec.headers_present.append(scope.text(arg).lower())
    for _, arg in calls(text, "body_string_contains"):
        spec.body_contains.append(scope.text(arg))
    for _, arg in calls(text, "body_json"):
        spec.body_json = _to_json(scope.eval(arg))
        spec.has_body_json = True
    for unknown in ("body_partial_json", "query_param_is_missing", "body_string", "bearer_token"):
        if re.search(rf"(?<![\w.]){unknown}\s*\(", masked(text)):
            raise Untranslatable(f"matcher {unknown}")
    respond = calls(text, ".respond_with")
    if respond:
        _response(spec, respond[0][1], scope)
    for _, arg in calls(text, ".expect"):
        spec.expect = int(arg.strip().split("..")[0] or 0)
    for _, arg in calls(text, ".up_to_n_times"):
        spec.up_to = int(arg)
    if "set_delay" in masked(text):
        raise Untranslatable("response delay")
    return spec


def _custom_matcher(spec: MockSpec, impl: str, args: str, scope: Scope) -> None:
    """A test's own `impl Match`, when it has one of the shapes we recognise."""
    value = scope.eval(args.strip()[1:-1]) if args.strip().startswith("(") else None
    text = re.sub(r"\s+", "", impl)
    query = re.search(r"query_pairs\(\)\.find\(\|\(k,_\)\|k==\"(\w+)\"\)", text)
    if query and "from_str" in text and ".get(self.0)" in text and isinstance(value, str):
        spec.query_json_keys.append((query.group(1), value))
        return
    field_eq = re.search(r"from_slice::<serde_json::Value>\(&req\.body\).*v\[\"(\w+)\"\]", text)
    if field_eq and "==self.0" in text:
        spec.body_json_fields[field_eq.group(1)] = _to_json(value) if value is not None else None
        return
    raise Untranslatable("a custom matcher of a shape we do not model")


def _response(spec: MockSpec, text: str, scope: Scope) -> None:
    """Fill the answer of a mock from `ResponseTemplate::new(..)...`, or a helper returning one."""
    head = re.fullmatch(r"\s*(\w+)\s*\((.*)\)\s*", text, re.S)
    if head and head.group(1) in scope.helpers:
        helper = scope.helpers[head.group(1)]
        inner = scope.enter(head.group(1), split_args(head.group(2)))
        inner.bind(helper.body)
        _response(spec, helper.body, inner)
        return
    for _, arg in calls(text, "ResponseTemplate::new"):
        spec.status = scope.number(arg)
    for _, arg in calls(text, ".set_body_json"):
        spec.body = json.dumps(_to_json(scope.eval(arg))).encode()
        spec.content_type = "application/json"
    for _, arg in calls(text, ".set_body_string"):
        spec.body = scope.text(arg).encode()
        spec.content_type = spec.content_type or "text/plain"
    for _, arg in calls(text, ".set_body_raw"):
        body, mime = split_args(arg)
        spec.body = scope.text(body).encode()
        spec.content_type = scope.text(mime)
    for _, arg in calls(text, ".set_body_bytes"):
        lit = arg.strip().lstrip("&").strip()
        for suffix in (".as_slice()", ".to_vec()", ".as_ref()"):
            lit = lit.removesuffix(suffix)
        if lit.startswith('b"') or lit.startswith("br"):
            spec.body = string_value(lit).encode("latin-1")
        else:
            content = scope.content(lit.replace(".as_bytes()", "").replace(".to_vec()", ""))
            spec.body = content if isinstance(content, bytes) else content.encode()
    for _, arg in calls(text, ".insert_header"):
        k, v = split_args(arg)
        spec.response_headers[scope.text(k)] = scope.text(v)
    for _, arg in calls(text, ".append_header"):
        k, v = split_args(arg)
        spec.response_headers[scope.text(k)] = scope.text(v)


_FOR_LOOP = re.compile(r"\bfor\s+(\(\s*\w+(?:\s*,\s*\w+)*\s*\)|\w+)\s+in\s+")


def _mocks(body: str, scope: Scope) -> list[MockSpec]:
    """The mocks a body mounts, itself or through helpers such as `mount_discovery(&server)`."""
    mask = masked(body)
    found: list[tuple[int, list[MockSpec]]] = []
    loops: list[tuple[int, int]] = []
    for m in _FOR_LOOP.finditer(mask):
        iterable_at = m.end()
        while mask[iterable_at] in "&" or mask.startswith("vec!", iterable_at):
            iterable_at += 4 if mask.startswith("vec!", iterable_at) else 1
        if mask[iterable_at] != "[":
            continue
        iterable_end = matching(body, iterable_at)
        open_at = mask.index("{", iterable_end)
        close = matching(body, open_at)
        loop_body = body[open_at + 1 : close]
        if "Mock::given" not in loop_body and not any(
            re.search(rf"(?<![\w.]){h}\s*\(", masked(loop_body)) for h in _mounting(scope.helpers)
        ):
            continue
        names = [n.strip() for n in m.group(1).strip("()").split(",") if n.strip()]
        group: list[MockSpec] = []
        for item in split_args(body[iterable_at + 1 : iterable_end]):
            item = item.strip()
            parts = split_args(item[1:-1]) if len(names) > 1 else [item]
            if len(parts) != len(names):
                raise Untranslatable("a for loop over items of another shape")
            each = Scope(scope.workdir, scope.crate, scope.helpers, scope.consts, scope)
            for name, part in zip(names, parts, strict=True):
                each.values[name] = scope.eval(part)
            each.bind(loop_body)
            group += _mocks(loop_body, each)
        found.append((m.start(), group))
        loops.append((m.start(), close))
    for m in re.finditer(r"Mock::given\s*\(", mask):
        if any(a <= m.start() <= b for a, b in loops):
            continue
        end = _statement_end(body, m.start())
        statement = body[m.start() : end]
        if ".mount" not in masked(statement):
            statement = _built_mock(body, m.start(), end, scope) or statement
        found.append((m.start(), [_mock(statement, scope)]))
    mounting = _mounting(scope.helpers)
    for name, helper in scope.helpers.items():
        if name not in mounting:
            continue
        for at, args in calls(body, name):
            if at > 0 and body[at - 1] == ".":
                continue  # a method of the same name, such as wiremock's `.mount(&server)`
            if any(a <= at <= b for a, b in loops):
                continue
            parts = split_args(args)
            if not any(scope.server_of(a) for a in parts):
                continue
            inner = scope.enter(name, parts)
            inner.bind(helper.body)
            found.append((at, _mocks(helper.body, inner)))
    return [mock for _, group in sorted(found, key=lambda f: f[0]) for mock in group]


_MOUNTING: dict[int, tuple[dict[str, Helper], set[str]]] = {}


def _built_mock(body: str, start: int, end: int, scope: Scope) -> str | None:
    """A mock built over several statements, `let b = Mock::given(..); let b = match x {
    Some(v) => b.and(..), None => b }; b.respond_with(..).mount(..)`, as one chain."""
    head = re.search(r"let\s+(\w+)\s*=\s*$", body[:start])
    if head is None:
        return None
    name = head.group(1)
    chain = body[start:end]
    at = end + 1
    while at < len(body):
        stop = _statement_end(body, at)
        statement = body[at:stop].strip()
        at = stop + 1
        rebind = re.match(rf"let\s+{name}\s*=\s*", statement)
        if rebind:
            value = statement[rebind.end() :].strip()
            if value.startswith("match"):
                value = scope.match_arm(value)
            if not re.match(rf"{name}\b", value):
                return None
            chain += value[len(name) :]
        elif re.match(rf"{name}\s*\.", statement):
            chain += statement[len(name) :]
            if ".mount" in masked(statement):
                return chain
        elif not statement:
            continue
    return None


def _mounting(helpers: dict[str, Helper]) -> set[str]:
    """Helpers that mount mocks, themselves or through other helpers (`mount_ok` -> `mount`)."""
    cached = _MOUNTING.get(id(helpers))
    if cached is not None and cached[0] is helpers:
        return cached[1]
    found = {name for name, h in helpers.items() if "Mock::given" in h.body}
    grew = True
    while grew:
        grew = False
        for name, h in helpers.items():
            if name not in found and any(
                re.search(rf"(?<![\w.]){m}\s*\(", masked(h.body)) for m in found
            ):
                found.add(name)
                grew = True
    _MOUNTING[id(helpers)] = (helpers, found)
    return found


_ELSE_ASSERT = re.compile(r"\bassert(?:_eq|_ne)?!\s*\(")


_VM_SET = re.compile(r"\b(?:vm|lua)\s*\.globals\(\)\s*\.set\s*\(")
_VM_LOAD = re.compile(r"\b(vm|lua)\s*\.load\s*\(")


def _lua_value(value: Value) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


@dataclass
class _Site:
    """One place a test runs Lua: where, how, with which scope, and the Rust that follows it."""

    start: int
    kind: str
    scope: Scope
    arg: str
    after: str
    prelude: str = ""
    before: str = ""
    vm: Vm | None = None
    """The VM a `vm.load(..)` runs on, when the test built one with options."""


def _runs_lua(helpers: dict[str, Helper]) -> set[str]:
    """Helpers that run Lua, themselves or through other helpers (`run(body)` -> `run_lua`)."""
    pattern = "|".join(re.escape(r) for r in RUNNERS)
    found = {
        name
        for name, h in helpers.items()
        if re.search(rf"(?<![\w.])(?:{pattern})\s*\(", masked(h.body))
        or _VM_LOAD.search(masked(h.body))
    }
    grew = True
    while grew:
        grew = False
        for name, h in helpers.items():
            if name not in found and any(
                re.search(rf"(?<![\w.]){m}\s*\(", masked(h.body)) for m in found
            ):
                found.add(name)
                grew = True
    return found


def _sites(body: str, scope: Scope, depth: int = 0) -> list[_Site]:
    """Every Lua run in a body, in order, looking through helpers that run Lua."""
    mask = masked(body)
    sites: list[tuple[int, str, str, str]] = []
    vms: dict[int, Vm] = {}
    looped: list[_Site] = []
    loops: list[tuple[int, int]] = []
    runs = _runs_lua(scope.helpers) if depth < 3 else set()
    runner = "|".join(re.escape(r) for r in (*RUNNERS, *sorted(runs)))
    for m in _FOR_LOOP.finditer(mask):
        # `for x in [a, b] { run_lua(..) }`: one run per item, in order.
        at = m.end()
        while mask[at] == "&":
            at += 1
        if mask[at] != "[":
            continue
        end = matching(body, at)
        open_at = mask.index("{", end)
        close = matching(body, open_at)
        loop_body = body[open_at + 1 : close]
        if not re.search(rf"(?<![\w.])(?:{runner})\s*\(", masked(loop_body)):
            continue
        names = [n.strip() for n in m.group(1).strip("()").split(",") if n.strip()]
        for item in split_args(body[at + 1 : end]):
            parts = split_args(item.strip()[1:-1]) if len(names) > 1 else [item]
            each = Scope(scope.workdir, scope.crate, scope.helpers, scope.consts, scope)
            for name, part in zip(names, parts, strict=True):
                each.values[name] = scope.eval(part)
            each.bind(loop_body)
            for site in _sites(loop_body, each, depth + 1):
                site.start, site.before = m.start(), body[: m.start()]
                looped.append(site)
        loops.append((m.start(), close))
    for name in RUNNERS:
        for at, arg in calls(body, name):
            if at > 0 and body[at - 1] == ".":
                continue
            if any(a <= at <= b for a, b in loops):
                continue
            sites.append((at, name, arg, ""))
    loads = list(_VM_LOAD.finditer(mask))
    if loads:
        # A body that builds its own VM: globals it sets become assignments before the chunk.
        prelude = ""
        for m in _VM_SET.finditer(mask):
            close = matching(body, m.end() - 1)
            key, value = split_args(body[m.end() : close])
            value = re.sub(
                r"^vm\.create_string\((.+)\)\.unwrap\(\)$", r"\1", value.strip(), flags=re.S
            )
            prelude += f"{scope.text(key)} = {_lua_value(scope.eval(value))}\n"
        for load in loads:
            close = matching(body, load.end() - 1)
            stmt_end = _statement_end(body, close + 1)
            kind = "eval_lua" if ".eval" in mask[close:stmt_end] else "run_lua"
            sites.append((load.start(), kind, body[load.end() : close], prelude))
            receiver = load.group(1)
            vm = scope.lookup(receiver)
            if vm is None and receiver in scope.failed:
                raise Untranslatable(scope.failed[receiver])
            if isinstance(vm, Vm):
                vms[load.start()] = vm
    out: list[_Site] = []
    helper_calls: list[tuple[int, str, str]] = []
    for name in runs:
        for at, arg in calls(body, name):
            if at > 0 and body[at - 1] == ".":
                continue
            if any(a <= at <= b for a, b in loops):
                continue
            helper_calls.append((at, name, arg))
    starts = [*sorted([s[0] for s in sites] + [h[0] for h in helper_calls]), len(body)]

    def segment_after(at: int) -> str:
        return body[at : starts[starts.index(at) + 1]] if at in starts else body[at:]

    for at, kind, arg, prelude in sites:
        out.append(_Site(at, kind, scope, arg, segment_after(at), prelude, body[:at], vms.get(at)))
    for at, name, arg in helper_calls:
        helper = scope.helpers[name]
        inner = scope.enter(name, split_args(arg))
        inner.bind(helper.body)
        for site in _sites(helper.body, inner, depth + 1):
            out.append(
                _Site(
                    at,
                    site.kind,
                    site.scope,
                    site.arg,
                    site.after + "\n;" + segment_after(at),
                    site.prelude,
                    body[:at],
                    site.vm,
                )
            )
    return sorted(out + looped, key=lambda s: s.start)


def _error_groups(after: str, scope: Scope) -> tuple[list[list[str]], list[str], bool]:
    """What an error must say: groups of which one must appear, texts that must not, and
    whether some check could not be modelled."""
    groups: list[list[str]] = []
    absent: list[str] = []
    unmodelled = False
    covered: list[tuple[int, int]] = []
    mask = masked(after)

    def needle(arg: str) -> str | None:
        try:
            return scope.text(arg)
        except (Untranslatable, ValueError, OSError):
            return None

    for m in _ELSE_ASSERT.finditer(mask):
        try:
            close = matching(after, m.end() - 1)
        except ValueError:
            continue  # the next run's statement, cut where that run starts
        parts = split_args(after[m.end() : close])
        if not parts:
            continue
        cond = parts[0]
        pieces = _split_top(cond, "||")
        if len(pieces) < 2:
            continue
        group: list[str] = []
        for piece in pieces:
            found = calls(piece, "contains")
            value = needle(found[0][1]) if found else None
            if value is None or piece.strip().startswith("!"):
                unmodelled = True
                group = []
                break
            group.append(value)
        if group:
            groups.append(group)
        covered.append((m.start(), close))
    for at, arg in calls(after, "contains"):
        if any(a <= at <= b for a, b in covered):
            continue
        value = needle(arg)
        if value is None:
            unmodelled = True
            continue
        # `!err.contains(..)`, not the `!` of `assert!(err.contains(..))`.
        if re.search(r"(?<![\w!])!\s*(?:[\w.]|\(\))*$", mask[:at]):
            absent.append(value)
        else:
            groups.append([value])
    return groups, absent, unmodelled


def _split_top(text: str, sep: str) -> list[str]:
    mask = masked(text)
    pieces: list[str] = []
    depth = 0
    last = 0
    i = 0
    while i < len(text):
        c = mask[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and mask.startswith(sep, i):
            pieces.append(text[last:i])
            last = i + len(sep)
            i += len(sep)
            continue
        i += 1
    pieces.append(text[last:])
    return [p.strip() for p in pieces]


def translate(
    path: str,
    fn: RustFunction,
    helpers: dict[str, Helper],
    consts: dict[str, str],
    workdir: Path,
    crate: Path,
    matchers: dict[str, str] | None = None,
) -> Case:
    case = Case(file=path, name=fn.name)
    if fn.ignored:
        case.skip = "#[ignore] in the original"
        return case
    body = fn.body
    for guard in re.finditer(
        r"let\s+Ok\((\w+)\)\s*=\s*std::env::var\(\"(\w+)\"\)\s*else\s*\{\s*return;?\s*\};",
        body,
    ):
        if guard.group(2) not in os.environ:
            case.skip = f"needs ${guard.group(2)} (the original returns early without it)"
            return case
    scope = Scope(workdir, crate, helpers, consts, matchers=matchers)
    for guard in re.finditer(r"let\s+Ok\((\w+)\)\s*=\s*std::env::var\(\"(\w+)\"\)", body):
        scope.values[guard.group(1)] = os.environ.get(guard.group(2), "")
    scope.bind(body)
    case.servers = list(scope.servers)

    sites = _sites(body, scope)
    case.ws_servers = list(scope.ws_servers)
    if not sites:
        raise Untranslatable("no run_lua/eval_lua call (a Rust-only test)")

    # Mocks: each statement that starts with Mock::given.
    case.mocks = _mocks(body, scope)

    previous = 0
    env: dict[str, str | None] = {}
    for site in sites:
        chunk = split_args(site.arg)[0]
        name = chunk.strip().lstrip("&").strip()
        lets = []
        if site.scope is scope and re.fullmatch(r"\w+", name):
            binding = rf"\blet\s+(?:mut\s+)?{name}\b[^=]*=\s*"
            lets = list(re.finditer(binding, masked(body[: site.start])))
        if lets:
            # The binding in force at this run, when a test rebinds `script` between runs.
            last = lets[-1]
            chunk = body[last.end() : _statement_end(body, last.end())]
        step = Step(lua=site.prelude + site.scope.text(chunk))
        step.mode = "eval" if site.kind.startswith("eval") else "run"
        if site.kind == "run_lua_with_lib_path":
            step.lib_path = site.scope.text(split_args(site.arg)[1])
        # Files written before this run (and after the one before it).
        before = body[previous : site.start]
        previous = site.start
        for _, a in calls(before, "std::env::set_var") + calls(before, "env::set_var"):
            k, v = split_args(a)
            env[scope.text(k)] = scope.text(v)
        for _, a in calls(before, "std::env::remove_var") + calls(before, "env::remove_var"):
            env[scope.text(a)] = None
        step.env = dict(env)
        if site.vm is not None:
            step.flags = list(site.vm.flags)
            step.env.update(site.vm.env)
            step.files.update(site.vm.files)
            step.lib_path = site.vm.lib_path or step.lib_path
        for _, a in calls(before, "std::fs::write") + calls(before, "fs::write"):
            p, content = split_args(a)
            try:
                step.files[scope.text(p)] = scope.content(content)
            except Untranslatable:
                raise Untranslatable("fs::write of a computed value") from None
        for _, a in calls(before, "std::fs::create_dir_all") + calls(before, "fs::create_dir_all"):
            step.dirs.append(scope.text(a))
        if not case.steps:
            step.files = {**scope.written, **step.files}
        _expectations(step, site, case)
        case.steps.append(step)
    return case


def _expectations(step: Step, site: _Site, case: Case) -> None:
    """What the Rust after a Lua run asserts about it, as far as we model it."""
    after = site.after
    after_mask = masked(after)
    run_stmt_end = _statement_end(after, 0)
    run_stmt = after_mask[:run_stmt_end]
    rest = after[run_stmt_end:]
    rest_mask = after_mask[run_stmt_end:]

    if "is_err()" in after_mask or "unwrap_err" in after_mask or "expect_err" in after_mask:
        step.expect_error = True
        step.error_ignore_case = "to_lowercase()" in after_mask
        step.error_contains, step.error_absent, unmodelled = _error_groups(after, site.scope)
        if unmodelled:
            case.rust_side = True
        return

    if step.mode == "eval":
        var = re.search(r"\blet\s+(\w+)[^;]*$", site.before[-200:])
        result = var.group(1) if var else "result"
        for m in _ELSE_ASSERT.finditer(rest_mask):
            try:
                close = matching(rest, m.end() - 1)
            except ValueError:
                continue
            parts = split_args(rest[m.end() : close])
            check = _eval_check(m.group(0), parts, result, site.scope)
            if check is None:
                case.rust_side = True
            else:
                step.checks.append(check)
        return

    checked = any(k in run_stmt for k in (".unwrap()", "unwrap_or_else", "expect("))
    if not checked and "is_ok()" not in rest_mask:
        case.rust_side = True
    if _ELSE_ASSERT.search(rest_mask) or "received_requests" in rest_mask or "sent_" in rest_mask:
        case.rust_side = True


def _eval_check(macro: str, parts: list[str], var: str, scope: Scope) -> str | None:
    """A Lua expression for `assert!(...)`/`assert_eq!(...)` over the eval result, or None."""
    if not parts:
        return None
    head = parts[0].strip()
    if macro.startswith("assert!"):
        for sep, word in (("||", " or "), ("&&", " and ")):
            pieces = _split_top(head, sep)
            if len(pieces) > 1:
                checks = [_eval_check(macro, [p, *parts[1:]], var, scope) for p in pieces]
                if any(c is None for c in checks):
                    return None
                return word.join(f"({c})" for c in checks)
        if head == var:
            return "__v == true"
        if head == f"!{var}":
            return "__v == false"
        if head.startswith("!"):
            inner = _eval_check(macro, [head[1:].strip(), *parts[1:]], var, scope)
            return None if inner is None else f"not ({inner})"
        m = re.fullmatch(
            rf"{var}(\.to_lowercase\(\))?\.(contains|starts_with|ends_with)\((.+)\)", head, re.S
        )
        if m:
            needle = _lua_value(scope.eval(m.group(3)))
            v = "string.lower(__v)" if m.group(1) else "__v"
            return {
                "contains": f"string.find({v}, {needle}, 1, true) ~= nil",
                "starts_with": f"string.sub({v}, 1, #{needle}) == {needle}",
                "ends_with": f"string.sub({v}, -#{needle}) == {needle}",
            }[m.group(2)]
        m = re.fullmatch(rf"\({var}\s*-\s*(.+?)\)\.abs\(\)\s*<\s*(.+)", head, re.S)
        if m:
            return f"math.abs(__v - ({m.group(1)})) < {m.group(2)}"
        m = re.fullmatch(rf"{var}\s*(>=|<=|>|<)\s*(-?[\d.]+)", head)
        if m:
            return f"__v {m.group(1)} {m.group(2)}"
        return None
    if len(parts) < 2:
        return None
    left, right = parts[0].strip(), parts[1].strip()
    if left != var:
        left, right = right, left
    if left != var:
        m = re.fullmatch(rf"{var}\.len\(\)", left)
        if m and re.fullmatch(r"\d+", right):
            return f"#__v == {right}"
        return None
    op = "==" if macro.startswith("assert_eq") else "~="
    if right in ("true", "false"):
        return f"__v {op} {right}"
    if re.fullmatch(r"-?\d+(\.\d+)?(_?[iuf](8|16|32|64|size))?", right):
        return f"__v {op} {re.sub(r'_?[iuf](8|16|32|64|size)$', '', right)}"
    try:
        return f"__v {op} {_lua_value(scope.eval(right))}"
    except Untranslatable:
        return None
