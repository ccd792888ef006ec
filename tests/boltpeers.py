"""Real TCP peers for the Neo4j driver's failure paths (no Neo4j server can run here).

* :class:`SilentPeer` accepts connections and never answers: a server that hangs (timeout).
* :class:`RejectingPeer` speaks just enough Bolt 4.4 to refuse the login the way Neo4j does, with a
  ``FAILURE {code: "Neo.ClientError.Security.Unauthorized"}`` answer to HELLO (bad credentials).
"""

from __future__ import annotations

import socket
import struct
import threading

UNAUTHORIZED = "Neo.ClientError.Security.Unauthorized"


def _string(value: str) -> bytes:
    data = value.encode("utf-8")
    if len(data) < 16:
        return bytes([0x80 + len(data)]) + data
    if len(data) < 256:
        return b"\xd0" + bytes([len(data)]) + data
    return b"\xd1" + struct.pack(">H", len(data)) + data


def failure_message(code: str, message: str) -> bytes:
    """A chunked Bolt FAILURE message (struct 0x7F with a {code, message} map)."""
    body = b"\xb1\x7f\xa2" + _string("code") + _string(code) + _string("message") + _string(message)
    return struct.pack(">H", len(body)) + body + b"\x00\x00"


class _Peer:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.uri = f"bolt://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self._held.append(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn: socket.socket) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for c in self._held:
            c.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SilentPeer(_Peer):
    def handle(self, conn: socket.socket) -> None:
        self._stop.wait()  # read nothing, answer nothing


def _read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def _read_message(conn: socket.socket) -> bytes:
    body = b""
    while True:
        (size,) = struct.unpack(">H", _read_exact(conn, 2))
        if size == 0:
            return body
        body += _read_exact(conn, size)


class RejectingPeer(_Peer):
    def __init__(self) -> None:
        self.hellos: list[bytes] = []
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            _read_exact(conn, 20)  # magic preamble + four version proposals
            conn.sendall(b"\x00\x00\x04\x04")  # agree on Bolt 4.4: HELLO carries the credentials
            self.hellos.append(_read_message(conn))
            conn.sendall(failure_message(UNAUTHORIZED, "The client is unauthorized due to authentication failure."))
        except (ConnectionError, OSError):
            pass
        finally:
            conn.close()
