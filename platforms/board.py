"""The board a target runs on: the bench's side of the DTU's signals, and nothing else.

A target (base.py) is handed a ``Board`` and its own options; it never sees
the bench (dtulab/world.py) that built them. The board has what a DTU's
firmware is wired to: the RS232 port, the UART to the modem, the three LEDs,
the settings EEPROM, whether the supply is on, the modem's power key, and the
clock every delay goes through. All of it is peripherals/ models, so a target
can be built on memory links in a unit test (tests/test_emulator_on_memory_links.py).

Two other things are called "board": a *board file* (board_file.py,
``BoardFile``) says which pin of an emulated MCU is which of these signals;
the reference firmware's ``dtu.dtu.Board`` is the part of this board the
Python DTU drives (its HAL), which the reference target hands it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.eeprom import Eeprom
from dtulab.peripherals.leds import LedBank
from dtulab.peripherals.links import Link


class PowerState(Protocol):
    """Whether the board's supply is on (peripherals/power.py ``PowerSupply``); a target is
    told of each change by ``Target.power``, and may look at it any time."""

    @property
    def on(self) -> bool: ...


@dataclass(frozen=True)
class ModemPowerKey:
    """The modem's power as the DTU's board wires it: the GPIO on the SIM800's PWRKEY and
    the switch on its supply (the bench's modem model behind them)."""

    is_on: Callable[[], bool]
    press: Callable[[], Awaitable[None]]  # a press powers a modem that is off on
    switch_off: Callable[[], Awaitable[None]]  # its supply cut, no URC (AT+CISHUTDOWN)


@dataclass(frozen=True)
class Board:
    """What a target's firmware is wired to on the bench."""

    rs232: Link  # the DTU's RS232 port; the host is at the other end
    modem_uart: Link  # the DTU's UART to the modem; the modem model is at the other end
    leds: LedBank  # POW, NET, DATA
    eeprom: Eeprom  # the settings EEPROM (the truth an emulator's copy is mirrored into)
    power: PowerState  # the board's supply
    modem_power: ModemPowerKey
    clock: Clock
