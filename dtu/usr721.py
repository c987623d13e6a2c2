"""The usr721 AT dialect: every command of the manual's table 2 (§3.2), as docs/usr721.md defines.

Where the research notes (§A.3) recovered the vendor's real syntax — CIPSCONT,
CIPCFG, CIPPACK, CIMOD numbers, CISOCLINK, ICF, CIPR, CIOPEN/CISEND — that
syntax is used; the rest follows ../shared/docs/at-dialects.md. Commands
register by name in ``COMMANDS``; a handler gets the DTU (what commands touch
of it: ``Device``), the parsed command and the ``Session`` it came from
(serial, network or SMS) and returns the response lines; it raises
``Refused`` for ``ERROR``. Unknown, malformed, out-of-range or over-long
(> 256 bytes) input is refused and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dtulab.dtu import contract as C
from dtulab.dtu.modem_client import ModemError
from dtulab.dtu.ports import Online
from dtulab.dtu.settings import MODES, Settings
from dtulab.peripherals.gsm_modem.atparse import Command, Kind, ParseError, parse_line

VERSION = "dtulab-reference 0.1.0 (usr721)"
GUARD = 0.2  # T1: the silence before "+++" (manual 3.1.1)


class Refused(Exception):
    """The command is answered ERROR and changes nothing."""


@dataclass
class Session:
    """Where a command came from and how its data prompt (AT+CISEND) is served."""

    source: str  # "serial", "net" or "sms"
    read_data: Callable[[int], Awaitable[bytes]] | None = None  # serial: exactly n bytes
    read_until: Callable[[bytes], Awaitable[bytes | None]] | None = None  # serial: to Ctrl-Z
    write: Callable[[bytes], Awaitable[None]] | None = None  # serial only: prompts


class SocketLink(Protocol):
    """A running socket as the commands see it (sockets.py ``DtuSocket``)."""

    @property
    def state(self) -> str:
        """CLOSED, CONNECTING or CONNECTED."""
        ...

    async def send_now(self, data: bytes) -> bool:
        """AT+CISEND: send at once, outside the queue; False unless connected and sent."""
        ...


class SmsSwitch(Protocol):
    """The DTU's SMS functions (services.py ``Services``)."""

    def set_text_mode(self, on: bool) -> None:
        """The host switched the modem with AT+CMGF: the DTU's SMS functions follow."""
        ...


class Device(Online, Protocol):
    """What the commands touch of the DTU (``Dtu`` implements it)."""

    settings: Settings  # the running settings (AT+CIRELOAD replaces them)
    echo: bool  # ATE

    @property
    def local_ip(self) -> str: ...

    @property
    def sockets(self) -> Sequence[SocketLink]: ...

    @property
    def services(self) -> SmsSwitch: ...

    def save_settings(self) -> None:
        """ATW: store the running settings."""
        ...

    def apply_sockets(self) -> None:
        """Start, stop or restart sockets to match the running settings."""
        ...

    def leave_command_mode(self) -> None:
        """AT+ENTM from the serial port."""
        ...

    def request_restart(self, reason: str, delay: float = 0.0) -> None: ...

    def restore_factory(self, reason: str) -> None:
        """Factory settings of the DTU's family, saved, and a restart (after the reply)."""
        ...

    def request_shutdown(self) -> None: ...

    async def send_sms(self, number: str, text: str) -> None:
        """AT+CISMSEND; ``ModemError`` if it cannot go."""
        ...


Handler = Callable[[Device, Command, Session], Awaitable[list[str]]]


