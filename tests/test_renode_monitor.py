"""Renode's ``Execute Command`` on a bench (dtulab/testers/monitor.py): the bench's control
commands as monitor commands, Renode's errors (RenodeKeywords.cs ``ExecuteCommand``)."""

from __future__ import annotations

import pytest

from dtulab.platforms.base import Unsupported
from dtulab.testers.monitor import execute, renode_monitor, time_interval
from dtulab.testers.provider import KeywordException
from dtulab.world import World


def test_time_intervals_as_renode_reads_them() -> None:
    cases = {"5": 5.0, "0.25": 0.25, "00:01:02.5": 62.5, "1:00:00": 3600.0, "5s": 5.0}
    cases["100ms"] = 100.0  # Renode takes the number and drops the unit
    assert {text: time_interval(text) for text in cases} == cases
    with pytest.raises(ValueError, match="Could not parse soon to time interval"):
        time_interval("soon")


@pytest.mark.req("R-LED-1", "R-PWR-1")
def test_bench_commands_drive_the_bench(world: World) -> None:
    world.wait_led("POW", True, 30)  # the firmware has started
    assert "POW ●" in execute(world, "status")
    assert execute(world, "power off") == "power off"  # returns once the board is off
    assert not world.leds["POW"].on
    assert execute(world, "power on") == "power on"
    world.wait_led("POW", True, 30)  # once the firmware runs again
    assert execute(world, "") == ""
    before = world.now()
    assert execute(world, 'emulation RunFor "0.5"') == ""
    assert world.now() - before >= 0.5


def test_monitor_errors_as_renode_words_them(world: World) -> None:
    with pytest.raises(KeywordException) as info:
        execute(world, "power sideways")
    assert str(info.value) == (
        "KeywordException: There was an error when executing command 'power sideways': "
        "usage: power on|off"
    )
    with pytest.raises(KeywordException) as info:
        execute(world, "sysbus ReadDoubleWord 0x40004000")
    assert str(info.value).startswith(
        "KeywordException: Could not execute command 'sysbus ReadDoubleWord 0x40004000': "
        f"the {world.target.name} bench has no monitor command 'sysbus' (it has: sms, "
    )
    assert str(info.value).endswith(", emulation RunFor)")
    with pytest.raises(KeywordException, match="Could not execute command 'send \"dc1'"):
        execute(world, 'send "dc1')
    with pytest.raises(Unsupported, match="no emulator monitor of its own"):
        renode_monitor(world, "sysbus ReadDoubleWord 0x40004000")


@pytest.mark.parametrize("world", [{"target": "renode"}], indirect=True)
def test_on_renode_a_monitor_line_runs_in_renodes_own_monitor(world: World) -> None:
    """Through Renode's robot server: the output of a monitor command, and Renode's own error
    for one that fails, worded as Renode's ExecuteCommand keyword words it."""
    assert "Renode" in execute(world, "version")
    with pytest.raises(KeywordException) as info:
        execute(world, "sysbus.nosuchperipheral Reset")
    assert str(info.value).startswith(  # Renode's own message, as its keyword gives it
        "KeywordException: Could not execute command 'sysbus.nosuchperipheral Reset'"
    )
