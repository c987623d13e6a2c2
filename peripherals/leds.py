"""The DTU's three status LEDs, POW, NET and DATA, as recorded on/off signals.

The USR-GPRS232-721 manual (§2.5, behaviour.md R-LED-1..3) gives them their
meaning: POW is on while the DTU is powered, NET while it is attached to the
GPRS network, DATA while a socket is connected, blinking while data flows.
The model is the wire, not the meaning: a target drives ``Led.set()`` (the
reference DTU directly, the QEMU target from its LED trace) and the bench
reads the recorded timeline back.

Each change is stamped with the clock's time, so a LED can be asked what it
did over a window. A target with a clock of its own (Renode's virtual time)
adds that time to each change (``TargetTime``): a phase between two changes
stamped in the same run of the target lasts what the target's clock says, so
a target running slower than the host (a loaded machine) blinks at its own
pace; the bench clock still places the changes in the window. Then
``phases()`` gives the spans between its changes, ``blink()`` finds a period
and a duty cycle from them, ``stray_phase()`` the first that breaks a given
on/off pattern, ``wait_for()`` waits for a state without polling. Everything
runs on the one event loop of the bench; nothing here is thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from dtulab.peripherals import spans
from dtulab.peripherals.clock import Clock

log = logging.getLogger(__name__)


class TimeSource(Protocol):
    """What a LED needs of a clock: the time. ``wait_for`` also needs ``sleep``."""

    def now(self) -> float: ...


@dataclass(frozen=True)
class Blink:
    """A LED's blinking over a window: mean period (s), duty cycle (0..1), edges seen."""

    period: float
    duty: float
    edges: int


@dataclass(frozen=True)
class TargetTime:
    """When a change happened on the target's own clock: ``seconds`` into the target's
    ``run`` (a new run, e.g. a new emulator process, starts its clock again)."""

    run: int
    seconds: float


@dataclass(frozen=True)
class Phase:
    """A span between two changes of a LED: ``on`` or off from ``start`` for ``length`` s."""

    on: bool
    start: float
    length: float


