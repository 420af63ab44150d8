"""Publishing minted client secrets: one file per client, or Kubernetes Secret manifests.

These are the only places a secret leaves memory. Files are written atomically with mode 0600
(a reader never sees a half-written or world-readable secret), manifests are plain
``v1/Secret`` documents with the keys ``client_id`` and ``client_secret``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "k8s_secret_manifest",
    "k8s_secret_name",
    "render_k8s_manifests",
    "secret_file_name",
    "write_private_file",
    "write_secret_file",
]

# Client ids may contain "/", ":" and other characters that are not safe in a file name
# (Rauthy 0.35 allows URL-like ids). Everything outside this set is percent-encoded.
_SAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_DNS_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def secret_file_name(client_id: str) -> str:
    """The file name for ``client_id``: the id itself when safe, else percent-encoded.

    ``.`` and ``..`` are encoded as well, so no id can name a directory or escape ``DIR``.
    """
    name = _SAFE_FILE_CHARS.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), client_id)
    if name in {".", ".."}:
        name = name.replace(".", "%2E")
    return name


def write_private_file(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` atomically, readable by the owner only (0600).

    The data goes to a temporary file in the same directory (created 0600 from the start, so
    it is never briefly readable by others), is flushed to disk, then renamed over ``path``.
    """
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def write_secret_file(directory: str | os.PathLike[str], client_id: str, secret: str) -> Path:
    """Write ``secret`` to ``directory/<client_id>`` (mode 0600, atomic); return the path.

    The directory is created (0700) when missing. The file holds the secret only, without a
    trailing newline, so ``$(cat DIR/id)`` and file-based secret readers get it verbatim.
    """
    target_dir = Path(directory)
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = target_dir / secret_file_name(client_id)
    write_private_file(path, secret)
    return path


def k8s_secret_name(client_id: str, prefix: str = "") -> str:
    """A valid Kubernetes object name (DNS-1123 subdomain) derived from ``prefix + client_id``."""
    name = _DNS_UNSAFE.sub("-", (prefix + client_id).lower()).strip("-.")[:253].rstrip("-.")
    if not name:
        raise ValueError(f"cannot derive a Kubernetes Secret name from client id {client_id!r}")
    return name


def k8s_secret_manifest(
    client_id: str, secret: str, namespace: str, *, name_prefix: str = ""
) -> dict[str, Any]:
    """A ``v1/Secret`` with ``client_id`` and ``client_secret`` (base64 in ``data``).

    ``data`` rather than ``stringData``: it is the form the API server stores and returns, so a
    GitOps diff against the live object stays quiet.
    """
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": k8s_secret_name(client_id, name_prefix),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "assay-py"},
        },
        "type": "Opaque",
        "data": {
            "client_id": _b64(client_id),
            "client_secret": _b64(secret),
        },
    }


def render_k8s_manifests(
    secrets: Mapping[str, str] | Iterable[tuple[str, str]],
    namespace: str,
    *,
    name_prefix: str = "",
) -> str:
    """A multi-document YAML stream, one Secret per ``(client_id, secret)``, in the given order.

    Raises ``ValueError`` when two ids map to the same Kubernetes name (e.g. ``App`` and ``app``),
    since one manifest would silently replace the other.
    """
    import yaml

    pairs = list(secrets.items()) if isinstance(secrets, Mapping) else list(secrets)
    documents = [
        k8s_secret_manifest(cid, secret, namespace, name_prefix=name_prefix)
        for cid, secret in pairs
    ]
    seen: dict[str, str] = {}
    for (cid, _), doc in zip(pairs, documents, strict=True):
        name = doc["metadata"]["name"]
        if name in seen:
            raise ValueError(
                f"clients {seen[name]!r} and {cid!r} map to the same Kubernetes Secret"
                f" name {name!r}"
            )
        seen[name] = cid
    if not documents:
        return ""
    return yaml.safe_dump_all(documents, explicit_start=True, sort_keys=False)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _fsync_dir(directory: Path) -> None:
    # Makes the rename durable; some filesystems refuse O_RDONLY on directories, which is fine.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
