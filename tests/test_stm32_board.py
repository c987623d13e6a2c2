"""The STM32F103 DTU board: its board file, the header and Renode wiring written from it, and an
image built for another pin map that runs with only its board file.

The board file (platforms/board_file.py, platforms/stm32f103.toml) wires both sides: the
firmware is built with the C header it gives (firmware/board/stm32f103/, ``make
BOARD=stm32f103 BOARD_FILE=...``) and the Renode target builds the board from it
(platforms/renode/stm32.py). The build runs everywhere (CI has the ARM toolchain); running the
variant needs Renode, and where there is none that part is skipped as "unsupported on renode:
Renode not installed", as the Renode target reports it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dtulab.console import Console
from dtulab.platforms import Unsupported
from dtulab.platforms.board_file import BoardFileError, firmware_header, load_board
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.firmware import FIRMWARE_DIR
from dtulab.platforms.renode.machine import find_renode
from dtulab.platforms.renode.stm32 import wiring
from dtulab.world import World, WorldConfig

# another DTU's layout: RS232 on USART3, the debug header on USART1, LEDs on three ports' pins
VARIANT = """machine = "stm32f103"
[uarts]
rs232 = 3
modem = 2
debug = 1
[leds]
POW = "PC13"
NET = "PA8"
DATA = "PA11"
[modem]
pwrkey = "PA1"
[eeprom]
bus = "i2c1"
address = 0x50
[clock]
hse = 12000000
[strap]
address = 0x40006C04
fast = 0x54494D01
realistic = 0x54494D00
"""
READY = b"board-demo ready\r\n"


def test_the_projects_stm32_board_file():
    board = load_board("stm32f103")  # a bare name: the project's platforms/stm32f103.toml
    assert board.machine == "stm32f103"
    assert board.uarts == {"rs232": 1, "modem": 2, "debug": 3}
    assert board.pins == {"POW": "PB12", "NET": "PB13", "DATA": "PB14", "PWRKEY": "PB15"}
    assert board.leds == {"POW": 0, "NET": 1, "DATA": 2} and board.pwrkey == 3  # signal bits
    assert (board.eeprom_bus, board.eeprom_address, board.hse_hz) == ("i2c1", 0x50, 8_000_000)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('POW = "PC13"', 'POW = "PB16"'), r"leds\.POW must be a GPIO pin PA0\.\.PG15"),
        (('POW = "PC13"', 'POW = "PH1"'), r"leds\.POW must be a GPIO pin"),
        (('NET = "PA8"', 'NET = "PC13"'), "must be different pins"),
        (('pwrkey = "PA1"', 'pwrkey = "PA11"'), "must be different pins"),
        (("rs232 = 3", "rs232 = 2"), "must name different USARTs"),
        (("rs232 = 3", "rs232 = 6"), r"uarts\.rs232 must be an integer 1\.\.5"),
        (('bus = "i2c1"', 'bus = "i2c2"'), "I2C2 and USART3 share PB10/PB11"),
        (('bus = "i2c1"', 'bus = "spi1"'), "eeprom.bus must be i2c1 or i2c2"),
        (("hse = 12000000", "hse = 25000000"), r"clock\.hse must be an integer 4000000\.\."),
        (('machine = "stm32f103"', 'machine = "stm32f407"'), "or stm32f103, not .stm32f407."),
        (('DATA = "PA11"\n', ""), r"\[leds\] must give a pin for each of"),
    ],
)
def test_a_bad_stm32_board_file_names_the_field(tmp_path, change, error):
    path = tmp_path / "board.toml"
    path.write_text(VARIANT.replace(*change))
    with pytest.raises(BoardFileError, match=error):
        load_board(path)


def test_the_firmware_header_is_the_board_files_wiring(tmp_path):
    path = tmp_path / "variant.toml"
    path.write_text(VARIANT)
    header = firmware_header(load_board(path))
    for line in (
        "#define BOARD_USART_RS232 3u",
        "#define BOARD_USART_DEBUG 1u",
        "#define BOARD_PIN_POW {2, 13}",
        "#define BOARD_PIN_NET {0, 8}",
        "#define BOARD_PIN_PWRKEY {0, 1}",
        "#define BOARD_EEPROM_I2C 1",
        "#define BOARD_I2C_BASE 0x40005400u",
        "#define BOARD_HSE_HZ 12000000u",
    ):
        assert line in header.splitlines()
    with pytest.raises(BoardFileError, match="for an STM32 board file"):
        firmware_header(load_board())  # the mps2 board: no header


def test_the_renode_wiring_puts_each_pin_on_its_signal(tmp_path):
    path = tmp_path / "variant.toml"
    path.write_text(VARIANT)
    text = wiring(load_board(path))
    assert "eeprom: I2C.DtulabAT24C @ i2c1 0x50" in text
    assert "gpioPortA:\n    8 -> signals@1\n    11 -> signals@2\n    1 -> signals@3\n" in text
    assert "gpioPortC:\n    13 -> signals@0\n" in text


def test_qemu_refuses_an_stm32_board_file_as_unsupported(tmp_path):
    config = WorldConfig(target="qemu", board="stm32f103", state_dir=str(tmp_path))
    with pytest.raises(Unsupported, match=r"unsupported on qemu: .* stm32f103, which only renode"):
        World(config).start()


@pytest.fixture(scope="module")
def variant(tmp_path_factory) -> tuple[Path, Path]:
    """The board demo built for VARIANT's pin map: (board file, ELF)."""
    folder = tmp_path_factory.mktemp("variant")
    board = folder / "variant.toml"
    board.write_text(VARIANT)
    make = ["make", "-s", "-C", str(FIRMWARE_DIR), "BOARD=stm32f103", f"BOARD_FILE={board}"]
    subprocess.run([*make, f"B={folder / 'build'}", "demo"], check=True, capture_output=True)
    return board, folder / "build" / "stm32f103" / "board-demo.elf"


def test_a_variant_pin_map_builds_from_its_board_file(variant):
    _, elf = variant
    pins = (elf.parent / "gen" / "pins.h").read_text()
    assert "#define BOARD_USART_RS232 3u" in pins and "BOARD_PIN_POW {2, 13}" in pins
    symbols = subprocess.run(
        ["arm-none-eabi-nm", str(elf)], check=True, capture_output=True, text=True
    ).stdout
    assert " T Reset_Handler" in symbols and " T USART3_IRQHandler" in symbols


@pytest.mark.slow
def test_a_variant_pin_map_runs_with_only_its_board_file(variant, tmp_path):
    """The variant image on Renode's STM32F103, wired by its board file alone: the demo says
    ready on USART3 (the RS232 link) and its LED 0 lights POW on PC13."""
    try:
        find_renode()
    except Unsupported as exc:
        pytest.skip(str(exc))
    board, elf = variant
    config = WorldConfig(
        target="renode",
        firmware=str(elf),
        board=str(board),
        state_dir=str(tmp_path),
        power_on=False,
    )
    with World(config) as world, Console(world.rs232_port) as host:
        world.power_on()
        host.expect(READY, 90)
        target = world.target
        assert isinstance(target, EmulatorTarget)
        world.run(target.console_write(b"led 0 1\r\n"))
        world.wait(lambda: world.leds["POW"].on, 20, "POW on")
        assert not world.leds["NET"].on and not world.leds["DATA"].on
        host.write(b"echo")
        assert host.read_exactly(4, 20) == b"echo"
