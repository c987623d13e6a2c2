"""What the emulator targets (qemu, renode) share: a firmware image on the emulated board.

An emulator runs the MCU; this base class wires it to the target's
``Board`` (board.py) exactly as the board file says (board_file.py). Each run of the emulator is a
``Machine``: its UARTs as byte streams, and the board's signals arriving as
events — a write to the SCC CFG1 register (the LEDs and the modem's PWRKEY),
an SCC reset, one EEPROM write transaction. The LED model follows CFG1; a
PWRKEY press powers the modem on (``Board.modem_power``), as the reference's
``dtu.dtu.Board.modem_pwrkey`` does; every EEPROM transaction is applied to the
board's EEPROM model, which is the truth: the next power-on hands the
emulator a copy of it, so a cut armed on an EEPROM write is exact even though
the emulator had stored the write already (docs/targets.md).

Power: a cut ends the emulator (RAM lost); power back starts a new run on the
model's image; a brown-out (supply low but not gone) holds the MCU in reset
and power returning releases the reset pin. While the MCU is off, bytes on
its links are dropped, as on a real UART.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import ctypes
import fcntl
import logging
import os
import shutil
import signal
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dtulab.peripherals.eeprom import PowerLost
from dtulab.peripherals.leds import TargetTime
from dtulab.peripherals.links import Link
from dtulab.peripherals.loop_thread import cancel_and_wait
from dtulab.platforms.base import Target, TargetError, Unsupported, option
from dtulab.platforms.board import Board
from dtulab.platforms.board_file import MPS2, BoardFile, load_board
from dtulab.platforms.firmware import project_firmware, user_firmware

log = logging.getLogger(__name__)
SCC_CFG1 = 0x4

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass(frozen=True)
class SccWrite:
    """The firmware wrote an SCC register (offset 4: CFG1, the LEDs and PWRKEY); ``at``: when,
    on the host's wall clock (``time.time()``), where the emulator's output says;
    ``virtual``: when, in seconds of the emulator's own clock (Renode's virtual time)."""

    offset: int
    value: int
    at: float | None = None
    virtual: float | None = None


@dataclass(frozen=True)
class SccReset:
    pass


@dataclass(frozen=True)
class EepromWrite:
    """One complete I2C write transaction: device, 2-byte address, data."""

    device: int
    addr: int
    data: bytes


@dataclass(frozen=True)
class Message:
    """Anything else the emulator said (logged)."""

    text: str


Event = SccWrite | SccReset | EepromWrite | Message
EventSink = Callable[[Event], None]


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """In the child: SIGKILL when the bench's loop thread goes, even if the bench is killed."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Control(Protocol):
    """An emulator's control channel: QEMU's QMP, Renode's monitor."""

    async def execute(self, command: str) -> object: ...

    async def close(self) -> None: ...


