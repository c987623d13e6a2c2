"""General commands: identity, echo, errors, power, clock, baud, profile.

SIM800 manual V1.10 §2 (V.25TER: ATE, ATI, ATZ, AT&W, AT&F, AT+IPR, ATS0) and
§3 (27.007: AT+CGMI/CGMM/CGMR/CGSN, AT+CIMI, AT+CPIN, AT+CFUN, AT+CMEE,
AT+CCLK, AT+CPOWD, AT+CCID).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import NOT_ALLOWED, AtError, CmeError
from dtulab.peripherals.gsm_modem.registry import (
    NO_FINAL,
    Final,
    Handler,
    at_command,
    int_arg,
    nargs,
    only,
    simple_setting,
)

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

IPR_RATES = (0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800)


@at_command("E")
async def echo(m: Modem, cmd: Command) -> Final:
    m.settings.echo = int_arg(cmd.raw or "0", 0, 1) == 1
    return None


@at_command("I")
async def product(m: Modem, cmd: Command) -> Final:
    int_arg(cmd.raw or "0", 0, 0)
    await m.respond(m.identity.product)
    return None


def _identity_field(field_name: str) -> Handler:
    async def handler(m: Modem, cmd: Command) -> Final:
        if cmd.kind is Kind.TEST:
            return None
        only(cmd, Kind.EXEC)
        if field_name in ("imsi", "iccid") and not m.identity.sim_inserted:
            raise CmeError(10)
        await m.respond(getattr(m.identity, field_name))
        return None

    return handler


at_command("+CGMI", "+GMI")(_identity_field("manufacturer"))
at_command("+CGMM", "+GMM")(_identity_field("model"))
at_command("+CGMR", "+GMR")(_identity_field("revision"))
at_command("+CGSN", "+GSN")(_identity_field("imei"))
at_command("+CIMI")(_identity_field("imsi"))
at_command("+CCID")(_identity_field("iccid"))


@at_command("+CPIN")
async def cpin(m: Modem, cmd: Command) -> Final:
    if not m.identity.sim_inserted:
        raise CmeError(10)
    if cmd.kind is Kind.READ:
        await m.respond("+CPIN: READY")
    elif cmd.kind is Kind.SET:
        nargs(cmd, 1, 2)
        raise CmeError(NOT_ALLOWED)  # no PIN is pending on the modelled SIM
    elif cmd.kind is not Kind.TEST:
        raise AtError()
    return None


at_command("+CMEE")(simple_setting("cmee", 0, 2))


@at_command("+CFUN")
async def cfun(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.READ:
        await m.respond(f"+CFUN: {m.power.fun}")
        return None
    if cmd.kind is Kind.TEST:
        await m.respond("+CFUN: (0,1,4),(0,1)")
        return None
    only(cmd, Kind.SET)
    args = nargs(cmd, 1, 2)
    fun = int_arg(args[0], 0, 4)
    if fun not in (0, 1, 4):
        raise CmeError(793)
    rst = int_arg(args[1], 0, 1, default=0) if len(args) > 1 else 0
    if rst:
        await m.respond("OK")
        m.spawn(m.reboot())
        return NO_FINAL
    if fun != m.power.fun:
        m.power.fun = fun
        if fun == 1:
            await m.urc("+CPIN: READY")
        m.update_registration()
    return None


@at_command("+IPR")
async def ipr(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.READ:
        await m.respond(f"+IPR: {m.settings.ipr}")
    elif cmd.kind is Kind.TEST:
        await m.respond("+IPR: (),(" + ",".join(str(r) for r in IPR_RATES) + ")")
    elif cmd.kind is Kind.SET:
        (value,) = nargs(cmd, 1)
        rate = int_arg(value, 0, 460800)
        if rate not in IPR_RATES:
            raise CmeError(793)
        m.settings.ipr = rate  # the baud rate itself is not modelled on links
    else:
        raise AtError()
    return None


@at_command("&W")
async def save(m: Modem, cmd: Command) -> Final:
    int_arg(cmd.raw or "0", 0, 0)
    m.save_profile()
    return None


@at_command("Z")
async def restore(m: Modem, cmd: Command) -> Final:
    int_arg(cmd.raw or "0", 0, 0)
    m.restore_profile()
    return None


@at_command("&F")
async def factory(m: Modem, cmd: Command) -> Final:
    int_arg(cmd.raw or "0", 0, 0)
    m.nvram = {}
    m.restore_profile()
    return None


@at_command("+CPOWD")
async def cpowd(m: Modem, cmd: Command) -> Final:
    only(cmd, Kind.SET)
    (value,) = nargs(cmd, 1)
    mode = int_arg(value, 0, 1)
    m.spawn(m.power_off("NORMAL POWER DOWN" if mode == 1 else None))
    return NO_FINAL  # SIM800: no OK, only the URC in normal mode


_CCLK = re.compile(r"^(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d)$")


def clock_offset(m: Modem) -> tuple[timedelta, int]:
    """(offset of the module's RTC from host UTC, time zone in quarter hours)."""
    offset: tuple[timedelta, int] = m.extra.setdefault("cclk", (timedelta(0), 0))
    return offset


@at_command("+CCLK")
async def cclk(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.READ:
        offset, tz = clock_offset(m)
        local = datetime.now(UTC) + offset + timedelta(minutes=15 * tz)
        await m.respond(f'+CCLK: "{local:%y/%m/%d,%H:%M:%S}{tz:+03d}"')
        return None
    if cmd.kind is Kind.TEST:
        return None
    only(cmd, Kind.SET)
    (value,) = nargs(cmd, 1)
    match = _CCLK.match(value or "")
    if not match or not cmd.quoted(0):
        raise CmeError(795)
    yy, mo, dd, hh, mi, ss = (int(g) for g in match.groups()[:6])
    tz = int(match.group(7))
    if not -47 <= tz <= 48:
        raise CmeError(793)
    try:
        local = datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=UTC)
    except ValueError:
        raise CmeError(793) from None
    utc = local - timedelta(minutes=15 * tz)
    m.extra["cclk"] = (utc - datetime.now(UTC), tz)
    return None


@at_command("S0")
async def s0(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.READ:
        await m.respond(f"{m.settings.s0:03d}")
    elif cmd.kind is Kind.SET:
        m.settings.s0 = int_arg(cmd.raw, 0, 255)
    else:
        raise AtError()
    return None
