"""regex: the original's Rust (regex-lite) dialect, on Python's re."""

from __future__ import annotations

import pytest

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def test_match_is_a_search(lua: Lua) -> None:
    assert lua(
        'return regex.match("hello world", "^hello"), regex.match("hello world", "^world"),'
        ' regex.match("hello world", "o w")'
    ) == (True, False, True)


def test_find_returns_the_match_and_numbered_groups(lua: Lua) -> None:
    lua(
        r"""
        local r = regex.find("on 2026-02-10.", "(\\d{4})-(\\d{2})-(\\d{2})")
        assert.eq(r.match, "2026-02-10")
        assert.eq(r.groups[1], "2026")
        assert.eq(r.groups[2], "02")
        assert.eq(r.groups[3], "10")
        assert.eq(regex.find("hello", "^\\d+$"), nil)
        -- a group that did not take part leaves a hole
        local h = regex.find("ab", "(x)?(a)(b)")
        assert.eq(h.groups[1], nil)
        assert.eq(h.groups[2], "a")
        assert.eq(h.groups[3], "b")
        """
    )


def test_find_all_and_replace(lua: Lua) -> None:
    lua(
        r"""
        local all = regex.find_all("foo123bar456baz", "\\d+")
        assert.eq(#all, 2)
        assert.eq(all[1], "123")
        assert.eq(all[2], "456")
        assert.eq(#regex.find_all("abc", "\\d"), 0)
        assert.eq(regex.replace("aaa bbb aaa", "aaa", "ccc"), "ccc bbb ccc")
        assert.eq(regex.replace("John Smith", "(\\w+) (\\w+)", "$2, $1"), "Smith, John")
        """
    )


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        ("(?<first>\\w+) (?P<last>\\w+)", "${last} ${first}", "Smith John"),
        ("(?<first>\\w+) (\\w+)", "$first-$2", "John-Smith"),
        ("(\\w+) (\\w+)", "${1}x $$ \\1", "Johnx $ \\1"),  # backslashes are plain text
        ("(\\w+) (\\w+)", "$1x|$9|$", "||$"),  # $1x names group "1x": empty, like $9
        ("(x)?John", "[$1]", "[] Smith"),
    ],
)
def test_replacement_syntax_is_rusts(
    lua: Lua, pattern: str, replacement: str, expected: str
) -> None:
    code = f"return regex.replace([[John Smith]], [[{pattern}]], [==[{replacement}]==])"
    assert lua(code) == expected.encode()


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("a\n", "a$", False),  # $ is the very end, not before a final newline
        ("a\nb", "(?m)a$", True),
        ("a\nb", "(?m:a$)", True),
        ("xAB", "x(?i)ab", True),  # mid-pattern flags: to the end of the group
        ("XAB", "x(?i)ab", False),
        ("c", "x(?i)ab|C", True),  # ... and across its alternation
        ("é", "^\\w$", False),  # \w, \d, \s are ASCII
        ("é", "^.$", True),  # but . is a code point
        ("É", "(?i)é", False),  # and case folding is ASCII
        ("a1 ", "^[[:alpha:]][[:digit:]][[:space:]]$", True),
        ("😀", "^\\x{1F600}$", True),
        ("ab", "a\\z", False),
        ("word", "\\<word\\>", True),
        ("swords", "\\bwords\\b{end}", False),
        ("a|b", "^[|]", False),
        ("|b", "^[|]", True),
    ],
)
def test_dialect(lua: Lua, text: str, pattern: str, expected: bool) -> None:
    assert lua(f"return regex.match([[{text}]], [==[{pattern}]==])") is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        # regex-lite's own words.
        ("[", "found unclosed character class"),
        ("[a", "non-empty character class has no closing bracket"),
        ("[^", "negated character class has no closing bracket"),
        ("[a-", "non-empty character class has no closing bracket after dash"),
        ("[]", "character class begins with literal ']' but has no closing bracket"),
        ("[z-a]", "invalid range in character class"),
        ("[\\d-z]", "character class ranges must start and end with a single character"),
        ("[a[bc]]", "nested character classes are not supported"),
        ("(", "found open group without closing ')'"),
        ("(a", "found open group without closing ')'"),
        ("a)", "found closing ')' without matching '('"),
        ("(?", "expected closing ')', but got end of pattern"),
        ("(?)", "empty flag directive '(?)' is not allowed"),
        ("(?z)", "unrecognized inline flag"),
        ("(?ii)", "duplicate inline flag is not allowed"),
        ("(?i-)", "inline flags cannot end with negation directive"),
        ("(?=a)", "look-around is not supported"),
        ("(?<!a)b", "look-around is not supported"),
        ("(?<>a)", "empty capture group names are not allowed"),
        ("(?<1a>a)", "invalid group name"),
        ("(?<a>x)(?<a>y)", "duplicate capture group name"),
        ("(a)\\1", "backreferences are not supported"),
        ("\\p{L}", "Unicode character classes are not supported"),
        ("[a&&b]", "character class intersection is not supported"),
        ("[a--b]", "character class difference is not supported"),
        ("*", "uncounted repetition operator must be applied to a sub-expression"),
        ("a|+", "uncounted repetition operator must be applied to a sub-expression"),
        ("{2}", "counted repetition operator must be applied to a sub-expression"),
        ("a{", "found unclosed counted repetition operator"),
        ("a{2", "found incomplete and unclosed counted repetition operator"),
        ("a{2,", "found counted repetition operator with a comma that is unclosed"),
        ("a{x}", "expected decimal number, but found no digits"),
        ("a{2,1}", "found counted repetition with a min bigger than its max"),
        ("\\", "saw start of escape sequence, but saw end of pattern before it finished"),
        ("\\Z", "unrecognized escape sequence"),
        ("\\xZZ", "expected fixed length hexadecimal number, but got non-hex digit"),
        ("\\x{}", "expected hexadecimal number in braces, but got no digits"),
        ("\\x{D800}", "got invalid hexadecimal number in braces"),
        ("\\b{middle}", "special word boundary assertion is unrecognized"),
        ("(" * 60 + ")" * 60, "pattern has too much nesting"),
    ],
)
def test_invalid_patterns(lua: Lua, pattern: str, reason: str) -> None:
    for fn, args in (("match", ""), ("find", ""), ("find_all", ""), ("replace", ', "x"')):
        message = lua.error(f'regex.{fn}("text", [==[{pattern}]==]{args})')
        assert message == f"regex.{fn}: invalid pattern: {reason}"


