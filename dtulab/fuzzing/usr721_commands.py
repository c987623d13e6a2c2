"""Fuzz harness: the reference DTU's usr721 command engine (dtu/usr721.py ``execute`` and its
parser, docs/usr721.md) and the password-command shape (``command_in``, R-AT-3..5).

The first input byte chooses where the lines come from (serial, network, SMS); the rest is
command lines separated by LF (Latin-1). The DTU the commands act on is ``Bench``, a double
that records what they ask of it, as firmware/tests/fake_peers.c does for the firmware's
twin; its modem answers OK. Properties, for every line: the reply ends in ``OK`` or ``ERROR``;
a line answered ``ERROR`` changed no setting and asked nothing of the DTU ("refused input
changes nothing", docs/usr721.md); the running settings still make a record the store
reads back (``Settings.from_json``); ``command_in`` splits a password command so that
password, ``#`` and command give the stripped text back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from dtulab.dtu import usr721
from dtulab.dtu.modem_client import Reply
from dtulab.dtu.settings import Settings
from dtulab.peripherals.clock import Clock

SOURCES = ("serial", "net", "sms")


class _Instant(Clock):
    """Sleeps take no time (AT+CIOPTIME would wait up to 10 s)."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class _Modem:
    async def command(
        self, line: str, timeout: float = 10.0, finals: str | None = None, check: bool = True
    ) -> Reply:
        return Reply([], "OK")

    async def send_data(
        self,
        line: str,
        data: bytes,
        timeout: float = 30.0,
        finals: str | None = None,
        prompt: str = "> ",
        terminator: bytes = b"",
    ) -> Reply:
        return Reply([], "OK")


class _Socket:
    state = "CLOSED"

    async def send_now(self, data: bytes) -> bool:
        return False


class _Services:
    def set_text_mode(self, on: bool) -> None:
        pass


class Bench:
    """The DTU as the commands see it (usr721.Device); ``asked`` counts what they asked of it."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.echo = True
        self.asked = 0
        self._clock = _Instant()
        self._modem = _Modem()
        self._ready = asyncio.Event()
        self._sockets = [_Socket() for _ in self.settings.sockets]
        self._services = _Services()

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def modem(self) -> _Modem:
        return self._modem

    @property
    def gprs_ready(self) -> asyncio.Event:
        return self._ready

    @property
    def local_ip(self) -> str:
        return "10.78.245.128"

    @property
    def sockets(self) -> Sequence[_Socket]:
        return self._sockets

    @property
    def services(self) -> _Services:
        return self._services

    def _ask(self, *_: object, **__: object) -> None:
        self.asked += 1

    save_settings = apply_sockets = leave_command_mode = request_shutdown = _ask

    def request_restart(self, reason: str, delay: float = 0.0) -> None:
        self.asked += 1

    def restore_factory(self, reason: str) -> None:
        self.asked += 1
        self.settings = Settings()

    async def send_sms(self, number: str, text: str) -> None:
        self.asked += 1


async def _read_data(n: int) -> bytes:
    return b"x" * n


async def _read_until(end: bytes) -> bytes | None:
    return b"text"


async def _write(data: bytes) -> None:
    pass


def _session(source: str) -> usr721.Session:
    if source != "serial":
        return usr721.Session(source)
    return usr721.Session(source, _read_data, _read_until, _write)


async def _run(source: str, lines: list[str]) -> None:
    dtu = Bench()
    for line in lines:
        shape = usr721.command_in(line, dtu.settings.password)
        if shape is not None:
            pw = line.strip("\r\n").partition("#")[0]
            assert f"{pw}#{shape[1]}" == line.strip("\r\n"), f"{line!r}: command_in lost bytes"
        before, asked = dtu.settings.to_json(), dtu.asked
        reply = await usr721.execute(dtu, line, _session(source))
        assert reply and reply[-1] in ("OK", "ERROR"), f"{line!r}: reply {reply}"
        if reply == ["ERROR"]:
            assert dtu.settings.to_json() == before, f"{line!r}: refused, yet settings changed"
            assert dtu.asked == asked, f"{line!r}: refused, yet it acted"
        Settings.from_json(dtu.settings.to_json())


def check(data: bytes) -> None:
    if not data:
        return
    lines = data[1:].decode("latin-1").split("\n")
    asyncio.run(_run(SOURCES[data[0] % len(SOURCES)], lines))
