"""``assay-py context QUERY``: the modules that match a query, as Markdown for a prompt.

Modules describe themselves in ``--- @tag value`` header lines (``@description``,
``@keywords a, b``, ``@env A, B``, ``@quickref sig -> returns | what it does``); the search
ranks the built-in modules and the module files of ``./modules`` and the global folder with
SQLite's FTS5 (BM25: keywords weigh most, then the name, then description and function
names). Every query word must match. A module file hides a built-in of the same name, as
``require`` does.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace

from assay_py.host.catalog import list_modules
from assay_py.host.lua_files import lua_root
from assay_py.host.registry import BUILTIN_GLOBALS, BUILTIN_MODULES

_WORD = re.compile(r"[^\W]+", re.UNICODE)  # letters, digits and _ (what FTS5's tokenizer keeps)
_FUNCTION = re.compile(r"^\s*function\s+[\w.]*[.:](\w+)\s*\(", re.MULTILINE)
# BM25 weights of the indexed columns: name, description, keywords, functions.
_WEIGHTS = (2.0, 1.0, 3.0, 1.0)


@dataclass(frozen=True)
class QuickRef:
    signature: str
    returns: str
    description: str


@dataclass(frozen=True)
class ModuleDoc:
    name: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    quickrefs: list[QuickRef] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def read_doc(name: str, source: str) -> ModuleDoc:
    """A module's header tags (the leading ``---`` lines) and the functions it defines."""
    description, keywords, env, quickrefs = "", [], [], []
    for line in source.splitlines():
        text = line.strip()
        if not text.startswith("---"):
            break
        tag, _, value = text.lstrip("-").strip().partition(" ")
        value = value.strip()
        if tag == "@description":
            description = value
        elif tag == "@keywords":
            keywords = _listed(value)
        elif tag == "@env":
            env = _listed(value)
        elif tag == "@quickref":
            signature, arrow, rest = value.partition(" -> ")
            returns, bar, what = rest.partition(" | ")
            if arrow and bar:
                quickrefs.append(QuickRef(signature.strip(), returns.strip(), what.strip()))
    return ModuleDoc(name, description, keywords, env, quickrefs, _FUNCTION.findall(source))


def documents() -> list[ModuleDoc]:
    """Every module a script can require, once (a module file over a built-in)."""
    docs = []
    for entry in list_modules():
        if entry.source == "builtin" and entry.name in BUILTIN_MODULES:
            path = str(lua_root() / (entry.name.replace(".", "/") + ".lua"))
        elif entry.source in ("project", "global") and entry.path is not None:
            path = entry.path
        else:
            continue  # a global (see the built-in section) or one assay-py does not provide
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                source = handle.read()
        except OSError:
            source = ""
        doc = read_doc(entry.name, source)
        docs.append(doc if doc.description else replace(doc, description=entry.description))
    return docs


def search(docs: list[ModuleDoc], query: str, limit: int) -> list[ModuleDoc]:
    """The best ``limit`` matches of ``query`` (every word must match), best first."""
    words = _WORD.findall(query)
    if not words or limit <= 0:
        return []
    database = sqlite3.connect(":memory:")
    try:
        database.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "slot UNINDEXED, name, description, keywords, functions, tokenize='unicode61')"
        )
        database.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            [
                (slot, d.name, d.description, " ".join(d.keywords), " ".join(d.functions))
                for slot, d in enumerate(docs)
            ],
        )
        # Each word quoted: FTS5 operators (OR, NEAR, *, :) in a query are plain words.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        rows = database.execute(
            "SELECT slot FROM docs WHERE docs MATCH ? "
            "ORDER BY bm25(docs, 0, ?, ?, ?, ?), name LIMIT ?",
            (match, *_WEIGHTS, limit),
        ).fetchall()
    finally:
        database.close()
    return [docs[slot] for (slot,) in rows]


def render(matches: list[ModuleDoc], *, builtins: bool = True) -> str:
    lines = ["# Assay Module Context", ""]
    if not matches:
        lines += ["No matching modules found.", ""]
    else:
        lines += ["## Matching Modules", ""]
        for doc in matches:
            lines += [f"### {doc.name}", doc.description]
            if doc.env:
                lines.append(f"Env: {', '.join(doc.env)}")
            if doc.quickrefs:
                lines.append("Methods:")
                lines += [
                    f"  {q.signature} -> {q.returns} | {q.description}" for q in doc.quickrefs
                ]
            lines.append("")
    if builtins:
        lines.append("## Built-in Functions (always available, no require needed)")
        width = max(len(name) for name in BUILTIN_GLOBALS)
        lines += [f"{g.name:<{width}}  {g.description}" for g in BUILTIN_GLOBALS.values()]
    return "".join(line + "\n" for line in lines)


def context_text(query: str, limit: int = 5, *, builtins: bool = True) -> str:
    """What ``assay-py context`` prints."""
    return render(search(documents(), query, limit), builtins=builtins)
