"""``assay-py rauthy export``: random instances on the emulator export to a file that plans
clean, and survive a round trip through a fresh emulator unchanged."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy import client_presets
from assay_py.rauthy.declarative.instance import apply_instance

FLOWS = ["authorization_code", "client_credentials", "password", "refresh_token"]
ALGS = ["RS256", "RS384", "RS512", "EdDSA"]


def _some(rng: random.Random, pool: list[str], low: int = 0) -> list[str]:
    return rng.sample(pool, rng.randint(low, len(pool)))


def random_instance(seed: int) -> dict[str, Any]:
    """Every field of every kind varied, a bounded number of items."""
    rng = random.Random(seed)
    attrs = []
    for i in range(rng.randint(0, 4)):
        attr: dict[str, Any] = {"name": f"attr-{seed}-{i}"}
        if rng.random() < 0.5:
            attr["desc"] = rng.choice(["org unit", "cost centre", "badge"])
        if rng.random() < 0.3:
            attr["typ"] = "Email"
        if rng.random() < 0.5:
            attr["user_editable"] = True
        if rng.random() < 0.4:
            attr["default_value"] = rng.choice(["x", 3, [1, 2], {"k": "v"}])
        attrs.append(attr)
    names = [a["name"] for a in attrs]
    scopes = []
    for i in range(rng.randint(0, 3)):
        scope: dict[str, Any] = {"name": f"scope:{seed}.{i}"}
        if names and rng.random() < 0.6:
            scope["attr_include_access"] = _some(rng, names, 1)
        if names and rng.random() < 0.6:
            scope["attr_include_id"] = _some(rng, names, 1)
        scopes.append(scope)
    roles = [
        {"name": f"role-{seed}-{i}", **({"meta": {"n": i}} if rng.random() < 0.5 else {})}
        for i in range(rng.randint(0, 3))
    ]
    groups = [
        {"name": f"group-{seed}-{i}", **({"meta": [i, "x"]} if rng.random() < 0.5 else {})}
        for i in range(rng.randint(0, 3))
    ]
    clients: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 5)):
        cid = f"app-{seed}-{i}"
        if rng.random() < 0.3:
            preset = rng.choice(client_presets.names())
            clients.append({"preset": preset, "id": cid, "host": f"{cid}.example.com"})
            continue
        confidential = rng.random() < 0.5
        c: dict[str, Any] = {
            "id": cid,
            "confidential": confidential,
            "redirect_uris": [f"https://{cid}.example.com/cb{j}" for j in range(rng.randint(1, 3))],
        }
        maybe = {
            "name": f"App {i}",
            "enabled": rng.random() < 0.5,
            "post_logout_redirect_uris": [f"https://{cid}.example.com/"],
            "allowed_origins": [f"https://{cid}.example.com"],
            "flows_enabled": _some(rng, FLOWS, 1),
            "access_token_alg": rng.choice(ALGS),
            "id_token_alg": rng.choice(ALGS),
            "auth_code_lifetime": rng.randint(10, 300),
            "access_token_lifetime": rng.randint(10, 86400),
            "scopes": ["openid", *_some(rng, ["email", "profile", *[s["name"] for s in scopes]])],
            "default_scopes": ["openid", *_some(rng, ["email", "profile"])],
            "challenges": _some(rng, ["S256", "plain"], 1),
            "force_mfa": rng.random() < 0.5,
            "client_uri": f"https://{cid}.example.com",
            "contacts": [f"ops{j}@example.com" for j in range(rng.randint(1, 2))],
            "backchannel_logout_uri": f"https://{cid}.example.com/logout",
            "restrict_group_prefix": "group-",
            "claims": {"tier": rng.choice(["gold", "free"]), "n": rng.randint(0, 9)},
        }
        for key, value in maybe.items():
            if rng.random() < 0.5:
                c[key] = value
        clients.append(c)
    return {
        "version": 1,
        "user_attributes": attrs,
        "scopes": scopes,
        "roles": roles,
        "groups": groups,
        "clients": clients,
    }


def _run(emu: RauthyEmulator, *args: str) -> Result:
    env = {"RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key, "RAUTHY_API_KEY_FILE": None}
    return CliRunner().invoke(main, ["rauthy", *args], env=env)


def _export(emu: RauthyEmulator, path: Path, *extra: str) -> str:
    result = _run(emu, "export", "--out", str(path), *extra)
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def _seed(emu: RauthyEmulator, doc: dict[str, Any]) -> None:
    with rauthy.client(emu.url, emu.api_key) as c:
        assert apply_instance(c, doc).ok


@pytest.mark.parametrize("seed", range(8))
def test_random_instance_exports_to_a_clean_plan_and_round_trips(
    seed: int, tmp_path: Path, rauthy_emulator: RauthyEmulator
) -> None:
    _seed(rauthy_emulator, random_instance(seed))
    first = _export(rauthy_emulator, tmp_path / "first.yaml")
    plan = _run(rauthy_emulator, "plan", str(tmp_path / "first.yaml"))
    assert plan.exit_code == 0, first + plan.output
    assert plan.output.startswith("No changes")

    with RauthyEmulator(port=0) as fresh:
        applied = _run(
            fresh, "apply", str(tmp_path / "first.yaml"), "--secrets-dir", str(tmp_path / "s")
        )
        assert applied.exit_code == 0, applied.output
        again = _export(fresh, tmp_path / "again.yaml")
    strip = [line for line in first.splitlines() if not line.startswith("# Exported from")]
    assert [line for line in again.splitlines() if not line.startswith("# Exported from")] == strip


def test_defaults_and_builtins_are_left_out_and_presets_recognised(
    tmp_path: Path, rauthy_emulator: RauthyEmulator
) -> None:
    _seed(
        rauthy_emulator,
        {
            "clients": [
                {"preset": "openbao", "host": "bao.example.com"},
                {"id": "plain", "confidential": False, "redirect_uris": ["https://p.example/cb"]},
            ]
        },
    )
    text = _export(rauthy_emulator, tmp_path / "c.yaml", "--kinds", "clients")
    entries = yaml.safe_load(text)
    assert entries == [
        {"preset": "openbao", "host": "bao.example.com"},
        # A new client's defaults (flows, algorithms, lifetimes, scopes) are not written.
        {"id": "plain", "confidential": False, "redirect_uris": ["https://p.example/cb"]},
    ]
    assert "rauthy" not in [e.get("id") for e in entries]


def test_json_output_and_unknown_kind(rauthy_emulator: RauthyEmulator) -> None:
    result = _run(rauthy_emulator, "export", "--kinds", "scopes", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"version": 1, "scopes": []}  # defaults left out
    bad = _run(rauthy_emulator, "export", "--kinds", "scopez")
    assert bad.exit_code == 1
    assert "unknown kind 'scopez'" in bad.output


def test_scim_token_becomes_an_env_reference(
    tmp_path: Path, rauthy_emulator: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok-" + "s3cr3t" * 4
    scim = {"bearer_token": token, "base_uri": "https://scim.example.com/v2", "sync_groups": True}
    _seed(
        rauthy_emulator,
        {
            "clients": [
                {
                    "id": "hr",
                    "confidential": True,
                    "redirect_uris": ["https://hr.example/cb"],
                    "scim": scim,
                }
            ]
        },
    )
    result = _run(
        rauthy_emulator, "export", "--scim", "--kinds", "clients", "--out", str(tmp_path / "s.yaml")
    )
    assert result.exit_code == 0, result.output
    assert "SCIM_TOKEN_HR" in result.stderr
    text = (tmp_path / "s.yaml").read_text(encoding="utf-8")
    assert token not in text + result.output
    assert yaml.safe_load(text)[0]["scim"]["bearer_token"] == {"env": "SCIM_TOKEN_HR"}

    unset = _run(rauthy_emulator, "plan", str(tmp_path / "s.yaml"))
    assert unset.exit_code == 1
    assert "SCIM_TOKEN_HR is not set" in unset.output
    monkeypatch.setenv("SCIM_TOKEN_HR", token)
    assert os.environ["SCIM_TOKEN_HR"] == token
    clean = _run(rauthy_emulator, "plan", str(tmp_path / "s.yaml"))
    assert clean.exit_code == 0, clean.output
