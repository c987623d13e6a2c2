"""The usr-sock AT dialect: USR's newer WKMOD/SOCK command family, as docs/dialects/usr-sock.md
defines it (research notes §A.1, A.2, A.4–A.6: USR-G786/G781/GM3/DR404/7S4 manuals).

The reference DTU speaks it when the bench's ``dialect`` is ``usr-sock``, so a bench can stand
in for a third-party DTU of that family. The commands set the same ``Settings`` the usr721
dialect sets; where the families differ this module says so: two sockets (A, B = sockets 1, 2),
packing interval 100–60000 ms and length 100–1000 bytes, ``ON``/``OFF`` switches that keep the
value they switch (``HEARTEN`` keeps ``HEARTTM``, ``REGEN`` keeps ``REGSND``: kept in
``Settings.extra``), the password is the whole prefix (``usr.cn#``), errors are ``+ERR:<n>``
(G786 manual p.45's codes), ``AT+S`` saves *and* restarts, and in the ``CMD`` work mode a line
that is not one of the DTU's commands goes to the modem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from dtulab.dtu import contract as C
from dtulab.dtu.modem_client import ModemError
from dtulab.dtu.settings import Settings, SocketConfig
from dtulab.dtu.usr721 import (
    Device,
    Handler,
    Refused,
    Session,
    args,
    choice,
    hex_data,
    number,
    phone,
    printable,
    registrar,
)
from dtulab.peripherals.gsm_modem.atparse import Command, Kind, ParseError, parse_line

NAME = "usr-sock"
VERSION = "dtulab-reference 0.1.0 (usr-sock)"
SOCKETS = "AB"  # socket A and B: the DTU's sockets 1 and 2
WORK_MODES = {"NET": "NET", "HTTPD": "HTTPD", "SMS": "SMS", "CMD": "AT"}  # WKMOD -> mode name
PACK_TIME_MS = (100, 60000)  # AT+UARTFT (G786 manual p.16)
PACK_LEN = (100, 1000)  # AT+UARTFL
HEART_TM = (1, 65535)  # AT+HEARTTM (DR404 manual p.32)
PASSWORD_MAX = 16
REG_DATA_MAX = 50  # AT+REGDT, bytes (dtulab's guess)
RESTART_S = (60, 65535)  # AT+RSTIM: 0 (off) or this range (dtulab's guess)
PARITY = {"NONE": "N", "ODD": "O", "EVEN": "E"}


class Err(Exception):
    """A refused command: answered ``+ERR:<code>``, nothing changed (G786 manual p.45)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def factory() -> Settings:
    """The family's factory settings: usr721's where the families agree."""
    base = Settings()
    return replace(
        base,
        family=NAME,
        password="usr.cn#",
        pack_time_ms=100,
        pack_len=1000,
        extra={"HEARTTM": "30", "REGSND": "LINK", "APNAUTH": "0", "HTPSV": ",80", "HTPURL": "/"},
    )


def command_in(text: str, password: str) -> tuple[bool, str] | None:
    """``<CMDPW>AT...`` with the right prefix: ``(True, "AT...")``; anything else is data
    (research §A.5: the prefix is the whole password, ``#`` included)."""
    text = text.strip("\r\n")
    rest = text[len(password) :]
    if not text.startswith(password) or rest[:2].upper() != "AT" or "\r" in rest:
        return None
    return True, rest


def guard(settings: Settings) -> float:
    """The escape's guard time is the packing interval (G786 manual p.40, research §A.1)."""
    return settings.pack_time_ms / 1000


COMMANDS: dict[str, Handler] = {}
command = registrar(COMMANDS)


