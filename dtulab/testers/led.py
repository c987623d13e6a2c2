"""Renode's LED tester on a LED of a dtulab bench.

It follows renode-infrastructure ``src/Emulator/Main/Testing/LEDTester.cs``
(the keywords: renode/renode ``src/Renode/RobotFrameworkEngine/LedKeywords.cs``)
method by method:

- ``AssertState``: the LED is in the state now, or gets there within the
  timeout (default: the tester's, 0 = now). "LED assertion not met."
- ``AssertAndHoldState``: the LED is in the state now and stays there for
  ``timeoutHold``; or it changes to it within ``timeoutAssert`` and stays
  there for ``timeoutHold`` from that change. "Initial LED assertion not met."
  if it does not get there, "LED changed state." as soon as it leaves.
- ``AssertDutyCycle``: over ``testDuration`` the share of time on, counted
  between the LED's changes from the first one on (the first change only
  synchronises, the phase still running at the end is not counted), within
  ``expectedDutyCycle`` ± ``tolerance`` (absolute). As in Renode, a LED that
  changed less than twice has no share (0/0) and passes.
- ``AssertIsBlinking``: from the LED's first change on, every on phase lasts
  ``onDuration`` and every off phase ``offDuration`` within ``tolerance``
  (relative: expected × (1 ± tolerance)). It fails as soon as a phase ends off
  the pattern; otherwise it watches the whole ``testDuration`` and then fails
  if the LED changed less than twice ("LED state never changed": the first
  change only synchronises). A phase still running at the end is not checked,
  so a LED that stops blinking is not caught unless it changes again.
- ``ValidateArgument``: durations must be positive (timeouts: not negative),
  duty cycle and its tolerance within [0; 1]: "ArgumentException".

Time is the LED model's (peripherals/leds.py): each change is stamped with the
bench clock as it happens, and the phases are measured between those stamps,
so a tester that wakes late still measures the LED, not itself. Renode
measures in the machine's virtual time; so does a phase here on the renode
target, whose changes also carry Renode's virtual time (``TargetTime``), while
the bench clock (the host's monotonic clock) places them in the test's window.
The bench sees a change only after it crossed from the emulator, when the
machine has run on, so ``pauseEmulation`` could not stop it where Renode does:
the keywords accept it without effect.

Names: a Renode test names a LED by its peripheral path. The DTU board's LEDs
hang off the SCC's CFG1 register (platforms/board.toml, renode.repl), so
``sysbus.scc.led<bit>`` is the LED on that bit of the target's board file
(led0 POW, led1 NET, led2 DATA for the project's board), ``sysbus.scc.pow``,
``.net`` and ``.data`` name them by function, ``sysbus.`` may be left out,
and the bench's own ``POW``, ``NET``, ``DATA`` work too (any case).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.leds import Led, Phase
from dtulab.testers.provider import ArgumentError, InvalidOperation, KeywordException, dotnet

MACHINE = "dtu"  # the bench's one machine, as dtu.resc names it on the renode target


def check_machine(machine: str | None) -> None:
    """Renode's ``machine`` argument: the bench has one machine, ``dtu`` (None: that one)."""
    if machine is not None and machine != MACHINE:
        raise KeywordException(
            f"Machine with name {machine} not found. Available machines: [{MACHINE}]"
        )


def led_names(wiring: Mapping[str, int]) -> dict[str, str]:
    """Every name a test may give a LED (lower case) → the bench's LED: ``wiring`` is the board
    file's LED → SCC CFG1 bit."""
    names: dict[str, str] = {}
    for led, bit in wiring.items():
        for alias in (led, f"scc.{led}", f"scc.led{bit}"):
            names[alias.lower()] = led
            if alias != led:
                names[f"sysbus.{alias}".lower()] = led
    return names


def resolve(name: str, wiring: Mapping[str, int], machine: str | None = None) -> str:
    """The bench LED (``POW``, ``NET``, ``DATA``) that ``name`` means; KeywordException, as
    Renode's ``CreateNewTester`` words it, for a name that is no LED."""
    names = led_names(wiring)
    if name.lower() not in names:
        available = ", ".join([*wiring, *(n for n in names if n.startswith("sysbus."))])
        raise KeywordException(
            f"Peripheral for machine '{machine or ''}' not found or of wrong type: '{name}'. "
            f"Available peripherals: [{available}]"
        )
    return names[name.lower()]


