"""Remarks in an exported YAML file: above the entries they concern, only where they tell
something the entry cannot (how it came to be, what prune does to it, where a secret is read
from); the file still plans clean, and JSON carries none (the command says so)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator


def _run(emu: RauthyEmulator, *args: str, **env: str) -> Result:
    base = {"RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key, "RAUTHY_API_KEY_FILE": None}
    return CliRunner().invoke(main, ["rauthy", *args], env={**base, **env})


def _comments_above(text: str, marker: str) -> list[str]:
    """The comment lines just above the line holding ``marker``."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if marker in line)
    out = []
    for line in reversed(lines[:at]):
        if not line.startswith("#"):
            break
        out.insert(0, line)
    return out


def test_a_user_made_by_hand_says_which_prune_deletes_it(
    rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"])  # by hand: no mark
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as c:
        c.users.create({"email": "ada@example.com", "given_name": "Ada"})  # marked
    out = tmp_path / "rauthy.yaml"
    result = _run(rauthy_emulator, "export", "--kinds", "users", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert _comments_above(text, "- email: root@example.com") == [
        "# created by hand (no assay_managed mark); only `prune: {users: all}` would delete it"
    ]
    assert _comments_above(text, "- email: ada@example.com") == []  # assay-py made it
    assert text.count("created by hand") == 1
    assert yaml.safe_load(text)["users"][1]["email"] == "root@example.com"

    plan = _run(rauthy_emulator, "plan", str(out))
    assert plan.exit_code == 0, text + plan.output
    assert plan.output.startswith("No changes")


def test_json_has_no_comments_and_says_so(rauthy_emulator: RauthyEmulator) -> None:
    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"])
    result = _run(rauthy_emulator, "export", "--kinds", "users", "-o", "json")
    assert result.exit_code == 0, result.output
    assert "created by hand" not in result.stdout
    assert "JSON has no comments: the remarks on 1 entries are only in the YAML" in result.stderr


def test_a_secret_reference_says_where_it_is_read_from(
    rauthy_emulator: RauthyEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok-" + "z" * 24
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as c:
        for cid in ("a-plain", "hr", "z-plain"):
            body = {"id": cid, "confidential": False, "redirect_uris": [f"https://{cid}.x/cb"]}
            if cid == "hr":
                body["scim"] = {
                    "bearer_token": token,
                    "base_uri": "https://scim.x/v2",
                    "sync_groups": True,
                }
            c.clients.create(body)
    out = tmp_path / "c.yaml"
    result = _run(rauthy_emulator, "export", "--scim", "--kinds", "clients", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert _comments_above(text, "- id: hr") == [
        "# scim.bearer_token is not exported: it is read from $SCIM_TOKEN_HR"
    ]
    assert _comments_above(text, "- id: a-plain")[-1].startswith("# Secrets are not exported")
    assert _comments_above(text, "- id: z-plain") == []
    assert token not in text
    assert [e["id"] for e in yaml.safe_load(text)] == ["a-plain", "hr", "z-plain"]
    monkeypatch.setenv("SCIM_TOKEN_HR", token)
    plan = _run(rauthy_emulator, "plan", str(out))
    assert plan.exit_code == 0, text + plan.output


def test_notes_are_kept_in_the_file_header(rauthy_emulator: RauthyEmulator) -> None:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as c:
        c.clients.create({"id": "app", "confidential": False, "redirect_uris": ["https://a/cb"]})
    result = _run(rauthy_emulator, "export", "--kinds", "clients")
    assert result.exit_code == 0, result.output
    header = [line for line in result.stdout.splitlines() if line.startswith("#")]
    assert any(
        line.startswith("# Note: clients: the client list does not show SCIM") for line in header
    )
