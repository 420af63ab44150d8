"""Client logos: the file checked against Rauthy's rules, and the record of past uploads.

Rauthy takes ``image/svg+xml``, ``image/png`` or ``image/jpeg`` (the multipart part's type
decides), wants a ``Content-Length`` of at most 10 MiB, and refuses rasters under 84 px high.
All of that is checked here before any request.

What Rauthy serves back is never what was uploaded: rasters are re-encoded to an 84x84 WebP,
SVGs are sanitised. So "is the live logo the file's?" is answered by a *record*: after each
upload the sha256 of the file and of the bytes Rauthy then served are kept, per Rauthy URL and
client. A later plan is clean when the file still has the recorded hash and Rauthy still
serves the recorded bytes; without a record, only served bytes equal to the file count.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._base import Violation

__all__ = [
    "CONTENT_TYPES",
    "MAX_BODY",
    "MIN_HEIGHT",
    "Logo",
    "LogoRecords",
    "multipart_size",
    "read_logo",
]

#: The part types Rauthy accepts for a client logo.
CONTENT_TYPES = ("image/svg+xml", "image/png", "image/jpeg")
#: Rauthy's ``Content-Length`` ceiling for the whole multipart body (10 MiB).
MAX_BODY = 10 * 1024 * 1024
#: Rauthy's floor for a raster client logo's height (the width is not checked).
MIN_HEIGHT = 84
#: The multipart part's name (Rauthy reads only the first part, whatever its name).
PART = "logo"


@dataclass(frozen=True)
class Logo:
    """A logo file as it will be uploaded; ``data`` stays out of reprs."""

    path: str
    content_type: str
    sha256: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def files(self) -> dict[str, tuple[str, bytes, str]]:
        """The httpx ``files=`` argument for this upload."""
        return {PART: (Path(self.path).name or "logo", self.data, self.content_type)}

    def describe(self) -> str:
        return f"{self.path} ({self.content_type}, {self.size} bytes, sha256 {self.sha256[:12]})"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def multipart_size(logo_name: str, data: bytes, content_type: str) -> int:
    """The ``Content-Length`` httpx will send for this upload (built locally, nothing sent)."""
    import httpx

    request = httpx.Request(
        "PUT", "http://localhost/", files={PART: (logo_name or "logo", data, content_type)}
    )
    return int(request.headers["content-length"])


def read_logo(
    path: str | os.PathLike[str], where: str = "logo"
) -> tuple[Logo | None, list[Violation]]:
    """The logo at ``path``, or every rule it breaks (named by ``where``)."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [(where, f"{shown}: cannot read the file ({exc.strerror or exc})")]
    if not data:
        return None, [(where, f"{shown}: the file is empty")]
    content_type = sniff(data)
    if content_type is None:
        return None, [
            (
                where,
                f"{shown}: not an image Rauthy takes for a logo (accepted:"
                f" {', '.join(CONTENT_TYPES)}; told apart by content, not by name)",
            )
        ]
    found: list[Violation] = []
    size = multipart_size(Path(shown).name, data, content_type)
    if size > MAX_BODY:
        found.append(
            (where, f"{shown}: the upload would be {size} bytes; Rauthy takes at most {MAX_BODY}")
        )
    if content_type != "image/svg+xml":
        found.extend(_raster_problems(data, shown, where))
    if found:
        return None, found
    return Logo(shown, content_type, sha256(data), data), []


def sniff(data: bytes) -> str | None:
    """The accepted type ``data`` is, by its content (a renamed file is caught)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data:
        return "image/svg+xml"
    return None


def _raster_problems(data: bytes, shown: str, where: str) -> list[Violation]:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            height = image.height
            image.verify()  # a truncated or corrupt file fails at Rauthy's decode too
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return [(where, f"{shown}: the image cannot be decoded ({exc})")]
    if height < MIN_HEIGHT:
        return [(where, f"{shown}: {height} px high; Rauthy wants at least {MIN_HEIGHT} px")]
    return []


class LogoRecords:
    """``{rauthy url: {client id: {"source": sha256, "served": sha256}}}``, in memory, and in
    a JSON file when given a path (written atomically after each change)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, dict[str, str]]] = {}
        self._loaded = path is None

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        assert self.path is not None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no record (or an unusable one): every logo is judged by its bytes alone
        if isinstance(raw, Mapping):
            for url, clients in raw.items():
                if isinstance(clients, Mapping):
                    self._data[str(url)] = {
                        str(c): {"source": str(r["source"]), "served": str(r["served"])}
                        for c, r in clients.items()
                        if isinstance(r, Mapping) and "source" in r and "served" in r
                    }

    def get(self, url: str, client_id: str) -> dict[str, str] | None:
        with self._lock:
            self._load()
            found = self._data.get(url, {}).get(client_id)
            return dict(found) if found else None

    def put(self, url: str, client_id: str, source: str | None, served: str | None) -> None:
        """Record an upload (``source`` and ``served`` given), or forget one (either None)."""
        with self._lock:
            self._load()
            clients = self._data.setdefault(url, {})
            if source is None or served is None:
                if clients.pop(client_id, None) is None:
                    return
            else:
                clients[client_id] = {"source": source, "served": served}
            if not clients:
                del self._data[url]
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        import tempfile

        text = json.dumps(self._data, indent=1, sort_keys=True) + "\n"
        # Atomic: an interrupted write leaves the old record, never half a file.
        fd, tmp = tempfile.mkstemp(prefix=".logos.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            self._load()
            return json.loads(json.dumps(self._data))  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"LogoRecords({str(self.path) if self.path else 'in memory'})"
