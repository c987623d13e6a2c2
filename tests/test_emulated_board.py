"""The emulated board: real qemu-system-arm, or Renode where it is installed, running the
board demo firmware; and the native target's process running the same demo on its HAL.

``firmware/build/board-demo.elf`` (``make -C firmware demo``) exercises the
board layer alone: a banner, UART echo, LED, EEPROM, reset and watchdog
commands on the debug console. These tests check what platforms/emulator.py,
platforms/qemu and platforms/renode (with renode.repl's Python peripherals)
add around the emulator: the UART wiring, LEDs from the SCC, EEPROM
transactions mirrored into the bench's EEPROM model (and cuts armed on them),
power cut, brown-out, the firmware's own reset and its watchdog, the timing
strap, the modem's PWRKEY and the board file. Each test runs on both
emulators and on native (``make -C firmware native-demo``: board/demo.c on
firmware/native/hal_native.c); where Renode is not installed its half reports
"unsupported on renode: Renode not installed" as the skip reason. The DTU
firmware itself is tested by the Robot suites with TARGET:qemu, TARGET:renode
and TARGET:native.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dtulab.console import Console
from dtulab.peripherals.eeprom import EepromWrite as ModelWrite
from dtulab.platforms.base import TargetError, Unsupported
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.firmware import make_firmware
from dtulab.platforms.renode.machine import find_renode
from dtulab.world import World, WorldConfig

READY = b"board-demo ready\r\n"
START = 60  # Renode (mono) takes seconds to start on a loaded 2-core machine


@pytest.fixture(params=["qemu", "renode", "native"])
def emulator(request) -> str:
    if request.param == "renode":
        try:
            find_renode()
        except Unsupported as exc:
            pytest.skip(str(exc))
    return request.param


@pytest.fixture(scope="module")
def demo_elf() -> Path:
    return make_firmware("demo")


@pytest.fixture
def demo(emulator: str, demo_elf: Path) -> Path:
    """The demo for ``emulator``: the ELF, or on native the same source on the native HAL."""
    return make_firmware("native-demo") if emulator == "native" else demo_elf


@contextlib.contextmanager
def demo_bench(
    emulator: str, image: Path, tmp_path: Path, board: str = ""
) -> Iterator[tuple[World, Console]]:
    """The demo booted on ``emulator`` (with a board file if given), the host on its RS232."""
    config = WorldConfig(
        target=emulator,
        firmware=str(image),
        board=board,
        state_dir=str(tmp_path),
        power_on=False,
    )
    with World(config) as world, Console(world.rs232_port) as host:
        world.power_on()  # with the port open: opening it flushes what came before
        host.expect(READY, START)
        yield world, host


@pytest.fixture
def bench(emulator: str, demo: Path, tmp_path: Path) -> Iterator[tuple[World, Console]]:
    with demo_bench(emulator, demo, tmp_path) as bench:
        yield bench


def emulated(world: World) -> EmulatorTarget:
    assert isinstance(world.target, EmulatorTarget)
    return world.target


def debug(world: World, line: str, reply: str | None = "ok", timeout: float = 20) -> None:
    """A command on the demo's debug console; wait for its reply line."""
    target = emulated(world)
    seen = len(target.console)
    world.run(target.console_write(line.encode() + b"\r\n"))
    if reply is not None:
        world.wait(lambda: reply in target.console[seen:], timeout, f"{reply!r} after {line!r}")


def test_rs232_is_wired_both_ways(bench):
    world, host = bench
    burst = bytes(range(32, 127)) * 40  # 3800 bytes in one write
    host.write(burst)
    assert host.read_exactly(len(burst), 20) == burst
    assert emulated(world).console[0] == "board-demo ready"


@pytest.mark.slow
def test_the_bench_knows_when_the_uart_has_taken_a_burst(bench):
    """A burst reaches the bench at once and the emulated UART takes it at its own pace:
    wait_rs232_taken() returns once the emulator has every byte (its echo is all back). QEMU
    takes them as the firmware does; Renode reads them into the UART's queue at once."""
    world, host = bench
    burst = bytes(range(32, 127)) * 320  # 30 kB: two seconds at QEMU's 15 kB/s
    host.write(burst)
    if emulated(world).machine_class.UART_PACES_SOCKET:
        assert world.call(world.rs232_taken) < host.sent  # still on its way in
    world.wait_rs232_taken(host.sent, timeout=120)
    assert world.call(world.target.rs232_backlog) == 0
    assert host.read_exactly(len(burst), 60) == burst


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
    debug(world, "ee w 64 c0ffee")  # the report of the write may trail the console's "ok"
    world.wait(lambda: world.eeprom.read(64, 3) == b"\xc0\xff\xee", 10, "the write mirrored")
    world.cut_power()
    world.wait(lambda: world.target.machine is None, 10, "the emulator process gone")
    world.power_on()
    host.expect(READY, START)
    debug(world, "ee r 64 3", "c0ffee")


def test_a_cut_armed_on_an_eeprom_write_keeps_that_write_out(bench):
    world, host = bench
    debug(world, "ee w 0 01")
    world.call(lambda: world.power.arm_cut(lambda e: isinstance(e, ModelWrite)))
    debug(world, "ee w 0 02", reply=None)
    world.wait(lambda: not world.power.on, 20, "the cut")
    assert world.eeprom.read(0, 1) == b"\x01"
    world.power_on()
    host.expect(READY, START)
    debug(world, "ee r 0 1", "01")  # the image came from the model: the write never happened


