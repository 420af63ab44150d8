"""Upstream providers through ``assay-py rauthy plan|apply|export``, in a real subprocess:
every byte the commands print is searched for the upstream secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assay_py.emulator import RauthyEmulator

SECRET = "Upstream-Google-Secret-Never-Shown-31"
ROTATED = "Rotated-Upstream-Secret-Never-Shown-32"
INSTANCE = """\
version: 1
prune:
  auth_providers: true
groups:
  - name: staff
auth_providers:
  - name: Google
    typ: google
    client_id: 1234.apps.googleusercontent.com
    client_secret: {env: GOOGLE_CLIENT_SECRET}
    auto_onboarding: true
  - name: Corp SSO
    typ: oidc
    issuer: https://sso.example.com
    authorization_endpoint: https://sso.example.com/authorize
    token_endpoint: https://sso.example.com/token
    userinfo_endpoint: https://sso.example.com/userinfo
    client_id: assay
    scope: [openid, email]
"""


@pytest.fixture
def head() -> Iterator[RauthyEmulator]:
    with RauthyEmulator(port=0, version="0.36") as emulator:
        yield emulator


def _cli(
    emu: RauthyEmulator,
    *args: str,
    secret: str | None = SECRET,
    extra: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    env = {**os.environ, "RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key, **(extra or {})}
    env.pop("RAUTHY_API_KEY_FILE", None)
    if secret is not None:
        env["GOOGLE_CLIENT_SECRET"] = secret
    done = subprocess.run(
        [sys.executable, "-c", "from assay_py.cli import main; main()", "rauthy", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def test_plan_apply_export_never_print_the_upstream_secret(
    head: RauthyEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "rauthy.yaml"
    path.write_text(INSTANCE, encoding="utf-8")
    head.add_user("ada@example.com")
    outputs: list[str] = []

    def cli(*args: str, secret: str | None = SECRET) -> tuple[int, str, str]:
        code, out, err = _cli(head, *args, secret=secret)
        outputs.extend([out, err])
        return code, out, err

    code, out, _ = cli("plan", str(path))
    assert code == 2 and "+ Google" in out and "+ Corp SSO" in out, out
    code, out, _ = cli("apply", str(path), "--secrets-dir", str(tmp_path / "s"))
    assert code == 0, out
    stored = {p["name"]: p for p in head.stored_providers()}
    assert stored["Google"]["client_secret"] == SECRET
    assert stored["Corp SSO"]["client_secret"] is None
    assert stored["Google"]["auto_onboarding"] is True
    code, out, _ = cli("plan", str(path), "-v")
    assert code == 0 and "= Google  (noop)" in out and "No changes" in out, out

    # the secret rotated upstream: drift on client_secret, its values hidden
    code, out, _ = cli("plan", str(path), secret=ROTATED)
    assert code == 2 and "client_secret" in out and "<hidden" in out, out
    code, out, _ = cli("plan", str(path), "-o", "json", secret=ROTATED)
    item = json.loads(out)["kinds"]["auth_providers"]["items"]
    google = next(i for i in item if i["name"] == "Google")
    assert google["action"] == "put" and google["drift"] == ["client_secret"]
    code, out, _ = cli("apply", str(path), "-o", "json", secret=ROTATED)
    assert code == 0 and json.loads(out)["ok"] is True, out
    assert {p["name"]: p for p in head.stored_providers()}["Google"]["client_secret"] == ROTATED

    # a provider removed from the file is pruned, naming the user who loses the link
    head.link_user("ada@example.com", "Corp SSO")
    path.write_text(INSTANCE.split("  - name: Corp SSO")[0], encoding="utf-8")
    code, out, _ = cli("plan", str(path), secret=ROTATED)
    assert code == 2 and "- Corp SSO" in out and "ada@example.com" in out, out
    code, out, _ = cli("apply", str(path), secret=ROTATED)
    assert code == 0 and [p["name"] for p in head.stored_providers()] == ["Google"], out

    # a bad file names field and rule, sends nothing
    before = head.request_count()
    path.write_text(INSTANCE.replace("{env: GOOGLE_CLIENT_SECRET}", SECRET), encoding="utf-8")
    code, out, err = cli("plan", str(path))
    assert code == 1 and "client_secret: must be a reference" in out + err
    assert head.request_count() == before

    code, out, err = cli("export")
    assert code == 0 and "PROVIDER_SECRET_GOOGLE" in err, err

    for text in outputs:
        assert SECRET not in text and ROTATED not in text
    for file in (tmp_path / "s").rglob("*") if (tmp_path / "s").exists() else ():
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            assert SECRET not in text and ROTATED not in text


def test_export_round_trips_with_the_secret_as_a_reference(
    head: RauthyEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "rauthy.yaml"
    path.write_text(INSTANCE, encoding="utf-8")
    code, out, _ = _cli(head, "apply", str(path))
    assert code == 0, out
    code, _, err = _cli(head, "export", "--kinds", "auth_providers", "--out", str(tmp_path / "e"))
    assert code == 0, err
    assert "set these before plan/apply: PROVIDER_SECRET_GOOGLE" in err
    text = (tmp_path / "e").read_text(encoding="utf-8")
    assert SECRET not in text + err
    doc = yaml.safe_load(text)
    google, corp = sorted(doc["auth_providers"], key=lambda e: e["name"] != "Google")
    # the preset's defaults are left out; only what differs is written
    assert google == {
        "name": "Google",
        "typ": "google",
        "client_id": "1234.apps.googleusercontent.com",
        "auto_onboarding": True,
        "client_secret": {"env": "PROVIDER_SECRET_GOOGLE"},
    }
    assert "client_secret" not in corp and corp["scope"] == ["openid", "email"]

    env = {"PROVIDER_SECRET_GOOGLE": SECRET}
    code, out, _ = _cli(head, "plan", str(tmp_path / "e"), secret=None, extra=env)
    assert code == 0 and out.startswith("No changes"), out
    # with another value set, the secret is drift (compared by digest, never shown)
    other = {"PROVIDER_SECRET_GOOGLE": "x" + SECRET}
    code, out, _ = _cli(head, "plan", str(tmp_path / "e"), secret=None, extra=other)
    assert code == 2 and "client_secret" in out and SECRET not in out

    with RauthyEmulator(port=0, version="0.36") as fresh:
        code, out, _ = _cli(fresh, "apply", str(tmp_path / "e"), secret=None, extra=env)
        assert code == 0, out
        stored = {p["name"]: p for p in fresh.stored_providers()}
        assert stored["Google"]["client_secret"] == SECRET
        again_path = str(tmp_path / "f")
        code, _, err = _cli(fresh, "export", "--kinds", "auth_providers", "--out", again_path)
        assert code == 0, err
    first = [line for line in text.splitlines() if not line.startswith("# Exported from")]
    again = (tmp_path / "f").read_text(encoding="utf-8").splitlines()
    assert [line for line in again if not line.startswith("# Exported from")] == first


def test_export_of_every_kind_on_0352_skips_providers_with_a_note(
    rauthy_emulator: RauthyEmulator,
) -> None:
    code, out, err = _cli(rauthy_emulator, "export")
    assert code == 0, err
    assert "auth_providers: not exported" in err and "0.36" in err
    assert "auth_providers" not in yaml.safe_load(out)  # only the header's note names it
    code, out, err = _cli(rauthy_emulator, "export", "--kinds", "auth_providers")
    assert code == 1 and "need Rauthy 0.36 or later" in out + err


def test_rights_are_checked_before_any_write_and_order_follows_the_spec(
    head: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay_py import rauthy
    from assay_py.rauthy.declarative.engine import MissingRights

    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", SECRET)
    doc = yaml.safe_load(INSTANCE)
    doc["clients"] = [{"id": "app", "confidential": False, "redirect_uris": ["https://a/cb"]}]
    key = head.add_api_key(
        "ro", {"AuthProviders": ["read"], "Groups": ["read"], "Clients": ["read"]}
    )
    with rauthy.client(head.url, key) as c:
        plan = c.plan(doc)
        assert "AuthProviders / create" in plan.missing_rights
        with pytest.raises(MissingRights):
            c.apply(plan)
    assert head.stored_providers() == []
    with rauthy.client(head.url, head.api_key) as c:
        plan = c.plan(doc)
        order = [s.key for s in plan.sections]
        assert order.index("groups") < order.index("auth_providers") < order.index("clients")
        assert c.apply(plan).ok
        assert SECRET not in repr(plan) + json.dumps(plan.to_dict())
