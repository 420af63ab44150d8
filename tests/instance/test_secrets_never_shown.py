"""No secret reaches any output of a whole-instance run: plan, apply, plan again, export and the
JSON forms, with every kind in one file (a confidential client, users with an initial password,
an API key, the password policy, branding and the blacklist), logs included at DEBUG.

The secrets are the user's initial password (ours), the client secret and the API key token
(minted by Rauthy, read back from the secrets dir after apply)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

PASSWORD = "Init1al-Pw-Grep-Me-7f3a9c"
UNTIL = int(time.time()) + 30 * 86_400
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="3"/></svg>'

INSTANCE = f"""\
version: 1
prune:
  users: managed
  api_keys: true
user_attributes:
  - name: department
roles:
  - name: billing_admin
groups:
  - name: finance
clients:
  - id: reports
    name: Reports
    confidential: true
    redirect_uris: [https://reports.example.com/cb]
password_policy:
  length_min: 14
  length_max: 128
  include_digits: 1
users:
  - email: ada@example.com
    given_name: Ada
    language: en
    roles: [billing_admin]
    groups: [finance]
    attributes: {{department: finance}}
    initial_password: {{env: AUDIT11_PASSWORD}}
api_keys:
  - name: ci
    access:
      Clients: [read]
      Users: [read]
    expires_in: 90d
branding:
  - client_id: reports
    logo: reports.svg
    theme:
      border_radius: 8px
blacklist:
  - ip: 203.0.113.9
    expires: {UNTIL}
"""


@pytest.fixture
def head() -> Iterator[RauthyEmulator]:
    with RauthyEmulator(version="0.36") as emu:
        yield emu


def test_no_secret_in_any_output_of_a_whole_instance_run(
    head: RauthyEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("AUDIT11_PASSWORD", PASSWORD)
    path = tmp_path / "rauthy.yaml"
    path.write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "reports.svg").write_bytes(SVG)
    secrets = tmp_path / "secrets"
    env = {"RAUTHY_URL": head.url, "RAUTHY_API_KEY": head.api_key, "RAUTHY_API_KEY_FILE": None}
    results: list[Result] = []

    def run(*args: str, code: int | None = 0) -> Result:
        result = CliRunner().invoke(main, ["rauthy", *args], env=env)
        results.append(result)
        if code is not None:
            assert result.exit_code == code, result.output + result.stderr
        return result

    where = ("--secrets-dir", str(secrets))
    run("plan", str(path), *where, code=2)
    run("plan", str(path), *where, "-o", "json", code=2)
    run("apply", str(path), *where, "-v")
    run("plan", str(path), *where, "-v")
    run("plan", str(path), *where, "-o", "json")
    run("apply", str(path), *where, "-o", "json")
    run("export")
    run("export", "-o", "json")
    # a failing run prints errors: a key lacking rights, with the secrets in play
    env["RAUTHY_API_KEY"] = (secrets / "api-key@ci").read_text()
    run("apply", str(path), *where, code=None)
    run("export", code=None)

    token = (secrets / "api-key@ci").read_text()
    client_secret = (secrets / "reports").read_text()
    assert token.startswith("ci$") and len(client_secret) >= 32
    with rauthy.client(head.url, head.api_key) as c:
        ada = c.users.get("ada@example.com")
    assert ada is not None and ada["account_type"] == "password"  # the password was sent
    texts = [r.output for r in results] + [r.stderr for r in results]
    texts += [repr(r.exception) for r in results if r.exception is not None]
    texts.append(caplog.text)
    texts += [
        f.read_text(errors="replace")
        for f in tmp_path.rglob("*")
        if f.is_file() and secrets not in f.parents
    ]
    token_secret = token.split("$", 1)[1]
    for secret, what in (
        (PASSWORD, "password"),
        (token_secret, "token"),
        (client_secret, "client"),
    ):
        for text in texts:
            assert secret not in text, f"the {what} secret leaked"
