"""template: Jinja syntax rendered with minijinja's defaults, as the original does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


def test_render_string_variables_loops_conditions_filters(lua: Lua) -> None:
    lua(
        """
        assert.eq(template.render_string("Hello {{ name }}!", {name = "World"}), "Hello World!")
        assert.eq(template.render_string("{% for i in items %}{{ i }},{% endfor %}",
                                         {items = {"a", "b", "c"}}), "a,b,c,")
        local t = "{% if active %}yes{% else %}no{% endif %}"
        assert.eq(template.render_string(t, {active = true}), "yes")
        assert.eq(template.render_string(t, {active = false}), "no")
        assert.eq(template.render_string("{{ user.name }} is {{ user.age }}",
                                         {user = {name = "Alice", age = 30}}), "Alice is 30")
        assert.eq(template.render_string("{{ name | upper }} has {{ items | length }} items",
                                         {name = "alice", items = {1, 2, 3}}),
                  "ALICE has 3 items")
        assert.eq(template.render_string("static", nil), "static")
        assert.eq(template.render_string("static", {}), "static")
        """
    )


def test_values_print_as_minijinja_prints_them(lua: Lua) -> None:
    got = lua(
        'return template.render_string("[{{ missing }}] {{ t }} {{ f }} {{ l }} {{ m }} {{ x }}",'
        ' {t = true, f = false, l = {"a", 1}, m = {k = "v"}, x = 2.5})'
    )
    assert got == b'[] true false ["a", 1] {"k": "v"} 2.5'


def test_strings_and_files_are_not_escaped_but_html_loader_templates_are(
    lua: Lua, tmp_path: Path
) -> None:
    (tmp_path / "page.html").write_text("<p>{{ x }}</p>")
    (tmp_path / "page.txt").write_text("<p>{{ x }}</p>")
    (tmp_path / "safe.html.j2").write_text("{{ x }}|{{ x | safe }}")
    got = lua(
        f"""
        local v = {{x = "<b>&"}}
        return template.render_string("{{{{ x }}}}", v),
               template.render("{tmp_path}/page.html", v),
               template.render_with_loader("{tmp_path}", "page.html", v),
               template.render_with_loader("{tmp_path}", "page.txt", v),
               template.render_with_loader("{tmp_path}", "safe.html.j2", v)
        """
    )
    assert got == (
        b"<b>&",
        b"<p><b>&</p>",
        b"<p>&lt;b&gt;&amp;</p>",
        b"<p><b>&</p>",
        b"&lt;b&gt;&amp;|<b>&",
    )


def test_loader_extends_includes_and_imports(lua: Lua, tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text("<html>{% block content %}{% endblock %}</html>")
    (tmp_path / "page.html").write_text(
        '{% extends "base.html" %}{% block content %}<ul>{% include "row.html" %}</ul>'
        "{% endblock %}"
    )
    (tmp_path / "row.html").write_text("<li>{{ name }}</li>")
    (tmp_path / "macros.html").write_text("{% macro greet(who) %}<i>hi {{ who }}</i>{% endmacro %}")
    (tmp_path / "m.html").write_text('{% import "macros.html" as m %}{{ m.greet(name) }}')
    got = lua(
        f"""
        return template.render_with_loader("{tmp_path}", "page.html", {{name = "hi"}}),
               template.render_with_loader("{tmp_path}", "m.html", {{name = "world"}})
        """
    )
    assert got == (b"<html><ul><li>hi</li></ul></html>", b"<i>hi world</i>")


def test_render_string_includes_from_the_templates_folder(
    lua: Lua, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "part.txt").write_text("part {{ n }}")
    monkeypatch.chdir(tmp_path)
    assert lua("return template.render_string(\"[{% include 'part.txt' %}]\", {n = 1})") == (
        b"[part 1]"
    )


def test_the_sandbox_keeps_python_out_of_reach(lua: Lua) -> None:
    # An unsafe attribute is undefined in the sandbox; calling a mutating method is refused.
    assert lua('return template.render_string("[{{ x.__class__ }}]", {x = "s"})') == b"[]"
    message = lua.error('template.render_string("{{ l.append(1) }}", {l = {1}})')
    assert message.startswith("template.render_string: invalid operation: ")
    assert "unsafe" in message


def test_errors(lua: Lua, tmp_path: Path) -> None:
    assert lua.error('template.render_string("{% invalid %}", {})').startswith(
        "template.render_string: syntax error: "
    )
    assert lua.error('template.render_string("{{ a.b }}", {})').startswith(
        "template.render_string: undefined value"
    )
    assert lua.error('template.render_string("x", 5)') == (
        "template.render_string: second argument must be a table or nil"
    )
    assert lua.error(f'template.render("{tmp_path}/nope.html", {{}})') == (
        f'template.render: failed to read "{tmp_path}/nope.html": '
        "No such file or directory (os error 2)"
    )
    assert lua.error(f'template.render("{tmp_path}", "x")').startswith("template.render: ")
    assert lua.error(f'template.render_with_loader("{tmp_path}", "nope.html", {{}})') == (
        'template.render_with_loader: template not found: template "nope.html" does not exist'
    )
    assert lua.error(f'template.render_with_loader("{tmp_path}", "../x.html")').startswith(
        "template.render_with_loader: template not found"
    )
    assert lua.error(f'template.render_with_loader("{tmp_path}", "a", 1)') == (
        "template.render_with_loader: third argument must be a table or nil"
    )


def test_first_use_inside_a_coroutine() -> None:
    got = first_use_in_coroutine('return template.render_string("{{ 1 + n }}", {n = 2})')
    assert got == b"3"


def test_arguments_are_rust_text_and_variables_go_through_json(lua: Lua) -> None:
    assert lua.error("template.render_string(nil)") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error("template.render_string('x', 5)") == (
        "template.render_string: second argument must be a table or nil"
    )
    # The original converts the variables with the JSON rules: their errors, unprefixed.
    assert lua.error("template.render_string('x', {f = print})") == (
        "unsupported Lua type for JSON: function"
    )
    assert lua.error("template.render_with_loader('.', nil)") == (
        "bad argument #2: error converting Lua nil to String (expected string or number)"
    )
