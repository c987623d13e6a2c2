"""The Renode target where no Renode is installed, and its Python peripherals on their own.

Renode is not installable from this project's package sources, so CI has
none: the target must say so ("unsupported on renode: Renode not installed"),
never pass. The Python peripherals renode.repl defines (IronPython 2 scripts inside it)
run here under CPython with the few .NET calls they make
(Environment, File, FileStream) provided by the standard library and the
Renode ones the watchdog makes (its machine, a LimitTimer) by small stand-ins
(the board demo's watchdog test runs them in a real Renode), driven the
way Renode drives them — a request per register access — and by the same
bit-banged I2C sequence as firmware/board/i2c_sbcon.c.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from dtulab.platforms import Unsupported
from dtulab.platforms.emulator import EepromWrite, SccReset, SccWrite
from dtulab.platforms.renode.machine import parse_event
from dtulab.world import World, WorldConfig

REPL = Path(__file__).resolve().parents[1] / "platforms" / "renode" / "renode.repl"


def peripheral_script(name: str) -> str:
    """The ``script: '''…'''`` of the Python peripheral ``name`` in renode.repl."""
    match = re.search(
        rf"^{name}: Python\.PythonPeripheral .*?script: '''\n(.*?)^'''",
        REPL.read_text(),
        re.S | re.M,
    )
    assert match, f"no Python peripheral {name} in renode.repl"
    return match.group(1)


def test_without_renode_the_target_is_unsupported(monkeypatch, tmp_path):
    monkeypatch.setenv("RENODE", "")
    monkeypatch.setenv("PATH", str(tmp_path))  # no renode on it
    with pytest.raises(Unsupported, match="unsupported on renode: Renode not installed"):
        World(WorldConfig(target="renode", state_dir=str(tmp_path))).start()


def test_events_from_the_peripherals():
    assert parse_event("scc reset") == SccReset()
    assert parse_event("scc 4 9") == SccWrite(4, 9)
    assert parse_event("scc 4 9 1234.500") == SccWrite(4, 9, virtual=1.2345)
    assert parse_event("ee 120 44545553") == EepromWrite(0x50, 0x120, b"DTUS")


# -- the IronPython peripherals under CPython ---------------------------------------------


class _File:  # the .NET names the scripts call
    @staticmethod
    def AppendAllText(path: str, text: str) -> None:
        with open(path, "a") as f:
            f.write(text)

    @staticmethod
    def Exists(path: str) -> bool:
        return Path(path).exists()

    @staticmethod
    def ReadAllBytes(path: str) -> bytes:
        return Path(path).read_bytes()


class _FileStream:
    def __init__(self, path: str, mode: str) -> None:
        self.f = open(path, mode)  # noqa: SIM115 (closed by Close, as .NET's)

    def Write(self, data: list[int], offset: int, count: int) -> None:
        self.f.write(bytes(data[offset : offset + count]))

    def Flush(self, _to_disk: bool) -> None:
        self.f.flush()

    def Close(self) -> None:
        self.f.close()


class _Array:
    def __class_getitem__(cls, _kind: Any) -> type:
        return list


@pytest.fixture
def dotnet(monkeypatch, tmp_path) -> Path:
    """The .NET names the scripts import, and their files (image, events) in tmp_path."""
    system = types.ModuleType("System")
    system.__dict__.update(
        Environment=types.SimpleNamespace(
            GetEnvironmentVariable=lambda n: __import__("os").environ.get(n)
        ),
        Convert=types.SimpleNamespace(ToUInt32=lambda text, base: int(text, base)),
        Array=_Array,
        Byte=int,
    )
    io = types.ModuleType("System.IO")
    io.__dict__.update(
        File=_File, FileStream=_FileStream, FileMode=types.SimpleNamespace(Open="r+b")
    )
    monkeypatch.setitem(sys.modules, "System", system)
    monkeypatch.setitem(sys.modules, "System.IO", io)
    (tmp_path / "ee.bin").write_bytes(b"\xff" * 4096)
    monkeypatch.setenv("DTULAB_EEPROM", str(tmp_path / "ee.bin"))
    monkeypatch.setenv("DTULAB_EVENTS", str(tmp_path / "events.txt"))
    return tmp_path


class Peripheral:
    """A Python.PythonPeripheral as Renode runs it: the whole script per request, one scope."""

    def __init__(self, name: str) -> None:
        self.code = compile(peripheral_script(name), f"renode.repl:{name}", "exec")
        self.scope: dict[str, Any] = {"self": self}  # Renode's: the PythonPeripheral
        self._request(isInit=True)

    def _request(self, **fields: Any) -> int:
        base = {"isInit": False, "isRead": False, "isWrite": False, "offset": 0, "value": 0}
        request = types.SimpleNamespace(**{**base, **fields})
        self.scope["request"] = request
        exec(self.code, self.scope)
        return request.value

    def write(self, offset: int, value: int) -> None:
        self._request(isWrite=True, offset=offset, value=value)

    def read(self, offset: int) -> int:
        return self._request(isRead=True, offset=offset)


class I2cMaster:
    """firmware/board/i2c_sbcon.c, bit for bit: CONTROLS (0x0) releases, CONTROLC (0x4) pulls."""

    def __init__(self, sbcon: Peripheral) -> None:
        self.bus = sbcon
        self.bus.write(0, 3)

    def scl(self, high: int) -> None:
        self.bus.write(0 if high else 4, 1)

    def sda(self, high: int) -> None:
        self.bus.write(0 if high else 4, 2)

    def start(self) -> None:
        self.sda(1), self.scl(1), self.sda(0), self.scl(0)

    def stop(self) -> None:
        self.sda(0), self.scl(1), self.sda(1)

    def write_byte(self, byte: int) -> bool:
        for bit in range(7, -1, -1):
            self.sda(byte >> bit & 1), self.scl(1), self.scl(0)
        self.sda(1), self.scl(1)
        ack = not self.bus.read(0) & 2
        self.scl(0)
        return ack

    def read_byte(self, ack: bool) -> int:
        byte = 0
        self.sda(1)
        for _ in range(8):
            self.scl(1)
            byte = byte << 1 | (self.bus.read(0) >> 1 & 1)
            self.scl(0)
        self.sda(not ack), self.scl(1), self.scl(0)
        return byte

    def write(self, addr: int, data: bytes, device: int = 0x50) -> bool:
        self.start()
        ok = all(self.write_byte(b) for b in (device << 1, addr >> 8, addr & 0xFF, *data))
        self.stop()
        return ok

    def read(self, addr: int, n: int) -> bytes:
        self.start()
        for b in (0xA0, addr >> 8, addr & 0xFF):
            self.write_byte(b)
        self.start()
        assert self.write_byte(0xA1)
        data = bytes(self.read_byte(i < n - 1) for i in range(n))
        self.stop()
        return data


def test_the_sbcon_eeprom_stores_reads_and_reports_a_write(dotnet):
    i2c = I2cMaster(Peripheral("i2c"))
    assert i2c.write(0x0120, b"DTUS")
    assert i2c.read(0x011F, 6) == b"\xffDTUS\xff"
    assert (dotnet / "ee.bin").read_bytes()[0x120:0x124] == b"DTUS"  # at the STOP, on disk
    assert (dotnet / "events.txt").read_text() == "ee 120 44545553\n"
    i2c.start()
    assert i2c.write_byte(0xA0)  # ACK polling: the part answers at once
    i2c.stop()
    assert not i2c.write(0, b"x", device=0x51)  # nobody at 0x51: no ACK, nothing stored
    assert (dotnet / "events.txt").read_text().count("\n") == 1


def test_the_eeprom_image_survives_a_new_renode(dotnet):
    assert I2cMaster(Peripheral("i2c")).write(4090, b"0123456789")  # runs past the end
    again = I2cMaster(Peripheral("i2c"))
    assert again.read(4090, 6) == b"012345" and again.read(0, 4) == b"6789"


def test_the_scc_reports_leds_and_resets_on_the_virtual_clock(dotnet, renode_runtime):
    scc = Peripheral("scc")
    renode_runtime.virtual_ms = 1234.5
    scc.write(4, 0b1001)  # POW and PWRKEY
    assert scc.read(4) == 0b1001
    lines = (dotnet / "events.txt").read_text()
    assert lines == "scc reset\nscc 4 9 1234.500\n"
    assert parse_event(lines.splitlines()[1]) == SccWrite(4, 9, virtual=1.2345)


def test_the_strap_reads_the_benchs_word(dotnet, monkeypatch):
    monkeypatch.setenv("DTULAB_STRAP", "54494d01")
    assert Peripheral("strap").read(0xF00) == 0x54494D01  # 0x203FFF00, as on QEMU
    monkeypatch.setenv("DTULAB_STRAP", "")
    assert Peripheral("strap").read(0xF00) == 0


class _LimitTimer:
    """Renode's LimitTimer as the watchdog script uses it; ``reach_zero`` is its clock."""

    class _Event(list[Any]):
        def __iadd__(self, handler: Any) -> _LimitTimer._Event:  # type: ignore[misc]
            self.append(handler)
            return self

    def __init__(
        self, _clock: Any, frequency: int, _owner: Any, _name: str, limit: int, *_modes: Any
    ) -> None:
        self.frequency, self.Limit, self.Value, self.Enabled = frequency, limit, limit, False
        self.LimitReached = self._Event()

    def ResetValue(self) -> None:
        self.Value = self.Limit

    def reach_zero(self) -> None:
        assert self.Enabled, "a stopped counter does not expire"
        self.Value = self.Limit
        for handler in self.LimitReached:
            handler()


