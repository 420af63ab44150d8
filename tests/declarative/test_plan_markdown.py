"""The Markdown plan is well-formed whatever the names and values hold: parsed back with a
CommonMark parser (tables enabled, as GitHub renders them), every row keeps its six cells."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

from assay_py.rauthy.declarative.plan_markdown import render_plan_markdown


def _instance(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "format_version": 1,
        "layout": "instance",
        "changes": True,
        "reads": 2,
        "missing_rights": [],
        "kinds": {
            "scopes": {"prune": True, "summary": {}, "reads": 1, "items": items},
            "roles": {
                "prune": False,
                "summary": {},
                "reads": 1,
                "items": [{"name": "viewer", "action": "noop", "changes": []}],
            },
        },
        **extra,
    }


def _cells(markdown: str) -> list[list[str]]:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    out = []
    for row in html.split("<tr>")[1:]:
        out.append([c.split("</td>")[0] for c in row.split("<td>")[1:]])
    return [r for r in out if r]


def test_pipes_backticks_and_html_in_values_stay_inside_their_cells() -> None:
    body = _instance(
        [
            {
                "name": "a|b`c",
                "action": "put",
                "changes": [{"field": "desc", "before": "x | y", "after": "``<b>`` *z*"}],
            }
        ]
    )
    cells = _cells(render_plan_markdown(body))
    assert len(cells) == 1 and len(cells[0]) == 6
    assert cells[0][1] == "<code>a|b`c</code>"
    assert cells[0][4] == "<code>&quot;x | y&quot;</code>"
    assert cells[0][5] == "<code>&quot;``&lt;b&gt;`` *z*&quot;</code>"


def test_summary_then_one_collapsed_table_per_kind_with_changes() -> None:
    body = _instance(
        [
            {
                "name": "old",
                "action": "delete",
                "reason": "absent from the file (prune scopes)",
                "changes": [{"field": "attr_include_access", "before": ["d"], "after": None}],
                "side_effects": ["client 'app' loses scope 'old'"],
            },
            {"name": "new", "action": "create", "changes": []},
        ]
    )
    text = render_plan_markdown(body)
    first, *rest = text.splitlines()
    assert first == "**Plan**: scopes 1 to create, 1 to delete, 0 unchanged."
    assert text.count("<details>") == 1  # roles has nothing to change
    assert "<summary><b>scopes</b>: 1 to create, 1 to delete, 0 unchanged</summary>" in text
    assert "- `old`: side effect: client 'app' loses scope 'old'" in rest
    cells = _cells(text)
    assert cells[0][:3] == ["-", "<code>old</code>", "delete (absent from the file (prune scopes))"]
    assert cells[0][4:] == ["<code>[&quot;d&quot;]</code>", ""]  # a delete has no after
    assert cells[1][:3] == ["+", "<code>new</code>", "create"]


def test_missing_rights_say_apply_would_refuse() -> None:
    body = _instance(
        [{"name": "s", "action": "create", "changes": []}], missing_rights=["Scopes:create"]
    )
    assert "**Apply would refuse**: the API key lacks `Scopes:create`." in render_plan_markdown(
        body
    )


def test_a_secret_to_publish_again_is_a_change_with_its_reason() -> None:
    body = {
        "format_version": 1,
        "layout": "clients",
        "changes": True,
        "prune": False,
        "summary": {},
        "reads": 1,
        "clients": [
            {
                "id": "bao",
                "action": "noop",
                "confidential": True,
                "publish": ["secrets dir ./s lacks it"],
                "changes": [],
            },
            {"id": "same", "action": "noop", "confidential": False, "changes": []},
        ],
    }
    text = render_plan_markdown(body)
    assert text.splitlines()[0] == "**Plan**: clients 1 to publish, 1 unchanged."
    assert "- `bao`: publish: secrets dir ./s lacks it" in text
    assert _cells(text) == [["~", "<code>bao</code>", "publish", "", "", ""]]


def test_free_text_cannot_inject_markup() -> None:
    body = _instance(
        [
            {
                "name": "s",
                "action": "create",
                "changes": [],
                "warnings": ["<img src=x> [link](http://x) *bold*"],
            }
        ]
    )
    html = MarkdownIt("commonmark").enable("table").render(render_plan_markdown(body))
    assert "<img" not in html and "<a " not in html and "<em>" not in html
