"""``assay-py rauthy plan|apply`` on whole-instance files, end to end against the emulator."""

from __future__ import annotations

import json

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator

from .conftest import Run, Write

INSTANCE = """\
version: 1
user_attributes:
  - name: department
    desc: org unit
scopes:
  - name: read:billing
    attr_include_access: [department]
    attr_include_id: [department]
roles:
  - name: billing_admin
    meta: {owner: finance}
groups:
  - name: finance
clients:
  - id: reports
    name: Reports
    confidential: true
    redirect_uris: [https://reports.example.com/oidc/callback]
    scopes: [openid, email, read:billing]
"""


def test_apply_then_plan_has_no_changes_with_one_request_per_kind(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    path = str(write(INSTANCE))
    planned = run("plan", path)
    assert planned.exit_code == 2, planned.output
    assert "scopes:\n  + read:billing  (create)" in planned.output
    applied = run("apply", path, "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert "Apply: 5 created." in applied.output
    assert c.scopes.get("read:billing")["attr_include_id"] == ["department"]  # type: ignore[index]
    assert set(c.clients.get("reports")["scopes"]) == {"openid", "email", "read:billing"}  # type: ignore[index]

    before = rauthy_emulator.request_count()
    again = run("plan", path)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("No changes:")
    assert rauthy_emulator.request_count() - before == 5  # one list per managed kind


def test_json_plan_groups_by_kind(run: Run, write: Write) -> None:
    result = run("plan", str(write(INSTANCE)), "-o", "json")
    assert result.exit_code == 2
    body = json.loads(result.output)
    assert list(body["kinds"]) == ["user_attributes", "scopes", "roles", "groups", "clients"]
    assert body["kinds"]["scopes"]["items"][0]["action"] == "create"
    assert body["missing_rights"] == []


def test_prune_deletes_custom_items_but_never_built_ins(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.scopes.create({"name": "old:scope"})
    c.roles.create({"name": "old-role"})
    c.groups.create({"name": "old-group"})
    c.clients.create(
        {"id": "stale", "confidential": False, "redirect_uris": ["https://s.example.com/cb"]}
    )
    text = INSTANCE.replace(
        "version: 1\n",
        "version: 1\nprune: {scopes: true, roles: true, groups: true, clients: true}\n",
    )
    path = str(write(text))
    planned = run("plan", path)
    assert planned.exit_code == 2
    assert "  - old:scope  (delete: absent from the file (prune scopes))" in planned.output
    assert "  - old-role  (delete" in planned.output and "  - stale  (delete" in planned.output
    for name in ("openid", "email", "profile", "groups", "address", "phone", "rauthy_admin"):
        assert f"- {name}  (delete" not in planned.output
    applied = run("apply", path, "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert {s["name"] for s in c.scopes.list()} == {
        "email",
        "openid",
        "profile",
        "groups",
        "address",
        "phone",
        "read:billing",
    }
    # admin and user are Rauthy's but not protected: prune removes them, never rauthy_admin
    assert {r["name"] for r in c.roles.list()} == {"rauthy_admin", "billing_admin"}
    assert {g["name"] for g in c.groups.list()} == {"finance"}
    assert {x["id"] for x in c.clients.list()} == {"rauthy", "reports"}
    assert run("plan", path).exit_code == 0


def test_delete_side_effects_name_the_clients(
    run: Run, write: Write, c: rauthy.RauthyClient
) -> None:
    c.scopes.create({"name": "legacy"})
    c.clients.create(
        {"id": "app1", "confidential": False, "redirect_uris": ["https://a.example.com/cb"]}
    )
    live = c.clients.get("app1")
    c.clients.put("app1", {**live, "scopes": ["openid", "legacy"]})  # type: ignore[dict-item]
    text = "prune: {scopes: true}\nscopes: []\n"
    result = run("plan", str(write(text)))
    assert result.exit_code == 2
    assert "side effect: client 'app1' loses scope 'legacy'" in result.output


def test_rename_does_not_corrupt_a_name_that_contains_it(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    base = """\
scopes:
  - name: read
  - name: read_all
clients:
  - id: app1
    confidential: false
    redirect_uris: [https://a.example.com/cb]
    scopes: [openid, read, read_all]
  - id: app2
    confidential: false
    redirect_uris: [https://b.example.com/cb]
    scopes: [openid, read_all]
"""
    assert run("apply", str(write(base)), "--no-publish").exit_code == 0
    # a client the file does not manage also holds both
    c.clients.create(
        {"id": "other", "confidential": False, "redirect_uris": ["https://o.example.com/cb"]}
    )
    c.clients.put("other", {**c.clients.get("other"), "scopes": ["openid", "read", "read_all"]})  # type: ignore[dict-item]
    renamed = base.replace(
        "  - name: read\n", "  - name: reader\n    renamed_from: read\n"
    ).replace("[openid, read, read_all]", "[openid, reader, read_all]")
    path = str(write(renamed))
    planned = run("plan", path)
    assert planned.exit_code == 2, planned.output
    assert "+ reader  (create: renamed from 'read')" in planned.output
    assert "- read  (delete: renamed to 'reader')" in planned.output
    applied = run("apply", path, "--no-publish")
    assert applied.exit_code == 0, applied.output
    scopes = {s["name"] for s in c.scopes.list()}
    assert "read" not in scopes and {"reader", "read_all"} <= scopes
    assert set(c.clients.get("app1")["scopes"]) == {"openid", "reader", "read_all"}  # type: ignore[index]
    assert set(c.clients.get("app2")["scopes"]) == {"openid", "read_all"}  # type: ignore[index]
    assert set(c.clients.get("other")["scopes"]) == {"openid", "reader", "read_all"}  # type: ignore[index]
    assert run("plan", path).exit_code == 0


def test_attribute_prune_re_asserts_scope_mappings(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    text = """\
user_attributes: [{name: dept}, {name: dept_code}]
scopes: [{name: org, attr_include_access: [dept_code]}]
"""
    assert run("apply", str(write(text)), "--no-publish").exit_code == 0
    pruned = "prune: {user_attributes: true}\n" + text.replace("{name: dept}, ", "")
    applied = run("apply", str(write(pruned)), "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert "re-asserted" in applied.output
    assert c.scopes.get("org")["attr_include_access"] == ["dept_code"]  # type: ignore[index]
    assert rauthy_emulator.stored_scope("org")["attr_include_access"] == "dept_code"  # type: ignore[index]


def test_a_key_without_the_rights_changes_nothing(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    key = rauthy_emulator.add_api_key(
        "narrow",
        {
            "Scopes": ["read", "create"],
            "UserAttributes": ["read", "create"],
            "Roles": ["read"],
            "Groups": ["read"],
            "Clients": ["read"],
        },
    )
    path = str(write(INSTANCE))
    planned = run("plan", path, key=key)
    assert planned.exit_code == 1
    assert (
        "lacks Clients / create, Clients / update, Groups / create, Roles / create, Secrets / read"
        in planned.output
    )
    applied = run("apply", path, "--no-publish", key=key)
    assert applied.exit_code == 1
    assert "nothing was changed" in applied.output
    assert c.scopes.get("read:billing") is None and c.attributes.get("department") is None


def test_references_are_checked_before_anything_is_sent(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    text = """\
scopes:
  - name: read:billing
    attr_include_access: [department]
clients:
  - id: reports
    confidential: false
    redirect_uris: [https://r.example.com/cb]
    scopes: [openid, write:billing]
"""
    before = rauthy_emulator.request_count("POST") + rauthy_emulator.request_count("PUT")
    result = run("apply", str(write(text)), "--no-publish")
    assert result.exit_code == 1
    assert (
        "rauthy.yaml:3: scopes[1] 'read:billing': attr_include_access:"
        " user attribute 'department' does not exist live" in result.output
    )
    assert (
        "rauthy.yaml:8: clients[1] 'reports': scopes:"
        " scope 'write:billing' does not exist in the file or live" in result.output
    )
    assert rauthy_emulator.request_count("POST") + rauthy_emulator.request_count("PUT") == before


def test_bad_entries_name_kind_entry_field_and_line(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    text = """\
roles:
  - name: ok-role
  - name: x,rauthy_admin
groups:
  - name: fin.team
scopes:
  - name: profile
    attr_include_id: [dept]
colors: []
"""
    result = run("plan", str(write(text)), "-o", "json")
    assert result.exit_code == 1
    assert "unknown key 'colors'" in result.output
    assert rauthy_emulator.request_count() == 0
    fixed = text.replace("colors: []\n", "")
    result = run("plan", str(write(fixed)), "-o", "json")
    problems = json.loads(result.output.split("\nerror:")[0])["problems"]
    assert {(p["kind"], p["entry"], p["field"], p["line"]) for p in problems} >= {
        ("roles", 2, "name", 3),
        ("groups", 1, "name", 5),
        ("scopes", 1, "attr_include_id", 8),
    }
    assert rauthy_emulator.request_count() == 0


def test_a_bare_list_is_still_the_clients_file(run: Run, write: Write) -> None:
    text = "- id: tool\n  confidential: false\n  redirect_uris: [https://t.example.com/cb]\n"
    result = run("plan", str(write(text)))
    assert result.exit_code == 2
    assert "Plan: 1 to create" in result.output  # the clients file's own report


def test_python_plan_and_apply(c: rauthy.RauthyClient) -> None:
    doc = {"roles": [{"name": "grafana-admin"}], "groups": [{"name": "grafana-viewers"}]}
    plan = c.plan(doc)
    assert plan.to_dict()["kinds"]["roles"]["items"][0]["action"] == "create"
    report = c.apply(plan)
    assert report.ok and report.to_dict()["kinds"]["groups"]["results"][0]["status"] == "ok"
    assert not c.plan(doc).has_changes


def test_a_failing_kind_stops_the_run_before_dependents_and_deletes(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.scopes.create({"name": "old:scope"})
    path = str(write("prune: {scopes: true}\n" + INSTANCE.replace("version: 1\n", "")))
    rauthy_emulator.faults.fail_next(1, status=500, method="POST", path="/roles")
    failed = run("apply", path, "--no-publish")
    assert failed.exit_code == 1, failed.output
    assert "roles: billing_admin: create FAILED" in failed.output
    assert "groups: skipped (an earlier kind failed)" in failed.output
    assert c.scopes.get("old:scope") is not None  # no deletes after a failure
    assert c.clients.get("reports") is None
    again = run("apply", path, "--no-publish")
    assert again.exit_code == 0, again.output
    assert c.scopes.get("old:scope") is None
    assert run("plan", path).exit_code == 0


def test_a_create_whose_answer_was_lost_is_recognised(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    path = str(write("groups: [{name: finance, meta: {cost_center: 42}}]\n"))
    rauthy_emulator.faults.drop_next(1, when="after", method="POST", path="/groups")
    applied = run("apply", path, "-o", "json")
    assert applied.exit_code == 0, applied.output
    body = json.loads(applied.output)
    assert body["kinds"]["groups"]["results"] == [
        {"name": "finance", "action": "create", "status": "ok", "attempts": 2}
    ]
    assert [g["name"] for g in c.groups.list()].count("finance") == 1
    assert run("plan", path).exit_code == 0


def test_in_place_rename_keeps_memberships_and_refuses_substring_clashes(
    run: Run, write: Write, c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.groups.create({"name": "finance"})
    c.roles.create({"name": "dev"})
    c.roles.create({"name": "devops"})
    rauthy_emulator.add_user("ada@example.com", roles=["devops"], groups=["finance"])
    text = "groups: [{name: finance-team, renamed_from: finance, rename: in_place}]\n"
    applied = run("apply", str(write(text)))
    assert applied.exit_code == 0, applied.output
    assert "Postgres" in applied.output
    assert rauthy_emulator.user_memberships("ada@example.com") == {
        "roles": ["devops"],
        "groups": ["finance-team"],
    }
    clash = "roles: [{name: engineer, renamed_from: dev, rename: in_place}]\n"
    refused = run("apply", str(write(clash)))
    assert refused.exit_code == 1
    assert "would also rewrite 'devops'" in refused.output
    assert rauthy_emulator.user_memberships("ada@example.com")["roles"] == ["devops"]  # type: ignore[index]
