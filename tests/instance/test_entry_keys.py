"""Every kind's list refuses two entries with one key, on the second entry's line, before any
request: the adapters share one reader (``declarative.adapter.KeyedList``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay_py.rauthy.declarative.instance_file import load_instance_file
from assay_py.rauthy.declarative.managed import managed_kinds

# kind: (the key field, a valid entry, its twin as the file may write it, the rule's start)
TWINS = {
    "scopes": ("name", "{name: backup}", "{name: backup}", "duplicate name"),
    "roles": ("name", "{name: ops}", "{name: ops}", "duplicate name"),
    "auth_providers": (
        "name",
        "{name: Corp, typ: github, client_id: corp, client_secret: {env: CORP_SECRET}}",
        "{name: Corp, typ: github, client_id: corp2, client_secret: {env: CORP_SECRET}}",
        "duplicate name",
    ),
    "users": ("email", "{email: Ann@Example.com}", "{email: ann@example.COM}", "duplicate e-mail"),
    "api_keys": (
        "name",
        "{name: ci, access: [{group: Clients, access_rights: [read]}]}",
        "{name: ci, access: [{group: Users, access_rights: [read]}]}",
        "duplicate name",
    ),
    "blacklist": (
        "ip",
        "{ip: '2001:db8::1', expires: '2030-01-01T00:00:00Z'}",
        "{ip: '2001:DB8:0::1', expires: '2031-01-01T00:00:00Z'}",
        "duplicate address",
    ),
    "branding": (
        "client_id",
        "{client_id: app, theme: {light: {text: [0, 0, 0]}}}",
        "{client_id: app, theme: {light: {text: [0, 0, 10]}}}",
        "duplicate client_id",
    ),
}


@pytest.mark.parametrize("key", sorted(TWINS))
def test_a_second_entry_with_the_same_key_is_a_problem_on_its_line(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORP_SECRET", "not-a-real-secret")
    field, first, twin, rule = TWINS[key]
    path = tmp_path / "instance.yaml"
    path.write_text(f"{key}:\n  - {first}\n  - {twin}\n", encoding="utf-8")
    adapter = next(k for k in managed_kinds() if k.key == key)
    doc = load_instance_file(path, [k.key for k in managed_kinds()])

    entries, problems = adapter.parse(doc.kinds[key], doc.marks[key], str(path))

    assert len(entries) == 1
    (problem,) = problems
    assert problem.rule.startswith(rule) and "first used by entry 1" in problem.rule
    assert (problem.kind, problem.entry, problem.field, problem.line) == (key, 2, field, 3)


def test_a_problem_inside_an_entry_is_placed_on_its_field_line(tmp_path: Path) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text("roles:\n  - name: ops\n  - name: 'bad name!'\n", encoding="utf-8")
    adapter = next(k for k in managed_kinds() if k.key == "roles")
    doc = load_instance_file(path, [k.key for k in managed_kinds()])

    entries, problems = adapter.parse(doc.kinds["roles"], doc.marks["roles"], str(path))

    assert [e["name"] for e in entries] == ["ops"]
    (problem,) = problems
    assert (problem.entry, problem.name, problem.field, problem.line) == (2, "bad name!", "name", 3)
