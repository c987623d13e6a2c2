"""The serial target: a real DTU on a serial port (pyserial URL), as a test lab has it.

The bench talks to the device only over its RS232 port (the option ``port``,
any pyserial URL: ``/dev/ttyUSB0``, ``socket://127.0.0.1:5000``, a pty path),
which the host opens itself (``rs232_port``) at the bench's baud rate; the
board's links stay unused. The data-centre servers are still the bench's
servers, which the device reaches through its own modem and network (on
loopback, or the bench's bind and advertised addresses); network faults act
at their end (dtulab/netfaults.py). Nothing else of the board can be seen or
switched, so keywords that need LEDs, power or the modelled network are
unsupported here, each with its reason. In CI the "device" is the reference DTU exposed on a pty
by ``dtulab run``, so this path is exercised for real.
"""

from __future__ import annotations

from dataclasses import dataclass

from dtulab.platforms.base import Target, option, register
from dtulab.platforms.board import Board


@dataclass(frozen=True)
class SerialOptions:
    port: str = option("", "the device's RS232 port: a device path or pyserial URL", "DEV")
    baud: int = option(115200, "the device's baud rate (default 115200)", "N")


@register
class SerialTarget(Target[SerialOptions]):
    name = "serial"
    options_type = SerialOptions
    capabilities = frozenset()  # the RS232 port only
    device_port = True

    def __init__(self, board: Board, options: SerialOptions) -> None:
        super().__init__(board, options)
        if not options.port:
            raise ValueError("the serial target needs a port (--port DEV: a pyserial URL)")
        if options.baud <= 0:
            raise ValueError(f"the baud rate must be positive, not {options.baud}")

    @property
    def rs232_port(self) -> str:
        return self.options.port

    async def power(self, on: bool, volts: float) -> None:
        """A real device is powered by the lab, not by the bench."""
