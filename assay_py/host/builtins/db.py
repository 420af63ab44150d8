"""The ``db`` global: ``connect``, ``query``, ``execute``, ``close`` for SQLite and PostgreSQL.

- ``db.connect(url)`` → a connection handle. ``sqlite::memory:`` (a fresh in-memory
  database per connect), ``sqlite://path``, ``sqlite:path`` or ``sqlite:///abs/path`` with
  ``?mode=ro|rw|rwc|memory`` (default ``rw``: the file must exist, as on the original);
  ``postgres://`` or ``postgresql://user:pass@host:port/db?sslmode=...`` (libpq's URL form).
- ``db.query(conn, sql, params?)`` → rows, each a table keyed by column name (NULL → nil).
- ``db.execute(conn, sql, params?)`` → ``{rows_affected = n}``.
- ``db.close(conn)``.

Parameters are an array of nil/boolean/number/string, bound to ``?`` (SQLite) or ``$1, $2``
(PostgreSQL's own placeholders). Every statement commits on its own (no implicit
transaction). PostgreSQL values come back by type: booleans, integers and floats as Lua
values, ``numeric`` as its exact text, ``json``/``jsonb`` as tables, anything else as the
server's text. psycopg (PostgreSQL) is imported on the first PostgreSQL connect.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from assay_py.host._engine import lupa_engine
from assay_py.host.builtins._args import bad_argument, coerced_text, lua_type_name
from assay_py.host.handles import Handles
from assay_py.host.scheduler import Pending, awaitable
from assay_py.host.vm import LuaVM

KIND = "db connection"
Params = list[Any]
Rows = list[dict[str, Any]]


class DbError(Exception):
    """A database failure, worded for the script."""


class _Connection:
    """One open connection; calls are serialised (tasks may share it from worker threads)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.lock = threading.Lock()
        self.closed = False

    def query(self, fn: str, sql: str, params: Params) -> Rows:
        raise NotImplementedError

    def execute(self, fn: str, sql: str, params: Params) -> int:
        raise NotImplementedError

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.raw.close()

    def check_open(self, fn: str) -> None:
        if self.closed:
            raise DbError(f"{fn}: attempted to acquire a connection on a closed pool")