async def execute(dtu: Device, line: str, session: Session) -> list[str]:
    """Run one command line; the reply lines, ``OK`` or ``+ERR:<n>`` last."""
    text = line.strip()
    if len(text) > C.LINE_MAX or text[:2].upper() != "AT":
        return ["+ERR:1"]
    try:
        cmds = parse_line(text[2:])
    except ParseError:
        return ["+ERR:1"]
    if not cmds:
        return ["OK"]
    handler = COMMANDS.get(cmds[0].name) if len(cmds) == 1 else None
    if handler is None:
        if dtu.settings.mode_name == "AT" and session.source == "serial":
            reply = await dtu.modem.command(text, timeout=90, check=False)  # CMD work mode
            return [*reply.lines, reply.final]
        return ["+ERR:2"]
    try:
        return await handler(dtu, cmds[0], session)
    except Err as exc:
        return [f"+ERR:{exc.code}"]
    except Refused:
        return ["+ERR:4"]
    except ModemError:
        return ["+ERR:5"]


# -- helpers -----------------------------------------------------------------------------
def form(cmd: Command, *kinds: Kind) -> None:
    if cmd.kind not in kinds:
        raise Err(3)


def value(cmd: Command) -> str | None:
    """The one value of a set (``None`` for a query): ``AT+X?`` and ``AT+X`` both query."""
    if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
        return None
    form(cmd, Kind.SET)
    (v,) = args(cmd, 1) if cmd.raw.strip() else [""]
    return v.strip()


def switch(text: str) -> bool:
    return choice(text, "ON", "OFF") == "ON"


def on_off(flag: bool) -> str:
    return "ON" if flag else "OFF"


Show = Callable[[Settings], str]
Store = Callable[[Settings, str], None]


def setting(name: str, show: Show, store: Store) -> None:
    """A one-value setting ``AT+<name>``: its query shows ``show``, its set calls ``store``."""

    async def handler(dtu: Device, cmd: Command, s: Session) -> list[str]:
        v = value(cmd)
        if v is None:
            return [f"+{name}:{show(dtu.settings)}", "OK"]
        store(dtu.settings, v)
        return ["OK"]

    command(f"+{name}")(handler)


