"""Voice calls, just enough for a DTU: ATD<n>;, ATDL, ATA, ATH, ATS0, AT+CLIP, AT+CRC, RING,
NO CARRIER.

SIM800 manual V1.10 §2.2.3 (ATD), §2.2.4 (ATDL), §2.2.2 (ATA), §2.2.8 (ATH),
§2.2.17 (ATS0), §3.2.21 (AT+CLIP), §3.2.16 (AT+CRC: with 1 an incoming call is
announced ``+CRING: VOICE`` instead of ``RING``; python-gsmmodem sets it on
connect); 3GPP TS 27.007 §7.6, §6.11. Data calls (ATD
without ``;``) are not supported by the model and end in ``NO CARRIER``, as
a module without CSD service does.

The far end is the network model: an outgoing call is answered at once and
lasts until ATH or ``VoiceCall.remote_hangup()``; an incoming call
(``VoiceCall.incoming(number)``) rings every ``profile.ring_period`` with RING
(and +CLIP when enabled) until answered (ATA or ATS0 auto-answer), rejected
(ATH) or given up by the caller after ``MAX_RINGS``.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import AtError
from dtulab.peripherals.gsm_modem.part import ModemPart
from dtulab.peripherals.gsm_modem.registry import Final, at_command, int_arg, simple_setting

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

MAX_RINGS = 10
_DIAL = re.compile(r"^[0-9+*#ABCabc,TPtpWw!@]{1,40}$")


class VoiceCall(ModemPart):
    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.state = "idle"  # idle, active, ringing
        self.mobile_terminated = False  # the call came in (27.007 <dir> 1)
        self.number = ""
        self.last_dialled = ""
        self.clip = 0
        self.crc = 0  # AT+CRC: 1 = the extended ring indication +CRING: <type>
        self.rings = 0
        self._ringer: asyncio.Task[None] | None = None

    async def incoming(self, number: str) -> None:
        """A call arrives from ``number``."""
        if self.state != "idle" or self.modem.reg.stat not in (1, 5):
            return  # busy or unreachable: the caller hears it, the DTU sees nothing
        self.state, self.number, self.rings = "ringing", number, 0
        self.mobile_terminated = True
        self._ringer = self.modem.spawn(self._ring())

    async def _ring(self) -> None:
        while self.state == "ringing":
            if self.rings >= MAX_RINGS:
                self.state = "idle"
                await self.modem.urc("NO CARRIER")
                return
            self.rings += 1
            await self.modem.urc("+CRING: VOICE" if self.crc else "RING")
            if self.clip:
                kind = 145 if self.number.startswith("+") else 129
                await self.modem.urc(f'+CLIP: "{self.number}",{kind},"",0,"",0')
            s0 = self.modem.settings.s0
            if s0 and self.rings >= s0:
                self.state = "active"
                return
            await self.modem.clock.sleep(self.modem.profile.ring_period)

    async def remote_hangup(self) -> None:
        """The far end hangs up (or the caller gives up while ringing)."""
        if self.state != "idle":
            self._stop_ringer()
            self.state = "idle"
            await self.modem.urc("NO CARRIER")

    def _stop_ringer(self) -> None:
        if self._ringer is not None and self._ringer is not asyncio.current_task():
            self._ringer.cancel()
        self._ringer = None

    async def on_network(self, event: str) -> None:
        if event == "deregistered" and self.state != "idle":
            await self.remote_hangup()

    async def dial(self, number: str) -> Final:
        if not number or not _DIAL.match(number):
            raise AtError()
        self.last_dialled = number
        if self.state != "idle" or self.modem.reg.stat not in (1, 5):
            return "NO CARRIER"
        self.state, self.number, self.mobile_terminated = "active", number, False
        return None


def voice(m: Modem) -> VoiceCall:
    return VoiceCall.of(m)


@at_command("D")
async def dial(m: Modem, cmd: Command) -> Final:
    text = cmd.raw.replace(" ", "")
    if text[:1] in ("L", "l"):  # ATDL: redial the last number
        call = voice(m)
        if not call.last_dialled:
            raise AtError()
        await m.respond(call.last_dialled)
        text = text[1:] or ";"
        number = call.last_dialled
    else:
        number = text.rstrip(";")
    if not text.endswith(";"):
        return "NO CARRIER"  # data call: no CSD service in the model
    return await voice(m).dial(number)


@at_command("A")
async def answer(m: Modem, cmd: Command) -> Final:
    call = voice(m)
    if call.state != "ringing":
        return "NO CARRIER"
    call._stop_ringer()
    call.state = "active"
    return None


@at_command("H")
async def hangup(m: Modem, cmd: Command) -> Final:
    int_arg(cmd.raw or "0", 0, 0)
    call = voice(m)
    call._stop_ringer()
    call.state = "idle"
    return None


at_command("+CLIP")(simple_setting("clip", 0, 1, target=voice))
at_command("+CRC")(simple_setting("crc", 0, 1, target=voice))


@at_command("+CLCC")
async def clcc(m: Modem, cmd: Command) -> Final:
    """List current calls (27.007 §7.18): ``+CLCC: 1,<dir>,<stat>,0,0,"<n>",<type>``."""
    if cmd.kind is Kind.TEST:
        return None
    if cmd.kind is not Kind.EXEC:
        raise AtError()
    call = voice(m)
    if call.state != "idle":
        stat = 0 if call.state == "active" else 4
        kind = 145 if call.number.startswith("+") else 129
        await m.respond(f'+CLCC: 1,{int(call.mobile_terminated)},{stat},0,0,"{call.number}",{kind}')
    return None
