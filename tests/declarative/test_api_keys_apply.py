"""API keys in the instance file: apply mints, publishes (0600 file, Kubernetes Secret) and the
published token works; the key in use is never touched; no token reaches any output."""

from __future__ import annotations

import base64
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative.instance import apply_instance, plan_instance
from assay_py.rauthy.declarative.publication import ManifestFile, Publication, SecretsDir
from assay_py.rauthy.errors import RauthyError, RauthyValidationError
from tests.support.cli import rauthy_cli

CI = {"name": "ci", "access": {"Clients": ["read"], "Scopes": ["read"]}, "expires_in": "90d"}


@pytest.fixture
def c(head: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(head.url, head.api_key, backoff_base=0.005) as client:
        yield client


def works(url: str, token: str) -> bool:
    """A real request made with ``token``: it lists clients (CI's right)."""
    with rauthy.client(url, token, retries=1) as other:
        try:
            return [x["id"] for x in other.clients.list()] == ["rauthy"]
        except RauthyError:
            return False


def test_apply_publishes_a_working_token_and_then_plans_clean(
    c: rauthy.RauthyClient, head: RauthyEmulator, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    publication = Publication(
        [SecretsDir(secrets), ManifestFile(tmp_path / "secrets.yaml", "auth")]
    )
    doc = {"api_keys": [CI]}
    planned = plan_instance(c, doc, publication=publication)
    (item,) = planned.section("api_keys").items  # type: ignore[union-attr]
    assert item["action"] == "create" and item["mints"] is True
    report = apply_instance(c, doc, publication=publication)
    assert report.ok, report.to_dict()
    path = secrets / "api-key@ci"
    token = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token.startswith("ci$") and works(head.url, token)
    (document,) = yaml.safe_load_all((tmp_path / "secrets.yaml").read_text())
    assert document["metadata"]["name"] == "api-key-ci"
    assert base64.b64decode(document["data"]["api_key"]).decode() == token
    assert base64.b64decode(document["data"]["api_key_name"]).decode() == "ci"
    assert report.secrets() == {"api-key@ci": token}
    assert token not in repr(report) and token not in str(report.to_dict())
    again = plan_instance(c, doc, publication=publication)
    assert not again.has_changes
    assert list(secrets.iterdir()) == [path]  # no journal left behind


def test_a_destination_lacking_the_token_is_repaired_by_rotating(
    c: rauthy.RauthyClient, head: RauthyEmulator, tmp_path: Path
) -> None:
    publication = Publication([SecretsDir(tmp_path)])
    doc = {"api_keys": [CI]}
    assert apply_instance(c, doc, publication=publication).ok
    first = (tmp_path / "api-key@ci").read_text()
    (tmp_path / "api-key@ci").unlink()
    planned = plan_instance(c, doc, publication=publication)
    assert planned.has_changes
    (item,) = planned.section("api_keys").items  # type: ignore[union-attr]
    assert item["action"] == "noop" and item["mints"] is True
    assert any("cannot be read back" in r for r in item["publish"])
    assert apply_instance(c, planned, publication=publication).ok
    second = (tmp_path / "api-key@ci").read_text()
    assert second != first and works(head.url, second) and not works(head.url, first)
    assert not plan_instance(c, doc, publication=publication).has_changes


def test_an_interrupted_mint_is_stale_by_the_journal(
    c: rauthy.RauthyClient, head: RauthyEmulator, tmp_path: Path
) -> None:
    publication = Publication([SecretsDir(tmp_path)])
    doc = {"api_keys": [CI]}
    assert apply_instance(c, doc, publication=publication).ok
    # What a run killed between its rotation request and the file write leaves behind.
    publication.begin(["api-key@ci"], "rotate")
    c.api_keys.rotate("ci")
    stale = (tmp_path / "api-key@ci").read_text()
    assert not works(head.url, stale)
    planned = plan_instance(c, doc, publication=publication)
    (item,) = planned.section("api_keys").items  # type: ignore[union-attr]
    assert "interrupted rotate" in item["publish"][0]
    assert apply_instance(c, planned, publication=publication).ok
    assert works(head.url, (tmp_path / "api-key@ci").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api-key@ci"]


def test_prune_never_removes_the_key_in_use(
    c: rauthy.RauthyClient, head: RauthyEmulator, tmp_path: Path
) -> None:
    head.add_api_key("old", {"Clients": ["read"]})
    doc = {"prune": {"api_keys": True}, "api_keys": [CI]}
    planned = plan_instance(c, doc)
    actions = {i["name"]: i["action"] for i in planned.section("api_keys").items}  # type: ignore[union-attr]
    assert actions == {"ci": "create", "old": "delete", "ansible": "noop"}
    report = apply_instance(c, planned, publication=Publication([SecretsDir(tmp_path)]))
    assert report.ok, report.to_dict()
    assert sorted(k["name"] for k in c.api_keys.list()) == ["ansible", "ci"]
    assert c.api_keys.test()["name"] == "ansible"  # still authenticated


def test_the_key_in_use_is_refused_in_plan(c: rauthy.RauthyClient, head: RauthyEmulator) -> None:
    before = head.request_count()
    with pytest.raises(RauthyValidationError, match="the key this run authenticates with"):
        plan_instance(c, {"api_keys": [{"name": "ansible", "access": {"Clients": ["read"]}}]})
    assert head.request_count() - before == 1  # the list; nothing written


def test_0352_fails_the_plan_saying_which_version(tmp_path: Path) -> None:
    with RauthyEmulator(version="0.35.2") as old, rauthy.client(old.url, old.api_key) as c:
        with pytest.raises(RauthyError, match=r"0\.35\.2 and older.*Rauthy 0\.36"):
            plan_instance(c, {"api_keys": [CI]})
        from assay_py.rauthy.declarative.export import export_instance

        exported = export_instance(c)
        assert "api_keys" not in exported.document
        assert any("api_keys: left out" in n for n in exported.notes)


def test_export_lists_keys_without_secrets_and_plans_clean(
    c: rauthy.RauthyClient, tmp_path: Path
) -> None:
    from assay_py.rauthy.declarative.export import export_instance

    token = c.api_keys.create(CI)
    exported = export_instance(c, ["api_keys"])
    assert token.split("$")[1] not in str(exported.document)
    entries = {e["name"]: e for e in exported.document["api_keys"]}
    assert entries["ci"]["access"] == {"Clients": ["read"], "Scopes": ["read"]}
    assert entries["ci"]["expires_in"] == "90d"
    assert not plan_instance(c, exported.document).has_changes


def test_cli_apply_publishes_and_never_prints_the_token(
    head: RauthyEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / "rauthy.yaml"
    file.write_text(yaml.safe_dump({"api_keys": [CI]}))
    secrets = str(tmp_path / "secrets")
    outputs: list[str] = []
    refused = rauthy_cli(head, "apply", str(file))
    assert refused.returncode == 1 and "nowhere to publish" in refused.stderr
    outputs += [refused.stdout, refused.stderr]
    plan = rauthy_cli(head, "plan", str(file), "--secrets-dir", secrets)
    assert plan.returncode == 2 and "+ ci" in plan.stdout
    applied = rauthy_cli(head, "apply", str(file), "--secrets-dir", secrets, "-o", "json")
    assert applied.returncode == 0, applied.stderr
    outputs += [plan.stdout, plan.stderr, applied.stdout, applied.stderr]
    token = (tmp_path / "secrets" / "api-key@ci").read_text()
    assert works(head.url, token)
    rm = tmp_path / "secrets" / "api-key@ci"
    rm.unlink()
    republish = rauthy_cli(head, "apply", str(file), "--secrets-dir", secrets, "-v")
    assert republish.returncode == 0, republish.stderr
    assert "(publish)" in republish.stdout
    newer = rm.read_text()
    outputs += [republish.stdout, republish.stderr]
    manifests = rauthy_cli(head, "apply", str(file), "--k8s-secret-namespace", "auth", "-v")
    outputs += [manifests.stdout, manifests.stderr]
    assert manifests.returncode == 0, manifests.stderr
    # The Python path, with logging on: the tokens stay out of the log too.
    caplog.set_level(logging.DEBUG)
    with rauthy.client(head.url, head.api_key) as c:
        report = apply_instance(c, {"api_keys": [{**CI, "name": "ci2"}]})
        outputs += [caplog.text, repr(report), str(report.to_dict())]
        (minted,) = report.secrets().values()
    for secret in (token, newer, minted):
        half = secret.split("$")[1]
        for text in outputs:
            assert half not in text


def test_cli_never_mints_a_token_with_nowhere_to_publish(
    head: RauthyEmulator, tmp_path: Path
) -> None:
    file = tmp_path / "rauthy.yaml"
    file.write_text(yaml.safe_dump({"api_keys": [CI]}))
    refused = rauthy_cli(head, "apply", str(file), "--no-publish")
    assert refused.returncode == 1
    assert "ci would be minted with nowhere to publish the token" in refused.stderr
    with rauthy.client(head.url, head.api_key) as c:
        assert c.api_keys.get("ci") is None  # nothing was changed
        c.api_keys.create(CI)
    # Nothing to mint: --no-publish is fine.
    assert rauthy_cli(head, "apply", str(file), "--no-publish").returncode == 0


def test_keys_the_file_does_not_list_are_not_published(
    c: rauthy.RauthyClient, tmp_path: Path
) -> None:
    doc = {"prune": {"api_keys": True}, "api_keys": [CI]}
    publication = Publication([SecretsDir(tmp_path)])
    assert apply_instance(c, doc, publication=publication).ok
    planned = plan_instance(c, doc, publication=publication)
    assert not planned.has_changes  # the key in use, kept by prune, has no file to lack
    kept = planned.section("api_keys").items  # type: ignore[union-attr]
    assert [i.get("publish") for i in kept] == [None, None]