# -- basics ------------------------------------------------------------------------------
@command("+H")
async def _help(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    return [*(f"AT{name}" for name in sorted(COMMANDS)), "OK"]


@command("+E")
async def _echo(dtu: Device, cmd: Command, s: Session) -> list[str]:
    v = value(cmd)
    if v is None:
        return [f"+E:{on_off(dtu.echo)}", "OK"]
    dtu.echo = switch(v)
    return ["OK"]


@command("+VER")
async def _ver(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC, Kind.READ)
    return [f"+VER:{VERSION}", "OK"]


def asked_of_modem(name: str, modem_command: str) -> None:
    """``AT+<name>``: the modem's answer to ``modem_command``, as ``+<name>:<value>``."""

    async def handler(dtu: Device, cmd: Command, s: Session) -> list[str]:
        form(cmd, Kind.EXEC, Kind.READ)
        reply = await dtu.modem.command(modem_command)
        found = next((x for x in reply.lines if x.strip()), "")
        return [f"+{name}:{found.split(':', 1)[-1].strip()}", "OK"]

    command(f"+{name}")(handler)


asked_of_modem("IMEI", "AT+CGSN")
asked_of_modem("ICCID", "AT+CCID")
asked_of_modem("IMSI", "AT+CIMI")
asked_of_modem("CSQ", "AT+CSQ")


def _mode(st: Settings, v: str) -> None:
    st.mode = C.MODE_CHOICES.index(WORK_MODES[choice(v, *WORK_MODES)])


setting("WKMOD", lambda st: {m: w for w, m in WORK_MODES.items()}.get(st.mode_name, "NET"), _mode)


# -- sockets A and B ---------------------------------------------------------------------
def _socket_commands(letter: str, index: int) -> None:
    async def sock(dtu: Device, cmd: Command, s: Session) -> list[str]:
        k = dtu.settings.sockets[index]
        if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
            return [f"+SOCK{letter}:{k.proto},{k.host},{k.port}", "OK"]
        form(cmd, Kind.SET)
        proto, host, port = args(cmd, 3)
        k.proto, k.host, k.port = (
            choice(proto, *C.PROTO_CHOICES),
            printable(host.strip(), C.HOST_MAX_LEN, allow_empty=False),
            number(port, C.PORT_MIN, C.PORT_MAX),
        )
        return ["OK"]

    command(f"+SOCK{letter}")(sock)

    def cfg(st: Settings) -> SocketConfig:
        return st.sockets[index]

    setting(
        f"SOCK{letter}EN",
        lambda st: on_off(st.sockets[index].enabled),
        lambda st, v: setattr(cfg(st), "enabled", switch(v)),
    )
    setting(
        f"SOCK{letter}SL",
        lambda st: "LONG" if st.sockets[index].long_link else "SHORT",
        lambda st, v: setattr(cfg(st), "long_link", choice(v, "LONG", "SHORT") == "LONG"),
    )
    setting(  # the short connection's idle time (atcmd.h: SOCKATO is the reconnect time)
        f"SHOR{letter}TO",
        lambda st: str(st.sockets[index].idle),
        lambda st, v: setattr(cfg(st), "idle", number(v, C.IDLE_MIN, C.IDLE_MAX)),
    )

    async def link(dtu: Device, cmd: Command, s: Session) -> list[str]:
        form(cmd, Kind.EXEC, Kind.READ)
        up = dtu.sockets[index].state == "CONNECTED"
        return [f"+SOCK{letter}LK:{'Connected' if up else 'Disconnected'}", "OK"]

    command(f"+SOCK{letter}LK")(link)


for _i, _letter in enumerate(SOCKETS):
    _socket_commands(_letter, _i)


# -- registration and heartbeat (research §A.6) -------------------------------------------
def _regen(st: Settings, v: str) -> None:
    st.reg_mode = st.extra["REGSND"] if switch(v) else "OFF"


def _regsnd(st: Settings, v: str) -> None:
    st.extra["REGSND"] = choice(v, "LINK", "DATA")
    if st.reg_mode != "OFF":
        st.reg_mode = st.extra["REGSND"]


setting("REGEN", lambda st: on_off(st.reg_mode != "OFF"), _regen)
setting("REGSND", lambda st: st.extra["REGSND"], _regsnd)
setting(
    "REGTP",
    lambda st: st.reg_kind,
    lambda st, v: setattr(st, "reg_kind", choice(v, *C.REG_KIND_CHOICES)),
)
setting(
    "REGDT",
    lambda st: st.reg_data,
    lambda st, v: setattr(st, "reg_data", hex_data(v, REG_DATA_MAX)),
)


@command("+CLOUD")
async def _cloud(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
        return [f"+CLOUD:{bytes.fromhex(st.reg_data).decode('latin-1')}", "OK"]
    form(cmd, Kind.SET)
    ident, password = (v.strip() for v in args(cmd, 2))
    if not re.fullmatch(r"\d{20}", ident) or not re.fullmatch(r"[!-~]{1,8}", password):
        raise Refused()
    st.reg_kind, st.reg_data = "CLOUD", f"{ident},{password}".encode().hex().upper()
    return ["OK"]


def _hearten(st: Settings, v: str) -> None:
    st.heartbeat_s = int(st.extra["HEARTTM"]) if switch(v) else 0


def _hearttm(st: Settings, v: str) -> None:
    st.extra["HEARTTM"] = str(number(v, *HEART_TM))
    if st.heartbeat_s:
        st.heartbeat_s = int(st.extra["HEARTTM"])


setting("HEARTEN", lambda st: on_off(st.heartbeat_s > 0), _hearten)
setting("HEARTTM", lambda st: st.extra["HEARTTM"], _hearttm)


def _heartdt(st: Settings, v: str) -> None:
    data = hex_data(v, C.HEARTBEAT_DATA_MAX_LEN)
    if not data:
        raise Refused()
    st.heartbeat_data = data


setting("HEARTDT", lambda st: st.heartbeat_data, _heartdt)
setting(
    "HEARTSND",
    lambda st: "COM" if st.heartbeat_to_serial else "NET",
    lambda st, v: setattr(st, "heartbeat_to_serial", choice(v, "NET", "COM") == "COM"),
)


# -- serial port -------------------------------------------------------------------------
@command("+UART")
async def _uart(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
        parity = {p: name for name, p in PARITY.items()}[st.parity]
        return [f"+UART:{st.baud},{st.data_bits},{st.stop_bits},{parity},NONE", "OK"]
    form(cmd, Kind.SET)
    baud, bits, stop, parity, flow = args(cmd, 5)
    new = (
        number(baud, C.BAUD_MIN, C.BAUD_MAX),
        number(bits, C.DATA_BITS_MIN, C.DATA_BITS_MAX),
        number(stop, C.STOP_BITS_MIN, C.STOP_BITS_MAX),
        PARITY[choice(parity, *PARITY)],
    )
    choice(flow, "NONE")  # flow control: not on this board's RS232 (docs/dialects/usr-sock.md)
    if new[0] not in C.BAUDS:
        raise Refused()
    st.baud, st.data_bits, st.stop_bits, st.parity = new
    return ["OK"]


setting(
    "UARTFT",
    lambda st: str(st.pack_time_ms),
    lambda st, v: setattr(st, "pack_time_ms", number(v, *PACK_TIME_MS)),
)
setting(
    "UARTFL",
    lambda st: str(st.pack_len),
    lambda st, v: setattr(st, "pack_len", number(v, *PACK_LEN)),
)


# -- passwords and remote commands (research §A.5) ---------------------------------------
def _cmdpw(st: Settings, v: str) -> None:
    if not re.fullmatch(rf"[!-~]{{1,{PASSWORD_MAX}}}", v):
        raise Refused()
    st.password = v


setting("CMDPW", lambda st: st.password, _cmdpw)
setting("UATEN", lambda st: on_off(st.com_at), lambda st, v: setattr(st, "com_at", switch(v)))
setting("NATEN", lambda st: on_off(st.net_at), lambda st, v: setattr(st, "net_at", switch(v)))


# -- cellular ----------------------------------------------------------------------------
@command("+APN")
async def _apn(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
        return [f"+APN:{st.apn},{st.apn_user},{st.apn_password},{st.extra['APNAUTH']}", "OK"]
    form(cmd, Kind.SET)
    values = args(cmd, 1, 4)
    values += ["", "", "0"][len(values) - 1 :]  # user, password, authentication left out
    apn, user, password = (printable(v.strip(), C.APN_MAX_LEN) for v in values[:3])
    auth = number(values[3], 0, 3)
    if not apn:
        raise Refused()
    st.apn, st.apn_user, st.apn_password = apn, user, password
    st.extra["APNAUTH"] = str(auth)
    return ["OK"]


@command("+SYSINFO")
async def _sysinfo(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC, Kind.READ)
    return ["+SYSINFO:2,GPRS" if dtu.gprs_ready.is_set() else "+SYSINFO:0,NO SERVICE", "OK"]


@command("+LOCIP")
async def _locip(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC, Kind.READ)
    return [f"+LOCIP:{dtu.local_ip or '0.0.0.0'}", "OK"]


# -- SMS -----------------------------------------------------------------------------------
def _dstnum(st: Settings, v: str) -> None:
    if not phone(v):
        raise Refused()
    st.sms_number = v


setting("DSTNUM", lambda st: st.sms_number, _dstnum)


@command("+SMSEND", "+CISMSSEND")
async def _smsend(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.SET)
    values = args(cmd, 2, 3)
    if len(values) == 3:
        number(values.pop(1), 3, 3)  # the character set: 3, text (research §A.4)
    to, text = values
    if not phone(to) or not 0 < len(text) <= C.SMS_MAX:
        raise Refused()
    try:
        await dtu.send_sms(to.strip(), text)
    except ModemError:
        return ["OK", "SMSEND FAIL"]
    return ["OK", "SMSEND OK"]


# -- HTTPD client: the request goes to http://<HTPSV host>:<port><HTPURL> ----------------------
def _http_url(st: Settings) -> None:
    host, _, port = st.extra["HTPSV"].partition(",")
    st.http_url = f"http://{host}:{port}{st.extra['HTPURL']}" if host else ""


@command("+HTPSV")
async def _server(dtu: Device, cmd: Command, s: Session) -> list[str]:
    st = dtu.settings
    if cmd.kind in (Kind.READ, Kind.EXEC) and not cmd.raw:
        return [f"+HTPSV:{st.extra['HTPSV']}", "OK"]
    form(cmd, Kind.SET)
    host, port = args(cmd, 2)
    st.extra["HTPSV"] = (
        f"{printable(host.strip(), C.HOST_MAX_LEN, allow_empty=False)},"
        f"{number(port, C.PORT_MIN, C.PORT_MAX)}"
    )
    _http_url(st)
    return ["OK"]


def _htpurl(st: Settings, v: str) -> None:
    if not v.startswith("/"):
        raise Refused()
    st.extra["HTPURL"] = printable(v, C.HTTP_URL_MAX_LEN)
    _http_url(st)


setting("HTPURL", lambda st: st.extra["HTPURL"], _htpurl)
setting(
    "HTPTP",
    lambda st: st.http_method,
    lambda st, v: setattr(st, "http_method", choice(v, *C.HTTP_METHOD_CHOICES)),
)
ESCAPES = {"=": "[3D]", ",": "[2C]", "?": "[3F]", "\r": "[0D]", "\n": "[0A]"}  # G786 p.45


def unescape(text: str) -> str:
    """A parameter with the G786 escapes of its special characters decoded."""
    for char, code in ESCAPES.items():
        text = re.sub(re.escape(code), char, text, flags=re.IGNORECASE)
    return text


def escape(text: str) -> str:
    return "".join(ESCAPES.get(c, c) for c in text)


def _htphd(st: Settings, v: str) -> None:
    headers = unescape(v)  # header lines are joined by [0D][0A]
    if len(headers) > C.HTTP_HEADERS_MAX_LEN or any(
        ord(c) < 32 for c in headers if c not in "\r\n"
    ):
        raise Refused()
    st.http_headers = headers


setting("HTPHD", lambda st: escape(st.http_headers), _htphd)


# -- boot message, restart timer -------------------------------------------------------------
setting(
    "STMSG",
    lambda st: st.boot_message,
    lambda st, v: setattr(st, "boot_message", printable(v, C.BOOT_MESSAGE_MAX_LEN)),
)


def _rstim(st: Settings, v: str) -> None:
    seconds = number(v, 0, RESTART_S[1])
    if 0 < seconds < RESTART_S[0]:
        raise Refused()
    st.restart_s = seconds


setting("RSTIM", lambda st: str(st.restart_s), _rstim)


# -- save, restart, factory ------------------------------------------------------------------
@command("+S")
async def _save(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.save_settings()
    dtu.request_restart("AT+S", delay=0.1)
    return ["OK"]


@command("+Z")
async def _restart(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.request_restart("AT+Z", delay=0.1)
    return ["OK"]


@command("+CLEAR")
async def _clear(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    dtu.restore_factory("factory settings (AT+CLEAR)")
    return ["OK"]


@command("+ENTM")
async def _entm(dtu: Device, cmd: Command, s: Session) -> list[str]:
    form(cmd, Kind.EXEC)
    if s.source == "serial":
        dtu.leave_command_mode()
    return ["OK"]
