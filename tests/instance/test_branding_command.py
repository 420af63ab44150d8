"""Branding and the blacklist in the instance file: ``assay-py rauthy plan/apply/export``
against the emulator."""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative.managed_branding import records_path

from .conftest import Run, Write

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="3"/></svg>'
UNTIL = int(time.time()) + 30 * 86_400

INSTANCE = f"""
version: 1
clients:
  - id: reports
    name: Reports
    confidential: false
    redirect_uris: [https://reports.example.com/cb]
  - id: wiki
    name: Wiki
    confidential: false
    redirect_uris: [https://wiki.example.com/cb]
branding:
  - client_id: reports
    logo: assets/reports.svg
    theme:
      light: {{action: [210, 80, 40]}}
      border_radius: 8px
  - client_id: wiki
    logo: assets/wiki.png
blacklist:
  - ip: 203.0.113.7
    expires: {UNTIL}
"""


def _assets(folder: Path) -> None:
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "reports.svg").write_bytes(SVG)
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (20, 120, 220)).save(out, "PNG")
    (folder / "assets" / "wiki.png").write_bytes(out.getvalue())


def _writes(emulator: RauthyEmulator) -> int:
    # POST /theme/{id} is Rauthy's theme read
    posts = emulator.request_count("POST") - emulator.request_count("POST", "/auth/v1/theme/")
    return posts + sum(emulator.request_count(m) for m in ("PUT", "PATCH", "DELETE"))


def test_apply_then_no_changes_with_logos_themes_and_a_block(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    path = write(INSTANCE)
    _assets(path.parent)
    planned = run("plan", str(path))
    assert planned.exit_code == 2, planned.output
    assert "+ reports  (create: the client is created by this apply)" in planned.output
    assert "+ 203.0.113.7  (create)" in planned.output
    assert _writes(rauthy_emulator) == 0

    applied = run("apply", str(path), "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert "branding: reports: create ok" in applied.output
    assert c.branding.logo_bytes("reports") == SVG  # the bytes read back equal the file
    wiki = rauthy_emulator.stored_logo("wiki")
    assert wiki is not None and wiki[0] == "image/webp"  # re-encoded, as Rauthy does
    theme = rauthy_emulator.stored_theme("reports")
    assert theme is not None and theme["light"]["action"] == [210, 80, 40]
    assert theme["border_radius"] == "8px" and theme["dark"]["bg"] == [200, 40, 6]
    assert rauthy_emulator.blacklist == {"203.0.113.7": UNTIL}
    assert records_path(str(path)).is_file()  # what makes the re-encoded PNG plan clean

    again = run("plan", str(path))
    assert again.exit_code == 0, again.output
    assert "No changes:" in again.output

    # a changed file is uploaded again; a change made in Rauthy is put back
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (220, 20, 20)).save(out, "PNG")
    (path.parent / "assets" / "wiki.png").write_bytes(out.getvalue())
    c.branding.update("reports", {"theme": {"border_radius": "1px"}})
    drifted = run("plan", str(path))
    assert drifted.exit_code == 2, drifted.output
    assert "~ wiki  (put)" in drifted.output
    assert '"1px" -> "8px"' in drifted.output
    assert run("apply", str(path), "--no-publish").exit_code == 0
    assert run("plan", str(path)).exit_code == 0


def test_branding_problems_are_named_before_any_request(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    path = write(
        """
branding:
  - client_id: ghost
    theme: {border_radius: 5PX}
  - client_id: ghost
    logo: missing.png
  - client_id: nobody
    theme: {}
blacklist:
  - ip: 127.0.0.1
    expires: 2030-01-01T00:00:00Z
"""
    )
    before = _writes(rauthy_emulator)
    result = run("plan", str(path))
    assert result.exit_code == 1
    text = result.output + result.stderr
    assert "branding[1] 'ghost': theme.border_radius: must be a CSS value" in text
    assert "branding[2] 'ghost': logo:" in text and "cannot read" in text
    assert "blacklist[1] '127.0.0.1': ip: 127.0.0.1 is a loopback address" in text
    assert _writes(rauthy_emulator) == before
    path.write_text("branding:\n  - client_id: nobody\n    theme: {}\n", encoding="utf-8")
    missing = run("plan", str(path))
    assert missing.exit_code == 1
    assert "client 'nobody' does not exist" in missing.output + missing.stderr


def test_blacklist_is_never_pruned_and_branding_prune_resets(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    rauthy_emulator.block("192.0.2.99", UNTIL)  # Rauthy's own automatic block
    c.clients.create(
        {"id": "old", "name": "Old", "confidential": False, "redirect_uris": ["https://o/cb"]}
    )
    c.branding.create({"client_id": "old", "theme": {"border_radius": "2px"}})
    path = write(
        f"""
prune: {{blacklist: true, branding: true}}
blacklist:
  - ip: 203.0.113.7
    expires: {UNTIL}
"""
    )
    planned = run("plan", str(path), "-v")
    assert planned.exit_code == 2, planned.output
    assert "(1 not in the file)" in planned.output and "never pruned" in planned.output
    applied = run("apply", str(path), "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert set(rauthy_emulator.blacklist) == {"192.0.2.99", "203.0.113.7"}
    # branding: prune with no entries resets every unlisted client, never rauthy's logo
    path.write_text(path.read_text(encoding="utf-8") + "branding: []\n", encoding="utf-8")
    pruned = run("apply", str(path), "--no-publish", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "branding: old: delete ok" in pruned.output
    assert rauthy_emulator.stored_theme("old") is None
    assert rauthy_emulator.stored_logo("rauthy") is not None
    assert set(rauthy_emulator.blacklist) == {"192.0.2.99", "203.0.113.7"}


def test_missing_rights_are_found_by_the_plan(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    path = write(
        INSTANCE.split("blacklist:")[0]
        .replace("  - client_id: wiki\n", "")
        .replace("    logo: assets/wiki.png\n", "")
    )
    _assets(path.parent)
    key = rauthy_emulator.add_api_key("ro", {"Clients": ["read", "create"]})
    result = run("plan", str(path), key=key)
    assert "Clients / update" in result.output + result.stderr


def test_export_keeps_themes_and_notes_logos(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient, tmp_path: Path
) -> None:
    c.clients.create(
        {"id": "app", "name": "App", "confidential": False, "redirect_uris": ["https://a/cb"]}
    )
    (tmp_path / "a.svg").write_bytes(SVG)
    c.branding.create(
        {"client_id": "app", "logo": str(tmp_path / "a.svg"), "theme": {"dark": {"bg": [1, 2, 3]}}}
    )
    rauthy_emulator.block("192.0.2.5", UNTIL)
    out = tmp_path / "exported.yaml"
    exported = run("export", "--out", str(out), "--kinds", "clients,branding,blacklist")
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    assert "client_id: app" in text and "- 1" in text
    notes = exported.output + exported.stderr
    assert "logos are not exported" in notes and "blacklist: 1 live entries not exported" in notes
    again = run("plan", str(out))
    assert again.exit_code == 0, again.output
    # a default export reads no theme or logo (one request per kind) and says so
    before = rauthy_emulator.request_count()
    default = run("export", "--out", str(out))
    assert default.exit_code == 0, default.output
    assert "branding: not exported unless named" in default.output + default.stderr
    # no branding section (the header keeps the note that says why)
    assert "\nbranding:" not in out.read_text(encoding="utf-8")
    paths = [
        r.path for r in rauthy_emulator.requests[-(rauthy_emulator.request_count() - before) :]
    ]
    assert not any("/theme/" in p or p.endswith("/logo") or "blacklist" in p for p in paths)
