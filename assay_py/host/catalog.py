"""What a script can use, for ``assay-py modules``: globals, built-in modules, module files."""

from __future__ import annotations

import os
from dataclasses import dataclass

from assay_py.host.registry import BUILTIN_GLOBALS, BUILTIN_MODULES, unavailable_globals
from assay_py.host.vm import module_dirs

_SOURCE_RANK = {"project": 0, "global": 1, "builtin": 2, "unavailable": 3}


@dataclass(frozen=True)
class ModuleEntry:
    name: str
    source: str
    """``builtin``, ``project`` (./modules), ``global`` (the global modules folder), or
    ``unavailable`` (a global of the original assay that assay-py does not provide)."""
    description: str
    path: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "source": self.source,
            "description": self.description,
            "path": self.path,
        }


def list_modules() -> list[ModuleEntry]:
    """Every usable name once, sorted; a module file hides a built-in of the same name."""
    entries = [ModuleEntry(g.name, "builtin", g.description) for g in BUILTIN_GLOBALS.values()]
    entries += [ModuleEntry(m.name, "builtin", m.description) for m in BUILTIN_MODULES.values()]
    entries += [
        ModuleEntry(name, "unavailable", f"not provided by assay-py (the original's {what})")
        for name, what in unavailable_globals().items()
    ]
    project_dir, global_dir = module_dirs()
    entries += _module_files(project_dir, "project")
    entries += _module_files(global_dir, "global")
    best: dict[str, ModuleEntry] = {}
    for entry in entries:
        kept = best.get(entry.name)
        if kept is None or _SOURCE_RANK[entry.source] < _SOURCE_RANK[kept.source]:
            best[entry.name] = entry
    return sorted(best.values(), key=lambda entry: entry.name)


def _module_files(root: str, source: str) -> list[ModuleEntry]:
    found = []
    for folder, _dirs, files in os.walk(root):
        for file in files:
            if not file.endswith(".lua"):
                continue
            path = os.path.join(folder, file)
            rel = os.path.relpath(path, root)[: -len(".lua")]
            parts = rel.split(os.sep)
            if parts[-1] == "init" and len(parts) > 1:
                parts.pop()
            name = "assay." + ".".join(parts)
            found.append(ModuleEntry(name, source, _description(path), path))
    return found


def _description(path: str) -> str:
    """The ``--- @description`` header line of a module file, if it has one."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.startswith("--"):
                    break
                text = line.lstrip("-").strip()
                if text.startswith("@description"):
                    return text[len("@description") :].strip()
    except OSError:
        pass
    return ""
