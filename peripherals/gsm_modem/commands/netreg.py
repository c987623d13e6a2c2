"""Network service commands: signal, registration, operator, GPRS attach.

SIM800 manual V1.10 §3.2 (AT+CSQ, AT+CREG, AT+COPS) and §7 (AT+CGATT,
AT+CGREG); 3GPP TS 27.007 §7.2, §7.3, §8.5, §10.1.9, §10.1.19.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import AtError, CmeError
from dtulab.peripherals.gsm_modem.registry import Final, Handler, at_command, int_arg, nargs, only

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem


@at_command("+CSQ")
async def csq(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        await m.respond("+CSQ: (0-31,99),(0-7,99)")
        return None
    only(cmd, Kind.EXEC)
    if m.radio_on and m.network.coverage:
        await m.respond(f"+CSQ: {m.network.rssi},{m.network.ber}")
    else:
        await m.respond("+CSQ: 99,99")
    return None


def _registration(attr_n: str, stat_attr: str, name: str) -> Handler:
    async def handler(m: Modem, cmd: Command) -> Final:
        if cmd.kind is Kind.READ:
            n, stat = getattr(m.settings, attr_n), getattr(m.reg, stat_attr)
            text = f"{name}: {n},{stat}"
            if n == 2 and stat in (1, 5):
                text += f',"{m.network.lac:04X}","{m.network.cell_id:04X}"'
            await m.respond(text)
        elif cmd.kind is Kind.TEST:
            await m.respond(f"{name}: (0-2)")
        elif cmd.kind is Kind.SET:
            (value,) = nargs(cmd, 1)
            setattr(m.settings, attr_n, int_arg(value, 0, 2))
        else:
            raise AtError()
        return None

    return handler


at_command("+CREG")(_registration("creg_n", "stat", "+CREG"))
at_command("+CGREG")(_registration("cgreg_n", "gprs_stat", "+CGREG"))


@at_command("+COPS")
async def cops(m: Modem, cmd: Command) -> Final:
    op = m.network.operator
    if cmd.kind is Kind.READ:
        if m.reg.stat in (1, 5):
            await m.respond(f'+COPS: 0,0,"{op.long_name}"')
        else:
            await m.respond("+COPS: 0")
    elif cmd.kind is Kind.TEST:
        if not (m.radio_on and m.network.coverage):
            await m.respond("+COPS: ,,(0-4),(0-2)")
        else:
            await m.respond(
                f'+COPS: (2,"{op.long_name}","{op.short_name}","{op.numeric}"),,(0-4),(0-2)'
            )
    elif cmd.kind is Kind.SET:
        args = nargs(cmd, 1, 3)
        mode = int_arg(args[0], 0, 4)
        if mode == 1 and (
            len(args) < 3 or args[2] not in (op.long_name, op.short_name, op.numeric)
        ):
            raise CmeError(30)
    else:
        raise AtError()
    return None


@at_command("+CGATT")
async def cgatt(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.READ:
        await m.respond(f"+CGATT: {1 if m.reg.gprs_stat == 1 else 0}")
        return None
    if cmd.kind is Kind.TEST:
        await m.respond("+CGATT: (0,1)")
        return None
    only(cmd, Kind.SET)
    (value,) = nargs(cmd, 1)
    state = int_arg(value, 0, 1)
    m.reg.gprs_wanted = state == 1
    if state == 0:
        m.set_gprs(False)
        return None
    if m.reg.gprs_stat == 1:
        return None
    await m.clock.sleep(m.profile.gprs_attach)
    if m.reg.stat in (1, 5) and m.network.gprs_service:
        m.set_gprs(True)
        return None
    raise CmeError(148)
