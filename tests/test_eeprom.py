"""The EEPROM model: pages, persistence, power loss, torn writes (peripherals/eeprom.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtulab.peripherals.eeprom import Eeprom, EepromWrite, PowerLost, cut_at_write
from dtulab.peripherals.power import PowerSupply


class HandClock:
    def now(self) -> float:
        return 0.0


def powered() -> PowerSupply:
    return PowerSupply(HandClock())  # type: ignore[arg-type]


def test_a_new_image_is_erased(tmp_path: Path) -> None:
    path = tmp_path / "ee.bin"
    eeprom = Eeprom(path)
    assert path.read_bytes() == b"\xff" * 4096
    assert eeprom.snapshot() == b"\xff" * 4096
    assert (eeprom.size, eeprom.page, eeprom.write_count, eeprom.bytes_written) == (4096, 32, 0, 0)


def test_write_then_read(tmp_path: Path) -> None:
    eeprom = Eeprom(tmp_path / "ee.bin")
    eeprom.write(0x100, b"hello")
    assert eeprom.read(0x100, 5) == b"hello"
    assert eeprom.read(0xFF, 7) == b"\xffhello\xff"
    assert (eeprom.write_count, eeprom.bytes_written) == (1, 5)
    eeprom.write(0x20, bytes(range(32)))  # a whole page
    assert eeprom.read(0x20, 32) == bytes(range(32))
    assert (eeprom.write_count, eeprom.bytes_written) == (2, 37)


def test_a_write_past_the_page_end_rolls_over_in_the_page(tmp_path: Path) -> None:
    eeprom = Eeprom(tmp_path / "ee.bin")
    eeprom.write(0x3C, b"ABCDEFGH")  # page 0x20..0x3F: 4 bytes fit, 4 roll over to 0x20
    assert eeprom.read(0x3C, 4) == b"ABCD"
    assert eeprom.read(0x20, 4) == b"EFGH"
    assert eeprom.read(0x40, 4) == b"\xff" * 4  # the next page is untouched
    assert (tmp_path / "ee.bin").read_bytes()[0x20:0x24] == b"EFGH"


def test_read_wraps_at_the_end_of_the_part(tmp_path: Path) -> None:
    eeprom = Eeprom(tmp_path / "ee.bin")
    eeprom.write(0, b"start")
    eeprom.write(4094, b"EN")
    assert eeprom.read(4094, 7) == b"ENstart"


def test_bounds(tmp_path: Path) -> None:
    eeprom = Eeprom(tmp_path / "ee.bin")
    with pytest.raises(ValueError, match="address"):
        eeprom.read(4096, 1)
    with pytest.raises(ValueError, match="address"):
        eeprom.write(-1, b"x")
    with pytest.raises(ValueError):
        eeprom.read(0, 4097)
    with pytest.raises(ValueError, match="1 to 32 bytes"):
        eeprom.write(0, bytes(33))
    with pytest.raises(ValueError):
        eeprom.write(0, b"")
    with pytest.raises(ValueError, match="past the end"):
        eeprom.write_block(4090, bytes(10))
    assert eeprom.write_count == 0


def test_persistence_across_objects(tmp_path: Path) -> None:
    path = tmp_path / "ee.bin"
    first = Eeprom(path)
    first.write_block(100, b"settings v1" * 10)
    del first  # the old board is gone (power loss, process restart)
    second = Eeprom(path)
    assert second.read(100, 110) == b"settings v1" * 10
    assert second.write_count == 0


def test_wrong_file_size(tmp_path: Path) -> None:
    path = tmp_path / "ee.bin"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match=r"100 bytes, expected exactly 4096"):
        Eeprom(path)
    assert path.read_bytes() == b"\x00" * 100  # left alone
    assert Eeprom(tmp_path / "small.bin", size=256, page=8).snapshot() == b"\xff" * 256
    with pytest.raises(ValueError, match="geometry"):
        Eeprom(tmp_path / "bad.bin", size=100, page=32)


def test_write_block_splits_at_page_boundaries(tmp_path: Path) -> None:
    power = powered()
    seen: list[EepromWrite] = []
    power.arm_cut(lambda event: seen.append(event) or False)
    eeprom = Eeprom(tmp_path / "ee.bin", power=power)
    data = bytes(range(100))
    eeprom.write_block(0x1A, data)  # 0x1A..0x1F, 0x20.., 0x40.., 0x60..0x7D
    assert [(e.addr, len(e.data)) for e in seen] == [(0x1A, 6), (0x20, 32), (0x40, 32), (0x60, 30)]
    assert [e.index for e in seen] == [0, 1, 2, 3]
    assert eeprom.read(0x1A, 100) == data
    assert eeprom.write_count == 4 and eeprom.bytes_written == 100


def test_power_lost_when_off(tmp_path: Path) -> None:
    power = powered()
    eeprom = Eeprom(tmp_path / "ee.bin", power=power)
    power.cut()
    with pytest.raises(PowerLost):
        eeprom.write(0, b"x")
    assert eeprom.snapshot() == b"\xff" * 4096 and eeprom.write_count == 0
    power.restore()
    eeprom.write(0, b"x")
    assert eeprom.read(0, 1) == b"x"


@pytest.mark.parametrize("pages_before_cut", [0, 1, 3])
def test_cut_between_transactions_of_a_block(tmp_path: Path, pages_before_cut: int) -> None:
    power = powered()
    path = tmp_path / "ee.bin"
    eeprom = Eeprom(path, power=power)
    power.arm_cut(cut_at_write(eeprom, pages_before_cut + 1))
    block = bytes([0xA5]) * 32 * 4
    with pytest.raises(PowerLost):
        eeprom.write_block(0x200, block)
    assert not power.on
    after = Eeprom(path).snapshot()  # what the next boot reads
    written = 32 * pages_before_cut
    assert after[0x200 : 0x200 + written] == block[:written]
    assert after[0x200 + written : 0x200 + len(block)] == b"\xff" * (len(block) - written)
    assert eeprom.write_count == pages_before_cut


def test_cut_at_write_counts_from_now_and_tears_when_asked(tmp_path: Path) -> None:
    power = powered()
    eeprom = Eeprom(tmp_path / "ee.bin", power=power)
    other = Eeprom(tmp_path / "other.bin", power=power)
    eeprom.write(0x00, b"before")  # not counted: the trigger counts from when it is made
    other.write_block(0x00, b"x" * 64)  # two writes on another part
    power.arm_cut(cut_at_write(eeprom, 2, keep=3))  # eeprom's write index 2
    eeprom.write(0x20, b"first")
    other.write(0x40, b"y")  # index 2 too, but another part's
    assert power.on
    with pytest.raises(PowerLost, match="torn"):
        eeprom.write(0x40, b"second")
    assert not power.on and eeprom.read(0x40, 6) == b"sec\xff\xff\xff"
    with pytest.raises(ValueError):
        cut_at_write(eeprom, 0)


@pytest.mark.parametrize("keep", [0, 1, 17, 31])
def test_torn_write_keeps_exactly_keep_bytes(tmp_path: Path, keep: int) -> None:
    power = powered()
    transitions: list[bool] = []
    power.listeners.append(transitions.append)
    path = tmp_path / "ee.bin"
    eeprom = Eeprom(path, power=power)
    eeprom.write(0x40, b"\x00" * 32)
    eeprom.tear_next_write(keep)
    with pytest.raises(PowerLost, match="torn"):
        eeprom.write(0x40, b"\x11" * 32)
    assert transitions == [False] and not power.on
    assert Eeprom(path).read(0x40, 32) == b"\x11" * keep + b"\x00" * (32 - keep)
    assert eeprom.write_count == 1 and eeprom.bytes_written == 32 + keep
    power.restore()
    eeprom.write(0x40, b"\x22")  # the tear was one-shot
    assert eeprom.read(0x40, 1) == b"\x22"


def test_torn_write_follows_the_page_roll_over(tmp_path: Path) -> None:
    eeprom = Eeprom(tmp_path / "ee.bin")  # no supply: the tear still raises
    eeprom.tear_next_write(6)
    with pytest.raises(PowerLost):
        eeprom.write(0x1C, b"abcdefgh")
    assert eeprom.read(0x1C, 4) == b"abcd" and eeprom.read(0x00, 4) == b"ef\xff\xff"