class _Machine:
    """Renode's Machine as the scripts use it: its clock, reset, virtual time (ms)."""

    def __init__(self) -> None:
        self.ClockSource, self.resets, self.virtual_ms = object(), 0, 0.0

    def RequestReset(self) -> None:
        self.resets += 1

    @property
    def ElapsedVirtualTime(self) -> Any:  # a TimeStamp: .TimeElapsed.TotalMilliseconds
        elapsed = types.SimpleNamespace(TotalMilliseconds=self.virtual_ms)
        return types.SimpleNamespace(TimeElapsed=elapsed)


@pytest.fixture
def renode_runtime(monkeypatch) -> _Machine:
    """The Renode names the scripts import: one machine, its clocks, LimitTimer."""
    machine = _Machine()
    emulation = types.SimpleNamespace(Machines=[machine])
    modules: dict[str, dict[str, Any]] = {
        "Antmicro.Renode.Core": {
            "EmulationManager": types.SimpleNamespace(
                Instance=types.SimpleNamespace(CurrentEmulation=emulation)
            )
        },
        "Antmicro.Renode.Time": {
            "Direction": types.SimpleNamespace(Descending=1),
            "WorkMode": types.SimpleNamespace(Periodic=0),
        },
        "Antmicro.Renode.Peripherals.Timers": {"LimitTimer": _LimitTimer},
    }
    for name, names in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(names)
        monkeypatch.setitem(sys.modules, name, module)
    return machine


