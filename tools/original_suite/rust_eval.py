"""A small interpreter for the Rust a binary-driven test body is written in.

The tests that run the original's binary build a `Command`, run it, and assert on its output
and on what a mock received, one statement after another, each depending on the last (a
resume token read from one run's JSON is an argument of the next). So they are executed, not
translated ahead: statements and expressions of a plain subset of Rust are parsed here and
evaluated against a host (`cli_cases.Host`) that provides the values Rust's libraries would
(commands, outputs, JSON values, temp dirs, mock servers). Anything outside the subset raises
`Unsupported`, and the test is reported as untranslated rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .rust_source import skip_literal, string_value


class Unsupported(Exception):
    """Rust this interpreter does not model; the message says what."""


class Panic(Exception):
    """A failed assertion (or panic!/unwrap) of the test: the test fails with this message."""


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass(frozen=True)
class Tok:
    kind: str
    """ident, str, bytes, char, num, punct"""
    text: str
    value: Any
    start: int
    end: int


_PUNCT = (
    "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "..",
    "(", ")", "[", "]", "{", "}", "<", ">", ",", ";", ":", ".", "!", "&", "|", "=", "+",
    "-", "*", "/", "%", "?", "#", "@", "^",
)  # fmt: skip
_NUM = re.compile(
    r"\d[\d_]*(\.\d[\d_]*)?(?:[eE][+-]?\d+)?(_?(?:[iu](?:8|16|32|64|128|size)|f32|f64))?"
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_RADIX = re.compile(r"0([xob])([0-9a-fA-F_]+)(?:_?[iu](?:8|16|32|64|size))?")


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        j = skip_literal(text, i)
        if j != i:
            lit = text[i:j]
            if lit.startswith(("//", "/*")):
                pass
            elif lit.startswith("'"):
                out.append(Tok("char", lit, string_value('"' + lit[1:-1] + '"'), i, j))
            elif lit.startswith("b"):
                out.append(Tok("bytes", lit, string_value(lit[1:]).encode("latin-1"), i, j))
            else:
                out.append(Tok("str", lit, string_value(lit), i, j))
            i = j
            continue
        if c == "'" and _IDENT.match(text, i + 1):
            # A lifetime ('static): part of a type, never a value.
            m = _IDENT.match(text, i + 1)
            assert m is not None
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            out.append(Tok("ident", m.group(), m.group(), i, m.end()))
            i = m.end()
            continue
        m = _RADIX.match(text, i)
        if m:
            base = {"x": 16, "o": 8, "b": 2}[m.group(1)]
            out.append(Tok("num", m.group(0), int(m.group(2).replace("_", ""), base), i, m.end()))
            i = m.end()
            continue
        m = _NUM.match(text, i)
        if m:
            digits = m.group(0)
            if m.group(2):
                digits = digits[: -len(m.group(2))]
            digits = digits.replace("_", "")
            value: Any = float(digits) if m.group(1) or "e" in digits.lower() else int(digits)
            if m.group(1) and text.startswith("..", m.start(1)):
                value = int(digits.split(".")[0])  # `0..3`: a range, not a float
                out.append(Tok("num", str(value), value, i, m.start(1)))
                i = m.start(1)
                continue
            out.append(Tok("num", m.group(0), value, i, m.end()))
            i = m.end()
            continue
        for p in _PUNCT:
            if text.startswith(p, i):
                out.append(Tok("punct", p, p, i, i + len(p)))
                i += len(p)
                break
        else:
            raise Unsupported(f"character {c!r}")
    return out


# AST: tuples whose first item names the node.
Node = tuple[Any, ...]


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # -- helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind in ("punct", "ident") and t.text == text

    def take(self, text: str | None = None) -> Tok:
        t = self.peek()
        if t is None:
            raise Unsupported("unexpected end of code")
        if text is not None and not (t.kind in ("punct", "ident") and t.text == text):
            raise Unsupported(f"expected {text!r}, found {t.text!r}")
        self.i += 1
        return t

    def skip_generics(self) -> None:
        """`<...>` of a type or turbofish."""
        depth = 0
        while True:
            t = self.take()
            if t.text == "<":
                depth += 1
            elif t.text == ">":
                depth -= 1
            elif t.text == ">>":
                depth -= 2
            if depth <= 0:
                return

    def skip_type(self) -> None:
        """A type after `:` or `as`, up to `=`, `,`, `)` or `;` at depth 0."""
        depth = 0
        while self.peek() is not None:
            t = self.peek()
            assert t is not None
            if depth == 0 and t.text in ("=", ",", ")", ";", "{", "]", "}") and t.kind == "punct":
                return
            if t.text in ("<", "(", "["):
                depth += 1
            elif t.text in (">", ")", "]"):
                depth -= 1
            self.i += 1

    # -- statements
    def block_body(self, close: str = "}") -> list[Node]:
        stmts: list[Node] = []
        while self.peek() is not None and not self.at(close):
            if self.at(";"):
                self.i += 1
                continue
            stmts.append(self.statement())
        return stmts

    def statement(self) -> Node:
        start = self.peek()
        assert start is not None
        if self.at("#"):
            # An attribute on a statement (`#[allow(..)]`).
            self.take("#")
            self.take("[")
            depth = 1
            while depth:
                t = self.take()
                depth += {"[": 1, "]": -1}.get(t.text, 0) if t.kind == "punct" else 0
            return ("nop",)
        if self.at("let") and self._refutable_let():
            self.take("let")
            pattern = self.full_pattern()
            self.take("=")
            scrutinee = self.expr(no_struct=True)
            self.take("else")
            otherwise = self.block()
            self._end_statement()
            return ("let_else", pattern, scrutinee, otherwise)
        if self.at("let"):
            self.take("let")
            pattern = self.pattern()
            if self.at(":"):
                self.take(":")
                self.skip_type()
            value: Node | None = None
            if self.at("="):
                self.take("=")
                value = self.expr()
            if self.at("else") and value is not None:
                # `let Ok(x) = .. else { return; };` was parsed as a binding of `Ok`.
                raise Unsupported("let-else")
            self._end_statement()
            return ("let", pattern, value)
        if self.at("for"):
            self.take("for")
            pattern = self.pattern()
            self.take("in")
            iterable = self.expr(no_struct=True)
            body = self.block()
            return ("for", pattern, iterable, body)
        if self.at("return"):
            self.take("return")
            returned = None if self.at(";") or self.at("}") else self.expr()
            self._end_statement()
            return ("return", returned)
        if self.at("use"):
            while not self.at(";"):
                self.take()
            self.take(";")
            return ("nop",)
        if self.at("static") or self.at("const"):
            raise Unsupported(f"a local {start.text}")
        expr = self.expr()
        end = self.toks[self.i - 1].end
        stmt: Node = ("expr", expr, self.text[start.start : end])
        if self.at(";"):
            self.take(";")
            return stmt
        if self.at("}") or self.peek() is None:
            return ("tail", expr)
        if expr[0] in ("block", "if", "for", "match"):
            return stmt
        raise Unsupported(f"statement ending in {self.peek().text!r}")  # type: ignore[union-attr]

    def _refutable_let(self) -> bool:
        """`let Ok(x) = ..`, `let Some(x) = ..`: a pattern that can fail (a let-else)."""
        t = self.peek(1)
        return t is not None and t.kind == "ident" and t.text[:1].isupper() and self.at("(", 2)

    def _end_statement(self) -> None:
        if self.at(";"):
            self.take(";")
        elif not self.at("}") and self.peek() is not None:
            raise Unsupported(f"statement ending in {self.peek().text!r}")  # type: ignore[union-attr]

    def pattern(self) -> Node:
        if self.at("mut"):
            self.take("mut")
        if self.at("("):
            self.take("(")
            names: list[Node] = []
            while not self.at(")"):
                names.append(self.pattern())
                if self.at(","):
                    self.take(",")
            self.take(")")
            return ("tuple", names)
        if self.at("&"):
            self.take("&")
            return self.pattern()
        t = self.take()
        if t.kind != "ident":
            raise Unsupported(f"pattern {t.text!r}")
        if self.at("(") or self.at("{") or self.at("::"):
            raise Unsupported(f"pattern {t.text}(..)")
        return ("name", t.text)

    def block(self) -> Node:
        self.take("{")
        stmts = self.block_body()
        self.take("}")
        return ("block", stmts)

    # -- expressions
    _BINARY = (
        ("||",),
        ("&&",),
        ("==", "!=", "<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def expr(self, no_struct: bool = False) -> Node:
        if self.at("|") or self.at("||") or self.at("move"):
            return self.closure()
        left = self.binary(0, no_struct)
        if self.at("=") and not self.at("=="):
            self.take("=")
            return ("assign", left, self.expr())
        if self.at("+="):
            self.take("+=")
            return ("assign", left, ("bin", "+", left, self.expr()))
        if self.at(".."):
            self.take("..")
            return ("range", left, self.binary(0, no_struct))
        return left

    def binary(self, level: int, no_struct: bool) -> Node:
        if level == len(self._BINARY):
            return self.cast(no_struct)
        left = self.binary(level + 1, no_struct)
        while True:
            t = self.peek()
            if t is None or t.kind != "punct" or t.text not in self._BINARY[level]:
                return left
            self.i += 1
            right = self.binary(level + 1, no_struct)
            left = ("bin", t.text, left, right)

    def cast(self, no_struct: bool) -> Node:
        value = self.unary(no_struct)
        while self.at("as"):
            self.take("as")
            self.skip_type()
        return value

    def unary(self, no_struct: bool) -> Node:
        if self.at("!"):
            self.take("!")
            return ("not", self.unary(no_struct))
        if self.at("-"):
            self.take("-")
            return ("neg", self.unary(no_struct))
        if self.at("&") or self.at("&&"):
            self.take()
            if self.at("mut"):
                self.take("mut")
            return self.unary(no_struct)
        if self.at("*"):
            self.take("*")
            return self.unary(no_struct)
        return self.postfix(self.primary(no_struct))

    def args(self, close: str = ")") -> list[Node]:
        out: list[Node] = []
        while not self.at(close):
            out.append(self.expr())
            if self.at(","):
                self.take(",")
            elif not self.at(close):
                raise Unsupported(f"argument list at {self.peek().text!r}")  # type: ignore[union-attr]
        self.take(close)
        return out

    def postfix(self, value: Node) -> Node:
        while True:
            if self.at("."):
                self.take(".")
                t = self.take()
                if t.kind == "num":
                    value = ("field", value, str(t.value))
                    continue
                if t.text == "await":
                    continue
                if self.at("::"):
                    self.take("::")
                    self.skip_generics()
                if self.at("("):
                    self.take("(")
                    value = ("method", value, t.text, self.args())
                else:
                    value = ("field", value, t.text)
            elif self.at("["):
                self.take("[")
                index = self.expr()
                self.take("]")
                value = ("index", value, index)
            elif self.at("?"):
                self.take("?")
                value = ("method", value, "unwrap", [])
            elif self.at("("):
                self.take("(")
                value = ("call_value", value, self.args())
            else:
                return value

    def closure(self) -> Node:
        if self.at("move"):
            self.take("move")
        params: list[Node] = []
        if self.at("||"):
            self.take("||")
        else:
            self.take("|")
            while not self.at("|"):
                params.append(self.pattern())
                if self.at(":"):
                    self.take(":")
                    self.skip_type()
                if self.at(","):
                    self.take(",")
            self.take("|")
        if self.at("->"):
            self.take("->")
            self.skip_type()
        return ("closure", params, self.expr())

    def primary(self, no_struct: bool) -> Node:
        t = self.peek()
        if t is None:
            raise Unsupported("unexpected end of code")
        if t.kind in ("str", "bytes", "char", "num"):
            self.i += 1
            return ("lit", t.value)
        if self.at("("):
            self.take("(")
            items = self.args()
            return items[0] if len(items) == 1 else ("tuple_lit", items)
        if self.at("["):
            self.take("[")
            return ("list", self.list_items())
        if self.at("{"):
            return self.block()
        if self.at("unsafe") or (self.at("async") and (self.at("{", 1) or self.at("move", 1))):
            # An async block is run where it stands: the tests await each one they make.
            self.take()
            if self.at("move"):
                self.take("move")
            return self.block()
        if self.at("if"):
            return self.if_expr()
        if self.at("match"):
            return self.match_expr()
        if self.at("true") or self.at("false"):
            self.i += 1
            return ("lit", t.text == "true")
        if t.kind != "ident":
            raise Unsupported(f"expression at {t.text!r}")
        path = self.path()
        if self.at("!"):
            self.take("!")
            return self.macro(path)
        if self.at("("):
            self.take("(")
            return ("call", path, self.args())
        if self.at("{") and not no_struct and path[-1][:1].isupper():
            return self.struct(path)
        return ("path", path)

    def list_items(self) -> list[Node]:
        out: list[Node] = []
        while not self.at("]"):
            item = self.expr()
            if self.at(";"):
                self.take(";")
                count = self.expr()
                self.take("]")
                return [("repeat", item, count)]
            out.append(item)
            if self.at(","):
                self.take(",")
        self.take("]")
        return out

    def path(self) -> tuple[str, ...]:
        parts = [self.take().text]
        while self.at("::"):
            self.take("::")
            if self.at("<"):
                self.skip_generics()
                continue
            parts.append(self.take().text)
        return tuple(parts)

    def struct(self, path: tuple[str, ...]) -> Node:
        self.take("{")
        fields: dict[str, Node] = {}
        while not self.at("}"):
            if self.at(".."):
                self.take("..")
                fields[".."] = self.expr()
                continue
            name = self.take().text
            if self.at(":"):
                self.take(":")
                fields[name] = self.expr()
            else:
                fields[name] = ("path", (name,))
            if self.at(","):
                self.take(",")
        self.take("}")
        return ("struct", path, fields)

    def if_expr(self) -> Node:
        self.take("if")
        cond = self.condition()
        then = self.block()
        other: Node | None = None
        if self.at("else"):
            self.take("else")
            other = self.if_expr() if self.at("if") else self.block()
        return ("if", cond, then, other)

    def condition(self) -> Node:
        """An `if` condition: an expression, or `let PAT = EXPR` chained by `&&`."""
        if not self.at("let"):
            return ("cond", [self.expr(no_struct=True)])
        parts: list[Node] = []
        while True:
            if self.at("let"):
                self.take("let")
                pattern = self.full_pattern()
                self.take("=")
                parts.append(("iflet", pattern, self.binary(2, True)))
            else:
                parts.append(self.binary(2, True))
            if not self.at("&&"):
                return ("cond", parts)
            self.take("&&")

    def match_expr(self) -> Node:
        self.take("match")
        subject = self.expr(no_struct=True)
        self.take("{")
        arms: list[tuple[Node, Node | None, Node]] = []
        while not self.at("}"):
            pattern = self.full_pattern()
            guard = None
            if self.at("if"):
                self.take("if")
                guard = self.expr()
            self.take("=>")
            body = self.expr()
            arms.append((pattern, guard, body))
            if self.at(","):
                self.take(",")
        self.take("}")
        return ("match", subject, arms)

    def full_pattern(self) -> Node:
        """A pattern of `match`, `if let` or `matches!`: bindings, literals, enum variants."""
        first = self._one_pattern()
        if not self.at("|"):
            return first
        alternatives = [first]
        while self.at("|"):
            self.take("|")
            alternatives.append(self._one_pattern())
        return ("palt", alternatives)

    def _one_pattern(self) -> Node:
        t = self.peek()
        if t is None:
            raise Unsupported("unexpected end of pattern")
        if t.kind in ("str", "bytes", "char", "num"):
            self.i += 1
            return ("plit", t.value)
        if self.at("&"):
            self.take("&")
            return self._one_pattern()
        if self.at("("):
            self.take("(")
            subs = self._sub_patterns()
            return ("ptuple", subs)
        if self.at("_"):
            self.take("_")
            return ("pwild",)
        if self.at("true") or self.at("false"):
            self.take()
            return ("plit", t.text == "true")
        if self.at("ref") or self.at("mut"):
            self.take()
            return self._one_pattern()
        if t.kind != "ident":
            raise Unsupported(f"pattern at {t.text!r}")
        path = self.path()
        if self.at("("):
            self.take("(")
            return ("penum", path, self._sub_patterns())
        if self.at("{"):
            raise Unsupported("a struct pattern")
        if len(path) == 1 and path[0][:1].islower():
            return ("pbind", path[0])
        return ("penum", path, None)

    def _sub_patterns(self) -> list[Node]:
        subs: list[Node] = []
        while not self.at(")"):
            subs.append(self.full_pattern())
            if self.at(","):
                self.take(",")
        self.take(")")
        return subs

    def macro(self, path: tuple[str, ...]) -> Node:
        name = path[-1]
        opener = self.take()
        close = {"(": ")", "[": "]", "{": "}"}.get(opener.text)
        if close is None:
            raise Unsupported(f"macro {name}! without brackets")
        if name == "json":
            value = self.json_value()
            self.take(close)
            return value
        if name == "vec":
            return ("list", self.list_items()) if close == "]" else ("list", self.args(close))
        if name == "matches":
            subject = self.expr()
            self.take(",")
            pattern = self.full_pattern()
            guard = None
            if self.at("if"):
                self.take("if")
                guard = self.expr()
            if self.at(","):
                self.take(",")
            self.take(close)
            return ("matches", subject, pattern, guard)
        args: list[Node] = []
        named: dict[str, Node] = {}
        while not self.at(close):
            if self.peek(1) is not None and self.at("=", 1) and not self.at("==", 1):
                key = self.take().text
                self.take("=")
                named[key] = self.expr()
            else:
                args.append(self.expr())
            if self.at(","):
                self.take(",")
        self.take(close)
        return ("macro", name, args, named)

    def json_value(self) -> Node:
        if self.at("{"):
            self.take("{")
            pairs: list[tuple[Node, Node]] = []
            while not self.at("}"):
                key = self.primary(no_struct=True)
                self.take(":")
                pairs.append((key, self.json_value()))
                if self.at(","):
                    self.take(",")
            self.take("}")
            return ("json_obj", pairs)
        if self.at("["):
            self.take("[")
            items: list[Node] = []
            while not self.at("]"):
                items.append(self.json_value())
                if self.at(","):
                    self.take(",")
            self.take("]")
            return ("json_list", items)
        if self.at("null"):
            self.take("null")
            return ("lit_null",)
        return ("json_expr", self.expr())


class Host(Protocol):
    def call(self, path: tuple[str, ...], args: list[Any]) -> Any: ...
    def method(self, value: Any, name: str, args: list[Any]) -> Any: ...
    def field(self, value: Any, name: str) -> Any: ...
    def index(self, value: Any, key: Any) -> Any: ...
    def path(self, path: tuple[str, ...]) -> Any: ...
    def macro(self, name: str, args: list[Any], named: dict[str, Any]) -> Any: ...
    def struct(self, path: tuple[str, ...], fields: dict[str, Any]) -> Any: ...
    def json(self, value: Any) -> Any: ...
    def iterate(self, value: Any) -> list[Any]: ...
    def equal(self, a: Any, b: Any) -> bool: ...
    def statement(self, text: str, env: Env) -> bool: ...
    def helper(self, name: str) -> tuple[list[str], str] | None: ...
    def native(self, name: str) -> Callable[[list[Any]], Any] | None: ...
    def variant(self, value: Any, path: tuple[str, ...]) -> list[Any] | None: ...


@dataclass
class Closure:
    params: list[Node]
    body: Node
    env: Env
    interp: Interpreter

    def __call__(self, *args: Any) -> Any:
        env = Env(self.env)
        for p, a in zip(self.params, args, strict=False):
            self.interp.bind(p, a, env)
        return self.interp.eval(self.body, env)


class Env:
    def __init__(self, parent: Env | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def get(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        raise KeyError(name)

    def has(self, name: str) -> bool:
        try:
            self.get(name)
        except KeyError:
            return False
        return True

    def set(self, name: str, value: Any) -> None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                env.vars[name] = value
                return
            env = env.parent
        self.vars[name] = value


class Interpreter:
    def __init__(self, host: Host, text: str) -> None:
        self.host = host
        self.text = text

    def run_body(self, body: str, env: Env) -> Any:
        parser = Parser(body)
        stmts = parser.block_body(close="\0")
        try:
            return self.exec_block(stmts, env)
        except _Return as r:
            return r.value

    def exec_block(self, stmts: list[Node], env: Env) -> Any:
        result: Any = None
        for stmt in stmts:
            kind = stmt[0]
            if kind == "let":
                value = self.eval(stmt[2], env) if stmt[2] is not None else None
                self.bind(stmt[1], value, env, new=True)
            elif kind == "let_else":
                if not self.matches(stmt[1], self.eval(stmt[2], env), env):
                    self.eval(stmt[3], env)
                    raise Unsupported("a let-else whose else goes on")
            elif kind == "expr":
                if self.host.statement(stmt[2], env):
                    continue
                self.eval(stmt[1], env)
            elif kind == "tail":
                result = self.eval(stmt[1], env)
            elif kind == "for":
                for item in self.host.iterate(self.eval(stmt[2], env)):
                    inner = Env(env)
                    self.bind(stmt[1], item, inner, new=True)
                    self.eval(stmt[3], inner)
            elif kind == "return":
                raise _Return(self.eval(stmt[1], env) if stmt[1] is not None else None)
        return result

    def bind(self, pattern: Node, value: Any, env: Env, new: bool = False) -> None:
        if pattern[0] == "name":
            if pattern[1] != "_":
                env.vars[pattern[1]] = value
            return
        items = list(value)
        for p, v in zip(pattern[1], items, strict=True):
            self.bind(p, v, env, new)

    def eval(self, node: Node, env: Env) -> Any:
        kind = node[0]
        h = self.host
        if kind == "lit":
            return node[1]
        if kind == "lit_null":
            return h.json(None)
        if kind == "path":
            path = node[1]
            if len(path) == 1 and env.has(path[0]):
                return env.get(path[0])
            return h.path(path)
        if kind == "call":
            path = node[1]
            args = [self.eval(a, env) for a in node[2]]
            if len(path) == 2 and path[0] in ("common", "super", "crate", "self"):
                path = path[1:]  # a helper of the test's own crate (`common::create_vm`)
            if len(path) == 1:
                if env.has(path[0]) and callable(env.get(path[0])):
                    return env.get(path[0])(*args)
                native = h.native(path[0])
                if native is not None:
                    return native(args)
                helper = h.helper(path[0])
                if helper is not None:
                    return self.call_helper(path[0], helper, args)
            return h.call(path, args)
        if kind == "call_value":
            fn = self.eval(node[1], env)
            return fn(*[self.eval(a, env) for a in node[2]])
        if kind == "method":
            receiver = self.eval(node[1], env)
            return h.method(receiver, node[2], [self.eval(a, env) for a in node[3]])
        if kind == "field":
            return h.field(self.eval(node[1], env), node[2])
        if kind == "index":
            return h.index(self.eval(node[1], env), self.eval(node[2], env))
        if kind == "not":
            return not self.truth(self.eval(node[1], env))
        if kind == "neg":
            return -self.eval(node[1], env)
        if kind == "bin":
            return self.binary(node, env)
        if kind == "list":
            if len(node[1]) == 1 and node[1][0][0] == "repeat":
                item, count = node[1][0][1], node[1][0][2]
                return [self.eval(item, env)] * int(self.eval(count, env))
            return [self.eval(i, env) for i in node[1]]
        if kind == "tuple_lit":
            return tuple(self.eval(i, env) for i in node[1])
        if kind == "block":
            return self.exec_block(node[1], Env(env))
        if kind == "if":
            inner = Env(env)
            if self.condition(node[1], inner):
                return self.eval(node[2], inner)
            return self.eval(node[3], env) if node[3] is not None else None
        if kind == "match":
            subject = self.eval(node[1], env)
            for pattern, guard, body in node[2]:
                inner = Env(env)
                if self.matches(pattern, subject, inner) and (
                    guard is None or self.truth(self.eval(guard, inner))
                ):
                    return self.eval(body, inner)
            raise Unsupported("no match arm applies")
        if kind == "matches":
            inner = Env(env)
            return self.matches(node[2], self.eval(node[1], env), inner) and (
                node[3] is None or self.truth(self.eval(node[3], inner))
            )
        if kind == "closure":
            return Closure(node[1], node[2], env, self)
        if kind == "macro":
            name = node[1]
            if name in ("assert", "assert_eq", "assert_ne", "debug_assert"):
                return self.assertion(name, node[2], node[3], env)
            args = [self.eval(a, env) for a in node[2]]
            named = {k: self.eval(v, env) for k, v in node[3].items()}
            if args and isinstance(args[0], str) and node[2][0][0] == "lit":
                # format!("{name}") captures `name` from the scope.
                for m in re.finditer(r"(?<!\{)\{([A-Za-z_]\w*)(?::[^}]*)?\}", args[0]):
                    if m.group(1) not in named and env.has(m.group(1)):
                        named[m.group(1)] = env.get(m.group(1))
                    elif m.group(1) not in named and m.group(1).isupper():
                        named[m.group(1)] = h.path((m.group(1),))  # a const
            return h.macro(name, args, named)
        if kind == "struct":
            return h.struct(node[1], {k: self.eval(v, env) for k, v in node[2].items()})
        if kind == "json_obj":
            return h.json({self.eval(k, env): self.plain(self.eval(v, env)) for k, v in node[1]})
        if kind == "json_list":
            return h.json([self.plain(self.eval(v, env)) for v in node[1]])
        if kind == "json_expr":
            return self.eval(node[1], env)
        if kind == "assign":
            target = node[1]
            if target[0] != "path" or len(target[1]) != 1:
                raise Unsupported("assignment to a place")
            env.set(target[1][0], self.eval(node[2], env))
            return None
        if kind == "range":
            return range(int(self.eval(node[1], env)), int(self.eval(node[2], env)))
        raise Unsupported(f"expression kind {kind}")

    def condition(self, cond: Node, env: Env) -> bool:
        if cond[0] != "cond":
            return self.truth(self.eval(cond, env))
        for part in cond[1]:
            if part[0] == "iflet":
                if not self.matches(part[1], self.eval(part[2], env), env):
                    return False
            elif not self.truth(self.eval(part, env)):
                return False
        return True

    def matches(self, pattern: Node, value: Any, env: Env) -> bool:
        """Whether value matches pattern; its bindings go into env."""
        kind = pattern[0]
        if kind == "pwild":
            return True
        if kind == "pbind":
            env.vars[pattern[1]] = value
            return True
        if kind == "plit":
            return self.host.equal(value, pattern[1])
        if kind == "palt":
            return any(self.matches(p, value, env) for p in pattern[1])
        if kind == "ptuple":
            items = list(value)
            return len(items) == len(pattern[1]) and all(
                self.matches(p, v, env) for p, v in zip(pattern[1], items, strict=True)
            )
        inner = self.host.variant(value, pattern[1])
        if inner is None:
            return False
        subs = pattern[2] or []
        if len(subs) != len(inner):
            return False
        return all(self.matches(p, v, env) for p, v in zip(subs, inner, strict=True))

    def plain(self, value: Any) -> Any:
        return getattr(value, "value", value) if type(value).__name__ == "J" else value

    def truth(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Unsupported(f"a condition of type {type(value).__name__}")
        return value

    def binary(self, node: Node, env: Env) -> Any:
        op = node[1]
        if op == "&&":
            return self.truth(self.eval(node[2], env)) and self.truth(self.eval(node[3], env))
        if op == "||":
            return self.truth(self.eval(node[2], env)) or self.truth(self.eval(node[3], env))
        a, b = self.eval(node[2], env), self.eval(node[3], env)
        if op == "==":
            return self.host.equal(a, b)
        if op == "!=":
            return not self.host.equal(a, b)
        a, b = self.plain(a), self.plain(b)
        ops: dict[str, Callable[[], Any]] = {
            "<": lambda: a < b,
            ">": lambda: a > b,
            "<=": lambda: a <= b,
            ">=": lambda: a >= b,
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a // b if isinstance(a, int) and isinstance(b, int) else a / b,
            "%": lambda: a % b,
        }
        return ops[op]()

    def assertion(self, name: str, args: list[Node], named: dict[str, Node], env: Env) -> None:
        src = self._source(args[0]) if args else ""
        if name in ("assert", "debug_assert"):
            if not self.truth(self.eval(args[0], env)):
                raise Panic(f"assert!({src}) failed{self._context(args[1:], env)}")
            return
        a, b = self.eval(args[0], env), self.eval(args[1], env)
        same = self.host.equal(a, b)
        if same != (name == "assert_eq"):
            raise Panic(
                f"{name}!({src}, ..) failed: left {_show(a)}, right {_show(b)}"
                f"{self._context(args[2:], env)}"
            )

    def _context(self, args: list[Node], env: Env) -> str:
        if not args:
            return ""
        try:
            return ": " + str(self.host.macro("format", [self.eval(a, env) for a in args], {}))
        except Exception:
            return ""

    def _source(self, node: Node) -> str:
        return _describe(node)[:120]

    def call_helper(self, name: str, helper: tuple[list[str], str], args: list[Any]) -> Any:
        params, body = helper
        if len(params) != len(args):
            raise Unsupported(f"call of {name} with {len(args)} arguments")
        env = Env()
        for p, a in zip(params, args, strict=True):
            env.vars[p] = a
        return self.run_body(body, env)


def _describe(node: Node) -> str:
    kind = node[0]
    if kind == "path":
        return "::".join(node[1])
    if kind == "lit":
        return repr(node[1])
    if kind == "method":
        return f"{_describe(node[1])}.{node[2]}({', '.join(_describe(a) for a in node[3])})"
    if kind == "field":
        return f"{_describe(node[1])}.{node[2]}"
    if kind == "index":
        return f"{_describe(node[1])}[{_describe(node[2])}]"
    if kind == "not":
        return "!" + _describe(node[1])
    if kind == "bin":
        return f"{_describe(node[2])} {node[1]} {_describe(node[3])}"
    if kind == "call":
        return "::".join(node[1]) + f"({', '.join(_describe(a) for a in node[2])})"
    return str(kind)


def _show(value: Any) -> str:
    text = repr(getattr(value, "value", value))
    return text if len(text) < 300 else text[:300] + "..."
