"""AT+SAPBR and the FTP commands through the real pty, against a real pyftpdlib server."""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dtulab.console import Console
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from dtulab.servers import FtpServer
from tests.conftest import wait_registered, wait_until

BIG = random.Random(800).randbytes(100 * 1024)
READ = "AT+FTPGET=2,1460\r"
EVENT = re.compile(rb"\r\n\+FTPGET: ([12]),(\d+)\r\n|\r\n(ERROR)\r\n")


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[FtpServer]:
    (tmp_path / "fw").mkdir()
    (tmp_path / "fw" / "image.bin").write_bytes(BIG)
    (tmp_path / "small.txt").write_bytes(b"hello modem\n")
    with FtpServer(tmp_path) as server:
        yield server


def ok(console: Console, line: str) -> list[str]:
    lines = console.command(line)
    assert lines[-1] == "OK", (line, lines)
    return lines


def open_bearer(console: Console) -> None:
    wait_registered(console)
    ok(console, 'AT+SAPBR=3,1,"CONTYPE","GPRS"')
    ok(console, 'AT+SAPBR=3,1,"APN","CMNET"')
    ok(console, "AT+SAPBR=1,1")


def setup_ftp(console: Console, server: FtpServer, path: str, name: str, mode: int = 1) -> None:
    ok(console, "AT+FTPCID=1")
    ok(console, f'AT+FTPSERV="{server.host}"')
    ok(console, f"AT+FTPPORT={server.port}")
    ok(console, f'AT+FTPUN="{server.user}"')
    ok(console, f'AT+FTPPW="{server.password}"')
    ok(console, f"AT+FTPMODE={mode}")
    ok(console, 'AT+FTPTYPE="I"')
    ok(console, f'AT+FTPGETPATH="{path}"')
    ok(console, f'AT+FTPGETNAME="{name}"')


def start_get(console: Console) -> None:
    console.write("AT+FTPGET=1\r")
    console.expect("\r\nOK\r\n")


def read_all(console: Console, opened: bool = False) -> bytes:
    """What a host does after AT+FTPGET=1: read on every +FTPGET: 1,1 until +FTPGET: 1,0
    (``opened``: the first +FTPGET: 1,1 was taken already)."""
    data = bytearray()
    inflight = done = False
    if opened:
        console.write(READ)
        inflight = True
    while True:
        event = console.expect(EVENT)
        if event.group(3):  # the read sent just before the session ended
            assert done and inflight
            return bytes(data)
        kind, value = event.group(1), int(event.group(2))
        if kind == b"2":
            data += console.read_exactly(value)
            assert console.read_exactly(6) == b"\r\nOK\r\n"
            inflight = False
            if value:
                console.write(READ)
                inflight = True
        elif value == 0:
            done = True
            if not inflight:
                return bytes(data)
        elif value == 1:
            if not inflight:
                console.write(READ)
                inflight = True
        else:
            raise AssertionError(f"FTP error +FTPGET: 1,{value}")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ftp_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("ftp-get", "ftp-size")]


# -- bearer ------------------------------------------------------------------------
def test_bearer_open_query_close(console: Console) -> None:
    wait_registered(console)
    assert console.command("AT+SAPBR=2,1") == ['+SAPBR: 1,3,"0.0.0.0"', "OK"]
    ok(console, 'AT+SAPBR=3,1,"APN","cmnet.example"')
    ok(console, 'AT+SAPBR=3,1,"USER","u"')
    assert console.command("AT+SAPBR=4,1") == [
        "+SAPBR:",
        "CONTYPE: GPRS",
        "APN: cmnet.example",
        "PHONENUM: ",
        "USER: u",
        "PWD: ",
        "RATE: 2",
        "OK",
    ]
    ok(console, "AT+SAPBR=1,1")
    assert console.command("AT+SAPBR=2,1") == ['+SAPBR: 1,1,"10.78.245.128"', "OK"]
    assert console.command("AT+SAPBR=2,2") == ['+SAPBR: 2,3,"0.0.0.0"', "OK"]
    ok(console, "AT+SAPBR=0,1")
    assert console.command("AT+SAPBR=2,1") == ['+SAPBR: 1,3,"0.0.0.0"', "OK"]


