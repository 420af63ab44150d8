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
GROUPS = ["Clients", "Scopes", "Roles", "Groups", "UserAttributes", "Users", "ApiKeys"]
RIGHTS = ["read", "create", "update", "delete"]
ALGS = ["RS256", "RS384", "RS512", "EdDSA"]


def _some(rng: random.Random, pool: list[str], low: int = 0) -> list[str]:
    return rng.sample(pool, rng.randint(low, len(pool)))


LANGUAGES = ["de", "en", "fr", "ko", "nb", "ru", "uk", "zhhans"]


def random_instance(seed: int, *, newer: bool = False) -> dict[str, Any]:
    """Every field of every kind varied, a bounded number of items; ``newer``: also the fields
    only Rauthy 0.36 has. SCIM tokens are ``{env: VAR}`` references whose values ``tokens``
    (below) gives."""
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
        if newer:
            scope["claims_at_root"] = rng.random() < 0.5
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
            "scim": {
                "bearer_token": {"env": f"SCIM_TOKEN_APP_{seed}_{i}"},
                "base_uri": f"https://{cid}.example.com/scim/v2",
                "sync_groups": rng.random() < 0.5,
                **({"group_sync_prefix": "group-"} if rng.random() < 0.5 else {}),
            },
        }
        if newer:
            resources = [f"https://api{j}.{cid}.example.com" for j in range(rng.randint(1, 2))]
            maybe["claims_at_root"] = rng.random() < 0.5
            maybe["allowed_resources"] = resources
            maybe["default_aud"] = resources[:1]
        for key, value in maybe.items():
            if rng.random() < 0.5:
                c[key] = value
        clients.append(c)
    plain_attrs = [a["name"] for a in attrs if "typ" not in a]
    users: list[dict[str, Any]] = []
    for i in range(rng.randint(0, 3)):
        user: dict[str, Any] = {"email": f"user-{seed}-{i}@example.com"}
        maybe = {
            "given_name": rng.choice(["Ada", "Grace", "Alan"]),
            "family_name": rng.choice(["Lovelace", "Hopper", "Turing"]),
            "language": rng.choice(LANGUAGES),
            "enabled": rng.random() < 0.5,
            "email_verified": rng.random() < 0.5,
            "roles": _some(rng, [r["name"] for r in roles]),
            "groups": _some(rng, [g["name"] for g in groups]),
            "user_expires": 1900000000 + rng.randint(0, 10**6),
            "preferred_username": f"user{seed}.{i}",
            "attributes": {n: rng.choice(["x", "y"]) for n in _some(rng, plain_attrs, 1)}
            if plain_attrs
            else {},
        }
        for key, value in maybe.items():
            if rng.random() < 0.6:
                user[key] = value
        users.append(user)
    api_keys: list[dict[str, Any]] = []
    for i in range(rng.randint(1, 2) if newer else 0):  # 0.35.2 serves them to sessions only
        key: dict[str, Any] = {
            "name": f"key-{seed}-{i}",
            "access": {g: _some(rng, RIGHTS, 1) for g in _some(rng, GROUPS, 1)},
        }
        if rng.random() < 0.6:
            key["expires_in"] = f"{rng.randint(1, 400)}d"
        api_keys.append(key)
    providers = [_random_provider(rng, f"Prov {seed} {i}") for i in range(rng.randint(1, 3))]
    return {
        "version": 1,
        **({"auth_providers": providers} if newer else {}),  # 0.35.2: sessions only
        "user_attributes": attrs,
        "scopes": scopes,
        "roles": roles,
        "groups": groups,
        "clients": clients,
        "users": users,
        **({"api_keys": api_keys} if newer else {}),
    }


