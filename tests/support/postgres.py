"""A throwaway PostgreSQL server for tests: initdb into a temporary folder, started with
pg_ctl on a free port of 127.0.0.1, removed afterwards.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` user (or
``nobody`` where there is none). TCP logins need the password (scram-sha-256), so tests can
check that it never shows in an error.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass

PASSWORD = "pg-test-pw-3f9a"
_TOOLS = ("initdb", "pg_ctl", "postgres")


def find_bindir() -> str | None:
    """A folder holding initdb, pg_ctl and postgres: PATH's first, then Debian's."""
    candidates: list[str] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(os.path.dirname(os.path.realpath(found)))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if all(os.access(os.path.join(folder, tool), os.X_OK) for tool in _TOOLS):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: str
    base: str
    port: int
    user: str | None

    @property
    def url(self) -> str:
        return f"postgres://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [os.path.join(self.bindir, args[0]), *args[1:]],
            check=True,
            user=self.user,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.base,
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", f"{self.base}/data", "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def start(bindir: str) -> PostgresServer:
    user: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
            user = "postgres"
        except KeyError:
            user = "nobody"
    base = tempfile.mkdtemp(prefix="assay-pg-")
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    pwfile = os.path.join(base, "pw")
    with open(pwfile, "w") as handle:
        handle.write(PASSWORD + "\n")
    if user is not None:
        os.chown(pwfile, pwd.getpwnam(user).pw_uid, -1)
    server = PostgresServer(bindir, base, _free_port(), user)
    try:
        server._run(
            "initdb",
            "-D",
            f"{base}/data",
            "-U",
            "postgres",
            "--pwfile",
            pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        )
        server._run(
            "pg_ctl",
            "-D",
            f"{base}/data",
            "-l",
            f"{base}/log",
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {server.port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        log = ""
        if os.path.exists(f"{base}/log"):
            with open(f"{base}/log") as handle:
                log = handle.read()
        shutil.rmtree(base, ignore_errors=True)
        output = exc.stdout.decode(errors="replace") if exc.stdout else ""
        raise RuntimeError(f"starting PostgreSQL failed: {output}\n{log}") from None
    return server
