"""Publishing client secrets and API-key tokens: one file per owner, or Kubernetes Secret
manifests.

These are the only places a secret leaves memory. Files are written atomically with mode 0600
(a reader never sees a half-written or world-readable secret), manifests are plain
``v1/Secret`` documents with the keys ``client_id`` and ``client_secret``, or, for an API key,
``api_key_name`` and ``api_key`` (the whole token ``name$secret``, as ``RAUTHY_API_KEY`` wants
it).

An owner is a client id, or ``api-key@<name>`` for an API key (``api_key_owner``): no client
id can contain ``@``, so the two never share a file, and ``@`` is kept as it is in file names.

The name rules live here too (``secret_file_problem``, ``k8s_name_problem``...): they are
checked before any request, since a name that cannot be written after a secret was minted
would leave that secret unpublished.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "API_KEY_OWNER",
    "TEMP_PREFIX",
    "api_key_owner",
    "dump_manifests",
    "k8s_name_prefix_problem",
    "k8s_namespace_problem",
    "k8s_secret_manifest",
    "k8s_secret_name",
    "manifest_entry",
    "read_k8s_manifests",
    "remove_stale_temporaries",
    "render_k8s_manifests",
    "secret_file_name",
    "secret_file_problem",
    "sync_files",
    "write_private_file",
    "write_secret_file",
]

#: Temporary files of an atomic write start with this; a run killed mid-write leaves one
#: behind (holding a secret), which the next run removes.
TEMP_PREFIX = ".assay-tmp-"
#: The longest file name Linux file systems (ext4, xfs, btrfs, tmpfs) accept, in bytes.
NAME_MAX = 255
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")
_DNS_LABEL_RE = re.compile(_DNS_LABEL)
_PREFIX_RE = re.compile(r"[a-z0-9][-a-z0-9.]*")

# Client ids may contain "/", ":" and other characters that are not safe in a file name
# (Rauthy 0.35 allows URL-like ids). Everything outside this set is percent-encoded.
_SAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._@-]")
#: Owners that are API keys: ``api-key@ci`` (client ids never contain ``@``).
API_KEY_OWNER = "api-key@"


def api_key_owner(name: str) -> str:
    """The publication owner id of the API key ``name``."""
    return API_KEY_OWNER + name


def _api_key_name(owner: str) -> str | None:
    return owner[len(API_KEY_OWNER) :] if owner.startswith(API_KEY_OWNER) else None


_DNS_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def secret_file_name(client_id: str) -> str:
    """The file name for ``client_id``: the id itself when safe, else percent-encoded.

    A leading ``.`` is encoded as well: no id can name a directory (``.``, ``..``) or escape
    ``DIR``, and every dot-file in ``DIR`` is this module's own (journal, temporaries).
    """
    name = _SAFE_FILE_CHARS.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), client_id)
    rest = name.lstrip(".")
    return "%2E" * (len(name) - len(rest)) + rest


def secret_file_problem(client_id: str) -> str | None:
    """Why ``client_id`` cannot have a secret file, or None when it can."""
    name = secret_file_name(client_id)
    if len(name.encode()) > NAME_MAX:
        return (
            f"its secret file name would be {len(name.encode())} bytes (percent-encoded),"
            f" over the {NAME_MAX}-byte limit of file names; use a shorter id"
        )
    return None


def write_private_file(path: Path, content: str, *, durable: bool = True) -> None:
    """Write ``content`` to ``path`` atomically, readable by the owner only (0600).

    The data goes to a temporary file in the same directory (created 0600 from the start, so
    it is never briefly readable by others), is flushed to disk (unless not ``durable``), then
    renamed over ``path``.
    """
    directory = path.parent
    # The temporary's name does not contain the target's, so any valid name can be written.
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(directory)


def write_secret_file(
    directory: str | os.PathLike[str], client_id: str, secret: str, *, durable: bool = True
) -> Path:
    """Write ``secret`` to ``directory/<client_id>`` (mode 0600, atomic); return the path.

    The directory is created (0700) when missing. The file holds the secret only, without a
    trailing newline, so ``$(cat DIR/id)`` and file-based secret readers get it verbatim.
    Not ``durable``: the caller makes it so later, with ``sync_files`` over many files.
    """
    target_dir = Path(directory)
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = target_dir / secret_file_name(client_id)
    write_private_file(path, secret, durable=durable)
    return path


def sync_files(directory: Path, paths: Iterable[Path]) -> None:
    """Make files written (and renamed into ``directory``) without fsync durable, all at once.

    On Linux, one ``syncfs`` of the directory's file system: each fsync is a journal commit
    (milliseconds on a real disk), so a thousand files cost seconds one by one, and about as
    much as one file together. Elsewhere, each file and then the directory are fsync'd.
    """
    if not _syncfs(directory):
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(directory)


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> int:
    """Delete the temporaries of atomic writes a killed run left in ``directory``."""
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        if name.startswith(TEMP_PREFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
                removed += 1
    return removed


def k8s_secret_name(client_id: str, prefix: str = "") -> str:
    """The Kubernetes Secret name for ``client_id``: ``prefix + id``, lowercased, with every
    run of characters outside ``[a-z0-9.-]`` made a ``-``.

    Raises ``ValueError`` naming the id and the rule when the result is no DNS-1123 subdomain
    (empty, over 253 characters, or a label that starts or ends with ``-``/``.``).
    """
    name = _DNS_UNSAFE.sub("-", (prefix + client_id).lower()).strip("-.")
    if not name:
        raise ValueError(
            f"client id {client_id!r}: no Kubernetes Secret name can be derived from it"
            " (it has no letter or digit)"
        )
    if len(name) > 253:
        raise ValueError(
            f"client id {client_id!r}: its Kubernetes Secret name would be {len(name)}"
            " characters; a Secret name (DNS-1123 subdomain) has at most 253"
        )
    if not _DNS_SUBDOMAIN.fullmatch(name):
        raise ValueError(
            f"client id {client_id!r}: its Kubernetes Secret name {name!r} is not a DNS-1123"
            " subdomain (dot-separated labels of a-z, 0-9 and '-', each starting and ending"
            " with a letter or digit)"
        )
    return name


def k8s_namespace_problem(namespace: str) -> str | None:
    """Why ``namespace`` is no Kubernetes namespace name (a DNS-1123 label), or None."""
    if not namespace:
        return "must not be empty"
    if len(namespace) > 63 or not _DNS_LABEL_RE.fullmatch(namespace):
        return (
            f"{namespace!r} is not a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-',"
            " starting and ending with a letter or digit)"
        )
    return None


def k8s_name_prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot start Secret names, or None (the empty prefix is fine)."""
    if prefix and not _PREFIX_RE.fullmatch(prefix):
        return (
            f"{prefix!r} must be a-z, 0-9, '-' and '.', starting with a letter or digit"
            " (it starts DNS-1123 Secret names)"
        )
    return None


