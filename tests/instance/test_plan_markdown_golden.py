"""``plan -o markdown`` (docs/plan-markdown.md) for the same fixed files as the JSON golden test,
on a fresh emulator, compared to stored copies: a change to the comment format is deliberate.

After a deliberate change, update the doc and regenerate with
``ASSAY_UPDATE_GOLDEN=1 pytest tests/instance/test_plan_markdown_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import Run, Write
from .test_plan_json_golden import CLIENTS, INSTANCE

GOLDEN = Path(__file__).parent.parent / "golden"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ASSAY_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"plan -o markdown changed: see {path}"


def test_instance_plan_markdown_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(INSTANCE)), "-o", "markdown")
    assert result.exit_code == 2, result.output
    assert "not-shown-anywhere" not in result.stdout
    _check("plan_instance.md", result.stdout)


def test_clients_plan_markdown_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(CLIENTS, "clients.yaml")), "-o", "markdown")
    assert result.exit_code == 2, result.output
    _check("plan_clients.md", result.stdout)


def test_markdown_shows_secrets_as_the_text_plan_does(run: Run, write: Write) -> None:
    path = str(write(INSTANCE))
    text = run("plan", path).stdout
    markdown = run("plan", path, "-o", "markdown").stdout
    assert '"bearer_token": "(sensitive, changed)"' in text
    assert '"bearer_token": "(sensitive, changed)"' in markdown


def test_a_plan_in_sync_is_one_line(run: Run, write: Write) -> None:
    path = str(write(INSTANCE))
    assert run("apply", path, "--no-publish").exit_code == 0
    result = run("plan", path, "-o", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("**No changes**: 1 user_attributes, 1 scopes, ")
    assert result.stdout.count("\n") == 1 and "<details>" not in result.stdout
