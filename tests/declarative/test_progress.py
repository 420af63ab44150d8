"""``apply``'s live progress: the real command in a subprocess whose stderr is a real
pseudo-terminal (``os.openpty``), against the emulator; and none of it on a pipe or with
``-o json``."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay_py.cli._progress import LiveProgress, status_line
from assay_py.emulator import RauthyEmulator

CLIENTS = """\
- {id: one, confidential: false, redirect_uris: [https://one.example.com/cb]}
- {id: two, confidential: false, redirect_uris: [https://two.example.com/cb]}
- {id: three, confidential: false, redirect_uris: [https://three.example.com/cb]}
"""

INSTANCE = """\
version: 1
roles: [{name: viewer}, {name: editor}]
groups: [{name: ops}]
clients:
  - {id: one, confidential: false, redirect_uris: [https://one.example.com/cb]}
  - {id: two, confidential: false, redirect_uris: [https://two.example.com/cb]}
"""

STATUS = re.compile(r"\r\x1b\[Kapply: (\d+)/(\d+) done, (\d+) failed, \d+\.\ds")


def _apply(emu: RauthyEmulator, path: Path, *extra: str, tty: bool) -> tuple[int, str, str]:
    """Run ``assay-py rauthy apply``; stderr is a pseudo-terminal when ``tty``."""
    env = {**os.environ, "RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key}
    env.pop("RAUTHY_API_KEY_FILE", None)
    command = [sys.executable, "-c", "from assay_py.cli import main; main()"]
    command += ["rauthy", "apply", str(path), "--parallel", "2", *extra]
    if not tty:
        done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    master, slave = os.openpty()
    try:
        done = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=120, check=False
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed and everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    return done.returncode, done.stdout.decode(), seen.decode()


def test_a_clients_file_shows_done_total_failures_and_time_in_place(
    rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "clients.yaml"
    path.write_text(CLIENTS, encoding="utf-8")
    code, stdout, terminal = _apply(rauthy_emulator, path, tty=True)
    assert code == 0, stdout + terminal
    assert STATUS.findall(terminal)[-1][:3] == ("3", "3", "0")
    assert terminal.endswith("\n")  # the last line stays, and what follows starts below it
    assert "\x1b[K" not in stdout and "Apply: 3 created." in stdout


def test_an_instance_file_counts_every_kind_and_its_failures(
    rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "rauthy.yaml"
    path.write_text(INSTANCE, encoding="utf-8")
    rauthy_emulator.faults.fail_next(1, 400, method="POST", path="/groups")
    code, stdout, terminal = _apply(rauthy_emulator, path, tty=True)
    assert code == 1, stdout + terminal
    # roles (2) done; groups: 1 failed, which stops the run before clients (2 never done).
    assert STATUS.findall(terminal)[-1][:3] == ("3", "5", "1")
    assert "clients: skipped" in stdout


def test_no_progress_on_a_pipe(rauthy_emulator: RauthyEmulator, tmp_path: Path) -> None:
    path = tmp_path / "rauthy.yaml"
    path.write_text(INSTANCE, encoding="utf-8")
    code, stdout, stderr = _apply(rauthy_emulator, path, tty=False)
    assert code == 0, stdout + stderr
    assert "\x1b[K" not in stderr + stdout and "done," not in stderr
    assert "Apply: 5 created." in stdout


@pytest.mark.parametrize("layout", ["clients", "instance"])
def test_no_progress_with_json_output_even_on_a_terminal(
    layout: str, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "file.yaml"
    path.write_text(CLIENTS if layout == "clients" else INSTANCE, encoding="utf-8")
    code, stdout, terminal = _apply(rauthy_emulator, path, "-o", "json", tty=True)
    assert code == 0, stdout + terminal
    assert "\x1b[K" not in terminal and "done," not in terminal
    assert stdout.startswith("{")


def test_redraws_are_throttled_whatever_the_number_of_updates() -> None:
    stream = _CountingStream()
    display = LiveProgress(stream, interval=0.2).start()  # type: ignore[arg-type]
    started = time.monotonic()
    for done in range(1, 20001):
        display.update(done, 0, 20000)
    display.close()
    elapsed = time.monotonic() - started
    # One write per interval at most, plus the final line; never one per update.
    assert stream.writes <= 2 + elapsed / 0.2
    last = stream.text.rsplit("\r", 1)[1]
    assert last.startswith("\x1b[K" + status_line(20000, 0, 20000, 0.0)[:-4])
    assert last.endswith("s\n")


class _CountingStream(io.StringIO):
    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)

    @property
    def text(self) -> str:
        return self.getvalue()
