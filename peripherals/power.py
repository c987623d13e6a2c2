"""The DTU's power input: two rails, DC jack and DIP terminal, diode-OR'd.

The USR-GPRS232-721 manual (§1.1, §1.3; behaviour.md R-PWR-1) says either
input powers the DTU within 9–24 V. The model: each rail has a voltage, the
board sees the higher one (ideal diodes), and a supervisor with hysteresis
decides whether the board runs:

- it turns on at ``ON_VOLTAGE`` (9 V, the manual's minimum) or above;
- once on, it stays on down to ``BROWN_OUT`` (7.5 V) and is held off below;
- above ``OVER_VOLTAGE`` (24 V, the manual's maximum) it keeps running but
  ``over_voltage`` is flagged;
- above ``ABS_MAX`` (30 V) a protection cuts the board off until the input
  is back in range (an interpretation: the manual names no protection).

Turning off loses RAM, turning on is a cold boot: ``listeners`` get the new
state on every transition and the bench wires them to the target. EEPROM
contents survive (eeprom.py). docs/board.md gives the reasoning for each number.

Cuts can also be armed on events: other models ``notify()`` the supply of
what they are about to do (an EEPROM write, a byte on a link, a modem
command) and an armed predicate that matches cuts both rails at once, inside
``notify()``, so the action that triggered it finds the board already off.
Everything is synchronous and runs on the bench's one event loop.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dtulab.peripherals import spans
from dtulab.peripherals.clock import Clock

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Rail:
    """One power input: ``name`` "DC" or "DIP", ``voltage`` in volts."""

    name: str
    voltage: float = 0.0


@dataclass
class CutTrigger:
    """An armed cut: ``predicate(event)`` returning True cuts both rails once."""

    predicate: Callable[..., bool]
    armed: bool = True
    fired_by: Any = None  # the event that fired it
    fired_at: float | None = None  # clock time of the cut
    seen: int = 0  # events offered to the predicate while the board was on


def nth_event(
    n: int, kind: type | tuple[type, ...] = object, where: Callable[[Any], bool] | None = None
) -> Callable[[Any], bool]:
    """A predicate for ``arm_cut``: true on the ``n``-th event (1-based) of ``kind``
    that also passes ``where``, e.g. ``nth_event(3, EepromWrite)``."""
    if n < 1:
        raise ValueError(f"n must be 1 or more, not {n}")
    count = 0

    def predicate(event: Any) -> bool:
        nonlocal count
        if not isinstance(event, kind) or (where is not None and not where(event)):
            return False
        count += 1
        return count == n

    return predicate


class PowerSupply:
    """Two diode-OR'd rails, the board's on/off state, events and armed cuts."""

    ON_VOLTAGE = 9.0  # off -> on at or above this
    BROWN_OUT = 7.5  # on -> off below this (hysteresis between the two)
    OVER_VOLTAGE = 24.0  # above: over_voltage flagged, the board keeps running
    ABS_MAX = 30.0  # above: the protection cuts the board off (interpretation)

    def __init__(self, clock: Clock | None = None, nominal: float = 12.0) -> None:
        self.clock = clock if clock is not None else Clock()
        self.nominal = float(nominal)
        self.dc = Rail("DC", self.nominal)
        self.dip = Rail("DIP", 0.0)
        self.listeners: list[Callable[[bool], None]] = []
        self.over_voltage_listeners: list[Callable[[bool], None]] = []
        self.events: list[tuple[float, str, float]] = []
        self.triggers: list[CutTrigger] = []  # the armed ones
        self._queue: deque[tuple[Callable[[bool], None], bool]] = deque()
        self._dispatching = False
        now = self.clock.now()
        self.events += [(now, "DC", self.dc.voltage), (now, "DIP", self.dip.voltage)]
        volts = self.voltage
        self.on = self.ON_VOLTAGE <= volts <= self.ABS_MAX
        self.over_voltage = volts > self.OVER_VOLTAGE
        self.events.append((now, "on" if self.on else "off", volts))

    def __repr__(self) -> str:
        state = "on" if self.on else "off"
        return f"PowerSupply(DC={self.dc.voltage:g} V, DIP={self.dip.voltage:g} V, {state})"

    @property
    def voltage(self) -> float:
        """The board's input: the higher rail (ideal diodes, no drop)."""
        return max(self.dc.voltage, self.dip.voltage)

    @property
    def rails(self) -> tuple[Rail, Rail]:
        return (self.dc, self.dip)

    def rail(self, name: str) -> Rail:
        """The rail called ``name`` ("dc" or "dip", any case)."""
        for rail in self.rails:
            if isinstance(name, str) and rail.name.lower() == name.lower():
                return rail
        raise ValueError(f"no rail {name!r}: expected 'dc' or 'dip'")

    # --- operations -------------------------------------------------------------------

    def set_voltage(self, rail: str, volts: float) -> None:
        """Set one rail; the board turns on or off at once if a threshold is crossed."""
        self._set({self.rail(rail): self._check_volts(volts)})

    def cut(self, rail: str | None = None) -> None:
        """Drop a rail to 0 V; both if ``rail`` is None."""
        rails = self.rails if rail is None else (self.rail(rail),)
        self._set(dict.fromkeys(rails, 0.0))

    def restore(self, rail: str | None = None) -> None:
        """Put a rail back to nominal; None means the DC rail only, as at start.

        The other rail is left as it is.
        """
        self._set({self.rail("dc" if rail is None else rail): self.nominal})

    async def ramp(self, rail: str, to_volts: float, seconds: float, steps: int = 20) -> None:
        """Move a rail linearly to ``to_volts`` over ``seconds`` in ``steps`` steps.

        Steps land on absolute deadlines of the clock (no drift); the last one
        sets exactly ``to_volts``. A ramp owns its rail while it runs: cancel
        its task to stop it.
        """
        target = self.rail(rail)
        to_volts = self._check_volts(to_volts)
        if steps < 1:
            raise ValueError(f"steps must be 1 or more, not {steps}")
        if seconds <= 0:
            self._set({target: to_volts})
            return
        start_volts, start = target.voltage, self.clock.now()
        for i in range(1, steps + 1):
            await self.clock.sleep_until(start + seconds * i / steps)
            volts = to_volts if i == steps else start_volts + (to_volts - start_volts) * i / steps
            self._set({target: volts})

    # --- armed cuts -------------------------------------------------------------------

    def arm_cut(self, trigger: Callable[..., bool]) -> CutTrigger:
        """Cut both rails the first time ``trigger(event)`` is true for a notified event."""
        cut_trigger = CutTrigger(trigger)
        self.triggers.append(cut_trigger)
        return cut_trigger

    def disarm(self, cut_trigger: CutTrigger) -> None:
        """Forget an armed cut (nothing happens if it already fired or was disarmed)."""
        cut_trigger.armed = False
        if cut_trigger in self.triggers:
            self.triggers.remove(cut_trigger)

    def disarm_all(self) -> None:
        """Forget every armed cut."""
        for cut_trigger in list(self.triggers):
            self.disarm(cut_trigger)

    def notify(self, event: Any) -> bool:
        """Offer an event to the armed triggers; True if one fired and power was cut.

        Called by the models just before they act. While the board is off
        nothing happens there, so events are ignored (and not counted).
        """
        if not self.on:
            return False
        for cut_trigger in list(self.triggers):
            cut_trigger.seen += 1
            if cut_trigger.predicate(event):
                self.disarm(cut_trigger)
                cut_trigger.fired_by = event
                cut_trigger.fired_at = self.clock.now()
                self.events.append((cut_trigger.fired_at, "trigger cut", self.voltage))
                self.cut()
                return True
        return False

    # --- history ----------------------------------------------------------------------

    def voltage_at(self, t: float) -> float:
        """The board voltage at time ``t`` (a change at exactly ``t`` counts)."""
        volts = 0.0
        for time, board in self._board_voltages():
            if time > t:
                break
            volts = board
        return volts

    def voltage_steps(self, since: float, until: float) -> list[tuple[float, float]]:
        """The board voltage as steps: (since, v) then (t, v) at each change before until."""
        steps = [(since, self.voltage_at(since))]
        for time, board in self._board_voltages():
            if since < time < until and board != steps[-1][1]:
                steps.append((time, board))
        return steps

    def _power_changes(self) -> list[tuple[float, bool]]:
        return [(time, what == "on") for time, what, _ in self.events if what in ("on", "off")]

    def powered_at(self, t: float) -> bool:
        """Whether the board was powered at time ``t`` (a change at exactly ``t`` counts)."""
        return spans.state_at(self._power_changes(), False, t)

    def on_intervals(self, since: float, until: float) -> list[tuple[float, float]]:
        """The (start, end) spans the board was powered within [since, until], clipped."""
        return spans.on_spans(self._power_changes(), False, since, until)

    # --- internals --------------------------------------------------------------------

    def _board_voltages(self) -> Iterator[tuple[float, float]]:
        volts = {"DC": 0.0, "DIP": 0.0}
        for time, what, value in self.events:
            if what in volts:
                volts[what] = value
                yield time, max(volts.values())

    @staticmethod
    def _check_volts(volts: float) -> float:
        volts = float(volts)
        if math.isnan(volts) or volts < 0:
            raise ValueError(f"bad voltage {volts}: expected 0 V or more")
        return volts

    def _set(self, changes: dict[Rail, float]) -> None:
        now = self.clock.now()
        for rail, volts in changes.items():
            if rail.voltage != volts:
                rail.voltage = volts
                self.events.append((now, rail.name, volts))
        self._update(now)

    def _update(self, now: float) -> None:
        volts = self.voltage
        if volts > self.ABS_MAX:
            on = False
        elif self.on:
            on = volts >= self.BROWN_OUT
        else:
            on = volts >= self.ON_VOLTAGE
        over = volts > self.OVER_VOLTAGE
        if over != self.over_voltage:
            self.over_voltage = over
            self.events.append((now, "over-voltage" if over else "over-voltage end", volts))
            self._queue.extend((listener, over) for listener in self.over_voltage_listeners)
        if on != self.on:
            if not on and volts > self.ABS_MAX:
                self.events.append((now, "abs-max cut", volts))
            self.on = on
            self.events.append((now, "on" if on else "off", volts))
            self._queue.extend((listener, on) for listener in self.listeners)
        self._dispatch()

    def _dispatch(self) -> None:
        """Call queued listeners in order; a listener that changes the supply queues its
        own transitions behind the current ones instead of re-entering."""
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._queue:
                listener, state = self._queue.popleft()
                try:
                    listener(state)
                except Exception:
                    log.exception("power listener %r failed", listener)
        finally:
            self._dispatching = False
