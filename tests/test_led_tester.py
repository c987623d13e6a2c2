"""Renode's LED tester on the LED model (dtulab/testers/led.py, provider.py), on virtual time.

Each case is one of LEDTester.cs's (renode-infrastructure
src/Emulator/Main/Testing/LEDTester.cs) with the outcome Renode gives: the
message and, on virtual time, the instant the assertion returns or fails
(Renode fails a blinking check at the phase that breaks the pattern, and a
hold at the change, not at the end of the duration). The LED is the real
model on the loop's clock; a pattern is played on the loop's timers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from dtulab.peripherals.leds import Led
from dtulab.testers import provider
from dtulab.testers.led import LedTester, check_machine, resolve
from dtulab.testers.provider import ArgumentError, InvalidOperation, KeywordException, dotnet
from tests.virtual_time import LoopClock, run

WIRING = {"POW": 0, "NET": 1, "DATA": 2}  # platforms/board.toml


def at(t: float, led: Led, on: bool) -> None:
    """Set ``led`` at loop time ``t``."""
    loop = asyncio.get_running_loop()
    loop.call_at(t, led.set, on)


def pattern(led: Led, t: float, phases: list[tuple[bool, float]]) -> None:
    """From loop time ``t``: each (state, length) in turn."""
    for on, length in phases:
        at(t, led, on)
        t += length


async def outcome(check: Coroutine[Any, Any, None]) -> tuple[float, str]:
    """When ``check`` ended (loop time) and how: "" or the error's message."""
    try:
        await check
    except (InvalidOperation, ArgumentError) as exc:
        return asyncio.get_running_loop().time(), str(exc)
    return asyncio.get_running_loop().time(), ""


def scenario(body: Any) -> Any:
    """Run ``body(led)`` on virtual time with a fresh LED (off) on the loop's clock."""

    async def main() -> Any:
        await asyncio.sleep(1)  # from t = 1: a LED that never changed has no timeline
        return await body(Led("DATA", LoopClock()))

    return run(main())


def test_assert_state_now_or_within_the_timeout() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led, default_timeout=0.5)
        at(1.25, led, True)
        return [
            await outcome(tester.assert_state(False)),  # already off: at once
            await outcome(tester.assert_state(True, 0)),  # 0: now, and it is off
            await outcome(tester.assert_state(True)),  # the default 0.5 s: on at 1.25
            await outcome(tester.assert_state(False)),  # stays on: fails after 0.5 s
            await outcome(tester.assert_state(True, -1)),
        ]

    now, never, waited, late, negative = scenario(body)
    assert now == (1.0, "")
    assert never[1].startswith("InvalidOperationException: LED assertion not met.\n")
    assert waited == (1.25, "")
    assert late[0] == 1.75 and "LED DATA is on, expected off within 0.5 s" in late[1]
    assert negative[1] == (
        "ArgumentException: Value must not be negative, but was -1 (Parameter 'timeout')"
    )


def test_assert_and_hold_state() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led)
        pattern(led, 2.0, [(True, 0.5), (False, 0.25), (True, 2)])
        return [
            await outcome(tester.assert_and_hold_state(False, 0, 0.5)),  # held 1 .. 1.5
            await outcome(tester.assert_and_hold_state(False, 0, 1)),  # on at 2: changed
            await outcome(tester.assert_and_hold_state(False, 1, 1)),  # off at 2.5, on 2.75
            await outcome(tester.assert_and_hold_state(False, 0.125, 1)),  # on until 4.75
            await outcome(tester.assert_and_hold_state(True, 1, 0)),
        ]

    held, changed, reverted, initial, zero = scenario(body)
    assert held == (1.5, "")
    assert changed[0] == 2.0 and changed[1].startswith("InvalidOperationException: LED changed")
    assert reverted[0] == 2.75 and "LED changed state." in reverted[1]
    assert initial[0] == 2.875
    assert initial[1].startswith("InvalidOperationException: Initial LED assertion not met.\n")
    assert zero[1] == (
        "ArgumentException: Value must be positive, but was 0 (Parameter 'timeoutHold')"
    )