def registrar(table: dict[str, Handler]) -> Callable[..., Callable[[Handler], Handler]]:
    """``@command("+NAME", ...)`` for a dialect: registers a handler in ``table`` by name."""

    def command(*names: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                table[name] = fn
            return fn

        return register

    return command


COMMANDS: dict[str, Handler] = {}
command = registrar(COMMANDS)


# -- argument helpers ----------------------------------------------------------
def args(cmd: Command, low: int, high: int | None = None) -> list[str]:
    try:
        values = cmd.args
    except ParseError:
        raise Refused() from None
    if not low <= len(values) <= (low if high is None else high):
        raise Refused()
    return ["" if v is None else v for v in values]


def number(text: str, low: int, high: int) -> int:
    """Decimal digits with white space around (str.strip's, as at.c's at_strip: a quoted
    parameter keeps "\x1d4", which int() alone refuses)."""
    digits = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", digits):
        raise Refused()
    value = int(digits)
    if not low <= value <= high:
        raise Refused()
    return value


def choice(text: str, *options: str) -> str:
    upper = text.strip().upper()
    if upper not in options:
        raise Refused()
    return upper


def hex_data(text: str, max_bytes: int) -> str:
    text = text.strip()
    if len(text) % 2 or len(text) > 2 * max_bytes or not re.fullmatch(r"[0-9A-Fa-f]*", text):
        raise Refused()
    return text.upper()


def printable(text: str, max_len: int, allow_empty: bool = True) -> str:
    if len(text) > max_len or (not text and not allow_empty) or any(ord(c) < 32 for c in text):
        raise Refused()
    return text


def phone(text: str) -> bool:
    """A phone number: "+" and 1..PHONE_DIGITS digits (white space around allowed)."""
    return re.fullmatch(rf"\+?\d{{1,{C.PHONE_DIGITS}}}", text.strip()) is not None


def password_ok(text: str) -> bool:
    """A password (R-AT-3): printable, no blank, no "#", 1..PASSWORD_MAX_LEN characters."""
    length = rf"{{{C.PASSWORD_MIN_LEN},{C.PASSWORD_MAX_LEN}}}"
    return re.fullmatch(rf"[!-\"$-~]{length}", text) is not None


def command_in(text: str, password: str) -> tuple[bool, str] | None:
    """``<password>#AT...`` (CR/LF around it stripped): whether the password is right, and
    the command; None if ``text`` has not that shape (R-AT-3..5)."""
    pw, sep, rest = text.strip("\r\n").partition("#")
    if not sep or rest[:2].upper() != "AT" or len(pw) > 16 or "\r" in pw:
        return None
    return pw == password, rest


def form(cmd: Command, *kinds: Kind) -> None:
    if cmd.kind not in kinds:
        raise Refused()


def socket_index(text: str) -> int:
    return number(text, 1, C.SOCKETS) - 1


# -- running a line --------------------------------------------------------------
async def execute(dtu: Device, line: str, session: Session) -> list[str]:
    """Run one command line; returns the reply lines, ``OK``/``ERROR`` last."""
    text = line.strip()
    if len(text) > C.LINE_MAX or text[:2].upper() != "AT":
        return ["ERROR"]
    try:
        cmds = parse_line(text[2:])
    except ParseError:
        return ["ERROR"]
    if not cmds:
        return ["OK"]
    if len(cmds) != 1:
        return ["ERROR"]  # one command per line in this dialect
    cmd = cmds[0]
    handler = COMMANDS.get(cmd.name)
    if handler is None:
        return ["ERROR"]
    try:
        return await handler(dtu, cmd, session)
    except Refused:
        return ["ERROR"]
    except ModemError:
        return ["ERROR"]


# -- basics ------------------------------------------------------------------------
@command("E")
async def _echo(dtu: Device, cmd: Command, s: Session) -> list[str]:
    dtu.echo = number(cmd.raw or "0", 0, 1) == 1
    return ["OK"]


@command("+CIVER")
async def _civer(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.READ, Kind.EXEC)
    return [f"+CIVER: {VERSION}", "OK"]


@command("+CIMOD")
async def _cimod(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.kind is Kind.READ:
        return [f"+CIMOD: {dtu.settings.mode}", "OK"]
    form(cmd, Kind.SET)
    (value,) = args(cmd, 1)
    names = {name: n for n, name in MODES.items()}
    if value.strip().upper() in names:
        dtu.settings.mode = names[value.strip().upper()]
    else:
        dtu.settings.mode = number(value, 0, len(MODES) - 1)
    return ["OK"]


@command("+CIPSCONT")
async def _cipscont(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.kind is Kind.READ:
        return [*dump(dtu.settings), "OK"]
    form(cmd, Kind.SET)
    n, proto, host, port, start = args(cmd, 5)
    index = socket_index(n)
    sock = dtu.settings.sockets[index]
    new = (
        choice(proto, "TCP", "UDP"),
        printable(host.strip(), C.HOST_MAX_LEN, allow_empty=False),
        number(port, C.PORT_MIN, C.PORT_MAX),
        number(start, 0, 1) == 1,
    )
    sock.proto, sock.host, sock.port, sock.enabled = new
    return ["OK"]


def dump(st: Settings) -> list[str]:
    """The AT+CIPSCONT? dump, in the layout of the manual's example (research §A.3)."""
    hb_dir = 1 if st.heartbeat_to_serial else 0
    reg = {"OFF": "0, OFF", "LINK": f"0, {st.reg_kind}", "DATA": f"1, {st.reg_kind}"}
    lines = [
        f"+CIPCFG: 1, {st.heartbeat_s}, 0, {st.pack_time_ms}, {st.pack_len}, {st.restart_s}",
        f'+CIPPACK: 0, "{st.heartbeat_data}",{hb_dir}',
        f'+CIPPACK: 1, "{st.reg_data}" , {reg[st.reg_mode]}',
        f'+CSTT: "{st.apn}", "{st.apn_user}", "{st.apn_password}"',
        f"+CIPNUM: {st.sms_number}",
    ]
    for i, sock in enumerate(st.sockets, 1):
        lines.append(
            f'+CIPSTART:{i},"{sock.proto}", "{sock.host}",{sock.port}, {int(sock.enabled)}'
        )
    lines += [f"+CIMOD: {st.mode}", f"+CINETAT:{int(st.net_at)}", f"+CICOMAT:{int(st.com_at)}"]
    lines += [f"+CINETPT:{i},{sock.local_port}" for i, sock in enumerate(st.sockets, 1)]
    return lines


@command("+CISOCLINK")
async def _cisoclink(dtu: Device, cmd: Command, s: Session) -> list[str]:
    socks = dtu.settings.sockets
    if cmd.kind is Kind.READ:
        return [
            *(
                f"+CISOCLINK: {i},{'LONG' if k.long_link else 'SHORT'},{k.idle}"
                for i, k in enumerate(socks, 1)
            ),
            "OK",
        ]
    form(cmd, Kind.SET)
    values = args(cmd, 1, 3)
    if len(values) == 1:  # the vendor form: one style for every socket (0 short, 1 long)
        long_link = number(values[0], 0, 1) == 1
        for sock in socks:
            sock.long_link = long_link
        return ["OK"]
    index = socket_index(values[0])
    style = choice(values[1], "0", "1", "LONG", "SHORT")
    idle = number(values[2], C.IDLE_MIN, C.IDLE_MAX) if len(values) == 3 else socks[index].idle
    socks[index].long_link = style in ("1", "LONG")
    socks[index].idle = idle
    return ["OK"]


@command("+CIPCFG")
async def _cipcfg(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        return [dump(st)[0], "OK"]
    form(cmd, Kind.SET)
    one, heart, zero, pack_time, pack_len, restart = args(cmd, 6)
    number(one, 1, 1)
    number(zero, 0, 0)
    values = (
        number(heart, C.HEARTBEAT_S_MIN, C.HEARTBEAT_S_MAX),
        number(pack_time, C.PACK_TIME_MS_MIN, C.PACK_TIME_MS_MAX),
        number(pack_len, C.PACK_LEN_MIN, C.PACK_LEN_MAX),
        number(restart, C.RESTART_S_MIN, C.RESTART_S_MAX),
    )
    st.heartbeat_s, st.pack_time_ms, st.pack_len, st.restart_s = values
    return ["OK"]


@command("+CIPPACK")
async def _cippack(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        return [*dump(st)[1:3], "OK"]
    form(cmd, Kind.SET)
    values = args(cmd, 2, 5)
    encoding = "HEX"
    if len(values) > 3 and values[-1].strip().upper() in ("HEX", "STR"):
        encoding = values.pop().strip().upper()  # dtulab: the data as text (STR) or hex
    which = number(values[0], 0, 1)
    if len(values) > 4:
        raise Refused()
    # the registration's 100 bytes need its kind; without one, 40 as the heartbeat's
    limit = C.HEARTBEAT_DATA_MAX_LEN if which == 0 or len(values) < 4 else C.REG_DATA_MAX_LEN
    if encoding == "STR":
        text = printable(values[1], limit)
        values[1] = text.encode("latin-1").hex()
    data = hex_data(values[1], limit)
    flag = number(values[2], 0, 1) if len(values) > 2 and values[2] != "" else 0
    if which == 0:
        if len(values) > 3 or not data:
            raise Refused()
        st.heartbeat_data, st.heartbeat_to_serial = data, flag == 1
        return ["OK"]
    kind = choice(values[3], *C.REG_KIND_CHOICES) if len(values) > 3 else "USER"
    if kind == "CLOUD" and b"," not in bytes.fromhex(data):
        raise Refused()  # CLOUD data is the hex of "<id>,<password>"
    if kind == "USER" and not data:
        st.reg_mode, st.reg_kind, st.reg_data = "OFF", "USER", ""
        return ["OK"]
    st.reg_mode, st.reg_kind, st.reg_data = ("DATA" if flag else "LINK"), kind, data
    return ["OK"]


@command("+CSTT")
async def _cstt(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        return [f'+CSTT: "{st.apn}","{st.apn_user}","{st.apn_password}"', "OK"]
    form(cmd, Kind.SET)
    values = [*args(cmd, 1, 3), "", ""]
    apn, user, password = (printable(v, C.APN_MAX_LEN) for v in values[:3])
    if not apn:
        raise Refused()
    st.apn, st.apn_user, st.apn_password = apn, user, password
    return ["OK"]


@command("+CINETPT")
async def _cinetpt(dtu: Device, cmd: Command, s: Session) -> list[str]:
    socks = dtu.settings.sockets
    if cmd.kind is Kind.READ:
        return [*(f"+CINETPT:{i},{k.local_port}" for i, k in enumerate(socks, 1)), "OK"]
    form(cmd, Kind.SET)
    values = args(cmd, 1, 2)
    if len(values) == 1:  # dialect form: one port for socket 1
        socks[0].local_port = number(values[0], C.LOCAL_PORT_MIN, C.LOCAL_PORT_MAX)
    else:
        port = number(values[1], C.LOCAL_PORT_MIN, C.LOCAL_PORT_MAX)
        socks[socket_index(values[0])].local_port = port
    return ["OK"]


_V25_FORMATS = {1: (8, 2), 2: (8, 1), 3: (8, 1), 4: (7, 2), 5: (7, 1), 6: (7, 1)}
_V25_PARITY = {0: "O", 1: "E", 2: "M", 3: "S"}


@command("+ICF")
async def _icf(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        return [f"+ICF: {st.data_bits},{st.parity},{st.stop_bits}", "OK"]
    form(cmd, Kind.SET)
    values = args(cmd, 1, 3)
    first = number(values[0], 1, 8)
    if first in (7, 8):  # dialect form: data bits, parity, stop bits
        if len(values) != 3:
            raise Refused()
        parity = choice(values[1], *C.PARITY_CHOICES)
        stop = number(values[2], C.STOP_BITS_MIN, C.STOP_BITS_MAX)
        st.data_bits, st.parity, st.stop_bits = first, parity, stop
    elif first in _V25_FORMATS and len(values) <= 2:  # V.25ter: format[,parity]
        bits, stop = _V25_FORMATS[first]
        parity = (
            "N"
            if first in (1, 3, 4, 6)
            else _V25_PARITY[number(values[1], 0, 3) if len(values) > 1 else 1]
        )
        if parity in ("M", "S"):
            raise Refused()  # mark/space parity: not on this UART
        st.data_bits, st.parity, st.stop_bits = bits, parity, stop
    else:
        raise Refused()
    return ["OK"]


@command("+CIPR")
async def _cipr(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.kind is Kind.READ:
        return [f"+CIPR: {dtu.settings.baud}", "OK"]
    form(cmd, Kind.SET)
    (value,) = args(cmd, 1)
    baud = number(value, C.BAUD_MIN, C.BAUD_MAX)
    if baud not in C.BAUDS:
        raise Refused()
    dtu.settings.baud = baud
    return ["OK"]


@command("+CIPNUM")
async def _cipnum(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.kind is Kind.READ:
        return [f"+CIPNUM: {dtu.settings.sms_number}", "OK"]
    form(cmd, Kind.SET)
    (value,) = args(cmd, 1)
    if not phone(value):
        raise Refused()
    dtu.settings.sms_number = value.strip()
    return ["OK"]


@command("+CIHTTP")
async def _cihttp(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        return [f'+CIHTTP: {st.http_method},"{st.http_url}","{st.http_headers}"', "OK"]
    form(cmd, Kind.SET)
    values = args(cmd, 2, 3)
    method = choice(values[0], *C.HTTP_METHOD_CHOICES)
    url = printable(values[1].strip(), C.HTTP_URL_MAX_LEN, allow_empty=False)
    if not url.lower().startswith("http://"):
        raise Refused()
    headers = printable(values[2], C.HTTP_HEADERS_MAX_LEN) if len(values) == 3 else ""
    st.http_method, st.http_url, st.http_headers = method, url, headers
    return ["OK"]


@command("+CIFTP")
async def _ciftp(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind is Kind.READ:
        login = f'"{st.ftp_user}","{st.ftp_password}"'
        return [f'+CIFTP: "{st.ftp_host}",{st.ftp_port},{login},"{st.ftp_path}"', "OK"]
    form(cmd, Kind.SET)
    host, port, user, password, path = args(cmd, 5)
    values = (
        printable(host.strip(), C.FTP_HOST_MAX_LEN, allow_empty=False),
        number(port, C.FTP_PORT_MIN, C.FTP_PORT_MAX),
        printable(user, C.FTP_USER_MAX_LEN),
        printable(password, C.FTP_PASSWORD_MAX_LEN),
        printable(path, C.FTP_PATH_MAX_LEN, allow_empty=False),
    )
    st.ftp_host, st.ftp_port, st.ftp_user, st.ftp_password, st.ftp_path = values
    return ["OK"]


# -- persistence and system ---------------------------------------------------------
@command("W")
async def _atw(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.raw:
        raise Refused()
    dtu.save_settings()
    return ["OK"]


@command("+CIRELOAD")
async def _cireload(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.restore_factory("factory settings (AT+CIRELOAD)")
    return ["OK"]


@command("+CIPSW")
async def _cipsw(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    old, new = args(cmd, 2)
    if old != dtu.settings.password or not password_ok(new):
        raise Refused()
    dtu.settings.password = new
    return ["OK"]


def _switch(attr: str) -> Handler:
    async def handler(dtu: Device, cmd: Command, s: Session) -> list[str]:
        if cmd.kind is Kind.READ:
            return [f"{cmd.name}: {int(getattr(dtu.settings, attr))}", "OK"]
        form(cmd, Kind.SET)
        (value,) = args(cmd, 1)
        setattr(dtu.settings, attr, number(value, 0, 1) == 1)
        return ["OK"]

    return handler


command("+CINETAT")(_switch("net_at"))
command("+CICOMAT")(_switch("com_at"))
command("+CISMSAT")(_switch("sms_at"))
command("+CIRINGSTA")(_switch("ring_answer"))


@command("+CIOPTIME")
async def _cioptime(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    (value,) = args(cmd, 1)
    await dtu.clock.sleep(number(value, 0, C.OPTIME_MAX_MS) / 1000)
    return ["OK"]


@command("+CIMODID")
async def _cimodid(dtu: Device, cmd: Command, s: Session) -> list[str]:
    if cmd.kind is Kind.READ:
        return [f'+CIMODID: "{dtu.settings.boot_message}"', "OK"]
    form(cmd, Kind.SET)
    (value,) = args(cmd, 1)
    dtu.settings.boot_message = printable(value, C.BOOT_MESSAGE_MAX_LEN)
    return ["OK"]


@command("+CIRESET")
async def _cireset(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.request_restart("AT+CIRESET", delay=0.1)
    return ["OK"]


@command("+CISHUTDOWN")
async def _cishutdown(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.request_shutdown()
    return ["OK"]


@command("+ENTM")
async def _entm(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    if s.source == "serial":
        dtu.leave_command_mode()
    return ["OK"]


# -- status --------------------------------------------------------------------------
@command("+CINET")
async def _cinet(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.READ)
    lines = [f"+CINET: {i},{sock.state}" for i, sock in enumerate(dtu.sockets, 1)]
    lines.append(f"+CINET: GPRS,{'ATTACHED' if dtu.gprs_ready.is_set() else 'DETACHED'}")
    return [*lines, "OK"]


@command("+CIDTUIP")
async def _cidtuip(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.READ)
    return [f"+CIDTUIP: {dtu.local_ip or '0.0.0.0'}", "OK"]


@command("+CILAC")
async def _cilac(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.READ)
    await dtu.modem.command("AT+CREG=2")
    try:
        reply = await dtu.modem.command("AT+CREG?")
    finally:
        await dtu.modem.command("AT+CREG=0", check=False)
    match = re.search(r'"([0-9A-F]+)","([0-9A-F]+)"', reply.line("+CREG:"))
    if not match:
        raise Refused()  # not registered: no cell
    return [f"+CILAC: {match.group(1)},{match.group(2)}", "OK"]


# -- sockets by hand -----------------------------------------------------------------
@command("+CIOPEN")
async def _ciopen(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    values = args(cmd, 1, 3)
    if len(values) == 3:  # the vendor form: proto, address, port for socket 1
        target = (
            choice(values[0], "TCP", "UDP"),
            printable(values[1].strip(), C.HOST_MAX_LEN, allow_empty=False),
            number(values[2], C.PORT_MIN, C.PORT_MAX),
        )
        index = 0
    elif len(values) == 1:
        index = socket_index(values[0])
        sock = dtu.settings.sockets[index]
        if not sock.host:
            raise Refused()
        target = (sock.proto, sock.host, sock.port)
    else:
        raise Refused()
    if not dtu.gprs_ready.is_set():
        raise Refused()
    sock = dtu.settings.sockets[index]
    sock.proto, sock.host, sock.port = target
    sock.enabled = True
    dtu.apply_sockets()
    return ["OK"]


@command("+CICLOSE")
async def _ciclose(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET, Kind.EXEC)
    index = socket_index(args(cmd, 1)[0]) if cmd.kind is Kind.SET else 0
    dtu.settings.sockets[index].enabled = False
    dtu.apply_sockets()
    return ["OK"]


@command("+CISEND")
async def _cisend(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    n, length = args(cmd, 2)
    index, size = socket_index(n), number(length, 1, C.SEND_MAX)
    sock = dtu.sockets[index]
    if sock.state != "CONNECTED" or s.read_data is None or s.write is None:
        raise Refused()
    await s.write(b"\r\n> ")
    data = await s.read_data(size)
    return ["SEND OK" if await sock.send_now(data) else "SEND FAIL"]


@command("+CISMSEND")
async def _cismsend(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    number_, text = args(cmd, 2)
    if not phone(number_) or not 0 < len(text) <= C.SMS_MAX:
        raise Refused()
    await dtu.send_sms(number_.strip(), text)
    return ["OK"]


# -- standard GSM commands answered by the modem (R-AT-6) -----------------------------
PASSTHROUGH = {
    "+CGSN": (Kind.EXEC,),
    "+CIMI": (Kind.EXEC,),
    "+CCLK": (Kind.READ, Kind.SET),
    "+CSQ": (Kind.EXEC,),
    "+COPS": (Kind.READ,),
    "+CMGF": (Kind.SET, Kind.READ),
    "+CMGL": (Kind.EXEC, Kind.SET),
    "+CMGR": (Kind.SET,),
    "+CSCA": (Kind.READ, Kind.SET),
    "D": (Kind.EXEC,),
    "A": (Kind.EXEC,),
    "H": (Kind.EXEC,),
    "S0": (Kind.SET, Kind.READ),
}


def _modem_line(cmd: Command) -> str:
    suffix = {Kind.EXEC: cmd.raw, Kind.READ: "?", Kind.SET: "=" + cmd.raw, Kind.TEST: "=?"}
    return f"AT{cmd.name}{suffix[cmd.kind]}"


async def _passthrough(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, *PASSTHROUGH[cmd.name])
    reply = await dtu.modem.command(_modem_line(cmd), timeout=90, check=False)
    if cmd.name == "+CMGF" and cmd.kind is Kind.SET and reply.final == "OK":
        dtu.services.set_text_mode(cmd.raw.strip() == "1")  # PDU mode stops the DTU's SMS
    return [*reply.lines, reply.final]


for _name in PASSTHROUGH:
    command(_name)(_passthrough)


@command("+CMGS")
async def _cmgs(dtu: Device, cmd: Command, s: Session) -> list[str]:
    """AT+CMGS relays the modem's prompt: the host's text up to Ctrl-Z goes to the modem."""
    form(cmd, Kind.SET)
    if s.read_until is None or s.write is None:
        raise Refused()
    await s.write(b"\r\n> ")
    text = await s.read_until(b"\x1a")
    if text is None:  # ESC: nothing is sent
        return ["OK"]
    reply = await dtu.modem.send_data(_modem_line(cmd), text, timeout=90, terminator=b"\x1a")
    return [*reply.lines, reply.final]
