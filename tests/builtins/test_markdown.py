from __future__ import annotations

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def test_commonmark_basics(lua: Lua) -> None:
    got = lua(
        'return markdown.to_html("# Hello"), markdown.to_html("Hello **world**"),'
        ' markdown.to_html("- one\\n- two"), markdown.to_html("```lua\\nprint(1)\\n```"),'
        ' markdown.to_html("<div>raw</div>")'
    )
    assert got == (
        b"<h1>Hello</h1>\n",
        b"<p>Hello <strong>world</strong></p>\n",
        b"<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n",
        b'<pre><code class="language-lua">print(1)\n</code></pre>\n',
        b"<div>raw</div>",
    )


def test_tables_as_the_original_writes_them(lua: Lua) -> None:
    got = lua('return markdown.to_html("| A | B |\\n|:--|---|\\n| 1 | 2 |\\n| 3 | 4 |")')
    assert got == (
        b'<table><thead><tr><th style="text-align: left">A</th><th>B</th></tr></thead><tbody>\n'
        b'<tr><td style="text-align: left">1</td><td>2</td></tr>\n'
        b'<tr><td style="text-align: left">3</td><td>4</td></tr>\n'
        b"</tbody></table>\n"
    )


def test_strikethrough_and_task_lists(lua: Lua) -> None:
    got = lua('return markdown.to_html("~~gone~~"), markdown.to_html("- [x] done\\n- [ ] todo")')
    assert got == (
        b"<p><del>gone</del></p>\n",
        b'<ul>\n<li><input disabled="" type="checkbox" checked=""/>\ndone</li>\n'
        b'<li><input disabled="" type="checkbox"/>\ntodo</li>\n</ul>\n',
    )


def test_argument_error(lua: Lua) -> None:
    assert lua.error("markdown.to_html(nil)") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error('markdown.to_html("\\255")') == (
        "bad argument #1: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 0)"
    )


def test_first_use_inside_a_coroutine() -> None:
    assert first_use_in_coroutine('return markdown.to_html("*x*")') == b"<p><em>x</em></p>\n"
