"""A user's initial password never appears in any output: every stdout, stderr and debug log
line of plan, apply (successful and failing), export, a Lua script and the Python API, and
every file the runs leave behind, is searched for it. The password does reach Rauthy (the
account has one afterwards), so the search is not over runs that never held it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError

ROOT = Path(__file__).resolve().parents[2]
ADA = "Ada-Initial-Passw0rd-Secret"
BOB = "Bob-From-File-Passw0rd-Secret"
WEAK = "weakpasswordsecret"  # no digit: the policy below refuses it
SECRETS = (ADA, BOB, WEAK)

DRIVER = """\
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(message)s")
from assay_py.cli import main
sys.argv[0] = "assay-py"
main()
"""

INSTANCE = """\
version: 1
password_policy: {length_min: 14, length_max: 128, include_digits: 1}
users:
  - email: ada@example.com
    given_name: Ada
    initial_password: {env: ADA_PW}
  - email: bob@example.com
    initial_password: {file: BOB_FILE}
  - email: weak@example.com
    initial_password: {env: WEAK_PW}
"""


def test_no_initial_password_in_any_output_log_error_or_file(
    rauthy_emulator: RauthyEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    bob_file = tmp_path / "bob.pw"
    bob_file.write_text(BOB + "\n", encoding="utf-8")
    path = work / "rauthy.yaml"
    path.write_text(INSTANCE.replace("BOB_FILE", str(bob_file)), encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAUTHY_", "BOOTSTRAP_"))}
    env.update(
        RAUTHY_URL=rauthy_emulator.url,
        RAUTHY_API_KEY=rauthy_emulator.api_key,
        ADA_PW=ADA,
        WEAK_PW=WEAK,
        PYTHONPATH=str(ROOT),
    )
    texts: list[str] = []

    def assay(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, str(driver), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        texts.extend((done.stdout, done.stderr))
        return done

    secrets_dir = str(work / "secrets")
    planned = assay("rauthy", "plan", str(path), "-v")
    assert planned.returncode == 2, planned.stderr
    assert "DEBUG" in planned.stderr or "httpx" in planned.stderr  # the logs are captured
    assay("rauthy", "plan", str(path), "-o", "json")
    # ada's PATCH (the one carrying her password) is answered 500: an error path
    rauthy_emulator.faults.fail_next(1, status=500, method="PATCH", path="/users/*")
    failed = assay("rauthy", "apply", str(path), "--parallel", "1", "--secrets-dir", secrets_dir)
    assert failed.returncode != 0
    assert "weak@example.com" in failed.stdout + failed.stderr
    assert "Password policy" in failed.stdout + failed.stderr  # the refusal, not the password
    assay("rauthy", "apply", str(path), "--secrets-dir", secrets_dir, "-o", "json")
    assay("rauthy", "plan", str(path), "-v")
    assay("rauthy", "export", "-o", "json")
    assay("rauthy", "export")
    lua = (
        'local rauthy = require("assay.rauthy")\n'
        "local c = rauthy.client(env.get('RAUTHY_URL'), env.get('RAUTHY_API_KEY'))\n"
        "local made = c.users:create({email = 'lua@example.com',"
        " initial_password = {env = 'ADA_PW'}})\n"
        "print(json.encode(made))\n"
        "local ok, err = pcall(c.users.create, c.users,"
        " {email = 'lua2@example.com', initial_password = {env = 'WEAK_PW'}})\n"
        "print(ok, err)\n"
        "log.info(tostring(c.users))\n"
    )
    ran = assay("-v", "exec", "-e", lua)
    assert ran.returncode == 0, ran.stderr
    assert "Password policy" in ran.stdout

    # The Python API in this process, every log record at DEBUG.
    caplog.set_level(logging.DEBUG)
    os.environ["PY_WEAK_PW"] = WEAK
    try:
        with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as c:
            with pytest.raises(RauthyError) as refused:
                c.users.create(
                    {"email": "py@example.com", "initial_password": {"env": "PY_WEAK_PW"}}
                )
            texts += [str(refused.value), repr(refused.value), repr(c), repr(c.users)]
    finally:
        del os.environ["PY_WEAK_PW"]
    texts += [caplog.text, repr(rauthy_emulator.mails), repr(rauthy_emulator.requests)]
    for file in work.rglob("*"):
        if file.is_file():
            texts.append(file.read_text(encoding="utf-8", errors="replace"))

    # Sent where they had to go (bob's from the file, the Lua user's); ada's create stopped at
    # the failed PATCH, and a password is only ever sent at creation, so she has none.
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as c:
        accounts = {
            e: (c.users.get(e) or {}).get("account_type")
            for e in ("ada@example.com", "bob@example.com", "lua@example.com")
        }
    assert accounts == {
        "ada@example.com": "new",
        "bob@example.com": "password",
        "lua@example.com": "password",
    }
    joined = "\n".join(texts)
    assert len(joined) > 10_000  # the runs said a lot, debug logs included
    for secret in SECRETS:
        assert secret not in joined
        assert secret[:12] not in joined  # nor a cut-off piece of one