def test_assert_and_hold_counts_the_hold_from_the_change() -> None:
    async def body(led: Led) -> tuple[float, str]:
        pattern(led, 1.5, [(True, 3)])
        return await outcome(LedTester(led).assert_and_hold_state(True, 1, 2))

    assert scenario(body) == (3.5, "")  # on at 1.5, held 2 s from then


def test_duty_cycle_between_the_changes_from_the_first() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led)
        # from t = 1.5 (mid-way: the first 0.5 s before the first change are not counted),
        # 0.25 s on, 0.75 s off, 3 times, then on for good (that last phase still runs)
        pattern(led, 1.5, [(True, 0.25), (False, 0.75)] * 3 + [(True, 9)])
        first = await outcome(tester.assert_duty_cycle(4, 0.25, 0.01))
        return [first, await outcome(tester.assert_duty_cycle(1, 0.5))]

    quarter, steady = scenario(body)
    assert quarter == (5.0, "")  # whole duration
    assert steady == (6.0, "")  # one change at most in it: Renode's 0/0 passes


def test_duty_cycle_out_of_tolerance_fails_at_the_end() -> None:
    async def body(led: Led) -> tuple[float, str]:
        pattern(led, 1.0, [(True, 0.25), (False, 0.75)] * 8)
        return await outcome(LedTester(led).assert_duty_cycle(4.125, 0.5))

    when, message = scenario(body)
    assert when == 5.125
    assert message.startswith(
        "InvalidOperationException: Fill assertion not met: expected 50 with tolerance 5%, "
        "but got 25\n"
    )


def test_duty_cycle_arguments() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led)
        return [
            await outcome(tester.assert_duty_cycle(0, 0.5)),
            await outcome(tester.assert_duty_cycle(1, 1.5)),
            await outcome(tester.assert_duty_cycle(1, 0.5, -0.1)),
        ]

    messages = [m for _, m in scenario(body)]
    assert messages == [
        "ArgumentException: Value must be positive, but was 0 (Parameter 'testDuration')",
        "ArgumentException: Value must be in range [0; 1], but was 1.5 "
        "(Parameter 'expectedDutyCycle')",
        "ArgumentException: Value must be in range [0; 1], but was -0.1 (Parameter 'tolerance')",
    ]


def test_blinking_synchronises_on_the_first_change() -> None:
    async def body(led: Led) -> tuple[float, str]:
        pattern(led, 1.0, [(True, 0.5), (False, 0.5)] * 6)
        await asyncio.sleep(0.25)  # the tester starts 0.25 s into an on phase: not counted
        return await outcome(LedTester(led).assert_is_blinking(4, 0.5, 0.5))

    assert scenario(body) == (5.25, "")


def test_blinking_off_the_pattern_fails_at_that_phase() -> None:
    async def body(led: Led) -> tuple[float, str]:
        pattern(led, 1.0, [(True, 0.5), (False, 0.5), (True, 0.5), (False, 1.5), (True, 9)])
        return await outcome(LedTester(led).assert_is_blinking(20, 0.5, 0.5))

    when, message = scenario(body)
    assert when == 4.0  # the long off phase ends at 4, long before the 20 s
    assert message == (
        "InvalidOperationException: Expected blinking pattern not detected "
        "(State duration was out of specified range)\n"
        "LED DATA: an off phase lasted 1.500 s, expected 0.5 s ± 5%"
    )


def test_blinking_within_the_tolerance() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led)
        pattern(led, 1.0, [(True, 0.5625), (False, 0.4375)] * 4)
        loose = await outcome(tester.assert_is_blinking(1.75, 0.5, 0.5, tolerance=0.125))
        return [loose, await outcome(tester.assert_is_blinking(2, 0.5, 0.5, tolerance=0.0625))]

    loose, tight = scenario(body)
    assert loose == (2.75, "")  # 0.5625 and 0.4375 are 0.5 ± 12.5 %
    assert tight[0] == 3.5625 and "an on phase lasted 0.562 s" in tight[1]


