"""``plan -o json`` is a documented, versioned format (docs/plan-json.md): its output for a
fixed file on a fresh emulator is compared to a stored copy, so any change to it is deliberate.

After a deliberate change: bump ``FORMAT_VERSION`` if readers would notice, update the doc, and
regenerate with ``ASSAY_UPDATE_GOLDEN=1 pytest tests/instance/test_plan_json_golden.py``.
"""

from __future__ import annotations

import json

from assay_py.rauthy.declarative.plan_json import FORMAT_VERSION

from .conftest import Run, Write
from .golden import CLIENTS, INSTANCE, check_golden


def test_instance_plan_json_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(INSTANCE)), "-o", "json")
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    assert body["format_version"] == FORMAT_VERSION and body["layout"] == "instance"
    assert "not-shown-anywhere" not in result.stdout
    check_golden("plan_instance.json", result.stdout, "json")


def test_clients_plan_json_matches_the_golden_copy(run: Run, write: Write) -> None:
    result = run("plan", str(write(CLIENTS, "clients.yaml")), "-o", "json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["layout"] == "clients"
    check_golden("plan_clients.json", result.stdout, "json")