def test_flags_regex_lite_has_but_python_cannot_follow(lua: Lua) -> None:
    # regex-lite accepts swap-greed; re has no equivalent, so assay-py refuses it.
    assert "the flag 'U' is not supported" in lua.error('regex.match("a", "(?U)a+")')


def test_argument_errors(lua: Lua) -> None:
    # Rust text, as the original declares the parameters.
    assert lua.error('regex.match(nil, "a")') == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error('regex.find("a", {})') == (
        "bad argument #2: error converting Lua table to String (expected string or number)"
    )
    assert lua.error('regex.replace("a", "a")') == (
        "bad argument #3: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error('regex.match("\\255", "a")') == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 0)"
    )
    assert lua("return regex.match(12345, 3)") is True


def test_empty_matches_follow_rusts_iterator(lua: Lua) -> None:
    # No empty match right where the previous match ended (Python's re would add one).
    got = lua(
        'return table.concat(regex.find_all("baaa", "a*"), "|"), #regex.find_all("baaa", "a*"),'
        ' regex.replace("baaa", "a*", "-"), regex.replace("abc", "", "-")'
    )
    assert got == (b"|aaa", 2, b"-b-", b"-a-b-c-")


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine('return regex.replace("a-b", "-", "+")') == b"a+b"