class _Sqlite(_Connection):
    # Like the original, a text of several statements runs them all: a query answers the rows
    # of each in turn, an execute the sum of their counts.
    def query(self, fn: str, sql: str, params: Params) -> Rows:
        with self.lock:
            self.check_open(fn)
            rows: Rows = []
            for cursor in self._run(fn, sql, params):
                names = [column[0] for column in cursor.description or ()]
                rows.extend(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
            return rows

    def execute(self, fn: str, sql: str, params: Params) -> int:
        with self.lock:
            self.check_open(fn)
            return sum(max(int(cursor.rowcount), 0) for cursor in self._run(fn, sql, params))

    def _run(self, fn: str, sql: str, params: Params) -> Iterator[Any]:
        import sqlite3

        values = [_sqlite_param(p) for p in params]
        statements = _statements(sql)
        try:
            for index, statement in enumerate(statements):
                # The parameters belong to the first statement with placeholders (or the last).
                last = index == len(statements) - 1
                if values and ("?" in statement or last):
                    bound, values = values, []
                    yield self.raw.execute(statement, bound)
                else:
                    yield self.raw.execute(statement)
        except sqlite3.Error as exc:
            raise DbError(f"{fn}: {_sqlite_text(exc)}") from None


class _Postgres(_Connection):
    def query(self, fn: str, sql: str, params: Params) -> Rows:
        with self.lock:
            self.check_open(fn)
            result = self._run(fn, sql, params)
            if result is None:
                return []
            return _pg_rows(result)

    def execute(self, fn: str, sql: str, params: Params) -> int:
        with self.lock:
            self.check_open(fn)
            cursor = self.raw.cursor()
            try:
                self._execute(fn, cursor, sql, params)
                return max(int(cursor.rowcount), 0)
            finally:
                cursor.close()

    def _run(self, fn: str, sql: str, params: Params) -> Any:
        cursor = self.raw.cursor()
        try:
            self._execute(fn, cursor, sql, params)
            return cursor.pgresult
        finally:
            cursor.close()

    def _execute(self, fn: str, cursor: Any, sql: str, params: Params) -> None:
        import psycopg

        try:
            # Without parameters nothing is bound, so several statements may run at once.
            cursor.execute(sql, [_pg_param(fn, p) for p in params] or None)
        except psycopg.Error as exc:
            raise DbError(f"{fn}: {_pg_text(exc)}") from None


def _statements(sql: str) -> list[str]:
    """The SQL text cut into whole statements (as SQLite's own parser sees their ends)."""
    import sqlite3

    statements: list[str] = []
    current = ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                statements.append(current)
            current = ""
    rest = current[:-1]
    if rest.strip() or not statements:
        statements.append(rest if rest.strip() else sql)
    return statements


def _sqlite_param(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value  # not text: stored as a blob
    return value


def _pg_param(fn: str, value: Any) -> Any:
    # Lua strings are bytes; as text parameters (like the original's) the server infers
    # their type, where bytes would be bound as bytea.
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise DbError(f"{fn}: a string parameter is not valid UTF-8") from None
    return value


def _sqlite_text(exc: Exception) -> str:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return str(exc)
    return f"error returned from database: (code: {code}) {exc}"


def _pg_text(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        return f"error returned from database: {primary}"
    return str(exc).strip().split("\n", 1)[0] or type(exc).__name__


# libpq's reasons for a failed connection, and the OS errors the original names instead.
_SOCKET_REASONS = {
    "Connection refused": "Connection refused (os error 111)",
    "No such file or directory": "No such file or directory (os error 2)",
    "Connection timed out": "Connection timed out (os error 110)",
    "No route to host": "No route to host (os error 113)",
    "Network is unreachable": "Network is unreachable (os error 101)",
}


def _pg_connect_text(exc: Exception) -> str:
    """A failed connect worded as the original's: what the server said (``error returned
    from database: ...``), else the socket's failure (``error communicating with database``)."""
    text = str(exc)
    fatal = re.search(r"(?:FATAL|ERROR):\s+(.+)", text)
    if fatal:
        return f"error returned from database: {fatal.group(1).strip()}"
    for reason, words in _SOCKET_REASONS.items():
        if reason in text:
            return f"error communicating with database: {words}"
    if "could not translate host name" in text or "failed to resolve host" in text:
        reason = re.sub(r"^\[Errno -?\d+\]\s*", "", text.rsplit(":", 1)[-1].strip())
        return f"error communicating with database: failed to lookup address information: {reason}"
    return _pg_text(exc)


# PostgreSQL type oids decoded to Lua values (the rest stay the server's text).
_PG_BOOL = 16
_PG_INTS = frozenset({20, 21, 23, 26})  # int8, int2, int4, oid
_PG_FLOAT4 = 700
_PG_FLOATS = frozenset({700, 701})  # float4, float8
_PG_JSON = frozenset({114, 3802})  # json, jsonb


def _json_int(text: str) -> int | float:
    # As the original reads JSON numbers: whole ones that fit 64 bits are integers, others floats.
    number = int(text)
    return number if -(2**63) <= number < 2**63 else float(number)


def _pg_rows(result: Any) -> Rows:
    import json
    import struct

    columns = [
        (result.fname(i).decode("utf-8", "replace"), result.ftype(i)) for i in range(result.nfields)
    ]
    rows: Rows = []
    for r in range(result.ntuples):
        row: dict[str, Any] = {}
        for c, (name, oid) in enumerate(columns):
            raw = result.get_value(r, c)
            if raw is None:
                row[name] = None
            elif oid == _PG_BOOL:
                row[name] = raw == b"t"
            elif oid in _PG_INTS:
                row[name] = int(raw)
            elif oid == _PG_FLOAT4:
                # Single precision, widened as on the original: 1.1 reads 1.100000023841858.
                row[name] = struct.unpack("f", struct.pack("f", float(raw)))[0]
            elif oid in _PG_FLOATS:
                row[name] = float(raw)
            elif oid in _PG_JSON:
                row[name] = json.loads(raw, parse_int=_json_int)
            else:
                row[name] = raw.decode("utf-8", "replace")
        rows.append(row)
    return rows


def _open(url: str) -> _Connection:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("postgres", "postgresql"):
        return _open_postgres(url)
    if scheme == "sqlite":
        return _open_sqlite(url)
    if scheme in ("mysql", "mariadb"):
        raise DbError("db.connect: MySQL is not provided by assay-py (sqlite and postgres are)")
    if not scheme:
        raise DbError("db.connect: error with configuration: relative URL without a base")
    raise DbError(
        f'db.connect: error with configuration: no driver found for URL scheme "{scheme}"'
    )


def _open_sqlite(url: str) -> _Connection:
    import sqlite3
    from urllib.parse import parse_qsl, quote

    rest = url[len("sqlite:") :]
    if rest.startswith("//"):
        rest = rest[2:]
    path, _, query = rest.partition("?")
    options = dict(parse_qsl(query))
    mode = options.get("mode", "rw")
    if mode not in ("ro", "rw", "rwc", "memory"):
        raise DbError(f'db.connect: unknown value "{mode}" for `mode`')
    try:
        if path in (":memory:", "") or mode == "memory":
            raw = sqlite3.connect(
                ":memory:",
                isolation_level=None,
                check_same_thread=False,
                detect_types=sqlite3.PARSE_DECLTYPES,
            )
        else:
            raw = sqlite3.connect(
                f"file:{quote(path)}?mode={mode}",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                detect_types=sqlite3.PARSE_DECLTYPES,
            )
    except sqlite3.Error as exc:
        raise DbError(f"db.connect: {_sqlite_text(exc)}") from None
    return _Sqlite(raw)


def _sqlite_text_value(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _sqlite_bool(raw: bytes) -> bool:
    return raw not in (b"0", b"", b"false", b"FALSE")


def _open_postgres(url: str) -> _Connection:
    import psycopg

    try:
        raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.RawCursor)
    except psycopg.Error as exc:
        raise DbError(f"db.connect: {_pg_connect_text(exc)}") from None
    return _Postgres(raw)


def _params(value: Any) -> Params:
    if value is None:
        return []
    if lupa_engine().lua_type(value) != "table":
        raise TypeError("db: params must be a table (array) or nil")
    params: Params = []
    for index in range(1, len(value) + 1):
        item = value[index]
        if item is None or isinstance(item, (bool, int, float, bytes)):
            params.append(item)
        else:
            raise TypeError(f"db: unsupported parameter type: {lua_type_name(item)}")
    return params


def install(vm: LuaVM) -> None:
    import sqlite3

    # Columns declared BOOLEAN come back as booleans, as on the original. The converters are
    # process-wide: DATE and TIMESTAMP are replaced too, so that the stdlib's own (which turn
    # them into datetime objects, and fail on other layouts) never apply; they stay text.
    for decl in ("BOOLEAN", "BOOL"):
        sqlite3.register_converter(decl, _sqlite_bool)
    for decl in ("DATE", "TIMESTAMP"):
        sqlite3.register_converter(decl, _sqlite_text_value)
    handles = Handles(vm, KIND)

    def close_all() -> None:
        for connection in handles.objects.values():
            connection.close()

    vm.on_close(close_all)

    def connect(url: Any = None, *_: Any) -> Pending:
        raw = coerced_text(url)
        if raw is None:
            raise TypeError(f"db.connect: {bad_argument(1, url, 'String')}")
        text = raw.decode("utf-8", "replace")
        return Pending(lambda: _open(text), handles.new)

    def statement(fn: str, conn: Any, sql: Any, params: Any) -> tuple[_Connection, str, Params]:
        connection: _Connection = handles.get(conn, fn)
        if not isinstance(sql, bytes):
            raise TypeError(f"{fn}: second argument must be a SQL string")
        return connection, sql.decode("utf-8", "replace"), _params(params)

    def query(conn: Any = None, sql: Any = None, params: Any = None) -> Pending:
        connection, text, values = statement("db.query", conn, sql, params)
        return Pending(lambda: connection.query("db.query", text, values))

    def execute(conn: Any = None, sql: Any = None, params: Any = None) -> Pending:
        connection, text, values = statement("db.execute", conn, sql, params)
        return Pending(lambda: {"rows_affected": connection.execute("db.execute", text, values)})

    def close(conn: Any = None) -> Pending:
        connection: _Connection = handles.get(conn, "db.close")
        return Pending(connection.close)

    functions: dict[str, Callable[..., Pending]] = {
        "connect": connect,
        "query": query,
        "execute": execute,
        "close": close,
    }
    vm.set_global("db", vm.table({name: awaitable(vm, fn) for name, fn in functions.items()}))
