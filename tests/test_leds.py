"""The LED model: state, timeline, phases, blinking, waiting, the bank (peripherals/leds.py)."""

from __future__ import annotations

import asyncio

import pytest

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.leds import Blink, Led, LedBank, Phase, TargetTime


class HandClock:
    """A clock that moves only when the test says so."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def blink(led: Led, clock: HandClock, period: float, duty: float, cycles: int) -> None:
    """Drive ``cycles`` on/off cycles, ending with the LED off."""
    for _ in range(cycles):
        led.set(True)
        clock.advance(period * duty)
        led.set(False)
        clock.advance(period * (1 - duty))


def test_set_records_changes_only() -> None:
    clock = HandClock()
    led = Led("NET", clock)
    assert not led.on and led.timeline == []
    led.set(False)
    assert led.timeline == []
    led.set(True)
    clock.advance(1)
    led.set(True)
    clock.advance(1)
    led.set(False)
    assert led.on is False
    assert led.timeline == [(1000.0, True), (1002.0, False)]


def test_a_change_read_late_keeps_the_time_it_happened() -> None:
    clock = HandClock()
    led = Led("DATA", clock)
    led.set(True, at=999.5)  # an emulator's trace line read half a second late
    led.set(False, at=999.0)  # never before the change it follows
    led.set(True)
    assert led.timeline == [(999.5, True), (999.5, False), (1000.0, True)]


def test_history_and_state_at() -> None:
    clock = HandClock()
    led = Led("POW", clock)
    for _ in range(3):
        led.set(True)
        clock.advance(1)
        led.set(False)
        clock.advance(1)
    assert led.history() == led.timeline
    assert led.history(since=1003.0) == [(1003.0, False), (1004.0, True), (1005.0, False)]
    assert led.history(since=1003.0, until=1004.0) == [(1003.0, False), (1004.0, True)]
    assert led.state_at(999.0) is False
    assert led.state_at(1000.5) is True
    assert led.state_at(1001.0) is False
    assert led.on_intervals(1000.5, 1004.5) == [
        (1000.5, 1001.0),
        (1002.0, 1003.0),
        (1004.0, 1004.5),
    ]


def test_listeners_called_on_each_change() -> None:
    clock = HandClock()
    led = Led("DATA", clock)
    seen: list[bool] = []
    led.listeners.append(lambda changed: seen.append(changed.on))
    for state in (True, True, False, False, True):
        led.set(state)
    assert seen == [True, False, True]


def test_reset_forgets_the_timeline_keeps_the_state() -> None:
    clock = HandClock()
    led = Led("NET", clock)
    led.set(True)
    clock.advance(1)
    led.reset()
    assert led.timeline == [] and led.on
    assert led.state_at(0.0) is True


@pytest.mark.parametrize(("period", "duty"), [(0.2, 0.5), (1.0, 0.1), (0.5, 0.8)])
def test_blink_measures_period_and_duty(period: float, duty: float) -> None:
    clock = HandClock()
    led = Led("DATA", clock)
    blink(led, clock, period, duty, cycles=int(2.5 / period) + 1)
    found = led.blink(window=3.0)
    assert found is not None
    assert found.period == pytest.approx(period, rel=1e-6)
    assert found.duty == pytest.approx(duty, rel=1e-6)
    assert led.is_blinking(period=(period * 0.9, period * 1.1), duty=(duty - 0.05, duty + 0.05))
    assert not led.is_blinking(period=(period * 1.5, period * 2))
    assert not led.is_blinking(duty=(duty + 0.1, 1.0))


def test_blink_with_irregular_edges_uses_means() -> None:
    clock = HandClock()
    led = Led("DATA", clock)
    for on, off in ((0.1, 0.1), (0.3, 0.1), (0.2, 0.2)):
        led.set(True)
        clock.advance(on)
        led.set(False)
        clock.advance(off)
    found = led.blink()
    # rises at 0, 0.2, 0.6 -> period 0.3; on-times 0.1, 0.3, 0.2 -> mean 0.2
    assert isinstance(found, Blink) and found.edges == 6
    assert found.period == pytest.approx(0.3) and found.duty == pytest.approx(0.2 / 0.3)


def test_phases_are_the_spans_between_changes_since() -> None:
    clock = HandClock(10.0)
    led = Led("NET", clock)
    for on, off in ((0.1, 0.2), (0.3, 0.4)):
        led.set(True)
        clock.advance(on)
        led.set(False)
        clock.advance(off)
    led.set(True)  # still running: no phase yet
    assert [(p.on, round(p.start, 6), round(p.length, 6)) for p in led.phases(10.0)] == [
        (True, 10.0, 0.1),
        (False, 10.1, 0.2),
        (True, 10.3, 0.3),
        (False, 10.6, 0.4),
    ]
    assert [p.on for p in led.phases(10.05)] == [False, True, False]  # from the next change
    assert led.phases(11.0) == []
    assert [p.on for p in led.phases(10.0, until=10.6)] == [True, False, True]  # ends by then


def test_a_phase_lasts_what_the_targets_own_clock_says() -> None:
    """Renode on a busy host: 50 ms of virtual time took 0.6 s of the bench's. The phase is
    the target's 50 ms; the bench clock still says which changes are in the window."""
    clock = HandClock(0.0)
    led = Led("DATA", clock)
    led.set(True, target=TargetTime(1, 2.000))
    clock.advance(0.6)
    led.set(False, target=TargetTime(1, 2.450))
    clock.advance(0.6)
    led.set(True, target=TargetTime(1, 2.500))
    clock.advance(0.3)
    led.set(False)  # no target time (e.g. the bench's power cut): the bench's length
    clock.advance(0.2)
    led.set(True, target=TargetTime(2, 0.001))  # a new run: its clock started again
    clock.advance(0.2)
    led.set(False, target=TargetTime(2, 0.101))
    lengths = [round(p.length, 6) for p in led.phases(0.0)]
    assert lengths == [0.45, 0.05, 0.3, 0.2, 0.1]
    assert [p.start for p in led.phases(0.0)] == pytest.approx([0.0, 0.6, 1.2, 1.5, 1.7])
    assert led.stray_phase(0.0, on=0.45, off=0.05, until=1.2) is None
    led.reset()
    assert led.target_times == [] and led.phases(0.0) == []


