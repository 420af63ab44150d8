"""Client branding: validation and the pure ``plan(desired, live)``; no network."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from assay_py.rauthy.errors import RauthyValidationError
from assay_py.rauthy.kinds import branding
from assay_py.rauthy.kinds.logo import MAX_BODY, read_logo, sha256

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="9"/></svg>'


def png(height: int, width: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "logo.svg").write_bytes(SVG)
    (tmp_path / "logo.png").write_bytes(png(90))
    (tmp_path / "short.png").write_bytes(png(83))
    (tmp_path / "fake.png").write_bytes(b"GIF89a....")
    (tmp_path / "empty.svg").write_bytes(b"")
    (tmp_path / "broken.png").write_bytes(png(90)[:40])
    return tmp_path


def rules(entry: dict[str, Any], base: Path | None = None) -> dict[str, str]:
    return dict(branding.check(entry, base_dir=base))


def live(
    client_id: str = "app",
    logo: dict[str, Any] | None = None,
    theme: dict[str, Any] | None = None,
    exists: bool = True,
) -> dict[str, Any]:
    return {"client_id": client_id, "exists": exists, "logo": logo, "theme": theme}


def test_logo_file_rules(files: Path) -> None:
    assert rules({"client_id": "app", "logo": "logo.svg"}, files) == {}
    assert rules({"client_id": "app", "logo": "logo.png"}, files) == {}
    assert "at least 84 px" in rules({"client_id": "app", "logo": "short.png"}, files)["logo"]
    assert (
        "not an image Rauthy takes"
        in rules({"client_id": "app", "logo": "fake.png"}, files)["logo"]
    )
    assert "empty" in rules({"client_id": "app", "logo": "empty.svg"}, files)["logo"]
    assert "cannot be decoded" in rules({"client_id": "app", "logo": "broken.png"}, files)["logo"]
    assert "cannot read" in rules({"client_id": "app", "logo": "absent.svg"}, files)["logo"]


def test_logo_size_limit_counts_the_whole_upload(tmp_path: Path) -> None:
    # The file alone fits, the multipart body around it does not.
    body = b"<svg>" + b" " * (MAX_BODY - 100) + b"</svg>"
    (tmp_path / "big.svg").write_bytes(body)
    logo, found = read_logo(tmp_path / "big.svg")
    assert logo is None and "Rauthy takes at most 10485760" in found[0][1]


def test_entry_and_theme_rules() -> None:
    assert "unknown field" in rules({"client_id": "app", "favicon": "x", "theme": {}})["favicon"]
    assert "required" in rules({"theme": {}})["client_id"]
    assert "nothing to manage" in rules({"client_id": "app"})[""]
    found = rules(
        {
            "client_id": "app",
            "theme": {
                "light": {"bg": [361, 0, 0], "text": [1, 2], "btn_text": "#FFF", "glow": 1},
                "dark": {"action": [0, 101, 0]},  # Rauthy never checks action; we do
                "border_radius": 5,
                "font": "x",
            },
        }
    )
    assert found["theme.light.bg"] == "hue must be 0-360"
    assert "three whole numbers" in found["theme.light.text"]
    assert "lower case" in found["theme.light.btn_text"]
    assert "unknown field" in found["theme.light.glow"]
    assert "saturation and lightness" in found["theme.dark.action"]
    assert "CSS value" in found["theme.border_radius"]
    assert "unknown field" in found["theme.font"]
    with pytest.raises(RauthyValidationError, match=r"theme\.light\.bg"):
        branding.plan([{"client_id": "app", "theme": {"light": {"bg": [400, 0, 0]}}}], [])


def test_partial_theme_is_filled_with_defaults() -> None:
    full = branding.full_theme({"light": {"bg": [1, 2, 3]}})
    assert full["light"]["bg"] == [1, 2, 3]
    assert full["light"]["text"] == branding.DEFAULT_THEME["light"]["text"]
    assert full["dark"] == branding.DEFAULT_THEME["dark"]
    assert full["border_radius"] == "5px"


def test_theme_plans() -> None:
    entry = {"client_id": "app", "theme": {"border_radius": "9px"}}
    (change,) = branding.plan([entry], [live()])
    assert change.action == "create" and change.drift == ("theme.border_radius",)
    assert change.body is not None and change.body["theme"]["border_radius"] == "9px"
    own = branding.full_theme({"border_radius": "9px"})
    assert branding.plan([entry], [live(theme=own)])[0].action == "noop"
    moved = branding.full_theme({"border_radius": "9px", "dark": {"bg": [1, 1, 1]}})
    (change,) = branding.plan([entry], [live(theme=moved)])
    assert change.action == "put" and change.drift == ("theme.dark.bg",)
    assert change.before["theme.dark.bg"] == [1, 1, 1]
    # a theme equal to the defaults is no change; theme: null resets a custom one
    assert branding.plan([{"client_id": "app", "theme": {}}], [live()])[0].action == "noop"
    (reset,) = branding.plan([{"client_id": "app", "theme": None}], [live(theme=own)])
    assert reset.action == "put" and reset.body == {"theme": None}


def test_logo_plans(files: Path) -> None:
    entry = {"client_id": "app", "logo": str(files / "logo.svg")}
    digest = sha256(SVG)
    (change,) = branding.plan([entry], [live()])
    assert change.action == "create" and change.drift == ("logo",)
    served = {"sha256": digest, "content_type": "image/svg+xml", "size": len(SVG)}
    assert branding.plan([entry], [live(logo=served)])[0].action == "noop"
    # Rauthy re-encoded a raster: clean only through the record of the last upload
    png_entry = {"client_id": "app", "logo": str(files / "logo.png")}
    webp = {"sha256": "f" * 64, "content_type": "image/webp", "size": 300}
    source = sha256((files / "logo.png").read_bytes())
    record = {"app": {"source": source, "served": "f" * 64}}
    assert branding.plan([png_entry], [live(logo=webp)], records=record)[0].action == "noop"
    (unknown,) = branding.plan([png_entry], [live(logo=webp)])
    assert unknown.action == "put" and "no record" in str(unknown.reason)
    # changed in Rauthy since (served bytes differ from the record): uploaded again
    other = {"app": {"source": source, "served": "e" * 64}}
    assert branding.plan([png_entry], [live(logo=webp)], records=other)[0].action == "put"
    # a new file: uploaded again
    newer = {"app": {"source": "0" * 64, "served": "f" * 64}}
    assert branding.plan([png_entry], [live(logo=webp)], records=newer)[0].action == "put"
    # logo: null removes the client's own logo; left out, it is not managed
    (gone,) = branding.plan([{"client_id": "app", "logo": None}], [live(logo=webp)])
    assert gone.action == "put" and gone.body == {"logo": None}
    theme_only = {"client_id": "app", "theme": {}}
    assert branding.plan([theme_only], [live(logo=webp)])[0].action == "noop"


def test_client_created_by_the_same_apply(files: Path) -> None:
    entry = {"client_id": "new", "logo": str(files / "logo.svg"), "theme": {}}
    (change,) = branding.plan([entry], [])
    assert change.action == "create" and "created by this apply" in str(change.reason)


def test_prune_resets_unlisted_clients_but_never_rauthy() -> None:
    webp = {"sha256": "f" * 64, "content_type": "image/webp", "size": 3}
    rows = [
        live("rauthy", logo=webp, theme=branding.full_theme({})),
        live("old", logo=webp, theme=branding.full_theme({})),
        live("plain"),
    ]
    assert branding.plan([], rows) == []
    (change,) = branding.plan([], rows, prune=True)
    assert (change.action, change.name) == ("delete", "old")
    assert change.body == {"logo": None, "theme": None}
