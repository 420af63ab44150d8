from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builtins.conftest import HostLua
from tests.support import postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = postgres.find_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL binaries (initdb, pg_ctl, postgres) in PATH or "
            "/usr/lib/postgresql/*/bin; .ci/run installs Debian's postgresql"
        )
    server = postgres.start(bindir)
    yield server.url
    server.stop()


# -- SQLite ---------------------------------------------------------------------------


def test_sqlite_execute_and_query_with_params(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local conn = db.connect("sqlite::memory:")
        db.execute(conn, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)")
        local one = db.execute(conn, "INSERT INTO users (name, age) VALUES (?, ?)", {"Alice", 30})
        db.execute(conn, "INSERT INTO users (name, age) VALUES (?, ?)", {"Bob", 25})
        local rows = db.query(conn, "SELECT name, age FROM users WHERE age > ? ORDER BY name", {20})
        local deleted = db.execute(conn, "DELETE FROM users WHERE name IN (?, ?)", {"Alice", "Bob"})
        db.close(conn)
        return one, rows, deleted
        """
    )
    assert got == [
        {"rows_affected": 1},
        [{"name": "Alice", "age": 30}, {"name": "Bob", "age": 25}],
        {"rows_affected": 2},
    ]


def test_sqlite_value_types(host_lua: HostLua) -> None:
    got = host_lua(
        r"""
        local conn = db.connect("sqlite::memory:")
        db.execute(conn, "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, flag BOOLEAN,"
                      .. " at TIMESTAMP, n TEXT)")
        db.execute(conn, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, NULL)",
                   {7, 2.5, "héllo", "\255\0", true, "2024-01-02T03:04:05Z"})
        local row = db.query(conn, "SELECT * FROM t")[1]
        return row.i, row.r, row.s, row.b == "\255\0", row.flag, row.at, row.n == nil
        """
    )
    assert got == [7, 2.5, "héllo", True, True, "2024-01-02T03:04:05Z", True]


def test_sqlite_empty_result_and_ddl_rows_affected(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local conn = db.connect("sqlite::memory:")
        local created = db.execute(conn, "CREATE TABLE e (v TEXT)")
        return created.rows_affected, #db.query(conn, "SELECT * FROM e")
        """
    )
    assert got == [0, 0]


