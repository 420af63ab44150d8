"""The Lua host: a LuaJIT VM with the assay globals and ``require`` for Python-backed modules."""
