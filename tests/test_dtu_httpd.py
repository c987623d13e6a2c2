"""HTTPD client mode (docs/httpd.md) end to end: serial packets on the DTU's RS232 pty become
requests that the DTU's modem makes to a real http.server on 127.0.0.1."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator

import pytest

from dtulab.host import DtuHost
from dtulab.servers import HttpServer, Site
from tests.conftest import configure

PAGE = b"Hello from the lab server!\n"
BLOB = random.Random(4).randbytes(3000)  # more than one AT+HTTPREAD chunk


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    with HttpServer(Site(files={"/page.txt": PAGE, "/blob.bin": BLOB})) as server:
        yield server


@pytest.mark.req("R-HTTP-1")
def test_get_packet_is_the_query_string(host: DtuHost, http_server: HttpServer) -> None:
    configure(host, "AT+CIMOD=3", f'AT+CIHTTP=GET,"{http_server.url("/page.txt")}"')
    host.write(b"id=7&t=21.5 C\r\n")
    assert host.read_exactly(len(PAGE), 20) == PAGE
    (request,) = http_server.wait_requests(1)
    assert (request.method, request.path) == ("GET", "/page.txt?id=7&t=21.5%20C")
    configure(host, f'AT+CIHTTP=GET,"{http_server.url("/blob.bin?v=1")}"')
    host.write(b"n=3")  # a URL with a query already; a body of several AT+HTTPREAD chunks
    assert host.read_exactly(len(BLOB), 20) == BLOB
    assert [r.path for r in http_server.wait_requests(2)[1:]] == ["/blob.bin?v=1&n=3"]


@pytest.mark.req("R-HTTP-1")
def test_post_packet_is_the_body(host: DtuHost, http_server: HttpServer) -> None:
    headers = "X-Dtu: 721\\r\\nContent-Type: text/plain"
    configure(host, "AT+CIMOD=3", f'AT+CIHTTP=POST,"{http_server.url("/up")}","{headers}"')
    body = bytes(range(256)) + b'"quoted", \r\n\x1a end'
    host.write(body)
    reply = b"got %d bytes" % len(body)
    assert host.read_exactly(len(reply), 20) == reply
    (request,) = http_server.wait_requests(1)
    assert (request.method, request.path, request.body) == ("POST", "/up", body)
    assert request.headers["X-Dtu"] == "721"
    assert request.headers["Content-Type"] == "text/plain"


@pytest.mark.req("R-HTTP-1")
def test_requests_in_order(host: DtuHost, http_server: HttpServer) -> None:
    configure(host, "AT+CIMOD=3", f'AT+CIHTTP=POST,"{http_server.url("/up")}"')
    for n in (1, 22, 333):
        host.write(b"x" * n)
        time.sleep(0.3)  # a pause: one packet each (packing time 100 ms)
    want = b"got 1 bytesgot 22 bytesgot 333 bytes"
    assert host.read_exactly(len(want), 20) == want
    assert [len(r.body) for r in http_server.wait_requests(3)] == [1, 22, 333]
    assert http_server.wait_requests(3)[0].headers["Content-Type"] == "application/octet-stream"


@pytest.mark.req("R-HTTP-1")
def test_errors_are_one_line(host: DtuHost, http_server: HttpServer) -> None:
    configure(host, "AT+CIMOD=3", f'AT+CIHTTP=GET,"{http_server.url("/missing")}"')
    host.write(b"a=1")
    host.expect(b"\r\n+HTTPERR: 404\r\n", 20)
    assert host.before == b""  # not the server's error page
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]
    configure(host, f'AT+CIHTTP=GET,"http://127.0.0.1:{closed}/x"')
    host.write(b"a=2")
    host.expect(b"\r\n+HTTPERR: 601\r\n", 20)  # the module's "network error"
    configure(host, f'AT+CIHTTP=GET,"{http_server.url("/page.txt")}"')
    host.write(b"a=3")  # and the mode still works
    assert host.read_exactly(len(PAGE), 20) == PAGE
