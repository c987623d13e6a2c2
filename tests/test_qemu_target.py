"""The QEMU target's board: real qemu-system-arm running the board demo firmware.

``firmware/build/board-demo.elf`` (``make -C firmware demo``) exercises the
board layer alone: a banner, UART echo, LED and EEPROM commands on the debug
console. These tests check what platforms/qemu adds around QEMU: the UART
wiring, LEDs from the SCC trace, EEPROM transactions mirrored into the
bench's EEPROM model (and cuts armed on them), power cut, brown-out, resets.
The DTU firmware itself is tested by the Robot suites with TARGET:qemu.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dtulab.console import Console
from dtulab.world import World, WorldConfig
from peripherals.eeprom import EepromWrite as ModelWrite
from platforms.board_file import BoardFileError, load_board
from platforms.emulator import EepromWrite, Message, SccReset, SccWrite
from platforms.firmware import FIRMWARE_DIR
from platforms.qemu.trace import TraceReader

DEMO = FIRMWARE_DIR / "build" / "board-demo.elf"


@pytest.fixture(scope="module")
def demo_elf() -> Path:
    subprocess.run(["make", "-s", "-C", str(FIRMWARE_DIR), "demo"], check=True)
    return DEMO


@pytest.fixture
def bench(demo_elf: Path, tmp_path: Path) -> Iterator[tuple[World, Console]]:
    config = WorldConfig(target="qemu", firmware=str(demo_elf), state_dir=str(tmp_path))
    with World(config) as world, Console(world.rs232_port) as host:
        host.expect(b"board-demo ready\r\n", 20)
        yield world, host


def debug(world: World, line: str, reply: str | None = "ok", timeout: float = 20) -> None:
    """A command on the demo's debug console; wait for its reply line."""
    target = world.target
    seen = len(target.console)
    world.run(target.console_write(line.encode() + b"\r\n"))
    if reply is not None:
        world.wait(lambda: reply in target.console[seen:], timeout, f"{reply!r} after {line!r}")


# -- the trace parser -----------------------------------------------------------------


def feed(lines: list[str]) -> list[object]:
    reader = TraceReader()
    return [e for e in (reader.line(x) for x in lines) if e is not None]


def test_trace_scc_writes_and_resets():
    events = feed([
        "123@1700000000.000001:mps2_scc_write MPS2 SCC write: offset 0x4 data 0x5 size 4",
        "mps2_scc_reset MPS2 SCC: reset",
    ])  # fmt: skip
    assert events == [SccWrite(4, 5), SccReset()]


def test_trace_assembles_an_eeprom_write_and_ignores_a_random_read():
    write = ["i2c_event start(addr:0x50)"]
    write += [f"i2c_send send(addr:0x50) data:0x{b:02x}" for b in (0x01, 0x20, 0xAA, 0xBB)]
    write += ["i2c_event finish(addr:0x50)"]
    read = ["i2c_event start(addr:0x50)", "i2c_send send(addr:0x50) data:0x00",
            "i2c_send send(addr:0x50) data:0x00", "i2c_event start(addr:0x50)",
            "i2c_recv recv(addr:0x50) data:0xff", "i2c_event finish(addr:0x50)"]  # fmt: skip
    assert feed(write + read) == [EepromWrite(0x50, 0x0120, b"\xaa\xbb")]


def test_trace_passes_other_lines_on_as_messages():
    assert feed(["qemu-system-arm: something odd"]) == [Message("qemu-system-arm: something odd")]
    assert feed(["qemu-system-arm: warning: nic lan9118.0 has no peer"]) == []


# -- board files ---------------------------------------------------------------------


def test_the_project_board_file():
    board = load_board()
    assert board.uarts == {"rs232": 0, "modem": 1, "debug": 2}
    assert board.leds == {"POW": 0, "NET": 1, "DATA": 2}
    assert (board.eeprom_address, board.eeprom_size) == (0x50, 4096)
    assert board.strap is not None and board.strap.words["fast"] == 0x54494D01
    assert board.pwrkey == 3


