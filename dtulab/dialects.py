"""AT dialect adapters: a DTU behaviour (configure a socket, set the heartbeat, ...)
turned into the commands one dialect speaks (used by the Robot keywords and the bench).

The Robot keywords say *what* to set up (``Configure Socket``, ``Set Heartbeat``,
``Save Settings``, ``Enter Command Mode``); an adapter says *how* on one family
of DTUs. ``usr721`` (docs/usr721.md) is the first; a third-party DTU with
another AT set gets its own subclass, registered by name with ``@register``,
and runs the same suites with ``--variable DIALECT:<name>``.

An adapter drives the DTU only through a ``DtuHost`` (dtulab/host.py): it
writes to the RS232 port and reads the replies, nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar, NamedTuple
from urllib.parse import urlsplit

from dtulab.host import DtuHost, ExpectTimeout
from dtulab.platforms.base import Unsupported

DIALECTS: dict[str, type[Dialect]] = {}


def register(cls: type[Dialect]) -> type[Dialect]:
    DIALECTS[cls.name] = cls
    return cls


def dialect(name: str, host: DtuHost) -> Dialect:
    """The adapter registered as ``name``, bound to ``host``."""
    try:
        return DIALECTS[name](host)
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown AT dialect '{name}': expected one of {known}") from None


class DeviceIdentity(NamedTuple):
    """What a DTU says about itself; ``None`` where the dialect has no command for it."""

    version: str | None  # the firmware's version reply
    imei: str | None  # the modem's IMEI
    iccid: str | None  # the SIM's ICCID


class SocketDestination(NamedTuple):
    """Where DTU socket ``n`` (1..4) connects."""

    n: int
    host: str
    port: int
    proto: str  # TCP or UDP


class Dialect:
    """One AT dialect. Every method runs in command mode unless it says otherwise."""

    name: ClassVar[str]

    def __init__(self, host: DtuHost) -> None:
        self.host = host

    def enter_command_mode(self, timeout: float) -> None:
        raise NotImplementedError

    def leave_command_mode(self, timeout: float) -> None:
        raise NotImplementedError

    def configure_socket(self, n: int, host: str, port: int, proto: str, enabled: bool) -> None:
        raise NotImplementedError

    def set_heartbeat(self, interval: int, data: bytes, to: str) -> None:
        raise NotImplementedError

    def set_registration(self, data: bytes, when: str, kind: str) -> None:
        raise NotImplementedError

    def set_link(self, n: int, short: bool, idle: int) -> None:
        """Socket ``n``: a long connection, or a short one closed after ``idle`` s."""
        raise NotImplementedError

    def set_packing(self, time_ms: int, length: int) -> None:
        """Serial packing: a packet after ``time_ms`` ms of idle line or ``length`` bytes."""
        raise NotImplementedError

    def save_settings(self) -> None:
        raise NotImplementedError

    def provision(self, sockets: Sequence[SocketDestination], timeout: float = 10.0) -> None:
        """From transparent mode: set up and enable ``sockets``, save, and go back (what a
        bench file's sockets ask for at start, ``World.provision``)."""
        self.enter_command_mode(timeout)
        for s in sockets:
            self.configure_socket(s.n, s.host, s.port, s.proto, True)
        self.save_settings()
        self.leave_command_mode(timeout)

    def wait_online(self, timeout: float) -> None:
        """Wait (from transparent mode) until the DTU reports GPRS up."""
        raise NotImplementedError

    def factory_reset(self, timeout: float) -> None:
        """Factory settings and a restart (from transparent mode); returns once it is online."""
        raise NotImplementedError

    def identity(self) -> DeviceIdentity:
        """The DTU's version reply, IMEI and ICCID, as far as the dialect can ask for them."""
        raise NotImplementedError


@register
class Usr721(Dialect):
    """The USR-GPRS232-721 dialect (docs/usr721.md), as the reference DTU speaks it."""

    name = "usr721"

    def enter_command_mode(self, timeout: float) -> None:
        self.host.enter_command_mode(timeout)  # silence, +++, a, a, +ok (manual 3.1.1)

    def leave_command_mode(self, timeout: float) -> None:
        self.host.leave_command_mode(timeout)  # AT+ENTM

    def configure_socket(self, n: int, host: str, port: int, proto: str, enabled: bool) -> None:
        self.host.at_ok(f'AT+CIPSCONT={n},"{proto.upper()}","{host}",{port},{int(enabled)}')

    def set_heartbeat(self, interval: int, data: bytes, to: str) -> None:
        direction = {"server": 0, "serial": 1}[to]
        # AT+CIPCFG carries the packing settings too: keep them as they are.
        current = next(x for x in self.host.at_ok("AT+CIPCFG?") if x.startswith("+CIPCFG:"))
        fields = [f.strip() for f in current.split(":", 1)[1].split(",")]
        fields[1] = str(interval)
        self.host.at_ok("AT+CIPCFG=" + ",".join(fields))
        if data:
            self.host.at_ok(f'AT+CIPPACK=0,"{data.hex().upper()}","{direction}"')

    def set_registration(self, data: bytes, when: str, kind: str) -> None:
        mode = {"link": 0, "data": 1}[when]
        self.host.at_ok(f'AT+CIPPACK=1,"{data.hex().upper()}","{mode}","{kind.upper()}"')

    def set_link(self, n: int, short: bool, idle: int) -> None:
        kind = "SHORT" if short else "LONG"
        self.host.at_ok(f"AT+CISOCLINK={n},{kind},{idle}" if short else f"AT+CISOCLINK={n},{kind}")

    def set_packing(self, time_ms: int, length: int) -> None:
        # AT+CIPCFG carries the heartbeat interval too: keep it as it is.
        current = next(x for x in self.host.at_ok("AT+CIPCFG?") if x.startswith("+CIPCFG:"))
        fields = [f.strip() for f in current.split(":", 1)[1].split(",")]
        fields[3], fields[4] = str(time_ms), str(length)
        self.host.at_ok("AT+CIPCFG=" + ",".join(fields))

    def save_settings(self) -> None:
        self.host.at_ok("ATW")

    def wait_online(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if "+CINET: GPRS,ATTACHED" in self.host.query("AT+CINET?"):
                    return
            except ExpectTimeout:
                pass  # restarting: it does not answer the escape yet
            if time.monotonic() > deadline:
                raise AssertionError(f"the DTU did not report GPRS up within {timeout:g} s")
            time.sleep(0.5)

    def identity(self) -> DeviceIdentity:
        # AT+CIVER? is the DTU's own; AT+CGSN is relayed to its modem (docs/usr721.md, R-AT-6).
        # No command of the dialect gives the ICCID: the DTU reads it for its registration
        # packet only (AT+CIPPACK kind ICCID). A command the DTU refuses leaves its field None.
        version = self._answer("AT+CIVER?")
        imei = self._answer("AT+CGSN")
        return DeviceIdentity(
            version=next(
                (x.split(":", 1)[1].strip() for x in version if x.startswith("+CIVER:")), None
            ),
            imei=imei[0] if imei else None,
            iccid=None,
        )

    def _answer(self, command: str) -> list[str]:
        """The lines before ``OK``; none if the DTU answered otherwise."""
        reply = self.host.at(command)
        return reply[:-1] if reply[-1:] == ["OK"] else []

    def factory_reset(self, timeout: float) -> None:
        # a test before may have left the device in command mode: leave it first (in
        # transparent mode this line is only data for sockets nobody listens on any more)
        self.host.write("\rAT+ENTM\r")
        self.host.wait_silence(0.3)
        self.host.enter_command_mode()
        self.host.write("AT+CIRELOAD\r")
        self.host.expect("OK")
        time.sleep(1.0)  # the restart follows the OK; let it begin before asking again
        self.wait_online(timeout)


class DialectUnsupported(Unsupported):
    """A requirement the DTU's dialect cannot express: not passed, not failed (the message
    says which dialect and why)."""

    def __init__(self, dialect: str, reason: str) -> None:
        Exception.__init__(self, f"unsupported by the dialect {dialect}: {reason}")
        self.target = dialect
        self.reason = reason


@register
class UsrSock(Dialect):
    """USR's WKMOD/SOCK family (docs/dialects/usr-sock.md): G786, G781, GM3, 7S4 and the
    reference DTU with ``dialect = "usr-sock"``. Two sockets, A and B; ``AT+S`` saves and
    restarts; the escape's guard time is the packing interval."""

    name = "usr-sock"
    default_password = "usr.cn#"  # AT+CMDPW: the whole prefix
    PACK_TIME_MS = (100, 60000)  # AT+UARTFT
    PACK_LEN = (100, 1000)  # AT+UARTFL

    def __init__(self, host: DtuHost) -> None:
        super().__init__(host)
        self.pack_ms = 100  # the DTU's packing interval as last set: the escape's guard

    def _socket(self, n: int) -> str:
        if n not in (1, 2):
            raise DialectUnsupported(self.name, f"socket {n}: the family has two, A and B")
        return "AB"[n - 1]

    def enter_command_mode(self, timeout: float) -> None:
        self.host.enter_command_mode(timeout, guard=self.pack_ms / 1000 + 0.2)

    def leave_command_mode(self, timeout: float) -> None:
        self.host.leave_command_mode(timeout)

    def configure_socket(self, n: int, host: str, port: int, proto: str, enabled: bool) -> None:
        letter = self._socket(n)
        self.host.at_ok(f"AT+SOCK{letter}={proto.upper()},{host},{port}")
        self.host.at_ok(f"AT+SOCK{letter}EN={'ON' if enabled else 'OFF'}")

    def set_heartbeat(self, interval: int, data: bytes, to: str) -> None:
        if interval:
            self.host.at_ok(f"AT+HEARTTM={interval}")
        if data:
            self.host.at_ok(f"AT+HEARTDT={data.hex().upper()}")
        self.host.at_ok(f"AT+HEARTSND={ {'server': 'NET', 'serial': 'COM'}[to] }")
        self.host.at_ok(f"AT+HEARTEN={'ON' if interval else 'OFF'}")

    def set_registration(self, data: bytes, when: str, kind: str) -> None:
        if kind.upper() == "USER" and not data:
            self.host.at_ok("AT+REGEN=OFF")  # no user data: no registration (as usr721)
            return
        self.host.at_ok(f"AT+REGTP={kind.upper()}")
        self.host.at_ok(f"AT+REGDT={data.hex().upper()}")
        self.host.at_ok(f"AT+REGSND={when.upper()}")
        self.host.at_ok("AT+REGEN=ON")

    def set_link(self, n: int, short: bool, idle: int) -> None:
        letter = self._socket(n)
        self.host.at_ok(f"AT+SOCK{letter}SL={'SHORT' if short else 'LONG'}")
        if short:
            self.host.at_ok(f"AT+SHOR{letter}TO={idle}")

    def set_packing(self, time_ms: int, length: int) -> None:
        for what, value, (low, high) in (
            ("interval (AT+UARTFT)", time_ms, self.PACK_TIME_MS),
            ("length (AT+UARTFL)", length, self.PACK_LEN),
        ):
            if not low <= value <= high:
                raise DialectUnsupported(
                    self.name, f"a packing {what} of {value}: the family takes {low}..{high}"
                )
        self.host.at_ok(f"AT+UARTFT={time_ms}")
        self.host.at_ok(f"AT+UARTFL={length}")
        self.pack_ms = time_ms

    def set_work_mode(self, mode: str) -> None:
        modes = {"NET": "NET", "HTTPD": "HTTPD", "SMS": "SMS", "AT": "CMD"}
        if mode.upper() not in modes:
            raise DialectUnsupported(self.name, f"the {mode} work mode: AT+WKMOD has no such mode")
        self.host.at_ok(f"AT+WKMOD={modes[mode.upper()]}")

    def set_sms_number(self, number: str) -> None:
        self.host.at_ok(f"AT+DSTNUM={number}")

    def set_remote_at(self, channel: str, on: bool) -> None:
        if channel == "sms":
            if not on:
                raise DialectUnsupported(
                    self.name, "no command of the family switches SMS AT commands off"
                )
            return  # always on
        self.host.at_ok(
            f"AT+{ {'serial': 'UATEN', 'network': 'NATEN'}[channel] }={'ON' if on else 'OFF'}"
        )

    def set_password(self, old: str, new: str) -> None:
        self.host.at_ok(f"AT+CMDPW={new}")  # the family does not ask for the old one

    def set_http(self, method: str, url: str, headers: str) -> None:
        parts = urlsplit(url)
        self.host.at_ok(f"AT+HTPSV={parts.hostname},{parts.port or 80}")
        if parts.query:
            raise DialectUnsupported(self.name, "a URL with a query: '?' is AT+HTPURL's operator")
        self.host.at_ok(f"AT+HTPURL={parts.path or '/'}")
        self.host.at_ok(f"AT+HTPTP={method.upper()}")
        self.host.at_ok(f"AT+HTPHD={headers}")

    def set_boot_message(self, text: str) -> None:
        self.host.at_ok(f"AT+STMSG={text}")

    def restart(self, timeout: float) -> None:
        self.host.at_ok("AT+Z")
        time.sleep(1.0)  # the restart follows the OK
        self.wait_online(timeout)

    def password_line(self, command: str, password: str | None = None) -> str:
        return f"{password or self.default_password}{command}"

    def save_settings(self) -> None:
        """``AT+S`` saves and restarts: back in command mode once the DTU is up again."""
        self.host.at_ok("AT+S")
        time.sleep(1.0)  # the restart follows the OK; let it begin before asking again
        self.wait_online(60)
        self.enter_command_mode(10)

    def provision(self, sockets: Sequence[SocketDestination], timeout: float = 10.0) -> None:
        self.enter_command_mode(timeout)
        for s in sockets:
            self.configure_socket(s.n, s.host, s.port, s.proto, True)
        self.host.at_ok("AT+S")  # saved, and the restart leaves command mode
        time.sleep(1.0)
        self.wait_online(60)

    def wait_online(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.enter_command_mode(5)
                try:
                    if "+SYSINFO:2,GPRS" in self.host.at_ok("AT+SYSINFO"):
                        return
                finally:
                    self.leave_command_mode(5)
            except ExpectTimeout:
                pass  # restarting: it does not answer the escape yet
            if time.monotonic() > deadline:
                raise AssertionError(f"the DTU did not report GPRS up within {timeout:g} s")
            time.sleep(0.5)

    def identity(self) -> DeviceIdentity:
        def answer(command: str, prefix: str) -> str | None:
            reply = self.host.at(command)
            found = [x[len(prefix) :] for x in reply if x.startswith(prefix)]
            return found[0].strip() if reply[-1:] == ["OK"] and found else None

        return DeviceIdentity(
            version=answer("AT+VER", "+VER:"),
            imei=answer("AT+IMEI", "+IMEI:"),
            iccid=answer("AT+ICCID", "+ICCID:"),
        )

    def factory_reset(self, timeout: float) -> None:
        self.host.write("\rAT+ENTM\r")  # in case a test left it in command mode (see Usr721)
        self.host.wait_silence(0.3)
        self.enter_command_mode(10)
        self.host.write("AT+CLEAR\r")
        self.host.expect("OK")
        self.pack_ms = 100  # the factory's packing interval
        time.sleep(1.0)
        self.wait_online(timeout)
