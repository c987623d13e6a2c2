"""The lab's FTP and HTTP servers: what the modem's FTP and HTTP clients reach on the network.

A DTU downloads firmware over FTP (docs/ftp-protocol.md) and forwards serial
packets as HTTP requests (docs/httpd.md); its modem's clients talk to real
servers, these, on ``bind`` — 127.0.0.1 unless the bench binds elsewhere
(dtulab/addresses.py) — (port 0: any free one), each on a thread of its own;
``host`` is what a DTU is given for them (``advertise``, else the bind
address). ``FtpServer`` is pyftpdlib serving a directory to one user;
``HttpServer`` is stdlib ``http.server`` serving a dict of paths (with byte
ranges, redirects and a recording of every request). Both are context
managers and close all their connections on exit. pytest and the Robot
keywords (robot/ServicesLibrary.py) use the same servers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer


class FtpServer:
    """pyftpdlib on ``bind`` with one read-only user whose home is ``root``; passive-mode
    replies give ``advertise`` (the address a DTU reaches) where it is set."""

    def __init__(
        self,
        root: Path,
        user: str = "dtu",
        password: str = "secret",
        bind: str = "127.0.0.1",
        advertise: str = "",
    ) -> None:
        self.root, self.user, self.password = root, user, password
        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, str(root), perm="elr")
        handler = type(
            "Handler",
            (FTPHandler,),
            {
                "authorizer": authorizer,
                "banner": "lab ftpd",
                "auth_failed_timeout": 0.05,
                "masquerade_address": advertise or None,
            },
        )
        self.server = FTPServer((bind, 0), handler, ioloop=IOLoop())
        self.port = self.server.address[1]
        self.host = advertise or str(self.server.address[0])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="ftp-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.server.serve_forever(timeout=0.02, blocking=False, handle_exit=False)
        self.server.close_all()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> FtpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Site:
    """What the HTTP server serves: ``files`` by path, ``redirects`` path -> location."""

    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _record(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, dict(self.headers.items()), body)
        with self.server.arrived:
            self.server.requests.append(request)
            self.server.arrived.notify_all()
        return request

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _serve_file(self) -> None:
        request = self._record()
        site = self.server.site
        path = request.path.split("?")[0]
        if path in site.redirects:
            self._reply(302, b"", {"Location": site.redirects[path]})
            return
        data = site.files.get(path)
        if data is None:
            self._reply(404, b"not found\n", {"Content-Type": "text/plain"})
            return
        ranged = request.headers.get("Range", "")
        if ranged.startswith("bytes="):
            first_s, _, last_s = ranged[6:].partition("-")
            first = int(first_s)
            last = int(last_s) if last_s else len(data) - 1
            part = data[first : last + 1]
            crange = f"bytes {first}-{first + len(part) - 1}/{len(data)}"
            self._reply(206, part, {"Content-Type": site.content_type, "Content-Range": crange})
            return
        self._reply(200, data, {"Content-Type": site.content_type})

    do_GET = do_HEAD = do_DELETE = _serve_file

    def do_POST(self) -> None:
        request = self._record()
        self._reply(200, b"got %d bytes" % len(request.body), {"Content-Type": "text/plain"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site
    requests: list[Request]
    arrived: threading.Condition  # guards ``requests``; notified on each new one


class HttpServer:
    """stdlib http.server on ``bind`` serving ``site``; ``requests`` records what arrived;
    ``url()`` names ``advertise`` (the address a DTU reaches) where it is set."""

    def __init__(
        self, site: Site | None = None, bind: str = "127.0.0.1", advertise: str = ""
    ) -> None:
        self.server = _Server((bind, 0), _Handler)
        self.server.site = site or Site()
        self.server.requests = []
        self.server.arrived = threading.Condition()
        host, self.port = self.server.server_address[:2]
        self.host = advertise or str(host)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def site(self) -> Site:
        return self.server.site

    @property
    def requests(self) -> list[Request]:
        with self.server.arrived:
            return list(self.server.requests)

    def wait_requests(self, count: int, timeout: float = 20.0) -> list[Request]:
        """Wait until ``count`` requests have arrived; return all of them (AssertionError
        after ``timeout`` s, naming the paths that did arrive)."""
        with self.server.arrived:
            got = self.server.arrived.wait_for(lambda: len(self.server.requests) >= count, timeout)
            requests = list(self.server.requests)
        if not got:
            raise AssertionError(
                f"{len(requests)} of {count} requests within {timeout} s: "
                f"{[r.path for r in requests]}"
            )
        return requests

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
