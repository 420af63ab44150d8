"""Loopback WebSocket servers standing in for the ones a test starts in Rust.

Each is recognised from the test's helper by what it does: ``echo`` sends every text or
binary message back; ``exec`` answers as the Kubernetes exec channel does (stdout, stderr
and status frames, then a close). Both pick the first subprotocol a client offers when the
helper's server does so.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from websockets.typing import Subprotocol

    from .translate import WsSpec


class WsServer:
    def __init__(self, spec: WsSpec) -> None:
        from websockets.sync.server import serve

        self.spec = spec

        def pick(_conn: Any, offered: Sequence[Subprotocol]) -> Subprotocol | None:
            return offered[0] if offered and spec.negotiates else None

        self.server = serve(self._handle, "127.0.0.1", 0, select_subprotocol=pick)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, conn: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            if self.spec.kind == "exec":
                conn.send(b"\x01hello\n")
                conn.send(b"\x02warn\n")
                conn.send(b"\x03" + self.spec.status.encode())
                conn.close()
                return
            for message in conn:
                conn.send(message)
        except ConnectionClosed:
            pass

    def start(self) -> WsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
