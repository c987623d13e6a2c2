"""Renode's UART and LED keywords on a dtulab bench, so Renode suites carry over.

Renode tests a machine through testers (``UartKeywords.cs``, ``LedKeywords.cs``):
``Create Terminal Tester`` puts one on a UART, ``Create LED Tester`` on a LED,
and the other keywords name a tester by its id.
Here ``UartTester`` is one on the host's side of the DTU's RS232 port: its
defaults (timeout, echo, next line) and the matching of Renode's line rules
against what the DTU writes, read through the host console (``DtuHost``,
whose read position the other RS232 keywords share). The LED keywords are
Renode's ``LedKeywords.cs`` over ``dtulab.testers.led.LedTester`` (Renode's
``LEDTester.cs`` on a LED of the modelled board, by Renode's rules for ids
and names: ``dtulab.testers.provider``), and ``Execute Command`` is Renode's
monitor keyword over the bench's control commands (``dtulab.testers.monitor``).

``RenodeKeywords`` holds the testers of a bench and gives the keywords their
Renode names and arguments; ``DtuLibrary`` inherits them. The bench runs in
real time: ``pauseEmulation`` is accepted and has no effect; ``machine`` may
name the bench's one machine, ``dtu``.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from dtulab.host import DtuHost
from dtulab.platforms import Unsupported
from dtulab.platforms.board_file import BoardFile
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.testers import monitor
from dtulab.testers.led import LedTester, check_machine, resolve
from dtulab.testers.provider import Testers
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
        self._led_testers: Testers[str, LedTester] = Testers()

    def _tester(self, tester_id: int | None) -> UartTester:
        return _pick(self._uart_testers, tester_id, "terminal tester", "Create Terminal Tester")

    def _led_tester(self, tester_id: int | None) -> LedTester:
        tester = self._led_testers.get(tester_id)
        self._require("leds")
        return tester

    def _led_check(self, check: Coroutine[Any, Any, None], seconds: float) -> None:
        """Run a LED tester's assertion on the bench loop, where the LEDs change: it takes
        ``seconds`` at most (and a margin)."""
        self._world().run(check, seconds + 30)

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

    # -- LEDs (LedKeywords.cs) -------------------------------------------------------------
    _led_timeout = 0.0  # Set Default LED Timeout: for testers created without defaultTimeout

    @keyword("Set Default LED Timeout")
    def set_default_led_timeout(self, timeout: Any) -> None:
        """Renode's keyword: the ``defaultTimeout`` of LED testers created from now on without
        one (Renode's default: 0, i.e. assert at once)."""
        self._led_timeout = _seconds(timeout)

    @keyword("Create LED Tester")
    def create_led_tester(
        self,
        led: str,
        defaultTimeout: Any = None,
        machine: str | None = None,
    ) -> int:
        """Renode's keyword: a tester on ``led``; returns its id (the same id for the same LED,
        whose first ``defaultTimeout`` stays).

        The LEDs are ``POW``, ``NET`` and ``DATA``; a Renode name works too:
        ``sysbus.scc.led0`` (the LED on bit 0 of the SCC's CFG1 register, as
        the target's board file wires it: led0 POW, led1 NET, led2 DATA),
        ``sysbus.scc.pow`` / ``.net`` / ``.data``, with or without
        ``sysbus.``. ``defaultTimeout`` (s; default 0 or ``Set Default LED
        Timeout``) is what ``Assert LED State`` waits without ``timeout``.
        """
        world = self._world()
        self._require("leds")
        check_machine(machine)
        target = world.target
        wiring = target.board_file.leds if isinstance(target, EmulatorTarget) else BoardFile().leds
        name = resolve(led, wiring, machine)
        timeout = self._led_timeout if defaultTimeout is None else _seconds(defaultTimeout)
        return self._led_testers.create(name, lambda n: LedTester(world.leds[n], timeout))

    @keyword("Assert LED State")
    def assert_led_state(
        self,
        state: bool,
        timeout: Any = None,
        testerId: int | None = None,
        pauseEmulation: bool = False,
    ) -> None:
        """Renode's keyword: the LED is in ``state`` (true = on) now, or gets there within
        ``timeout`` s (default: the tester's ``defaultTimeout``; 0 = now).

        Fails with ``InvalidOperationException: LED assertion not met.``
        """
        tester = self._led_tester(testerId)
        seconds = None if timeout is None else _seconds(timeout)
        wait = tester.default_timeout if seconds is None else seconds
        self._led_check(tester.assert_state(bool(state), seconds), wait)

    @keyword("Assert And Hold LED State")
    def assert_and_hold_led_state(
        self,
        initialState: bool,
        timeoutAssert: Any,
        timeoutHold: Any,
        testerId: int | None = None,
        pauseEmulation: bool = False,
    ) -> None:
        """Renode's keyword: the LED is in ``initialState`` now, or gets there within
        ``timeoutAssert`` s, and then stays there for ``timeoutHold`` s.

        Fails with ``Initial LED assertion not met.`` if it does not get
        there, at once with ``LED changed state.`` if it leaves it.
        """
        tester = self._led_tester(testerId)
        assert_s, hold_s = _seconds(timeoutAssert), _seconds(timeoutHold)
        check = tester.assert_and_hold_state(bool(initialState), assert_s, hold_s)
        self._led_check(check, assert_s + hold_s)

    @keyword("Assert LED Duty Cycle")
    def assert_led_duty_cycle(
        self,
        testDuration: Any,
        expectedDutyCycle: float,
        tolerance: float = 0.05,
        testerId: int | None = None,
        pauseEmulation: bool = False,
    ) -> None:
        """Renode's keyword: over ``testDuration`` s the LED is on for ``expectedDutyCycle``
        (0..1) ± ``tolerance`` of the time, counted between its changes from the first.

        Watches the whole duration. As in Renode, a LED that changed less
        than twice passes (no share to compare).
        """
        tester = self._led_tester(testerId)
        seconds = _seconds(testDuration)
        check = tester.assert_duty_cycle(seconds, float(expectedDutyCycle), float(tolerance))
        self._led_check(check, seconds)

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
        """Renode's keyword: from the LED's first change within ``testDuration`` s on, every on
        phase lasts ``onDuration`` s and every off phase ``offDuration`` s, within
        ``tolerance`` (relative).

        The first change only synchronises; a phase off the pattern fails at
        once, a LED that changed less than twice fails at the end (``LED
        state never changed``). A phase still running at the end is not
        checked.
        """
        tester = self._led_tester(testerId)
        seconds = _seconds(testDuration)
        check = tester.assert_is_blinking(
            seconds, float(onDuration), float(offDuration), float(tolerance)
        )
        self._led_check(check, seconds)

    # -- the monitor (RenodeKeywords.cs) ---------------------------------------------------
    @keyword("Execute Command")
    def execute_command(self, *commandFragments: str, machine: str | None = None) -> str:
        """Renode's keyword: run a monitor command (its fragments joined with spaces) on the
        bench; returns what it prints.

        The bench's commands are those ``dtulab run`` reads (``power
        on|off``, ``rail dc 8``, ``fault no-coverage``, ``clear``, ``send dc1
        hello``, ``status``, ...) and Renode's ``emulation RunFor "<time>"``
        (the bench runs in real time: this waits). Anything else fails with
        ``KeywordException: Could not execute command ...``; on the renode
        target Renode's own monitor commands are not passed on yet.

        | Execute Command | power off |
        | ${status}= | Execute Command | status |
        """
        check_machine(machine)
        return monitor.execute(self._world(), " ".join(commandFragments))


def _pick(testers: dict[int, T], tester_id: int | None, what: str, create: str) -> T:
    """The tester ``tester_id``, or the newest."""
    if not testers:
        raise RuntimeError(f"no {what}: use {create} first")
    key = max(testers) if tester_id is None else int(tester_id)
    if key not in testers:
        raise ValueError(f"no {what} {key} (have: {sorted(testers)})")
    return testers[key]
