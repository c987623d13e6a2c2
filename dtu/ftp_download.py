"""FTP download (manual 2.1.2, R-FTP-1/2): the host MCU fetches a file in 256-byte packets.

The vendor's serial protocol is unknown (research-notes.md §B), so the frames
are dtulab's own, specified in docs/ftp-protocol.md::

    0x55 0xAA <cmd u8> <len u16 BE> <payload> <crc16 u16 BE>

with CRC-16/CCITT-FALSE over cmd..payload. Host commands: START (0x01, from
the AT+CIFTP settings or an ``ftp://`` URL) → INFO (0x81: size u32, CRC-32
u32); GET (0x02: offset u32 [, length u16 ≤ 256]) → DATA (0x82: offset u32,
bytes); END (0x03) → ACK (0x83). Anything wrong → NAK (0xFF: cmd, code,
detail), which changes nothing.

Frames are recognised in every transparent mode (``handle`` sees each serial
packet first). In FTP mode (AT+CIMOD=1) every packet is protocol: bytes
outside frames are skipped. In the other modes the port stays transparent
(behaviour.md R-FTP-1): a packet is protocol only if it begins with a
complete, well-formed frame (sync, length ≤ 512, CRC) that starts a download
(START), or, once a START has been taken, a GET or END of that download; a
frame that follows it in the packet likewise, and everything else is ordinary
data, forwarded untouched and never answered. A frame split over packets is
reassembled; a fragment left alone for REASSEMBLY_TIMEOUT is dropped (FTP
mode) or passed on as data. The work mode never changes.

The file comes through the modem's FTP client (SIM800 manual §12): bearer
(AT+SAPBR), AT+FTPCID/SERV/PORT/UN/PW/MODE/TYPE/GETPATH/GETNAME, AT+FTPSIZE,
AT+FTPREST + AT+FTPGET=1, AT+FTPGET=2,1460 reads, AT+FTPQUIT. START reads the
whole file once (it needs the CRC-32) and keeps up to CACHE_LIMIT bytes in RAM;
GETs are served from that window, and a GET outside it fetches a new window
at its offset with AT+FTPREST. A download broken after some progress resumes
with AT+FTPREST (up to ATTEMPTS times). Frames are handled one at a time, in
order, by a worker task; replies go straight to the RS232 port.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import logging
import re
import weakref
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit

from dtulab.dtu.httpd import HttpPeer, command_urc, ensure_bearer, wait_network
from dtulab.dtu.modem_client import ModemError

log = logging.getLogger(__name__)


class FtpPeer(HttpPeer, Protocol):
    """What the FTP download needs of the firmware around it (``Dtu`` implements it): what
    HTTPD mode needs, and the way back for a packet that was data after all."""

    async def serial_packet(self, packet: bytes) -> None:
        """Hand on a packet of ordinary data (not a frame of this download)."""
        ...


SYNC = b"\x55\xaa"
HEADER = 5  # sync, cmd, len
OVERHEAD = HEADER + 2  # + crc

START, GET, END = 0x01, 0x02, 0x03
INFO, DATA, ACK, NAK = 0x81, 0x82, 0x83, 0xFF
HOST_COMMANDS = (START, GET, END)

# NAK codes
BAD_CRC = 0x01
BAD_LENGTH = 0x02  # frame length > MAX_PAYLOAD, wrong payload size, GET length 0 or > 256
UNKNOWN_COMMAND = 0x03
NO_SESSION = 0x04  # GET before a successful START
PAST_END = 0x05  # GET offset ≥ file size
FTP_FAILED = 0x06  # detail: the modem's FTP error code (61..86), or 0
BAD_SOURCE = 0x07  # START: bad URL, or no AT+CIFTP settings

MAX_PAYLOAD = 512  # host frames
PACKET = 256  # GET length limit and default
CACHE_LIMIT = 64 * 1024  # file bytes kept in RAM
MAX_FILE = 2**31 - 1  # AT+FTPREST's limit
REASSEMBLY_TIMEOUT = 3.0  # a pending frame fragment waits this long for the rest
ATTEMPTS = 3  # a download that broke after some progress resumes (AT+FTPREST) this often
READ = 1460  # AT+FTPGET=2,<reqlength>
OPEN_TIMEOUT = 90.0  # +FTPGET: 1,1 / +FTPSIZE (the module's own limit is 75 s)
STALL_TIMEOUT = 80.0  # no new byte for this long: the download failed


class FtpFailed(Exception):
    def __init__(self, code: int, detail: int = 0) -> None:
        super().__init__(code, detail)
        self.code, self.detail = code, detail


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR)."""
    return binascii.crc_hqx(data, 0xFFFF)


