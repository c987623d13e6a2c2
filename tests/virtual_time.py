"""Virtual time for unit tests of the reference DTU's modules: timers run without waiting.

``run(scenario)`` runs a coroutine on an event loop whose clock jumps: when
nothing is ready to run, instead of sleeping until the next timer the loop
moves its time forward to that timer. ``asyncio.sleep``, ``wait_for`` and
``LoopClock`` (the DTU's ``Clock`` on that loop time) all follow it, so a
60 s back-off takes no real time and every instant is exact. Only in-memory
parts may take part (fakes, memory links): real I/O would not move the clock.

Time stands still while code runs, so a loop that waits for "the remaining
fraction of a float rounding error" would spin forever: keep the scenario's
delays exact binary fractions (0.25, 1.5, 2 — not 0.1) where the code under
test subtracts times, and a spin raises instead of hanging.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

from dtulab.peripherals.clock import Clock

T = TypeVar("T")

REAL_WAIT = 10.0  # real seconds to wait for a thread's wake-up when no timer is left
SPIN_LIMIT = 100_000  # loop iterations in a row without time moving: a spin, not a scenario


class _JumpingSelector(selectors.SelectSelector):
    """Polls without blocking; an idle wait moves the loop's time to the next timer."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.still = 0  # iterations since time last moved

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if events or timeout == 0:
            self.still += 1
            if self.still > SPIN_LIMIT:
                raise RuntimeError(f"a busy loop at virtual time {self.now}")
            return events
        self.still = 0
        if timeout is None:  # no timer left: only another thread could wake the loop
            events = super().select(REAL_WAIT)
            if not events:
                raise RuntimeError("the scenario waits for something that never comes")
            return events
        self.now = max(self.now + timeout, math.nextafter(self.now, math.inf))
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time, starting at 0.0."""

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)
        self.background: set[asyncio.Task[Any]] = set()  # see background()

    def time(self) -> float:
        return self._jumping.now


class LoopClock(Clock):
    """The DTU's clock read from the running loop (virtual time under ``run``)."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()


def background(coro: Coroutine[Any, Any, Any]) -> None:
    """Run ``coro`` as a task of the scenario (a part's main loop); ``run`` cancels it at the
    end. The loop keeps the reference."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, VirtualTimeLoop)
    loop.background.add(loop.create_task(coro))


def run(scenario: Coroutine[Any, Any, T], limit: float = 3600.0) -> T:
    """Run ``scenario`` on virtual time, at most ``limit`` virtual seconds (TimeoutError);
    tasks it left running are cancelled at the end."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(asyncio.wait_for(scenario, limit))
