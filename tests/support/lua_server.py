"""A script that serves routes from a task while its main chunk waits for a stop file: for
tests that talk to ``http.serve`` from Python (raw sockets, other clients)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assay_py.host import LuaHost


@contextmanager
def serving(routes: str, workdir: Path) -> Iterator[int]:
    """Run ``http.serve(0, <routes>)`` in a LuaHost on its own thread; yield the port."""
    port_file, stop_file = workdir / "port", workdir / "stop"
    script = f"""
      async.spawn(function() http.serve(0, {routes}) end)
      fs.write("{port_file}", tostring(_SERVER_PORT))
      while not fs.exists("{stop_file}") do sleep(0.01) end
    """
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with LuaHost() as host:  # used by this thread alone
                host.run_string(script, "server")
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    for _ in range(2000):
        if failure or (port_file.exists() and port_file.read_text()):
            break
        threading.Event().wait(0.01)
    assert not failure, failure
    try:
        yield int(port_file.read_text())
    finally:
        stop_file.write_text("x")
        thread.join(10)
    assert not failure, failure
