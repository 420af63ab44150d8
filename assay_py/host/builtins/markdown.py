"""The ``markdown`` global: ``markdown.to_html(source)``.

CommonMark plus the three extensions the original enables (GitHub tables, ``~~strikethrough~~``
and ``- [x]`` task lists), written the way the original's renderer (pulldown-cmark) writes
them: ``<del>`` for strikethrough, ``<input disabled="" type="checkbox"/>`` for a task box,
and tables as ``<table><thead><tr><th>..</th></tr></thead><tbody>`` with a newline after each
body row and ``style="text-align: left"`` for aligned columns. Raw HTML passes through, as
CommonMark says.

markdown-it-py does the parsing; it is imported on first use.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from assay_py.host.builtins._args import arg_str
from assay_py.host.vm import LuaVM

_TASK = re.compile(r"\[([ xX])\][ \t]")


def to_html(source: Any = None) -> str:
    text = arg_str(source, 1)  # Rust text, as the original declares it
    return str(_parser().render(text))


@functools.cache
def _parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.core.ruler.push("task_lists", _task_lists)
    rules = md.add_render_rule
    rules("s_open", lambda *_: "<del>")
    rules("s_close", lambda *_: "</del>")
    rules("table_open", lambda *_: "<table>")
    rules("table_close", lambda *_: "</tbody></table>\n")
    rules("thead_open", lambda *_: "<thead>")
    rules("thead_close", lambda *_: "</thead><tbody>\n")
    rules("tbody_open", lambda *_: "")
    rules("tbody_close", lambda *_: "")
    rules("tr_open", lambda *_: "<tr>")
    rules("tr_close", _row_close)
    for cell in ("th", "td"):
        rules(f"{cell}_open", _cell_open(cell))
        rules(f"{cell}_close", lambda _renderer, tokens, i, *_: f"</{tokens[i].tag}>")
    return md


def _row_close(_renderer: Any, tokens: Any, index: int, *_: Any) -> str:
    # Header rows end "</tr>" (thead_close follows); body rows end with a newline.
    in_head = any(t.type == "thead_open" for t in tokens[:index]) and not any(
        t.type == "thead_close" for t in tokens[:index]
    )
    return "</tr>" if in_head else "</tr>\n"


def _cell_open(tag: str) -> Any:
    def render(_renderer: Any, tokens: Any, index: int, *_: Any) -> str:
        style = str(tokens[index].attrs.get("style", ""))
        align = style.removeprefix("text-align:")
        return f'<{tag} style="text-align: {align}">' if align else f"<{tag}>"

    return render


def _task_lists(state: Any) -> None:
    """A list item whose text starts ``[ ]``/``[x]`` gets a disabled checkbox instead."""
    from markdown_it.token import Token

    tokens = state.tokens
    for i in range(2, len(tokens)):
        inline = tokens[i]
        if not (
            inline.type == "inline"
            and tokens[i - 1].type == "paragraph_open"
            and tokens[i - 2].type == "list_item_open"
            and inline.children
            and inline.children[0].type == "text"
        ):
            continue
        first = inline.children[0]
        marker = _TASK.match(first.content)
        if marker is None:
            continue
        checked = ' checked=""' if marker.group(1) in "xX" else ""
        first.content = first.content[marker.end() :]
        box = Token("html_inline", "", 0)
        box.content = f'<input disabled="" type="checkbox"{checked}/>\n'
        inline.children.insert(0, box)


def install(vm: LuaVM) -> None:
    vm.set_global("markdown", vm.table({"to_html": vm.function(to_html)}))
