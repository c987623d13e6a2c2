"""ATW survives a power cut at any point of the save (R-AT-7, R-PWR-1).

The settings store (dtu/store.py) keeps two slots with sequence number and
CRC. These tests cut the power at every EEPROM write transaction an ATW
makes — through the DTU's RS232 port — and inside a page (a torn write),
then check after the cold boot that the DTU has the old settings or the new
ones in full, never a mixture; the last test does the same exhaustively on
the store alone.
"""

import struct
import zlib

import pytest

from dtulab.campaign.power import NEW_SETTINGS as NEW
from dtulab.campaign.power import OLD_SETTINGS as OLD
from dtulab.campaign.power import apply, boot_to_command_mode, snapshot
from dtulab.dtu.settings import Settings
from dtulab.dtu.store import HEADER, PAGE, Record, SettingsStore
from dtulab.peripherals.eeprom import Eeprom, PowerLost, cut_at_write
from dtulab.peripherals.power import PowerSupply


@pytest.mark.slow
@pytest.mark.timeout(600)
# not on renode: a Renode boot takes about 4 s and an ATW 3-9 s (its bit-banged I2C runs a
# Python peripheral for every register access), so the 20 cuts would take a quarter of an
# hour; `dtulab campaign power --target renode --scenario atw` cuts there
@pytest.mark.parametrize(
    "world",
    [{"target": t} for t in ("reference", "qemu", "native")],
    indirect=True,
    ids=["reference", "qemu", "native"],
)
@pytest.mark.req("R-AT-7", "R-PWR-1")
def test_a_cut_at_every_eeprom_write_of_atw_leaves_old_or_new_settings(world, host):
    host.enter_command_mode()
    apply(host, OLD, save=True)
    old = snapshot(host)
    world.settle_storage()
    before = world.call(lambda: world.eeprom.write_count)
    apply(host, NEW, save=True)
    world.settle_storage()
    writes = world.call(lambda: world.eeprom.write_count) - before
    new = snapshot(host)
    assert writes >= 10 and old != new
    outcomes = []
    # a cut before each write; the first write torn; the header page (the last write)
    # torn inside its 14 meaningful bytes (old) and after them (committed: new)
    plan = [(k, None) for k in range(1, writes + 1)] + [(1, 5), (writes, 1), (writes, 13)]
    plan.append((writes, 20))
    for k, keep in plan:
        apply(host, OLD, save=True)  # the newest record holds the old settings again
        apply(host, NEW, save=False)
        world.cut_power_at_eeprom_write(k, keep)
        host.write("ATW\r")
        world.wait(lambda: not world.power.on, 20, f"the cut at write {k}")
        world.call(world.power.disarm_all)
        boot_to_command_mode(world, host)
        after = snapshot(host)
        assert after in (old, new), f"cut at write {k} (keep={keep}) left {after}"
        outcomes.append("new" if after == new else "old")
    assert outcomes[-1] == "new" and outcomes[:-1] == ["old"] * (len(plan) - 1)


def test_store_survives_every_cut_and_tear(tmp_path):
    """The store alone: a cut before each write, and each write torn at three places."""
    old, new = Settings(), Settings()
    new.apn, new.sms_number, new.boot_message = "private.apn", "13800000000", "new" * 10
    for sock in new.sockets:
        sock.enabled, sock.host, sock.port = True, "127.0.0.1", 6000
    probe = Eeprom(tmp_path / "probe.bin")
    SettingsStore(probe).save(new)
    writes = probe.write_count
    outcomes = set()
    for k in range(1, writes + 1):
        for keep in (None, 1, 13, 31):
            path = tmp_path / f"case-{k}-{keep}.bin"
            power = PowerSupply()
            eeprom = Eeprom(path, power=power)
            store = SettingsStore(eeprom)
            store.save(old)
            power.arm_cut(cut_at_write(eeprom, k, keep))
            with pytest.raises(PowerLost):
                store.save(new)
            loaded = SettingsStore(Eeprom(path)).load()
            assert loaded in (old, new), f"write {k}, keep {keep}"
            outcomes.add("new" if loaded == new else "old")
    # a cut before the header page keeps the old record; a header torn after its
    # 14 meaningful bytes has committed the new one
    assert outcomes == {"old", "new"}


def test_store_sequence_number_wraps(tmp_path):
    """After seq 0xFFFFFFFF the next record is seq 0, and it is the one loaded (the firmware's
    fuzz_store harness found its twin keeping the old one)."""
    first, second, third = Settings(), Settings(), Settings()
    second.apn, third.apn = "second.apn", "third.apn"
    eeprom = Eeprom(tmp_path / "eeprom.bin")
    store = SettingsStore(eeprom)
    store.save(first)  # slot A, seq 1: made seq 0xFFFFFFFF with its CRC
    magic, _, length, _ = HEADER.unpack(eeprom.read(0, HEADER.size))
    payload = eeprom.read(PAGE, length)
    crc = zlib.crc32(struct.pack(">IH", 0xFFFFFFFF, length) + payload)
    eeprom.write_block(0, HEADER.pack(magic, 0xFFFFFFFF, length, crc))
    assert store.load() == first
    store.save(second)
    assert store.newest() == Record(1, 0, second)
    assert store.load() == second
    store.save(third)
    assert store.newest() == Record(0, 1, third)
