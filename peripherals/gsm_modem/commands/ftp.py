"""FTP client commands (SIM800 Series AT Command Manual V1.10 §12, pp. 268-290).

Settings: AT+FTPCID, AT+FTPSERV, AT+FTPPORT, AT+FTPUN, AT+FTPPW, AT+FTPMODE,
AT+FTPTYPE, AT+FTPGETNAME, AT+FTPGETPATH, AT+FTPREST (SET / READ / TEST).
Operations: AT+FTPGET=1 opens a download session (``OK``, then the URC
``+FTPGET: 1,1`` or ``+FTPGET: 1,<error>``), AT+FTPGET=2,<reqlength> reads
up to 1460 buffered bytes (``+FTPGET: 2,<cnflength>``, the raw bytes, ``OK``),
``+FTPGET: 1,0`` ends the session once every byte was read; AT+FTPSIZE
(``OK`` then ``+FTPSIZE: 1,0,<size>`` / ``+FTPSIZE: 1,<error>,0``),
AT+FTPSTATE, AT+FTPQUIT.

The FTP session is real: stdlib ``ftplib`` in a daemon worker thread talks to
the server named by AT+FTPSERV over host sockets, active (PORT) or passive
(PASV) as AT+FTPMODE says. Downloaded bytes go into a bounded buffer (the
worker stops reading from the data connection while it is full, so TCP flow
control reaches the server); AT+FTPQUIT, a modem reboot or a bearer loss
abort the worker by shutting its sockets down. Error codes are the manual's
(p. 278); the mapping of each failure to a code is in docs/modem/ftp-http.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.commands.bearer import bearer_open, watch_bearer
from dtulab.peripherals.gsm_modem.errors import (
    COUNT_HIGH,
    COUNT_LOW,
    NOT_ALLOWED,
    RANGE,
    AtError,
    CmeError,
)
from dtulab.peripherals.gsm_modem.part import ModemPart
from dtulab.peripherals.gsm_modem.registry import (
    NO_FINAL,
    Final,
    at_command,
    int_arg,
    nargs,
    only,
    str_arg,
)

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

FTP_TIMEOUT = 75.0  # manual: max response time "75 seconds (in case no response from server)"
BUFFER_SIZE = 16 * 1024  # bytes the module holds before it stops reading the data connection
MAX_READ = 1460  # AT+FTPGET=2,<reqlength 1-1460>
MAX_REST = 2**31 - 1

# <error> codes of AT+FTPGET (manual p. 278)
NET_ERROR, DNS_ERROR, CONNECT_ERROR, TIMEOUT, SERVER_ERROR, NOT_ALLOW = 61, 62, 63, 64, 65, 66
REPLY_ERROR, USER_ERROR, PASSWORD_ERROR, TYPE_ERROR, REST_ERROR = 70, 71, 72, 73, 74
PASSIVE_ERROR, ACTIVE_ERROR, OPERATE_ERROR, DOWNLOAD_ERROR, MANUAL_QUIT = 75, 76, 77, 79, 86


class FtpFailure(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Aborted(Exception):
    """The session was ended from the modem side (AT+FTPQUIT, reboot, bearer loss)."""


@dataclass(frozen=True)
class FtpSettings:
    server: str
    port: int
    user: str
    password: str
    passive: bool
    type: str
    path: str
    name: str
    rest: int
    cid: int


class FtpJob:
    """One FTP operation ("GET" or "SIZE") running in a daemon worker thread."""

    def __init__(self, kind: str, settings: FtpSettings) -> None:
        self.kind = kind
        self.settings = settings
        self.changed = asyncio.Event()  # set (on the modem's loop) whenever the worker progresses
        self._loop = asyncio.get_running_loop()
        self._cond = threading.Condition()
        self._buf = bytearray()
        self._sockets: list[socket.socket] = []
        self.aborted = False
        self.opened = False  # RETR accepted: the session is up
        self.finished = False  # the whole file arrived (226) / the size is known
        self.error: int | None = None
        self.size = 0
        self.announced = False  # "+FTPGET: 1,1" given at least once (loop side)
        self.notified = False  # a "+FTPGET: 1,1" is outstanding (loop side)
        self.thread = threading.Thread(target=self._main, name=f"ftp-{kind.lower()}", daemon=True)

    # -- loop side -----------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def abort(self) -> None:
        with self._cond:
            self.aborted = True
            self._cond.notify_all()
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def take(self, n: int) -> tuple[bytes, int]:
        """Up to ``n`` buffered bytes, and how many remain."""
        with self._cond:
            data = bytes(self._buf[:n])
            del self._buf[:n]
            self._cond.notify_all()
            return data, len(self._buf)

    def snapshot(self) -> tuple[int | None, int, bool, bool]:
        with self._cond:
            return self.error, len(self._buf), self.finished, self.opened

    # -- worker side -------------------------------------------------------------
    def _notify(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody to tell
            self._loop.call_soon_threadsafe(self.changed.set)

    def _track(self, sock: socket.socket) -> None:
        with self._cond:
            self._sockets.append(sock)
            if self.aborted:
                _shutdown(sock)
                raise _Aborted()

    def _step(self, code: int, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one protocol step; a failure becomes the manual's error ``code``."""
        if self.aborted:
            raise _Aborted()
        try:
            return fn(*args)
        except TimeoutError:
            raise FtpFailure(TIMEOUT) from None
        except (ftplib.Error, OSError, EOFError, ValueError):
            if self.aborted:
                raise _Aborted() from None
            raise FtpFailure(code) from None

    def _main(self) -> None:
        ftp = ftplib.FTP(timeout=FTP_TIMEOUT)
        try:
            self._connect(ftp)
            if self.kind == "SIZE":
                self._size(ftp)
            else:
                self._get(ftp)
        except _Aborted:
            pass
        except FtpFailure as failure:
            with self._cond:
                if not self.aborted:
                    self.error = failure.code
            self._notify()
        except Exception:  # a bug or an unexpected library error: still a clean URC
            with self._cond:
                if not self.aborted:
                    self.error = REPLY_ERROR
            self._notify()
        finally:
            with self._cond:
                sockets = list(self._sockets)
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.close()
            with contextlib.suppress(Exception):
                ftp.close()

    def _connect(self, ftp: ftplib.FTP) -> None:
        s = self.settings
        try:
            ftp.connect(s.server, s.port)
        except socket.gaierror:
            raise FtpFailure(DNS_ERROR) from None
        except TimeoutError:
            raise FtpFailure(TIMEOUT) from None
        except (ftplib.Error, EOFError):
            raise FtpFailure(SERVER_ERROR) from None  # the greeting was a refusal (421 ...)
        except (OSError, UnicodeError):
            raise FtpFailure(CONNECT_ERROR) from None
        if ftp.sock is not None:
            self._track(ftp.sock)
        user = s.user or "anonymous"
        password = s.password if s.user else (s.password or "anonymous@")
        reply = self._step(USER_ERROR, ftp.sendcmd, "USER " + user)
        if reply.startswith("3"):
            self._step(PASSWORD_ERROR, ftp.sendcmd, "PASS " + password)

    def _cwd(self, ftp: ftplib.FTP) -> None:
        if self.settings.path:
            self._step(OPERATE_ERROR, ftp.cwd, self.settings.path)

    def _size(self, ftp: ftplib.FTP) -> None:
        self._step(TYPE_ERROR, ftp.voidcmd, "TYPE I")  # SIZE is refused in ASCII mode
        self._cwd(ftp)
        reply = self._step(OPERATE_ERROR, ftp.sendcmd, "SIZE " + self.settings.name)
        try:
            size = int(reply[3:].strip())
        except ValueError:
            raise FtpFailure(REPLY_ERROR) from None
        with self._cond:
            self.size = size
            self.finished = True
        self._notify()
        with contextlib.suppress(Exception):
            ftp.quit()

    def _get(self, ftp: ftplib.FTP) -> None:
        s = self.settings
        self._step(TYPE_ERROR, ftp.voidcmd, "TYPE " + s.type)
        self._cwd(ftp)
        listener: socket.socket | None = None
        if s.passive:
            host, port = self._step(PASSIVE_ERROR, ftp.makepasv)
            conn = self._step(PASSIVE_ERROR, socket.create_connection, (host, port), FTP_TIMEOUT)
            self._track(conn)
        else:
            listener = self._step(ACTIVE_ERROR, ftp.makeport)
            self._track(listener)
        if s.rest:
            self._step(REST_ERROR, ftp.sendcmd, f"REST {s.rest}")
        reply = self._step(OPERATE_ERROR, ftp.sendcmd, "RETR " + s.name)
        if reply.startswith("2"):
            reply = self._step(OPERATE_ERROR, ftp.getresp)
        if not reply.startswith("1"):
            raise FtpFailure(REPLY_ERROR)
        if listener is not None:
            conn, _ = self._step(ACTIVE_ERROR, listener.accept)
            conn.settimeout(FTP_TIMEOUT)
            self._track(conn)
            with contextlib.suppress(OSError):
                listener.close()
        with self._cond:
            self.opened = True
        self._notify()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self.aborted or len(self._buf) < BUFFER_SIZE)
                if self.aborted:
                    raise _Aborted()
                room = BUFFER_SIZE - len(self._buf)
            chunk = self._step(DOWNLOAD_ERROR, conn.recv, min(room, 8192))
            if not chunk:
                break
            with self._cond:
                self._buf += chunk
            self._notify()
        with contextlib.suppress(OSError):
            conn.close()
        self._step(DOWNLOAD_ERROR, ftp.voidresp)  # 226 Transfer complete
        with self._cond:
            self.finished = True
        self._notify()
        with contextlib.suppress(Exception):
            ftp.quit()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Ftp(ModemPart):
    """AT+FTP* settings and the one FTP operation that may run at a time."""

    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.cid = 1
        self.server = ""
        self.port = 21
        self.user = ""
        self.password = ""
        self.mode = 0  # 0 active, 1 passive
        self.type = "I"
        self.getname = ""
        self.getpath = ""
        self.rest = 0
        self.job: FtpJob | None = None
        watch_bearer(modem, self._bearer_down)

    def settings(self) -> FtpSettings:
        return FtpSettings(
            self.server,
            self.port,
            self.user,
            self.password,
            self.mode == 1,
            self.type,
            self.getpath,
            self.getname,
            self.rest,
            self.cid,
        )

    def start(self, kind: str) -> None:
        job = FtpJob(kind, self.settings())
        self.job = job
        self.modem.spawn(self._run(job))

    async def _run(self, job: FtpJob) -> None:
        await self.modem.clock.sleep(self.modem.profile.ftp_connect)
        if self.job is not job:
            return
        job.start()
        while self.job is job:
            await job.changed.wait()
            job.changed.clear()
            await self.report(job)

    def end(self, job: FtpJob) -> None:
        if self.job is job:
            self.job = None
        job.abort()
        job.changed.set()

    async def report(self, job: FtpJob) -> None:
        """Turn the worker's progress into URCs (called on every change and after each read)."""
        if self.job is not job:
            return
        error, pending, finished, opened = job.snapshot()
        urc = self.modem.urc
        if job.kind == "SIZE":
            if error is not None:
                self.end(job)
                await urc(f"+FTPSIZE: 1,{error},0")
            elif finished:
                self.end(job)
                await urc(f"+FTPSIZE: 1,0,{job.size}")
            return
        if error is not None:
            self.end(job)
            await urc(f"+FTPGET: 1,{error}")
            return
        # "+FTPGET: 1,1" means data can be read now (an empty file: just before 1,0).
        if opened and not job.notified and (pending or (finished and not job.announced)):
            job.notified = job.announced = True
            await urc("+FTPGET: 1,1")
        if job.announced and finished and not pending:
            self.end(job)
            await urc("+FTPGET: 1,0")

    async def _bearer_down(self, cid: int, why: str) -> None:
        job = self.job
        if job is None or job.settings.cid != cid:
            return
        self.end(job)
        if job.kind == "SIZE":
            await self.modem.urc(f"+FTPSIZE: 1,{NET_ERROR},0")
        else:
            await self.modem.urc(f"+FTPGET: 1,{NET_ERROR}")

    async def close(self) -> None:
        if self.job is not None:
            self.end(self.job)


