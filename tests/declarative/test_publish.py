"""Secret files (0600, atomic, safe names) and Kubernetes Secret manifests."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
import yaml

from assay_py.rauthy.declarative.publish import (
    k8s_secret_name,
    render_k8s_manifests,
    secret_file_name,
    write_private_file,
    write_secret_file,
)

SECRET = "s3cr3t" * 10 + "abcd"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secret_file_holds_exactly_the_secret_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "secrets"
    path = write_secret_file(target, "grafana", SECRET)

    assert path == target / "grafana"
    assert path.read_text() == SECRET
    assert _mode(path) == 0o600
    assert _mode(target) == 0o700


def test_rewriting_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    first = write_secret_file(tmp_path, "app", "old-secret")
    inode = first.stat().st_ino
    os.chmod(first, 0o644)  # even a loosened file comes back private

    second = write_secret_file(tmp_path, "app", "new-secret")

    assert second.read_text() == "new-secret"
    assert _mode(second) == 0o600
    assert second.stat().st_ino != inode  # renamed over, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


def test_ids_that_are_not_safe_file_names_are_encoded(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    inside = tmp_path / "dir"
    for client_id in ("../outside", "a/b", "..", "https://app.example.com/cb"):
        path = write_secret_file(inside, client_id, SECRET)
        assert path.parent == inside
    assert not outside.exists()
    assert secret_file_name("a/b") == "a%2Fb"
    assert secret_file_name("..") == "%2E%2E"
    assert secret_file_name("plain-id_1.x") == "plain-id_1.x"


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "app"
    write_private_file(path, "old")

    with pytest.raises(TypeError):  # fails mid-write, after the temporary file exists
        write_private_file(path, 42)  # type: ignore[arg-type]
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


def test_manifests_read_back_with_safe_load() -> None:
    secrets = {"grafana": SECRET, "OpenBao_Prod": "other-secret"}
    text = render_k8s_manifests(secrets, "auth", name_prefix="rauthy-")

    documents = list(yaml.safe_load_all(text))
    assert [d["metadata"]["name"] for d in documents] == ["rauthy-grafana", "rauthy-openbao-prod"]
    for document, (client_id, secret) in zip(documents, secrets.items(), strict=True):
        assert document["apiVersion"] == "v1" and document["kind"] == "Secret"
        assert document["metadata"]["namespace"] == "auth"
        data = {k: base64.b64decode(v).decode() for k, v in document["data"].items()}
        assert data == {"client_id": client_id, "client_secret": secret}


def test_no_secrets_no_documents() -> None:
    assert render_k8s_manifests({}, "auth") == ""


def test_ids_that_collide_as_kubernetes_names_are_refused() -> None:
    with pytest.raises(ValueError, match="same Kubernetes Secret name"):
        render_k8s_manifests({"App": "a", "app": "b"}, "auth")


def test_kubernetes_names_are_dns_subdomains() -> None:
    assert k8s_secret_name("https://App.example.com/cb") == "https-app.example.com-cb"
    assert k8s_secret_name("x" * 253) == "x" * 253
    # Truncating would make two long ids one Secret: refused, naming the id and the rule.
    with pytest.raises(ValueError, match=r"254 characters; .* at most 253"):
        k8s_secret_name("x" * 254)
    with pytest.raises(ValueError, match="no letter or digit"):
        k8s_secret_name("__")
    for client_id in ("a..b", "app.-x", "a._b"):
        with pytest.raises(ValueError, match=f"client id '{client_id}'.*not a DNS-1123 subdomain"):
            k8s_secret_name(client_id)
