"""The syntax checks of Rust's ``regex-lite`` (the original's ``regex`` engine), in its order.

:func:`syntax_error` walks a pattern the way regex-lite's parser does and returns the first
fault in regex-lite's own words (``found open group without closing ')'``, ...), or None.
The walk builds nothing: compiling stays with :mod:`._rust_regex`, which translates for
Python's ``re``. Only syntax is judged here; regex-lite's compiled-size limit is not.
"""

from __future__ import annotations

_NEST_LIMIT = 50  # regex-lite's default nest limit
_META = set("\\.+*?()|[]{}^$#&-~")
_FLAGS = set("imsURxu")
_POSIX = {
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
}  # fmt: skip
_WORD_BOUNDARIES = {"start", "end", "start-half", "end-half"}
# Rust's char::is_whitespace (Unicode White_Space).
_WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}
_HEX = set("0123456789abcdefABCDEF")

# A parsed item: "char" (with its code point), "class", "look", "group" (or None for a
# bare flag directive such as "(?i)").
_CHAR, _CLASS, _LOOK = "char", "class", "look"


class _Fault(Exception):
    pass


def syntax_error(pattern: str) -> str | None:
    """regex-lite's message for the first syntax fault of ``pattern``, or None."""
    try:
        _Parser(pattern).parse_inner()
    except _Fault as fault:
        return str(fault)
    return None


