"""Renode's UART and LED keywords on a dtulab bench, so Renode suites carry over.

Renode tests a machine through testers (``UartKeywords.cs``, ``LedKeywords.cs``):
``Create Terminal Tester`` puts one on a UART, ``Create LED Tester`` on a LED,
and the other keywords name a tester by its id (the newest when left out).
Here ``UartTester`` is one on the host's side of the DTU's RS232 port: its
defaults (timeout, echo, next line) and the matching of Renode's line rules
against what the DTU writes, read through the host console (``DtuHost``,
whose read position the other RS232 keywords share). ``LedTester`` is one on
LED ``POW``, ``NET`` or ``DATA`` of the modelled board: it waits on the LED
through ``World`` and checks blinking with the LED model's own phases.

``RenodeKeywords`` holds the testers of a bench and gives the keywords their
Renode names and arguments; ``DtuLibrary`` inherits them. The bench runs in
real time: ``pauseEmulation`` and ``machine`` are accepted and have no effect.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from dtulab.host import DtuHost
from dtulab.platforms import Unsupported
from dtulab.world import World

T = TypeVar("T")
RENODE_TIMEOUT = 8.0  # Renode's default UART timeout (UartKeywords.cs globalTimeout)


def _seconds(value: Any) -> float:
    """A Robot time (``300 ms``, ``2s``, ``1.5``) in seconds."""
    return float(timestr_to_secs(value))


def _bytes(data: str) -> bytes:
    return data.encode("latin-1")


@dataclass
class UartResult:
    """What ``Wait For Line On Uart`` found: ``${r.line}``, ``${r.groups}``, ``${r.timestamp}``."""

    line: str
    groups: list[str] = field(default_factory=list)
    timestamp: float = 0.0


@dataclass
class UartTester:
    """A terminal tester on the RS232 port: Renode's defaults and line matching.

    ``console`` gives the host's side of the port of the running bench.
    """

    console: Callable[[], DtuHost]
    timeout: float = RENODE_TIMEOUT
    wait_for_echo: bool = True
    match_next_line: bool = False

    def wait_for_line(
        self,
        content: str,
        timeout: float | None,
        regex: bool,
        unfinished: bool,
        next_line: bool | None,
    ) -> UartResult:
        """The first line containing ``content`` (or matching it as a regex); consumes the
        output up to the end of that line, or up to the match if ``unfinished``."""
        core = content if regex else re.escape(content)
        source = rf"[^\r\n]*?(?:{core})"
        if not unfinished:
            source += r"[^\r\n]*(?:\r\n|\n|\r)"
        if self.match_next_line if next_line is None else next_line:
            source = r"\A[\r\n]*" + source
        seconds = self.timeout if timeout is None else timeout
        try:
            match = self.console().expect(re.compile(source.encode("latin-1")), seconds)
        except AssertionError as exc:
            raise AssertionError(
                f"Terminal tester failed: no line with {content!r}: {exc}"
            ) from None
        line = match.group(0).decode("latin-1").strip("\r\n")
        groups = [g.decode("latin-1") if g is not None else "" for g in match.groups()]
        return UartResult(line, groups, time.monotonic())

    def write_line(self, content: str, wait_for_echo: bool | None) -> None:
        """Write ``content`` and CR; wait for the echo of ``content`` if asked (or by default)."""
        console = self.console()
        console.write(_bytes(content) + b"\r")
        if self.wait_for_echo if wait_for_echo is None else wait_for_echo:
            console.expect(_bytes(content), self.timeout)

    def write_char(self, c: str) -> None:
        if len(c) != 1:
            raise ValueError(f"Write Char On Uart: one character, not {c!r}")
        self.console().write(_bytes(c))

    def assert_idle(self, seconds: float, shown: Any) -> None:
        """Fail if anything arrives within ``seconds`` (``shown``: the duration as given)."""
        got = self.console().quiet(seconds)
        if got:
            raise AssertionError(f"Terminal tester failed: UART not idle for {shown} s: {got!r}")


@dataclass
class LedTester:
    """A LED tester on one of the bench's LEDs; ``timeout`` is its default."""

    world: Callable[[], World]
    led: str
    timeout: float = 0.0

    def assert_state(self, on: bool, timeout: float | None) -> None:
        seconds = self.timeout if timeout is None else timeout
        self.world().wait_led(self.led, on, seconds)

    def assert_blinking(self, seconds: float, on: float, off: float, tolerance: float) -> None:
        """Watch the LED for ``seconds``: it must change, and every phase between its changes
        last ``on`` / ``off`` s within ``tolerance`` (relative). As in Renode, the first change
        only synchronises."""
        world = self.world()
        lamp = world.leds[self.led]
        start = world.now()
        time.sleep(seconds)
        if not world.call(lambda: lamp.history(start)):
            raise AssertionError(f"LED {lamp.name}: blinking not detected (state never changed)")
        stray = world.call(lambda: lamp.stray_phase(start, on, off, tolerance))
        if stray is not None:
            raise AssertionError(
                f"LED {lamp.name}: blinking pattern not detected: an "
                f"{'on' if stray.on else 'off'} phase lasted {stray.length:.3f} s, "
                f"expected {on if stray.on else off} s ± {tolerance:.0%}"
            )