def test_blinking_that_stops_is_not_caught_unless_the_led_changes_again() -> None:
    def stops_for_5_s(duration: float) -> Any:
        async def body(led: Led) -> tuple[float, str]:
            pattern(led, 1.0, [(True, 0.5), (False, 0.5), (True, 0.5), (False, 5), (True, 9)])
            return await outcome(LedTester(led).assert_is_blinking(duration, 0.5, 0.5))

        return body

    assert scenario(stops_for_5_s(4)) == (5.0, "")  # still off at the end: not checked
    when, message = scenario(stops_for_5_s(10))
    assert when == 7.5 and "an off phase lasted 5.000 s" in message  # on again at 7.5


def test_blinking_needs_two_changes() -> None:
    async def body(led: Led) -> list[tuple[float, str]]:
        tester = LedTester(led)
        steady = await outcome(tester.assert_is_blinking(1, 0.5, 0.5))
        at(2.5, led, True)  # one change: it only synchronises
        return [steady, await outcome(tester.assert_is_blinking(2, 0.5, 0.5))]

    steady, once = scenario(body)
    never = "InvalidOperationException: Expected blinking pattern not detected "
    never += "(LED state never changed)\n"
    assert steady[0] == 2.0 and steady[1].startswith(never)
    assert once[0] == 4.0 and once[1].startswith(never) and "1 change(s) in 2 s" in once[1]


def test_testers_by_renode_rules() -> None:
    testers: provider.Testers[str, str] = provider.Testers()
    with pytest.raises(KeywordException, match=r"^KeywordException: There are no testers"):
        testers.get(None)
    assert testers.create("POW", str.lower) == 0
    assert testers.create("POW", lambda _: "other") == 0  # the same LED: the same tester
    assert testers.get(None) == "pow"  # the only one
    assert testers.create("NET", str.lower) == 1
    with pytest.raises(KeywordException, match="more than one tester available"):
        testers.get(None)
    assert testers.get(1) == "net"
    with pytest.raises(KeywordException, match=r"Tester for given ID=7 was not found"):
        testers.get(7)
    with pytest.raises(KeywordException, match=r"Tester #7 was not found"):
        testers.set_default(7)
    testers.set_default(1)
    assert testers.get(None) == "net"
    testers.set_default(None)
    with pytest.raises(KeywordException, match="more than one"):
        testers.get(None)

    def fails(_: str) -> str:
        raise ArgumentError("Value must not be negative, but was -1", "defaultTimeout")

    with pytest.raises(ArgumentError):
        testers.create("DATA", fails)
    assert testers.create("DATA", str.lower) == 2  # the failed one took no id


def test_led_names() -> None:
    for name, led in (
        ("POW", "POW"),
        ("net", "NET"),
        ("sysbus.scc.led2", "DATA"),
        ("scc.led0", "POW"),
        ("sysbus.scc.net", "NET"),
        ("SCC.Data", "DATA"),
    ):
        assert resolve(name, WIRING) == led
    assert resolve("sysbus.scc.led0", {"POW": 3, "NET": 0, "DATA": 1}) == "NET"  # as wired
    with pytest.raises(KeywordException) as info:
        resolve("sysbus.gpio.led", WIRING)
    assert str(info.value).startswith(
        "KeywordException: Peripheral for machine '' not found or of wrong type: "
        "'sysbus.gpio.led'. Available peripherals: [POW, NET, DATA, sysbus.scc.pow, "
    )
    check_machine(None)
    check_machine("dtu")
    with pytest.raises(KeywordException, match=r"Machine with name m1 not found.*\[dtu\]"):
        check_machine("m1")


def test_numbers_as_renode_writes_them() -> None:
    assert [dotnet(x) for x in (0.0, 50.0, -1.0, 0.5, 95.23809523809524, float("nan"))] == [
        "0",
        "50",
        "-1",
        "0.5",
        "95.23809523809524",
        "NaN",
    ]
