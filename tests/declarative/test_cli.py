"""``assay-py rauthy ...`` through click's CliRunner against the emulator."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

Write = Callable[[str, str], Path]

CLIENTS = """\
- preset: openbao
  host: bao.example.com
- preset: argocd
  host: cd.example.com
- id: grafana
  name: Grafana
  confidential: true
  redirect_uris: [https://grafana.example.com/login/generic_oauth]
"""


@pytest.fixture
def run(rauthy_emulator: RauthyEmulator) -> Callable[..., Result]:
    env = {
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
        "RAUTHY_API_KEY_FILE": None,
    }

    def invoke(*args: str, env_overrides: dict[str, str | None] | None = None) -> Result:
        return CliRunner().invoke(main, ["rauthy", *args], env={**env, **(env_overrides or {})})

    return invoke


def test_plan_exit_codes_follow_detailed_exitcode(run: Callable[..., Result], write: Write) -> None:
    path = str(write("clients.yaml", CLIENTS))
    pending = run("plan", path)
    assert pending.exit_code == 2, pending.output
    assert "+ openbao  (create)" in pending.output
    assert "Plan: 3 to create" in pending.output

    applied = run("apply", path, "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert "Apply: 3 created." in applied.output

    clean = run("plan", path)
    assert clean.exit_code == 0, clean.output
    assert "No changes: 3 client(s) match the file." in clean.output

    broken = run("plan", str(write("bad.yaml", "- id: x\n")))
    assert broken.exit_code == 1
    assert run("plan", path, "--no-such-option").exit_code == 1


def test_plan_json_is_machine_readable(run: Callable[..., Result], write: Write) -> None:
    path = str(write("clients.yaml", CLIENTS))
    result = run("plan", path, "--output", "json")
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert data["changes"] is True and data["summary"]["create"] == 3
    assert [c["id"] for c in data["clients"]] == ["openbao", "argocd", "grafana"]

    invalid = run("plan", str(write("bad.yaml", "- id: x1\n  confidential: 3\n")), "-o", "json")
    assert invalid.exit_code == 1
    problems = json.loads(invalid.stdout)["problems"]
    assert [(p["entry"], p["id"], p["field"], p["line"]) for p in problems] == [
        (1, "x1", "redirect_uris", 1),  # missing: the entry's line
        (1, "x1", "confidential", 2),
    ]
    assert "bool" in problems[1]["rule"] or "true" in problems[1]["rule"]


def test_validation_errors_send_no_request(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    path = str(write("bad.yaml", "- preset: openbao\n- id: a1\n  confidentail: true\n"))
    for command in ("plan", "apply"):
        result = run(command, path)
        assert result.exit_code == 1
        assert "bad.yaml:1: entry 1: host: required" in result.output
        assert "bad.yaml:3: entry 2 (id 'a1'): confidentail: unknown field" in result.output
    assert rauthy_emulator.request_count() == 0


def test_apply_writes_secret_files_and_manifests(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    path = str(write("clients.yaml", CLIENTS))
    secrets_dir = tmp_path / "secrets"
    result = run("apply", path, "--secrets-dir", str(secrets_dir), "--k8s-secret-namespace", "auth")
    assert result.exit_code == 0, result.stderr

    live = {cid: rauthy_emulator.client_secret(cid) for cid in ("openbao", "grafana")}
    for client_id, secret in live.items():
        file = secrets_dir / client_id
        assert file.read_text() == secret
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert not (secrets_dir / "argocd").exists()  # public: no secret

    # stdout holds the manifests only; the plan and summary went to stderr.
    documents = list(yaml.safe_load_all(result.stdout))
    published = {
        base64.b64decode(d["data"]["client_id"]).decode(): base64.b64decode(
            d["data"]["client_secret"]
        ).decode()
        for d in documents
    }
    assert published == live
    assert all(d["metadata"]["namespace"] == "auth" for d in documents)
    assert "Apply: 3 created." in result.stderr
    # A secret appears nowhere but in the manifests.
    for secret in live.values():
        assert secret is not None and secret not in result.stderr


def test_manifests_to_a_file(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "secrets.yaml"
    path = str(write("clients.yaml", CLIENTS))
    k8s = ("--k8s-secret-namespace", "auth", "--k8s-out", str(out))
    result = run("apply", path, *k8s, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(out.read_text())]
    assert sorted(names) == ["grafana", "openbao"]
    secret = rauthy_emulator.client_secret("grafana")
    assert secret is not None and secret not in result.stdout


def test_apply_exits_1_when_a_client_fails(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.faults.fail_next(100, status=400, method="POST", path="/clients")
    result = run("apply", str(write("clients.yaml", CLIENTS)), "--no-publish")
    assert result.exit_code == 1
    assert "FAILED" in result.output and "3 failed" in result.output


def test_prune_is_shown_in_plan_and_spares_the_rauthy_client(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    run("apply", str(write("all.yaml", CLIENTS)), "--no-publish")
    only_grafana = str(write("one.yaml", "- id: grafana" + CLIENTS.split("- id: grafana")[1]))

    assert run("plan", only_grafana).exit_code == 0  # without --prune nothing to do
    planned = run("plan", only_grafana, "--prune")
    assert planned.exit_code == 2
    assert "- openbao  (delete" in planned.output and "- argocd  (delete" in planned.output
    assert "rauthy  (delete" not in planned.output

    assert run("apply", only_grafana, "--prune", "--no-publish").exit_code == 0
    remaining = sorted(c["id"] for c in json.loads(run("list", "-o", "json").output))
    assert remaining == ["grafana", "rauthy"]


def test_without_a_url_the_commands_say_how_to_get_one(run: Callable[..., Result]) -> None:
    result = run("list", env_overrides={"RAUTHY_URL": None})
    assert result.exit_code == 1
    assert "RAUTHY_URL" in result.output and "assay-py emulator" in result.output


def test_the_api_key_is_never_echoed(
    run: Callable[..., Result], rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    wrong = "ansible$" + "w" * 64
    result = run("list", env_overrides={"RAUTHY_API_KEY": wrong})
    assert result.exit_code == 1
    assert "HTTP 401" in result.output
    assert "w" * 16 not in result.output

    key_file = tmp_path / "key"
    key_file.write_text(rauthy_emulator.api_key + "\n")
    ok = run("list", "--api-key-file", str(key_file), env_overrides={"RAUTHY_API_KEY": None})
    assert ok.exit_code == 0 and "rauthy" in ok.output
    assert rauthy_emulator.api_key.split("$")[1] not in ok.output
    both = run("list", "--api-key", wrong, "--api-key-file", str(key_file))
    assert both.exit_code == 1 and "w" * 16 not in both.output


def test_everyday_commands(
    run: Callable[..., Result], write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    assert run("health").output == "healthy\n"
    assert run("health", env_overrides={"RAUTHY_API_KEY": None}).exit_code == 0
    run("apply", str(write("clients.yaml", CLIENTS)), "--no-publish")

    listed = run("list")
    assert listed.exit_code == 0
    assert "grafana" in listed.output and "confidential" in listed.output

    got = run("get", "argocd", "-o", "yaml")
    assert got.exit_code == 0
    assert yaml.safe_load(got.output) == rauthy_emulator.get_client("argocd")
    missing = run("get", "nope")
    assert missing.exit_code == 1 and "not found" in missing.output

    old = rauthy_emulator.client_secret("grafana")
    rotated = run("rotate", "grafana", "--grace-hours", "2", "--secrets-dir", str(tmp_path))
    assert rotated.exit_code == 0, rotated.output
    new = rauthy_emulator.client_secret("grafana")
    assert new is not None and new != old
    assert (tmp_path / "grafana").read_text() == new
    assert new not in rotated.output
    assert rauthy_emulator.valid_client_secrets("grafana") == [new, old]
    assert run("rotate", "grafana", "--grace-hours", "25").exit_code == 1


def test_presets_command_needs_no_connection(run: Callable[..., Result]) -> None:
    from assay_py.rauthy import client_presets

    env = {"RAUTHY_URL": None, "RAUTHY_API_KEY": None}
    listing = run("presets", env_overrides=env)
    assert listing.exit_code == 0
    assert all(name in listing.output for name in client_presets.names())

    as_json = run("presets", "openbao", "--host", "bao.example.com", env_overrides=env)
    expected = client_presets.get("openbao")({"host": "bao.example.com"})
    assert json.loads(as_json.output) == expected
    as_yaml = run("presets", "openbao", "--host", "bao.example.com", "-o", "yaml")
    assert yaml.safe_load(as_yaml.output) == expected
    unknown = run("presets", "nope")
    assert unknown.exit_code == 1 and "unknown preset" in unknown.output


def test_importing_the_command_module_stays_cheap() -> None:
    code = (
        "import sys, assay_py.cli.rauthy; "
        "heavy = [m for m in ('httpx', 'yaml', 'assay_py.rauthy') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_key_file_beats_the_environment(
    run: Callable[..., Result], rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(rauthy_emulator.api_key)
    stale = "ansible$" + "s" * 64
    result = run(
        "list", env_overrides={"RAUTHY_API_KEY": stale, "RAUTHY_API_KEY_FILE": str(key_file)}
    )
    assert result.exit_code == 0, result.output