class RenodeKeywords(ABC):
    """Renode's UART and LED keywords over the testers of the running bench."""

    target_name: str

    @abstractmethod
    def _world(self) -> World:
        """The running bench (fails if there is none)."""

    @abstractmethod
    def _console(self) -> DtuHost:
        """The host's side of the running bench's RS232 port."""

    @abstractmethod
    def _require(self, capability: str) -> None:
        """Fail with ``unsupported on <target>`` unless the target has ``capability``."""

    def _forget_testers(self) -> None:
        """A new bench starts without testers."""
        self._uart_testers: dict[int, UartTester] = {}
        self._led_testers: dict[int, LedTester] = {}

    def _tester(self, tester_id: int | None) -> UartTester:
        return _pick(self._uart_testers, tester_id, "terminal tester", "Create Terminal Tester")

    def _led_tester(self, tester_id: int | None) -> LedTester:
        return _pick(self._led_testers, tester_id, "LED tester", "Create LED Tester")

    # -- UART ------------------------------------------------------------------------------
    @keyword("Create Terminal Tester")
    def create_terminal_tester(
        self,
        uart: str,
        timeout: Any = None,
        machine: str | None = None,
        endLineOption: str | None = None,
        defaultPauseEmulation: bool | None = None,
        defaultWaitForEcho: bool | None = None,
        defaultMatchNextLine: bool | None = None,
        binaryMode: bool = False,
    ) -> int:
        """Renode's keyword: a tester on ``uart`` (here always ``rs232``); returns its id.

        ``timeout`` (default 8 s) is the default of the other UART keywords;
        ``defaultWaitForEcho`` (default true) that of ``Write Line To Uart``.
        """
        if uart.lower() != "rs232":
            raise ValueError(f"no UART '{uart}' on this bench (have: rs232)")
        if binaryMode:
            reason = "binary-mode terminal testers are not supported"
            raise Unsupported(self.target_name, reason)
        tester = len(self._uart_testers)
        self._uart_testers[tester] = UartTester(
            self._console,
            RENODE_TIMEOUT if timeout is None else _seconds(timeout),
            True if defaultWaitForEcho is None else bool(defaultWaitForEcho),
            bool(defaultMatchNextLine),
        )
        return tester

    @keyword("Wait For Line On Uart")
    def wait_for_line_on_uart(
        self,
        content: str,
        timeout: Any = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False,
        pauseEmulation: bool | None = None,
        matchNextLine: bool | None = None,
    ) -> UartResult:
        """Renode's keyword: wait for a line containing ``content`` (or matching it as a regex).

        Consumes the output up to the end of that line. With
        ``includeUnfinishedLine`` the line need not be finished (a prompt);
        with ``matchNextLine`` it must be the next line. Returns ``line``,
        ``groups`` (the regex's groups) and ``timestamp``.
        """
        tester = self._tester(testerId)
        seconds = None if timeout is None else _seconds(timeout)
        return tester.wait_for_line(
            content, seconds, treatAsRegex, includeUnfinishedLine, matchNextLine
        )

    @keyword("Wait For Prompt On Uart")
    def wait_for_prompt_on_uart(
        self,
        prompt: str,
        testerId: int | None = None,
        timeout: Any = None,
        treatAsRegex: bool = False,
        pauseEmulation: bool | None = None,
    ) -> UartResult:
        """Renode's keyword: ``Wait For Line On Uart`` for a line that need not be finished."""
        result: UartResult = self.wait_for_line_on_uart(
            prompt, timeout, testerId, treatAsRegex, True
        )
        return result

    @keyword("Write Line To Uart")
    def write_line_to_uart(
        self,
        content: str = "",
        testerId: int | None = None,
        waitForEcho: bool | None = None,
        pauseEmulation: bool | None = None,
    ) -> None:
        """Renode's keyword: write ``content`` and CR; by default wait for the echo of ``content``.

        Pass ``waitForEcho=False`` in transparent mode, where nothing is echoed.
        """
        self._tester(testerId).write_line(content, waitForEcho)

    @keyword("Write Char On Uart")
    def write_char_on_uart(self, c: str, testerId: int | None = None) -> None:
        """Renode's keyword: write the single character ``c``."""
        self._tester(testerId).write_char(c)

    @keyword("Test If Uart Is Idle")
    def test_if_uart_is_idle(
        self,
        timeout: Any,
        testerId: int | None = None,
        pauseEmulation: bool | None = None,
    ) -> None:
        """Renode's keyword: fail if anything arrives on the UART within ``timeout``."""
        self._tester(testerId).assert_idle(_seconds(timeout), timeout)

    # -- LEDs ------------------------------------------------------------------------------
    @keyword("Create LED Tester")
    def create_led_tester(
        self,
        led: str,
        defaultTimeout: Any = None,
        machine: str | None = None,
    ) -> int:
        """Renode's keyword: a tester on LED ``POW``, ``NET`` or ``DATA``; returns its id."""
        self._require("leds")
        name = self._world().leds[led].name
        tester = len(self._led_testers)
        timeout = 0.0 if defaultTimeout is None else _seconds(defaultTimeout)
        self._led_testers[tester] = LedTester(self._world, name, timeout)
        return tester

    @keyword("Assert LED State")
    def assert_led_state(
        self,
        state: bool,
        timeout: Any = None,
        testerId: int | None = None,
        pauseEmulation: bool = False,
    ) -> None:
        """Renode's keyword: the LED is in ``state`` (true = on) within ``timeout`` (default 0)."""
        tester = self._led_tester(testerId)
        self._require("leds")
        tester.assert_state(bool(state), None if timeout is None else _seconds(timeout))

    @keyword("Assert LED Is Blinking")
    def assert_led_is_blinking(
        self,
        testDuration: Any,
        onDuration: float,
        offDuration: float,
        tolerance: float = 0.05,
        testerId: int | None = None,
        pauseEmulation: bool = False,
    ) -> None:
        """Renode's keyword: watch the LED for ``testDuration`` s; every on phase must last
        ``onDuration`` s and every off phase ``offDuration`` s, within ``tolerance`` (relative).

        As in Renode, the first edge only synchronises; the LED must change at least once.
        """
        self._led_tester(testerId).assert_blinking(
            _seconds(testDuration), float(onDuration), float(offDuration), float(tolerance)
        )


def _pick(testers: dict[int, T], tester_id: int | None, what: str, create: str) -> T:
    """The tester ``tester_id``, or the newest."""
    if not testers:
        raise RuntimeError(f"no {what}: use {create} first")
    key = max(testers) if tester_id is None else int(tester_id)
    if key not in testers:
        raise ValueError(f"no {what} {key} (have: {sorted(testers)})")
    return testers[key]
