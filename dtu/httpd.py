"""HTTPD client mode (manual 2.1.4, R-HTTP-1): serial packets become HTTP requests.

Every serial packet in HTTPD mode (AT+CIMOD=3) is one request to the URL of
AT+CIHTTP, made through the modem's HTTP stack (SIM800 manual §11): the
bearer (AT+SAPBR), AT+HTTPINIT, AT+HTTPPARA, AT+HTTPDATA for a POST body,
AT+HTTPACTION and its URC, AT+HTTPREAD in chunks, AT+HTTPTERM. The body of
a 2xx response goes to the serial port unchanged; every failure becomes one
short line ``\\r\\n+HTTPERR: <code>\\r\\n`` and never stops the DTU. The rules
(query string, headers, error codes) are in docs/httpd.md.

Requests are queued and made one at a time, in arrival order, by a worker
task of the DTU, so the serial port keeps packing the next packets meanwhile.

The helpers ``wait_network``, ``ensure_bearer`` and ``command_urc`` are also
used by the FTP download (ftp_download.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections.abc import Awaitable
from typing import Protocol
from urllib.parse import quote

from dtulab.dtu.modem_client import ModemError, Reply
from dtulab.dtu.ports import HostOutput, Online, UrcWaiter
from dtulab.dtu.settings import Settings

log = logging.getLogger(__name__)

MAX_URL = 512  # AT+HTTPPARA "URL" limit of the module
QUEUE_LIMIT = 8  # requests waiting behind the running one
READ_CHUNK = 1024  # AT+HTTPREAD=<start>,<size> per read
NETWORK_WAIT = 60.0  # for GPRS before a request is tried anyway
ACTION_TIMEOUT = 130.0  # the module's own HTTP timeout is 120 s
DATA_TIME_MS = 10000  # AT+HTTPDATA input time

# +HTTPERR codes of dtulab's own (the server's status and the module's 601-603 are passed on)
MODEM_FAILED = 604  # the modem refused a command or did not answer (bearer, HTTPINIT, ...)
NO_REQUEST = 605  # no URL set, or the URL with the packet is longer than 512 characters
DROPPED = 606  # more than QUEUE_LIMIT requests were waiting


class HttpPeer(Online, Protocol):
    """What HTTPD client mode (and the FTP download) needs of the firmware around it
    (``Dtu`` implements it)."""

    @property
    def settings(self) -> Settings:
        """The running settings: the APN, the URL, method and headers (AT+CIHTTP)."""
        ...

    @property
    def serial(self) -> HostOutput:
        """Response bodies and errors for the host."""
        ...

    @property
    def services(self) -> UrcWaiter:
        """The modem's URCs (+HTTPACTION, +FTPGET)."""
        ...

    def spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        """Run a job for this boot of the firmware (the request worker)."""
        ...