def frame(cmd: int, payload: bytes = b"") -> bytes:
    body = bytes([cmd]) + len(payload).to_bytes(2, "big") + payload
    return SYNC + body + crc16(body).to_bytes(2, "big")


# -- the file's source ---------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    host: str
    port: int
    user: str
    password: str
    folder: str  # AT+FTPGETPATH ("" = the login directory)
    name: str  # AT+FTPGETNAME


def source_from(path: str, host: str, port: int, user: str, password: str) -> Source:
    folder, _, name = path.rpartition("/")
    if not folder and path.startswith("/"):
        folder = "/"
    values = (host, user, password, folder, name)
    if not host or not name or any('"' in v or not v.isprintable() for v in values):
        raise FtpFailed(BAD_SOURCE)
    limits = ((host, 49), (user, 49), (password, 49), (folder, 255), (name, 99))
    if any(len(v) > limit for v, limit in limits) or not 0 < port < 65536:
        raise FtpFailed(BAD_SOURCE)
    return Source(host, port, user, password, folder, name)


def parse_source(payload: bytes, dtu: FtpPeer) -> Source:
    """START's payload: empty (AT+CIFTP settings) or ``ftp://[user[:pass]@]host[:port]/path``."""
    if not payload:
        s = dtu.settings
        return source_from(s.ftp_path, s.ftp_host, s.ftp_port, s.ftp_user, s.ftp_password)
    try:
        parts = urlsplit(payload.decode("ascii"))
        port = parts.port or 21
    except (UnicodeDecodeError, ValueError):
        raise FtpFailed(BAD_SOURCE) from None
    if parts.scheme.lower() != "ftp" or parts.query or parts.fragment:
        raise FtpFailed(BAD_SOURCE)
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    return source_from(unquote(parts.path), parts.hostname or "", port, user, password)


# -- the modem's FTP client ---------------------------------------------------------------------
async def _configure(dtu: FtpPeer, src: Source) -> None:
    m = dtu.modem
    await m.command("AT+FTPQUIT", check=False)  # whatever an earlier session left open
    await ensure_bearer(dtu)
    for line in (
        "AT+FTPCID=1",
        f'AT+FTPSERV="{src.host}"',
        f"AT+FTPPORT={src.port}",
        f'AT+FTPUN="{src.user}"',
        f'AT+FTPPW="{src.password}"',
        "AT+FTPMODE=1",
        'AT+FTPTYPE="I"',
        f'AT+FTPGETPATH="{src.folder}"',
        f'AT+FTPGETNAME="{src.name}"',
    ):
        await m.command(line)


async def _size(dtu: FtpPeer, src: Source) -> int:
    await _configure(dtu, src)
    urc = await command_urc(dtu, "AT+FTPSIZE", r"\+FTPSIZE: .*", OPEN_TIMEOUT)
    match = re.fullmatch(r"\+FTPSIZE: 1,(\d+),(\d+)", urc)
    if match is None:
        raise FtpFailed(FTP_FAILED)
    if int(match.group(1)):
        raise FtpFailed(FTP_FAILED, int(match.group(1)))
    return int(match.group(2))


Sink = Callable[[bytes], Awaitable[None] | None]


async def _read_once(dtu: FtpPeer, src: Source, offset: int, count: int, sink: Sink) -> int:
    """One FTP session from ``offset``: ``count`` bytes to ``sink``.

    A failure raises ``_Progress`` (the bytes delivered so far and the FtpFailed).
    """
    m = dtu.modem
    await _configure(dtu, src)
    await m.command(f"AT+FTPREST={offset}")
    urc = await command_urc(dtu, "AT+FTPGET=1", r"\+FTPGET: 1,\d+", OPEN_TIMEOUT)
    code = int(urc.rpartition(",")[2])
    if code != 1:
        raise FtpFailed(FTP_FAILED, code)
    got = 0
    last_progress = dtu.clock.now()
    try:
        while got < count:
            watcher = asyncio.ensure_future(dtu.services.wait_urc(r"\+FTPGET: 1,\d+", 1.0))
            await asyncio.sleep(0)  # registered before the read goes out
            try:
                reply = await m.command(f"AT+FTPGET=2,{READ}", check=False)
                codes = [
                    int(x.rpartition(",")[2]) for x in reply.lines if x.startswith("+FTPGET: 1,")
                ]
                if reply.raw:
                    part = reply.raw[: count - got]
                    result = sink(part)
                    if result is not None:
                        await result
                    got += len(part)
                    last_progress = dtu.clock.now()
                if got >= count:
                    break
                if not reply.ok:  # no session any more: it ended or failed
                    raise FtpFailed(FTP_FAILED, next((c for c in codes if c > 1), 0))
                if not reply.raw:  # nothing buffered: wait for "+FTPGET: 1,1" (or poll)
                    await asyncio.wait({watcher}, timeout=0.25)
                    if watcher.done() and watcher.exception() is None:
                        codes.append(int(watcher.result().rpartition(",")[2]))
                errors = [c for c in codes if c > 1]
                if errors:
                    raise FtpFailed(FTP_FAILED, errors[0])
                if dtu.clock.now() - last_progress > STALL_TIMEOUT:
                    raise FtpFailed(FTP_FAILED, 64)
            finally:
                watcher.cancel()
                if watcher.done() and not watcher.cancelled():
                    watcher.exception()
    except FtpFailed as exc:
        raise _Progress(got, exc) from None
    finally:  # ends the session (or nothing, if the module ended it already)
        with contextlib.suppress(ModemError):
            await m.command("AT+FTPQUIT", check=False)
    return got