def ftp(m: Modem) -> Ftp:
    return Ftp.of(m)


# -- settings ----------------------------------------------------------------------
def _setting(attr: str, parse: Callable[[str | None], Any], show: Callable[[Any], str]) -> Any:
    """A setting with SET, READ (``+NAME: <value>``) and TEST (``OK``), as in §12.2.1-12.2.11."""

    async def handler(m: Modem, cmd: Command) -> Final:
        state = ftp(m)
        if cmd.kind is Kind.READ:
            await m.respond(f"{cmd.name}: {show(getattr(state, attr))}")
        elif cmd.kind is Kind.SET:
            (value,) = nargs(cmd, 1)
            setattr(state, attr, parse(value))
        elif cmd.kind is not Kind.TEST:
            raise AtError()
        return None

    return handler


def _text(max_len: int, allow_empty: bool = True) -> Callable[[str | None], str]:
    def parse(value: str | None) -> str:
        text = str_arg(value, max_len, "" if allow_empty else None)
        if not allow_empty and not text:
            raise CmeError(RANGE)
        return text

    return parse


def _number(low: int, high: int) -> Callable[[str | None], int]:
    return lambda value: int_arg(value, low, high)


def _ftp_type(value: str | None) -> str:
    if value is None or value.upper() not in ("A", "I"):
        raise CmeError(RANGE)
    return value.upper()


