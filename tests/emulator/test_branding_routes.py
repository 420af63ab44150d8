"""The emulator's logo and theme routes, over raw HTTP (no assay-py client code)."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from assay_py.emulator import RauthyEmulator

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="9"/></svg>'


def png(height: int, width: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def make_client(api: httpx.Client, client_id: str = "app") -> None:
    body = {
        "id": client_id,
        "name": "App",
        "confidential": False,
        "redirect_uris": ["https://a/cb"],
    }
    assert api.post("/clients", json=body).status_code == 200


def test_logo_falls_back_to_rauthy_then_serves_own_svg(
    api: httpx.Client, anon: httpx.Client
) -> None:
    make_client(api)
    fallback = anon.get("/clients/app/logo")
    assert fallback.status_code == 200
    assert fallback.content == anon.get("/clients/rauthy/logo").content
    put = api.put("/clients/app/logo", files={"f": ("a.svg", SVG, "image/svg+xml")})
    assert put.status_code == 200 and put.headers["clear-site-data"] == "cache"
    got = anon.get("/clients/app/logo")  # no right needed to read
    assert got.content == SVG and got.headers["content-type"] == "image/svg+xml"
    assert "script-src 'none'" in got.headers["content-security-policy"]


def test_png_is_stored_as_small_webp(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    make_client(api)
    assert api.put("/clients/app/logo", files={"f": ("a.png", png(90), "image/png")}).is_success
    got = api.get("/clients/app/logo")
    assert got.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(got.content)) as image:
        assert (image.format, image.size) == ("WEBP", (84, 84))
    stored = rauthy_emulator.stored_logo("app")
    assert stored is not None and stored[1] == got.content


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"f": ("a.png", png(83), "image/png")}, "size must be at least 84 px"),
        ({"f": ("a.gif", b"GIF89a", "image/gif")}, "Invalid mime type for auth provider logo"),
    ],
)
def test_logo_rejections(api: httpx.Client, files: dict[str, object], message: str) -> None:
    make_client(api)
    answer = api.put("/clients/app/logo", files=files)  # type: ignore[arg-type]
    assert answer.status_code == 400 and answer.json()["message"] == message


def test_logo_needs_content_length_and_caps_it(api: httpx.Client) -> None:
    make_client(api)

    def chunks() -> object:
        yield b"--x\r\nContent-Type: image/svg+xml\r\n\r\n" + SVG + b"\r\n--x--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=x"}
    chunked = api.put("/clients/app/logo", content=chunks(), headers=headers)  # type: ignore[arg-type]
    assert chunked.json()["message"] == "Content-Length header missing"
    big = b"0" * (10 * 1024 * 1024 + 1)
    over = api.put("/clients/app/logo", files={"f": ("a.svg", big, "image/svg+xml")})
    assert over.status_code == 400 and over.json()["message"] == "Max size 10MB"


def test_logo_rights_and_missing_client(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    make_client(api)
    token = rauthy_emulator.add_api_key("upd", {"Clients": ["update"]})
    with httpx.Client(base_url=rauthy_emulator.url) as other:
        headers = {"Authorization": f"API-Key {token}"}
        files = {"f": ("a.svg", SVG, "image/svg+xml")}
        assert other.put("/clients/app/logo", files=files, headers=headers).is_success
        denied = other.delete("/clients/app/logo", headers=headers)
        assert denied.status_code == 403 and "Clients / Delete" in denied.json()["message"]
    missing = api.put("/clients/nope/logo", files={"f": ("a.svg", SVG, "image/svg+xml")})
    assert missing.status_code == 400 and "FOREIGN KEY" in missing.json()["message"]
    assert api.delete("/clients/app/logo").status_code == 200
    assert api.delete("/clients/app/logo").status_code == 200  # idempotent
    assert rauthy_emulator.stored_logo("app") is None


def test_theme_default_put_read_delete(api: httpx.Client, rauthy_emulator: RauthyEmulator) -> None:
    make_client(api)
    default = api.post("/theme/app").json()
    assert default["client_id"] == "rauthy" and default["border_radius"] == "5px"
    theme = {**default, "client_id": "app", "border_radius": "9px"}
    theme["light"] = {**default["light"], "bg": [10, 20, 30]}
    assert api.put("/theme/app", json=theme).status_code == 200
    assert api.post("/theme/app").json() == theme
    # an out-of-range `action` is stored: Rauthy checks `accent` twice and never `action`
    odd = {**theme, "dark": {**theme["dark"], "action": [999, 500, 500]}}
    assert api.put("/theme/app", json=odd).status_code == 200
    assert api.delete("/theme/app").status_code == 200
    assert api.post("/theme/app").json()["client_id"] == "rauthy"
    assert rauthy_emulator.stored_theme("app") is None


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"client_id": "other"}, 400, "mismatch in client_id"),
        ({"border_radius": "5PX"}, 400, "css value must match: ^[a-z0-9-,.#()%/\\s]+$"),
        ({"light": {"bg": [361, 0, 0]}}, 400, "hue max value is 360"),
        ({"dark": {"error": [0, 101, 0]}}, 400, "sat|lum max value is 100"),
    ],
)
def test_theme_rules(
    api: httpx.Client, change: dict[str, object], status: int, message: str
) -> None:
    make_client(api)
    theme = api.post("/theme/app").json()
    theme["client_id"] = "app"
    for key, value in change.items():
        if isinstance(value, dict):
            theme[key] = {**theme[key], **value}
        else:
            theme[key] = value
    answer = api.put("/theme/app", json=theme)
    assert (answer.status_code, answer.json()["message"]) == (status, message)


def test_theme_json_errors_come_before_rights(
    rauthy_emulator: RauthyEmulator, api: httpx.Client
) -> None:
    make_client(api)
    token = rauthy_emulator.add_api_key("ro", {"Clients": ["read"]})
    theme = api.post("/theme/app").json()
    theme["client_id"] = "app"
    headers = {"Authorization": f"API-Key {token}"}
    broken = {**theme, "light": {**theme["light"], "bg": [1, 2]}}
    answer = httpx.put(rauthy_emulator.url + "/theme/app", json=broken, headers=headers)
    assert answer.status_code == 400 and answer.text.startswith("Json deserialize error")
    denied = httpx.put(rauthy_emulator.url + "/theme/app", json=theme, headers=headers)
    assert denied.status_code == 403
    assert api.put("/theme/nope", json={**theme, "client_id": "nope"}).status_code == 404


def test_deleting_the_client_drops_logo_and_theme(
    api: httpx.Client, rauthy_emulator: RauthyEmulator
) -> None:
    make_client(api)
    api.put("/clients/app/logo", files={"f": ("a.svg", SVG, "image/svg+xml")})
    theme = {**api.post("/theme/app").json(), "client_id": "app"}
    api.put("/theme/app", json=theme)
    assert api.delete("/clients/app").status_code == 200
    assert rauthy_emulator.stored_logo("app") is None
    assert rauthy_emulator.stored_theme("app") is None


def test_svg_scripts_are_taken_out(api: httpx.Client) -> None:
    make_client(api)
    evil = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(2)</script><rect width='3'/></svg>"
    )
    api.put("/clients/app/logo", files={"f": ("a.svg", evil, "image/svg+xml")})
    served = api.get("/clients/app/logo").content
    assert b"script" not in served and b"onload" not in served and b"rect" in served


@pytest.mark.parametrize("version", ["0.35.2", "0.36"])
def test_both_versions_serve_branding_alike(version: str) -> None:
    with RauthyEmulator(version=version) as emu:
        headers = {"Authorization": f"API-Key {emu.api_key}"}
        with httpx.Client(base_url=emu.url, headers=headers) as api:
            make_client(api)
            assert api.put("/clients/app/logo", files={"f": ("a.svg", SVG, "image/svg+xml")})
            assert api.get("/clients/app/logo").content == SVG
            theme = {**api.post("/theme/app").json(), "client_id": "app"}
            assert api.put("/theme/app", json=theme).status_code == 200
            assert api.post("/theme/app").json()["client_id"] == "app"
