"""Users and the password policy through ``assay-py rauthy plan|apply``, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assay_py import rauthy
from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

from .conftest import Run, Write

PASSWORD = "Initial-Passw0rd-Never-Shown"

INSTANCE = """\
version: 1
prune:
  users: managed
roles:
  - name: billing_admin
groups:
  - name: finance
password_policy:
  length_min: 14
  length_max: 128
  include_digits: 1
users:
  - email: Ada@Example.com
    given_name: Ada
    family_name: Lovelace
    language: en
    email_verified: true
    roles: [billing_admin]
    groups: [finance]
    preferred_username: ada
    initial_password: {env: ADA_PASSWORD}
  - email: bob@example.com
    enabled: false
    roles: []
"""


def test_apply_then_no_changes_then_prune_keeps_hand_made_users_and_the_last_admin(
    run: Run,
    write: Write,
    rauthy_emulator: RauthyEmulator,
    c: rauthy.RauthyClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADA_PASSWORD", PASSWORD)
    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"])  # hand-made admin
    rauthy_emulator.add_user("hand@example.com")  # hand-made user
    path = write(INSTANCE)
    outputs: list[str] = []

    planned = run("plan", str(path))
    outputs.append(planned.output)
    assert planned.exit_code == 2, planned.output
    assert "+ ada@example.com  (create" in planned.output
    assert "Rauthy e-mails ada@example.com a link to set a password" in planned.output
    assert "Rauthy e-mails bob@example.com" in planned.output
    assert "! password_policy  (assert" in planned.output
    assert rauthy_emulator.mails == []

    applied = run("apply", str(path), "--no-publish")
    outputs.append(applied.output)
    assert applied.exit_code == 0, applied.output
    ada = c.users.get("ada@example.com")
    assert ada is not None
    assert ada["roles"] == ["billing_admin"] and ada["groups"] == ["finance"]
    assert ada["email_verified"] is True and ada["account_type"] == "password"
    assert ada["user_values"] == {"preferred_username": "ada"}
    bob = c.users.get("bob@example.com")
    assert bob is not None and bob["enabled"] is False
    assert sorted(m["to"] for m in rauthy_emulator.mails) == ["ada@example.com", "bob@example.com"]
    assert rauthy_emulator.password_policy["include_upper_case"] is None  # a full replacement

    again = run("plan", str(path))
    outputs.append(again.output)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("password_policy:")  # asserted, never "in sync"
    assert "No changes:" in again.output

    # Dropping bob from the file: prune managed deletes him (assay-py made him), never the
    # hand-made users.
    path.write_text(INSTANCE.split("  - email: bob@example.com")[0], encoding="utf-8")
    pruned = run("apply", str(path), "--no-publish")
    outputs.append(pruned.output)
    assert pruned.exit_code == 0, pruned.output
    assert "users: bob@example.com: delete ok" in pruned.output
    left = sorted(r["email"] for r in c.users.list())
    assert left == ["ada@example.com", "hand@example.com", "root@example.com"]

    # prune all without the admin in the file: refused before any write, naming why.
    path.write_text(
        path.read_text(encoding="utf-8").replace("users: managed", "users: all"), encoding="utf-8"
    )
    writes = _writes(rauthy_emulator)
    refused = run("apply", str(path), "--no-publish")
    outputs.append(refused.output + refused.stderr)
    assert refused.exit_code == 1, refused.output
    assert "no enabled user would hold rauthy_admin" in refused.stderr
    assert "root@example.com is deleted" in refused.stderr
    assert _writes(rauthy_emulator) == writes
    # Listing the admin (no field managed) lets the rest of the prune go.
    path.write_text(
        path.read_text(encoding="utf-8") + "  - email: root@example.com\n", encoding="utf-8"
    )
    everything = run("apply", str(path), "--no-publish")
    outputs.append(everything.output)
    assert everything.exit_code == 0, everything.output
    left = sorted(r["email"] for r in c.users.list())
    assert left == ["ada@example.com", "root@example.com"]

    for text in outputs:
        assert PASSWORD not in text
    assert PASSWORD not in str(rauthy_emulator.requests)


def _writes(emulator: RauthyEmulator) -> int:
    return sum(emulator.request_count(m) for m in ("POST", "PUT", "PATCH", "DELETE"))


def test_taking_rauthy_admin_from_the_last_admin_is_refused_by_plan_and_apply(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    rauthy_emulator.add_user("root@example.com", ["rauthy_admin", "admin"])
    writes = _writes(rauthy_emulator)
    for body, why in (
        ("    roles: [admin]\n", "root@example.com loses rauthy_admin"),
        ("    enabled: false\n", "root@example.com is disabled"),
    ):
        path = write("users:\n  - email: Root@Example.com\n" + body)
        for command in ("plan", "apply"):
            result = (
                run(command, str(path), "--no-publish")
                if command == "apply"
                else run(command, str(path))
            )
            assert result.exit_code == 1, result.output
            assert why in result.stderr and "Nothing was changed" in result.stderr
    assert _writes(rauthy_emulator) == writes
    root = c.users.get("root@example.com")
    assert root is not None and root["enabled"] is True
    assert sorted(root["roles"]) == ["admin", "rauthy_admin"]


def test_json_plan_and_apply_never_carry_the_password(
    run: Run, write: Write, monkeypatch: pytest.MonkeyPatch, rauthy_emulator: RauthyEmulator
) -> None:
    monkeypatch.setenv("ADA_PASSWORD", PASSWORD)
    path = str(write(INSTANCE))
    planned = run("plan", path, "-o", "json")
    body = json.loads(planned.output)
    assert list(body["kinds"])[-2:] == ["password_policy", "users"]
    assert body["kinds"]["password_policy"]["items"][0]["action"] == "assert"
    applied = run("apply", path, "--no-publish", "-o", "json")
    assert applied.exit_code == 0, applied.output
    for text in (planned.output, applied.output, planned.stderr, applied.stderr):
        assert PASSWORD not in text


def test_bad_user_entries_are_named_before_any_request(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOPE_PASSWORD", raising=False)
    path = write(
        "users:\n"
        "  - email: a@b.io\n"
        "    initial_password: Literal-Secret-9\n"
        "  - email: d@b.io\n"
        "  - email: D@B.io\n"
        "  - email: c@b.io\n"
        "    language: xx\n"
        "    initial_password: {env: NOPE_PASSWORD}\n"
    )
    before = rauthy_emulator.request_count()
    result = run("plan", str(path))
    assert result.exit_code == 1
    text = result.output + result.stderr
    assert "Literal-Secret-9" not in text
    assert "never a literal" in text
    assert "duplicate e-mail" in text and "language: must be one of" in text
    assert "NOPE_PASSWORD is not set" in text
    wrong = run("plan", str(write("prune: {users: sometimes}\nusers: []\n")))
    assert "prune.users: expected one of true, false, managed, all" in wrong.output + wrong.stderr
    assert rauthy_emulator.request_count() == before


def test_unknown_role_reference_is_a_problem(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    path = write("users:\n  - email: a@b.io\n    roles: [nope_role]\n")
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert "role 'nope_role' does not exist" in result.output + result.stderr
    assert rauthy_emulator.mails == []


def test_example_file_plans(tmp_path: Path) -> None:
    with RauthyEmulator(version="0.36") as emulator:  # the example has API keys
        _example_plans(emulator, tmp_path)


def _example_plans(rauthy_emulator: RauthyEmulator, tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "examples" / "rauthy.yaml"
    secret = tmp_path / "ada.pw"
    secret.write_text("Example-Passw0rd-Xyz\n", encoding="utf-8")
    env = {
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
        "ADA_PASSWORD": "Example-Passw0rd-Xyz",
        "GOOGLE_CLIENT_SECRET": "Example-Google-Secret-Xyz",
    }
    result = CliRunner().invoke(main, ["rauthy", "plan", str(example)], env=env)
    assert result.exit_code == 2, result.output
    assert "ada@example.com" in result.output


def test_export_of_users_plans_as_no_changes(
    rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    from assay_py.rauthy.declarative.export import export_instance

    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"], ["admin"])
    c.users.create({"email": "ada@example.com", "given_name": "Ada", "email_verified": True})
    exported = export_instance(c, ["users"])
    users = exported.document["users"]
    assert [u["email"] for u in users] == ["ada@example.com", "root@example.com"]
    assert all("password" not in str(u) for u in users)
    assert not c.plan(exported.document).has_changes


VALUES = """\
version: 1
user_attributes:
  - name: dept
  - name: level