class EmulatorProcess:
    """One run of an emulator with the firmware loaded (the ``Machine`` of this module's
    docstring): it runs in its own session (Ctrl-C is for the bench, which ends it), dies
    with the bench, and a cut ends it at once. Each emulator says how it starts."""

    HOLD: tuple[str, ...] = ()  # control commands: the MCU held in reset (brown-out)
    RELEASE: tuple[str, ...] = ()  # the reset pin released: the firmware starts again
    # The emulator reads a UART's socket only as fast as the firmware takes bytes (QEMU); if
    # not, it queues every byte it reads for the UART (Renode's socket terminal, unbounded).
    UART_PACES_SOCKET = True

    def __init__(
        self,
        board_file: BoardFile,
        firmware: Path,
        eeprom_image: Path,
        workdir: Path,
        timing: str,
        on_event: EventSink,
    ) -> None:
        self.board_file = board_file
        self.firmware = firmware
        self.eeprom_image = eeprom_image  # the emulator's copy of the model's image
        self.workdir = workdir
        self.timing = timing  # the bench's profile: the strap word the board file gives it
        self.on_event = on_event
        self.proc: asyncio.subprocess.Process | None = None
        self.uarts: dict[str, Streams] = {}
        self.tasks: list[asyncio.Task[None]] = []  # readers of its output
        self.control: Control | None = None  # QMP, Renode's monitor

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def spawn(self, *argv: str, **options: Any) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **options,
        )

    async def start(self) -> None:
        """Boot: the firmware runs once every UART is connected."""
        raise NotImplementedError

    async def kill(self) -> None:
        """Power gone: the process group dies at once (SIGKILL), RAM and state lost."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            await self.proc.wait()
        await cancel_and_wait(*self.tasks)
        for _, writer in self.uarts.values():
            writer.close()
        self.uarts.clear()
        await self.close_control()

    async def hold(self) -> None:
        """Brown-out: the MCU is held in reset (RAM kept)."""
        for command in self.HOLD:
            assert self.control is not None
            await self.control.execute(command)

    async def release(self) -> None:
        """The reset pin goes high again: the firmware starts from its reset vector."""
        for command in self.RELEASE:
            assert self.control is not None
            await self.control.execute(command)

    async def close_control(self) -> None:
        if self.control is not None:
            await self.control.close()
            self.control = None


@dataclass(frozen=True)
class EmulatorOptions:
    timing: str = "fast"  # the bench's profile: the strap word the board file gives it
    firmware: str = option("", "an ELF to run instead of the project's firmware/", "ELF", True)
    board: str = option("", "that ELF's wiring, a board file (docs/targets.md)", "FILE", True)
    dialect: str = "usr721"  # the AT dialect the image speaks (the project's: usr721 only)


class EmulatorTarget(Target[EmulatorOptions]):
    options_type = EmulatorOptions
    capabilities = frozenset({"leds", "power", "rails", "eeprom", "modem", "sms"})

    def __init__(self, board: Board, options: EmulatorOptions) -> None:
        super().__init__(board, options)
        if options.dialect != "usr721" and not options.firmware:
            raise TargetError(
                f"the project's firmware speaks usr721, not {options.dialect}: "
                "give an image that does (--firmware)"
            )
        self.board_file = load_board(options.board or None)
        if self.board_file.machine not in self.machines:
            raise Unsupported(
                self.name,
                f"the board file's machine is {self.board_file.machine}, which only renode "
                f"runs ({self.name} runs {', '.join(self.machines)})",
            )
        self.firmware = user_firmware(options.firmware) if options.firmware else None
        self.machine: EmulatorProcess | None = None
        self.boots = 0
        self.pwrkey_presses = 0
        self._held = False  # brown-out: the MCU in reset
        self._pwrkey = False  # the PWRKEY bit as last written (reset: released)
        self._jobs: set[asyncio.Future[None]] = set()
        self._workdir: Path | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._machine_tasks: list[asyncio.Task[None]] = []

    machine_class: type[EmulatorProcess]  # what each emulator provides: one run of it
    machines: tuple[str, ...] = MPS2  # the board files' machines it runs (board_file.py)
    project_goal = "all"  # the make goal of the project's image (platforms/firmware.py IMAGES)

    # -- life -----------------------------------------------------------------------
    async def start(self) -> None:
        if self.board.eeprom.size != self.board_file.eeprom_size:
            raise ValueError(
                f"the board file's EEPROM is {self.board_file.eeprom_size} bytes, "
                f"the bench's image {self.board.eeprom.size}"
            )
        if self.firmware is None:
            self.firmware = await project_firmware(self.project_goal)
        self._workdir = Path(tempfile.mkdtemp(prefix=f"dtulab-{self.name}-"))
        b = self.board
        self._tasks = [
            asyncio.ensure_future(self._to_mcu("rs232", b.rs232)),
            asyncio.ensure_future(self._to_mcu("modem", b.modem_uart)),
        ]

    async def stop(self) -> None:
        await self._kill()
        await cancel_and_wait(*self._tasks)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def storage_settled(self) -> bool:
        """The emulator's EEPROM image (written at the end of every transaction) equals the
        model: every write it stored has been mirrored."""
        if self.machine is None or self._workdir is None:
            return True
        try:
            return (self._workdir / "eeprom.bin").read_bytes() == self.board.eeprom.snapshot()
        except OSError:
            return True

    def rs232_backlog(self) -> int:
        """What is still in the bench's buffer for the UART and in its socket: QEMU reads a
        UART's socket only as fast as the guest takes bytes (about 15 kB/s). Renode reads its
        socket at once into the UART's queue (``UART_PACES_SOCKET``), so there the bytes counted
        taken may still wait in that queue: the firmware reads them at its own pace, and a cut
        loses them."""
        m = self.machine
        if m is None or not self._live(m) or "rs232" not in m.uarts:
            return 0  # the MCU is off: what reaches its pin now is lost, not waiting
        transport = m.uarts["rs232"][1].transport
        queued = transport.get_write_buffer_size()
        sock = transport.get_extra_info("socket")
        if sock is not None:
            outq = array.array("i", [0])
            fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, outq)  # unread by the peer
            queued += outq[0]
        return queued

    def status(self) -> str:
        m = self.machine
        if m is None or not m.running:
            return "MCU off"
        state = "held in reset" if self._held else f"running, boot {self.boots}"
        image = self.firmware.name if self.firmware is not None else "firmware"
        return f"{image} {state}"

    # -- links ----------------------------------------------------------------------
    def _live(self, machine: EmulatorProcess) -> bool:
        return machine is self.machine and self.board.power.on and not self._held

    async def _to_mcu(self, uart: str, link: Link) -> None:
        """Bytes for the MCU's UART; dropped while it is off."""
        while data := await link.read():
            m = self.machine
            if m is None or not self._live(m) or uart not in m.uarts:
                continue
            writer = m.uarts[uart][1]
            with contextlib.suppress(ConnectionError):
                writer.write(data)
                await writer.drain()

    async def _from_mcu(self, machine: EmulatorProcess, uart: str, link: Link) -> None:
        reader = machine.uarts[uart][0]
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(4096):
                if self._live(machine):
                    await link.write(data)

    async def _console(self, machine: EmulatorProcess) -> None:
        reader = machine.uarts["debug"][0]
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                text = line.decode("latin-1").rstrip("\r\n")
                self.console.append(text)
                log.info("%s console: %s", self.name, text)

    async def console_write(self, data: bytes) -> None:
        """Type on the firmware's debug console (dropped while the MCU is off)."""
        m = self.machine
        if m is not None and self._live(m) and "debug" in m.uarts:
            m.uarts["debug"][1].write(data)
            await m.uarts["debug"][1].drain()

    # -- board signals ------------------------------------------------------------------
    def _on_event(self, machine: EmulatorProcess, event: Event, run: int = 0) -> None:
        if isinstance(event, Message):
            log.warning("%s: %s", self.name, event.text)
            return
        if not self._live(machine):
            return  # after the cut: what the dying run still did is not the board's
        leds = self.board.leds
        if isinstance(event, SccWrite) and event.offset == SCC_CFG1:
            # stamped when the firmware wrote it, not when the bench got round to reading it
            ago = None if event.at is None else max(0.0, time.time() - event.at)
            at = None if ago is None else self.board.clock.now() - ago
            own = None if event.virtual is None else TargetTime(run, event.virtual)
            for name, bit in self.board_file.leds.items():
                leds[name].set(bool(event.value >> bit & 1), at, own)
            if self.board_file.pwrkey is not None:
                self._pwrkey_level(bool(event.value >> self.board_file.pwrkey & 1))
        elif isinstance(event, SccReset):
            leds.all_off()
            self._pwrkey = False
        elif isinstance(event, EepromWrite) and event.device == self.board_file.eeprom_address:
            self._mirror(event)

    def _pwrkey_level(self, pressed: bool) -> None:
        """The PWRKEY line: a press turns a modem that is off on (SIM800: ~1 s low)."""
        was, self._pwrkey = self._pwrkey, pressed
        if not pressed or was:
            return
        self.pwrkey_presses += 1
        modem = self.board.modem_power
        if modem.is_on():
            log.info("%s: the firmware pressed the modem's PWRKEY (it is on already)", self.name)
            return
        log.info("%s: the firmware pressed the modem's PWRKEY: the modem powers on", self.name)
        job = asyncio.ensure_future(modem.press())
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    def _mirror(self, event: EepromWrite) -> None:
        """One transaction the emulated EEPROM stored, applied to the bench's EEPROM model."""
        ee = self.board.eeprom
        addr, data = event.addr % ee.size, event.data
        try:
            if len(data) <= ee.page and addr % ee.page + len(data) <= ee.page:
                ee.write(addr, data)
            else:  # at24c runs on linearly across pages and wraps at the end of the part
                head = data[: ee.size - addr]
                ee.write_block(addr, head)
                if len(data) > len(head):
                    ee.write_block(0, data[len(head) :][: ee.size])
        except PowerLost:
            pass  # the cut armed on this write: the model stays without it

    # -- power ---------------------------------------------------------------------
    async def power(self, on: bool, volts: float) -> None:
        if on:
            await self._power_on()
        elif self.machine is not None:
            self.board.leds.all_off()
            if volts > 0 and self.machine.running:
                self._held = True  # brown-out: the MCU is held in reset, RAM kept
                await self.machine.hold()
            else:
                await self._kill()

    async def _power_on(self) -> None:
        m = self.machine
        if m is not None and m.running:
            if self._held:
                self._held = False
                self._pwrkey = False
                await m.release()
                self.boots += 1
            return
        assert self._workdir is not None
        image = self._workdir / "eeprom.bin"
        image.write_bytes(self.board.eeprom.snapshot())
        assert self.firmware is not None
        run = self.boots  # this emulator process: its own clock starts again
        machine = self.machine_class(
            self.board_file,
            self.firmware,
            image,
            self._workdir,
            self.options.timing,
            lambda e: self._on_event(machine, e, run),
        )
        self.machine = machine
        self._held = False
        self._pwrkey = False
        await machine.start()
        self.boots += 1
        b = self.board
        self._machine_tasks = [
            asyncio.ensure_future(self._from_mcu(machine, "rs232", b.rs232)),
            asyncio.ensure_future(self._from_mcu(machine, "modem", b.modem_uart)),
        ]
        if "debug" in machine.uarts:
            self._machine_tasks.append(asyncio.ensure_future(self._console(machine)))

    async def _kill(self) -> None:
        machine, self.machine = self.machine, None
        self._held = False
        if machine is not None:
            await machine.kill()
        await cancel_and_wait(*self._machine_tasks)
        self._machine_tasks = []
