"""Rust ``regex-lite`` patterns and replacement strings, carried over to Python's ``re``.

The original runtime's ``regex`` global uses the Rust ``regex-lite`` crate. Most of its syntax
means the same in ``re``; where it does not, this module translates or refuses:

- ``(?<name>...)`` becomes ``(?P<name>...)``; ``\\z`` becomes ``\\Z``; ``\\x{1F600}`` and
  ``\\u{..}`` become ``\\U0001F600``; POSIX classes ``[[:alpha:]]`` become ASCII ranges;
  ``\\<``, ``\\>``, ``\\b{start}``, ``\\b{end}`` become word-boundary tests.
- ``$`` outside multi-line mode matches only at the very end (``re``'s would also match
  before a final newline), so it becomes ``\\Z``.
- A flag group in mid-pattern, ``a(?i)b``, applies to the rest of its group in Rust; ``re``
  only takes flags at the start, so it becomes a scoped group ``a(?i:b)``, closed and
  reopened around each ``|`` of that group.
- Classes, ``\\d``, ``\\w``, ``\\s``, ``\\b`` and case-insensitivity are ASCII-only, as in
  regex-lite (compiled with ``re.ASCII``); ``.`` still matches any code point.
- Refused, as regex-lite refuses them: look-around, backreferences, ``\\p{..}`` classes,
  class set operations (``&&``, ``--``, ``~~``), ``(?#...)``, and the flags ``U`` and ``R``
  (regex-lite has them; ``re`` has no equivalent, so they are refused here instead).

Replacement strings use Rust's syntax: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$`` for a
dollar; a reference to a group that did not take part, or does not exist, is empty;
backslashes are plain text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7F",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAGS = set("imsxUuR")
# Escapes with one meaning in both dialects, kept as they are.
_SHARED_LETTER_ESCAPES = set("dDsSwWbBAafnrtv")


class PatternError(ValueError):
    """A pattern regex-lite would reject, or that has no faithful ``re`` form."""


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The ``re`` pattern for a regex-lite pattern; PatternError if either rejects it."""
    translated = _Translator(pattern).run()
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise PatternError(str(exc)) from None
    except RecursionError:
        raise PatternError("pattern nested too deeply") from None


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.i = 0
        self.out: list[str] = []
        # One entry per open group: (flags switched on by "(?x)" inside it, so far) and
        # whether multi-line mode is on there.
        self.scopes: list[list[str]] = [[]]
        self.multiline: list[bool] = [False]

    def fail(self, reason: str) -> PatternError:
        return PatternError(f"{reason} (at offset {self.i})")

    def run(self) -> str:
        src = self.src
        while self.i < len(src):
            char = src[self.i]
            if char == "\\":
                self.out.append(self.escape(in_class=False))
            elif char == "[":
                self.out.append(self.char_class())
            elif char == "(":
                self.group()
            elif char == ")":
                self.close_group()
            elif char == "|":
                self.alternation()
            elif char == "$":
                self.out.append("$" if self.multiline[-1] else r"\Z")
                self.i += 1
            else:
                self.out.append(char)
                self.i += 1
        self.out.append(")" * len(self.scopes[-1]))
        return "".join(self.out)

    # -- groups and flags ---------------------------------------------------------------
    def group(self) -> None:
        src = self.src
        rest = src[self.i + 1 :]
        if not rest.startswith("?"):
            self.open_scope("(")
            self.i += 1
            return
        if rest.startswith(("?=", "?!", "?<=", "?<!")):
            raise self.fail("look-around, including look-ahead and look-behind, is not supported")
        if rest.startswith("?#"):
            raise self.fail("comment groups (?#...) are not supported")
        if rest.startswith(("?P<", "?<")):
            start = self.i + (4 if rest.startswith("?P<") else 3)
            close = src.find(">", start)
            name = src[start:close] if close >= 0 else ""
            if close < 0 or not _NAME.fullmatch(name):
                raise self.fail("invalid capture group name")
            self.open_scope(f"(?P<{name}>")
            self.i = close + 1
            return
        if rest.startswith("?:"):
            self.open_scope("(?:")
            self.i += 3
            return
        end = self.i + 2
        while end < len(src) and src[end] not in ":)":
            end += 1
        if end >= len(src):
            raise self.fail("unclosed group")
        flags = src[self.i + 2 : end]
        on, off = self.parse_flags(flags)
        multiline = ("m" in on) or (self.multiline[-1] and "m" not in off)
        spec = on + (f"-{off}" if off else "")
        if src[end] == ":":
            self.open_scope(f"(?{spec}:" if spec else "(?:", multiline=multiline)
        elif spec:
            # "(?i)" in mid-pattern: a scoped group to the end of the enclosing group.
            self.out.append(f"(?{spec}:")
            self.scopes[-1].append(spec)
            self.multiline[-1] = multiline
        self.i = end + 1

    def parse_flags(self, flags: str) -> tuple[str, str]:
        on, _, off = flags.partition("-")
        for flag in on + off:
            if flag not in _FLAGS:
                raise self.fail(f"unrecognized flag {flag!r}")
            if flag in "UR":
                raise self.fail(f"the flag {flag!r} is not supported on assay-py")
        # "u" (Unicode) changes nothing regex-lite does; "re" has no such flag.
        return on.replace("u", ""), off.replace("u", "")

    def open_scope(self, opener: str, *, multiline: bool | None = None) -> None:
        self.out.append(opener)
        self.scopes.append([])
        self.multiline.append(self.multiline[-1] if multiline is None else multiline)

    def close_group(self) -> None:
        if len(self.scopes) == 1:
            raise self.fail("unopened group")
        self.out.append(")" * len(self.scopes.pop()) + ")")
        self.multiline.pop()
        self.i += 1

    def alternation(self) -> None:
        # Mid-pattern flags reach past "|" in Rust: close their groups, reopen them after.
        open_flags = self.scopes[-1]
        self.out.append(")" * len(open_flags) + "|" + "".join(f"(?{f}:" for f in open_flags))
        self.i += 1

    # -- escapes and classes ------------------------------------------------------------
    def escape(self, *, in_class: bool) -> str:
        src = self.src
        if self.i + 1 >= len(src):
            raise self.fail("incomplete escape sequence")
        char = src[self.i + 1]
        self.i += 2
        if char.isdigit():
            raise self.fail("backreferences are not supported")
        if char in "xuU" and self.i < len(src) and src[self.i] == "{":
            close = src.find("}", self.i)
            digits = src[self.i + 1 : close] if close >= 0 else ""
            if close < 0 or not re.fullmatch(r"[0-9A-Fa-f]{1,8}", digits):
                raise self.fail("invalid hexadecimal escape")
            self.i = close + 1
            return f"\\U{int(digits, 16):08X}"
        if char in "pP":
            raise self.fail("Unicode classes (\\p, \\P) are not supported by regex-lite")
        if char == "z" and not in_class:
            return r"\Z"
        if char in "<>" and not in_class:
            return r"\b(?=\w)" if char == "<" else r"\b(?<=\w)"
        if char == "b" and not in_class and src.startswith("{", self.i):
            close = src.find("}", self.i)
            kind = src[self.i + 1 : close] if close >= 0 else ""
            boundaries = {"start": r"\b(?=\w)", "end": r"\b(?<=\w)"}
            if kind not in boundaries:
                raise self.fail("unsupported word boundary assertion")
            self.i = close + 1
            return boundaries[kind]
        if char.isalpha() and char not in _SHARED_LETTER_ESCAPES and char not in "xuU":
            raise self.fail("unrecognized escape sequence")
        return "\\" + char

    def char_class(self) -> str:
        src = self.src
        self.i += 1
        parts = ["["]
        if src.startswith("^", self.i):
            parts.append("^")
            self.i += 1
        if src.startswith("]", self.i):
            parts.append("\\]")
            self.i += 1
        while True:
            if self.i >= len(src):
                raise self.fail("unclosed character class")
            char = src[self.i]
            if char == "]":
                self.i += 1
                break
            if char == "\\":
                parts.append(self.escape(in_class=True))
                continue
            if src.startswith(("&&", "--", "~~"), self.i):
                raise self.fail("class set operations (&&, --, ~~) are not supported")
            if char == "[":
                parts.append(self.nested_class())
                continue
            # Characters that "re" reads as operators (or warns about) inside a class.
            parts.append("\\" + char if char in "|&~" else char)
            self.i += 1
        parts.append("]")
        return "".join(parts)

    def nested_class(self) -> str:
        src = self.src
        posix = re.match(r"\[:(\^?)([a-z]+):\]", src[self.i :])
        if posix:
            negated, name = posix.groups()
            if name not in _POSIX:
                raise self.fail(f"invalid POSIX class name {name!r}")
            if negated:
                raise self.fail("negated POSIX classes are not supported on assay-py")
            self.i += posix.end()
            return _POSIX[name]
        # A nested class is a union with the outer one: inline its members.
        inner = self.char_class()
        if inner.startswith("[^"):
            raise self.fail("negated nested classes are not supported on assay-py")
        return inner[1:-1]