users:
  - email: ada@example.com
    attributes: {dept: finance, level: 3}
"""


def test_attribute_values_plan_apply_converge_and_export(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    from assay_py.rauthy.declarative.export import export_instance

    rauthy_emulator.add_user("root@example.com", ["rauthy_admin"])
    path = write(VALUES)
    planned = run("plan", str(path))
    assert planned.exit_code == 2, planned.output
    assert "attributes.dept" in planned.output and "finance" in planned.output
    applied = run("apply", str(path), "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert rauthy_emulator.user_attrs("ada@example.com") == {
        "assay_managed": True,
        "dept": "finance",
        "level": 3,
    }
    again = run("plan", str(path))
    assert again.exit_code == 0, again.output
    # One GET of values for the one user that states them, none for the admin.
    assert json.loads(run("plan", str(path), "-o", "json").output)["kinds"]["users"]["reads"] == 4

    path.write_text(VALUES.replace("level: 3", "level: null").replace("finance", "ops"), "utf-8")
    changed = run("plan", str(path), "-o", "json")
    (item,) = [i for i in json.loads(changed.output)["kinds"]["users"]["items"]]
    assert item["action"] == "put" and item["drift"] == ["attributes.dept", "attributes.level"]
    assert run("apply", str(path), "--no-publish").exit_code == 0
    assert rauthy_emulator.user_attrs("ada@example.com") == {"assay_managed": True, "dept": "ops"}
    assert rauthy_emulator.request_count("PATCH") == 0  # values have their own route

    exported = export_instance(c, ["user_attributes", "users"])
    ada = next(u for u in exported.document["users"] if u["email"] == "ada@example.com")
    assert ada["attributes"] == {"dept": "ops"}  # never the marker
    assert not c.plan(exported.document).has_changes


def test_values_for_an_attribute_neither_in_the_file_nor_live_are_a_problem(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    path = write(
        "user_attributes:\n  - name: dept\n"
        "users:\n  - email: a@b.io\n    attributes: {dept: x, nope: 1, gone: null}\n"
    )
    writes = _writes(rauthy_emulator)
    result = run("plan", str(path))
    assert result.exit_code == 1, result.output
    text = result.output + result.stderr
    assert "user attribute 'nope' does not exist in the file or live" in text
    assert "'dept'" not in text and "'gone'" not in text
    assert _writes(rauthy_emulator) == writes and rauthy_emulator.mails == []
    marker = write("users:\n  - email: a@b.io\n    attributes: {assay_managed: false}\n")
    refused = run("plan", str(marker))
    assert "attributes.assay_managed" in refused.output + refused.stderr