class _Progress(Exception):
    def __init__(self, got: int, error: FtpFailed) -> None:
        super().__init__(got, error)
        self.got, self.error = got, error


async def download(dtu: FtpPeer, src: Source, offset: int, count: int, sink: Sink) -> None:
    """``count`` bytes from ``offset`` to ``sink``; a session that broke after some
    progress is resumed with AT+FTPREST (ATTEMPTS sessions in all)."""
    done = 0
    for attempt in range(ATTEMPTS):
        try:
            done += await _read_once(dtu, src, offset + done, count - done, sink)
            return
        except _Progress as progress:
            done += progress.got
            log.warning("FTP download at %d: %s", offset + done, progress.error.args)
            if not progress.got or attempt == ATTEMPTS - 1:
                raise progress.error from None


# -- the session ---------------------------------------------------------------------------------
@dataclass
class Session:
    source: Source
    size: int
    crc: int
    window_start: int = 0
    window: bytes = b""


@dataclass
class _State:
    dtu: FtpPeer
    buf: bytearray = field(default_factory=bytearray)
    queue: asyncio.Queue[tuple[int, bytes]] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[object] | None = None
    expiry: asyncio.Task[object] | None = None
    passthrough: bytes | None = None  # a packet handed back to the DTU as ordinary data
    session: Session | None = None
    download: bool = False  # outside FTP mode: a START was taken, its GETs and END count

    # -- framing -----------------------------------------------------------------
    def parse(self, ftp_mode: bool) -> bytes:
        """Queue every complete frame in ``buf``; return bytes that are ordinary data."""
        buf = self.buf
        while buf:
            if not ftp_mode:
                verdict = self.front(buf)
                if verdict == "data":
                    data = bytes(buf)
                    buf.clear()
                    return data
                if verdict == "wait":
                    return b""
                size = int.from_bytes(buf[3:5], "big")
                cmd, payload = buf[2], bytes(buf[HEADER : HEADER + size])
                del buf[: OVERHEAD + size]
                self.download = cmd != END  # END closes the download (for recognition)
                self.put(cmd, payload)
                continue
            start = buf.find(SYNC)
            if start < 0:  # no frame here: skip, but keep a trailing 0x55 (a sync's half)
                del buf[: len(buf) - (buf[-1] == SYNC[0])]
                return b""
            del buf[:start]
            if len(buf) < HEADER:
                return b""
            cmd, size = buf[2], int.from_bytes(buf[3:5], "big")
            if size > MAX_PAYLOAD:
                self.put(NAK, bytes([cmd, BAD_LENGTH, 0]))
                del buf[:2]
                continue
            if len(buf) < OVERHEAD + size:
                return b""
            body = bytes(buf[2 : HEADER + size])
            crc = int.from_bytes(buf[HEADER + size : OVERHEAD + size], "big")
            del buf[: OVERHEAD + size]
            if crc16(body) != crc:
                self.put(NAK, bytes([cmd, BAD_CRC, 0]))
            elif cmd not in HOST_COMMANDS:
                self.put(NAK, bytes([cmd, UNKNOWN_COMMAND, 0]))
            else:
                self.put(cmd, body[3:])
        return b""

    def front(self, buf: bytes | bytearray) -> str:
        """Outside FTP mode: "frame" if ``buf`` begins with a complete, well-formed frame the
        port takes (START; GET or END while a download runs), "wait" while it may still
        become one, else "data"."""
        commands = (START, GET, END) if self.download else (START,)
        if not SYNC.startswith(bytes(buf[:2])) or (len(buf) > 2 and buf[2] not in commands):
            return "data"
        if len(buf) < HEADER:
            return "wait"
        size = int.from_bytes(buf[3:5], "big")
        if size > MAX_PAYLOAD:
            return "data"
        if len(buf) < OVERHEAD + size:
            return "wait"
        crc = int.from_bytes(buf[HEADER + size : OVERHEAD + size], "big")
        return "frame" if crc16(bytes(buf[2 : HEADER + size])) == crc else "data"

    def put(self, cmd: int, payload: bytes) -> None:
        if self.worker is None or self.worker.done():
            self.worker = self.dtu.spawn(self.work())
        self.queue.put_nowait((cmd, payload))

    async def expire(self, ftp_mode: bool) -> None:
        """A fragment nobody completed: dropped in FTP mode, ordinary data otherwise."""
        await self.dtu.clock.sleep(REASSEMBLY_TIMEOUT)
        data = bytes(self.buf)
        self.buf.clear()
        if data and not ftp_mode:
            await self.pass_on(data)

    async def pass_on(self, data: bytes) -> None:
        self.passthrough = data
        try:
            await self.dtu.serial_packet(data)
        finally:
            self.passthrough = None

    # -- commands -------------------------------------------------------------------
    async def work(self) -> None:
        while True:
            cmd, payload = await self.queue.get()
            try:
                reply = await self.run(cmd, payload)
            except FtpFailed as exc:
                reply = frame(NAK, bytes([cmd, exc.code, exc.detail & 0xFF]))
            except ModemError as exc:
                log.warning("FTP download: %s", exc)
                reply = frame(NAK, bytes([cmd, FTP_FAILED, 0]))
            except asyncio.CancelledError:
                raise
            except Exception:  # never a DTU restart for one frame
                log.exception("FTP download frame 0x%02x failed", cmd)
                reply = frame(NAK, bytes([cmd, FTP_FAILED, 0]))
            if cmd == START and self.session is None:
                self.download = False  # no download runs: GET and END frames are data again
            await self.dtu.serial.write(reply)

    async def run(self, cmd: int, payload: bytes) -> bytes:
        if cmd == NAK:  # a framing error found by parse()
            return frame(NAK, payload)
        if cmd == START:
            if len(payload) > MAX_PAYLOAD:
                raise FtpFailed(BAD_LENGTH)
            session = await self.start(parse_source(payload, self.dtu))
            self.session = session
            return frame(INFO, session.size.to_bytes(4, "big") + session.crc.to_bytes(4, "big"))
        if cmd == GET:
            if len(payload) not in (4, 6):
                raise FtpFailed(BAD_LENGTH)
            offset = int.from_bytes(payload[:4], "big")
            length = int.from_bytes(payload[4:], "big") if len(payload) == 6 else PACKET
            if not 0 < length <= PACKET:
                raise FtpFailed(BAD_LENGTH)
            if self.session is None:
                raise FtpFailed(NO_SESSION)
            data = await self.get(self.session, offset, length)
            return frame(DATA, offset.to_bytes(4, "big") + data)
        if payload:  # END
            raise FtpFailed(BAD_LENGTH)
        self.session = None
        return frame(ACK, bytes([END]))

    async def start(self, src: Source) -> Session:
        dtu = self.dtu
        await wait_network(dtu)
        size = await _size(dtu, src)
        if size > MAX_FILE:
            raise FtpFailed(FTP_FAILED)
        crc = 0
        window = bytearray()

        def sink(chunk: bytes) -> None:
            nonlocal crc
            crc = zlib.crc32(chunk, crc)
            window.extend(chunk[: CACHE_LIMIT - len(window)])

        if size:
            await download(dtu, src, 0, size, sink)
        return Session(src, size, crc, 0, bytes(window))

    async def get(self, session: Session, offset: int, length: int) -> bytes:
        if offset >= session.size:
            raise FtpFailed(PAST_END)
        end = min(offset + length, session.size)
        if not session.window_start <= offset < end <= session.window_start + len(session.window):
            window = bytearray()
            count = min(CACHE_LIMIT, session.size - offset)
            await wait_network(self.dtu)
            await download(self.dtu, session.source, offset, count, window.extend)
            session.window_start, session.window = offset, bytes(window)
        start = offset - session.window_start
        return session.window[start : start + end - offset]


_states: weakref.WeakKeyDictionary[FtpPeer, _State] = weakref.WeakKeyDictionary()


async def handle(dtu: FtpPeer, packet: bytes) -> bool:
    """A serial packet: True if it was protocol (consumed), False if it is ordinary data."""
    state = _states.get(dtu)
    if state is None:
        state = _states[dtu] = _State(dtu)
    if packet is state.passthrough:
        return False
    ftp_mode = dtu.settings.mode_name == "FTP"
    if not state.buf and not ftp_mode and state.front(packet) == "data":
        return False
    if state.expiry is not None:
        state.expiry.cancel()
        state.expiry = None
    state.buf += packet
    data = state.parse(ftp_mode)
    if state.buf:
        state.expiry = dtu.spawn(state.expire(ftp_mode))
    if data:
        await state.pass_on(data)
    return True
