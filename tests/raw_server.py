"""A socket server that writes whatever bytes a test gives it, verbatim: hostile answers.

The standard library's HTTP server (and any client library) would refuse or
repair what these tests need on the wire: ``Content-Length: ²``, a status line
of ``HTTP/1.1 999``, a reason phrase holding ESC, an event stream that never
ends a line.  :class:`RawServer` reads one request (its head, and a body of the
declared length), then sends the bytes of ``reply(request_head)``, an iterable
written piece by piece (a generator can be endless: it stops when the client
goes away), and closes the connection.  127.0.0.1, an ephemeral port, one
thread per connection, all joined on exit.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

Reply = Callable[[bytes], Iterable[bytes]]
"""The request's head (request line and headers) -> the bytes to send back."""


class RawServer:
    """Answers every request with ``reply(head)``, written verbatim, then closes."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        """The head of every request read."""
        self.sent = 0
        """Bytes written to clients so far."""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        host, port = self._listener.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._acceptor = threading.Thread(target=self._accept_loop, name="raw-accept")

    def __enter__(self) -> RawServer:
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

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), name="raw-conn")
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = self._read_request(conn)
            if head is None:
                return
            with self._lock:
                self.requests.append(head)
            for piece in self.reply(head):
                if self._stop.is_set():
                    return
                conn.sendall(piece)
                with self._lock:
                    self.sent += len(piece)
        except OSError:
            return  # the client went away: an endless reply ends here
        finally:
            conn.close()

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head


def response(
    status_line: bytes, headers: Iterable[tuple[bytes, bytes]], body: bytes = b""
) -> bytes:
    """One response's bytes: the status line, each header as given, a blank line, the body.

    ``Connection: close`` is added unless given: the server closes after each reply,
    and a client told so opens a new connection for its next request.
    """
    headers = list(headers)
    if not any(name.lower() == b"connection" for name, _ in headers):
        headers.append((b"Connection", b"close"))
    lines = [status_line, *(name + b": " + value for name, value in headers)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
