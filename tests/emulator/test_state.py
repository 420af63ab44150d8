"""--state persistence across restarts."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._state import StateFileError

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


def test_temporary_files_of_a_killed_writer_are_removed_on_start(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with RauthyEmulator(state_file=state) as emu, _api(emu) as api:
        api.post("/clients", json=new_client())
    # A writer killed between creating its temporary file and the replace: a real process,
    # gone now, whose pid is in the name as the emulator writes it.
    child = (
        "import os, sys, tempfile\n"
        "tempfile.mkstemp(prefix=f'.s.json.{os.getpid()}.', suffix='.tmp', dir=sys.argv[1])\n"
    )
    subprocess.run([sys.executable, "-c", child, str(tmp_path)], check=True)
    (tmp_path / ".s.json.k3j_x9az.tmp").write_text("{")  # the name before pids were in it
    (tmp_path / f".s.json.{os.getpid()}.abcdefgh.tmp").write_text("{")  # same pid, restarted
    live = tmp_path / f".s.json.{os.getppid()}.abcdefgh.tmp"  # a live writer's: kept
    live.write_text("{")
    other = tmp_path / ".other.json.1.abcdefgh.tmp"
    other.write_text("{")
    assert len(list(tmp_path.glob(".s.json.*.tmp"))) == 4
    with RauthyEmulator(state_file=state) as emu:
        assert emu.client_secret("app1")
    assert list(tmp_path.glob(".s.json.*.tmp")) == [live]
    assert other.exists()


BAD_STATES = [
    ("{", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    ("", "not valid JSON: Expecting value at line 1 column 1"),
    ("[1, 2]", "expected a JSON object with lists 'clients' and 'api_keys'"),
    ('{"clients": {}}', "clients: expected a list"),
    ('{"clients": [{"name": "x"}]}', "clients[0]: expected an object with a string 'id'"),
    (
        '{"clients": [{"id": "a", "redirect_uris": "https://a"}]}',
        "clients[0].redirect_uris: expected list[str]",
    ),
    ('{"clients": [{"id": "a", "enabled": 1}]}', "clients[0].enabled: expected bool"),
    (
        '{"api_keys": [{"name": "ci", "secret": "hunter2hunter2", "access": {}}]}',
        "api_keys[0]: api key secret: must be >= 64 characters",
    ),
    ('{"api_keys": [{"name": "ci"}]}', "api_keys[0]: expected string 'name' and 'secret'"),
    ('{"clients": [' + "[" * 100_000 + "]" * 100_000 + "]}", "not valid JSON as written here"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_STATES)
def test_a_bad_state_file_is_named_in_one_clear_error(
    tmp_path: Path, text: str, reason: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(text)
    with pytest.raises(StateFileError) as caught:
        RauthyEmulator(state_file=state)
    assert str(caught.value) == f"state file {state}: {reason}"
    assert "hunter2" not in str(caught.value)


def test_the_command_reports_a_bad_state_file_without_a_traceback(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(b'{"clients": [{"id": "\xff"}]}')
    assay_py = str(Path(sys.executable).with_name("assay-py"))
    done = subprocess.run(
        [assay_py, "emulator", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"Error: state file {state}: not UTF-8 text (byte 21)\n"


def test_an_unreadable_state_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "state.json"
    folder.mkdir()  # a folder where the file should be: read_text fails as on a 000 file
    with pytest.raises(StateFileError) as caught:
        RauthyEmulator(state_file=folder)
    assert str(caught.value) == f"state file {folder}: cannot read it: Is a directory"
