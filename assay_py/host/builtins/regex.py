"""The ``regex`` global: ``match``, ``find``, ``find_all``, ``replace``; text first, then pattern.

Patterns and replacements are the original's (Rust regex-lite) dialect, translated for
Python's ``re`` by :mod:`._rust_regex`, which also lists what is refused.
``find`` returns ``{match = whole match, groups = {[n] = text}}`` (groups that did not take
part are absent) or nil; ``find_all`` the list of whole matches; ``replace`` replaces all.
A bad pattern raises ``regex.<fn>: invalid pattern: <reason>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assay_py.host.builtins._args import lua_text
from assay_py.host.vm import LuaVM


def _text(raw: Any, where: str) -> str:
    data = lua_text(raw, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not valid UTF-8 (byte {exc.start})") from None


def _compiled(fn: str, raw_pattern: Any) -> re.Pattern[str]:
    from assay_py.host.builtins._rust_regex import PatternError, compile_pattern

    pattern = _text(raw_pattern, f"regex.{fn}: pattern")
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise ValueError(f"regex.{fn}: invalid pattern: {exc}") from None


def match(text: Any = None, pattern: Any = None) -> bool:
    subject = _text(text, "regex.match: text")
    return _compiled("match", pattern).search(subject) is not None


def find(text: Any = None, pattern: Any = None) -> dict[str, Any] | None:
    subject = _text(text, "regex.find: text")
    found = _compiled("find", pattern).search(subject)
    if found is None:
        return None
    groups = {n: value for n, value in enumerate(found.groups(), 1) if value is not None}
    # A dict keyed 1..n: with holes for groups that did not take part, not a list.
    return {"match": found.group(0), "groups": groups}


def find_all(text: Any = None, pattern: Any = None) -> list[str]:
    from assay_py.host.builtins._rust_regex import matches

    subject = _text(text, "regex.find_all: text")
    return [m.group(0) for m in matches(_compiled("find_all", pattern), subject)]


def replace(text: Any = None, pattern: Any = None, replacement: Any = None) -> str:
    from assay_py.host.builtins._rust_regex import replace_all

    subject = _text(text, "regex.replace: text")
    compiled = _compiled("replace", pattern)
    template = _text(replacement, "regex.replace: replacement")
    return replace_all(compiled, subject, template)


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "match": match,
        "find": find,
        "find_all": find_all,
        "replace": replace,
    }
    vm.set_global("regex", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
