"""A raw-socket HTTP server that misbehaves on demand, for the fault tests.

Only the standard library; 127.0.0.1, an ephemeral port, one thread per
connection, every thread joined on exit.  Requests are routed by path::

    GET|POST /fault/{kind}

``kind`` picks the misbehaviour (see :data:`KINDS`); ``/fault/echo`` answers
200 with the request it received as JSON.  Bodies that are "huge" or "endless"
are generated as they are sent, never held in memory; every sending loop stops
as soon as the client goes away or the server is closed.  Each request is kept
in :attr:`FaultServer.requests` (with its arrival time, for ``Retry-After``).

Use it as a context manager::

    with FaultServer() as server:
        requests.get(server.url + "/fault/hang", timeout=0.3)

:func:`refused_url` gives a URL nothing listens on.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

GIB = 1024**3
_BLOCK = b"\0" * 65536


@dataclass(frozen=True)
class Seen:
    """A request as the server read it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    """``time.monotonic()`` when the request had been read."""

    @property
    def kind(self) -> str:
        return self.path.split("?", 1)[0].rsplit("/", 1)[-1]


class _Gone(Exception):
    """The client closed the connection, or the server is stopping."""


class FaultServer:
    """Answers ``/fault/{kind}`` with the misbehaviour ``kind`` names."""

    def __init__(
        self,
        *,
        other_url: str = "",
        retry_after: str = "1",
        drip_interval: float = 0.05,
        lifetime: float = 60.0,
    ) -> None:
        self.other_url = other_url
        """Where ``redirect-other`` points (another server: another origin)."""
        self.retry_after = retry_after
        self.drip_interval = drip_interval
        self.requests: list[Seen] = []
        self.sent_body_bytes = 0
        """Body bytes the generating kinds managed to send (shows nothing was read whole)."""
        self._lifetime = lifetime
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self._acceptor = threading.Thread(target=self._accept_loop, name="fault-accept")

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def seen(self, kind: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self._started = time.monotonic()
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5)
        alive = [t.name for t in threads if t.is_alive()]
        if alive and exc_type is None:
            raise AssertionError(f"fault server threads still running: {alive}")

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            if time.monotonic() - self._started > self._lifetime:
                self._stop.set()
                break
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve, args=(conn,), name="fault-conn")
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    # -- one connection ------------------------------------------------------------
    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        try:
            while not self._stop.is_set():
                request = self._read_request(conn)
                if request is None:
                    return
                handler = KINDS.get(request.kind, FaultServer._not_found)
                if not handler(self, conn, request):
                    return  # the handler closed or broke the connection
        except _Gone:
            return
        finally:
            conn.close()

    def _read_request(self, conn: socket.socket) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv(conn)
            if not chunk:
                return None
            data += chunk
            if len(data) > 65536:
                return None
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(rest) < length:
            chunk = self._recv(conn)
            if not chunk:
                return None
            rest += chunk
        seen = Seen(method, path, headers, rest[:length], time.monotonic())
        with self._lock:
            self.requests.append(seen)
        return seen

    def _recv(self, conn: socket.socket) -> bytes:
        while True:
            if self._stop.is_set():
                raise _Gone
            try:
                return conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""

    def _send(self, conn: socket.socket, data: bytes) -> None:
        """Send all of ``data``; raise _Gone when the client left or the server stops."""
        view = memoryview(data)
        while view:
            if self._stop.is_set():
                raise _Gone
            try:
                sent = conn.send(view)
            except TimeoutError:
                continue
            except OSError:
                raise _Gone from None
            view = view[sent:]

    def _wait_for_client_to_leave(self, conn: socket.socket) -> None:
        """Say nothing until the client closes the connection (or the server stops)."""
        while not self._stop.is_set():
            readable, _, _ = select.select([conn], [], [], 0.05)
            if readable:
                try:
                    if not conn.recv(65536):
                        return
                except OSError:
                    return

    def _pause(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Gone

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        """Close with an RST instead of a FIN."""
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _head(
        self,
        conn: socket.socket,
        status: str,
        headers: dict[str, str],
    ) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
        self._send(conn, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _count(self, n: int) -> None:
        with self._lock:
            self.sent_body_bytes += n

    # -- well-behaved answers ------------------------------------------------------------
    def _json(self, conn: socket.socket, status: str, value: object, **headers: str) -> bool:
        body = json.dumps(value).encode()
        self._head(
            conn,
            status,
            {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers},
        )
        self._send(conn, body)
        return True

    def _not_found(self, conn: socket.socket, request: Seen) -> bool:
        return self._json(conn, "404 Not Found", {"detail": f"no fault {request.kind!r}"})

    def _echo(self, conn: socket.socket, request: Seen) -> bool:
        return self._json(
            conn,
            "200 OK",
            {"method": request.method, "path": request.path, "headers": request.headers},
        )

    # -- no answer -------------------------------------------------------------------
    def _hang(self, conn: socket.socket, request: Seen) -> bool:
        self._wait_for_client_to_leave(conn)
        return False

    def _close(self, conn: socket.socket, request: Seen) -> bool:
        return False

    def _reset_now(self, conn: socket.socket, request: Seen) -> bool:
        self._reset(conn)
        return False

    def _not_http(self, conn: socket.socket, request: Seen) -> bool:
        self._send(conn, b"SSH-2.0-OpenSSH_9.6\r\nnot an HTTP answer\r\n\r\n")
        return False

    # -- bodies that break --------------------------------------------------------------
    def _partial_json(self, conn: socket.socket) -> None:
        self._head(conn, "200 OK", {"Content-Type": "application/json", "Content-Length": "1000"})
        self._send(conn, b'{"items": [' + b"1," * 45)

    def _reset_body(self, conn: socket.socket, request: Seen) -> bool:
        self._partial_json(conn)
        self._pause(0.05)
        self._reset(conn)
        return False

    def _short_body(self, conn: socket.socket, request: Seen) -> bool:
        self._partial_json(conn)
        return False

    def _stall_body(self, conn: socket.socket, request: Seen) -> bool:
        self._partial_json(conn)
        self._wait_for_client_to_leave(conn)
        return False

    def _drip(self, conn: socket.socket, request: Seen) -> bool:
        self._head(conn, "200 OK", {"Content-Type": "text/plain", "Content-Length": "100000"})
        for _ in range(100000):
            self._send(conn, b"x")
            self._count(1)
            self._pause(self.drip_interval)
        return True

    def _chunked_truncated(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        )
        self._send(conn, b'b\r\n{"items": [\r\n4\r\n1,2,\r\n')
        return False  # no terminal 0-size chunk

    def _bad_chunk(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        )
        self._send(conn, b"2\r\n[1\r\nzz\r\n]\r\n0\r\n\r\n")
        return False

    def _bad_json(self, conn: socket.socket, request: Seen) -> bool:
        body = b'{"status": "ok",, oops'
        self._head(
            conn,
            "200 OK",
            {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body))},
        )
        self._send(conn, body)
        return True

    def _storm(self, conn: socket.socket, request: Seen) -> bool:
        return self._json(
            conn,
            "503 Service Unavailable",
            {"detail": "overloaded"},
            **{"Retry-After": self.retry_after},
        )

    # -- server-sent events ------------------------------------------------------------
    _FULL_EVENT = b'event: progress\ndata: {"n": 1}\n\n'
    _PARTIAL_EVENT = b'event: output\ndata: {"n": 2, "text": "half'

    def _sse_cut_chunked(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}
        )
        for piece in (self._FULL_EVENT, self._PARTIAL_EVENT):
            self._send(conn, b"%x\r\n%s\r\n" % (len(piece), piece))
            self._pause(0.05)
        return False  # cut: no terminal chunk

    def _sse_cut_close(self, conn: socket.socket, request: Seen) -> bool:
        self._head(conn, "200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
        for piece in (self._FULL_EVENT, self._PARTIAL_EVENT):
            self._send(conn, piece)
            self._pause(0.05)
        return False  # the close ends the body, with an event half sent

    def _sse_reset(self, conn: socket.socket, request: Seen) -> bool:
        self._head(conn, "200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
        for piece in (self._FULL_EVENT, self._PARTIAL_EVENT):
            self._send(conn, piece)
            self._pause(0.05)
        self._reset(conn)
        return False

    def _sse_stall(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}
        )
        piece = self._FULL_EVENT + b"data: still"
        self._send(conn, b"%x\r\n%s\r\n" % (len(piece), piece))
        self._wait_for_client_to_leave(conn)
        return False

    # -- huge bodies, generated while sent ----------------------------------------------
    def _huge_declared(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "application/octet-stream", "Content-Length": str(GIB)}
        )
        sent = 0
        while sent < GIB:
            self._send(conn, _BLOCK)
            self._count(len(_BLOCK))
            sent += len(_BLOCK)
        return True

    def _endless_chunked(self, conn: socket.socket, request: Seen) -> bool:
        self._head(
            conn, "200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        )
        self._send(conn, b"1\r\n[\r\n")
        chunk = b"%x\r\n%s\r\n" % (len(_BLOCK), b"0," * (len(_BLOCK) // 2))
        while True:
            self._send(conn, chunk)
            self._count(len(_BLOCK))

    def _endless_close(self, conn: socket.socket, request: Seen) -> bool:
        self._head(conn, "200 OK", {"Content-Type": "text/plain", "Connection": "close"})
        while True:
            self._send(conn, _BLOCK)
            self._count(len(_BLOCK))

    def _gzip_endless(self, conn: socket.socket, request: Seen) -> bool:
        """A small compressed stream that inflates without end (a decompression bomb)."""
        self._head(
            conn,
            "200 OK",
            {
                "Content-Type": "text/plain",
                "Content-Encoding": "gzip",
                "Transfer-Encoding": "chunked",
            },
        )
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        megabyte = b"\0" * (1 << 20)
        while True:
            data = packer.compress(megabyte) + packer.flush(zlib.Z_SYNC_FLUSH)
            self._send(conn, b"%x\r\n%s\r\n" % (len(data), data))
            self._count(len(megabyte))

    # -- redirects ------------------------------------------------------------------------
    def _redirect(self, conn: socket.socket, location: str, status: str = "302 Found") -> bool:
        self._head(conn, status, {"Location": location, "Content-Length": "0"})
        return True

    def _redirect_same(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, "/fault/echo")

    def _redirect_other(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, self.other_url + "/fault/echo")

    def _redirect_other_307(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, self.other_url + "/fault/echo", "307 Temporary Redirect")

    def _redirect_loop(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, "/fault/redirect-loop")

    def _redirect_ftp(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, "ftp://127.0.0.1/fault/echo")

    def _redirect_file(self, conn: socket.socket, request: Seen) -> bool:
        return self._redirect(conn, "file:///etc/passwd")


Handler = Callable[[FaultServer, socket.socket, Seen], bool]

KINDS: dict[str, Handler] = {
    "echo": FaultServer._echo,
    "hang": FaultServer._hang,
    "close": FaultServer._close,
    "reset": FaultServer._reset_now,
    "not-http": FaultServer._not_http,
    "reset-body": FaultServer._reset_body,
    "short-body": FaultServer._short_body,
    "stall-body": FaultServer._stall_body,
    "drip": FaultServer._drip,
    "chunked-truncated": FaultServer._chunked_truncated,
    "bad-chunk": FaultServer._bad_chunk,
    "bad-json": FaultServer._bad_json,
    "storm": FaultServer._storm,
    "sse-cut-chunked": FaultServer._sse_cut_chunked,
    "sse-cut-close": FaultServer._sse_cut_close,
    "sse-reset": FaultServer._sse_reset,
    "sse-stall": FaultServer._sse_stall,
    "huge-declared": FaultServer._huge_declared,
    "endless-chunked": FaultServer._endless_chunked,
    "endless-close": FaultServer._endless_close,
    "gzip-endless": FaultServer._gzip_endless,
    "redirect-same": FaultServer._redirect_same,
    "redirect-other": FaultServer._redirect_other,
    "redirect-other-307": FaultServer._redirect_other_307,
    "redirect-loop": FaultServer._redirect_loop,
    "redirect-ftp": FaultServer._redirect_ftp,
    "redirect-file": FaultServer._redirect_file,
}
"""Every misbehaviour by its ``kind`` path segment."""


def refused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (the port was just freed)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    finally:
        probe.close()
    return f"http://127.0.0.1:{port}"