def _quoted(value: Any) -> str:
    return f'"{value}"'


at_command("+FTPCID")(_setting("cid", _number(1, 3), str))
at_command("+FTPSERV")(_setting("server", _text(49, allow_empty=False), _quoted))
at_command("+FTPPORT")(_setting("port", _number(1, 65535), str))
at_command("+FTPUN")(_setting("user", _text(49), _quoted))
at_command("+FTPPW")(_setting("password", _text(49), _quoted))
at_command("+FTPMODE")(_setting("mode", _number(0, 1), str))
at_command("+FTPTYPE")(_setting("type", _ftp_type, str))
at_command("+FTPGETNAME")(_setting("getname", _text(99, allow_empty=False), _quoted))
at_command("+FTPGETPATH")(_setting("getpath", _text(255), _quoted))
at_command("+FTPREST")(_setting("rest", _number(0, MAX_REST), str))


# -- operations --------------------------------------------------------------------
def _ready_to_start(state: Ftp) -> None:
    if state.job is not None or not state.server or not state.getname:
        raise CmeError(NOT_ALLOWED)


@at_command("+FTPGET")
async def ftpget(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.SET)
    state = ftp(m)
    args = cmd.args
    if not args:
        raise CmeError(COUNT_LOW)
    mode = int_arg(args[0], 1, 2)
    if mode == 1:
        if len(args) > 1:
            raise CmeError(COUNT_HIGH)
        _ready_to_start(state)
        await m.respond("OK")
        if not bearer_open(m, state.cid):
            await m.urc(f"+FTPGET: 1,{NET_ERROR}")
        else:
            state.start("GET")
        return NO_FINAL
    if len(args) != 2:
        raise CmeError(COUNT_LOW if len(args) < 2 else COUNT_HIGH)
    want = int_arg(args[1], 1, MAX_READ)
    job = state.job
    if job is None or job.kind != "GET":
        raise CmeError(NOT_ALLOWED)
    data, left = job.take(want)
    if not left:
        job.notified = False  # emptied: the next arrival is announced again
    await m.send(f"\r\n+FTPGET: 2,{len(data)}\r\n".encode() + data + b"\r\nOK\r\n")
    await state.report(job)
    return NO_FINAL


@at_command("+FTPSIZE")
async def ftpsize(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    state = ftp(m)
    _ready_to_start(state)
    await m.respond("OK")
    if not bearer_open(m, state.cid):
        await m.urc(f"+FTPSIZE: 1,{NET_ERROR},0")
    else:
        state.start("SIZE")
    return NO_FINAL


@at_command("+FTPSTATE")
async def ftpstate(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    await m.respond(f"+FTPSTATE: {1 if ftp(m).job is not None else 0}")
    return None


@at_command("+FTPQUIT")
async def ftpquit(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    state = ftp(m)
    job = state.job
    if job is None:
        return None
    state.end(job)
    await m.respond("OK")
    if job.kind == "GET":
        await m.urc(f"+FTPGET: 1,{MANUAL_QUIT}")
    return NO_FINAL
