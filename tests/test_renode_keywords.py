"""Renode's UART and LED keywords (robot/renode_keywords.py) on a reference bench.

The testers work on the host's side of the RS232 port and on the board's LEDs;
here a small library class gives them the bench of the ``world`` and
``host`` fixtures, as ``DtuLibrary`` gives them its own. The LED pattern is
played on the bench loop's timers, so its phases are the loop's, not the
test thread's.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from dtulab.host import DtuHost
from dtulab.world import World

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "robot"))
from renode_keywords import RenodeKeywords  # robot/ is not a package


class Keywords(RenodeKeywords):
    """The Renode keywords over one fixture bench."""

    target_name = "reference"

    def __init__(self, world: World, host: DtuHost) -> None:
        self.world, self.host = world, host
        self._forget_testers()

    def _world(self) -> World:
        return self.world

    def _console(self) -> DtuHost:
        return self.host

    def _require(self, capability: str) -> None:
        self.world.target.require(capability)


def play(world: World, led: str, on: float, off: float, cycles: int) -> None:
    """Blink ``led`` on the bench loop: ``on`` s on, ``off`` s off, ``cycles`` times."""

    def schedule() -> None:
        loop, lamp, t = asyncio.get_running_loop(), world.leds[led], 0.0
        for _ in range(cycles):
            loop.call_later(t, lamp.set, True)
            loop.call_later(t + on, lamp.set, False)
            t += on + off

    world.call(schedule)


@pytest.mark.req("R-AT-1")
def test_terminal_tester_enters_command_mode_and_reads_lines(world, host):
    kw = Keywords(world, host)
    kw.create_terminal_tester("rs232", timeout="10 s")
    kw.test_if_uart_is_idle("300 ms")  # transparent mode, no data: silence
    for c in "+++":
        kw.write_char_on_uart(c)
    kw.wait_for_prompt_on_uart("a")
    kw.write_char_on_uart("a")
    kw.wait_for_prompt_on_uart("+ok")
    kw.write_line_to_uart("AT")  # waits for the echo
    found = kw.wait_for_line_on_uart("O(K)", treatAsRegex=True)
    assert (found.line, found.groups) == ("OK", ["K"])
    kw.write_line_to_uart("AT", waitForEcho=False)
    with pytest.raises(AssertionError, match="Terminal tester failed!"):
        kw.test_if_uart_is_idle("2 s")
    assert kw.create_terminal_tester("sysbus.uart0") == 0  # the same UART, the same tester
    with pytest.raises(LookupError, match="'uart1' is the board's modem UART"):
        kw.create_terminal_tester("uart1")
    with pytest.raises(LookupError, match="Tester for given ID=7 was not found"):
        kw.write_char_on_uart("x", testerId=7)


@pytest.mark.req("R-LED-3")
def test_led_tester_sees_a_pattern_and_a_phase_off_it(world, host):
    kw = Keywords(world, host)
    data = kw.create_led_tester("DATA")
    kw.assert_led_state(False, testerId=data)  # no socket: DATA off
    with pytest.raises(AssertionError, match="state never changed"):
        kw.assert_led_is_blinking("300 ms", 0.3, 0.3, testerId=data)
    # a generous tolerance: the loop's timers run late on a loaded machine
    play(world, "DATA", 0.4, 0.4, cycles=4)  # over (2.8 s) before the tester's 3.5 s are
    kw.assert_led_is_blinking("3.5 s", 0.4, 0.4, tolerance=0.5, testerId=data)
    play(world, "DATA", 0.4, 1.5, cycles=2)
    with pytest.raises(AssertionError, match=r"an off phase lasted 1\.\d+ s, expected 0\.4"):
        kw.assert_led_is_blinking("3 s", 0.4, 0.4, tolerance=0.5, testerId=data)