def test_sqlite_memory_databases_are_separate(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local a, b = db.connect("sqlite::memory:"), db.connect("sqlite::memory:")
        db.execute(a, "CREATE TABLE only_a (v TEXT)")
        return pcall(db.query, b, "SELECT * FROM only_a")
        """
    )
    assert got[0] is False
    assert got[1].endswith(
        "db.query: error returned from database: (code: 1) no such table: only_a"
    )


def test_sqlite_file_urls_and_modes(host_lua: HostLua, tmp_path: Path) -> None:
    path = tmp_path / "data.db"
    assert host_lua.error(f'db.connect("sqlite://{path}")') == (
        "db.connect: error returned from database: (code: 14) unable to open database file"
    )
    host_lua(
        f"""
        local conn = db.connect("sqlite://{path}?mode=rwc")
        db.execute(conn, "CREATE TABLE kept (v TEXT)")
        db.execute(conn, "INSERT INTO kept VALUES (?)", {{"persisted"}})
        db.close(conn)
        """
    )
    assert path.exists()
    again = host_lua(f'return db.query(db.connect("sqlite:{path}"), "SELECT v FROM kept")')
    assert again == [{"v": "persisted"}]
    assert (
        host_lua.error(f'db.execute(db.connect("sqlite://{path}?mode=ro"), "DELETE FROM kept")')
        == "db.execute: error returned from database: (code: 8)"
        " attempt to write a readonly database"
    )


def test_sqlite_errors(host_lua: HostLua) -> None:
    assert host_lua.error('db.execute(db.connect("sqlite::memory:"), "NOT VALID SQL")') == (
        'db.execute: error returned from database: (code: 1) near "NOT": syntax error'
    )
    assert (
        host_lua.error(
            """
        local conn = db.connect("sqlite::memory:")
        db.close(conn)
        db.query(conn, "SELECT 1")
        """
        )
        == "db.query: attempted to acquire a connection on a closed pool"
    )


def test_bad_arguments(host_lua: HostLua) -> None:
    assert host_lua.error("db.connect()") == (
        "db.connect: bad argument #1: error converting Lua nil to String"
        " (expected string or number)"
    )
    assert host_lua.error("db.connect({})") == (
        "db.connect: bad argument #1: error converting Lua table to String"
        " (expected string or number)"
    )
    assert host_lua.error("db.connect(5)") == (
        "db.connect: error with configuration: relative URL without a base"
    )
    assert host_lua.error('db.connect("mysql://u@h/db")') == (
        "db.connect: MySQL is not provided by assay-py (sqlite and postgres are)"
    )
    assert host_lua.error('db.connect("oracle://x")') == (
        'db.connect: error with configuration: no driver found for URL scheme "oracle"'
    )
    assert host_lua.error('db.query({}, "SELECT 1")') == (
        "db.query: first argument must be a db connection"
    )
    assert host_lua.error('db.execute("sqlite::memory:", "SELECT 1")') == (
        "db.execute: first argument must be a db connection"
    )
    assert host_lua.error("db.close(nil)") == "db.close: first argument must be a db connection"
    assert host_lua.error('db.query(db.connect("sqlite::memory:"), 42)') == (
        "db.query: second argument must be a SQL string"
    )
    assert host_lua.error('db.query(db.connect("sqlite::memory:"), "SELECT ?", "x")') == (
        "db: params must be a table (array) or nil"
    )
    assert host_lua.error('db.query(db.connect("sqlite::memory:"), "SELECT ?", {{}})') == (
        "db: unsupported parameter type: table"
    )


def test_sqlite_runs_every_statement_of_a_text(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local conn = db.connect("sqlite::memory:")
        local made = db.execute(conn, "CREATE TABLE a (v INTEGER); CREATE TABLE b (w TEXT);")
        local added = db.execute(conn,
          "INSERT INTO a VALUES (?); INSERT INTO a VALUES (2), (3); INSERT INTO b VALUES ('x')",
          {1})
        local rows = db.query(conn, "SELECT v FROM a WHERE v < 3; SELECT w AS v FROM b")
        return made.rows_affected, added.rows_affected, rows
        """
    )
    assert got == [0, 4, [{"v": 1}, {"v": 2}, {"v": "x"}]]


def test_postgres_connect_failures_are_worded_as_the_original(host_lua: HostLua) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert host_lua.error(f'db.connect("postgres://u:secret@127.0.0.1:{port}/x")') == (
        "db.connect: error communicating with database: Connection refused (os error 111)"
    )