class HttpdError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# -- helpers shared with ftp_download.py ------------------------------------------------
async def wait_network(dtu: HttpPeer, timeout: float = NETWORK_WAIT) -> None:
    """Wait until the DTU has GPRS (registered and attached); go on anyway after ``timeout``."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(dtu.gprs_ready.wait(), timeout)


async def ensure_bearer(dtu: HttpPeer, cid: int = 1) -> None:
    """Open the SAPBR bearer profile ``cid`` (GPRS, the DTU's APN) unless it is open."""
    m, s = dtu.modem, dtu.settings
    for _ in range(20):
        reply = await m.command(f"AT+SAPBR=2,{cid}")
        status = re.match(r"\d+,(\d+)", reply.line("+SAPBR:"))
        state = int(status.group(1)) if status else 3
        if state == 1:
            return
        if state == 3:
            await m.command(f'AT+SAPBR=3,{cid},"CONTYPE","GPRS"')
            await m.command(f'AT+SAPBR=3,{cid},"APN","{_clean(s.apn)}"')
            if s.apn_user:
                await m.command(f'AT+SAPBR=3,{cid},"USER","{_clean(s.apn_user)}"')
            if s.apn_password:
                await m.command(f'AT+SAPBR=3,{cid},"PWD","{_clean(s.apn_password)}"')
            await m.command(f"AT+SAPBR=1,{cid}", timeout=90)
            return
        await dtu.clock.sleep(0.5)  # connecting or closing: ask again
    raise ModemError(f"bearer {cid} neither opens nor closes")


async def command_urc(
    dtu: HttpPeer, line: str, pattern: str, timeout: float, command_timeout: float = 10.0
) -> str:
    """Send ``line`` (answered ``OK``) and return the URC matching ``pattern`` that follows it.

    The waiter is registered before the command goes out. A URC named like the
    command that arrives together with its ``OK`` is kept by the modem client
    among the command's reply lines (modem_client ``_line``), so those are
    checked too, now and while waiting.
    """
    regex = re.compile(pattern)
    waiter = asyncio.ensure_future(dtu.services.wait_urc(pattern, timeout))
    await asyncio.sleep(0)  # let the waiter register
    try:
        reply = await dtu.modem.command(line, timeout=command_timeout)
        deadline = dtu.clock.now() + timeout
        while True:
            found = _find(reply, regex)
            if found is not None:
                return found
            await asyncio.wait({waiter}, timeout=0.2)
            if waiter.done():
                return waiter.result()  # ModemError if it timed out
            if dtu.clock.now() > deadline:
                raise ModemError(f"{line}: no {pattern} within {timeout} s")
    finally:
        waiter.cancel()
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # retrieved: no "never retrieved" warning


def _find(reply: Reply, regex: re.Pattern[str]) -> str | None:
    return next((text for text in reply.lines if regex.fullmatch(text)), None)


def _clean(text: str) -> str:
    """A value for a quoted AT string parameter: the module's parser has no escape for ``"``."""
    return text.replace('"', "")


# -- the request ------------------------------------------------------------------------
def query_url(url: str, packet: bytes) -> str:
    """GET: the packet, without trailing CR/LF and percent-encoded, becomes the query string.

    Every byte but ``A-Z a-z 0-9 - . _ ~ = &`` is written ``%XX``; it is appended
    after ``?`` (or ``&`` when the URL already has a query, nothing when it ends
    in ``?`` or ``&``). An empty packet leaves the URL unchanged.
    """
    data = packet.rstrip(b"\r\n")
    if not data:
        return url
    query = quote(data, safe="=&")
    if "?" not in url:
        return f"{url}?{query}"
    return url + query if url.endswith(("?", "&")) else f"{url}&{query}"


def split_headers(text: str) -> tuple[str, str]:
    """AT+CIHTTP's header lines → (Content-Type, the other lines for USERDATA).

    Lines are separated by the typed ``\\r\\n`` escape (or a real CR LF).
    """
    content_type, rest = "", []
    for line in re.split(r"\\r\\n|\r\n|\n", text):
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            continue
        if name.strip().lower() == "content-type":
            content_type = value.strip()
        else:
            rest.append(f"{name.strip()}: {value.strip()}")
    return content_type, "\\r\\n".join(rest)


async def _request(dtu: HttpPeer, packet: bytes) -> None:
    s, m = dtu.settings, dtu.modem
    post = s.http_method.upper() == "POST"
    url = s.http_url if post else query_url(s.http_url, packet)
    if not url or len(url) > MAX_URL or '"' in url:
        raise HttpdError(NO_REQUEST)
    content_type, userdata = split_headers(s.http_headers)
    await wait_network(dtu)
    try:
        await ensure_bearer(dtu)
        reply = await m.command("AT+HTTPINIT", check=False)
        if not reply.ok:  # still initialised (an earlier request was cut short)
            await m.command("AT+HTTPTERM", check=False)
            await m.command("AT+HTTPINIT")
        await m.command('AT+HTTPPARA="CID",1')
        await m.command(f'AT+HTTPPARA="URL","{url}"')
        if userdata:
            await m.command(f'AT+HTTPPARA="USERDATA","{_clean(userdata)}"')
        if post:
            kind = _clean(content_type) or "application/octet-stream"
            await m.command(f'AT+HTTPPARA="CONTENT","{kind}"')
            await m.send_data(
                f"AT+HTTPDATA={len(packet)},{DATA_TIME_MS}", packet, prompt="DOWNLOAD"
            )
        urc = await command_urc(
            dtu, f"AT+HTTPACTION={1 if post else 0}", r"\+HTTPACTION: .*", ACTION_TIMEOUT
        )
    except ModemError as exc:
        log.warning("HTTPD request failed: %s", exc)
        raise HttpdError(MODEM_FAILED) from None
    try:
        match = re.fullmatch(r"\+HTTPACTION: \d+,(\d+),(\d+)", urc)
        if match is None:
            raise HttpdError(MODEM_FAILED)
        status, size = int(match.group(1)), int(match.group(2))
        if not 200 <= status < 300:
            raise HttpdError(status)
        start = 0
        while start < size:
            reply = await m.command(f"AT+HTTPREAD={start},{min(READ_CHUNK, size - start)}")
            if not reply.raw:
                break
            await dtu.serial.to_host(reply.raw)
            start += len(reply.raw)
    except ModemError as exc:
        log.warning("HTTPD read failed: %s", exc)
        raise HttpdError(MODEM_FAILED) from None
    finally:
        with contextlib.suppress(ModemError):
            await m.command("AT+HTTPTERM", check=False)


# -- the queue ------------------------------------------------------------------------------
class _Worker:
    def __init__(self, dtu: HttpPeer) -> None:
        self.dtu = dtu
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.task: asyncio.Task[object] | None = None

    def put(self, packet: bytes) -> bool:
        if self.task is None or self.task.done():
            self.task = self.dtu.spawn(self.run())
        if self.queue.qsize() >= QUEUE_LIMIT:
            return False
        self.queue.put_nowait(packet)
        return True

    async def run(self) -> None:
        while True:
            packet = await self.queue.get()
            try:
                await _request(self.dtu, packet)
            except HttpdError as exc:
                await _error(self.dtu, exc.code)
            except asyncio.CancelledError:
                raise
            except Exception:  # never a DTU restart for one request
                log.exception("HTTPD request failed")
                await _error(self.dtu, MODEM_FAILED)


async def _error(dtu: HttpPeer, code: int) -> None:
    await dtu.serial.to_host(f"\r\n+HTTPERR: {code}\r\n".encode())


_workers: weakref.WeakKeyDictionary[HttpPeer, _Worker] = weakref.WeakKeyDictionary()


async def request(dtu: HttpPeer, packet: bytes) -> None:
    """A serial packet in HTTPD mode: queue it as a request (answered later, in order)."""
    worker = _workers.get(dtu)
    if worker is None:
        worker = _workers[dtu] = _Worker(dtu)
    if not worker.put(packet):
        log.warning("HTTPD: %d requests waiting, packet dropped", QUEUE_LIMIT)
        await _error(dtu, DROPPED)
