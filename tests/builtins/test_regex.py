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
        ("b", "^[a[bc]]$", True),  # nested class: a union
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
        ("[", "unclosed character class"),
        ("(?=a)", "look-around"),
        ("(?<!a)b", "look-around"),
        ("(a)\\1", "backreferences are not supported"),
        ("\\p{L}", "Unicode classes"),
        ("[a&&b]", "class set operations"),
        ("(?U)a+", "the flag 'U' is not supported"),
        ("a)", "unopened group"),
        ("\\Z", "unrecognized escape sequence"),
    ],
)
def test_invalid_patterns(lua: Lua, pattern: str, reason: str) -> None:
    for fn, args in (("match", ""), ("find", ""), ("find_all", ""), ("replace", ', "x"')):
        message = lua.error(f'regex.{fn}("text", [==[{pattern}]==]{args})')
        assert message.startswith(f"regex.{fn}: invalid pattern: "), message
        assert reason in message


def test_argument_errors(lua: Lua) -> None:
    assert lua.error('regex.match(nil, "a")') == "regex.match: text must be a string, got nil"
    assert lua.error('regex.find("a", {})') == "regex.find: pattern must be a string, got table"
    assert lua.error('regex.replace("a", "a")') == (
        "regex.replace: replacement must be a string, got nil"
    )
    assert lua.error('regex.match("\\255", "a")') == (
        "regex.match: text is not valid UTF-8 (byte 0)"
    )


def test_empty_matches_follow_rusts_iterator(lua: Lua) -> None:
    # No empty match right where the previous match ended (Python's re would add one).
    got = lua(
        'return table.concat(regex.find_all("baaa", "a*"), "|"), #regex.find_all("baaa", "a*"),'
        ' regex.replace("baaa", "a*", "-"), regex.replace("abc", "", "-")'
    )
    assert got == (b"|aaa", 2, b"-b-", b"-a-b-c-")


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine('return regex.replace("a-b", "-", "+")') == b"a+b"
