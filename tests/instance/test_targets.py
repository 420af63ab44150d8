"""``plan``/``apply --target``: only the targeted objects and what they reference."""

from __future__ import annotations

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator

from .conftest import Run, Write

DOC = """\
version: 1
user_attributes:
  - name: department
  - name: unused-attr
scopes:
  - name: read:billing
    attr_include_access: [department]
  - name: other:scope
roles:
  - name: billing_admin
clients:
  - id: reports
    confidential: false
    redirect_uris: [https://reports.example.com/cb]
    scopes: [openid, read:billing]
  - id: other
    confidential: false
    redirect_uris: [https://other.example.com/cb]
"""


def test_a_named_target_brings_its_references_and_nothing_else(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, c: rauthy.RauthyClient
) -> None:
    path = str(write(DOC))
    before = rauthy_emulator.request_count()
    planned = run("plan", path, "--target", "clients/reports")
    assert planned.exit_code == 2, planned.output
    assert "only these and what they reference are planned" in planned.stderr
    assert "+ read:billing" in planned.stdout and "+ department" in planned.stdout
    for absent in ("other:scope", "unused-attr", "billing_admin", "+ other"):
        assert absent not in planned.stdout
    # user_attributes, scopes, clients read; roles never.
    assert rauthy_emulator.request_count("GET", "/auth/v1/roles") == 0
    assert rauthy_emulator.request_count() > before

    applied = run("apply", path, "--target", "clients/reports")
    assert applied.exit_code == 0, applied.output
    assert c.clients.get("reports") is not None
    assert c.clients.get("other") is None
    assert c.scopes.get("other:scope") is None
    assert run("plan", path, "--target", "clients/reports").exit_code == 0


def test_a_bare_kind_target_and_bad_targets(run: Run, write: Write) -> None:
    path = str(write(DOC))
    scopes = run("plan", path, "--target", "scopes")
    assert scopes.exit_code == 2
    assert "other:scope" in scopes.stdout and "reports" not in scopes.stdout
    unknown = run("plan", path, "--target", "scopez/x")
    assert unknown.exit_code == 1 and "unknown kind 'scopez'" in unknown.output
    missing = run("plan", path, "--target", "clients/nope")
    assert missing.exit_code == 1 and "no client named 'nope'" in missing.output


def test_a_clients_list_narrows_by_id(run: Run, write: Write) -> None:
    path = str(
        write(
            "- {id: a1, confidential: false, redirect_uris: [https://a.example/cb]}\n"
            "- {id: b1, confidential: false, redirect_uris: [https://b.example/cb]}\n",
            "clients.yaml",
        )
    )
    result = run("plan", path, "--target", "clients/b1")
    assert result.exit_code == 2, result.output
    assert "b1" in result.stdout and "a1" not in result.stdout
    wrong = run("plan", path, "--target", "scopes")
    assert wrong.exit_code == 1 and "is a clients list" in wrong.output
