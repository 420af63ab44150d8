"""The assay globals, one module each.

Contract: every module here defines ``install(vm: LuaVM) -> None``, which builds its global
(e.g. ``base64``) from Python callables wrapped with ``vm.function`` and sets it with
``vm.set_global``. Wrapped callables receive raw Lua values (``bytes`` for strings, lupa
tables, numbers, ``None`` for nil) and may return Python values, which are converted for Lua.
Raising any exception gives the script a Lua string error with the exception's text.

Keep no Lua object between calls (not in a closure, not on an object): an install or a call
may run inside a coroutine, whose objects dangle once it is collected (a segfault). Read the
global again through ``vm.globals`` / ``vm.get_global``, use ``vm.stock("gsub")`` for Lua's own
functions, and ``vm.keep`` / ``vm.kept`` for a Lua value that must last (see ``LuaVM``).
"""