def k8s_secret_manifest(
    client_id: str, secret: str, namespace: str, *, name_prefix: str = ""
) -> dict[str, Any]:
    """A ``v1/Secret`` with ``client_id`` and ``client_secret`` (base64 in ``data``); for an API
    key (``api-key@<name>``), ``api_key_name`` and ``api_key`` (the token).

    ``data`` rather than ``stringData``: it is the form the API server stores and returns, so a
    GitOps diff against the live object stays quiet.
    """
    key_name = _api_key_name(client_id)
    if key_name is not None:
        data = {"api_key_name": _b64(key_name), "api_key": _b64(secret)}
    else:
        data = {"client_id": _b64(client_id), "client_secret": _b64(secret)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": k8s_secret_name(client_id, name_prefix),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "assay-py"},
        },
        "type": "Opaque",
        "data": data,
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
    return dump_manifests(documents)


def dump_manifests(documents: list[Any]) -> str:
    """A YAML stream of ``documents``, with libyaml when PyYAML has it (10x faster)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all(documents, Dumper=dumper, explicit_start=True, sort_keys=False)


def read_k8s_manifests(text: str) -> list[Any]:
    """The documents of a manifest file (None documents dropped); raises ``ValueError`` when
    it is no YAML stream."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]
    except yaml.YAMLError as exc:
        raise ValueError(f"not a YAML stream ({type(exc).__name__})") from None


def manifest_entry(document: Any) -> tuple[str, str, str, str] | None:
    """``(name, owner, secret, namespace)`` of a Secret document written here (a client's or
    an API key's), else None."""
    if not isinstance(document, Mapping) or document.get("kind") != "Secret":
        return None
    meta, data = document.get("metadata"), document.get("data")
    if not isinstance(meta, Mapping) or not isinstance(data, Mapping):
        return None
    try:
        if "api_key" in data:
            client_id = api_key_owner(_unb64(data["api_key_name"]))
            secret = _unb64(data["api_key"])
        else:
            client_id = _unb64(data["client_id"])
            secret = _unb64(data["client_secret"])
    except (KeyError, TypeError, ValueError):
        return None
    return str(meta.get("name")), client_id, secret, str(meta.get("namespace"))


def _unb64(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not base64 text")
    return base64.b64decode(value, validate=True).decode("utf-8")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _syncfs(directory: Path) -> bool:
    """``syncfs(2)`` of the file system holding ``directory``; False where there is none."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only a run that publishes files needs it

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(directory, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(directory))
    finally:
        os.close(fd)
    return True


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
