"""The HTTP commands through the real pty, against a real stdlib http.server."""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Iterator

import pytest

from dtulab.console import Console
from dtulab.peripherals.gsm_modem.commands.http import MAX_DATA
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from dtulab.servers import HttpServer, Site
from tests.conftest import wait_registered

PAGE = b"Hello from the lab server!\n"
BLOB = random.Random(11).randbytes(5000)
ACTION = re.compile(rb"\r\n\+HTTPACTION: (\d),(\d+),(\d+)\r\n")


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    files = {"/page.txt": PAGE, "/blob.bin": BLOB, "/huge.bin": bytes(MAX_DATA + 1)}
    site = Site(files=files, redirects={"/old": "/page.txt"})
    with HttpServer(site) as server:
        yield server


def ok(console: Console, line: str) -> list[str]:
    lines = console.command(line)
    assert lines[-1] == "OK", (line, lines)
    return lines


def start_http(console: Console, url: str, bearer: bool = True) -> None:
    wait_registered(console)
    if bearer:
        ok(console, 'AT+SAPBR=3,1,"APN","CMNET"')
        ok(console, "AT+SAPBR=1,1")
    ok(console, "AT+HTTPINIT")
    ok(console, 'AT+HTTPPARA="CID",1')
    ok(console, f'AT+HTTPPARA="URL","{url}"')


def action(console: Console, method: int) -> tuple[int, int]:
    console.write(f"AT+HTTPACTION={method}\r")
    console.expect("\r\nOK\r\n")
    match = console.expect(ACTION)
    assert int(match.group(1)) == method
    return int(match.group(2)), int(match.group(3))


def read(console: Console, line: str = "AT+HTTPREAD", name: str = "+HTTPREAD") -> bytes:
    console.write(line + "\r")
    header = re.compile(re.escape(f"\r\n{name}: ".encode()) + rb"(\d+)\r\n")
    size = int(console.expect(header).group(1))
    data = console.read_exactly(size)
    assert console.read_exactly(6) == b"\r\nOK\r\n"
    return data


def test_http_get_with_headers(console: Console, http_server: HttpServer) -> None:
    start_http(console, http_server.url("/page.txt?id=7"))
    ok(console, 'AT+HTTPPARA="USERDATA","X-Dtu: 42\\r\\nX-Other: yes"')
    assert action(console, 0) == (200, len(PAGE))
    assert read(console) == PAGE
    assert read(console) == PAGE  # the response stays readable
    request = http_server.requests[-1]
    assert (request.method, request.path) == ("GET", "/page.txt?id=7")
    assert request.headers["User-Agent"] == "SIMCom_MODULE"
    assert request.headers["X-Dtu"] == "42"
    assert request.headers["X-Other"] == "yes"
    assert "Range" not in request.headers
    assert console.command("AT+HTTPSTATUS?") == ["+HTTPSTATUS: GET,0,0,0", "OK"]
    head = read(console, "AT+HTTPHEAD", "+HTTPHEAD")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"Content-Length: {len(PAGE)}\r\n".encode() in head
    ok(console, "AT+HTTPTERM")


def test_http_post_binary_body(console: Console, http_server: HttpServer) -> None:
    body = bytes(range(256)) * 4 + b"\r\nOK\r\n\x1a\x1b"
    start_http(console, http_server.url("/upload"))
    ok(console, 'AT+HTTPPARA="CONTENT","application/octet-stream"')
    ok(console, 'AT+HTTPPARA="UA","dtulab/1.0"')
    console.write(f"AT+HTTPDATA={len(body)},5000\r")
    console.expect("\r\nDOWNLOAD\r\n")
    console.write(body)
    console.expect("\r\nOK\r\n")
    assert read(console) == body  # before the action HTTPREAD shows the data typed in
    reply = b"got %d bytes" % len(body)
    assert action(console, 1) == (200, len(reply))
    assert read(console) == reply
    request = http_server.requests[-1]
    assert request.method == "POST"
    assert request.body == body
    assert request.headers["Content-Type"] == "application/octet-stream"
    assert request.headers["User-Agent"] == "dtulab/1.0"


def test_http_head_404_and_redirect(console: Console, http_server: HttpServer) -> None:
    start_http(console, http_server.url("/blob.bin"))
    assert action(console, 2) == (200, 0)
    assert f"Content-Length: {len(BLOB)}".encode() in read(console, "AT+HTTPHEAD", "+HTTPHEAD")
    assert http_server.requests[-1].method == "HEAD"
    ok(console, f'AT+HTTPPARA="URL","{http_server.url("/missing")}"')
    status, size = action(console, 0)
    assert (status, size) == (404, len(b"not found\n"))
    ok(console, f'AT+HTTPPARA="URL","{http_server.url("/old")}"')
    assert action(console, 0) == (302, 0)
    ok(console, 'AT+HTTPPARA="REDIR",1')
    assert action(console, 0) == (200, len(PAGE))
    assert read(console) == PAGE
    ok(console, f'AT+HTTPPARA="URL","{http_server.url("/huge.bin")}"')
    assert action(console, 0) == (602, 0)  # more than the module can hold


