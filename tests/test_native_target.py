"""What the native target adds around the DTU logic as a process (platforms/native/): a
program that cannot run, or dies at start, is one clear error; a board file that wires a UART
the native HAL lacks is refused; a coverage build keeps its gcov counters over a warm reset and
a power cut. The board as the firmware sees it (UARTs, LEDs, EEPROM and cuts, brown-out, reset,
watchdog, strap, PWRKEY, board file) is test_emulated_board.py's native half, with the demo on
the native HAL; the DTU logic, the Robot suites with TARGET:native.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dtulab.console import Console
from dtulab.platforms.base import TargetError
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.platforms.firmware import BUILD, make_firmware
from dtulab.world import World, WorldConfig

READY = b"board-demo ready\r\n"


def bench(tmp_path: Path, firmware: Path, board: str = "") -> World:
    config = WorldConfig(
        target="native",
        firmware=str(firmware),
        board=board,
        state_dir=str(tmp_path / "state"),
        power_on=False,
    )
    return World(config)


def test_an_image_for_another_machine_is_a_clear_error(tmp_path):
    arm = make_firmware("demo")  # an ELF for the mps2-an385 board, not for this host
    with bench(tmp_path, arm) as world, pytest.raises(TargetError) as failed:
        world.power_on()
    assert str(failed.value) == f"cannot run {arm}: Exec format error"


def test_a_program_that_dies_at_start_says_so_with_its_stderr(tmp_path):
    program = tmp_path / "dies"
    program.write_text("#!/bin/sh\necho 'hal_native: no EEPROM image here' >&2\nexit 3\n")
    program.chmod(0o755)
    with bench(tmp_path, program) as world, pytest.raises(TargetError) as failed:
        world.power_on()
    message = str(failed.value)
    assert message.startswith(f"the native firmware {program} exited with 3; its stderr:")
    assert message.endswith("hal_native: no EEPROM image here")


def test_a_board_file_wiring_a_uart_the_hal_lacks_is_refused(tmp_path):
    board = tmp_path / "board.toml"
    board.write_text("[uarts]\ndebug = 3\n")
    beyond = r"UARTs 0\.\.2: the board file puts debug beyond"
    with (
        bench(tmp_path, make_firmware("native-demo"), str(board)) as world,
        pytest.raises(TargetError, match=beyond),
    ):
        world.power_on()


def test_a_coverage_build_keeps_its_counters_over_a_reset_and_a_cut(tmp_path):
    """The counters are written when the process executes itself again (a warm reset) and
    when the bench cuts the power (SIGTERM: dumped, then ended), never lost with it."""
    demo = make_firmware("native-demo COVERAGE=1")
    counters = BUILD / "native-cov" / "obj" / "board" / "demo.gcda"  # the demo's own: no one
    counters.unlink(missing_ok=True)  # else runs this build
    with bench(tmp_path, demo) as world, Console(world.rs232_port) as host:
        world.power_on()
        host.expect(READY, 30)
        target = world.target
        assert isinstance(target, EmulatorTarget)
        world.run(target.console_write(b"reset\r\n"))
        host.expect(READY, 30)
        assert counters.stat().st_size > 0  # written before the program ran again
        written = counters.stat().st_mtime_ns
        machine = target.machine
        assert machine is not None and machine.proc is not None
        world.cut_power()
        world.wait(lambda: target.machine is None, 20, "the process gone")
        assert machine.proc.returncode == 0  # it ended on SIGTERM, not SIGKILL
        assert counters.stat().st_mtime_ns > written
