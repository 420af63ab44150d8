"""Deleting a role, a group or an attribute that users hold: the plan names each user it
touches, whether or not the file manages users."""

from __future__ import annotations

import json

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator

from .conftest import Run, Write

PRUNE_ALL = """\
prune: {roles: true, groups: true, user_attributes: true}
roles: [{name: keep}]
groups: [{name: crew}]
user_attributes: [{name: level}]
"""


def _seed(emu: RauthyEmulator, c: rauthy.RauthyClient) -> None:
    for role in ("keep", "old"):
        c.roles.create({"name": role})
    for group in ("crew", "team"):
        c.groups.create({"name": group})
    for name in ("dept", "level"):
        c.attributes.create({"name": name})
    emu.add_user("root@example.com", ["rauthy_admin", "old"], ["team"])
    c.users.create({"email": "ada@example.com", "roles": ["keep"], "attributes": {"dept": "x"}})
    c.users.create({"email": "bob@example.com", "roles": ["old"], "attributes": {"level": 2}})


def _effects(plan_json: str, kind: str, name: str) -> list[str]:
    items = json.loads(plan_json)["kinds"][kind]["items"]
    (item,) = [i for i in items if i["name"] == name]
    assert item["action"] == "delete"
    effects: list[str] = item["side_effects"]
    return effects


def test_deletes_name_the_users_losing_a_role_a_group_or_an_attribute_value(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    _seed(rauthy_emulator, c)
    path = write(PRUNE_ALL)
    planned = run("plan", str(path), "-o", "json")
    assert planned.exit_code == 2, planned.output

    old = _effects(planned.output, "roles", "old")
    assert "user 'root@example.com' loses role 'old'" in old
    assert "user 'bob@example.com' loses role 'old'" in old
    assert not any("ada@example.com" in e for e in old)
    team = _effects(planned.output, "groups", "team")
    assert "user 'root@example.com' loses group 'team'" in team
    assert not any("bob@example.com" in e for e in team)
    dept = _effects(planned.output, "user_attributes", "dept")
    assert "user 'ada@example.com' loses its value of user attribute 'dept'" in dept
    assert not any("bob@example.com" in e or "root@example.com" in e for e in dept)
    # the values of every user are read once, for the attribute delete
    attr_reads = sum(
        rauthy_emulator.request_count("GET", f"/auth/v1/users/{u['id']}/attr")
        for u in c.users.list()
    )
    assert attr_reads == 3

    text = run("plan", str(path))
    assert "user 'ada@example.com' loses its value of user attribute 'dept'" in text.output

    applied = run("apply", str(path), "--no-publish")
    assert applied.exit_code == 0, applied.output
    assert rauthy_emulator.user_attrs("ada@example.com") == {"assay_managed": True}
    assert rauthy_emulator.user_attrs("bob@example.com") == {"assay_managed": True, "level": 2}
    assert rauthy_emulator.user_memberships("root@example.com") == {
        "roles": ["rauthy_admin"],
        "groups": [],
    }


def test_a_rename_by_create_and_delete_says_the_values_are_not_carried(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    c.attributes.create({"name": "dept"})
    c.users.create({"email": "ada@example.com", "attributes": {"dept": "x"}})
    path = write("user_attributes:\n  - name: unit\n    renamed_from: dept\n")
    planned = run("plan", str(path), "-o", "json")
    assert planned.exit_code == 2, planned.output
    (effect,) = [e for e in _effects(planned.output, "user_attributes", "dept") if "ada" in e]
    assert effect == (
        "user 'ada@example.com' loses its value of user attribute 'dept'"
        " (not carried to 'unit'; rename: in_place keeps it)"
    )
    nothing = run("plan", str(write("user_attributes:\n  - name: dept\n")), "-o", "json")
    assert nothing.exit_code == 0, nothing.output
