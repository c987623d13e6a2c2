"""The power model: diode-OR rails, hysteresis, armed cuts (peripherals/power.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.eeprom import Eeprom, EepromWrite, PowerLost
from dtulab.peripherals.power import PowerSupply, nth_event


class HandClock:
    def __init__(self, t: float = 50.0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


def supply() -> tuple[PowerSupply, list[bool]]:
    power = PowerSupply(HandClock())  # type: ignore[arg-type]
    transitions: list[bool] = []
    power.listeners.append(transitions.append)
    return power, transitions


def test_starts_on_from_the_dc_rail() -> None:
    power, transitions = supply()
    assert (power.dc.name, power.dc.voltage) == ("DC", 12.0)
    assert (power.dip.name, power.dip.voltage) == ("DIP", 0.0)
    assert power.voltage == 12.0 and power.on and not power.over_voltage
    assert transitions == []


def test_thresholds_with_hysteresis() -> None:
    power, transitions = supply()
    power.set_voltage("dc", 9.0)
    power.set_voltage("dc", 7.5)  # at the brown-out threshold: still on
    assert power.on
    power.set_voltage("dc", 7.49)
    assert not power.on and transitions == [False]
    power.set_voltage("dc", 8.9)  # between the thresholds: stays off
    assert not power.on
    power.set_voltage("dc", 9.0)  # on at exactly ON_VOLTAGE
    assert power.on and transitions == [False, True]
    power.set_voltage("dc", 8.0)  # between the thresholds: stays on
    assert power.on and transitions == [False, True]


def test_either_rail_alone_powers_the_board() -> None:
    power, transitions = supply()
    power.set_voltage("DIP", 24.0)
    power.cut("dc")
    assert power.on and power.voltage == 24.0
    power.restore()  # DC back to nominal
    power.cut("dip")
    assert power.on and power.voltage == 12.0
    power.cut()
    assert not power.on and power.voltage == 0.0
    assert transitions == [False]
    power.restore("dip")
    assert power.on and power.dip.voltage == 12.0 and power.dc.voltage == 0.0
    assert transitions == [False, True]


def test_the_higher_rail_wins() -> None:
    power, _ = supply()
    power.set_voltage("dip", 8.0)
    assert power.voltage == 12.0
    power.set_voltage("dc", 5.0)
    assert power.voltage == 8.0 and power.on  # 8 V is above brown-out: still on


def test_bad_rail_or_voltage() -> None:
    power, _ = supply()
    with pytest.raises(ValueError, match="rail"):
        power.set_voltage("usb", 5.0)
    with pytest.raises(ValueError, match="voltage"):
        power.set_voltage("dc", -1.0)
    with pytest.raises(ValueError, match="voltage"):
        power.set_voltage("dc", float("nan"))
    with pytest.raises(ValueError):
        power.cut("mains")


def test_over_voltage_flag_keeps_the_board_running() -> None:
    power, transitions = supply()
    flags: list[bool] = []
    power.over_voltage_listeners.append(flags.append)
    power.set_voltage("dc", 24.0)
    assert not power.over_voltage  # 24 V is in range
    power.set_voltage("dc", 26.0)
    assert power.over_voltage and power.on and flags == [True]
    power.set_voltage("dc", 27.0)
    assert flags == [True]
    power.set_voltage("dc", 12.0)
    assert not power.over_voltage and flags == [True, False]
    assert transitions == []
    assert [what for _, what, _ in power.events if "over" in what] == [
        "over-voltage",
        "over-voltage end",
    ]


def test_above_abs_max_the_protection_cuts_the_board() -> None:
    power, transitions = supply()
    power.set_voltage("dip", 30.0)
    assert power.on
    power.set_voltage("dip", 30.5)
    assert not power.on and power.over_voltage and transitions == [False]
    assert "abs-max cut" in [what for _, what, _ in power.events]
    power.set_voltage("dip", 20.0)  # back in range: a cold boot
    assert power.on and transitions == [False, True]


def test_listeners_only_on_transitions_and_reentrancy_keeps_order() -> None:
    power, transitions = supply()
    order: list[str] = []

    def reboot_on_off(on: bool) -> None:
        order.append("on" if on else "off")
        if not on and power.voltage == 0.0:
            power.restore()  # re-enters: its "on" must come after every "off" listener

    power.listeners.insert(0, reboot_on_off)
    power.listeners.append(lambda on: order.append(f"second {on}"))
    for _ in range(3):
        power.set_voltage("dc", 12.0)
    assert transitions == [] and order == []
    power.cut()
    assert order == ["off", "second False", "on", "second True"]
    assert transitions == [False, True] and power.on


def test_a_failing_listener_does_not_stop_the_others() -> None:
    power, transitions = supply()

    def broken(on: bool) -> None:
        raise RuntimeError("boom")

    power.listeners.insert(0, broken)
    power.cut()
    assert transitions == [False] and not power.on


def test_events_and_voltage_history() -> None:
    clock = HandClock(10.0)
    power = PowerSupply(clock)  # type: ignore[arg-type]
    clock.t = 11.0
    power.set_voltage("dip", 15.0)
    clock.t = 12.0
    power.cut()
    clock.t = 13.0
    power.restore()
    assert power.events == [
        (10.0, "DC", 12.0),
        (10.0, "DIP", 0.0),
        (10.0, "on", 12.0),
        (11.0, "DIP", 15.0),
        (12.0, "DC", 0.0),
        (12.0, "DIP", 0.0),
        (12.0, "off", 0.0),
        (13.0, "DC", 12.0),
        (13.0, "on", 12.0),
    ]
    assert power.voltage_at(10.5) == 12.0 and power.voltage_at(11.0) == 15.0
    assert power.voltage_steps(10.5, 14.0) == [
        (10.5, 12.0),
        (11.0, 15.0),
        (12.0, 0.0),
        (13.0, 12.0),
    ]
    assert power.on_intervals(9.0, 14.0) == [(10.0, 12.0), (13.0, 14.0)]
    assert power.on_intervals(12.5, 12.9) == []


def test_ramp_down_and_up_crosses_the_thresholds() -> None:
    async def scenario() -> None:
        power = PowerSupply(Clock())
        seen: list[tuple[bool, float]] = []
        power.listeners.append(lambda on: seen.append((on, power.voltage)))
        await power.ramp("dc", 0.0, seconds=0.1, steps=24)  # 0.5 V a step
        assert power.dc.voltage == 0.0 and not power.on
        assert [on for on, _ in seen] == [False]  # once, at the first step below 7.5 V
        assert seen[0][1] == pytest.approx(7.0)
        await power.ramp("DIP", 12.0, seconds=0.1, steps=24)
        assert power.dip.voltage == 12.0 and power.on
        assert seen[1] == (True, pytest.approx(9.0))  # first step at or above 9 V
        rail_steps = [v for _, what, v in power.events if what == "DIP"]
        assert len(rail_steps) == 24 + 1  # the initial 0 V and one per step

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_ramp_arguments() -> None:
    power, _ = supply()
    with pytest.raises(ValueError):
        asyncio.run(power.ramp("dc", 5.0, 1.0, steps=0))
    asyncio.run(power.ramp("dc", 5.0, 0.0))  # no time: a step
    assert power.dc.voltage == 5.0 and not power.on


def test_armed_trigger_cuts_inside_notify_once() -> None:
    power, transitions = supply()
    trigger = power.arm_cut(lambda event: event == "AT+CIPSEND")
    assert power.notify("AT") is False and power.on
    assert power.notify("AT+CIPSEND") is True
    assert not power.on and power.voltage == 0.0 and transitions == [False]
    assert not trigger.armed and trigger.fired_by == "AT+CIPSEND" and power.triggers == []
    power.restore()
    assert power.notify("AT+CIPSEND") is False and power.on  # disarmed after firing


def test_disarm_and_events_while_off() -> None:
    power, _ = supply()
    calls: list[object] = []
    trigger = power.arm_cut(lambda event: calls.append(event) or True)
    power.disarm(trigger)
    assert power.notify("x") is False and calls == []
    power.disarm(trigger)  # twice is fine
    power.arm_cut(lambda event: calls.append(event) or True)
    power.cut()
    assert power.notify("y") is False and calls == []  # nothing happens on an off board


def test_cut_on_the_third_eeprom_write(tmp_path: Path) -> None:
    power, transitions = supply()
    eeprom = Eeprom(tmp_path / "ee.bin", power=power)
    trigger = power.arm_cut(nth_event(3, EepromWrite))
    power.notify("not an eeprom write")
    eeprom.write(0, b"one")
    eeprom.write(32, b"two")
    with pytest.raises(PowerLost):
        eeprom.write(64, b"three")
    assert transitions == [False]
    assert isinstance(trigger.fired_by, EepromWrite) and trigger.fired_by.index == 2
    assert eeprom.read(0, 3) == b"one" and eeprom.read(32, 3) == b"two"
    assert eeprom.read(64, 5) == b"\xff" * 5
    assert eeprom.write_count == 2


def test_nth_event_filters() -> None:
    predicate = nth_event(2, str, where=lambda s: s.startswith("AT"))
    results = [predicate(e) for e in ("AT", 5, "xx", "AT+X", "AT")]
    assert results == [False, False, False, True, False]
    with pytest.raises(ValueError):
        nth_event(0)