def test_a_handle_cannot_be_forged_or_changed(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local conn = db.connect("sqlite::memory:")
        local fake = setmetatable({}, { __metatable = getmetatable(conn) })
        local forged = select(2, pcall(db.query, fake, "SELECT 1"))
        local changed = select(2, pcall(function() conn.x = 1 end))
        return getmetatable(conn), forged, changed
        """
    )
    assert got[0] == "db connection"
    assert got[1].endswith("db.query: first argument must be a db connection")
    assert got[2].endswith("db connection handles cannot be changed")


def test_first_use_inside_a_coroutine_and_tasks(host_lua: HostLua) -> None:
    got = host_lua(
        """
        local conn = coroutine.wrap(function() return db.connect("sqlite::memory:") end)()
        db.execute(conn, "CREATE TABLE n (v INTEGER)")
        local tasks = {}
        for i = 1, 5 do
          tasks[i] = async.spawn(function()
            return db.execute(conn, "INSERT INTO n VALUES (?)", {i}).rows_affected
          end)
        end
        for i = 1, 5 do assert.eq(tasks[i].await()[1], 1) end
        return db.query(conn, "SELECT sum(v) AS total FROM n")[1].total
        """
    )
    assert got == 15


# -- PostgreSQL (a real server) ---------------------------------------------------------


def test_postgres_values_by_type(host_lua: HostLua, pg_url: str) -> None:
    got = host_lua(
        f"""
        local conn = db.connect("{pg_url}")
        local row = db.query(conn, [[
          SELECT 12345.6789::numeric AS amount, true AS yes, 42::int2 AS small,
                 9007199254740993::int8 AS big, 1.5::float8 AS f, 'text'::text AS t,
                 NULL::text AS missing, '{{"a": [1, 2], "b": null}}'::jsonb AS doc,
                 '2024-01-02 03:04:05+00'::timestamptz AS at, 'NaN'::float8 AS nan
        ]])[1]
        db.close(conn)
        return type(row.amount), row.amount, row.yes, row.small, row.f, row.t,
               row.missing == nil, row.doc, row.at, row.nan ~= row.nan
        """
    )
    assert got == [
        "string",
        "12345.6789",
        True,
        42,
        1.5,
        "text",
        True,
        {"a": [1, 2]},
        "2024-01-02 03:04:05+00",
        True,
    ]


def test_postgres_real_is_widened_from_single_precision(host_lua: HostLua, pg_url: str) -> None:
    got = host_lua(
        f"""
        local conn = db.connect("{pg_url}")
        local row = db.query(conn, "SELECT 1.1::float4 AS r, 1.1::float8 AS d")[1]
        db.close(conn)
        return row.r, row.d
        """
    )
    assert got == [1.100000023841858, 1.1]


def test_postgres_json_numbers_beyond_64_bits_are_floats(host_lua: HostLua, pg_url: str) -> None:
    got = host_lua(
        f"""
        local conn = db.connect("{pg_url}")
        local doc = db.query(conn,
          [[SELECT '{{"big": 18446744073709551616, "small": 7, "f": 1.0}}'::jsonb AS d]])[1].d
        db.close(conn)
        return doc.big, doc.small, doc.f
        """
    )
    assert got == [1.8446744073709552e19, 7, 1.0]
    assert [type(v) for v in got[:2]] == [float, int]


def test_postgres_native_placeholders_and_rows_affected(host_lua: HostLua, pg_url: str) -> None:
    got = host_lua(
        f"""
        local conn = db.connect("{pg_url}")
        db.execute(conn, "DROP TABLE IF EXISTS items; CREATE TABLE items (name text, price float8)")
        local items = {{ {{"Widget", 9.99}}, {{"Gadget", 19.99}}, {{"Doohickey", 4.99}} }}
        for _, item in ipairs(items) do
          db.execute(conn, "INSERT INTO items VALUES ($1, $2)", item)
        end
        local rows = db.query(conn,
          "SELECT name FROM items WHERE price > $2 AND name <> $1 ORDER BY price", {{"x", 5}})
        local updated = db.execute(conn, "UPDATE items SET price = price * 2 WHERE price < $1",
                                   {{10}})
        local percent = db.query(conn, "SELECT '100%' AS p, $1::text AS q", {{"a%s"}})[1]
        db.close(conn)
        return rows, updated.rows_affected, percent.p, percent.q
        """
    )
    assert got == [[{"name": "Widget"}, {"name": "Gadget"}], 2, "100%", "a%s"]


def test_postgres_errors_and_no_password_in_them(host_lua: HostLua, pg_url: str) -> None:
    assert host_lua.error(f'db.query(db.connect("{pg_url}"), "SELECT * FROM nowhere")') == (
        'db.query: error returned from database: relation "nowhere" does not exist'
    )
    wrong = pg_url.replace(postgres.PASSWORD, "wrong-secret-77")
    msg = host_lua.error(f'db.connect("{wrong}")')
    assert msg.startswith("db.connect: ")
    assert "password authentication failed" in msg
    assert "wrong-secret-77" not in msg


def test_postgres_in_tasks(host_lua: HostLua, pg_url: str) -> None:
    got = host_lua(
        f"""
        local conn = db.connect("{pg_url}")
        local a = async.spawn(function() return db.query(conn, "SELECT 1 AS v")[1].v end)
        local b = async.spawn(function() return db.query(conn, "SELECT 2 AS v")[1].v end)
        return a.await()[1] + b.await()[1]
        """
    )
    assert got == 3
