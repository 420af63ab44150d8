"""The ``template`` global: Jinja templates, as the original renders them with minijinja.

- ``render_string(text, vars?)``: ``{% include %}``/``{% extends %}`` resolve under
  ``./templates`` (from the working folder), as in the original.
- ``render(path, vars?)``: one file, no loader.
- ``render_with_loader(dir, name, vars?)``: ``name`` and everything it includes, extends or
  imports come from ``dir``; names cannot climb out of it.

``vars`` is a table (or nil) converted by the JSON rules. Rendering follows minijinja's
defaults where Jinja2's differ: a missing variable prints as nothing but a missing variable's
attribute is an error; ``true``/``false``/``none`` print in lowercase and lists and maps as
minijinja writes them (``["a", 1]``, ``{"k": true}``); output is HTML-escaped only for
templates named ``*.html``, ``*.htm``, ``*.xml`` (also with a ``.j2`` suffix), so
``render_string`` and ``render`` never escape. The escaping itself is MarkupSafe's, which
spells quotes ``&#34;``/``&#39;`` where minijinja writes ``&quot;``/``&#x27;`` (and leaves
``/`` alone): the same text in a browser.

Templates run in Jinja2's immutable sandbox: they cannot reach Python internals or change
the values they get. Jinja2 is imported on first use.
"""

from __future__ import annotations

import functools
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import arg_str, rust_debug
from assay_py.host.vm import LuaVM

STRING_LOADER_DIR = "templates"
_ESCAPED_SUFFIXES = (".html", ".htm", ".xml")


def _escapes(name: str | None) -> bool:
    if name is None:
        return False
    name = name.removesuffix(".j2")
    return name.endswith(_ESCAPED_SUFFIXES)


def _shown(value: Any) -> Any:
    """minijinja's printed form of values Python would print differently."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "none"
    if isinstance(value, (list, dict)):
        return _repr(value)
    return value


def _repr(value: Any) -> str:
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_repr(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_repr(k)}: {_repr(v)}" for k, v in value.items()) + "}"
    return str(_shown(value))


@functools.cache
def _environment(loader_dir: str | None) -> Any:
    """One sandboxed environment per loader folder (None: no loader), reused across calls."""
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(loader_dir) if loader_dir is not None else None,
        autoescape=_escapes,
        finalize=_shown,
        auto_reload=True,
    )


def _error_text(exc: Exception) -> str:
    """Jinja's failure in minijinja's shape: ``<kind>: <detail> (in <name>:<line>)``."""
    import jinja2

    where = ""
    lineno = getattr(exc, "lineno", None)
    name = getattr(exc, "name", None) or getattr(exc, "filename", None) or "<string>"
    if isinstance(exc, jinja2.TemplateSyntaxError) and lineno:
        where = f" (in {name}:{lineno})"
    if isinstance(exc, jinja2.TemplatesNotFound):
        names = ", ".join(f'"{n}"' for n in exc.templates)
        return f"template not found: none of the templates {names} exist"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f'template not found: template "{exc.name}" does not exist'
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {exc.message}{where}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"invalid operation: {exc}"
    return f"invalid operation: {exc}"


class _Templates:
    def __init__(self, vm: LuaVM) -> None:
        self.vm = vm

    def variables(self, raw: Any, where: str, position: str) -> dict[str, Any]:
        if raw is None:
            return {}
        if lupa_engine().lua_type(raw) != "table":
            raise TypeError(f"{where}: {position} argument must be a table or nil")
        import json

        # The original's road: the table as JSON (its errors unprefixed), then the context.
        data = json.loads(self.vm.json_encode(raw))
        if isinstance(data, list):  # a sequence has no names to look up: nothing to bind
            return {}
        return {str(key): value for key, value in data.items()}

    def render(self, where: str, compile_: Any, variables: dict[str, Any]) -> str:
        import jinja2

        try:
            template = compile_()
            return str(template.render(variables))
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"{where}: {_error_text(exc)}") from None
        except RecursionError:
            raise ValueError(f"{where}: invalid operation: recursion limit exceeded") from None

    def render_string(self, source: Any = None, raw_vars: Any = None) -> str:
        where = "template.render_string"
        text = arg_str(source, 1)
        variables = self.variables(raw_vars, where, "second")
        env = _environment(STRING_LOADER_DIR)
        return self.render(where, lambda: env.from_string(text), variables)

    def render_file(self, raw_path: Any = None, raw_vars: Any = None) -> str:
        where = "template.render"
        path = arg_str(raw_path, 1)
        shown = rust_debug(path)
        try:
            with open(path, "rb") as file:
                text = file.read().decode("utf-8")
        except OSError as exc:
            why = f"{exc.strerror} (os error {exc.errno})" if exc.strerror else str(exc)
            raise OSError(f"{where}: failed to read {shown}: {why}") from None
        except UnicodeDecodeError:
            raise ValueError(
                f"{where}: failed to read {shown}: stream did not contain valid UTF-8"
            ) from None
        variables = self.variables(raw_vars, where, "second")
        env = _environment(None)
        return self.render(where, lambda: env.from_string(text), variables)

    def render_with_loader(
        self, raw_dir: Any = None, raw_name: Any = None, raw_vars: Any = None
    ) -> str:
        where = "template.render_with_loader"
        folder = arg_str(raw_dir, 1)
        name = arg_str(raw_name, 2)
        variables = self.variables(raw_vars, where, "third")
        env = _environment(folder)
        return self.render(where, lambda: env.get_template(name), variables)


def install(vm: LuaVM) -> None:
    templates = _Templates(vm)
    vm.set_global(
        "template",
        vm.table(
            {
                "render_string": vm.function(templates.render_string),
                "render": vm.function(templates.render_file),
                "render_with_loader": vm.function(templates.render_with_loader),
            }
        ),
    )
