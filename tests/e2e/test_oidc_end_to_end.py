"""End to end: ``assay-py rauthy apply`` (a subprocess) creates the clients on the emulator;
the secret files it writes get tokens; a rotation with a grace keeps both secrets working
until the emulator's clock passes the grace; every preset's login yields an ID token that
PyJWT verifies against the JWKS with the preset's algorithm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._oidc_client import OidcFlowError, login
from assay_py.rauthy import presets
from tests.support.cli import rauthy_cli

SERVICES = ("svc-billing", "svc-reports")
PASSWORD = "a long test password"


def _clients_file(path: Path) -> Path:
    lines = [
        f"- preset: {name}\n  host: {name.replace('_', '-')}.example.com\n"
        for name in presets.names()
    ]
    for service in SERVICES:
        lines.append(
            f"- id: {service}\n  name: {service}\n  confidential: true\n"
            f"  redirect_uris: [https://{service}.example.com/cb]\n"
            "  flows_enabled: [client_credentials]\n  access_token_alg: RS256\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _grant(emu: RauthyEmulator, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return httpx.post(emu.url + "/oidc/token", data=form)


def _apply(emu: RauthyEmulator, where: Path) -> Path:
    secrets_dir = where / "secrets"
    clients = str(_clients_file(where / "clients.yaml"))
    done = rauthy_cli(emu, "apply", clients, "--secrets-dir", str(secrets_dir), timeout=120)
    assert done.returncode == 0, done.stderr
    return secrets_dir


@pytest.fixture
def applied(rauthy_emulator: RauthyEmulator, tmp_path: Path) -> Path:
    return _apply(rauthy_emulator, tmp_path)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[RauthyEmulator, Path]]:
    """One emulator and one apply for all the preset logins (none of them moves the clock)."""
    import tempfile

    with tempfile.TemporaryDirectory() as where, RauthyEmulator() as emu:
        emu.add_user("tester@example.com", password=PASSWORD, roles=["user"], groups=["staff"])
        yield emu, _apply(emu, Path(where))


def test_secret_files_get_tokens_and_rotation_keeps_a_grace(
    rauthy_emulator: RauthyEmulator, applied: Path
) -> None:
    emu = rauthy_emulator
    for service in SERVICES:
        secret = (applied / service).read_text()
        r = _grant(emu, service, secret)
        assert r.status_code == 200, r.text
        assert r.json()["token_type"] == "Bearer"

    service = SERVICES[0]
    old = (applied / service).read_text()
    done = rauthy_cli(
        emu, "rotate", service, "--grace-hours", "1", "--secrets-dir", str(applied), timeout=120
    )
    assert done.returncode == 0, done.stderr
    new = (applied / service).read_text()
    assert new != old
    assert _grant(emu, service, old).status_code == 200
    assert _grant(emu, service, new).status_code == 200
    emu.clock.advance(3600 + 1)
    assert _grant(emu, service, new).status_code == 200
    r = _grant(emu, service, old)
    assert (r.status_code, r.json()["message"]) == (401, "Invalid 'client_secret'")
    # The other service was not touched by the rotation.
    assert _grant(emu, SERVICES[1], (applied / SERVICES[1]).read_text()).status_code == 200


@pytest.mark.parametrize("name", presets.names())
def test_every_preset_logs_in_with_its_redirect_uri_pkce_and_algorithm(
    shared: tuple[RauthyEmulator, Path], name: str
) -> None:
    emu, applied = shared
    payload = presets.get(name)({"host": f"{name.replace('_', '-')}.example.com"})
    assert "authorization_code" in payload["flows_enabled"]
    client_id = payload["id"]
    secret_file = applied / client_id
    secret = secret_file.read_text() if payload["confidential"] else None
    assert secret_file.exists() == payload["confidential"]
    pkce = "S256" if payload.get("challenges") else None
    redirect_uri = payload["redirect_uris"][0]
    token_set = login(
        emu.url,
        client_id,
        "tester@example.com",
        PASSWORD,
        secret,
        redirect_uri,
        pkce,
        payload["scopes"],
        "nonce-1",
    )

    keys = httpx.get(emu.url + "/oidc/certs").json()["keys"]
    jwks = jwt.PyJWKSet.from_dict({"keys": keys})
    id_token = token_set["id_token"]
    kid = jwt.get_unverified_header(id_token)["kid"]
    alg = payload["id_token_alg"]
    claims = jwt.decode(
        id_token, jwks[kid].key, algorithms=[alg], audience=client_id, issuer=emu.url + "/"
    )
    assert jwt.get_unverified_header(id_token)["alg"] == alg
    assert claims["nonce"] == "nonce-1" and claims["email"] == "tester@example.com"
    if "groups" in payload["scopes"]:
        assert claims["groups"] == ["staff"]
    # Without the PKCE it was registered with, the preset refuses the login.
    if pkce is not None:
        with pytest.raises(OidcFlowError) as caught:
            login(emu.url, client_id, "tester@example.com", PASSWORD, secret, redirect_uri, None)
        assert caught.value.status == 400