def test_bearer_errors(console: Console, runner: ModemRunner) -> None:
    wait_registered(console)
    for bad in (
        "AT+SAPBR=1,4",
        "AT+SAPBR=5,1",
        "AT+SAPBR=1",
        "AT+SAPBR=x,1",
        "AT+SAPBR=2,1,1",
        'AT+SAPBR=3,1,"FOO","x"',
        'AT+SAPBR=3,1,"APN"',
        f'AT+SAPBR=3,1,"APN","{"a" * 65}"',
        'AT+SAPBR=3,1,"CONTYPE","LTE"',
        'AT+SAPBR=3,1,"RATE",7',
        "AT+SAPBR",
        "AT+SAPBR?",
        "AT+SAPBR=0,1",  # not open
    ):
        assert console.command(bad) == ["ERROR"], bad
    ok(console, "AT+CMEE=1")
    assert console.command("AT+SAPBR=1,9") == ["+CME ERROR: 793"]
    assert console.command("AT+SAPBR=4,1")[1] == "CONTYPE: GPRS"  # unchanged
    ok(console, "AT+SAPBR=1,1")
    assert console.command("AT+SAPBR=1,1") == ["+CME ERROR: 3"]  # already open
    ok(console, "AT+SAPBR=0,1")
    runner.inject("gprs-detach")
    wait_until(lambda: "+CGATT: 0" in console.command("AT+CGATT?"))
    assert console.command("AT+SAPBR=1,1") == ["+CME ERROR: 180"]
    assert console.command("AT+SAPBR=2,1") == ['+SAPBR: 1,3,"0.0.0.0"', "OK"]


# -- FTP ---------------------------------------------------------------------------
def test_ftp_get_binary_passive(console: Console, ftp_server: FtpServer) -> None:
    open_bearer(console)
    setup_ftp(console, ftp_server, "/fw/", "image.bin", mode=1)
    start_get(console)
    console.expect("\r\n+FTPGET: 1,1\r\n", 30)  # the session is open: data waits
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 1", "OK"]
    data = read_all(console, opened=True)
    assert len(data) == len(BIG)
    assert sha(data) == sha(BIG)
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 0", "OK"]
    wait_until(lambda: not ftp_threads(), 20)


def test_ftp_get_active_mode_and_ascii_text(console: Console, ftp_server: FtpServer) -> None:
    open_bearer(console)
    setup_ftp(console, ftp_server, "/", "small.txt", mode=0)
    ok(console, "AT+FTPTYPE=A")
    start_get(console)
    assert read_all(console) == b"hello modem\r\n"  # ASCII: the server sends CRLF line ends


def test_ftp_resume_with_rest(console: Console, ftp_server: FtpServer) -> None:
    offset = 37_123
    open_bearer(console)
    setup_ftp(console, ftp_server, "/fw", "image.bin")
    ok(console, f"AT+FTPREST={offset}")
    assert console.command("AT+FTPREST?") == [f"+FTPREST: {offset}", "OK"]
    start_get(console)
    data = read_all(console)
    assert sha(data) == sha(BIG[offset:])


def test_ftp_size_and_missing_file(console: Console, ftp_server: FtpServer) -> None:
    open_bearer(console)
    setup_ftp(console, ftp_server, "/fw/", "image.bin")
    ok(console, "AT+FTPSIZE")
    console.expect(f"\r\n+FTPSIZE: 1,0,{len(BIG)}\r\n")
    ok(console, 'AT+FTPGETNAME="nothing.bin"')
    ok(console, "AT+FTPSIZE")
    console.expect("\r\n+FTPSIZE: 1,77,0\r\n")
    start_get(console)
    console.expect("\r\n+FTPGET: 1,77\r\n")
    ok(console, 'AT+FTPGETPATH="/nowhere/"')
    ok(console, 'AT+FTPGETNAME="image.bin"')
    start_get(console)
    console.expect("\r\n+FTPGET: 1,77\r\n")
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 0", "OK"]


def test_ftp_bad_login_and_no_bearer(console: Console, ftp_server: FtpServer) -> None:
    wait_registered(console)
    setup_ftp(console, ftp_server, "/", "small.txt")
    start_get(console)
    console.expect("\r\n+FTPGET: 1,61\r\n")  # no bearer
    ok(console, "AT+SAPBR=1,1")
    ok(console, 'AT+FTPPW="wrong"')
    start_get(console)
    console.expect("\r\n+FTPGET: 1,72\r\n")
    ok(console, f"AT+FTPPORT={_closed_port()}")
    start_get(console)
    console.expect("\r\n+FTPGET: 1,63\r\n")


