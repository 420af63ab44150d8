"""Hostile clients files: deep nesting, alias bombs, cycles and keys given twice.

Each used to crash (a RecursionError traceback), exhaust memory (a 678-byte alias bomb took
48 s and 1.5 GB before a MemoryError) or silently take the last of two values. Each must be
one clear problem naming the entry, its id, the field and the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assay_py.cli import main
from assay_py.rauthy.declarative import ClientsFileError, load_clients_file, parse_entries

Write = Callable[[str, str], Path]

HEAD = "- id: first\n  confidential: true\n  redirect_uris: []\n"
ENTRY = "- id: evil\n  confidential: true\n  redirect_uris: []\n"


def billion_laughs() -> str:
    """A 9-level alias bomb as ``claims`` of the second entry (line 7): 9**9 values."""
    lines = ["    x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"    x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return HEAD + ENTRY + "  claims:\n" + "\n".join(lines) + "\n"


def only_problem(path: Path) -> Any:
    with pytest.raises(ClientsFileError) as info:
        load_clients_file(path)
    assert len(info.value.problems) == 1, info.value
    return info.value.problems[0]


def test_the_alias_bomb_is_one_problem_naming_entry_and_field(write: Write) -> None:
    text = billion_laughs()
    assert len(text) < 700
    problem = only_problem(write("bomb.yaml", text))
    assert (problem.entry, problem.client_id, problem.field, problem.line) == (
        2,
        "evil",
        "claims",
        7,
    )
    assert "YAML aliases" in problem.rule


def test_an_alias_bomb_spread_over_many_entries_is_refused(write: Write) -> None:
    # Each entry stays under the per-field cap; together they would be 13 million values.
    lines = ["- id: base0", "  confidential: true", "  redirect_uris: []"]
    lines.append("  claims: &c {a: &a0 [x, x, x, x, x, x, x, x, x, x]}")
    for i in range(1, 3):
        lines.append(f"  x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    for n in range(1, 12000):
        lines.append(f"- {{id: e{n}, confidential: true, redirect_uris: [], claims: {{a: *a2}}}}")
    with pytest.raises(ClientsFileError) as info:
        load_clients_file(write("spread.yaml", "\n".join(lines) + "\n"))
    last = info.value.problems[-1]
    assert "expand the file to more than" in last.rule
    assert last.entry is not None and last.entry < 12000


def test_a_cyclic_alias_is_a_problem(write: Write) -> None:
    problem = only_problem(write("cycle.yaml", ENTRY + "  claims: &c {a: [*c]}\n"))
    assert (problem.entry, problem.field) == (1, "claims")
    assert "contains itself" in problem.rule


@pytest.mark.parametrize("levels", [20_000, 900, 40])
def test_deep_yaml_nesting_names_entry_and_field(write: Write, levels: int) -> None:
    text = HEAD + ENTRY + "  claims: " + "[" * levels + "]" * levels + "\n"
    problem = only_problem(write("deep.yaml", text))
    assert (problem.entry, problem.client_id, problem.field, problem.line) == (
        2,
        "evil",
        "claims",
        7,
    )
    assert problem.rule == "nested deeper than 32 levels"


def test_deep_block_nesting_under_a_clients_key(write: Write) -> None:
    nested = "".join("  " * (i + 3) + "- \n" for i in range(2000))
    text = "clients:\n" + "".join("  " + line + "\n" for line in ENTRY.splitlines())
    text += "    claims:\n      a:\n" + nested
    problem = only_problem(write("deep.yaml", text))
    assert (problem.entry, problem.client_id, problem.field) == (1, "evil", "claims")


@pytest.mark.parametrize("levels", [20_000, 500])
def test_deep_json_nesting_names_entry_and_field(write: Write, levels: int) -> None:
    first = {"id": "first", "confidential": True, "redirect_uris": []}
    evil = json.dumps({"id": "evil", "confidential": True, "redirect_uris": []})
    evil = evil[:-1] + ', "claims": {"a": ' + "[" * levels + "]" * levels + "}}"
    text = "[\n" + json.dumps(first) + ",\n" + evil + "\n]\n"
    problem = only_problem(write("deep.json", text))
    assert (problem.entry, problem.client_id, problem.field, problem.line) == (
        2,
        "evil",
        "claims",
        3,
    )


def test_entries_from_code_are_measured_too() -> None:
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"a": deep}
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    entries = [
        {"id": "deep", "confidential": True, "redirect_uris": [], "claims": deep},
        {"id": "cyclic", "confidential": True, "redirect_uris": cyclic},
    ]
    with pytest.raises(ClientsFileError) as info:
        parse_entries(entries)
    found = [(p.entry, p.field, p.rule) for p in info.value.problems]
    assert found == [
        (1, "claims", "nested deeper than 32 levels"),
        (2, "redirect_uris", "contains itself (a YAML alias to one of its own parents)"),
    ]


def test_aliases_within_reason_still_load(write: Write) -> None:
    text = "- &base {id: aa, confidential: true, redirect_uris: &uris [https://a.example.com/cb]}\n"
    text += "".join(f"- {{<<: *base, id: b{n}, redirect_uris: *uris}}\n" for n in range(200))
    entries = load_clients_file(write("ok.yaml", text))
    assert len(entries) == 201
    assert entries[-1].payload["redirect_uris"] == ["https://a.example.com/cb"]
    # Each entry has its own copy: changing one payload leaves the others alone.
    entries[1].payload["redirect_uris"].append("https://x.example.com/cb")
    assert entries[2].payload["redirect_uris"] == ["https://a.example.com/cb"]


# --- keys given twice --------------------------------------------------------------------


def test_a_yaml_key_given_twice_is_a_problem_with_its_line(write: Write) -> None:
    text = HEAD + "- id: app\n  confidential: true\n  redirect_uris: []\n  confidential: false\n"
    problem = only_problem(write("dup.yaml", text))
    assert (problem.entry, problem.client_id, problem.field, problem.line) == (
        2,
        "app",
        "confidential",
        7,
    )
    assert "given twice" in problem.rule


def test_yaml_duplicates_inside_fields_and_overrides(write: Write) -> None:
    text = (
        "- preset: openbao\n  host: bao.example.com\n  overrides:\n"
        "    access_token_lifetime: 900\n    access_token_lifetime: 60\n"
        "- id: app\n  confidential: true\n  redirect_uris: []\n  claims: {a: 1, a: 2}\n"
    )
    with pytest.raises(ClientsFileError) as info:
        load_clients_file(write("dup.yaml", text))
    found = [(p.entry, p.field, p.line) for p in info.value.problems]
    assert found == [(1, "overrides.access_token_lifetime", 5), (2, "claims.a", 9)]


def test_merge_keys_are_not_duplicates(write: Write) -> None:
    text = "- &base {id: aa, confidential: true, redirect_uris: []}\n"
    text += "- {<<: *base, id: bb, confidential: false}\n"
    entries = load_clients_file(write("merge.yaml", text))
    assert entries[1].payload["confidential"] is False


def test_a_json_key_given_twice_is_a_problem_with_its_line(write: Write) -> None:
    text = (
        '[\n  {"id": "first", "confidential": true, "redirect_uris": []},\n'
        '  {"id": "app",\n   "confidential": true,\n   "redirect_uris": [],\n'
        '   "confidential": false}\n]\n'
    )
    problem = only_problem(write("dup.json", text))
    assert (problem.entry, problem.client_id, problem.field, problem.line) == (
        2,
        "app",
        "confidential",
        6,
    )


def test_json_duplicates_inside_a_field(write: Write) -> None:
    text = '[{"id": "app", "confidential": true, "redirect_uris": [], "claims": {"a": 1, "a": 2}}]'
    problem = only_problem(write("dup.json", text))
    assert (problem.entry, problem.field, problem.line) == (1, "claims.a", 1)


# --- through the command -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name,text",
    [
        ("bomb.yaml", billion_laughs()),
        ("deep.yaml", ENTRY + "  claims: " + "[" * 20000 + "\n"),
        ("deep.json", '[{"id": "x", "claims": ' + "[" * 20000 + "}]"),
    ],
)
def test_the_command_prints_one_clear_error(write: Write, name: str, text: str) -> None:
    path = str(write(name, text))
    result = CliRunner().invoke(main, ["rauthy", "plan", path], env={"RAUTHY_URL": None})
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    assert "1 problem:" in result.output
    assert "claims:" in result.output


# --- the whole-instance file (a mapping of kinds) reads through the same guards ------------


def _plan(path: Path) -> Any:
    return CliRunner().invoke(main, ["rauthy", "plan", str(path)], env={"RAUTHY_URL": None})


def test_an_alias_bomb_in_another_kind_is_one_problem(write: Write) -> None:
    lines = ["scopes:", "  - name: evil", "    attr_include_access:"]
    lines.append("      x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    lines += [f"      x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    result = _plan(write("instance.yaml", "\n".join(lines) + "\n"))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "instance.yaml:3: scopes[1] 'evil': attr_include_access: holds more than" in (
        result.output
    )


def test_deep_nesting_in_another_kind_names_kind_entry_and_field(write: Write) -> None:
    result = _plan(write("instance.yaml", "roles:\n  - name: x\n    extra: " + "[" * 20000))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "instance.yaml:3: roles[1] 'x': extra: nested deeper than 32 levels" in result.output


def test_keys_given_twice_in_an_instance_json_file(write: Write) -> None:
    text = '{"roles": [{"name": "a",\n "name": "b"}],\n "clients": [{"id": "xx",\n "id": "yy"}]}'
    result = _plan(write("instance.json", text))
    assert result.exit_code == 1
    assert "instance.json:2: roles[1] 'b': name: key given twice" in result.output
    assert "instance.json:4: clients[1] 'yy': id: key given twice" in result.output


# --- values Python reads but JSON or Rauthy would not take --------------------------------


@pytest.mark.parametrize("name", ["big.json", "big.yaml"])
def test_an_integer_too_long_for_python_is_one_problem(write: Write, name: str) -> None:
    # json.loads raised a bare ValueError here (a traceback through the command).
    entry = {"id": "aa", "confidential": True, "redirect_uris": []}
    text = json.dumps([entry])[:-2] + ', "access_token_lifetime": ' + "9" * 100_000 + "}]"
    problem = only_problem(write(name, text))
    assert problem.rule.endswith("an integer with more than 4300 digits")


@pytest.mark.parametrize(
    ("claims", "rule"),
    [
        ("{a: .inf}", "must be JSON: objects, lists, text, finite numbers"),
        ("{a: .nan}", "must be JSON: objects, lists, text, finite numbers"),
    ],
)
def test_claims_that_are_not_json_are_refused(write: Write, claims: str, rule: str) -> None:
    # NaN and infinity went out as bare NaN/Infinity, a lone surrogate as \ud800: Rauthy's
    # JSON reader refuses both, after the create had been planned.
    problem = only_problem(write("claims.yaml", ENTRY + f"  claims: {claims}\n"))
    assert (problem.field, problem.line) == ("claims", 4)
    assert problem.rule.startswith(rule)


def test_a_lone_surrogate_in_json_claims_is_refused(write: Write) -> None:
    text = '[{"id": "aa", "confidential": true, "redirect_uris": [],\n "claims": {"a": "\\ud800"}}]'
    problem = only_problem(write("claims.json", text))
    # libyaml, which finds key lines in JSON, refuses the escape too: the entry's line it is.
    assert (problem.field, problem.line) == ("claims", 1)
    assert problem.rule.startswith("must be valid Unicode text")


def test_astral_characters_in_claims_are_fine(write: Write) -> None:
    entries = load_clients_file(write("ok.yaml", ENTRY + '  claims: {team: "\\U0001F680"}\n'))
    assert entries[0].payload["claims"] == {"team": "\U0001f680"}
