"""The ``regex`` global: ``match``, ``find``, ``find_all``, ``replace``; text first, then pattern.

Patterns and replacements are the original's (Rust regex-lite) dialect, translated for
Python's ``re`` by :mod:`._rust_regex`, which also lists what is refused.
``find`` returns ``{match = whole match, groups = {[n] = text}}`` (groups that did not take
part are absent) or nil; ``find_all`` the list of whole matches; ``replace`` replaces all.
A bad pattern raises ``regex.<fn>: invalid pattern: <reason>``, in regex-lite's words (see
:mod:`._regex_lite_syntax`). Text, pattern and replacement are Rust text, as the original
declares them: numbers are coerced, a string that is not UTF-8 is a bad argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assay_py.host.builtins._args import arg_str
from assay_py.host.vm import LuaVM


def _compiled(fn: str, pattern: str) -> re.Pattern[str]:
    from assay_py.host.builtins._regex_lite_syntax import syntax_error
    from assay_py.host.builtins._rust_regex import PatternError, compile_pattern

    fault = syntax_error(pattern)
    if fault is not None:
        raise ValueError(f"regex.{fn}: invalid pattern: {fault}")
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise ValueError(f"regex.{fn}: invalid pattern: {exc}") from None


def match(text: Any = None, pattern: Any = None) -> bool:
    subject, source = arg_str(text, 1), arg_str(pattern, 2)
    return _compiled("match", source).search(subject) is not None


def find(text: Any = None, pattern: Any = None) -> dict[str, Any] | None:
    subject, source = arg_str(text, 1), arg_str(pattern, 2)
    found = _compiled("find", source).search(subject)
    if found is None:
        return None
    groups = {n: value for n, value in enumerate(found.groups(), 1) if value is not None}
    # A dict keyed 1..n: with holes for groups that did not take part, not a list.
    return {"match": found.group(0), "groups": groups}


def find_all(text: Any = None, pattern: Any = None) -> list[str]:
    from assay_py.host.builtins._rust_regex import matches

    subject, source = arg_str(text, 1), arg_str(pattern, 2)
    return [m.group(0) for m in matches(_compiled("find_all", source), subject)]


def replace(text: Any = None, pattern: Any = None, replacement: Any = None) -> str:
    from assay_py.host.builtins._rust_regex import replace_all

    subject, source = arg_str(text, 1), arg_str(pattern, 2)
    template = arg_str(replacement, 3)
    return replace_all(_compiled("replace", source), subject, template)


def install(vm: LuaVM) -> None:
    functions: dict[str, Callable[..., Any]] = {
        "match": match,
        "find": find,
        "find_all": find_all,
        "replace": replace,
    }
    vm.set_global("regex", vm.table({name: vm.function(fn) for name, fn in functions.items()}))
