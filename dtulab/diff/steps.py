"""What a user can do to a DTU, as steps of a differential scenario (``dtulab diff``).

Each step is one action at the level a pile, a data centre or the network acts
on a DTU (docs/behaviour.md): bytes on the RS232 port in transparent mode, a
command line in command mode, the ``+++`` escape (manual 3.1.1) and AT+ENTM,
data from the data centre, an SMS in, a power cycle. A step runs on a
``DiffBench`` (runner.py) and returns its outcome in a word or two ("OK",
"ERROR", "no reply", "escape refused"), which is compared like everything the
DTU does. Its ``repr`` is the Python that builds it again, so a scenario is
written into a reproducer as it is (reproduce.py).

Steps register by name in ``STEPS``; the grammar (grammar.py) draws them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from dtulab.console import FINAL, ExpectTimeout

if TYPE_CHECKING:
    from dtulab.diff.runner import DiffBench

REPLY_TIMEOUT = 5.0  # a command's final result code, on a loaded machine
DATA_TIMEOUT = 5.0  # bytes to arrive where they are going
BACK_TIMEOUT = 20.0  # the DTU back on its data centre after a break (reconnect back-off)

STEPS: dict[str, type[Step]] = {}


class Step(ABC):
    """One action; ``run`` does it on a bench and says how it went."""

    name: ClassVar[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        STEPS[cls.name] = cls

    @abstractmethod
    def run(self, bench: DiffBench) -> str:
        """Do it; the outcome (compared between targets)."""


@dataclass(frozen=True)
class Command(Step):
    """A command line typed in command mode (CR-terminated), up to its final result code."""

    name = "command"
    line: str

    def run(self, bench: DiffBench) -> str:
        host = bench.host
        host.write(self.line.encode("latin-1") + b"\r")
        try:
            return host.expect(FINAL, REPLY_TIMEOUT).group(1).decode("latin-1")
        except ExpectTimeout:
            return "no reply"


@dataclass(frozen=True)
class Escape(Step):
    """The escape into command mode: silence, ``+++``, ``a``, ``a``, ``+ok`` (3.1.1)."""

    name = "escape"

    def run(self, bench: DiffBench) -> str:
        try:
            bench.host.enter_command_mode(REPLY_TIMEOUT)
        except ExpectTimeout:
            return "escape refused"
        return "+ok"


@dataclass(frozen=True)
class Data(Step):
    """Bytes from the pile in transparent mode; waits until the data centre has as many more
    (or the wait runs out: the outcome says how many arrived)."""

    name = "data"
    data: bytes

    def run(self, bench: DiffBench) -> str:
        before = bench.received()
        bench.host.write(self.data)
        bench.wait(lambda: bench.received() - before >= len(self.data), DATA_TIMEOUT)
        return arrived(bench.received() - before, len(self.data), "dc1")


def arrived(count: int, sent: int, where: str) -> str:
    """A step's outcome for bytes on their way: all of them (or more: what was held for the
    pile, say, comes out whenever the DTU releases it), or how many of them."""
    return f"all to {where}" if count >= sent else f"{count} of {sent} to {where}"


@dataclass(frozen=True)
class ServerSend(Step):
    """Bytes from the data centre down the DTU's socket; waits until the pile has as many
    more on RS232 (or the wait runs out)."""

    name = "server-send"
    data: bytes

    def run(self, bench: DiffBench) -> str:
        before = bench.output()
        try:
            bench.world.server_send(self.data)
        except (ConnectionError, RuntimeError, AssertionError) as exc:
            return f"not sent: {type(exc).__name__}"
        bench.wait(lambda: bench.output() - before >= len(self.data), DATA_TIMEOUT)
        return arrived(bench.output() - before, len(self.data), "the pile")


@dataclass(frozen=True)
class SmsIn(Step):
    """An SMS to the DTU from the number it is configured with (a remote AT command when
    it starts with the password); waits for what it causes to settle."""

    name = "sms"
    text: str

    def run(self, bench: DiffBench) -> str:
        sent = len(bench.sms())
        bench.world.deliver_sms(bench.sms_peer, self.text)
        bench.quiet()
        return f"{len(bench.sms()) - sent} SMS out"


@dataclass(frozen=True)
class ServerClose(Step):
    """The data centre closes the DTU's connection; waits until the DTU connects again
    (R-NET-3: it reconnects on its own)."""

    name = "server-close"

    def run(self, bench: DiffBench) -> str:
        world = bench.world
        server = world.server("dc1")
        count = world.call(lambda: len(server.connections))
        if world.call(lambda: all(c.closed is not None for c in server.connections)):
            return "no connection"
        world.run(server.disconnect())
        back = bench.wait(lambda: len(server.connections) > count, BACK_TIMEOUT)
        bench.quiet()
        return "back" if back else "not back"


@dataclass(frozen=True)
class Outage(Step):
    """The DTU loses coverage; once it knows (NET off) the pile sends ``data``; coverage
    returns, and the step waits until the data centre has it all (R-NET-2: data is kept
    while the link is down and sent when it is back)."""

    name = "outage"
    data: bytes

    def run(self, bench: DiffBench) -> str:
        world, net = bench.world, bench.world.leds["NET"]
        before = bench.received()
        fault = world.drop_network()
        noticed = bench.wait(lambda: not net.on, BACK_TIMEOUT)
        taken = world.call(world.rs232_taken) + len(self.data)
        bench.host.write(self.data)
        world.wait_rs232_taken(taken, DATA_TIMEOUT)
        world.clear(fault)
        bench.wait(lambda: bench.received() - before >= len(self.data), BACK_TIMEOUT)
        bench.quiet()
        count = bench.received() - before
        return ("" if noticed else "NET stayed on; ") + arrived(count, len(self.data), "dc1")


@dataclass(frozen=True)
class CutSave(Step):
    """In command mode: ``ATW`` with the power cut at its ``write``-th EEPROM write (before
    it, or torn after ``keep`` bytes), then power back; the DTU must come back with the old
    settings or the new ones, whole (R-PWR-1, R-AT-7). Ends in transparent mode."""

    name = "cut-save"
    write: int
    keep: int | None = None

    def run(self, bench: DiffBench) -> str:
        world = bench.world
        trigger = world.cut_power_at_eeprom_write(self.write, self.keep)
        before = bench.output()
        bench.host.write(b"ATW\r")
        echoed = len(b"ATW\r\r\nOK\r\n")  # the echo and the OK of a save that finished
        bench.wait(lambda: not world.power.on or bench.output() - before >= echoed, REPLY_TIMEOUT)
        world.settle_storage()
        cut = not world.power.on
        if cut:  # an emulator's cut lands a moment after the write: the OK may be out or not
            bench.unsure_output(before + len(b"ATW\r"), bench.output())
        world.call(lambda: world.power.disarm(trigger))  # a save of fewer writes finished
        return ("cut, " if cut else "saved, ") + bench.power_cycle()


@dataclass(frozen=True)
class PowerCycle(Step):
    """Power off, power on, and wait until the DTU is back on its data centre."""

    name = "power-cycle"

    def run(self, bench: DiffBench) -> str:
        return bench.power_cycle()
