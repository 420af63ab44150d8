"""The emulator from a user's point of view: the pytest fixture, a script, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from assay_py.emulator import RauthyEmulator

ASSAY_PY = str(Path(sys.executable).with_name("assay-py"))


def test_fixture_gives_a_fresh_running_emulator(rauthy_emulator: RauthyEmulator) -> None:
    r = httpx.get(
        rauthy_emulator.url + "/clients",
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
    )
    assert [c["id"] for c in r.json()] == ["rauthy"]
    assert rauthy_emulator.url.startswith("http://127.0.0.1:")


def test_start_stop_without_context_manager() -> None:
    emu = RauthyEmulator().start()
    try:
        assert httpx.get(emu.url + "/ping").status_code == 200
    finally:
        emu.stop()


SCRIPT = """
import os, sys, httpx
url, key = os.environ["RAUTHY_URL"], "ansible$" + os.environ["BOOTSTRAP_API_KEY_SECRET"]
h = {"Authorization": "API-Key " + key}
r = httpx.get(url + "/clients/demo", headers=h)
if r.status_code == 404:
    r = httpx.post(url + "/clients", headers=h, json={
        "id": "demo", "confidential": True, "redirect_uris": ["https://demo.example.com/cb"]})
    print("create", r.status_code)
else:
    print("noop", r.status_code)
"""


def test_script_in_subprocess_create_then_noop(
    rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    script = tmp_path / "reconcile.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {
        **os.environ,
        "RAUTHY_URL": rauthy_emulator.url,
        "BOOTSTRAP_API_KEY_SECRET": rauthy_emulator.api_key_secret,
    }
    runs = [
        subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["create 200", "noop 200"]
    assert rauthy_emulator.request_count("POST", "/clients") == 1


def _exported(line: str, name: str) -> str:
    """What a POSIX shell holds in ``name`` after running ``line``."""
    shell = f'eval "$1"; printf %s "${name}"'
    done = subprocess.run(["sh", "-c", shell, "sh", line], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def test_cli_prints_lines_a_shell_reads_back_exactly() -> None:
    # The key is name$secret: printed bare, a shell expanded "$secret" to nothing.
    token = "ci$" + "k" * 60 + "'$(x)`"
    proc = subprocess.Popen(
        [ASSAY_PY, "emulator", "--port", "0", "--api-key", token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url_line, key_line = proc.stdout.readline(), proc.stdout.readline()
        assert key_line.startswith("export RAUTHY_API_KEY='ci$")
        assert _exported(key_line, "RAUTHY_API_KEY") == token
        url = _exported(url_line, "RAUTHY_URL")
        assert url.startswith("http://127.0.0.1:") and url.endswith("/auth/v1")
        health = httpx.get(url + "/clients", headers={"Authorization": f"API-Key {token}"})
        assert health.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_cli_serves_prints_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    outputs = []
    for _ in range(2):
        proc = subprocess.Popen(
            [ASSAY_PY, "emulator", "--port", "0", "--state", str(state)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        url = _exported(proc.stdout.readline(), "RAUTHY_URL")
        key = _exported(proc.stdout.readline(), "RAUTHY_API_KEY")
        h = {"Authorization": f"API-Key {key}"}
        exists = httpx.get(url + "/clients/demo", headers=h).status_code == 200
        if not exists:
            body = {"id": "demo", "confidential": False, "redirect_uris": []}
            assert httpx.post(url + "/clients", headers=h, json=body).status_code == 200
        outputs.append("noop" if exists else "create")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stderr.read()  # type: ignore[union-attr]
    assert outputs == ["create", "noop"]
