"""AT dialect adapters: a DTU behaviour (configure a socket, set the heartbeat, ...)
turned into the commands one dialect speaks (used by the Robot keywords and the bench).

The Robot keywords say *what* to set up (``Configure Socket``, ``Set Heartbeat``,
``Save Settings``, ``Enter Command Mode``, ``Set Work Mode``); an adapter says
*how* on one family of DTUs. ``usr721`` (docs/usr721.md) is the first; a
third-party DTU with another AT set gets its own subclass, registered by name
with ``@register``, and runs the same suites with ``--variable DIALECT:<name>``.
The few command lines a test sends itself (through the password paths: serial,
network, SMS) come from the adapter's table too (``command``, ``reply``), so a
suite names an operation (``sms number?``), never a dialect's syntax. A
requirement the dialect cannot express raises ``DialectUnsupported``: the test
is skipped as unsupported, never passed or failed.

An adapter drives the DTU only through a ``DtuHost`` (dtulab/host.py): it
writes to the RS232 port and reads the replies, nothing else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple, TypeVar
from urllib.parse import urlsplit

from dtulab.dtu.usr_sock import escape
from dtulab.host import DtuHost, ExpectTimeout
from dtulab.platforms.base import Unsupported

# The work modes of docs/behaviour.md R-MODE-1, by the names the keywords use.
WORK_MODES = ("NET", "FTP", "AT", "HTTPD", "SMS")
# Where a password command may come from (R-AT-3, R-AT-4, R-AT-5).
CHANNELS = ("serial", "network", "sms")

# A reply line as the adapter's table gives it: the exact text, or a pattern the whole
# line matches (where the DTU's answer is not known in advance, e.g. its version).
Reply = str | re.Pattern[str]

T = TypeVar("T")

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


class DialectUnsupported(Unsupported):
    """A requirement the dialect's commands cannot express (the message says why): skipped in
    Robot and counted "unsupported" by the report, like a capability a target lacks."""

    def __init__(self, dialect: str, reason: str) -> None:
        super().__init__(dialect, reason)
        self.args = (f"unsupported by the dialect {dialect}: {reason}",)


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
    pack_len_max: ClassVar[int]  # the longest serial packet it can be set to (set_packing)

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

    def set_work_mode(self, mode: str) -> None:
        """The work mode after ``leave_command_mode``: one of ``WORK_MODES`` (R-MODE-1)."""
        raise NotImplementedError

    def set_sms_number(self, number: str) -> None:
        """Where SMS passthrough sends serial data (R-SMS-1)."""
        raise NotImplementedError

    def set_remote_at(self, channel: str, on: bool) -> None:
        """Password commands on ``channel`` (one of ``CHANNELS``) on or off (R-AT-3..5)."""
        raise NotImplementedError

    def set_password(self, old: str, new: str) -> bool:
        """Change the password of the password commands from ``old`` to ``new``; ``False``,
        and nothing changed, when the DTU refuses (``old`` is not its password)."""
        raise NotImplementedError

    def set_http(self, method: str, url: str, headers: Sequence[str]) -> None:
        """HTTPD client mode's request: GET or POST to ``url`` with ``headers``
        (``Name: value`` lines) (R-HTTP-1)."""
        raise NotImplementedError

    def set_boot_message(self, text: str) -> None:
        """What the DTU writes on the serial port when it boots (empty: nothing)."""
        raise NotImplementedError

    def settings_dump(self) -> list[str]:
        """Every setting the DTU shows, as the reply lines of its queries (result codes left
        out): two dumps are equal when the settings are."""
        raise NotImplementedError

    def restart(self, timeout: float) -> None:
        """Restart the DTU (settings not saved are lost); returns once it is online again,
        in its work mode."""
        raise NotImplementedError

    # -- the lines a test sends itself ------------------------------------------------
    # The factory password of the password commands (``password_line``).
    default_password: ClassVar[str]
    # The password prefixes (``<prefix>AT...``) devices of the family ship with (dtulab probe).
    shipped_prefixes: ClassVar[tuple[str, ...]]
    # op → the command line (``command``), op → the reply line (``reply``): only the ops the
    # suites send themselves through the password paths; each takes the op's arguments.
    commands: ClassVar[Mapping[str, Callable[..., str]]] = {}
    replies: ClassVar[Mapping[str, Callable[..., Reply]]] = {}

    def password_line(self, command: str, password: str | None = None) -> str:
        """The line a host, server or SMS sends to run ``command`` without command mode, with
        ``password`` (default: ``default_password``)."""
        raise NotImplementedError

    def command(self, op: str, *args: str) -> str:
        """The command line of ``op`` (``version``, ``mode?``, ``set mode``, ``sms number?``,
        ``set sms number``) with ``args``."""
        return self._lookup(self.commands, "command", op)(*args)

    def reply(self, op: str, *args: str) -> Reply:
        """The reply line the DTU gives for ``op`` with ``args`` (before the final ``OK``),
        or for a situation (``wrong password``: a password command with a wrong password)."""
        return self._lookup(self.replies, "reply", op)(*args)

    def _lookup(self, table: Mapping[str, T], what: str, op: str) -> T:
        try:
            return table[op]
        except KeyError:
            known = ", ".join(sorted(table))
            raise ValueError(
                f"the dialect {self.name} has no {what} '{op}' (known: {known})"
            ) from None

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


# usr721's AT+CIMOD numbers of the work modes (docs/behaviour.md, "Modes").
CIMOD = {"NET": 0, "FTP": 1, "AT": 2, "HTTPD": 3, "SMS": 4}
# Every setting usr721 shows: the AT+CIPSCONT? dump and the queries it leaves out.
SETTINGS_QUERIES = (
    "AT+CIPSCONT?",
    "AT+CISOCLINK?",
    "AT+ICF?",
    "AT+CIPR?",
    "AT+CIHTTP?",
    "AT+CIFTP?",
    "AT+CISMSAT?",
    "AT+CIRINGSTA?",
    "AT+CIMODID?",
)


def _cimod(mode: str) -> int:
    try:
        return CIMOD[mode.upper()]
    except KeyError:
        raise ValueError(f"work mode: expected one of {', '.join(CIMOD)}, not '{mode}'") from None


@register
class Usr721(Dialect):
    """The USR-GPRS232-721 dialect (docs/usr721.md), as the reference DTU speaks it."""

    name = "usr721"
    pack_len_max = 1460  # AT+CIPCFG's LEN (dtulab/contract/usr721.toml)
    default_password = "usr.cn"  # AT+CIPSW's factory value (docs/usr721.md)
    # the prefix of the CI family's devices is unknown (research §A.5): dtulab's
    shipped_prefixes = ("usr.cn#",)

    commands: ClassVar[Mapping[str, Callable[..., str]]] = {
        "version": lambda: "AT+CIVER?",
        "mode?": lambda: "AT+CIMOD?",
        "set mode": lambda mode: f"AT+CIMOD={_cimod(mode)}",
        "sms number?": lambda: "AT+CIPNUM?",
        "set sms number": lambda number: f"AT+CIPNUM={number}",
    }
    replies: ClassVar[Mapping[str, Callable[..., Reply]]] = {
        "version": lambda: re.compile(r"\+CIVER: \S[^\r\n]*"),
        "mode?": lambda mode: f"+CIMOD: {_cimod(mode)}",
        "sms number?": lambda number: f"+CIPNUM: {number}",
        "wrong password": lambda: "ERROR",  # network and SMS; on serial it is data (R-AT-3)
    }

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

    def set_work_mode(self, mode: str) -> None:
        self.host.at_ok(self.command("set mode", mode))

    def set_sms_number(self, number: str) -> None:
        self.host.at_ok(self.command("set sms number", number))

    def set_remote_at(self, channel: str, on: bool) -> None:
        switch = {"serial": "CICOMAT", "network": "CINETAT", "sms": "CISMSAT"}[channel]
        self.host.at_ok(f"AT+{switch}={int(on)}")

    def set_password(self, old: str, new: str) -> bool:
        reply = self.host.at(f'AT+CIPSW="{old}","{new}"')
        if reply[-1:] not in (["OK"], ["ERROR"]):
            raise AssertionError(f"AT+CIPSW: expected OK or ERROR, got {reply}")
        return reply[-1] == "OK"

    def set_http(self, method: str, url: str, headers: Sequence[str]) -> None:
        line = f'AT+CIHTTP={method.upper()},"{url}"'
        if headers:
            line += ',"' + "\\r\\n".join(headers) + '"'  # lines apart by the typed escape \r\n
        self.host.at_ok(line)

    def set_boot_message(self, text: str) -> None:
        self.host.at_ok(f'AT+CIMODID="{text}"')

    def settings_dump(self) -> list[str]:
        return [line for query in SETTINGS_QUERIES for line in self.host.at_ok(query)]

    def restart(self, timeout: float) -> None:
        self._restart("AT+CIRESET", timeout)

    def password_line(self, command: str, password: str | None = None) -> str:
        return f"{self.default_password if password is None else password}#{command}"

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
        self._restart("AT+CIRELOAD", timeout)

    def _restart(self, command: str, timeout: float) -> None:
        """In command mode: ``command``, whose OK a restart follows; back once online."""
        self.host.at_ok(command)
        time.sleep(1.0)  # the restart follows the OK; let it begin before asking again
        self.wait_online(timeout)


WKMOD = {"NET": "NET", "HTTPD": "HTTPD", "SMS": "SMS", "AT": "CMD"}  # usr-sock's work modes


def _wkmod(mode: str) -> str:
    if mode.upper() not in WKMOD:
        raise DialectUnsupported("usr-sock", f"the {mode} work mode: AT+WKMOD has no such mode")
    return WKMOD[mode.upper()]


def _wrong_password() -> Reply:
    raise DialectUnsupported(
        "usr-sock", "a wrong password is not a command but data (docs/dialects/usr-sock.md)"
    )


# Every setting usr-sock shows, one query each (docs/dialects/usr-sock.md).
SOCK_QUERIES = (
    *(f"SOCK{x}{q}" for x in "AB" for q in ("", "EN", "SL")),
    "SHORATO",
    "SHORBTO",
    *(f"REG{q}" for q in ("EN", "TP", "DT", "SND")),
    *(f"HEART{q}" for q in ("EN", "DT", "SND", "TM")),
    *("WKMOD", "UART", "UARTFT", "UARTFL", "CMDPW", "UATEN", "NATEN", "APN", "DSTNUM"),
    *("HTPTP", "HTPSV", "HTPURL", "HTPHD", "STMSG", "RSTIM"),
)


@register
class UsrSock(Dialect):
    """USR's WKMOD/SOCK family (docs/dialects/usr-sock.md): G786, G781, GM3, 7S4 and the
    reference DTU with ``dialect = "usr-sock"``. Two sockets, A and B; ``AT+S`` saves and
    restarts; the escape's guard time is the packing interval."""

    name = "usr-sock"
    pack_len_max = 1000  # AT+UARTFL
    default_password = "usr.cn#"  # AT+CMDPW: the whole prefix
    shipped_prefixes = ("usr.cn#", "test.cn#")  # 7G/GM3-class units, the G809 (§A.5)

    commands: ClassVar[Mapping[str, Callable[..., str]]] = {
        "version": lambda: "AT+VER",
        "mode?": lambda: "AT+WKMOD?",
        "set mode": lambda mode: f"AT+WKMOD={_wkmod(mode)}",
        "sms number?": lambda: "AT+DSTNUM?",
        "set sms number": lambda number: f"AT+DSTNUM={number}",
    }
    replies: ClassVar[Mapping[str, Callable[..., Reply]]] = {
        "version": lambda: re.compile(r"\+VER:\S[^\r\n]*"),
        "mode?": lambda mode: f"+WKMOD:{_wkmod(mode)}",
        "sms number?": lambda number: f"+DSTNUM:{number}",
        "wrong password": _wrong_password,
    }
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
        self.host.at_ok(f"AT+WKMOD={_wkmod(mode)}")

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

    def set_password(self, old: str, new: str) -> bool:
        # AT+CMDPW does not ask for the old password: the adapter checks it first
        if self.host.at_ok("AT+CMDPW?") != [f"+CMDPW:{old}"]:
            return False
        return self.host.at("AT+CMDPW=" + new) == ["OK"]

    def set_http(self, method: str, url: str, headers: Sequence[str]) -> None:
        parts = urlsplit(url)
        self.host.at_ok(f"AT+HTPSV={parts.hostname},{parts.port or 80}")
        if parts.query:
            raise DialectUnsupported(self.name, "a URL with a query: '?' is AT+HTPURL's operator")
        self.host.at_ok(f"AT+HTPURL={parts.path or '/'}")
        self.host.at_ok(f"AT+HTPTP={method.upper()}")
        self.host.at_ok("AT+HTPHD=" + "[0D][0A]".join(escape(h) for h in headers))

    def set_boot_message(self, text: str) -> None:
        self.host.at_ok(f"AT+STMSG={text}")

    def restart(self, timeout: float) -> None:
        self.host.at_ok("AT+Z")
        time.sleep(1.0)  # the restart follows the OK
        self.wait_online(timeout)

    def password_line(self, command: str, password: str | None = None) -> str:
        return f"{password or self.default_password}{command}"

    def settings_dump(self) -> list[str]:
        return [line for query in SOCK_QUERIES for line in self.host.at_ok(f"AT+{query}?")]

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
