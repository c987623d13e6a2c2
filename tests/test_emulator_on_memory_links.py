"""An emulator target on a Board of memory links, with no bench around it.

A target gets a ``Board`` (platforms/board.py) and its options, nothing of the World, so the
qemu target can be built here from in-memory links (peripherals/links.py), an LED bank, an
EEPROM file and a power supply, and run the board demo firmware
(``make -C firmware demo``) in a real qemu-system-arm: what the test writes on the board's
RS232 and modem links reaches the MCU's UARTs (the demo echoes them), the demo's LED and
EEPROM commands on the debug console reach the board's LEDs and EEPROM model, a cut ends
the emulator, and a PWRKEY press reaches the board's modem power key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.eeprom import Eeprom
from dtulab.peripherals.leds import LedBank
from dtulab.peripherals.links import MemoryLink, memory_pair
from dtulab.peripherals.power import PowerSupply
from dtulab.platforms.board import Board, ModemPowerKey
from dtulab.platforms.emulator import EmulatorOptions
from dtulab.platforms.firmware import make_firmware
from dtulab.platforms.qemu import QemuTarget

READY = b"board-demo ready\r\n"
DEADLINE = 60.0  # a loaded 2-core machine


@pytest.fixture(scope="module")
def demo_elf() -> Path:
    return make_firmware("demo")


class Bench:
    """What the test holds of the board: the far ends of its links and the models."""

    def __init__(self, tmp_path: Path) -> None:
        clock = Clock()
        self.supply = PowerSupply(clock)  # DC at 12 V: on
        dtu_rs232, self.host = memory_pair("rs232")
        dtu_modem, self.modem = memory_pair("modem-uart")
        self.presses = 0
        self.modem_on = False
        self.board = Board(
            rs232=dtu_rs232,
            modem_uart=dtu_modem,
            leds=LedBank(clock),
            eeprom=Eeprom(tmp_path / "eeprom.bin", power=self.supply),
            power=self.supply,
            modem_power=ModemPowerKey(
                is_on=lambda: self.modem_on, press=self._press, switch_off=self._switch_off
            ),
            clock=clock,
        )

    async def _press(self) -> None:
        self.presses += 1
        self.modem_on = True

    async def _switch_off(self) -> None:
        self.modem_on = False


async def read_until(link: MemoryLink, wanted: bytes) -> bytes:
    got = b""
    while wanted not in got:
        got += await asyncio.wait_for(link.read(), DEADLINE)
    return got


async def until(predicate: Callable[[], bool], what: str) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), DEADLINE)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {DEADLINE} s") from None


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 4 * DEADLINE))


async def debug(target: QemuTarget, line: str, reply: str = "ok") -> None:
    """A command on the demo's debug console; wait for its reply line."""
    seen = len(target.console)
    await target.console_write(line.encode() + b"\r\n")
    await until(lambda: reply in target.console[seen:], f"{reply!r} after {line!r}")


def test_the_board_links_leds_and_eeprom_reach_the_emulated_mcu(demo_elf, tmp_path):
    bench = Bench(tmp_path)
    board = bench.board
    target = QemuTarget(board, EmulatorOptions(firmware=str(demo_elf)))

    async def scenario() -> None:
        await target.start()
        try:
            await target.power(True, bench.supply.voltage)
            await read_until(bench.host, READY)
            await bench.host.write(b"from the host")
            await read_until(bench.host, b"from the host")  # UART0 echoed it
            await bench.modem.write(b"AT\r")
            await read_until(bench.modem, b"AT\r")  # UART1 echoed it
            assert target.console[0] == "board-demo ready"

            await debug(target, "led 0 1")
            await until(lambda: board.leds["POW"].on, "POW on")
            assert not board.leds["NET"].on and not board.leds["DATA"].on
            await debug(target, "ee w 64 c0ffee")
            await until(lambda: board.eeprom.read(64, 3) == b"\xc0\xff\xee", "the write mirrored")

            bench.supply.cut()
            await target.power(False, bench.supply.voltage)
            assert target.machine is None and not board.leds["POW"].on
            await bench.host.write(b"lost")  # the MCU is off: dropped, as on a real UART
            bench.supply.restore()
            await target.power(True, bench.supply.voltage)
            await read_until(bench.host, READY)
            await debug(target, "ee r 64 3", "c0ffee")  # the new run got the model's image
        finally:
            await target.stop()

    run(scenario)
    assert bench.presses == 0 and target.boots == 2


def test_a_pwrkey_press_reaches_the_board_modem_power_key(demo_elf, tmp_path):
    board_file = tmp_path / "board.toml"
    board_file.write_text("[leds]\nPOW = 0\nNET = 1\n[modem]\npwrkey = 2\n")  # the demo's LED 2
    bench = Bench(tmp_path)
    options = EmulatorOptions(firmware=str(demo_elf), board=str(board_file))
    target = QemuTarget(bench.board, options)

    async def scenario() -> None:
        await target.start()
        try:
            await target.power(True, bench.supply.voltage)
            await read_until(bench.host, READY)
            await debug(target, "led 2 1")  # pressed: the modem is off, so it powers on
            await until(lambda: bench.presses == 1, "the press")
            await debug(target, "led 2 0")
            await debug(target, "led 2 1")  # a press while it is on: not passed on
            await until(lambda: target.pwrkey_presses == 2, "the second press seen")
            assert bench.presses == 1 and not bench.board.leds["DATA"].on
        finally:
            await target.stop()

    run(scenario)