def _random_provider(rng: random.Random, name: str) -> dict[str, Any]:
    """Every ``ProviderRequest`` field varied; the secret named as export names it."""
    from assay_py.rauthy.declarative.managed_providers import secret_variable

    typ = rng.choice(["custom", "github", "google", "oidc"])
    entry: dict[str, Any] = {"name": name, "typ": typ, "client_id": f"id-{rng.randint(1, 99)}"}
    host = f"https://idp{rng.randint(1, 9)}.example.com"
    urls = {
        "issuer": host,
        "authorization_endpoint": host + "/authorize",
        "token_endpoint": host + "/token",
        "userinfo_endpoint": host + "/userinfo",
    }
    optional = {
        "jwks_endpoint": host + "/jwks",
        "enabled": False,
        "use_pkce": rng.random() < 0.5,
        "client_secret_post": True,
        "auto_onboarding": True,
        "auto_link": True,
        "scope": _some(rng, ["openid", "profile", "email", "groups", "user:email"]),
        "admin_claim_path": "$.roles",
        "admin_claim_value": "admin",
        "mfa_claim_path": "$.amr",
        "mfa_claim_value": "mfa",
    }
    for key, value in {**urls, **optional}.items():
        if (typ in ("oidc", "custom") and key in urls) or rng.random() < 0.5:
            entry[key] = value
    if rng.random() < 0.3:
        entry["client_secret_basic"] = False
        entry["client_secret_post"] = True
    use_pkce = entry.get("use_pkce", typ != "github")
    if not use_pkce or rng.random() < 0.6:
        entry["client_secret"] = {"env": secret_variable(name)}
    return entry


def tokens(doc: dict[str, Any]) -> dict[str, str]:
    """A value for every SCIM token and provider secret variable ``doc`` references."""
    out = {
        c["scim"]["bearer_token"]["env"]: "tok-" + c["scim"]["bearer_token"]["env"].lower()
        for c in doc["clients"]
        if "scim" in c
    }
    for p in doc.get("auth_providers", []):
        if "client_secret" in p:
            out[p["client_secret"]["env"]] = "upstream-" + p["client_secret"]["env"].lower()
    return out


def _run(emu: RauthyEmulator, *args: str, env: dict[str, str] | None = None) -> Result:
    base = {"RAUTHY_URL": emu.url, "RAUTHY_API_KEY": emu.api_key, "RAUTHY_API_KEY_FILE": None}
    return CliRunner().invoke(main, ["rauthy", *args], env={**base, **(env or {})})


def _export(emu: RauthyEmulator, path: Path, *extra: str) -> str:
    result = _run(emu, "export", "--out", str(path), *extra)
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def _seed(emu: RauthyEmulator, doc: dict[str, Any], env: dict[str, str] | None = None) -> None:
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        with rauthy.client(emu.url, emu.api_key) as c:
            report = apply_instance(c, doc)
            assert report.ok, report.to_dict()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _round_trip(seed: int, tmp_path: Path, emu: RauthyEmulator, *, newer: bool) -> None:
    doc = random_instance(seed, newer=newer)
    env = tokens(doc)
    _seed(emu, doc, env)
    first = _export(emu, tmp_path / "first.yaml", "--scim")
    assert not [v for v in env.values() if v in first]  # secrets only as {env: VAR}
    plan = _run(emu, "plan", str(tmp_path / "first.yaml"), env=env)
    assert plan.exit_code == 0, first + plan.output
    assert plan.output.startswith("No changes")

    with RauthyEmulator(port=0, version=emu.version) as fresh:
        applied = _run(
            fresh,
            "apply",
            str(tmp_path / "first.yaml"),
            "--secrets-dir",
            str(tmp_path / "s"),
            env=env,
        )
        assert applied.exit_code == 0, applied.output
        again = _export(fresh, tmp_path / "again.yaml", "--scim")
    strip = [line for line in first.splitlines() if not line.startswith("# Exported from")]
    assert [line for line in again.splitlines() if not line.startswith("# Exported from")] == strip


@pytest.mark.parametrize("seed", range(8))
def test_random_instance_exports_to_a_clean_plan_and_round_trips(
    seed: int, tmp_path: Path, rauthy_emulator: RauthyEmulator
) -> None:
    _round_trip(seed, tmp_path, rauthy_emulator, newer=False)


