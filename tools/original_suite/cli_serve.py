"""A test's in-process VM that serves (`http.serve(0, ..)` in a spawned task), as an
`assay-py run` in the background, and the WebSocket client the test drives it with.

The Rust test reads the bound port from the VM's `_SERVER_PORT` global. Our VM is another
process, so the script it runs starts with a task that waits for that global the same way
(every 10 ms) and writes it on stderr, where `Globals.get` reads it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .rust_eval import Panic, Unsupported
from .rust_values import NONE, J, Res, plain

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
    """`create_vm()`: the default VM (or one with a lib path searched first)."""

    host: Host
    procs: list[Served] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    """Options of `assay-py run` giving the VM's mode (`--readonly`)."""
    lib_path: str | None = None
    globals: dict[str, Any] = field(default_factory=dict)
    """What the test set with `vm.globals().set(..)`, assigned before its chunk."""


@dataclass
class Chunk:
    vm: LuaVm
    lua: str


@dataclass
class Globals:
    vm: LuaVm


class Served:
    """A chunk of the test's VM, run by `assay-py run`: to its end, or serving in the
    background (`spawn_local(.. exec_async ..)` of an `http.serve`)."""

    def __init__(self, host: Host, vm: LuaVm, lua: str, value_file: Path | None = None) -> None:
        self.port: int | None = None
        self.bound = threading.Event()
        self.stderr: list[str] = []
        self.done = threading.Event()
        n = len(host.served)
        script = host.workdir / f"chunk-{n}.lua"
        port_task = _PORT_TASK if "serve" in lua else ""
        script.write_text(_prelude(vm) + port_task + _wrapped(lua, value_file))
        cwd = host.crate
        if vm.lib_path is not None:
            # assay-py searches ./modules first, as the original searches its lib path.
            cwd = host.workdir / f"chunk-{n}.d"
            cwd.mkdir()
            Path(vm.lib_path).mkdir(parents=True, exist_ok=True)
            (cwd / "modules").symlink_to(vm.lib_path)
        self.proc = subprocess.Popen(
            [*host.assay_py, "run", *vm.flags, str(script)],
            cwd=cwd,
            env=vm.env,
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
        self.done.set()

    def settle(self, timeout: float = 120) -> bool:
        """Wait until the chunk ends (True) or serves a port (False)."""
        pause = threading.Event()
        for _ in range(int(timeout * 20)):
            if self.proc.poll() is not None:
                self.done.wait(5)  # the reader has the last of stderr
                return True
            if self.port is not None:
                return False
            pause.wait(0.05)
        raise Panic(f"the chunk neither ended nor served within {timeout:.0f} s")

    def error(self) -> str:
        lines = [x for x in self.stderr if x.strip()]
        first = next((i for i, x in enumerate(lines) if "ERROR" in x or "error" in x), 0)
        return "\n".join(lines[first:])[:2000] or f"exit status {self.proc.returncode}"

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
        if name == "create_string":
            return args[0]
    if isinstance(value, Chunk) and name in ("exec_async", "exec", "eval_async", "eval"):
        return run_chunk(host, value, want_value=name.startswith("eval"))
    if isinstance(value, Chunk) and name == "set_name":
        return value
    if isinstance(value, Globals) and name == "set":
        value.vm.globals[str(args[0])] = args[1]
        return Res()
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


def run_chunk(host: Host, chunk: Chunk, want_value: bool) -> Res:
    """Run a chunk as the original's VM would (its value too, for `eval`); one that starts
    serving goes on in the background, as a spawned task's does."""
    value_file = host.workdir / f"value-{len(host.served)}.json" if want_value else None
    served = Served(host, chunk.vm, chunk.lua, value_file)
    host.served.append(served)
    host.commands += 1
    chunk.vm.procs.append(served)
    if not served.settle():
        return Res(ok=None)
    if served.proc.returncode != 0:
        return Res(err=served.error())
    if value_file is None:
        return Res(ok=None)
    raw = value_file.read_bytes()
    if raw[:1] == b"s":
        text = raw[1:].decode("utf-8", "surrogateescape")
        return Res(ok=text)
    got = json.loads(raw[1:])
    if "v" not in got:
        return Res(ok=NONE)
    v = got["v"]
    return Res(ok=J(v) if isinstance(v, dict | list) else v)


def _prelude(vm: LuaVm) -> str:
    out = []
    for key, value in vm.globals.items():
        v = plain(value)
        if not isinstance(v, bool | int | float | str):
            raise Unsupported(f"a global set to {type(v).__name__}")
        lua = ("true" if v else "false") if isinstance(v, bool) else json.dumps(v)
        out.append(f"{key} = {lua}\n")
    return "".join(out)


def _wrapped(lua: str, value_file: Path | None) -> str:
    """The chunk as one `load`ed function, so that its value can be kept."""
    if value_file is None:
        return lua
    level = 0
    while f"]{'=' * level}]" in lua:
        level += 1
    eq = "=" * level
    return (
        f"local __chunk, __err = load([{eq}[\n{lua}]{eq}], '=test')\n"
        "if not __chunk then error(__err, 0) end\n"
        "local __v = __chunk()\n"
        f"local __f = io.open({json.dumps(str(value_file))}, 'wb')\n"
        # A string as its bytes (it may be binary), anything else as JSON.
        "if type(__v) == 'string' then __f:write('s', __v)\n"
        "else __f:write('j', json.encode({ v = __v })) end\n"
        "__f:close()\n"
    )


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