def _escapable(ch: str) -> bool:
    if ch in _META:
        return True
    if not ch.isascii():
        return False
    return not (ch.isalnum() or ch in "<>")


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.pos = 0
        self.depth = 0
        self.ignore_space = False
        self.case_insensitive = False
        self.names: set[str] = set()

    # -- the cursor ---------------------------------------------------------------------
    def done(self) -> bool:
        return self.pos >= len(self.p)

    def char(self) -> str:
        return self.p[self.pos]

    def bump(self) -> bool:
        if self.done():
            return False
        self.pos += 1
        return not self.done()

    def bump_if(self, prefix: str) -> bool:
        if self.p.startswith(prefix, self.pos):
            self.pos += len(prefix)
            return True
        return False

    def bump_and_bump_space(self) -> bool:
        if not self.bump():
            return False
        self.bump_space()
        return not self.done()

    def bump_space(self) -> None:
        if not self.ignore_space:
            return
        while not self.done():
            if self.char() in _WHITESPACE:
                self.bump()
            elif self.char() == "#":
                self.bump()
                while not self.done():
                    c = self.char()
                    self.bump()
                    if c == "\n":
                        break
            else:
                break

    def peek(self) -> str | None:
        return self.p[self.pos + 1] if self.pos + 1 < len(self.p) else None

    def peek_space(self) -> str | None:
        if not self.ignore_space:
            return self.peek()
        if self.done():
            return None
        start = self.pos + 1
        in_comment = False
        for i, ch in enumerate(self.p[start:]):
            if ch in _WHITESPACE:
                continue
            if not in_comment and ch == "#":
                in_comment = True
            elif in_comment and ch == "\n":
                in_comment = False
            else:
                start += i
                break
        return self.p[start] if start < len(self.p) else None

    # -- the grammar --------------------------------------------------------------------
    def parse_inner(self) -> None:
        depth = self.depth
        if depth > _NEST_LIMIT:
            raise _Fault("pattern has too much nesting")
        self.depth = depth + 1
        items = 0  # of the concatenation being built
        while True:
            self.bump_space()
            if self.done():
                break
            c = self.char()
            if c == "(":
                flags = (self.ignore_space, self.case_insensitive)
                if self.parse_group():
                    items += 1
                    self.ignore_space, self.case_insensitive = flags
                if self.done() or self.char() != ")":
                    raise _Fault("found open group without closing ')'")
                self.bump()
            elif c == ")":
                if depth == 0:
                    raise _Fault("found closing ')' without matching '('")
                break
            elif c == "|":
                items = 0
                self.bump()
            elif c == "[":
                self.parse_class()
                items += 1
            elif c in "?*+":
                if not items:
                    raise _Fault(
                        "uncounted repetition operator must be applied to a sub-expression"
                    )
                if self.bump() and self.char() == "?":
                    self.bump()
            elif c == "{":
                self.parse_counted_repetition(items)
            else:
                self.parse_primitive()
                items += 1
        self.depth -= 1

    def parse_primitive(self) -> None:
        ch = self.char()
        self.bump()
        if ch == "\\":
            self.parse_escape()

    def parse_escape(self) -> tuple[str, int]:
        """The escape after a backslash: its kind, and for a character its code point."""
        if self.done():
            raise _Fault("saw start of escape sequence, but saw end of pattern before it finished")
        ch = self.char()
        if ch.isdigit() and ch.isascii():
            raise _Fault("backreferences are not supported")
        if ch in "pP":
            raise _Fault("Unicode character classes are not supported")
        if ch in "xuU":
            return self.letter(self.parse_hex())
        if ch in "dswDSW":
            self.bump()
            return _CLASS, 0
        self.bump()
        if _escapable(ch):
            return self.letter(ord(ch))
        special = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
        if ch in special:
            return _CHAR, special[ch]
        if ch in "AzB<>":
            return _LOOK, 0
        if ch == "b":
            if not self.done() and self.char() == "{":
                self.maybe_parse_special_word_boundary()
            return _LOOK, 0
        raise _Fault("unrecognized escape sequence")

    def letter(self, code: int) -> tuple[str, int]:
        # Under (?i) an ASCII letter becomes a two-letter class.
        if self.case_insensitive and chr(code).isascii() and chr(code).isalpha():
            return _CLASS, 0
        return _CHAR, code

    def maybe_parse_special_word_boundary(self) -> None:
        def valid(c: str) -> bool:
            return c.isascii() and (c.isalpha() or c == "-")

        start = self.pos
        if not self.bump_and_bump_space():
            raise _Fault("found start of special word boundary or repetition without an end")
        if not valid(self.char()):
            self.pos = start  # a counted repetition, such as \b{5}
            return
        scratch = ""
        while not self.done() and valid(self.char()):
            scratch += self.char()
            self.bump_and_bump_space()
        if self.done() or self.char() != "}":
            raise _Fault("special word boundary assertion is unclosed or has an invalid character")
        self.bump()
        if scratch not in _WORD_BOUNDARIES:
            raise _Fault("special word boundary assertion is unrecognized")

    def parse_hex(self) -> int:
        digit_len = {"x": 2, "u": 4, "U": 8}[self.char()]
        if not self.bump_and_bump_space():
            raise _Fault("expected hexadecimal number, but saw end of pattern first")
        if self.char() == "{":
            return self.parse_hex_brace()
        scratch = ""
        for i in range(digit_len):
            if i > 0 and not self.bump_and_bump_space():
                raise _Fault(
                    "expected fixed length hexadecimal number, but saw end of pattern first"
                )
            if self.char() not in _HEX:
                raise _Fault("expected fixed length hexadecimal number, but got non-hex digit")
            scratch += self.char()
        self.bump_and_bump_space()
        code = int(scratch, 16)
        if not _scalar(code):
            raise _Fault("got invalid fixed length hexadecimal number")
        return code

    def parse_hex_brace(self) -> int:
        scratch = ""
        while self.bump_and_bump_space() and self.char() != "}":
            if self.char() not in _HEX:
                raise _Fault("expected hexadecimal number in braces, but got non-hex digit")
            scratch += self.char()
        if self.done():
            raise _Fault("expected hexadecimal number, but saw end of pattern before closing brace")
        self.bump_and_bump_space()
        if not scratch:
            raise _Fault("expected hexadecimal number in braces, but got no digits")
        code = int(scratch, 16)
        if code > 0xFFFFFFFF or not _scalar(code):
            raise _Fault("got invalid hexadecimal number in braces")
        return code

    def parse_decimal(self) -> int:
        while not self.done() and self.char() in _WHITESPACE:
            self.bump()
        scratch = ""
        while not self.done() and "0" <= self.char() <= "9":
            scratch += self.char()
            self.bump_and_bump_space()
        while not self.done() and self.char() in _WHITESPACE:
            self.bump_and_bump_space()
        if not scratch:
            raise _Fault("expected decimal number, but found no digits")
        number = int(scratch)
        if number > 0xFFFFFFFF:
            raise _Fault("got invalid decimal number")
        return number

    def parse_counted_repetition(self, items: int) -> None:
        if not items:
            raise _Fault("counted repetition operator must be applied to a sub-expression")
        if not self.bump_and_bump_space():
            raise _Fault("found unclosed counted repetition operator")
        low = self.parse_decimal()
        high: int | None = low
        if self.done():
            raise _Fault("found incomplete and unclosed counted repetition operator")
        if self.char() == ",":
            if not self.bump_and_bump_space():
                raise _Fault("found counted repetition operator with a comma that is unclosed")
            high = self.parse_decimal() if self.char() != "}" else None
            if self.done():
                raise _Fault("found counted repetition with min and max that is unclosed")
        if self.char() != "}":
            raise _Fault("expected closing brace for counted repetition, but got something else")
        if self.bump_and_bump_space() and self.char() == "?":
            self.bump()
        if high is not None and low > high:
            raise _Fault("found counted repetition with a min bigger than its max")

    def parse_group(self) -> bool:
        """At "(": True for a group, False for a bare flag directive (left at its ")")."""
        self.bump_and_bump_space()
        if any(self.bump_if(prefix) for prefix in ("?=", "?!", "?<=", "?<!")):
            raise _Fault("look-around is not supported")
        if self.bump_if("?P<") or self.bump_if("?<"):
            self.parse_capture_name()
            self.parse_inner()
            return True
        if self.bump_if("?"):
            if self.done():
                raise _Fault("expected closing ')', but got end of pattern")
            start = self.pos
            self.parse_flags()
            if self.char() == ")":
                if self.pos == start:
                    raise _Fault("empty flag directive '(?)' is not allowed")
                return False
            self.bump()  # the ":"
            self.parse_inner()
            return True
        self.parse_inner()
        return True

    def parse_capture_name(self) -> None:
        if self.done():
            raise _Fault("expected capture group name, but got end of pattern")
        start = self.pos
        while True:
            c = self.char()
            if c == ">":
                break
            first = self.pos == start
            ok = c == "_" or c.isalpha() if first else c in "_.[]" or c.isalnum()
            if not ok:
                raise _Fault("invalid group name")
            if not self.bump():
                break
        end = self.pos
        if self.done():
            raise _Fault("expected end of capture group name, but got end of pattern")
        self.bump()
        name = self.p[start:end]
        if not name:
            raise _Fault("empty capture group names are not allowed")
        if name in self.names:
            raise _Fault("duplicate capture group name")
        self.names.add(name)

    def parse_flags(self) -> None:
        negate = last_was_negation = False
        seen: set[str] = set()
        ignore_space, case_insensitive = self.ignore_space, self.case_insensitive
        while self.char() not in ":)":
            c = self.char()
            if c == "-":
                last_was_negation = True
                if negate:
                    raise _Fault("inline flag negation cannot be repeated")
                negate = True
            else:
                last_was_negation = False
                if c not in _FLAGS:
                    raise _Fault("unrecognized inline flag")
                if c == "x":
                    ignore_space = not negate
                elif c == "i":
                    case_insensitive = not negate
                if c in seen:
                    raise _Fault("duplicate inline flag is not allowed")
                seen.add(c)
            if not self.bump():
                raise _Fault("expected ':' or ')' to end inline flags, but got end of pattern")
        if last_was_negation:
            raise _Fault("inline flags cannot end with negation directive")
        self.ignore_space, self.case_insensitive = ignore_space, case_insensitive

    def parse_class(self) -> None:
        if not self.bump_and_bump_space():
            raise _Fault("found unclosed character class")
        if self.char() == "^" and not self.bump_and_bump_space():
            raise _Fault("negated character class has no closing bracket")
        members = 0
        while self.char() == "-":
            members += 1
            if not self.bump_and_bump_space():
                raise _Fault("non-empty character class has no closing bracket after dash")
        if not members and self.char() == "]":
            members += 1
            if not self.bump_and_bump_space():
                raise _Fault("character class begins with literal ']' but has no closing bracket")
        while True:
            self.bump_space()
            if self.done():
                raise _Fault("found unclosed character class")
            c = self.char()
            if c == "[":
                if self.maybe_parse_posix_class():
                    continue
                raise _Fault("nested character classes are not supported")
            if c == "]":
                self.bump()
                return
            if c == "&" and self.peek() == "&":
                raise _Fault("character class intersection is not supported")
            if c == "-" and self.peek() == "-":
                raise _Fault("character class difference is not supported")
            if c == "~" and self.peek() == "~":
                raise _Fault("character class symmetric difference is not supported")
            self.parse_class_range()

    def parse_class_range(self) -> None:
        first = self.parse_class_item()
        self.bump_space()
        if self.done():
            raise _Fault("non-empty character class has no closing bracket")
        if self.char() != "-" or self.peek_space() in ("]", "-"):
            if first[0] == _LOOK:
                raise _Fault("invalid escape sequence in character class")
            return
        if not self.bump_and_bump_space():
            raise _Fault("non-empty character class has no closing bracket after dash")
        second = self.parse_class_item()
        if first[0] != _CHAR or second[0] != _CHAR:
            raise _Fault("character class ranges must start and end with a single character")
        if first[1] > second[1]:
            raise _Fault("invalid range in character class")

    def parse_class_item(self) -> tuple[str, int]:
        ch = self.char()
        self.bump()
        if ch == "\\":
            return self.parse_escape()
        return _CHAR, ord(ch)

    def maybe_parse_posix_class(self) -> bool:
        start = self.pos
        if not self.bump() or self.char() != ":" or not self.bump():
            self.pos = start
            return False
        if self.char() == "^" and not self.bump():
            self.pos = start
            return False
        name_start = self.pos
        while self.char() != ":" and self.bump():
            pass
        if self.done():
            self.pos = start
            return False
        name = self.p[name_start : self.pos]
        if not self.bump_if(":]") or name not in _POSIX:
            self.pos = start
            return False
        return True


def _scalar(code: int) -> bool:
    return code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