def validate(
    value: float,
    name: str,
    allow_zero: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> None:
    """LEDTester.cs ``ValidateArgument``: within [low; high] if given, else not negative
    (``allow_zero``) or positive."""
    if low is not None and high is not None:
        if not low <= value <= high:
            raise ArgumentError(
                f"Value must be in range [{dotnet(low)}; {dotnet(high)}], but was {dotnet(value)}",
                name,
            )
    elif value < 0 or (not allow_zero and value == 0):
        explanation = "not be negative" if allow_zero else "be positive"
        raise ArgumentError(f"Value must {explanation}, but was {dotnet(value)}", name)


def _state(on: bool) -> str:
    return "on" if on else "off"


class LedTester:
    """Renode's ``LEDTester`` on one LED model; ``default_timeout`` in seconds.

    The assertions are coroutines for the loop the LED lives on (the bench's:
    ``World.run``), where its changes happen.
    """

    def __init__(self, led: Led, default_timeout: float = 0.0) -> None:
        validate(default_timeout, "defaultTimeout", allow_zero=True)
        self.led = led
        self.default_timeout = default_timeout

    async def _sleep(self, seconds: float) -> None:
        """Sleep on the LED's clock (a bare time source cannot sleep: the loop's time)."""
        clock = self.led.clock
        await (clock.sleep(seconds) if isinstance(clock, Clock) else asyncio.sleep(seconds))

    async def _changed(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` of the LED's clock for ``event``; whether it came."""
        if event.is_set():
            return True
        waiter = asyncio.ensure_future(event.wait())
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, timer):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return event.is_set()

    async def assert_state(self, state: bool, timeout: float | None = None) -> None:
        """``AssertState``: on (True) or off now, or within ``timeout`` s (the tester's default
        if None)."""
        seconds = self.default_timeout if timeout is None else timeout
        validate(seconds, "timeout", allow_zero=True)
        try:
            await self.led.wait_for(state, seconds)
        except TimeoutError:
            raise InvalidOperation(
                "LED assertion not met.",
                f"LED {self.led.name} is {_state(self.led.on)}, expected {_state(state)} "
                f"within {seconds:g} s",
            ) from None

    async def assert_and_hold_state(
        self, initial: bool, timeout_assert: float, timeout_hold: float
    ) -> None:
        """``AssertAndHoldState``: in ``initial`` now or within ``timeout_assert`` s, then no
        change for ``timeout_hold`` s from the moment it got there."""
        validate(timeout_assert, "timeoutAssert", allow_zero=True)
        validate(timeout_hold, "timeoutHold")
        led, changes = self.led, asyncio.Event()
        changed_at: list[float] = []

        def on_change(_: Led) -> None:
            changed_at.append(led.timeline[-1][0])
            changes.set()

        def left(since: float) -> InvalidOperation:
            return InvalidOperation(
                "LED changed state.",
                f"LED {led.name} turned {_state(led.on)} {changed_at[-1] - since:.3f} s into "
                f"holding {_state(initial)} for {timeout_hold:g} s",
            )

        led.listeners.append(on_change)
        try:
            if led.on == initial:
                held_from = led.clock.now()
            else:
                if not await self._changed(changes, timeout_assert):
                    raise InvalidOperation(
                        "Initial LED assertion not met.",
                        f"LED {led.name} stayed {_state(led.on)} for {timeout_assert:g} s",
                    )
                held_from = changed_at[0]
                if len(changed_at) > 1:
                    raise left(held_from)
                changes.clear()
            remaining = held_from + timeout_hold - led.clock.now()
            if await self._changed(changes, remaining):
                raise left(held_from)
        finally:
            led.listeners.remove(on_change)

    async def assert_duty_cycle(
        self, test_duration: float, expected: float, tolerance: float = 0.05
    ) -> None:
        """``AssertDutyCycle``: the share of time on over ``test_duration`` s, between the
        LED's changes, is ``expected`` ± ``tolerance``."""
        validate(test_duration, "testDuration")
        validate(expected, "expectedDutyCycle", low=0, high=1)
        validate(tolerance, "tolerance", low=0, high=1)
        start = self.led.clock.now()
        await self._sleep(test_duration)
        phases = self.led.phases(start, start + test_duration)
        high = sum(p.length for p in phases if p.on)
        total = sum(p.length for p in phases)
        percentage = high / total * 100 if total else math.nan  # Renode: 0/0, which passes
        if percentage < (expected - tolerance) * 100 or percentage > (expected + tolerance) * 100:
            raise InvalidOperation(
                f"Fill assertion not met: expected {dotnet(expected * 100)} with tolerance "
                f"{dotnet(tolerance * 100)}%, but got {dotnet(percentage)}",
                f"LED {self.led.name}: {high:.3f} s on of {total:.3f} s between "
                f"{len(phases) + 1} changes",
            )

    async def assert_is_blinking(
        self, test_duration: float, on: float, off: float, tolerance: float = 0.05
    ) -> None:
        """``AssertIsBlinking``: from its first change within ``test_duration`` s on, the LED's
        phases last ``on`` / ``off`` s within ``tolerance``; fails at the first that does not."""
        validate(test_duration, "testDuration")
        validate(on, "onDuration")
        validate(off, "offDuration")
        led, stray = self.led, asyncio.Event()
        start = led.clock.now()
        end = start + test_duration

        def on_change(_: Led) -> None:
            if led.stray_phase(start, on, off, tolerance, until=end) is not None:
                stray.set()

        led.listeners.append(on_change)
        try:
            await self._changed(stray, test_duration)
        finally:
            led.listeners.remove(on_change)
        if not led.phases(start, end):
            changes = len(led.history(start, end))
            raise InvalidOperation(
                "Expected blinking pattern not detected (LED state never changed)",
                f"LED {led.name}: {changes} change(s) in {test_duration:g} s; the first one "
                "only synchronises",
            )
        found = led.stray_phase(start, on, off, tolerance, until=end)
        if found is not None:
            raise InvalidOperation(
                "Expected blinking pattern not detected "
                "(State duration was out of specified range)",
                _off_pattern(led, found, on, off, tolerance),
            )


def _off_pattern(led: Led, phase: Phase, on: float, off: float, tolerance: float) -> str:
    expected = on if phase.on else off
    return (
        f"LED {led.name}: an {_state(phase.on)} phase lasted {phase.length:.3f} s, "
        f"expected {expected:g} s ± {tolerance:.0%}"
    )
