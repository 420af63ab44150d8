"""--state persistence across restarts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from assay_py.emulator import RauthyEmulator

from .helpers import new_client


def _api(emu: RauthyEmulator) -> httpx.Client:
    return httpx.Client(base_url=emu.url, headers={"Authorization": f"API-Key {emu.api_key}"})


def test_clients_secrets_and_key_survive_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with RauthyEmulator(state_file=state) as emu, _api(emu) as api:
        api.post("/clients", json=new_client())
        api.put("/clients/rauthy", json={**api.get("/clients/rauthy").json(), "name": "Admin UI"})
        secret, key, port1 = emu.client_secret("app1"), emu.api_key, emu.port
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    with RauthyEmulator(state_file=state) as emu, _api(emu) as api:
        assert emu.api_key == key
        assert emu.client_secret("app1") == secret
        assert [c["id"] for c in api.get("/clients").json()] == ["rauthy", "app1"]
        rauthy = api.get("/clients/rauthy").json()
        assert rauthy["name"] == "Admin UI"  # only the name survives a restart
        if emu.port != port1:
            assert rauthy["client_uri"] == f"http://127.0.0.1:{emu.port}"


def test_deletes_and_rotations_persist(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with RauthyEmulator(state_file=state) as emu, _api(emu) as api:
        api.post("/clients", json=new_client("a1"))
        api.post("/clients", json=new_client("a2"))
        api.delete("/clients/a1")
        rotated = api.put("/clients/a2/secret").json()["secret"]
    saved = json.loads(state.read_text())
    assert [c["id"] for c in saved["clients"]] == ["rauthy", "a2"]
    with RauthyEmulator(state_file=state) as emu:
        assert emu.client_secret("a2") == rotated


def test_explicit_key_replaces_nothing_else(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    token = "ci$" + "k" * 64
    with RauthyEmulator(state_file=state, api_key=token) as emu:
        assert emu.api_key == token
    assert not list(tmp_path.glob(".s.json.*.tmp")), "no temporary files left behind"


def test_without_state_nothing_persists(tmp_path: Path) -> None:
    with RauthyEmulator() as emu, _api(emu) as api:
        api.post("/clients", json=new_client())
    with RauthyEmulator() as emu:
        assert emu.get_client("app1") is None