class Led:
    """One LED: its state, the timestamped changes, listeners and waiters."""

    limit = 100_000  # timeline entries kept; the oldest go first (about 3 h at 5 Hz)

    def __init__(self, name: str, clock: Clock | TimeSource | None = None) -> None:
        self.name = name
        self.clock = clock if clock is not None else Clock()
        self.on = False
        self.timeline: list[tuple[float, bool]] = []
        self.target_times: list[TargetTime | None] = []  # beside timeline, entry for entry
        self.listeners: list[Callable[[Led], None]] = []
        self._initial = False  # the state before the first timeline entry
        self._waiters: list[tuple[bool, asyncio.Future[None]]] = []

    def __repr__(self) -> str:
        return f"Led({self.name!r}, {'on' if self.on else 'off'})"

    def set(self, on: bool, at: float | None = None, target: TargetTime | None = None) -> None:
        """Drive the LED; a change is recorded with the clock's time, or ``at`` (the clock's
        time it happened, for a signal read late; never before the last change), and the
        target's own time if it has a clock; a repeat is not recorded."""
        on = bool(on)
        if on == self.on:
            return
        self.on = on
        stamp = self.clock.now() if at is None else at
        if self.timeline:
            stamp = max(stamp, self.timeline[-1][0])
        self.timeline.append((stamp, on))
        self.target_times.append(target)
        if len(self.timeline) > self.limit:
            cut = len(self.timeline) - self.limit
            self._initial = not self.timeline[cut][1]
            del self.timeline[:cut]
            del self.target_times[:cut]
        for state, future in self._waiters:
            if state == on and not future.done():
                future.set_result(None)
        for listener in list(self.listeners):
            try:
                listener(self)
            except Exception:
                log.exception("LED %s listener %r failed", self.name, listener)

    def reset(self) -> None:
        """Forget the timeline; the current state stays."""
        self.timeline.clear()
        self.target_times.clear()
        self._initial = self.on

    def history(
        self, since: float | None = None, until: float | None = None
    ) -> list[tuple[float, bool]]:
        """The changes at or after ``since`` (all of them if None) and not after ``until``
        (if given), oldest first."""
        return [
            entry
            for entry in self.timeline
            if (since is None or entry[0] >= since) and (until is None or entry[0] <= until)
        ]

    def state_at(self, t: float) -> bool:
        """The state the LED had at time ``t`` (a change at exactly ``t`` counts)."""
        return spans.state_at(self.timeline, self._initial, t)

    def on_intervals(self, since: float, until: float) -> list[tuple[float, float]]:
        """The (start, end) spans the LED was on within [since, until], clipped to it."""
        return spans.on_spans(self.timeline, self._initial, since, until)

    def phases(self, since: float, until: float | None = None) -> list[Phase]:
        """The phases between the changes at or after ``since`` (and not after ``until``),
        oldest first; the one still running has no end yet and is left out. A phase lasts
        what the target's clock says where both its changes carry the same run's time."""
        edges = [
            (t, on, target)
            for (t, on), target in zip(self.timeline, self.target_times, strict=True)
            if t >= since and (until is None or t <= until)
        ]
        return [
            Phase(on, t0, _length(t0, t1, a, b))
            for (t0, on, a), (t1, _, b) in itertools.pairwise(edges)
        ]

    def stray_phase(
        self,
        since: float,
        on: float,
        off: float,
        tolerance: float = 0.05,
        until: float | None = None,
    ) -> Phase | None:
        """The first of ``phases(since, until)`` that does not last ``on`` s (an on phase) or
        ``off`` s (an off phase) within ``tolerance`` (relative); None if every one does."""
        for phase in self.phases(since, until):
            expected = on if phase.on else off
            if not expected * (1 - tolerance) <= phase.length <= expected * (1 + tolerance):
                return phase
        return None

    def blink(self, window: float = 3.0) -> Blink | None:
        """Analyse the last ``window`` seconds; None unless 2+ rising and 2+ falling edges.

        The period is the mean time between rising edges; the duty cycle is the
        mean on-time (a rising edge to the next falling edge, both in the
        window) divided by the period.
        """
        start = self.clock.now() - window
        edges = [(t, on) for t, on in self.timeline if t >= start]
        rises = [t for t, on in edges if on]
        falls = [t for t, on in edges if not on]
        if len(rises) < 2 or len(falls) < 2:
            return None
        phases = self.phases(start)
        cycles = [p.length for p in phases if rises[0] <= p.start < rises[-1]]
        period = sum(cycles) / (len(rises) - 1)
        on_times = [phase.length for phase in phases if phase.on]
        if period <= 0:
            return None
        duty = sum(on_times) / len(on_times) / period
        return Blink(period=period, duty=duty, edges=len(edges))

    def is_blinking(
        self,
        period: tuple[float, float] | None = None,
        duty: tuple[float, float] | None = None,
        window: float = 3.0,
    ) -> bool:
        """True if ``blink(window)`` finds blinking, with period and duty in the given
        inclusive (low, high) ranges where those are given."""
        found = self.blink(window)
        if found is None:
            return False
        if period is not None and not period[0] <= found.period <= period[1]:
            return False
        return duty is None or duty[0] <= found.duty <= duty[1]

    async def wait_for(self, state: bool, timeout: float) -> None:
        """Return once the LED is in ``state`` (at once if it already is).

        Raises TimeoutError after ``timeout`` seconds of the LED's clock. Event
        based: ``set()`` wakes the waiter, nothing polls.
        """
        state = bool(state)
        if self.on == state:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = (state, future)
        self._waiters.append(waiter)
        sleep = getattr(self.clock, "sleep", asyncio.sleep)
        timer = asyncio.ensure_future(sleep(timeout))
        try:
            await asyncio.wait({future, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._waiters.remove(waiter)
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        if not future.done():
            future.cancel()
            raise TimeoutError(
                f"LED {self.name} did not turn {'on' if state else 'off'} within {timeout} s"
            )


def _length(t0: float, t1: float, a: TargetTime | None, b: TargetTime | None) -> float:
    """A phase's length: on the target's clock if both ends are of one run, else the bench's."""
    if a is not None and b is not None and a.run == b.run:
        return max(0.0, b.seconds - a.seconds)
    return t1 - t0


class LedBank:
    """The DTU's three LEDs: ``pow``, ``net`` and ``data`` (names POW, NET, DATA)."""

    def __init__(self, clock: Clock | TimeSource | None = None) -> None:
        self.clock = clock if clock is not None else Clock()
        self.pow = Led("POW", self.clock)
        self.net = Led("NET", self.clock)
        self.data = Led("DATA", self.clock)
        self.leds: tuple[Led, ...] = (self.pow, self.net, self.data)

    def __getitem__(self, name: str) -> Led:
        for led in self.leds:
            if led.name.lower() == name.lower():
                return led
        known = ", ".join(led.name for led in self.leds)
        raise KeyError(f"no LED named {name!r} (known: {known})")

    def __iter__(self) -> Iterator[Led]:
        return iter(self.leds)

    def all_off(self) -> None:
        """Turn every LED off (what a power loss does to them)."""
        for led in self.leds:
            led.set(False)

    def reset(self) -> None:
        """Forget every LED's timeline."""
        for led in self.leds:
            led.reset()

    def text(self, window: float = 3.0) -> str:
        """One line, e.g. ``POW ● NET ○ DATA ◐(0.20s)``: on, off, blinking (period)."""
        parts = []
        for led in self.leds:
            found = led.blink(window)
            if found is not None:
                parts.append(f"{led.name} ◐({found.period:.2f}s)")
            else:
                parts.append(f"{led.name} {'●' if led.on else '○'}")
        return " ".join(parts)