def test_the_modem_table_is_optional(tmp_path):
    path = tmp_path / "board.toml"
    path.write_text("[leds]\nPOW = 0\n")
    assert load_board(path).pwrkey is None  # not wired: a modem that powers down stays down
    path.write_text("[leds]\nPOW = 0\n[modem]\npwrkey = 7\n")
    assert load_board(path).pwrkey == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('machine = "virt"', "machine must be mps2-an385"),
        ("[uarts]\nrs232 = 0\nmodem = 0", "different UARTs"),
        ("[uarts]\nrs232 = 7\nmodem = 1", "uarts.rs232 must be an integer 0..4"),
        ("[leds]\nPOWER = 1", "unknown LED"),
        ("[eeprom]\nsize = 1000", "multiple of 512"),
        ("modem = 3", r"\[modem\] must be a table"),
        ("[modem]\npwrkey = 8", "modem.pwrkey must be an integer 0..7"),
        ('[modem]\npwrkey = "3"', "modem.pwrkey must be an integer 0..7"),
        ("[modem]\nreset = 4", r"unknown modem signal\(s\) \['reset'\]"),
        ("[modem]\npwrkey = 1", "modem.pwrkey is SCC CFG1 bit 1, already LED NET"),
        ("[leds]\nPOW = 5\n[modem]\npwrkey = 5", "bit 5, already LED POW"),
        ("machine = ", "not valid TOML"),
    ],
)
def test_bad_board_files_name_the_field(tmp_path, text, message):
    path = tmp_path / "board.toml"
    path.write_text(text)
    with pytest.raises(BoardFileError, match=message):
        load_board(path)


def test_a_missing_firmware_image_is_a_clear_error(tmp_path):
    config = WorldConfig(target="qemu", firmware=str(tmp_path / "nope.elf"))
    with pytest.raises(ValueError, match=r"nope\.elf does not exist"):
        World(config).start()


# -- the board under QEMU --------------------------------------------------------------


def test_rs232_is_wired_both_ways(bench):
    world, host = bench
    burst = bytes(range(32, 127)) * 40  # 3800 bytes in one write
    host.write(burst)
    assert host.read_exactly(len(burst), 20) == burst
    assert world.target.console[0] == "board-demo ready"


def test_leds_follow_the_scc_register(bench):
    world, _ = bench
    assert not any(world.leds[n].on for n in ("POW", "NET", "DATA"))  # no reset artefact
    debug(world, "led 0 1")
    debug(world, "led 2 1")
    world.wait(lambda: world.leds["DATA"].on, 10, "DATA on")
    assert world.leds["POW"].on and not world.leds["NET"].on
    debug(world, "led 0 0")
    world.wait(lambda: not world.leds["POW"].on, 10, "POW off")


def test_eeprom_writes_reach_the_model_and_survive_a_power_cut(bench):
    world, host = bench
    debug(world, "ee w 64 c0ffee")  # the trace of the write may trail the console's "ok"
    world.wait(lambda: world.eeprom.read(64, 3) == b"\xc0\xff\xee", 10, "the write mirrored")
    world.cut_power()
    world.wait(lambda: world.target.machine is None, 10, "the QEMU process gone")
    world.power_on()
    host.expect(b"board-demo ready\r\n", 20)
    debug(world, "ee r 64 3", "c0ffee")


def test_a_cut_armed_on_an_eeprom_write_keeps_that_write_out(bench):
    world, host = bench
    debug(world, "ee w 0 01")
    world.call(lambda: world.power.arm_cut(lambda e: isinstance(e, ModelWrite)))
    debug(world, "ee w 0 02", reply=None)
    world.wait(lambda: not world.power.on, 20, "the cut")
    assert world.eeprom.read(0, 1) == b"\x01"
    world.power_on()
    host.expect(b"board-demo ready\r\n", 20)
    debug(world, "ee r 0 1", "01")  # QEMU's image came from the model: the write never happened