def replacer(template: str) -> Callable[[re.Match[str]], str]:
    """A function for ``re.sub`` expanding a Rust replacement string against each match."""
    pieces: list[tuple[bool, str | int]] = []  # (is a group reference, text or group key)
    literal: list[str] = []
    i = 0
    while i < len(template):
        if template[i] != "$":
            literal.append(template[i])
            i += 1
        elif template.startswith("$$", i):
            literal.append("$")
            i += 2
        else:
            reference, end = _reference(template, i + 1)
            if reference is None:  # a "$" that starts no reference is itself
                literal.append("$")
                i += 1
                continue
            pieces.append((False, "".join(literal)))
            literal = []
            pieces.append((True, int(reference) if reference.isdigit() else reference))
            i = end
    pieces.append((False, "".join(literal)))

    def expand(match: re.Match[str]) -> str:
        out = []
        for is_reference, value in pieces:
            if not is_reference:
                out.append(str(value))
                continue
            try:
                group = match.group(value)
            except IndexError:  # no such group number or name: empty, as in Rust
                group = None
            out.append(group or "")
        return "".join(out)

    return expand


def _reference(template: str, start: int) -> tuple[str | None, int]:
    """The group named after a ``$`` at ``start``, and where the reference ends."""
    if template.startswith("{", start):
        close = template.find("}", start)
        name = template[start + 1 : close] if close >= 0 else ""
        if not name:
            return None, start
        return name, close + 1
    end = start
    while end < len(template) and (template[end] in _REFERENCE_CHARS):
        end += 1
    if end == start:
        return None, start
    return template[start:end], end


_REFERENCE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")


def matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Successive matches as Rust's iterator gives them: ``re`` also reports an empty match
    right where the previous match ended ("a*" on "baa" ends with one at 3); Rust does not."""
    last_end = -1
    for match in pattern.finditer(text):
        if match.start() == match.end() == last_end:
            continue
        last_end = match.end()
        yield match


def replace_all(pattern: re.Pattern[str], text: str, template: str) -> str:
    expand = replacer(template)
    out: list[str] = []
    position = 0
    for match in matches(pattern, text):
        out.append(text[position : match.start()])
        out.append(expand(match))
        position = match.end()
    out.append(text[position:])
    return "".join(out)
