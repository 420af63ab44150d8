"""Methods of the Rust values a binary-driven test calls, by the receiver's kind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .mock_server import MockServer
from .rust_eval import Panic, Unsupported
from .rust_values import (
    NONE,
    Command,
    Counter,
    Duration,
    Instant,
    J,
    Metadata,
    Pair,
    Res,
    Status,
    TempDir,
    TempFile,
    Url,
    display,
    plain,
)

if TYPE_CHECKING:
    from .cli_host import Host

_SAME = {
    "to_string", "to_owned", "clone", "into", "as_str", "as_ref", "display", "as_path",
    "to_path_buf", "to_string_lossy", "as_deref", "as_slice", "iter", "into_iter", "cloned",
    "copied", "borrow", "as_mut", "by_ref", "into_owned", "as_os_str", "into_path", "keep",
    "as_file_mut", "as_file", "flush_ok",
}  # fmt: skip


def method(host: Host, value: Any, name: str, args: list[Any]) -> Any:
    for kind, table in _TABLES:
        if isinstance(value, kind):
            fn = table.get(name)
            if fn is not None:
                return fn(host, value, *args)
    if name in ("unwrap", "expect", "unwrap_or", "unwrap_or_else", "unwrap_or_default"):
        if value is NONE:
            if name in ("unwrap", "expect"):
                raise Panic(f"called `{name}()` on a `None` value")
            if name == "unwrap_or":
                return args[0]
            return args[0]() if name == "unwrap_or_else" else ""
        return value
    if name in ("is_none", "is_some"):
        return (value is NONE) == (name == "is_none")
    if name == "map":
        return NONE if value is NONE else args[0](value)  # Option::map of Some(value)
    if name in _SAME:
        return value
    raise Unsupported(f"method .{name}() of {type(value).__name__}")


def _res_unwrap_or_else(h: Host, r: Res, f: Callable[..., Any]) -> Any:
    return r.ok if r.err is None else f(r.err)


def _expect(h: Host, r: Res, why: Any = "expect") -> Any:
    return r.unwrap(display(why))


def _unwrap_err(h: Host, r: Res, *why: Any) -> Any:
    if r.err is None:
        raise Panic(f"called `unwrap_err()` on an `Ok` value: {display(r.ok)[:200]}")
    return r.err


_RES: dict[str, Callable[..., Any]] = {
    "unwrap": lambda h, r: r.unwrap(),
    "expect": _expect,
    "unwrap_or_else": _res_unwrap_or_else,
    "unwrap_or": lambda h, r, d: r.ok if r.err is None else d,
    "unwrap_or_default": lambda h, r: r.ok if r.err is None else 0,
    "is_ok": lambda h, r: r.err is None,
    "is_err": lambda h, r: r.err is not None,
    "unwrap_err": _unwrap_err,
    "expect_err": _unwrap_err,
    "err": lambda h, r: r.err if r.err is not None else NONE,
    "ok": lambda h, r: r.ok if r.err is None else NONE,
    "map_err": lambda h, r, f: r if r.err is None else Res(err=display(f(r.err))),
    "to_string": lambda h, r: display(r.err if r.err is not None else r.ok),
}


def _arg(h: Host, c: Command, a: Any) -> Command:
    c.args.append(display(a))
    return c


def _args(h: Host, c: Command, items: Any) -> Command:
    c.args += [display(a) for a in h.iterate(items)]
    return c


def _env(h: Host, c: Command, k: Any, v: Any) -> Command:
    c.env[display(k)] = display(v)
    c.removed.discard(display(k))
    return c


def _env_remove(h: Host, c: Command, k: Any) -> Command:
    c.removed.add(display(k))
    c.env.pop(display(k), None)
    return c


def _current_dir(h: Host, c: Command, d: Any) -> Command:
    c.cwd = display(d)
    return c


_COMMAND: dict[str, Callable[..., Any]] = {
    "arg": _arg,
    "args": _args,
    "env": _env,
    "env_remove": _env_remove,
    "current_dir": _current_dir,
    "stdout": lambda h, c, _s: c,
    "stderr": lambda h, c, _s: c,
    "output": lambda h, c: Res(ok=h.run(c)),
    "status": lambda h, c: Res(ok=h.run(c).status),
}

_STATUS: dict[str, Callable[..., Any]] = {
    "success": lambda h, s: s.code == 0,
    "code": lambda h, s: s.code,
}


def _hex(c: str) -> bool:
    return len(c) == 1 and c in "0123456789abcdefABCDEF"


def _path_join(h: Host, s: str, other: Any) -> str:
    return os.path.join(s, display(other))


def _parse(h: Host, s: str) -> Res:
    try:
        return Res(ok=int(s.strip()))
    except ValueError:
        try:
            return Res(ok=float(s.strip()))
        except ValueError:
            return Res(err=f"invalid digit in {s!r}")


_STR: dict[str, Callable[..., Any]] = {
    "contains": lambda h, s, x: (x(s) if callable(x) else display(x)) in s,
    "starts_with": lambda h, s, x: s.startswith(display(x)),
    "ends_with": lambda h, s, x: s.endswith(display(x)),
    "len": lambda h, s: len(s.encode("utf-8", "surrogateescape")),
    "is_empty": lambda h, s: s == "",
    "trim": lambda h, s: s.strip(),
    "trim_end": lambda h, s: s.rstrip(),
    "trim_start": lambda h, s: s.lstrip(),
    "lines": lambda h, s: s.splitlines(),
    "split": lambda h, s, x: s.split(display(x)),
    "split_whitespace": lambda h, s: s.split(),
    "to_lowercase": lambda h, s: s.lower(),
    "to_uppercase": lambda h, s: s.upper(),
    "to_ascii_lowercase": lambda h, s: s.lower(),
    "chars": lambda h, s: list(s),
    "bytes": lambda h, s: list(s.encode()),
    "as_bytes": lambda h, s: s.encode(),
    "into_bytes": lambda h, s: s.encode(),
    "parse": _parse,
    "replace": lambda h, s, a, b: s.replace(display(a), display(b)),
    "repeat": lambda h, s, n: s * n,
    "join": _path_join,
    "exists": lambda h, s: Path(s).exists(),
    "is_file": lambda h, s: Path(s).is_file(),
    "is_dir": lambda h, s: Path(s).is_dir(),
    "to_str": lambda h, s: s,
    "file_name": lambda h, s: os.path.basename(s),
    "parent": lambda h, s: os.path.dirname(s),
    "with_extension": lambda h, s, e: str(Path(s).with_suffix("." + display(e))),
    "is_ascii_hexdigit": lambda h, s: _hex(s),
    "is_ascii_digit": lambda h, s: s.isdigit() and s.isascii(),
    "is_alphanumeric": lambda h, s: s.isalnum(),
    "is_whitespace": lambda h, s: s.isspace(),
    "find": lambda h, s, x: s.find(display(x)) if display(x) in s else NONE,
    "matches": lambda h, s, x: [display(x)] * s.count(display(x)),
    "eq_ignore_ascii_case": lambda h, s, x: s.lower() == display(x).lower(),
}

_BYTES: dict[str, Callable[..., Any]] = {
    "len": lambda h, b: len(b),
    "is_empty": lambda h, b: len(b) == 0,
    "to_vec": lambda h, b: b,
    "windows": lambda h, b, n: [b[i : i + n] for i in range(len(b) - n + 1)],
    "as_ref": lambda h, b: b,
    "starts_with": lambda h, b, x: b.startswith(x if isinstance(x, bytes) else display(x).encode()),
    "contains": lambda h, b, x: (x if isinstance(x, bytes) else bytes([x])) in b,
}


def _collect(h: Host, items: Any) -> Any:
    return list(items)


_LIST: dict[str, Callable[..., Any]] = {
    "len": lambda h, v: len(v),
    "is_empty": lambda h, v: len(v) == 0,
    "all": lambda h, v, f: all(f(x) for x in v),
    "any": lambda h, v, f: any(f(x) for x in v),
    "map": lambda h, v, f: [f(x) for x in v],
    "filter": lambda h, v, f: [x for x in v if f(x)],
    "find": lambda h, v, f: next((x for x in v if f(x)), NONE),
    "position": lambda h, v, f: next((i for i, x in enumerate(v) if f(x)), NONE),
    "collect": _collect,
    "count": lambda h, v: len(v),
    "contains": lambda h, v, x: any(h.equal(y, x) for y in v),
    "join": lambda h, v, sep: display(sep).join(display(x) for x in v),
    "concat": lambda h, v: "".join(display(x) for x in v),
    "first": lambda h, v: v[0] if v else NONE,
    "last": lambda h, v: v[-1] if v else NONE,
    "get": lambda h, v, i: v[i] if 0 <= i < len(v) else NONE,
    "push": lambda h, v, x: v.append(x),
    "rev": lambda h, v: list(reversed(v)),
    "remove": lambda h, v, i: v.pop(i),
    "next": lambda h, v: v[0] if v else NONE,
    "nth": lambda h, v, i: v[i] if 0 <= i < len(v) else NONE,
    "enumerate": lambda h, v: list(enumerate(v)),
    "skip": lambda h, v, n: list(v)[n:],
    "windows": lambda h, v, n: [list(v)[i : i + n] for i in range(len(v) - n + 1)],
    "extend_from_slice": lambda h, v, x: v.extend(list(x)),
    "extend": lambda h, v, x: v.extend(list(x)),
    "take": lambda h, v, n: list(v)[:n],
}


def _json_as(kind: type | tuple[type, ...], exclude: type | None = None) -> Callable[..., Any]:
    def get(h: Host, j: J) -> Any:
        v = j.value
        if isinstance(v, kind) and not (exclude is not None and isinstance(v, exclude)):
            return [J(x) for x in v] if isinstance(v, list) else v
        return NONE

    return get


def _json_get(h: Host, j: J, key: Any) -> Any:
    v = j.value
    if isinstance(v, dict) and display(key) in v:
        return J(v[display(key)])
    if isinstance(v, list) and isinstance(key, int) and key < len(v):
        return J(v[key])
    return NONE


_JSON: dict[str, Callable[..., Any]] = {
    "as_str": _json_as(str),
    "as_u64": _json_as(int, bool),
    "as_i64": _json_as(int, bool),
    "as_f64": _json_as((int, float), bool),
    "as_bool": _json_as(bool),
    "as_array": _json_as(list),
    "as_object": _json_as(dict),
    "as_object_mut": _json_as(dict),
    "as_array_mut": _json_as(list),
    "is_null": lambda h, j: j.value is None,
    "is_string": lambda h, j: isinstance(j.value, str),
    "is_object": lambda h, j: isinstance(j.value, dict),
    "is_array": lambda h, j: isinstance(j.value, list),
    "is_boolean": lambda h, j: isinstance(j.value, bool),
    "is_number": lambda h, j: isinstance(j.value, int | float) and not isinstance(j.value, bool),
    "get": _json_get,
    "to_string": lambda h, j: display(j),
    "contains_key": lambda h, j, k: isinstance(j.value, dict) and display(k) in j.value,
}

_DICT: dict[str, Callable[..., Any]] = {
    "contains_key": lambda h, d, k: display(k) in d,
    "get": lambda h, d, k: d.get(display(k).lower(), d.get(display(k), NONE)),
    "len": lambda h, d: len(d),
    "is_empty": lambda h, d: not d,
    "keys": lambda h, d: list(d),
    "remove": lambda h, d, k: d.pop(display(k), NONE),
    "insert": lambda h, d, k, v: d.__setitem__(display(k), plain(v)),
}


def _write_all(h: Host, f: TempFile, data: Any) -> Res:
    with open(f.path, "ab") as out:
        out.write(data if isinstance(data, bytes) else display(data).encode())
    return Res()


_FILE: dict[str, Callable[..., Any]] = {
    "path": lambda h, f: f.path,
    "write_all": _write_all,
    "flush": lambda h, f: Res(),
    "sync_all": lambda h, f: Res(),
}

_TEMPDIR: dict[str, Callable[..., Any]] = {
    "path": lambda h, d: d.path,
    "into_path": lambda h, d: d.path,
    "keep": lambda h, d: d.path,
    "join": lambda h, d, x: os.path.join(d.path, display(x)),
    "close": lambda h, d: Res(),
}

_METADATA: dict[str, Callable[..., Any]] = {
    "len": lambda h, m: m.size,
    "modified": lambda h, m: Res(ok=Instant(m.mtime_ns)),
    "permissions": lambda h, m: m,
    "mode": lambda h, m: m.mode,
    "is_file": lambda h, m: (m.mode & 0o170000) == 0o100000,
    "is_dir": lambda h, m: (m.mode & 0o170000) == 0o040000,
}

_COUNTER: dict[str, Callable[..., Any]] = {
    "fetch_add": lambda h, c, n, _o: _fetch_add(c, n),
    "load": lambda h, c, _o: c.value,
}


def _fetch_add(c: Counter, n: int) -> int:
    old = c.value
    c.value += n
    return old


_TIME: dict[str, Callable[..., Any]] = {
    "duration_since": lambda h, t, since: Res(ok=Duration(t.ns - (plain(since) or 0))),
    "elapsed": lambda h, t: Duration(Instant.now().ns - t.ns),
}

_DURATION: dict[str, Callable[..., Any]] = {
    "as_nanos": lambda h, d: d.ns,
    "as_micros": lambda h, d: d.ns // 1000,
    "as_millis": lambda h, d: d.ns // 10**6,
    "as_secs": lambda h, d: d.ns // 10**9,
    "as_secs_f64": lambda h, d: d.ns / 1e9,
    "unwrap_or_default": lambda h, d: d,
}


_SERVER: dict[str, Callable[..., Any]] = {
    "uri": lambda h, s: s.url,
    "address": lambda h, s: s,
    "ip": lambda h, s: "127.0.0.1",
    "port": lambda h, s: int(s.url.rsplit(":", 1)[1]),
    "received_requests": lambda h, s: list(s.received),
}


def _query_pairs(h: Host, u: Url) -> list[Pair]:
    from urllib.parse import parse_qsl

    return [Pair(k, v) for k, v in parse_qsl(u.query, keep_blank_values=True)]


_URL: dict[str, Callable[..., Any]] = {
    "query_pairs": _query_pairs,
    "path": lambda h, u: u.path,
    "query": lambda h, u: u.query or NONE,
    "as_str": lambda h, u: u.path + ("?" + u.query if u.query else ""),
}


_TABLES: list[tuple[type | tuple[type, ...], dict[str, Callable[..., Any]]]] = [
    (Res, _RES),
    (Command, _COMMAND),
    (Status, _STATUS),
    (bool, {}),
    (str, _STR),
    (bytes, _BYTES),
    ((list, tuple), _LIST),
    (J, _JSON),
    (dict, _DICT),
    (TempFile, _FILE),
    (TempDir, _TEMPDIR),
    (Counter, _COUNTER),
    (Metadata, _METADATA),
    (Instant, _TIME),
    (Duration, _DURATION),
    (MockServer, _SERVER),
    (Url, _URL),
]
