"""The QEMU target: a DTU firmware image on the mps2-an385 board under qemu-system-arm.

The image (the project's firmware/, built on demand, or any ELF given with
``firmware=``) runs in QEMU (machine.py) wired as the board file says
(board.py, board.toml): the RS232 UART to the bench's RS232 link, the modem
UART to the modem model, the debug UART to the log (``console``). The board's
other signals come from QEMU's trace (trace.py): SCC CFG1 writes drive the LED
model, and the board file's ``[modem] pwrkey`` bit of that register is the
modem's PWRKEY — a press (0 → 1) powers the modem model on if it is off, as
the reference's ``Board.modem_pwrkey`` does; every I2C write transaction to
the EEPROM is mirrored into the bench's EEPROM model, which is the truth — so
a cut armed on an EEPROM write (the model raises it before the transaction
lands) is exact: QEMU is killed and the next boot starts from the model's
image, without that transaction.

Power (../shared/docs/qemu-board.md "Power events"): a cut kills the process
(RAM lost); power back starts a new one on the same EEPROM image; a brown-out
(supply low but not gone) holds the MCU in reset — QMP ``stop`` — and power
returning is QMP ``system_reset`` + ``cont``. While the MCU is off, bytes on
its links are dropped, as on a real UART.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

from peripherals.eeprom import PowerLost
from peripherals.links import Link
from platforms.base import Target, register
from platforms.qemu.board import load_board
from platforms.qemu.firmware import project_firmware, user_firmware
from platforms.qemu.machine import QemuMachine
from platforms.qemu.trace import EepromWrite, Event, Message, SccReset, SccWrite

log = logging.getLogger(__name__)
SCC_CFG1 = 0x4


@register
class QemuTarget(Target):
    name = "qemu"
    capabilities = frozenset({"leds", "power", "eeprom", "modem"})

    def __init__(self, world) -> None:
        super().__init__(world)
        cfg = world.config
        self.board = load_board(cfg.board or None)
        self.firmware: Path | None = user_firmware(cfg.firmware) if cfg.firmware else None
        self.machine: QemuMachine | None = None
        self.boots = 0
        self.console: list[str] = []  # the debug UART, line by line
        self._held = False  # brown-out: QEMU stopped, the MCU in reset
        self._pwrkey = False  # the PWRKEY bit as last written (reset: released)
        self.pwrkey_presses = 0
        self._pwrkey_jobs: set[asyncio.Future[None]] = set()
        self._workdir: Path | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._machine_tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.world.eeprom.size != self.board.eeprom_size:
            raise ValueError(
                f"the board file's EEPROM is {self.board.eeprom_size} bytes, "
                f"the bench's image {self.world.eeprom.size}"
            )
        if self.firmware is None:
            self.firmware = await project_firmware()
        self._workdir = Path(tempfile.mkdtemp(prefix="dtulab-qemu-"))
        w = self.world
        self._tasks = [
            asyncio.ensure_future(self._to_mcu("rs232", w.rs232_link)),
            asyncio.ensure_future(self._to_mcu("modem", w.dtu_modem_link)),
        ]

    # -- links ----------------------------------------------------------------------
    def _live(self, machine: QemuMachine) -> bool:
        return machine is self.machine and self.world.power.on and not self._held

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

    async def _from_mcu(self, machine: QemuMachine, uart: str, link: Link) -> None:
        reader = machine.uarts[uart][0]
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(4096):
                if self._live(machine):
                    await link.write(data)

    async def _console(self, machine: QemuMachine) -> None:
        reader = machine.uarts["debug"][0]
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                text = line.decode("latin-1").rstrip("\r\n")
                self.console.append(text)
                log.info("qemu console: %s", text)

    def status(self) -> str:
        m = self.machine
        if m is None or not m.running:
            return "MCU off"
        state = "held in reset" if self._held else f"running, boot {self.boots}"
        return f"{self.firmware.name if self.firmware else 'firmware'} {state}"

    async def console_write(self, data: bytes) -> None:
        """Type on the firmware's debug console (dropped while the MCU is off)."""
        m = self.machine
        if m is not None and self._live(m) and "debug" in m.uarts:
            m.uarts["debug"][1].write(data)
            await m.uarts["debug"][1].drain()

    # -- board signals from QEMU's trace ---------------------------------------------
    def _on_event(self, machine: QemuMachine, event: Event) -> None:
        if isinstance(event, Message):
            log.warning("qemu: %s", event.text)
            return
        if not self._live(machine):
            return  # after the cut: what the dying process still did is not the board's
        leds = self.world.leds
        if isinstance(event, SccWrite) and event.offset == SCC_CFG1:
            for name, bit in self.board.leds.items():
                leds[name].set(bool(event.value >> bit & 1))
            if self.board.pwrkey is not None:
                self._pwrkey_level(bool(event.value >> self.board.pwrkey & 1))
        elif isinstance(event, SccReset):
            leds.all_off()
            self._pwrkey = False
        elif isinstance(event, EepromWrite) and event.device == self.board.eeprom_address:
            self._mirror(event)

    def _pwrkey_level(self, pressed: bool) -> None:
        """The PWRKEY line: a press turns a modem that is off on (SIM800: ~1 s low)."""
        was, self._pwrkey = self._pwrkey, pressed
        if not pressed or was:
            return
        self.pwrkey_presses += 1
        modem = self.world.modem
        if modem.power.on:
            log.info("qemu: the firmware pressed the modem's PWRKEY (the modem is on already)")
            return
        log.info("qemu: the firmware pressed the modem's PWRKEY: the modem powers on")
        job = asyncio.ensure_future(modem.power_on())
        self._pwrkey_jobs.add(job)
        job.add_done_callback(self._pwrkey_jobs.discard)

    def _mirror(self, event: EepromWrite) -> None:
        """One transaction QEMU's at24c stored, applied to the bench's EEPROM model."""
        ee = self.world.eeprom
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
    async def power(self, on: bool) -> None:
        if on:
            await self._power_on()
        elif self.machine is not None:
            self.world.leds.all_off()
            if self.world.power.voltage > 0 and self.machine.running and self.machine.qmp:
                self._held = True  # brown-out: the MCU is held in reset, RAM kept
                await self.machine.qmp.execute("stop")
            else:
                await self._kill()

    async def _power_on(self) -> None:
        m = self.machine
        if m is not None and m.running:
            if self._held and m.qmp is not None:
                self._held = False
                self._pwrkey = False
                await m.qmp.execute("system_reset")
                await m.qmp.execute("cont")
                self.boots += 1
            return
        assert self._workdir is not None and self.firmware is not None
        image = self._workdir / "eeprom.bin"
        image.write_bytes(self.world.eeprom.snapshot())
        machine = QemuMachine(
            self.board,
            self.firmware,
            image,
            self._workdir,
            self.world.config.timing,
            lambda event: self._on_event(machine, event),
        )
        self.machine = machine
        self._held = False
        self._pwrkey = False
        await machine.start()
        self.boots += 1
        w = self.world
        self._machine_tasks = [
            asyncio.ensure_future(self._from_mcu(machine, "rs232", w.rs232_link)),
            asyncio.ensure_future(self._from_mcu(machine, "modem", w.dtu_modem_link)),
        ]
        if "debug" in machine.uarts:
            self._machine_tasks.append(asyncio.ensure_future(self._console(machine)))

    async def _kill(self) -> None:
        machine, self.machine = self.machine, None
        self._held = False
        if machine is not None:
            await machine.kill()
        for task in self._machine_tasks:
            task.cancel()
        await asyncio.gather(*self._machine_tasks, return_exceptions=True)
        self._machine_tasks = []

    async def stop(self) -> None:
        await self._kill()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