def test_the_watchdog_resets_the_machine_on_its_second_timeout(renode_runtime):
    wdog = Peripheral("watchdog")
    counter = wdog.scope["counter"]
    assert counter.frequency == 25_000_000 and not counter.Enabled
    # firmware/board/watchdog.c: unlock, LOAD = 2 s, INTEN | RESEN, lock
    wdog.write(0xC00, 0x1ACCE551)
    wdog.write(0x00, 50_000_000)
    wdog.write(0x08, 3)
    wdog.write(0xC00, 0)
    assert counter.Enabled and counter.Limit == 50_000_000 and wdog.read(0xC00) == 1
    wdog.write(0x0C, 1)  # locked: a kick without the key is ignored
    counter.reach_zero()
    assert wdog.read(0x10) == 1 and wdog.read(0x14) == 1 and renode_runtime.resets == 0
    counter.Value = 7
    wdog.write(0xC00, 0x1ACCE551)
    wdog.write(0x0C, 1)  # the kick: interrupt cleared, counter reloaded
    assert wdog.read(0x10) == 0 and wdog.read(0x04) == 50_000_000
    counter.reach_zero()
    assert renode_runtime.resets == 0  # the first timeout after a kick only interrupts
    counter.reach_zero()
    assert renode_runtime.resets == 1  # the second one resets the board
    wdog._request(isInit=True)  # the reset re-runs the script's init: stopped, one counter
    assert wdog.scope["counter"] is counter and not counter.Enabled and wdog.read(0x08) == 0


def test_dtulab_run_says_why_in_one_line(monkeypatch, tmp_path, capsys):
    from dtulab.cli import main

    monkeypatch.setenv("RENODE", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["run", "--target", "renode"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "dtulab: error: unsupported on renode: Renode not installed: set RENODE to the renode "
        "launcher or put renode on PATH (docs/targets.md)"
    ]
