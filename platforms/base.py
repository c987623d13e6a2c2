"""What every target is: firmware on the board, switched only by the power rails.

A target runs one DTU firmware (the Python reference, an ELF under QEMU or
Renode, a real device) and exposes the board's signals through the bench
(dtulab/world.py): the RS232 link, the modem UART, the LEDs, the power
inputs and the EEPROM. It declares its capabilities; asking a target for one
it lacks raises ``Unsupported`` with the reason, which reports show as
"unsupported on <target>". Targets register by name in ``TARGETS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from dtulab.world import World


class Unsupported(Exception):
    """A capability this target does not have (the message says why)."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"unsupported on {target}: {reason}")
        self.target = target
        self.reason = reason


class TargetError(RuntimeError):
    """A target could not run its firmware (a tool missing, a build failed; the message says)."""


class Target:
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset()  # "leds", "power", "eeprom", "modem"
    device_port: ClassVar[bool] = False  # the host opens the device's own port (config.port)

    def __init__(self, world: World) -> None:
        self.world = world

    def require(self, capability: str, reason: str) -> None:
        if capability not in self.capabilities:
            raise Unsupported(self.name, reason)

    async def start(self) -> None:
        """Called once on the bench loop before the first power-on."""

    async def power(self, on: bool, volts: float) -> None:
        """The board's supply went on (cold boot) or off (RAM lost); ``volts`` is the board
        voltage at that moment (off above 0 V is a brown-out, which a target may model as
        the MCU held in reset)."""
        raise NotImplementedError

    async def stop(self) -> None:
        """The bench is shutting down."""

    def storage_settled(self) -> bool:
        """True once every EEPROM write the firmware made has reached the bench's EEPROM
        model (an emulator reports them a moment after the firmware went on); call on the
        bench loop."""
        return True

    def rs232_backlog(self) -> int:
        """Bytes the bench has taken from the RS232 link that the firmware's UART has not
        taken yet (an emulator's socket still holds them); 0 when the firmware reads the link
        itself. Call on the bench loop."""
        return 0

    @property
    def rs232_port(self) -> str:
        """A port the host opens itself (a real device's), or "" for the bench's RS232 link."""
        return ""

    def status(self) -> str:
        """A few words on the firmware's state for ``dtulab run``'s status line."""
        return self.name


TARGETS: dict[str, type[Target]] = {}


def register(cls: type[Target]) -> type[Target]:
    TARGETS[cls.name] = cls
    return cls


def target_names() -> list[str]:
    return sorted(TARGETS)


Factory = Callable[["World"], Target]