def test_ftp_gprs_loss_mid_transfer(
    console: Console, runner: ModemRunner, ftp_server: FtpServer
) -> None:
    open_bearer(console)
    setup_ftp(console, ftp_server, "/fw/", "image.bin")
    start_get(console)
    console.expect("\r\n+FTPGET: 1,1\r\n")
    console.write(READ)
    console.expect("\r\n+FTPGET: 2,1460\r\n")
    assert console.read_exactly(1460 + 6)[:1460] == BIG[:1460]
    runner.inject("gprs-detach")
    console.expect("\r\n+SAPBR 1: DEACT\r\n")
    console.expect("\r\n+FTPGET: 1,61\r\n")
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 0", "OK"]
    assert console.command("AT+SAPBR=2,1") == ['+SAPBR: 1,3,"0.0.0.0"', "OK"]
    assert console.command("AT+FTPGET=2,100") == ["ERROR"]
    wait_until(lambda: not ftp_threads(), 20)


def test_ftpquit_and_reboot_stop_the_worker(
    console: Console, runner: ModemRunner, ftp_server: FtpServer
) -> None:
    open_bearer(console)
    setup_ftp(console, ftp_server, "/fw/", "image.bin", mode=0)
    start_get(console)
    console.expect("\r\n+FTPGET: 1,1\r\n")
    assert console.command("AT+FTPGET=1") == ["ERROR"]  # one session at a time
    console.write("AT+FTPQUIT\r")
    console.expect("\r\nOK\r\n\r\n+FTPGET: 1,86\r\n")
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 0", "OK"]
    wait_until(lambda: not ftp_threads(), 20)
    start_get(console)
    console.expect("\r\n+FTPGET: 1,1\r\n")
    runner.inject("reboot")
    console.expect("\r\nSMS Ready\r\n")
    wait_until(lambda: not ftp_threads(), 20)
    assert console.command("AT+FTPSTATE")[-2:] == ["+FTPSTATE: 0", "OK"]


def test_ftp_settings_and_malformed_input(console: Console) -> None:
    ok(console, 'AT+FTPSERV="ftp.example.com"')
    ok(console, "AT+FTPPORT=2121")
    ok(console, 'AT+FTPGETNAME="a.bin"')
    for bad in (
        "AT+FTPPORT=0",
        "AT+FTPPORT=65536",
        "AT+FTPPORT=x",
        "AT+FTPMODE=2",
        'AT+FTPTYPE="X"',
        "AT+FTPCID=4",
        f'AT+FTPSERV="{"h" * 50}"',
        'AT+FTPSERV=""',
        f'AT+FTPGETNAME="{"n" * 100}"',
        "AT+FTPREST=-1",
        "AT+FTPGET=3",
        "AT+FTPGET=2,0",
        "AT+FTPGET=2,1461",
        "AT+FTPGET=2,100",
        "AT+FTPGET=1,5",
        "AT+FTPGET",
        "AT+FTPSIZE=1",
        "AT+FTPPORT=1,2",
    ):
        assert console.command(bad) == ["ERROR"], bad
    ok(console, "AT+CMEE=1")
    assert console.command("AT+FTPPORT=0") == ["+CME ERROR: 793"]
    assert console.command("AT+FTPGET=2,100") == ["+CME ERROR: 3"]
    assert console.command("AT+FTPSERV?") == ['+FTPSERV: "ftp.example.com"', "OK"]
    assert console.command("AT+FTPPORT?") == ["+FTPPORT: 2121", "OK"]
    assert console.command("AT+FTPMODE?") == ["+FTPMODE: 0", "OK"]
    assert console.command("AT+FTPTYPE?") == ["+FTPTYPE: I", "OK"]
    assert console.command("AT+FTPGETNAME?") == ['+FTPGETNAME: "a.bin"', "OK"]
    assert console.command("AT+FTPSTATE") == ["+FTPSTATE: 0", "OK"]
    assert console.command("AT+FTPQUIT") == ["OK"]


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
