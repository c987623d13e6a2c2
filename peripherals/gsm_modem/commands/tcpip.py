"""SIMCom TCP/IP commands (SIM800 manual V1.10 §8, pp. 222–251).

The IP state machine (AT+CIPSTATUS): IP INITIAL → IP START (AT+CSTT) →
IP CONFIG (during AT+CIICR) → IP GPRSACT → IP STATUS (AT+CIFSR) →
IP PROCESSING (multi-link, a link in use) and, single-link, TCP/UDP
CONNECTING → CONNECT OK → TCP/UDP CLOSED / IP CLOSE; PDP DEACT when the
network drops the context (``+PDP: DEACT``; only AT+CIPSHUT leaves it).

Commands: AT+CIPMUX, AT+CSTT, AT+CIICR, AT+CIFSR, AT+CIPSTART, AT+CIPSEND
(``>`` prompt; fixed length or Ctrl-Z, ESC aborts; SEND OK / SEND FAIL /
DATA ACCEPT), AT+CIPQSEND, AT+CIPCLOSE, AT+CIPSHUT, AT+CIPSTATUS,
AT+CIPHEAD, AT+CIPSRIP, AT+CIPRXGET, AT+CDNSGIP. Received data is shown as
``+RECEIVE,<n>,<len>:`` (multi-link) or raw / ``+IPD,<len>:`` (single-link,
AT+CIPHEAD), see docs/modem.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import AtError, CmeError
from dtulab.peripherals.gsm_modem.part import ModemPart
from dtulab.peripherals.gsm_modem.registry import (
    NO_FINAL,
    Final,
    at_command,
    choice_arg,
    int_arg,
    nargs,
    only,
    simple_setting,
    str_arg,
)
from dtulab.peripherals.gsm_modem.sockets import Connection

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

MAX_SEND = 1460
LINKS = range(6)  # SIM800 multi-IP links 0..5
PDP_UP = ("IP GPRSACT", "IP STATUS")
CONNECT_TIMEOUT = 75.0  # SIM800 max response time of AT+CIPSTART in multi-IP mode


class IpStack(ModemPart):
    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.mux = 0
        self.bearer = "IP INITIAL"  # IP INITIAL/START/CONFIG/GPRSACT/STATUS, PDP DEACT
        self.apn = ("CMNET", "", "")
        self.head = 0
        self.srip = 0
        self.qsend = 0
        self.rxget = 0
        self.links: dict[int, Connection] = {}
        self.rx_buffers: dict[int, bytearray] = {}
        self.closed_by_host: set[int] = set()  # single mode: IP CLOSE after AT+CIPCLOSE
        self.giving_up: set[int] = set()  # links with unacknowledged data awaiting CLOSED

    # -- state -----------------------------------------------------------
    def status(self) -> str:
        if self.bearer != "IP STATUS" or (not self.links and not self.closed_by_host):
            return self.bearer
        if self.mux:
            return "IP PROCESSING" if self.links else "IP STATUS"
        conn = self.links.get(0)
        if conn is None:
            return "IP CLOSE" if self.closed_by_host else "IP STATUS"
        return {
            "CONNECTING": f"{conn.proto} CONNECTING",
            "CONNECTED": "CONNECT OK",
            "CLOSED": f"{conn.proto} CLOSED",
        }.get(conn.state, "IP STATUS")

    def prefix(self, n: int) -> str:
        return f"{n}, " if self.mux else ""

    def link_id(self, value: str | None) -> int:
        return int_arg(value, 0, 5) if self.mux else 0

    # -- events ----------------------------------------------------------
    async def on_network(self, event: str) -> None:
        if event in ("detached", "pdp-deact") and self.bearer in (*PDP_UP, "IP CONFIG"):
            await self._drop_all()
            self.bearer = "PDP DEACT"
            await self.modem.urc("+PDP: DEACT")
        elif event.startswith("reset:"):
            target = event.partition(":")[2]
            for n in list(self.links):
                if target in ("", str(n)):
                    await self._lost(n, reset=True)

    async def _drop_all(self) -> None:
        for n in list(self.links):
            await self._lost(n)

    async def _lost(self, n: int, reset: bool = False) -> None:
        """The link went away under the host: tell it with CLOSED."""
        conn = self.links.pop(n, None)
        if conn is None:
            return
        was_up = conn.state == "CONNECTED"
        await conn.close(reset=reset)
        if not self.mux:
            self.links[n] = conn  # single mode reports TCP CLOSED until the next start
        if was_up:
            await self.modem.urc(f"{self.prefix(n)}CLOSED")

    def give_up_later(self, n: int, conn: Connection) -> None:
        """After an unacknowledged send, TCP retransmits until ``tcp_give_up``, then CLOSED."""
        if conn.proto != "TCP" or n in self.giving_up:
            return

        async def give_up() -> None:
            try:
                await self.modem.clock.sleep(self.modem.profile.tcp_give_up)
                if self.links.get(n) is conn and conn.acked < conn.sent:
                    await self._lost(n)
            finally:
                self.giving_up.discard(n)

        self.giving_up.add(n)
        self.modem.spawn(give_up())

    async def close(self) -> None:
        for conn in self.links.values():
            await conn.close()
        self.links.clear()

    # -- data ------------------------------------------------------------
    def _receiver(self, n: int) -> Callable[[bytes], Awaitable[None]]:
        async def on_receive(data: bytes) -> None:
            conn = self.links.get(n)
            if self.rxget:
                buf = self.rx_buffers.setdefault(n, bytearray())
                was_empty = not buf
                buf += data
                if was_empty:
                    await self.modem.urc(f"+CIPRXGET: 1{',' + str(n) if self.mux else ''}")
                return
            if self.mux:
                where = f",{conn.remote_ip}:{conn.port}" if self.srip and conn else ""
                header = f"\r\n+RECEIVE,{n},{len(data)}{where}:\r\n".encode()
            else:
                header = b""
                if self.srip and conn:
                    header += f"\r\nRECV FROM:{conn.remote_ip}:{conn.port}\r\n".encode()
                if self.head:
                    header += f"\r\n+IPD,{len(data)}:".encode()
            await self.modem.send(header + data)

        return on_receive

    def _closer(self, n: int) -> Callable[[], Awaitable[None]]:
        async def on_remote_close() -> None:
            conn = self.links.get(n)
            if conn is not None:
                await conn.close()
                if self.mux:
                    del self.links[n]
                await self.modem.urc(f"{self.prefix(n)}CLOSED")

        return on_remote_close

    async def connect(self, n: int, proto: str, host: str, port: int) -> None:
        old = self.links.pop(n, None)
        if old is not None:
            await old.close()
        self.closed_by_host.discard(n)
        m = self.modem
        conn = Connection(
            n,
            proto,
            host,
            port,
            m.clock,
            lambda: m.network.conditions_for(n),
            self._receiver(n),
            self._closer(n),
        )
        self.links[n] = conn
        self.rx_buffers.pop(n, None)
        await m.clock.sleep(m.profile.cipstart)
        timeout = (
            m.profile.blackhole_timeout
            if m.network.conditions_for(n).blackhole
            else CONNECT_TIMEOUT
        )
        ok = await conn.open(timeout)
        if self.links.get(n) is not conn:
            return  # closed or shut while connecting
        if ok:
            await m.urc(f"{self.prefix(n)}CONNECT OK")
        else:
            if self.mux:
                del self.links[n]
            await m.urc(f"{self.prefix(n)}CONNECT FAIL")


def ip(m: Modem) -> IpStack:
    return IpStack.of(m)


@at_command("+CIPMUX")
async def cipmux(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.READ:
        await m.respond(f"+CIPMUX: {stack.mux}")
    elif cmd.kind is Kind.TEST:
        await m.respond("+CIPMUX: (0,1)")
    elif cmd.kind is Kind.SET:
        (value,) = nargs(cmd, 1)
        mux = int_arg(value, 0, 1)
        if stack.bearer != "IP INITIAL" or stack.links:
            raise CmeError(3)
        stack.mux = mux
    else:
        raise AtError()
    return None


@at_command("+CSTT")
async def cstt(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.READ:
        apn, user, pwd = stack.apn
        await m.respond(f'+CSTT: "{apn}","{user}","{pwd}"')
        return None
    if cmd.kind is Kind.TEST:
        await m.respond('+CSTT: "APN","USER","PWD"')
        return None
    if stack.bearer != "IP INITIAL":
        raise CmeError(3)
    if cmd.kind is Kind.SET:
        args = [*nargs(cmd, 1, 3), None, None]
        stack.apn = (str_arg(args[0], 50), str_arg(args[1], 50, ""), str_arg(args[2], 50, ""))
    stack.bearer = "IP START"
    return None


@at_command("+CIICR")
async def ciicr(m: Modem, cmd: Command) -> Final:
    only(cmd, Kind.EXEC)
    stack = ip(m)
    if stack.bearer != "IP START":
        raise CmeError(3)
    stack.bearer = "IP CONFIG"
    await m.clock.sleep(m.profile.ciicr)
    if stack.bearer != "IP CONFIG":  # shut or deactivated meanwhile
        raise AtError()
    if m.reg.gprs_stat != 1:
        stack.bearer = "PDP DEACT"
        raise AtError()
    stack.bearer = "IP GPRSACT"
    return None


@at_command("+CIFSR")
async def cifsr(m: Modem, cmd: Command) -> Final:
    only(cmd, Kind.EXEC)
    stack = ip(m)
    if stack.bearer not in PDP_UP:
        raise AtError()
    stack.bearer = "IP STATUS"
    await m.respond(m.network.local_ip)
    return NO_FINAL


@at_command("+CIPSTART")
async def cipstart(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.TEST:
        if stack.mux:
            await m.respond(
                '+CIPSTART: (0-5),("TCP","UDP"),("(0-255).(0-255).(0-255).(0-255)"),(1-65535)'
            )
        else:
            await m.respond(
                '+CIPSTART: ("TCP","UDP"),("(0-255).(0-255).(0-255).(0-255)"),(1-65535)'
            )
        return None
    only(cmd, Kind.SET)
    args = nargs(cmd, 4) if stack.mux else nargs(cmd, 3)
    n = stack.link_id(args[0]) if stack.mux else 0
    proto_s, host_s, port_s = args[-3:]
    proto = choice_arg(proto_s, {"TCP": "TCP", "UDP": "UDP"})
    host = str_arg(host_s, 255)
    port = int_arg(port_s, 1, 65535)
    if not host:
        raise CmeError(795)
    conn = stack.links.get(n)
    if conn is not None and conn.state in ("CONNECTED", "CONNECTING"):
        if stack.mux:
            await m.respond("OK")
            await m.urc(f"{n}, ALREADY CONNECT")
            return NO_FINAL
        await m.respond("ERROR")
        await m.urc("ALREADY CONNECT")
        return NO_FINAL
    if stack.mux and stack.bearer != "IP STATUS":
        raise AtError()
    if not stack.mux:
        if stack.bearer not in ("IP INITIAL", "IP STATUS"):
            raise AtError()
        if stack.bearer == "IP INITIAL":  # single mode brings the bearer up by itself
            if m.reg.gprs_stat != 1:
                await m.respond("OK")
                await m.urc(f"STATE: {stack.status()}", "", "CONNECT FAIL")
                return NO_FINAL
            stack.bearer = "IP STATUS"
    await m.respond("OK")
    m.spawn(stack.connect(n, proto, host, port))
    return NO_FINAL


@at_command("+CIPSEND")
async def cipsend(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.TEST:
        await m.respond(f"+CIPSEND: (0-5),({MAX_SEND})" if stack.mux else f"+CIPSEND: ({MAX_SEND})")
        return None
    if cmd.kind is Kind.READ:
        if stack.mux:
            await m.respond(
                *(f"+CIPSEND: {n},{MAX_SEND if n in stack.links else 0}" for n in LINKS)
            )
        else:
            await m.respond(f"+CIPSEND: {MAX_SEND}")
        return None
    if cmd.kind is Kind.SET:
        args = nargs(cmd, 1, 2) if stack.mux else nargs(cmd, 1)
        n = stack.link_id(args[0])
        len_arg = (args[1] if len(args) > 1 else None) if stack.mux else args[0]
        length = int_arg(len_arg, 1, MAX_SEND) if len_arg is not None else None
    elif cmd.kind is Kind.EXEC and not stack.mux:
        n, length = 0, None
    else:
        raise AtError()
    conn = stack.links.get(n)
    if conn is None or conn.state != "CONNECTED":
        raise AtError()
    await m.send(b"\r\n> ")
    data = await m.read_payload(length)
    if data is None:  # ESC: nothing is sent
        return None
    if length is None and len(data) > MAX_SEND:
        data = data[:MAX_SEND]
    if not data or stack.links.get(n) is not conn or conn.state != "CONNECTED":
        await m.respond(f"{stack.prefix(n)}SEND FAIL")
        return NO_FINAL
    done = await conn.send(data)
    if stack.qsend:
        await m.respond(f"DATA ACCEPT:{n},{len(data)}" if stack.mux else f"DATA ACCEPT:{len(data)}")
        return NO_FINAL
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(done), m.profile.blackhole_timeout)
    if done.done():
        await m.respond(f"{stack.prefix(n)}SEND OK")
    else:  # no acknowledgement: this send fails; TCP gives the link up later
        await m.respond(f"{stack.prefix(n)}SEND FAIL")
        stack.give_up_later(n, conn)
    return NO_FINAL


at_command("+CIPQSEND")(simple_setting("qsend", 0, 1, target=lambda m: ip(m)))


@at_command("+CIPCLOSE")
async def cipclose(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.TEST:
        return None
    if stack.mux:
        only(cmd, Kind.SET)
        args = nargs(cmd, 1, 2)
        n = stack.link_id(args[0])
        if len(args) > 1:
            int_arg(args[1], 0, 1)
    else:
        if cmd.kind is Kind.SET:
            int_arg(nargs(cmd, 1)[0], 0, 1)
        else:
            only(cmd, Kind.EXEC)
        n = 0
    conn = stack.links.get(n)
    if conn is None or conn.state not in ("CONNECTED", "CONNECTING"):
        raise AtError()
    await m.clock.sleep(m.profile.cipclose)
    await conn.close()
    del stack.links[n]
    if not stack.mux:
        stack.closed_by_host.add(n)
    return f"{stack.prefix(n)}CLOSE OK"


@at_command("+CIPSHUT")
async def cipshut(m: Modem, cmd: Command) -> Final:
    only(cmd, Kind.EXEC)
    stack = ip(m)
    await stack.close()
    stack.closed_by_host.clear()
    stack.rx_buffers.clear()
    stack.bearer = "IP INITIAL"
    await m.clock.sleep(m.profile.cipshut)
    return "SHUT OK"


_CLIENT_STATE = {"CONNECTING": "CONNECTING", "CONNECTED": "CONNECTED", "CLOSED": "CLOSED"}


@at_command("+CIPSTATUS")
async def cipstatus(m: Modem, cmd: Command) -> Final:
    stack = ip(m)
    if cmd.kind is Kind.SET:
        if not stack.mux:
            raise AtError()
        (value,) = nargs(cmd, 1)
        n = int_arg(value, 0, 5)
        conn = stack.links.get(n)
        if conn is None:
            await m.respond(f'+CIPSTATUS: {n},,"","","","INITIAL"')
        else:
            await m.respond(
                f'+CIPSTATUS: {n},0,"{conn.proto}","{conn.remote_ip}","{conn.port}",'
                f'"{_CLIENT_STATE[conn.state]}"'
            )
        return None
    only(cmd, Kind.EXEC)
    await m.respond("OK")
    await m.respond(f"STATE: {stack.status()}")
    if stack.mux:
        lines = []
        for n in LINKS:
            conn = stack.links.get(n)
            if conn is None:
                lines.append(f'C: {n},,"","","","INITIAL"')
            else:
                lines.append(
                    f'C: {n},0,"{conn.proto}","{conn.remote_ip}","{conn.port}",'
                    f'"{_CLIENT_STATE[conn.state]}"'
                )
        await m.respond(*lines)
    return NO_FINAL


at_command("+CIPHEAD")(simple_setting("head", 0, 1, target=lambda m: ip(m)))
at_command("+CIPSRIP")(simple_setting("srip", 0, 1, target=lambda m: ip(m)))


@at_command("+CIPRXGET")
async def ciprxget(m: Modem, cmd: Command) -> Final:
    """Manual data retrieval (SIM800 §8.2.22): modes 0/1 switch, 2 read, 3 read hex, 4 query."""
    stack = ip(m)
    if cmd.kind is Kind.READ:
        await m.respond(f"+CIPRXGET: {stack.rxget}")
        return None
    if cmd.kind is Kind.TEST:
        await m.respond(
            "+CIPRXGET: (0-4),(0-5),(1-1460)" if stack.mux else "+CIPRXGET: (0-4),(1-1460)"
        )
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if not args:
        raise CmeError(791)
    mode = int_arg(args[0], 0, 4)
    if mode in (0, 1):
        nargs(cmd, 1)
        stack.rxget = mode
        return None
    if not stack.rxget:
        raise CmeError(3)
    rest = args[1:]
    n = 0
    if stack.mux:
        if not rest:
            raise CmeError(791)
        n = int_arg(rest[0], 0, 5)
        rest = rest[1:]
    buf = stack.rx_buffers.setdefault(n, bytearray())
    link = f"{n}," if stack.mux else ""
    if mode == 4:
        if rest:
            raise CmeError(792)
        await m.respond(f"+CIPRXGET: 4,{link}{len(buf)}")
        return None
    if len(rest) != 1:
        raise CmeError(791 if not rest else 792)
    want = int_arg(rest[0], 1, 1460 if mode == 2 else 730)
    chunk = bytes(buf[:want])
    del buf[:want]
    body = chunk if mode == 2 else chunk.hex().upper().encode()
    await m.send(
        f"\r\n+CIPRXGET: {mode},{link}{len(chunk)},{len(buf)}\r\n".encode() + body + b"\r\n"
    )
    return None


@at_command("+CDNSGIP")
async def cdnsgip(m: Modem, cmd: Command) -> Final:
    only(cmd, Kind.SET)
    stack = ip(m)
    (value,) = nargs(cmd, 1)
    host = str_arg(value, 255)
    if stack.bearer not in PDP_UP:
        raise AtError()
    await m.respond("OK")

    async def resolve() -> None:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            await m.urc("+CDNSGIP: 0,8")
            return
        addrs = list(dict.fromkeys(info[4][0] for info in infos))[:2]
        await m.urc(f'+CDNSGIP: 1,"{host}",' + ",".join(f'"{a}"' for a in addrs))

    m.spawn(resolve())
    return NO_FINAL