def test_a_brown_out_holds_the_mcu_in_reset(bench):
    world, host = bench
    machine = world.target.machine
    debug(world, "led 0 1")
    world.set_rail("dc", 5.0)
    world.wait(lambda: not world.power.on, 10, "brown-out")
    assert world.target.machine is machine and machine.running  # held, not killed
    world.wait(lambda: not world.leds["POW"].on, 10, "LEDs off in reset")
    world.set_rail("dc", 12.0)
    host.expect(b"board-demo ready\r\n", 20)  # system_reset: the firmware starts again
    assert world.target.machine is machine


def test_a_cut_restored_at_once_is_still_a_cut(bench):
    """The target hears of the cut after the rails are back: it must not take it for a
    brown-out (MCU held, QEMU's EEPROM kept) — found by the ATW cut test under load."""
    world, host = bench
    machine = world.target.machine
    world.call(lambda: (world.power.cut(), world.power.restore()))
    host.expect(b"board-demo ready\r\n", 20)
    assert world.target.machine is not machine and not machine.running  # a new process


def test_software_reset_and_watchdog_restart_the_firmware(bench):
    world, host = bench
    debug(world, "reset", reply=None)
    host.expect(b"board-demo ready\r\n", 20)
    debug(world, "wd")
    host.expect(b"board-demo ready\r\n", 30)


def test_the_timing_strap_reaches_the_firmware(bench):
    world, _ = bench
    debug(world, "tim", "timing 1")  # fast: the bench's profile


def test_the_pwrkey_bit_powers_the_modem_on(demo_elf, tmp_path):
    """A press (0 -> 1) of the board file's pwrkey bit turns a modem that is off on."""
    board = tmp_path / "board.toml"
    board.write_text("[leds]\nPOW = 0\nNET = 1\n[modem]\npwrkey = 2\n")  # the demo's LED 2
    config = WorldConfig(
        target="qemu", firmware=str(demo_elf), board=str(board), state_dir=str(tmp_path)
    )
    with World(config) as world, Console(world.rs232_port) as host:
        host.expect(b"board-demo ready\r\n", 20)
        modem = world.modem
        world.run(modem.power_off("UNDER-VOLTAGE POWER DOWN"))
        boots = modem.boot_count
        assert not modem.power.on and world.target.pwrkey_presses == 0
        debug(world, "led 2 1")  # pressed
        world.wait(lambda: modem.power.on, 10, "the modem on")
        assert modem.boot_count == boots + 1 and world.target.pwrkey_presses == 1
        assert not world.leds["DATA"].on  # the bit is the key, not an LED
        debug(world, "led 2 1")  # still held: no new press
        debug(world, "led 2 0")  # released
        debug(world, "led 2 1")  # a press while the modem is on changes nothing
        assert world.target.pwrkey_presses == 2 and modem.boot_count == boots + 1
        assert modem.power.on


def test_a_board_file_rewires_a_users_firmware(demo_elf, tmp_path):
    """The same image with its LEDs described differently: the board file decides."""
    board = tmp_path / "board.toml"
    board.write_text("[leds]\nDATA = 0\nPOW = 2\n")  # NET left out: never driven
    config = WorldConfig(
        target="qemu", firmware=str(demo_elf), board=str(board), state_dir=str(tmp_path)
    )
    with World(config) as world, Console(world.rs232_port) as host:
        host.expect(b"board-demo ready\r\n", 20)
        debug(world, "led 0 1")  # bit 0
        world.wait(lambda: world.leds["DATA"].on, 10, "DATA on")
        debug(world, "led 1 1")  # bit 1: wired to nothing
        debug(world, "led 2 1")  # bit 2
        world.wait(lambda: world.leds["POW"].on, 10, "POW on")
        assert not world.leds["NET"].on
