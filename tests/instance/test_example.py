"""``examples/rauthy.yaml`` through the ``assay-py`` command, in a subprocess, against the
emulator as Rauthy 0.36 (the file has API keys): apply, then a second plan with no changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from assay_py.emulator import RauthyEmulator

ROOT = Path(__file__).resolve().parents[2]


def _assay(
    emulator: RauthyEmulator, *args: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAUTHY_", "BOOTSTRAP_"))}
    env.update(RAUTHY_URL=emulator.url, RAUTHY_API_KEY=key or emulator.api_key)
    env["ADA_PASSWORD"] = "Example-Passw0rd-Not-Shown"
    env["GOOGLE_CLIENT_SECRET"] = "Example-Google-Secret-Not-Shown"
    command = [sys.executable, "-m", "assay_py", "rauthy", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_example_instance_applies_and_converges(tmp_path: Path) -> None:
    with RauthyEmulator(version="0.36") as emulator:
        _applies_and_converges(emulator, tmp_path)


def _applies_and_converges(rauthy_emulator: RauthyEmulator, tmp_path: Path) -> None:
    secrets = ("--secrets-dir", str(tmp_path / "secrets"))
    planned = _assay(rauthy_emulator, "plan", "examples/rauthy.yaml")
    assert planned.returncode == 2, planned.stderr
    applied = _assay(rauthy_emulator, "apply", "examples/rauthy.yaml", *secrets)
    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert "Apply: 13 created, 1 asserted." in applied.stdout
    shown = planned.stdout + planned.stderr + applied.stdout + applied.stderr
    assert "Example-Passw0rd" not in shown and "Example-Google-Secret" not in shown
    (google,) = rauthy_emulator.stored_providers()
    assert google["client_secret"] == "Example-Google-Secret-Not-Shown"
    assert [m["to"] for m in rauthy_emulator.mails] == ["ada@example.com"]

    api = httpx.Client(
        base_url=rauthy_emulator.url,
        headers={"Authorization": f"API-Key {rauthy_emulator.api_key}"},
    )
    org = next(s for s in api.get("/scopes").json() if s["name"] == "org")
    assert org["attr_include_id"] == ["department"]
    assert {"argocd-admins", "argocd-readonly"} <= {g["name"] for g in api.get("/groups").json()}
    assert {"grafana-admin", "grafana-viewer"} <= {r["name"] for r in api.get("/roles").json()}
    assert "groups" in api.get("/clients/argocd").json()["scopes"]
    assert "org" in api.get("/clients/reports").json()["default_scopes"]

    before = rauthy_emulator.request_count()
    again = _assay(rauthy_emulator, "plan", "examples/rauthy.yaml", *secrets)
    assert again.returncode == 0, again.stdout
    assert again.stdout.startswith("password_policy:")  # asserted: unreadable with a key
    assert "No changes:" in again.stdout
    # one list per named kind, providers and clients; users: the list, one GET per user, one values
    # read per user whose entry states attributes (ada), and (prune managed) one per user the
    # file does not list (none here); the API keys list; the providers list
    assert rauthy_emulator.request_count() - before == 6 + 2 + 1 + 1

    # The read-only key the apply minted for CI is published, and CI can plan with it.
    token = (tmp_path / "secrets" / "api-key@ci").read_text()
    assert token.startswith("ci$") and token not in applied.stdout + applied.stderr
    ci = _assay(rauthy_emulator, "plan", "examples/rauthy.yaml", *secrets, key=token)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert "No changes:" in ci.stdout