def test_blink_measures_the_targets_clock_too() -> None:
    clock = HandClock(0.0)
    led = Led("DATA", clock)
    for cycle in range(4):  # 0.1 s on, 0.3 s off on the target; twice that on the bench
        led.set(True, target=TargetTime(0, cycle * 0.4))
        clock.advance(0.2)
        led.set(False, target=TargetTime(0, cycle * 0.4 + 0.1))
        clock.advance(0.6)
    found = led.blink(window=10.0)
    assert found is not None
    assert found.period == pytest.approx(0.4) and found.duty == pytest.approx(0.25)


def test_stray_phase_finds_the_first_phase_off_the_pattern() -> None:
    clock = HandClock(0.0)
    led = Led("NET", clock)
    blink(led, clock, 1.0, 0.5, cycles=3)  # 0.5 s on, 0.5 s off
    assert led.stray_phase(0.0, on=0.5, off=0.5) is None
    assert led.stray_phase(0.0, on=0.52, off=0.5, tolerance=0.05) is None  # within 5 %
    stray = led.stray_phase(0.0, on=0.5, off=0.2)
    assert isinstance(stray, Phase) and not stray.on and stray.start == pytest.approx(0.5)
    led.set(True)
    clock.advance(0.9)
    led.set(False)
    stray = led.stray_phase(0.0, on=0.5, off=0.5)
    assert stray is not None and stray.on and stray.length == pytest.approx(0.9)


def test_not_blinking_cases() -> None:
    clock = HandClock()
    led = Led("NET", clock)
    assert led.blink() is None  # never changed
    led.set(True)
    clock.advance(5)
    assert led.blink() is None and not led.is_blinking()  # steady on
    led.set(False)
    clock.advance(0.1)
    led.set(True)
    clock.advance(0.1)
    led.set(False)
    # the window holds one rise (5.1) and one fall (5.2)
    assert led.blink(window=0.15) is None
    clock.advance(0.1)
    led.set(True)
    assert led.blink(window=1.0) is not None  # 2 rises (5.1, 5.3), 2 falls (5.0, 5.2)
    clock.advance(3.5)
    assert led.blink(window=3.0) is None  # the edges have left the window


def test_blinking_then_steady_is_not_blinking_after_the_window() -> None:
    clock = HandClock()
    led = Led("DATA", clock)
    blink(led, clock, 0.2, 0.5, cycles=10)
    assert led.is_blinking()
    led.set(True)
    clock.advance(3.1)
    assert not led.is_blinking()


def test_wait_for_is_woken_by_set() -> None:
    async def scenario() -> None:
        led = Led("NET", Clock())
        loop = asyncio.get_running_loop()
        loop.call_soon(led.set, True)
        await led.wait_for(True, timeout=10.0)
        assert led.on
        await led.wait_for(True, timeout=0.0)  # already there: returns at once
        waiter = asyncio.ensure_future(led.wait_for(False, timeout=10.0))
        await asyncio.sleep(0)
        assert not waiter.done()
        led.set(False)
        await asyncio.wait_for(waiter, 10.0)
        assert led._waiters == []

    asyncio.run(scenario())


def test_wait_for_times_out() -> None:
    async def scenario() -> None:
        led = Led("NET", Clock())
        with pytest.raises(TimeoutError, match="NET did not turn on"):
            await led.wait_for(True, timeout=0.05)
        assert led._waiters == []

    asyncio.run(scenario())


def test_bank_names_and_text() -> None:
    clock = HandClock()
    bank = LedBank(clock)
    assert [led.name for led in bank] == ["POW", "NET", "DATA"]
    assert bank["pow"] is bank.pow and bank["Net"] is bank.net and bank["DATA"] is bank.data
    with pytest.raises(KeyError):
        bank["RUN"]
    bank.pow.set(True)
    blink(bank.data, clock, 0.2, 0.5, cycles=10)
    assert bank.text() == "POW ● NET ○ DATA ◐(0.20s)"
    bank.all_off()
    clock.advance(3.5)
    assert bank.text() == "POW ○ NET ○ DATA ○"
    assert not any(led.on for led in bank)
