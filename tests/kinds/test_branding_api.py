"""``c.branding`` against the emulator over loopback: uploads, themes, reconcile."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError, RauthyValidationError
from assay_py.rauthy.kinds.logo import LogoRecords, sha256

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="7"/></svg>'


@pytest.fixture
def c(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as client:
        client.clients.create(
            {"id": "app", "name": "App", "confidential": False, "redirect_uris": ["https://a/cb"]}
        )
        yield client


@pytest.fixture
def logos(tmp_path: Path) -> Path:
    (tmp_path / "app.svg").write_bytes(SVG)
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (9, 99, 199)).save(out, "PNG")
    (tmp_path / "app.png").write_bytes(out.getvalue())
    return tmp_path


def test_svg_upload_round_trip(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, logos: Path
) -> None:
    before = c.branding.get("app")
    assert before == {"client_id": "app", "exists": True, "logo": None, "theme": None}
    row = c.branding.create({"client_id": "app", "logo": str(logos / "app.svg")})
    assert row["logo"]["sha256"] == sha256(SVG)
    assert c.branding.logo_bytes("app") == SVG  # what Rauthy serves, read back over HTTP
    stored = rauthy_emulator.stored_logo("app")
    assert stored == ("image/svg+xml", SVG)
    # the request was a real multipart upload with a Content-Length
    puts = [r for r in rauthy_emulator.requests if r.method == "PUT" and r.path.endswith("/logo")]
    assert len(puts) == 1 and puts[0].status == 200
    assert c.branding.reconcile({"client_id": "app", "logo": str(logos / "app.svg")}) == {
        "action": "noop"
    }


def test_png_plans_clean_through_the_record(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, logos: Path
) -> None:
    entry = {"client_id": "app", "logo": str(logos / "app.png")}
    assert c.branding.reconcile(entry)["action"] == "create"
    served = c.branding.logo_bytes("app")
    assert served is not None and served[:4] == b"RIFF"  # re-encoded to WebP, as Rauthy does
    assert c.branding.reconcile(entry) == {"action": "noop"}
    # a client without the record (another machine) uploads once, and says why
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as fresh:
        first = fresh.branding.reconcile(entry, dry_run=True)
        assert first["action"] == "put" and "no record" in first["reason"]
    # a record kept in a file survives the client
    path = logos / "records.json"
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as one:
        one.branding.records = LogoRecords(path)
        assert one.branding.reconcile(entry)["action"] == "put"
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as two:
        two.branding.records = LogoRecords(path)
        assert two.branding.reconcile(entry) == {"action": "noop"}
    # changed behind our back: uploaded again
    rauthy_emulator.reset()
    c.clients.create(
        {"id": "app", "name": "App", "confidential": False, "redirect_uris": ["https://a/cb"]}
    )
    assert c.branding.reconcile(entry)["action"] == "create"


def test_theme_reconcile_update_delete(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, logos: Path
) -> None:
    entry = {"client_id": "app", "theme": {"light": {"action": [10, 90, 40]}}}
    assert c.branding.reconcile(entry, dry_run=True)["planned"] is True
    assert rauthy_emulator.stored_theme("app") is None
    result = c.branding.reconcile(entry)
    assert result == {"action": "create"}
    stored = rauthy_emulator.stored_theme("app")
    assert stored is not None and stored["light"]["action"] == [10, 90, 40]
    assert stored["dark"]["bg"] == [200, 40, 6]  # the PUT was complete: defaults filled in
    assert c.branding.reconcile(entry) == {"action": "noop"}
    c.branding.update("app", {"theme": {"border_radius": "1rem"}, "logo": str(logos / "app.svg")})
    row = c.branding.get("app")
    assert row is not None and row["theme"]["border_radius"] == "1rem"
    assert [r["client_id"] for r in c.branding.list()] == ["rauthy", "app"]  # rauthy: its logo
    assert c.branding.delete("app") is True
    assert c.branding.delete("app") is False
    assert (
        rauthy_emulator.stored_theme("app") is None and rauthy_emulator.stored_logo("app") is None
    )


def test_bad_input_sends_nothing(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, logos: Path
) -> None:
    (logos / "tiny.png").write_bytes(_png(20))
    count = rauthy_emulator.request_count()
    with pytest.raises(RauthyValidationError, match="at least 84 px"):
        c.branding.create({"client_id": "app", "logo": str(logos / "tiny.png")})
    with pytest.raises(RauthyValidationError, match="hue must be 0-360"):
        c.branding.reconcile({"client_id": "app", "theme": {"dark": {"bg": [999, 0, 0]}}})
    with pytest.raises(RauthyValidationError, match="client_id"):
        c.branding.update("app", {"client_id": "other", "theme": {}})
    assert rauthy_emulator.request_count() == count
    assert c.branding.get("nope") is None
    with pytest.raises(RauthyError, match="no client 'nope'"):
        c.branding.reconcile({"client_id": "nope", "theme": {}})


def _png(height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, height)).save(out, "PNG")
    return out.getvalue()


def test_a_sanitised_svg_plans_clean_through_the_record(
    c: rauthy.RauthyClient, logos: Path
) -> None:
    (logos / "evil.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><rect width="3"/></svg>'
    )
    entry = {"client_id": "app", "logo": str(logos / "evil.svg")}
    assert c.branding.reconcile(entry)["action"] == "create"
    served = c.branding.logo_bytes("app")
    assert served is not None and b"script" not in served  # not what was uploaded
    assert c.branding.reconcile(entry) == {"action": "noop"}
