"""Destinations, the journal and the name rules (no Rauthy involved)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from assay_py.rauthy.declarative.journal import Journal
from assay_py.rauthy.declarative.publication import (
    ManifestFile,
    ManifestStream,
    Publication,
    PublicationError,
    SecretsDir,
)
from assay_py.rauthy.declarative.publish import (
    TEMP_PREFIX,
    k8s_secret_manifest,
    secret_file_name,
    secret_file_problem,
)

SECRET = "s" * 64


def test_the_journal_is_durable_json_without_secrets_and_vanishes_when_empty(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / ".journal")
    journal.add(["a", "b"], "create")
    on_disk = json.loads((tmp_path / ".journal").read_text())
    assert set(on_disk["pending"]) == {"a", "b"}
    assert on_disk["pending"]["a"]["op"] == "create"
    assert stat.S_IMODE((tmp_path / ".journal").stat().st_mode) == 0o600

    # A second process (a new Journal) sees what the first one wrote.
    assert set(Journal(tmp_path / ".journal").entries()) == {"a", "b"}
    journal.remove(["a"])
    assert set(Journal(tmp_path / ".journal").entries()) == {"b"}
    journal.remove(["b"])
    assert not (tmp_path / ".journal").exists()


def test_a_missing_file_and_a_journalled_mint_are_stale(tmp_path: Path) -> None:
    destination = SecretsDir(tmp_path / "s")
    publication = Publication([destination])
    publication.prepare()
    assert publication.stale(["a", "b"]) == {
        "a": (f"--secrets-dir {tmp_path / 's'}: no secret file a",),
        "b": (f"--secrets-dir {tmp_path / 's'}: no secret file b",),
    }
    assert publication.deliver("a", SECRET) == []
    assert publication.deliver("b", SECRET) == []
    assert publication.stale(["a", "b"]) == {}

    # A rotation under way: the file still holds the old secret, and the journal says so.
    publication.begin(["b"], "rotate")
    again = Publication([SecretsDir(tmp_path / "s")])  # what the next run sees
    assert again.stale(["a", "b"]) == {
        "b": (f"--secrets-dir {tmp_path / 's'}: interrupted rotate",)
    }
    assert again.deliver("b", "t" * 64) == []
    assert (tmp_path / "s" / "b").read_text() == "t" * 64
    # Journalled until flush has made the file durable: a crash before then loses nothing.
    assert set(Publication([SecretsDir(tmp_path / "s")]).stale(["a", "b"])) == {"b"}
    assert again.flush() == []
    assert again.stale(["a", "b"]) == {}
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["a", "b"]

    # An empty file is no secret.
    (tmp_path / "s" / "a").write_text("")
    assert set(again.stale(["a", "b"])) == {"a"}


def test_an_unreadable_journal_makes_every_client_stale(tmp_path: Path) -> None:
    (tmp_path / ".assay-py-journal").write_text("{not json")
    (tmp_path / "a").write_text(SECRET)
    publication = Publication([SecretsDir(tmp_path)])
    assert set(publication.stale(["a"])) == {"a"}
    publication.deliver("a", SECRET)
    assert publication.flush() == []  # starts a fresh journal
    assert publication.stale(["a"]) == {}


def test_temporaries_of_a_killed_write_are_removed_before_the_next_run(tmp_path: Path) -> None:
    (tmp_path / f"{TEMP_PREFIX}abc123").write_text(SECRET)  # what a SIGKILL mid-write leaves
    (tmp_path / "keep").write_text(SECRET)
    Publication([SecretsDir(tmp_path)]).prepare()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


def test_secret_file_names_are_never_dot_files() -> None:
    # Dot-files in the directory are the journal and temporaries: no id can take their names.
    assert secret_file_name(".assay-py-journal") == "%2Eassay-py-journal"
    assert secret_file_name(f"{TEMP_PREFIX}x") == f"%2E{TEMP_PREFIX[1:]}x"
    assert secret_file_name("..") == "%2E%2E"


def test_ids_whose_file_name_is_too_long_are_refused_by_name(tmp_path: Path) -> None:
    assert secret_file_problem("a" * 255) is None
    long_id = "a" * 256
    assert "256 bytes" in (secret_file_problem(long_id) or "")
    url_id = "https://app.example.com/" + "x" * 228  # 252 characters, 260 bytes encoded
    with pytest.raises(PublicationError) as caught:
        Publication([SecretsDir(tmp_path)]).check(["fine", url_id])
    message = str(caught.value)
    assert f"client {url_id!r}" in message and "255-byte limit" in message
    assert "fine" not in message.replace(url_id, "")


def test_the_manifest_file_is_checked_and_keeps_documents_it_does_not_manage(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secrets.yaml"
    foreign = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}
    path.write_text(yaml.safe_dump_all([foreign, k8s_secret_manifest("a", SECRET, "auth")]))
    destination = ManifestFile(path, "auth")
    publication = Publication([destination])
    assert publication.stale(["a", "b"]) == {"b": (f"--k8s-out {path}: no Secret for it",)}

    publication.deliver("b", "b" * 64)
    assert publication.stale(["a", "b"]) == {"b": (f"--k8s-out {path}: no Secret for it",)}
    assert publication.flush() == []  # written once, at the end
    assert destination.written == 1
    documents = list(yaml.safe_load_all(path.read_text()))
    assert [d["metadata"]["name"] for d in documents] == ["other", "a", "b"]
    assert publication.stale(["a", "b"]) == {}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Another namespace asked for: every Secret is stale until rewritten there.
    moved = Publication([ManifestFile(path, "iam")])
    assert set(moved.stale(["a", "b"])) == {"a", "b"}


def test_a_journalled_mint_makes_the_manifest_stale_until_it_is_flushed(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    publication = Publication([ManifestFile(path, "auth")])
    publication.deliver("a", SECRET)
    publication.flush()
    publication.begin(["a"], "rebuild")
    assert Publication([ManifestFile(path, "auth")]).stale(["a"]) == {
        "a": (f"--k8s-out {path}: interrupted rebuild",)
    }
    publication.deliver("a", "n" * 64)
    publication.flush()
    assert Publication([ManifestFile(path, "auth")]).stale(["a"]) == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.yaml"]


def test_a_stream_cannot_be_checked() -> None:
    out: list[str] = []
    stream = ManifestStream("auth", out.append)
    publication = Publication([stream])
    assert publication.unchecked == (stream,)
    assert publication.stale(["a"]) == {}
    publication.deliver("a", SECRET)
    publication.flush()
    assert stream.written == 1
    assert yaml.safe_load(out[0])["metadata"]["name"] == "a"


@pytest.mark.parametrize(
    ("namespace", "prefix", "ids", "expected"),
    [
        ("", "", ["a"], "--k8s-secret-namespace: must not be empty"),
        ("Auth", "", ["a"], "--k8s-secret-namespace: 'Auth' is not a DNS-1123 label"),
        ("a" * 64, "", ["a"], "is not a DNS-1123 label"),
        ("auth", "Rauthy_", ["a"], "--k8s-name-prefix: 'Rauthy_' must be a-z"),
        ("auth", "", ["App", "app"], "clients 'App' and 'app' both map to 'app'"),
        ("auth", "", ["a..b"], "client id 'a..b': its Kubernetes Secret name 'a..b' is not"),
        ("auth", "", ["x" * 254], "254 characters"),
    ],
)
def test_kubernetes_names_are_refused_before_anything_is_sent(
    tmp_path: Path, namespace: str, prefix: str, ids: list[str], expected: str
) -> None:
    for destination in (
        ManifestFile(tmp_path / "m.yaml", namespace, name_prefix=prefix),
        ManifestStream(namespace, print, name_prefix=prefix),
    ):
        with pytest.raises(PublicationError) as caught:
            Publication([destination]).check(ids)
        assert expected in str(caught.value)


def test_delivered_files_leave_the_journal_at_a_checkpoint_not_one_by_one(
    tmp_path: Path,
) -> None:
    destination = SecretsDir(tmp_path)
    publication = Publication([destination])
    owners = [f"app{i}" for i in range(5)]
    publication.begin(owners, "create")
    for owner in owners:
        assert publication.deliver(owner, owner * 16) == []
    # Every file is in place (atomically, 0600), and every owner still journalled.
    for owner in owners:
        assert (tmp_path / owner).read_text() == owner * 16
        assert stat.S_IMODE((tmp_path / owner).stat().st_mode) == 0o600
    assert set(Journal(tmp_path / ".assay-py-journal").entries()) == set(owners)
    assert publication.flush() == []
    assert not (tmp_path / ".assay-py-journal").exists()
    assert publication.stale(owners) == {}


def test_a_long_run_checkpoints_as_it_goes(tmp_path: Path) -> None:
    destination = SecretsDir(tmp_path)
    destination.CHECKPOINT_S = 0.0  # every delivery is past due
    publication = Publication([destination])
    publication.begin(["a", "b"], "create")
    publication.deliver("a", SECRET)
    assert set(Journal(tmp_path / ".assay-py-journal").entries()) == {"b"}
    publication.deliver("b", SECRET)
    assert not (tmp_path / ".assay-py-journal").exists()


def test_a_failed_sync_keeps_the_owners_journalled(tmp_path: Path) -> None:
    destination = SecretsDir(tmp_path / "s")
    publication = Publication([destination])
    publication.prepare()
    publication.begin(["a"], "create")
    publication.deliver("a", SECRET)
    # The folder is gone before the checkpoint (a disk unmounted, a person's rm -r).
    (tmp_path / "s" / "a").unlink()
    (tmp_path / "s" / ".assay-py-journal").rename(tmp_path / "journal-kept")
    (tmp_path / "s").rmdir()
    errors = publication.flush()
    assert len(errors) == 1 and errors[0].startswith(f"--secrets-dir {tmp_path / 's'}: ")
    # A later flush (the folder back) still has them to sync and unjournal.
    (tmp_path / "s").mkdir()
    (tmp_path / "journal-kept").rename(tmp_path / "s" / ".assay-py-journal")
    publication.deliver("a", SECRET)
    assert publication.flush() == []
    assert not (tmp_path / "s" / ".assay-py-journal").exists()
