"""The reference target: the Python DTU (dtu/) running on the modelled board.

Power on starts ``Dtu.run()`` (a cold boot: settings from the EEPROM, RAM
empty); a restart the DTU asks for (AT+CIRESET, AT+CIRELOAD, repeated
failures) is a new ``Dtu`` on the same board that keeps what RAM keeps over a
reset, the socket buffers (``Dtu.kept``); AT+CISHUTDOWN leaves the board
idle until the power comes back. Power off cancels the firmware at once —
mid-command, mid-EEPROM-write — and turns the LEDs off. While the firmware
is not running, bytes arriving on its links are lost, as on a real UART.
It speaks the bench's ``dialect`` (usr721, or usr-sock to stand in for a DTU of USR's
newer family: dtu/families.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from dtulab.dtu import dtu
from dtulab.dtu.families import family
from dtulab.dtu.sockets import Cache
from dtulab.peripherals.links import Link
from dtulab.peripherals.loop_thread import cancel_and_wait
from dtulab.platforms.base import Target, TargetError, register
from dtulab.platforms.board import Board

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReferenceOptions:
    timing: str = "fast"  # the DTU's own delays: a profile of ``dtu.dtu.TIMINGS``
    dialect: str = "usr721"  # the AT dialect it speaks: a family of ``dtu.families``


@register
class ReferenceTarget(Target[ReferenceOptions]):
    name = "reference"
    options_type = ReferenceOptions
    capabilities = frozenset({"leds", "power", "rails", "eeprom", "modem", "sms"})

    def __init__(self, board: Board, options: ReferenceOptions) -> None:
        super().__init__(board, options)
        try:
            self.family = family(options.dialect)
        except ValueError as exc:
            raise TargetError(str(exc)) from None
        self.dtu: dtu.Dtu | None = None
        self.boots = 0
        self._main: asyncio.Task[None] | None = None
        self._drains: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._drain()

    def _drain(self) -> None:
        async def discard(link: Link) -> None:
            while await link.read():
                pass

        b = self.board
        self._drains = [asyncio.ensure_future(discard(x)) for x in (b.rs232, b.modem_uart)]

    async def _undrain(self) -> None:
        await cancel_and_wait(*self._drains)
        self._drains = []

    async def power(self, on: bool, volts: float) -> None:
        if on:
            if self._main is not None and not self._main.done():
                return
            await self._undrain()
            self._main = asyncio.ensure_future(self._firmware())
            await asyncio.sleep(0)  # the firmware's first step: it has booted when we return
            return
        await cancel_and_wait(self._main)
        self._main = None
        self.dtu = None
        self.board.leds.all_off()
        if not self._drains:
            self._drain()

    async def _firmware(self) -> None:
        b = self.board
        hal = dtu.Board(  # the part of the board the Python firmware drives
            rs232=b.rs232,
            modem=b.modem_uart,
            leds=b.leds,
            eeprom=b.eeprom,
            clock=b.clock,
            modem_pwrkey=b.modem_power.press,
        )
        timing = dtu.TIMINGS[self.options.timing]
        kept: list[Cache | None] = []  # RAM a restart keeps: the socket buffers
        while True:
            self.boots += 1
            self.dtu = dtu.Dtu(hal, timing, kept, self.family)
            how = await self.dtu.run()
            log.info("reference DTU: %s", how)
            kept = self.dtu.kept()
            if how == "shutdown":
                self.dtu = None
                b.leds.all_off()
                b.leds["POW"].set(True)
                await b.modem_power.switch_off()
                self._drain()
                return

    def status(self) -> str:
        if self.dtu is None:
            return "DTU off"
        label = {"CLOSED": "--", "CONNECTING": "..", "CONNECTED": "up"}
        return " ".join(f"S{s.index + 1}:{label[s.state]}" for s in self.dtu.sockets)

    async def stop(self) -> None:
        await self.power(False, 0.0)
        await self._undrain()
