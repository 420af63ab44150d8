"""The values of Rust's libraries that a binary-driven test handles, as Python objects.

Rust's `Option` is the value itself for `Some(x)` and `NONE` for `None`; a `Result` is `Res`;
a `serde_json::Value` is `J`. Each kind answers the methods the tests call on it
(`methods()` in cli_host.py dispatches on these).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .rust_eval import Panic


class _NoneType:
    def __repr__(self) -> str:
        return "None"


NONE = _NoneType()


@dataclass
class Res:
    """A Rust `Result`: ok, or err (a message)."""

    ok: Any = None
    err: str | None = None

    def unwrap(self, why: str = "called `unwrap()` on an `Err`") -> Any:
        if self.err is not None:
            raise Panic(f"{why}: {self.err}")
        return self.ok


@dataclass
class J:
    """A `serde_json::Value`."""

    value: Any

    def __repr__(self) -> str:
        return json.dumps(self.value)[:300]


class Binary:
    """`env!("CARGO_BIN_EXE_assay")`: the original's binary, which assay-py stands in for."""

    def __repr__(self) -> str:
        return "<the assay binary>"


@dataclass
class Command:
    program: Any
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    cwd: str | None = None
    stdin: bytes | None = None


@dataclass
class Status:
    code: int

    def __repr__(self) -> str:
        return f"exit status {self.code}"


@dataclass
class Output:
    stdout: bytes
    stderr: bytes
    status: Status


@dataclass
class TempDir:
    path: str


@dataclass
class TempFile:
    path: str


@dataclass
class Metadata:
    size: int
    mtime_ns: int
    mode: int


@dataclass
class Counter:
    value: int = 0


@dataclass
class Instant:
    ns: int

    @staticmethod
    def now() -> Instant:
        return Instant(time.time_ns())


@dataclass(order=True)
class Duration:
    ns: int


@dataclass
class Url:
    path: str
    query: str


@dataclass
class Pair:
    """An item of `url.query_pairs()`: a (key, value) that destructures as a tuple."""

    key: str
    value: str

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter((self.key, self.value))


@dataclass
class Request:
    method: str
    url: Url
    body: bytes
    headers: dict[str, str]


def display(value: Any) -> str:
    """Rust's `{}` of a value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, J):
        return json.dumps(value.value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, TempDir | TempFile):
        return value.path
    return str(value)


def debug(value: Any) -> str:
    """Rust's `{:?}` of a value."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(debug(v) for v in value) + "]"
    return display(value)


def plain(value: Any) -> Any:
    return value.value if isinstance(value, J) else value


def is_path_like(value: Any) -> bool:
    return isinstance(value, str) and (os.sep in value or value.endswith((".lua", ".yaml")))
