"""What every target is: firmware on the board, switched only by the power rails.

A target runs one DTU firmware (the Python reference, an ELF under QEMU or
Renode, a real device) wired to a ``Board`` (board.py: the RS232 link, the
modem UART, the LEDs, the EEPROM, the supply, the modem's power key, the
clock), configured by its own options (a small dataclass, ``options_type``).
The bench (dtulab/world.py) builds both and calls ``TARGETS[name](board,
options)``; a target sees nothing else of it. A target declares its
capabilities; asking a target for one it lacks raises ``Unsupported`` with
the reason, which reports show as "unsupported on <target>". Targets register
by name in ``TARGETS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from dtulab.platforms.board import Board


class Unsupported(Exception):
    """A capability this target does not have (the message says why)."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"unsupported on {target}: {reason}")
        self.target = target
        self.reason = reason


class TargetError(RuntimeError):
    """A target could not run its firmware (a tool missing, a build failed; the message says)."""


@dataclass(frozen=True)
class NoOptions:
    """The options of a target that has none."""


OptionsT = TypeVar("OptionsT")


class Target(Generic[OptionsT]):
    """One firmware on a ``Board``, configured by an ``options_type`` instance. Each field
    of the options is the bench setting of the same name (``WorldConfig``, a bench file's
    key), which the bench copies in."""

    name: ClassVar[str]
    options_type: ClassVar[type[Any]] = NoOptions
    capabilities: ClassVar[frozenset[str]] = frozenset()  # "leds", "power", "eeprom", "modem"
    device_port: ClassVar[bool] = False  # the host opens the device's own port (rs232_port)

    def __init__(self, board: Board, options: OptionsT) -> None:
        self.board = board
        self.options = options
        self.console: list[str] = []  # the firmware's debug console, line by line (if it has one)

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

    async def console_write(self, data: bytes) -> None:
        """Type on the firmware's debug console (``console`` has what it prints)."""
        raise Unsupported(self.name, "the firmware has no debug console")

    def status(self) -> str:
        """A few words on the firmware's state for ``dtulab run``'s status line."""
        return self.name


TARGETS: dict[str, type[Target[Any]]] = {}

T = TypeVar("T", bound=type[Target[Any]])


def register(cls: T) -> T:
    TARGETS[cls.name] = cls
    return cls