def test_a_brown_out_holds_the_mcu_in_reset(bench):
    world, host = bench
    machine = world.target.machine
    debug(world, "led 0 1")
    world.set_rail("dc", 5.0)
    world.wait(lambda: not world.power.on, 10, "brown-out")
    assert world.target.machine is machine and machine.running  # held, not killed
    world.wait(lambda: not world.leds["POW"].on, 10, "LEDs off in reset")
    world.set_rail("dc", 12.0)
    host.expect(READY, 20)  # the reset pin: the firmware starts again
    assert world.target.machine is machine


def test_a_cut_restored_at_once_is_still_a_cut(bench):
    """The target hears of the cut after the rails are back: it must not take it for a
    brown-out (MCU held, the emulator's EEPROM kept) — found by the ATW cut test under load."""
    world, host = bench
    machine = world.target.machine
    world.call(lambda: (world.power.cut(), world.power.restore()))
    host.expect(READY, START)
    assert world.target.machine is not machine and not machine.running  # a new process


@pytest.mark.slow
def test_software_reset_and_watchdog_restart_the_firmware(bench):
    world, host = bench
    debug(world, "reset", reply=None)
    host.expect(READY, 20)
    debug(world, "wd")  # the watchdog resets the board 4 s after the last kick
    host.expect(READY, 30)


def test_the_timing_strap_reaches_the_firmware(bench):
    world, _ = bench
    debug(world, "tim", "timing 1")  # fast: the bench's profile


def test_the_pwrkey_bit_powers_the_modem_on(emulator, demo, tmp_path):
    """A press (0 -> 1) of the board file's pwrkey bit turns a modem that is off on."""
    board = tmp_path / "board.toml"
    board.write_text("[leds]\nPOW = 0\nNET = 1\n[modem]\npwrkey = 2\n")  # the demo's LED 2
    with demo_bench(emulator, demo, tmp_path, str(board)) as (world, _):
        modem = world.modem
        world.run(modem.power_off("UNDER-VOLTAGE POWER DOWN"))
        boots = modem.boot_count
        assert not modem.power.on and emulated(world).pwrkey_presses == 0
        debug(world, "led 2 1")  # pressed
        world.wait(lambda: modem.power.on, 10, "the modem on")
        assert modem.boot_count == boots + 1 and emulated(world).pwrkey_presses == 1
        assert not world.leds["DATA"].on  # the bit is the key, not an LED
        debug(world, "led 2 1")  # still held: no new press
        debug(world, "led 2 0")  # released
        debug(world, "led 2 1")  # a press while the modem is on changes nothing
        assert emulated(world).pwrkey_presses == 2 and modem.boot_count == boots + 1
        assert modem.power.on


def test_a_board_file_rewires_a_users_firmware(emulator, demo, tmp_path):
    """The same image with its LEDs described differently: the board file decides."""
    board = tmp_path / "board.toml"
    board.write_text("[leds]\nDATA = 0\nPOW = 2\n")  # NET left out: never driven
    with demo_bench(emulator, demo, tmp_path, str(board)) as (world, _):
        debug(world, "led 0 1")  # bit 0
        world.wait(lambda: world.leds["DATA"].on, 10, "DATA on")
        debug(world, "led 1 1")  # bit 1: wired to nothing
        debug(world, "led 2 1")  # bit 2
        world.wait(lambda: world.leds["POW"].on, 10, "POW on")
        assert not world.leds["NET"].on


SLOW_LISTEN = """#!{python}
# qemu-system-arm as a busy machine can run it: every server socket it is told to create
# exists (bound) a second before it listens. Then the real QEMU runs.
import os, re, shutil, socket, sys, time
held = []
for arg in sys.argv[1:]:
    m = re.search(r"path=([^,]+),server=on", arg) or re.match(r"unix:([^,]+),server=on", arg)
    if m:
        s = socket.socket(socket.AF_UNIX)
        s.bind(m.group(1))
        held.append((s, m.group(1)))
time.sleep(1.0)
for s, path in held:
    s.close()
    os.unlink(path)
qemu = shutil.which("qemu-system-arm")
os.execv(qemu, [qemu, *sys.argv[1:]])
"""


def test_a_qemu_slow_to_open_its_sockets_still_starts(demo_elf, tmp_path, monkeypatch):
    """The bench never connects to a socket QEMU has made but does not yet listen on (it
    listens and QEMU connects): on a busy machine the old way was refused now and then."""
    wrapper = tmp_path / "slow-qemu"
    wrapper.write_text(SLOW_LISTEN.format(python=sys.executable))
    wrapper.chmod(0o755)
    monkeypatch.setenv("QEMU", str(wrapper))
    with demo_bench("qemu", demo_elf, tmp_path) as (world, _):
        debug(world, "tim", "timing 1")


def test_a_qemu_that_exits_at_start_is_a_clear_error(demo_elf, tmp_path, monkeypatch):
    wrapper = tmp_path / "broken-qemu"
    wrapper.write_text("#!/bin/sh\necho 'qemu-system-arm: no such machine here' >&2\nexit 1\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("QEMU", str(wrapper))
    config = WorldConfig(target="qemu", firmware=str(demo_elf), state_dir=str(tmp_path))
    with World(config) as world:
        with pytest.raises(TargetError) as failed:
            world.power_on()
        message = str(failed.value)
        assert "qemu exited with 1 before connecting qmp" in message
        assert "no such machine here" in message
        assert "no such machine here" in world.status_line()
