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

from dataclasses import Field, dataclass, field, fields
from typing import Any, ClassVar, Generic, TypeVar

from dtulab.platforms.board import Board


class Unsupported(Exception):
    """A capability this target does not have (the message says why)."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone
    ROBOT_SKIP_EXECUTION = True  # and skips the test: unsupported is not failed (nor passed)

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"unsupported on {target}: {reason}")
        self.target = target
        self.reason = reason


# The capabilities a target may have, each with what lacking it means (the "unsupported on
# <target>: <reason>" message).
CAPABILITIES = {
    "leds": "its LEDs cannot be observed",
    "power": "its supply cannot be switched",
    "rails": "its two inputs' voltages cannot be set (the supply is only switched on and off)",
    "eeprom": "its EEPROM writes cannot be seen, so no cut can be timed to one",
    "modem": "its cell network (faults, SMS centre) is not modelled",
    "sms": "no SMS reaches its SIM from the bench (no SMS centre or gateway)",
}


class TargetError(RuntimeError):
    """A target could not run its firmware (a tool missing, a build failed; the message says)."""


@dataclass(frozen=True)
class NoOptions:
    """The options of a target that has none."""


OptionsT = TypeVar("OptionsT")


def option(default: Any, help: str, metavar: str = "", path: bool = False) -> Any:
    """A target option a user sets: ``dtulab run --NAME`` and a bench file's ``NAME`` key are
    generated from it (``help`` and ``metavar`` for the CLI; a ``path`` is relative to the
    bench file it is in)."""
    return field(default=default, metadata={"help": help, "metavar": metavar, "path": path})


def user_options() -> dict[str, tuple[Field[Any], list[str]]]:
    """Every ``option(...)`` field of the registered targets, by name, with the targets that
    take it (two targets may share a field: the same name is the same setting)."""
    found: dict[str, tuple[Field[Any], list[str]]] = {}
    for name, cls in sorted(TARGETS.items()):
        for f in fields(cls.options_type):
            if "help" in f.metadata:
                found.setdefault(f.name, (f, []))[1].append(name)
    return found


class Target(Generic[OptionsT]):
    """One firmware on a ``Board``, configured by an ``options_type`` instance. Each field
    of the options is the bench setting of the same name (``WorldConfig``, a bench file's
    key), which the bench copies in."""

    name: ClassVar[str]
    options_type: ClassVar[type[Any]] = NoOptions
    capabilities: ClassVar[frozenset[str]] = frozenset()  # names in CAPABILITIES
    device_port: ClassVar[bool] = False  # the host opens the device's own port (rs232_port)

    def __init__(self, board: Board, options: OptionsT) -> None:
        self.board = board
        self.options = options
        self.console: list[str] = []  # the firmware's debug console, line by line (if it has one)

    def has(self, capability: str) -> bool:
        """Whether this target has ``capability`` (a name in ``CAPABILITIES``)."""
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        """``Unsupported`` (saying what lacking ``capability`` means) unless the target has it."""
        if not self.has(capability):
            raise Unsupported(self.name, CAPABILITIES[capability])

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

    async def sms_deliver(self, sender: str, text: str) -> None:
        """An SMS from ``sender`` to the DTU's SIM, through the target's own SMS gateway
        (a target on the bench's modelled network uses the bench's SMS centre instead)."""
        raise Unsupported(self.name, CAPABILITIES["sms"])

    async def sms_sent(self, number: str) -> list[str]:
        """The texts the DTU has sent to ``number``, as its SMS gateway received them."""
        raise Unsupported(self.name, CAPABILITIES["sms"])

    async def console_write(self, data: bytes) -> None:
        """Type on the firmware's debug console (``console`` has what it prints)."""
        raise Unsupported(self.name, "the firmware has no debug console")

    def status(self) -> str:
        """A few words on the firmware's state for ``dtulab run``'s status line."""
        return self.name

    async def monitor(self, line: str) -> str:
        """Run ``line`` in the emulator's own monitor (Renode's); what it printed. Call on
        the bench loop."""
        raise Unsupported(self.name, "it has no emulator monitor of its own")


TARGETS: dict[str, type[Target[Any]]] = {}

T = TypeVar("T", bound=type[Target[Any]])


def register(cls: T) -> T:
    TARGETS[cls.name] = cls
    return cls
