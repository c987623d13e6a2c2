"""What the QEMU target reads and is given: QEMU's trace lines, the board file, the image.

The board itself under QEMU (and under Renode) is tested with the board demo
firmware in test_emulated_board.py; the DTU firmware by the Robot suites with
TARGET:qemu.
"""

from __future__ import annotations

import pytest

from dtulab.platforms.board_file import BoardFileError, load_board
from dtulab.platforms.emulator import EepromWrite, Message, SccReset, SccWrite
from dtulab.platforms.qemu.trace import TraceReader
from dtulab.world import World, WorldConfig

# -- the trace parser -----------------------------------------------------------------


def feed(lines: list[str]) -> list[object]:
    reader = TraceReader()
    return [e for e in (reader.line(x) for x in lines) if e is not None]


def test_trace_scc_writes_and_resets():
    events = feed([
        "123@1700000000.000001:mps2_scc_write MPS2 SCC write: offset 0x4 data 0x5 size 4",
        "mps2_scc_reset MPS2 SCC: reset",
    ])  # fmt: skip
    assert events == [SccWrite(4, 5, at=1700000000.000001), SccReset()]
    assert feed(["mps2_scc_write MPS2 SCC write: offset 0x4 data 0x1 size 4"]) == [SccWrite(4, 1)]


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
