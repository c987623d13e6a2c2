"""Robot Framework keywords for the DTU's services: FTP download, HTTPD client, SMS, password AT.

A companion of ``DtuLibrary`` (import both; ``resources/services.resource``
does): it takes the bench — the ``World`` and the host's side of the RS232
port — from the ``DtuLibrary`` instance of the running suite and only reads
it. The servers are those pytest uses (``dtulab.servers``: pyftpdlib and
``http.server`` on the bench's bind address, 127.0.0.1 by default); the FTP
frames come from ``ftp_frames.py`` next to this file. Servers started by a
test are stopped when it ends.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ftp_frames
from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import timestr_to_secs

from dtulab.servers import FtpServer, HttpServer, Request, Site

# The final result line of a password command's reply over the network.
FINAL = re.compile(rb"(?:\A|\r\n)(OK|ERROR|\+CME ERROR: [^\r\n]*|\+ERR:[0-9]+)\r\n\Z")


def _seconds(value: Any) -> float:
    return float(timestr_to_secs(value))


@dataclass
class FtpFile:
    """What ``Start FTP Server With File`` serves: ``${ftp.host}``, ``${ftp.port}``,
    ``${ftp.user}``, ``${ftp.password}``, ``${ftp.path}``, ``${ftp.url}``,
    ``${ftp.size}``, ``${ftp.crc32}``."""

    host: str
    port: int
    user: str
    password: str
    path: str
    url: str
    size: int
    crc32: int
    data: bytes


@library(scope="SUITE", auto_keywords=False)
class ServicesLibrary:
    """Keywords for the DTU's FTP download, HTTPD client, SMS and password-AT services.

    Import it next to ``DtuLibrary`` (``resources/services.resource`` imports
    both); ``Start Bench`` of ``DtuLibrary`` builds the bench these keywords
    use.

    = Servers =
    ``Start FTP Server With File`` and ``Start HTTP Server`` start real servers
    on the bench's bind address (pyftpdlib, ``http.server``; 127.0.0.1 unless
    ``WorldConfig.bind`` says otherwise), which the DTU's modem reaches; the
    addresses they return are the bench's advertised host. They stop when the test ends.

    = FTP frames =
    ``Send FTP Frame`` and ``FTP Frame Should Answer`` speak dtulab's FTP
    download protocol (docs/ftp-protocol.md): ``0x55 0xAA``, command, length,
    payload, CRC-16/CCITT-FALSE. Commands and NAK codes go by name (``GET``,
    ``bad CRC``) or number.

    = Text =
    ``Send To DTU`` and ``DTU Should Output`` of ``DtuLibrary`` take one byte
    per character (Latin-1); ``Send Text To DTU`` and ``DTU Should Output
    Text`` take any text (Chinese, say) in an encoding, UTF-8 by default.
    """

    ROBOT_LIBRARY_VERSION = "0.1.0"
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self.ROBOT_LIBRARY_LISTENER = self
        self._ftp: list[FtpServer] = []
        self._ftp_file: FtpFile | None = None
        self._ftp_dirs: list[str] = []
        self._http: HttpServer | None = None
        self._http_seen = 0

    # -- FTP download (R-FTP-1, R-FTP-2) -------------------------------------------------------
    @keyword("Start FTP Server With File")
    def start_ftp_server_with_file(
        self, path: str = "/fw/image.bin", size: int = 8000, seed: int = 721
    ) -> FtpFile:
        """Serve ``size`` random bytes (from ``seed``) at ``path`` on a pyftpdlib server.

        The user is ``dtu``, the password ``secret``. Returns where and what:
        ``${ftp.host}``, ``${ftp.port}``, ``${ftp.user}``, ``${ftp.password}``,
        ``${ftp.path}``, ``${ftp.url}`` (``ftp://user:password@host:port/path``),
        ``${ftp.size}``, ``${ftp.crc32}``. ``FTP Frame Should Answer`` checks
        INFO and DATA against this file.

        | ${ftp}= | Start FTP Server With File | /fw/image.bin | size=8000 |
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', not '{path}'")
        data = random.Random(int(seed)).randbytes(int(size))
        root = tempfile.mkdtemp(prefix="dtulab-ftp-")
        self._ftp_dirs.append(root)
        target = Path(root, path.lstrip("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        server = FtpServer(Path(root), **self._where())
        self._ftp.append(server)
        url = f"ftp://{server.user}:{server.password}@{server.host}:{server.port}{path}"
        self._ftp_file = FtpFile(
            server.host,
            server.port,
            server.user,
            server.password,
            path,
            url,
            len(data),
            zlib.crc32(data),
            data,
        )
        logger.info(f"FTP server {url}: {len(data)} bytes, CRC-32 {zlib.crc32(data):08X}")
        return self._ftp_file

    @keyword("Send FTP Frame")
    def send_ftp_frame(
        self,
        command: str,
        offset: int | None = None,
        length: int | None = None,
        url: str = "",
        payload: str | None = None,
        bad_crc: bool = False,
    ) -> None:
        """Write one FTP frame to the DTU's RS232 port.

        ``START`` takes ``url`` (empty: the AT+CIFTP settings), ``GET`` takes
        ``offset`` and ``length`` (256 when absent), ``END`` nothing; any
        ``payload`` (one byte per character) replaces those. With ``bad_crc``
        the frame's CRC is wrong.

        | Send FTP Frame | START |
        | Send FTP Frame | GET | offset=256 | length=16 |
        | Send FTP Frame | GET | offset=0 | bad_crc=${True} |
        | Send FTP Frame | 0x42 | payload=x |
        """
        cmd = ftp_frames.command(command)
        if payload is not None:
            body = payload.encode("latin-1")
        elif cmd == ftp_frames.START:
            body = url.encode("ascii")
        elif cmd == ftp_frames.GET:
            if offset is None:
                raise ValueError("Send FTP Frame: GET needs an offset")
            body = ftp_frames.get(int(offset), None if length is None else int(length))[5:-2]
        else:
            body = b""
        data = ftp_frames.frame(cmd, body, bad_crc=bad_crc)
        logger.debug(f"FTP frame to the DTU: {data.hex(' ')}")
        self._host().write(data)

    @keyword("FTP Frame Should Answer")
    def ftp_frame_should_answer(
        self,
        reply: str,
        command: str | None = None,
        code: str | None = None,
        offset: int | None = None,
        length: int | None = None,
        timeout: Any = 30,
    ) -> ftp_frames.Reply:
        """Read the DTU's next FTP frame: it must be ``reply`` (INFO, DATA, ACK, NAK).

        INFO: size and CRC-32 of the file served by ``Start FTP Server With
        File``. DATA: at ``offset`` (if given), ``length`` bytes (default 256,
        fewer at the end of the file) equal to the served file's. ACK and NAK:
        for ``command``; NAK with ``code`` (``bad CRC``, ``bad length``,
        ``unknown command``, ``no session``, ``past end``, ``FTP failure``,
        ``bad source`` or a number). Returns the frame (``${r.size}``,
        ``${r.offset}``, ``${r.data}``, ``${r.code}``, ``${r.detail}``, ...).

        | FTP Frame Should Answer | INFO |
        | FTP Frame Should Answer | DATA | offset=256 |
        | FTP Frame Should Answer | NAK | command=GET | code=bad CRC |
        """
        got = ftp_frames.read_frame(self._host().read_exactly, _seconds(timeout))
        want = ftp_frames.command(reply)
        if got.cmd != want:
            raise AssertionError(
                f"expected {reply} (0x{want:02X}), got 0x{got.cmd:02X} {got.payload.hex(' ')}"
            )
        served = self._ftp_file
        info = (got.size, got.crc32)
        if want == ftp_frames.INFO and served is not None and info != (served.size, served.crc32):
            raise AssertionError(
                f"INFO: size {got.size}, CRC-32 {got.crc32:08X}; the served file has "
                f"size {served.size}, CRC-32 {served.crc32:08X}"
            )
        if want == ftp_frames.DATA:
            self._check_data(got, offset, length)
        if command is not None and got.acked != ftp_frames.command(command):
            raise AssertionError(f"{reply} for command {got.acked}, expected {command}")
        if code is not None and got.code != ftp_frames.nak_code(code):
            raise AssertionError(f"{reply} code {got.code} (detail {got.detail}), expected {code}")
        return got

    def _check_data(self, got: ftp_frames.Reply, offset: int | None, length: int | None) -> None:
        assert got.offset is not None
        if offset is not None and got.offset != int(offset):
            raise AssertionError(f"DATA at offset {got.offset}, expected {offset}")
        served = self._ftp_file
        if served is None:
            return
        size = ftp_frames.PACKET if length is None else int(length)
        want = served.data[got.offset : got.offset + size]
        if got.data != want:
            raise AssertionError(
                f"DATA at {got.offset}: {len(got.data)} bytes that differ from the served file's "
                f"{len(want)} bytes there"
            )

    # -- HTTPD client (R-HTTP-1) ---------------------------------------------------------------
    @keyword("Start HTTP Server")
    def start_http_server(
        self, path: str = "/page.txt", body: str = "Hello from the lab server!\n"
    ) -> str:
        """Start an ``http.server`` on the bench's bind address serving ``body`` at ``path``;
        return its base URL (the bench's advertised host).

        GET of ``path`` answers ``body``, of anything else 404; POST answers
        ``got <n> bytes``. Every request is recorded for ``HTTP Server Should
        Receive``.

        | ${url}= | Start HTTP Server | /page.txt | Hello |
        | Send AT Command | AT+CIHTTP=GET,"${url}/page.txt" |
        """
        if self._http is not None:
            self._http.close()
        self._http = HttpServer(Site(files={path: body.encode("latin-1")}), **self._where())
        self._http_seen = 0
        return str(self._http.url(""))

    @keyword("HTTP Server Should Receive")
    def http_server_should_receive(
        self,
        method: str,
        path: str,
        *headers: str,
        body: str | None = None,
        timeout: Any = 20,
    ) -> Request:
        """Wait for the HTTP server's next request; it must be ``method`` ``path`` (with the query).

        With ``body`` (one byte per character) the body must be that; each of
        ``headers`` (``Name: value``) the request must carry. Returns the
        request (``${r.method}``, ``${r.path}``, ``${r.headers}``, ``${r.body}``).

        | HTTP Server Should Receive | GET | /page.txt?id=7 |
        | HTTP Server Should Receive | POST | /up | Content-Type: text/plain | body=21.5 |
        """
        if self._http is None:
            raise RuntimeError("no HTTP server: use Start HTTP Server first")
        try:
            requests = self._http.wait_requests(self._http_seen + 1, _seconds(timeout))
        except AssertionError:
            raise AssertionError(
                f"no request {self._http_seen + 1} within {timeout} s "
                f"(expected {method} {path}); got {[r.path for r in self._http.requests]}"
            ) from None
        request = requests[self._http_seen]
        self._http_seen += 1
        if (request.method, request.path) != (method.upper(), path):
            raise AssertionError(f"expected {method} {path}, got {request.method} {request.path}")
        if body is not None and request.body != body.encode("latin-1"):
            raise AssertionError(f"{path}: expected body {body!r}, got {request.body!r}")
        for header in headers:
            name, _, value = header.partition(":")
            got = request.headers.get(name.strip())
            if got != value.strip():
                raise AssertionError(f"{path}: header {name.strip()} is {got!r}, expected {value}")
        return request

    # -- text on the RS232 port (Chinese SMS, R-SMS-1, R-SMS-2) --------------------------------
    @keyword("Send Text To DTU")
    def send_text_to_dtu(self, text: str, encoding: str = "UTF-8") -> None:
        """Write ``text`` in ``encoding`` to the DTU's RS232 port.

        | Send Text To DTU | 你好，世界 |
        """
        self._host().write(text.encode(encoding))

    @keyword("DTU Should Output Text")
    def dtu_should_output_text(self, text: str, encoding: str = "UTF-8", timeout: Any = 10) -> None:
        """Wait until the DTU writes ``text`` in ``encoding`` on RS232 (consumes up to it)."""
        self._host().expect(text.encode(encoding), _seconds(timeout))

    # -- SMS (R-SMS-1, R-AT-5) -----------------------------------------------------------------
    @keyword("No SMS Should Be Sent")
    def no_sms_should_be_sent(self, duration: Any = "500 ms") -> None:
        """Wait ``duration``; fail if the DTU has sent any SMS since the bench started."""
        dtu = self._dtu()
        dtu._require("modem")
        time.sleep(_seconds(duration))
        sent = dtu.world.sms_center.full_texts()
        if sent:
            raise AssertionError(f"expected no SMS from the DTU, it sent {sent}")

    # -- network AT (R-AT-4) -------------------------------------------------------------------
    @keyword("Server Sends Network AT")
    def server_sends_network_at(
        self,
        command: str,
        password: str | None = None,
        server: str = "dc1",
        allow_error: bool = False,
        timeout: Any = 10,
    ) -> list[str]:
        """``server`` sends ``command`` with ``password`` (default: the dialect's factory
        password), as ``Password Command`` writes it, to the DTU; return the reply lines it
        gets.

        The reply is what the server receives after sending, up to the final
        result (``OK``, ``ERROR``); it fails on a result other than ``OK``
        unless ``allow_error`` is true. ``Server Should Receive`` does not
        know about these bytes: use it on another server, or before.

        | ${command}= | Dialect Command | sms number? |
        | ${reply}= | Server Sends Network AT | ${command} |
        | Should Be Equal | ${reply} | ${{["+CIPNUM: 10086", "OK"]}} |
        """
        world = self._world()
        srv = world.server(server)
        before = len(world.server_received(server))
        line = self._dtu()._adapter().password_line(command, password)
        world.server_send(line.encode("latin-1"), server)
        try:
            world.wait(lambda: bool(FINAL.search(srv.received[before:])), _seconds(timeout))
        except AssertionError:
            got = world.server_received(server)[before:]
            raise AssertionError(
                f"{command}: no reply to server {server} within {timeout} s; got {got!r}"
            ) from None
        text = world.server_received(server)[before:].decode("latin-1")
        reply = [line for line in text.split("\r\n") if line]
        if not allow_error and reply[-1:] != ["OK"]:
            raise AssertionError(f"{command}: expected OK, got {reply}")
        return reply

    # -- the bench and the servers' life -------------------------------------------------------
    def end_test(self, data: Any, result: Any) -> None:
        """Listener: stop the servers this test started."""
        self._stop_servers()

    def close(self) -> None:
        """Listener: the suite is over."""
        self._stop_servers()

    def _stop_servers(self) -> None:
        for server in self._ftp:
            server.close()
        self._ftp.clear()
        self._ftp_file = None
        for root in self._ftp_dirs:
            shutil.rmtree(root, ignore_errors=True)
        self._ftp_dirs.clear()
        if self._http is not None:
            self._http.close()
            self._http = None

    def _dtu(self) -> Any:
        return BuiltIn().get_library_instance("DtuLibrary")

    def _world(self) -> Any:
        return self._dtu()._world()

    def _host(self) -> Any:
        return self._dtu()._console()

    def _where(self) -> dict[str, str]:
        """Where a server listens and what a DTU is given for it: the bench's settings."""
        config = self._world().config
        advertised = self._world().addresses.host
        return {"bind": config.bind, "advertise": "" if advertised == config.bind else advertised}
