"""Python-backed Lua modules, reached through the registry in ``assay_py.host.registry``."""
