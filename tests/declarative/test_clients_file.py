"""Loading and validating clients files: presets, overrides, and problems with positions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assay_py.rauthy import client_presets
from assay_py.rauthy.declarative import ClientsFileError, load_clients_file, parse_entries

Write = Callable[[str, str], Path]

GOOD_YAML = """\
# two presets and a full payload
- preset: openbao
  host: openbao.example.com
- preset: argocd
  host: argocd.example.com
  id: argocd-prod
  name: ArgoCD Prod
  overrides:
    access_token_lifetime: 900
    challenges: null
- id: grafana
  name: Grafana
  confidential: true
  redirect_uris: [https://grafana.example.com/login/generic_oauth]
"""


def test_yaml_file_expands_presets_and_overrides(write: Write) -> None:
    entries = load_clients_file(write("clients.yaml", GOOD_YAML))

    assert [e.id for e in entries] == ["openbao", "argocd-prod", "grafana"]
    assert entries[0].payload == client_presets.get("openbao")({"host": "openbao.example.com"})
    argocd = entries[1].payload
    expected = client_presets.get("argocd")(
        {"host": "argocd.example.com", "id": "argocd-prod", "name": "ArgoCD Prod"}
    )
    assert argocd == {**expected, "access_token_lifetime": 900, "challenges": None}
    assert entries[1].preset == "argocd" and entries[2].preset is None
    assert entries[2].payload["redirect_uris"] == [
        "https://grafana.example.com/login/generic_oauth"
    ]
    assert [e.line for e in entries] == [2, 4, 11]
    assert [e.index for e in entries] == [1, 2, 3]


def test_json_file_gives_the_same_entries(write: Write) -> None:
    import yaml

    data = yaml.safe_load(GOOD_YAML)
    from_json = load_clients_file(write("clients.json", json.dumps(data, indent=2)))
    from_yaml = load_clients_file(write("clients.yaml", GOOD_YAML))

    assert [(e.id, e.payload) for e in from_json] == [(e.id, e.payload) for e in from_yaml]
    assert all(e.line is not None for e in from_json)


def test_a_clients_key_at_the_top_is_accepted(write: Write) -> None:
    text = "clients:\n  - preset: outline\n    host: o.example.com\n"
    entries = load_clients_file(write("c.yaml", text))
    assert [e.id for e in entries] == ["outline"]


def test_every_problem_is_reported_with_entry_field_and_line(write: Write) -> None:
    text = """\
- id: good
  confidential: true
  redirect_uris: [https://good.example.com/cb]
- id: typo
  confidential: true
  redirect_uri: [https://typo.example.com/cb]
- preset: openbao
  hots: openbao.example.com
- preset: nope
  host: x.example.com
- id: lifetimes
  confidential: false
  redirect_uris: []
  access_token_lifetime: 5
- preset: argocd
  host: argocd.example.com
  overrides:
    auth_code_lifetime: 9999
- id: good
  confidential: false
  redirect_uris: []
- just a string
"""
    path = write("clients.yaml", text)
    with pytest.raises(ClientsFileError) as caught:
        load_clients_file(path)

    found = {(p.entry, p.field, p.line) for p in caught.value.problems}
    assert (2, "redirect_uri", 6) in found  # the unknown field, on its own line
    assert (2, "redirect_uris", 4) in found  # required: points at the entry
    assert (3, "host", 7) in found  # the preset option missing
    assert (4, "preset", 9) in found
    assert (5, "access_token_lifetime", 14) in found
    assert (6, "auth_code_lifetime", 18) in found  # inside overrides
    assert (7, "id", 19) in found  # duplicate of entry 1
    assert any(p.entry == 8 and p.line == 22 for p in caught.value.problems)
    assert all(p.entry != 1 for p in caught.value.problems)

    message = str(caught.value)
    assert f"{path}:6: entry 2 (id 'typo'): redirect_uri:" in message
    assert "did you mean 'redirect_uris'" in message
    assert "duplicate id, first used by entry 1" in message
    assert "unknown preset 'nope'" in message


def test_problems_double_as_validation_violations(write: Write) -> None:
    path = write("c.yaml", "- id: x1\n  confidential: maybe\n  redirect_uris: []\n")
    with pytest.raises(ClientsFileError) as caught:
        load_clients_file(path)
    assert [field for field, _ in caught.value.violations] == ["[1].confidential"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "empty; expected a list of clients"),
        ("id: lonely\n", "expected a list of clients, got a mapping"),
        ("- [1, 2]\n", "expected a mapping (a client), got a list"),
        ("- preset: openbao\n  host: o.example.com\n  overrides: [1]\n", "expected a mapping"),
        ("- id: x1\n  confidential: true\n  redirect_uris: []\n  overrides: {}\n", "only allowed"),
        ("- preset: openbao\n  host: o.example.com\n  overrides: {id: x2}\n", "not in overrides"),
    ],
)
def test_shape_problems(write: Write, text: str, rule: str) -> None:
    with pytest.raises(ClientsFileError) as caught:
        load_clients_file(write("c.yaml", text))
    assert rule in str(caught.value)


def test_yaml_syntax_error_names_the_line(write: Write) -> None:
    path = write("c.yaml", "- id: a\n  redirect_uris: [unclosed\n- id: b\n")
    with pytest.raises(ClientsFileError) as caught:
        load_clients_file(path)
    (problem,) = caught.value.problems
    assert problem.rule.startswith("invalid YAML")
    assert problem.line is not None and problem.line >= 2


def test_json_syntax_error_names_the_line(write: Write) -> None:
    path = write("c.json", '[\n  {"id": "a",\n   "confidential": true,,\n  }\n]')
    with pytest.raises(ClientsFileError) as caught:
        load_clients_file(path)
    (problem,) = caught.value.problems
    assert problem.rule.startswith("invalid JSON") and problem.line == 3


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClientsFileError, match="cannot read file"):
        load_clients_file(tmp_path / "absent.yaml")


def test_parse_entries_takes_mappings_from_code() -> None:
    entries = parse_entries(
        [
            {"preset": "outline", "host": "wiki.example.com"},
            {"id": "cli", "confidential": False, "redirect_uris": ["http://localhost:1/cb"]},
        ]
    )
    assert [e.id for e in entries] == ["outline", "cli"]
    assert entries[0].line is None and entries[0].source is None
    # Entries already parsed pass through unchanged.
    assert parse_entries(entries) == entries


def test_entries_are_independent_of_the_input() -> None:
    raw = {"id": "cli", "confidential": False, "redirect_uris": ["http://localhost:1/cb"]}
    (entry,) = parse_entries([raw])
    raw["redirect_uris"].append("http://evil.example.com/cb")  # type: ignore[attr-defined]
    assert entry.payload["redirect_uris"] == ["http://localhost:1/cb"]
