"""``plan -o markdown`` (docs/plan-markdown.md) for the same fixed files as the JSON golden test,
on a fresh emulator, compared to stored copies: a change to the comment format is deliberate.

After a deliberate change, update the doc and regenerate with
``ASSAY_UPDATE_GOLDEN=1 pytest tests/instance/test_plan_markdown_golden.py``.
"""

from __future__ import annotations

from .conftest import Run, Write
from .golden import CLIENTS, INSTANCE, check_golden


def test_instance_plan_markdown_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(INSTANCE)), "-o", "markdown")
    assert result.exit_code == 2, result.output
    assert "not-shown-anywhere" not in result.stdout
    check_golden("plan_instance.md", result.stdout, "markdown")


def test_clients_plan_markdown_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(CLIENTS, "clients.yaml")), "-o", "markdown")
    assert result.exit_code == 2, result.output
    check_golden("plan_clients.md", result.stdout, "markdown")


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
