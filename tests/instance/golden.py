"""The fixed files the plan golden tests render, and the compare-or-regenerate check they share.

Set ``ASSAY_UPDATE_GOLDEN=1`` to rewrite the stored copies after a deliberate format change.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def check_golden(name: str, text: str, output: str) -> None:
    """``text`` equals the stored ``tests/golden/<name>`` (``output``, e.g. ``json``, names the
    format in the failure), or replaces it when regenerating."""
    path = GOLDEN / name
    if os.environ.get("ASSAY_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"plan -o {output} changed: see {path}"
