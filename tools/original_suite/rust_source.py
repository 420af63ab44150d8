"""Just enough of Rust's lexical rules to cut a test file into test functions and literals.

The original's tests are Rust files whose Lua lives in string literals. We never compile them:
we find each `#[test]` / `#[tokio::test]` function, its body, and the literals and calls in it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TEST_ATTR = re.compile(r"#\[(?:tokio::)?test(?:\([^)]*\))?\]")
_FN_HEAD = re.compile(r"(?:async\s+)?fn\s+(\w+)\s*\([^)]*\)\s*(?:->\s*[^{]+)?\{")
_IGNORED = re.compile(r"#\[ignore")


@dataclass(frozen=True)
class RustFunction:
    name: str
    body: str
    ignored: bool


def skip_literal(text: str, i: int) -> int:
    """If a string, raw string, char literal or comment starts at i, the index after it."""
    c = text[i]
    if c == "/" and text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if c == "/" and text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    raw = re.match(r"b?r(#*)\"", text[i : i + 70])
    if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
        closing = '"' + raw.group(1)
        end = text.find(closing, i + raw.end())
        return len(text) if end < 0 else end + len(closing)
    if c == '"' or (c == "b" and text.startswith('b"', i)):
        j = i + (2 if c == "b" else 1)
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == '"':
                return j + 1
            j += 1
        return len(text)
    if c == "'":
        # A char literal ('a', '\n', '\u{1F600}') rather than a lifetime ('a).
        m = re.match(r"'(?:\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i : i + 12])
        if m:
            return i + m.end()
    return i


def matching(text: str, open_at: int) -> int:
    """Index of the bracket closing the one at open_at, skipping literals and comments."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = [pairs[text[open_at]]]
    i = open_at + 1
    while i < len(text):
        j = skip_literal(text, i)
        if j != i:
            i = j
            continue
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if not stack or stack[-1] != c:
                raise ValueError(f"unbalanced {c!r} at {i}")
            stack.pop()
            if not stack:
                return i
        i += 1
    raise ValueError("unclosed bracket")


def test_functions(text: str) -> list[RustFunction]:
    out: list[RustFunction] = []
    for attr in _TEST_ATTR.finditer(text):
        head = _FN_HEAD.search(text, attr.end())
        if head is None:
            continue
        between = text[attr.end() : head.start()]
        open_at = head.end() - 1
        close = matching(text, open_at)
        out.append(
            RustFunction(head.group(1), text[open_at + 1 : close], bool(_IGNORED.search(between)))
        )
    return out


@dataclass(frozen=True)
class Helper:
    params: list[str]
    body: str


_HELPER_HEAD = re.compile(
    r"fn\s+(\w+)\s*(?:<[^>]*>)?\s*\(([^)]*)\)\s*(?:->\s*[^{]+)?(?:where\s[^{]+)?\{"
)


def helper_functions(text: str) -> dict[str, Helper]:
    """Non-test `fn NAME(...) { ... }` helpers, such as `auth_header()` or `script(uri, body)`."""
    out: dict[str, Helper] = {}
    for head in _HELPER_HEAD.finditer(masked(text)):
        try:
            close = matching(text, head.end() - 1)
        except ValueError:
            continue
        params = [p.split(":")[0].strip().lstrip("_") for p in head.group(2).split(",") if ":" in p]
        params = [p.removeprefix("mut ").strip() for p in params]
        out.setdefault(head.group(1), Helper(params, text[head.end() : close]))
    return out


_CONST = re.compile(r"\b(?:const|static)\s+(\w+)\s*:[^=]+=\s*")


def constants(text: str) -> dict[str, str]:
    """Module-level `const NAME: T = EXPR;` as expression text."""
    out: dict[str, str] = {}
    mask = masked(text)
    for m in _CONST.finditer(mask):
        end = mask.find(";", m.end())
        if end > 0:
            out[m.group(1)] = text[m.end() : end]
    return out


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def string_value(literal: str) -> str:
    """The value of a Rust string literal (plain or raw), as Rust would build it."""
    raw = re.match(r"b?r(#*)\"", literal)
    if raw:
        return literal[raw.end() : len(literal) - 1 - len(raw.group(1))]
    body = literal[literal.index('"') + 1 : -1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        elif nxt == "\n":
            # A backslash-newline drops the newline and the next line's leading whitespace.
            i += 2
            while i < len(body) and body[i] in " \t\n\r":
                i += 1
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


def literal_at(text: str, i: int) -> tuple[str, int] | None:
    """A string literal starting at i (after whitespace and `&`): its value and end."""
    while i < len(text) and text[i] in " \t\r\n&":
        i += 1
    end = skip_literal(text, i)
    if end == i or text[i] == "/":
        return None
    if text[i] == "'":
        return string_value('"' + text[i + 1 : end - 1] + '"'), end
    return string_value(text[i:end]), end


def split_args(text: str) -> list[str]:
    """Top-level comma-separated pieces of an argument list (without its parentheses)."""
    args: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        j = skip_literal(text, i)
        if j != i:
            i = j
            continue
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    if text[start:].strip():
        args.append(text[start:].strip())
    return args


@functools.lru_cache(maxsize=4096)
def masked(text: str) -> str:
    """text with every literal and comment blanked out (same length), for searching code."""
    out = list(text)
    i = 0
    while i < len(text):
        j = skip_literal(text, i)
        if j != i:
            # Not whitespace, so that patterns around a literal do not run into its body.
            for k in range(i, j):
                out[k] = "\0"
            i = j
        else:
            i += 1
    return "".join(out)


def calls(text: str, name: str) -> list[tuple[int, str]]:
    """Every `name(...)` call in code (not in literals): its start and its argument text."""
    out: list[tuple[int, str]] = []
    for m in re.finditer(re.escape(name) + r"\s*\(", masked(text)):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue
        close = matching(text, m.end() - 1)
        out.append((m.start(), text[m.end() : close]))
    return out


_MATCH_IMPL = re.compile(r"impl\s+(?:wiremock::)?Match\s+for\s+(\w+)\s*\{")


def custom_matchers(text: str) -> dict[str, str]:
    """`impl wiremock::Match for NAME { ... }` bodies, by the matcher's name."""
    out: dict[str, str] = {}
    for m in _MATCH_IMPL.finditer(masked(text)):
        out[m.group(1)] = text[m.end() : matching(text, m.end() - 1)]
    return out