def test_http_read_ranges_and_break(console: Console, http_server: HttpServer) -> None:
    start_http(console, http_server.url("/blob.bin"))
    assert action(console, 0) == (200, len(BLOB))
    assert read(console, "AT+HTTPREAD=0,100") == BLOB[:100]
    assert read(console, "AT+HTTPREAD=4321,1000") == BLOB[4321:5000]
    assert read(console, "AT+HTTPREAD=6000,10") == b""
    assert read(console) == BLOB
    ok(console, 'AT+HTTPPARA="BREAK",1000')
    ok(console, 'AT+HTTPPARA="BREAKEND",1999')
    assert action(console, 0) == (206, 1000)
    assert http_server.requests[-1].headers["Range"] == "bytes=1000-1999"
    assert read(console) == BLOB[1000:2000]
    ok(console, 'AT+HTTPPARA="BREAKEND",0')
    assert action(console, 0) == (206, 4000)
    assert read(console) == BLOB[1000:]


def test_http_init_term_and_errors(console: Console, http_server: HttpServer) -> None:
    wait_registered(console)
    assert console.command('AT+HTTPPARA="URL","x"') == ["ERROR"]  # before HTTPINIT
    assert console.command("AT+HTTPACTION=0") == ["ERROR"]
    assert console.command("AT+HTTPTERM") == ["ERROR"]
    ok(console, "AT+HTTPINIT")
    assert console.command("AT+HTTPINIT") == ["ERROR"]
    assert console.command("AT+HTTPACTION=0") == ["ERROR"]  # no URL yet
    ok(console, "AT+HTTPTERM")
    assert console.command("AT+HTTPTERM") == ["ERROR"]
    ok(console, "AT+HTTPINIT")
    ok(console, 'AT+HTTPPARA="URL","http://127.0.0.1/a"')
    for bad in (
        'AT+HTTPPARA="FOO","x"',
        'AT+HTTPPARA="TIMEOUT",10',
        'AT+HTTPPARA="CID",9',
        'AT+HTTPPARA="REDIR",2',
        'AT+HTTPPARA="PROPORT",70000',
        'AT+HTTPPARA="URL"',
        "AT+HTTPACTION=4",
        "AT+HTTPACTION=x",
        "AT+HTTPACTION",
        "AT+HTTPDATA=400000,1000",
        "AT+HTTPDATA=10,500",
        "AT+HTTPDATA=10",
        "AT+HTTPREAD=-1,5",
        "AT+HTTPREAD=0,0",
        "AT+HTTPREAD=5",
        "AT+HTTPSTATUS",
    ):
        assert console.command(bad) == ["ERROR"], bad
    ok(console, "AT+CMEE=1")
    assert console.command('AT+HTTPPARA="TIMEOUT",10') == ["+CME ERROR: 793"]
    lines = console.command("AT+HTTPPARA?")
    assert "URL: http://127.0.0.1/a" in lines and "TIMEOUT: 120" in lines  # unchanged
    assert "UA: SIMCom_MODULE" in lines
    assert console.command("AT+HTTPSTATUS?") == ["+HTTPSTATUS: GET,0,0,0", "OK"]


def test_http_network_errors(
    console: Console, runner: ModemRunner, http_server: HttpServer
) -> None:
    start_http(console, http_server.url("/page.txt"), bearer=False)
    assert action(console, 0) == (601, 0)  # no bearer
    ok(console, "AT+SAPBR=1,1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ok(console, f'AT+HTTPPARA="URL","127.0.0.1:{port}/page.txt"')
    assert action(console, 0) == (601, 0)  # refused
    ok(console, f'AT+HTTPPARA="URL","https://127.0.0.1:{http_server.port}/"')
    assert action(console, 0) == (601, 0)  # no SSL in the model
    ok(console, f'AT+HTTPPARA="URL","{http_server.url("/page.txt")}"')
    assert action(console, 0) == (200, len(PAGE))
    runner.inject("pdp-deact")
    console.expect("\r\n+SAPBR 1: DEACT\r\n")
    assert action(console, 0) == (601, 0)


def test_http_through_proxy(console: Console, http_server: HttpServer) -> None:
    start_http(console, "http://dtu.example:8080/page.txt")
    ok(console, f'AT+HTTPPARA="PROIP","{http_server.host}"')
    ok(console, f'AT+HTTPPARA="PROPORT",{http_server.port}')
    assert action(console, 0) == (404, len(b"not found\n"))  # the lab server is no real proxy
    request = http_server.requests[-1]
    assert request.path == "http://dtu.example:8080/page.txt"
    assert request.headers["Host"] == "dtu.example:8080"


def test_junk_never_reaches_the_model(console: Console, caplog: pytest.LogCaptureFixture) -> None:
    ok(console, "AT+HTTPINIT")
    junk = [
        "AT+SAPBR=",
        "AT+SAPBR=,",
        "AT+SAPBR=3,1,,",
        'AT+SAPBR=3,1,"APN",',
        "AT+SAPBR=1,1,1,1,1",
        "AT+SAPBR=99999999999999999999,1",
        "AT+FTPGET=2,",
        "AT+FTPGET=,",
        "AT+FTPSERV=",
        "AT+FTPREST=99999999999",
        "AT+FTPTYPE=",
        "AT+FTPQUIT=1",
        "AT+FTPSTATE?",
        "AT+HTTPPARA=,",
        'AT+HTTPPARA="CID",',
        'AT+HTTPPARA="CID","x"',
        "AT+HTTPDATA=,",
        "AT+HTTPREAD=,",
        "AT+HTTPACTION=,",
        "AT+HTTPHEAD=1",
        "AT+HTTPINIT?",
        "AT+HTTPTERM=1",
    ]
    for line in junk:
        assert console.command(line)[-1] in ("OK", "ERROR"), line
    assert "failed inside the model" not in caplog.text
    assert console.command("AT") == ["OK"]
