"""The assay globals, one module each.

Contract: every module here defines ``install(vm: LuaVM) -> None``, which builds its global
(e.g. ``base64``) from Python callables wrapped with ``vm.function`` and sets it with
``vm.set_global``. Wrapped callables receive raw Lua values (``bytes`` for strings, lupa
tables, numbers, ``None`` for nil) and may return Python values, which are converted for Lua.
Raising any exception gives the script a Lua string error with the exception's text.
"""
