"""HTTP client commands (SIM800 Series AT Command Manual V1.10 §11, pp. 259-267).

AT+HTTPINIT / AT+HTTPTERM open and close the HTTP service; AT+HTTPPARA sets
"CID", "URL", "UA", "PROIP", "PROPORT", "REDIR", "BREAK", "BREAKEND",
"TIMEOUT", "CONTENT" and "USERDATA"; AT+HTTPDATA takes the POST body after a
``DOWNLOAD`` prompt; AT+HTTPACTION=<0 GET|1 POST|2 HEAD|3 DELETE> answers
``OK`` and later ``+HTTPACTION: <method>,<status>,<datalen>``; AT+HTTPREAD
[=<start>,<size>] gives ``+HTTPREAD: <len>``, the raw bytes and ``OK``;
AT+HTTPHEAD gives the response header; AT+HTTPSTATUS? the transfer state.

The request is real: stdlib ``http.client`` in a daemon worker thread sends
it over a host socket to the server in the URL (or to the proxy PROIP:PROPORT),
with the User-Agent, Content-Type and USERDATA headers and, for GET, a Range
header from BREAK/BREAKEND. Module status codes (manual p. 264): 601 network
error (no bearer, refused, reset, timeout), 602 no memory (a body larger
than the module buffer), 603 DNS error. See docs/modem/ftp-http.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import re
import socket
import threading
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

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

MAX_DATA = 319488  # AT+HTTPDATA <size> and AT+HTTPREAD ranges (manual p. 262, 265)
METHODS = {0: "GET", 1: "POST", 2: "HEAD", 3: "DELETE"}
NOT_HTTP_PDU, NETWORK_ERROR, NO_MEMORY, DNS_ERROR = 600, 601, 602, 603
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_UA = "SIMCom_MODULE"


@dataclass(frozen=True)
class HttpParams:
    """AT+HTTPPARA values (defaults from the manual, pp. 260-261)."""

    CID: int = 1
    URL: str = ""
    UA: str = DEFAULT_UA
    PROIP: str = ""
    PROPORT: int = 0
    REDIR: int = 0
    BREAK: int = 0
    BREAKEND: int = 0
    TIMEOUT: int = 120
    CONTENT: str = ""
    USERDATA: str = ""


# tag -> (kind, limit): "int" (low, high) or "str" max length
PARAM_SPECS: dict[str, tuple[str, tuple[int, int] | int]] = {
    "CID": ("int", (1, 3)),
    "URL": ("str", 512),
    "UA": ("str", 128),
    "PROIP": ("str", 64),
    "PROPORT": ("int", (0, 65535)),
    "REDIR": ("int", (0, 1)),
    "BREAK": ("int", (0, 2**31 - 1)),
    "BREAKEND": ("int", (0, 2**31 - 1)),
    "TIMEOUT": ("int", (30, 1000)),
    "CONTENT": ("str", 128),
    "USERDATA": ("str", 512),
}


class HttpFailure(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class HttpResult:
    status: int
    header: bytes
    body: bytes


class HttpJob:
    """One HTTP request running in a daemon worker thread; its outcome lands in ``future``."""

    def __init__(self, method: int, params: HttpParams, body: bytes) -> None:
        self.method = method
        self.params = params
        self.body = body
        self.loop = asyncio.get_running_loop()
        self.future: asyncio.Future[HttpResult | int | None] = self.loop.create_future()
        self.aborted = False
        self.sending = True
        self.received = 0
        self.expected = 0
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._main, name="http-action", daemon=True)

    # -- loop side ---------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        if not self.future.done():
            self.future.set_result(None)

    # -- worker side -------------------------------------------------------------
    def _deliver(self, outcome: HttpResult | int) -> None:
        def settle() -> None:
            if not self.future.done():
                self.future.set_result(outcome)

        with contextlib.suppress(RuntimeError):  # loop closed: nobody waits any more
            self.loop.call_soon_threadsafe(settle)

    def _main(self) -> None:
        try:
            outcome: HttpResult | int = self._request()
        except HttpFailure as failure:
            outcome = failure.code
        except Exception:
            outcome = NETWORK_ERROR
        if not self.aborted:
            self._deliver(outcome)

    def _request(self) -> HttpResult:
        p = self.params
        url, method, body = p.URL, METHODS[self.method], self.body
        for _ in range(MAX_REDIRECTS + 1):
            result, location = self._once(url, method, body)
            if not (p.REDIR and result.status in REDIRECTS and location):
                return result
            url = urljoin(_absolute(url), location)
            if result.status in (301, 302, 303) and method == "POST":
                method, body = "GET", b""
        return result

    def _once(self, url: str, method: str, body: bytes) -> tuple[HttpResult, str | None]:
        p = self.params
        host, port, target, absolute = split_url(url)
        if p.PROIP:  # through a proxy: connect to it, ask for the absolute URL
            host, port, target = p.PROIP, p.PROPORT or 80, absolute
        headers = {"User-Agent": p.UA}
        if p.CONTENT:
            headers["Content-Type"] = p.CONTENT
        if method == "GET" and (p.BREAK or p.BREAKEND):
            end = str(p.BREAKEND) if p.BREAKEND > p.BREAK else ""
            headers["Range"] = f"bytes={p.BREAK}-{end}"
        headers.update(userdata_headers(p.USERDATA))
        conn = http.client.HTTPConnection(host, port, timeout=p.TIMEOUT)
        with self._lock:
            if self.aborted:
                raise HttpFailure(NETWORK_ERROR)
            self._conn = conn
        try:
            conn.request(
                method, target, body=body if method in ("POST", "PUT") else None, headers=headers
            )
            self.sending = False
            resp = conn.getresponse()
            self.expected = int(resp.getheader("Content-Length") or 0)
            data = bytearray()
            while chunk := resp.read(8192):
                data += chunk
                self.received = len(data)
                if len(data) > MAX_DATA:
                    raise HttpFailure(NO_MEMORY)
            header = f"HTTP/{resp.version / 10:.1f} {resp.status} {resp.reason}\r\n"
            header += "".join(f"{name}: {value}\r\n" for name, value in resp.getheaders())
            result = HttpResult(resp.status, header.encode("latin-1"), bytes(data))
            return result, resp.getheader("Location")
        except socket.gaierror:
            raise HttpFailure(DNS_ERROR) from None
        except (OSError, http.client.HTTPException, ValueError):
            raise HttpFailure(NETWORK_ERROR) from None
        finally:
            conn.close()


def _absolute(url: str) -> str:
    text = url.strip()
    return text if "://" in text else "http://" + text


def split_url(url: str) -> tuple[str, int, str, str]:
    """``(host, port, target, absolute URL)``; also the manual's ``http://server/path:port`` form.

    Only plain ``http`` is modelled (no AT+HTTPSSL): anything else is a network error.
    """
    text = _absolute(url)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise HttpFailure(NETWORK_ERROR) from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise HttpFailure(NETWORK_ERROR)
    path = parts.path or "/"
    if port is None:
        manual_form = re.fullmatch(r"(.*):(\d{1,5})", path)
        if manual_form and 0 < int(manual_form.group(2)) < 65536:
            path, port = manual_form.group(1) or "/", int(manual_form.group(2))
    target = path + ("?" + parts.query if parts.query else "")
    return parts.hostname, port or 80, target, text


def userdata_headers(userdata: str) -> dict[str, str]:
    """USERDATA lines (separated by CRLF or the typed escape ``\\r\\n``) as headers."""
    headers: dict[str, str] = {}
    for line in re.split(r"\r\n|\\r\\n|\n", userdata):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


class Http(ModemPart):
    """The HTTP service: parameters, the POST data, the last response, the running request."""

    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.initialised = False
        self.params = HttpParams()
        self.data = b""  # AT+HTTPDATA
        self.read_buf = b""  # what AT+HTTPREAD returns: the response body, or the POST data
        self.header = b""
        self.last_method = 0
        self.job: HttpJob | None = None
        watch_bearer(modem, self._bearer_down)

    def reset(self) -> None:
        if self.job is not None:
            self.job.abort()
        self.initialised = False
        self.params = HttpParams()
        self.data = self.read_buf = self.header = b""
        self.last_method = 0
        self.job = None

    def require(self) -> None:
        """HTTP commands need AT+HTTPINIT first and no request running."""
        if not self.initialised or self.job is not None:
            raise CmeError(NOT_ALLOWED)

    async def run(self, job: HttpJob) -> None:
        await self.modem.clock.sleep(self.modem.profile.http_action)
        if self.job is not job:
            return
        job.start()
        outcome = await job.future
        if self.job is not job or outcome is None:
            return
        self.job = None
        if isinstance(outcome, int):
            self.read_buf, self.header = b"", b""
            await self.modem.urc(f"+HTTPACTION: {job.method},{outcome},0")
            return
        self.read_buf, self.header = outcome.body, outcome.header
        await self.modem.urc(f"+HTTPACTION: {job.method},{outcome.status},{len(outcome.body)}")

    async def _bearer_down(self, cid: int, why: str) -> None:
        job = self.job
        if job is None or cid != job.params.CID:
            return
        self.job = None
        job.abort()
        self.read_buf, self.header = b"", b""
        await self.modem.urc(f"+HTTPACTION: {job.method},{NETWORK_ERROR},0")

    async def close(self) -> None:
        if self.job is not None:
            self.job.abort()
            self.job = None


def http_part(m: Modem) -> Http:
    return Http.of(m)


@at_command("+HTTPINIT")
async def httpinit(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    state = http_part(m)
    if state.initialised:
        raise CmeError(NOT_ALLOWED)
    state.reset()
    state.initialised = True
    return None


@at_command("+HTTPTERM")
async def httpterm(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    state = http_part(m)
    if not state.initialised:
        raise CmeError(NOT_ALLOWED)
    state.reset()
    return None


@at_command("+HTTPPARA")
async def httppara(m: Modem, cmd: Command) -> Final:
    state = http_part(m)
    if cmd.kind is Kind.TEST:
        await m.respond('+HTTPPARA: "HTTPParamTag","HTTPParmValue"')
        return None
    if cmd.kind is Kind.READ:
        if not state.initialised:
            raise CmeError(NOT_ALLOWED)
        values = [f"{f.name}: {getattr(state.params, f.name)}" for f in fields(HttpParams)]
        await m.respond("+HTTPPARA:", *values)
        return None
    only(cmd, Kind.SET)
    tag_s, value_s = nargs(cmd, 2)
    if tag_s is None:
        raise CmeError(COUNT_LOW)
    tag = tag_s.upper()
    spec = PARAM_SPECS.get(tag)
    if spec is None:
        raise CmeError(RANGE)
    kind, limit = spec
    value: Any
    if kind == "int":
        low, high = limit  # type: ignore[misc]
        value = int_arg(value_s, low, high)
    else:
        value = str_arg(value_s, limit, "")  # type: ignore[arg-type]
        if tag == "UA" and not value:
            value = DEFAULT_UA
    if not state.initialised:
        raise CmeError(NOT_ALLOWED)
    state.params = replace(state.params, **{tag: value})
    return None


@at_command("+HTTPDATA")
async def httpdata(m: Modem, cmd: Command) -> Final:
    state = http_part(m)
    if cmd.kind is Kind.TEST:
        await m.respond(f"+HTTPDATA: (0-{MAX_DATA}),(1000-120000)")
        return None
    only(cmd, Kind.SET)
    size_s, time_s = nargs(cmd, 2)
    size = int_arg(size_s, 0, MAX_DATA)
    wait_ms = int_arg(time_s, 1000, 120000)
    state.require()
    if size == 0:  # "0 means delete all the content"
        state.data = state.read_buf = b""
        return None
    await m.respond("DOWNLOAD")
    data = await m.read_payload(size, timeout=wait_ms / 1000)
    state.data = state.read_buf = data or b""
    return None


@at_command("+HTTPACTION")
async def httpaction(m: Modem, cmd: Command) -> Final:
    state = http_part(m)
    if cmd.kind is Kind.TEST:
        await m.respond("+HTTPACTION: (0-3)")
        return None
    only(cmd, Kind.SET)
    (method_s,) = nargs(cmd, 1)
    method = int_arg(method_s, 0, 3)
    state.require()
    if not state.params.URL:
        raise CmeError(NOT_ALLOWED)
    state.last_method = method
    await m.respond("OK")
    if not bearer_open(m, state.params.CID):
        state.read_buf, state.header = b"", b""
        await m.urc(f"+HTTPACTION: {method},{NETWORK_ERROR},0")
        return NO_FINAL
    job = HttpJob(method, state.params, state.data)
    state.job = job
    m.spawn(state.run(job))
    return NO_FINAL


def _read_response(name: str, data: bytes) -> bytes:
    return f"\r\n{name}: {len(data)}\r\n".encode() + data + b"\r\nOK\r\n"


@at_command("+HTTPREAD")
async def httpread(m: Modem, cmd: Command) -> Final:
    state = http_part(m)
    if cmd.kind is Kind.TEST:
        await m.respond(f"+HTTPREAD: (0-{MAX_DATA}),(1-{MAX_DATA})")
        return None
    if cmd.kind is Kind.SET:
        args = cmd.args
        if len(args) != 2:
            raise CmeError(COUNT_LOW if len(args) < 2 else COUNT_HIGH)
        start = int_arg(args[0], 0, MAX_DATA)
        size = int_arg(args[1], 1, MAX_DATA)
    else:
        only(cmd, Kind.EXEC)
        start, size = 0, MAX_DATA
    state.require()
    await m.send(_read_response("+HTTPREAD", state.read_buf[start : start + size]))
    return NO_FINAL


@at_command("+HTTPHEAD")
async def httphead(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.EXEC)
    state = http_part(m)
    state.require()
    await m.send(_read_response("+HTTPHEAD", state.header))
    return NO_FINAL


@at_command("+HTTPSTATUS")
async def httpstatus(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        return None
    if cmd.kind is not Kind.READ:
        raise AtError()
    state = http_part(m)
    if not state.initialised:
        raise CmeError(NOT_ALLOWED)
    job = state.job
    name = METHODS[job.method if job else state.last_method]
    if job is None:
        await m.respond(f"+HTTPSTATUS: {name},0,0,0")
    elif job.sending:
        await m.respond(f"+HTTPSTATUS: {name},2,0,{len(job.body)}")
    else:
        remain = max(0, job.expected - job.received)
        await m.respond(f"+HTTPSTATUS: {name},1,{job.received},{remain}")
    return None
