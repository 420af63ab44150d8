"""``plan -o json`` is a documented, versioned format (docs/plan-json.md): its output for a
fixed file on a fresh emulator is compared to a stored copy, so any change to it is deliberate.

After a deliberate change: bump ``FORMAT_VERSION`` if readers would notice, update the doc, and
regenerate with ``ASSAY_UPDATE_GOLDEN=1 pytest tests/instance/test_plan_json_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from assay_py.rauthy.declarative.plan_json import FORMAT_VERSION

from .conftest import Run, Write

GOLDEN = Path(__file__).parent.parent / "golden"

INSTANCE = """\
version: 1
user_attributes:
  - name: department
scopes:
  - name: read:billing
    attr_include_access: [department]
roles:
  - name: admin
    meta: {owner: ops}
clients:
  - preset: openbao
    host: bao.example.com
  - id: reports
    confidential: false
    redirect_uris: [https://reports.example.com/cb]
    scim: {bearer_token: not-shown-anywhere, base_uri: "https://scim.example.com/v2",
           sync_groups: false}
"""

CLIENTS = """\
- id: tool
  confidential: false
  redirect_uris: [https://tool.example.com/cb]
"""


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ASSAY_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"plan -o json changed: see {path}"


def test_instance_plan_json_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(INSTANCE)), "-o", "json")
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    assert body["format_version"] == FORMAT_VERSION and body["layout"] == "instance"
    assert "not-shown-anywhere" not in result.stdout
    _check("plan_instance.json", result.stdout)


def test_clients_plan_json_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(CLIENTS, "clients.yaml")), "-o", "json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["layout"] == "clients"
    _check("plan_clients.json", result.stdout)
