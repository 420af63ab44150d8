"""``assay-py context QUERY``: Markdown about matching modules, through the real command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import assay_py

VAULT = """\
--- @module assay.vault
--- @description Secrets engine client: KV reads and writes
--- @keywords vault, secrets, kv
--- @env VAULT_ADDR, VAULT_TOKEN
--- @quickref v.kv:get(path) -> table|nil | Read a secret
--- @quickref malformed line without the arrow
local M = {}
function M.client(addr, token) end
return M
"""

# Mentions vault only in its description: ranks below the module with the keyword.
NOTES = """\
--- @description Notes that say vault once
--- @keywords notes
local M = {}
function M.write_note(text) end
return M
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "modules" / "ops").mkdir(parents=True)
    (tmp_path / "modules" / "vault.lua").write_text(VAULT)
    (tmp_path / "modules" / "ops" / "notes.lua").write_text(NOTES)
    (tmp_path / "global").mkdir()
    (tmp_path / "global" / "vault.lua").write_text(
        "--- @description The global copy, hidden by the project's\n--- @keywords vault\n"
    )
    return tmp_path


def context(cwd: Path, *args: str) -> str:
    done = assay_py("context", *args, cwd=cwd, env={"ASSAY_MODULES_PATH": str(cwd / "global")})
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


def test_matches_are_rendered_best_first(project: Path) -> None:
    out = context(project, "vault", "--no-builtins")
    assert out == (
        "# Assay Module Context\n\n## Matching Modules\n\n"
        "### assay.vault\n"
        "Secrets engine client: KV reads and writes\n"
        "Env: VAULT_ADDR, VAULT_TOKEN\n"
        "Methods:\n"
        "  v.kv:get(path) -> table|nil | Read a secret\n\n"
        "### assay.ops.notes\n"
        "Notes that say vault once\n\n"
    )


def test_every_word_must_match_and_operators_are_words(project: Path) -> None:
    assert "### assay.ops.notes" not in context(project, "vault secrets", "--no-builtins")
    # OR, NEAR and * would be FTS5 syntax: here they are words no module has.
    assert "No matching modules found." in context(project, "vault OR notes*", "--no-builtins")
    assert "### assay.ops.notes" in context(project, "write_note")  # a function name


def test_limit_and_the_builtin_section(project: Path) -> None:
    out = context(project, "vault", "-l", "1")
    assert out.count("### ") == 1
    assert "## Built-in Functions (always available, no require needed)\n" in out
    assert "\nhttp " in out and "\njson " in out


def test_built_in_modules_are_found(tmp_path: Path) -> None:
    out = context(tmp_path, "oauth2 client", "--no-builtins")
    assert "### assay.rauthy\n" in out and "Env: RAUTHY_URL" in out


def test_no_match_still_exits_0(tmp_path: Path) -> None:
    out = context(tmp_path, "xyzzy_nonexistent_module", "--no-builtins")
    assert out == "# Assay Module Context\n\nNo matching modules found.\n\n"


def test_help_teaches_the_query_and_options(tmp_path: Path) -> None:
    text = assay_py("context", "--help", cwd=tmp_path).stdout.decode()
    for word in ("QUERY", "--limit", "--no-builtins", "@keywords"):
        assert word in text