@pytest.mark.parametrize("seed", range(100, 104))
def test_random_instance_with_the_fields_of_0_36_round_trips(seed: int, tmp_path: Path) -> None:
    with RauthyEmulator(port=0, version="0.36") as emu:
        _round_trip(seed, tmp_path, emu, newer=True)


#: Kinds the round trip cannot cover, and why (every other kind must be in ``random_instance``).
NOT_ROUND_TRIPPED = {
    "password_policy": "an API key cannot read it, so export leaves it out",
    "blacklist": "never exported: entries expire and Rauthy adds most of them itself",
    "branding": "exported only when named; logos cannot be (Rauthy re-encodes them)",
}


#: Fields of a kind that are the file's policy, not live state: no export can hold them.
POLICY_FIELDS = {
    "api_keys": {"renew_before": "when to renew: a rule of the file, Rauthy keeps no such thing"}
}


def _fields(key: str) -> set[str]:
    from assay_py.rauthy import _schema
    from assay_py.rauthy.kinds import KINDS
    from assay_py.rauthy.kinds import users as users_kind

    if key in KINDS:
        return set(KINDS[key].fields)
    if key == "clients":
        return set(_schema.FIELD_ORDER) - {"id"}
    if key == "users":
        return set(users_kind.FIELDS) | {users_kind.ATTRIBUTES}
    if key == "api_keys":
        from assay_py.rauthy.kinds import api_keys

        return set(api_keys.FIELDS) - set(POLICY_FIELDS[key])
    if key == "auth_providers":
        from assay_py.rauthy.kinds import providers

        return set(providers.FIELDS)
    raise AssertionError(f"kind {key!r}: add it to random_instance, or to NOT_ROUND_TRIPPED")


def test_the_generator_varies_every_field_of_every_kind() -> None:
    from assay_py.rauthy.declarative.instance import kind_keys

    docs = [random_instance(seed, newer=seed >= 100) for seed in [*range(8), *range(100, 104)]]
    for key in kind_keys():
        if key in NOT_ROUND_TRIPPED:
            continue
        seen: set[str] = set()
        for doc in docs:
            for entry in doc.get(key, []):
                seen |= set(entry)
        missing = _fields(key) - seen
        assert not missing, f"{key}: the round trip never varies {sorted(missing)}"


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


def test_the_request_count_it_reports_is_what_was_sent(
    tmp_path: Path, rauthy_emulator: RauthyEmulator
) -> None:
    import re
    import time

    doc = random_instance(5)  # users too: their values cost a GET each
    assert doc["users"]
    _seed(rauthy_emulator, doc, tokens(doc))
    before = rauthy_emulator.request_count()
    result = _run(rauthy_emulator, "export", "--out", str(tmp_path / "x.yaml"))
    assert result.exit_code == 0, result.output
    found = re.search(r"; (\d+) requests\)", result.stderr)
    assert found, result.stderr
    reported = int(found.group(1))
    seen = rauthy_emulator.request_count() - before
    for _ in range(100):  # the emulator logs a request just after answering it
        if seen >= reported:
            break
        time.sleep(0.02)
        seen = rauthy_emulator.request_count() - before
    assert seen == reported


def test_reference_lists_are_sorted_whatever_order_rauthy_keeps(
    tmp_path: Path, rauthy_emulator: RauthyEmulator
) -> None:
    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"])
    _seed(rauthy_emulator, {"roles": [{"name": "zz-last"}], "groups": [{"name": "zz-ops"}]})
    _seed(
        rauthy_emulator,
        {
            "roles": [{"name": "zz-last"}, {"name": "aa-first"}],
            "groups": [{"name": "zz-ops"}, {"name": "aa-dev"}],
            "users": [
                {
                    "email": "ada@example.com",
                    "roles": ["zz-last", "aa-first"],
                    "groups": ["zz-ops", "aa-dev"],
                }
            ],
        },
    )
    doc = yaml.safe_load(_export(rauthy_emulator, tmp_path / "x.yaml", "--kinds", "users"))
    ada = next(u for u in doc["users"] if u["email"] == "ada@example.com")
    assert ada["roles"] == ["aa-first", "zz-last"] and ada["groups"] == ["aa-dev", "zz-ops"]
