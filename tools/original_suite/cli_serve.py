"""A test's in-process VM that serves (`http.serve(0, ..)` in a spawned task), as an
`assay-py run` in the background, and the WebSocket client the test drives it with.

The Rust test reads the bound port from the VM's `_SERVER_PORT` global. Our VM is another
process, so the script it runs starts with a task that waits for that global the same way
(every 10 ms) and writes it on stderr, where `Globals.get` reads it.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rust_eval import Panic, Unsupported
from .rust_values import NONE, Res

if TYPE_CHECKING:
    from .cli_host import Host

_PORT_MARK = "__assay_harness_port="
_PORT_TASK = f"""async.spawn(function()
  for _ = 1, 2000 do
    sleep(0.01)
    local p = rawget(_G, "_SERVER_PORT")
    if p and p > 0 then io.stderr:write("{_PORT_MARK}" .. p .. "\\n") io.stderr:flush() return end
  end
end)
"""
PORT_WAIT = 30.0
"""Seconds to wait for the served port: the Rust test polls 2 s in-process; a process of ours
also has to start, on a loaded machine."""


@dataclass
class LuaVm:
    """`create_vm()`: the default VM."""

    host: Host
    procs: list[Served] = field(default_factory=list)


@dataclass
class Chunk:
    vm: LuaVm
    lua: str


@dataclass
class Globals:
    vm: LuaVm


class Served:
    """A chunk running in the background (`spawn_local(.. exec_async ..)`)."""

    def __init__(self, host: Host, lua: str) -> None:
        self.port: int | None = None
        self.bound = threading.Event()
        self.stderr: list[str] = []
        script = host.workdir / f"served-{len(host.served)}.lua"
        script.write_text(_PORT_TASK + lua)
        self.proc = subprocess.Popen(
            [*host.assay_py, "run", str(script)],
            cwd=host.crate,
            env=host.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.startswith(_PORT_MARK):
                self.port = int(line[len(_PORT_MARK) :])
                self.bound.set()
            else:
                self.stderr.append(line.rstrip())
        self.bound.set()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def vm_method(host: Host, value: Any, name: str, args: list[Any]) -> Any:
    if isinstance(value, LuaVm):
        if name == "clone":
            return value
        if name == "load":
            return Chunk(value, str(args[0]))
        if name == "globals":
            return Globals(value)
    if isinstance(value, Chunk) and name == "exec_async":
        served = Served(host, value.lua)
        host.served.append(served)
        host.commands += 1
        value.vm.procs.append(served)
        return Res(ok=None)
    if isinstance(value, Globals) and name == "get" and args == ["_SERVER_PORT"]:
        if not value.vm.procs:
            return Res(err="no chunk is running")
        served = value.vm.procs[-1]
        served.bound.wait(PORT_WAIT)
        if served.port is None:
            tail = "; ".join(served.stderr[-3:])
            raise Panic(f"the served script bound no port: {tail[:300]}")
        return Res(ok=served.port)
    raise Unsupported(f"method .{name}() of {type(value).__name__}")


# -- the WebSocket client (tokio_tungstenite's, as the tests use it)


@dataclass
class Message:
    kind: str
    """Text, Binary, Close"""
    data: Any = None

    def __repr__(self) -> str:
        return f"{self.kind}({self.data!r})"


@dataclass
class CloseFrame:
    code: int
    reason: str


class WsClient:
    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.conn = connect(url, open_timeout=10)
        self.closed = False

    def send(self, message: Message) -> Res:
        if message.kind == "Text":
            self.conn.send(str(message.data))
        elif message.kind == "Binary":
            self.conn.send(_bytes(message.data))
        else:
            raise Unsupported(f"sending a {message.kind} frame")
        return Res()

    def next(self) -> Any:
        """The next frame, as `ws.next()` yields it: Some(Ok(msg)), or None after a close."""
        from websockets.exceptions import ConnectionClosed

        if self.closed:
            return NONE
        try:
            data = self.conn.recv(timeout=10)
        except TimeoutError:
            raise Panic("no frame within 10 s") from None
        except ConnectionClosed as exc:
            self.closed = True
            frame = exc.rcvd
            close = CloseFrame(frame.code, frame.reason) if frame is not None else NONE
            return Res(ok=Message("Close", close))
        if isinstance(data, str):
            return Res(ok=Message("Text", data))
        return Res(ok=Message("Binary", bytes(data)))

    def close(self) -> Res:
        self.conn.close()
        return Res()


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, list):
        return bytes(value)
    return str(value).encode()


def ws_call(path: tuple[str, ...], args: list[Any]) -> Any:
    """Calls of tokio_tungstenite and its `Message` constructors, or Unsupported."""
    name = path[-1]
    if name == "connect_async":
        try:
            return Res(ok=(WsClient(str(args[0])), None))
        except OSError as exc:
            return Res(err=str(exc))
    if len(path) > 1 and path[-2] == "Message" and name in ("Text", "Binary"):
        return Message(name, args[0] if name == "Text" else _bytes(args[0]))
    raise Unsupported(f"call of {'::'.join(path)}")


def ws_method(value: Any, name: str, args: list[Any]) -> Any:
    if isinstance(value, WsClient):
        if name == "send":
            return value.send(args[0])
        if name == "next":
            return value.next()
        if name == "close":
            return value.close()
    if isinstance(value, CloseFrame) and name in ("code", "reason"):
        return getattr(value, name)
    raise Unsupported(f"method .{name}() of {type(value).__name__}")


def variant(value: Any, path: tuple[str, ...]) -> list[Any] | None:
    """Message::Text(t) / Binary(b) / Close(frame) against a received frame."""
    if isinstance(value, Message) and path[-1] == value.kind:
        return [value.data]
    return None
