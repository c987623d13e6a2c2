"""Renode's UART and LED keywords on a dtulab bench, so Renode suites carry over.

Renode tests a machine through testers (``UartKeywords.cs``, ``LedKeywords.cs``):
``Create Terminal Tester`` puts one on a UART, ``Create LED Tester`` on a LED,
and the other keywords name a tester by its id (``TestersProvider.cs``: without one,
the default tester or the only one).
The UART keywords are Renode's ``UartKeywords.cs`` over
``dtulab.testers.uart`` (Renode's ``TerminalTester.cs`` on the host's side of
the DTU's RS232 port: ``dtulab.testers.terminal``). The LED keywords are
Renode's ``LedKeywords.cs`` over ``dtulab.testers.led.LedTester`` (Renode's
``LEDTester.cs`` on a LED of the modelled board, by Renode's rules for ids
and names: ``dtulab.testers.provider``), and ``Execute Command`` is Renode's
monitor keyword over the bench's control commands (``dtulab.testers.monitor``).

``RenodeKeywords`` holds the testers of a bench and gives the keywords their
Renode names and arguments; ``DtuLibrary`` inherits them. The bench runs in
real time: ``pauseEmulation`` is accepted and has no effect (robot/README.md says
why); LED phases on the renode target are Renode's virtual time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import Any

from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from dtulab.host import DtuHost
from dtulab.platforms.board_file import BoardFile, load_board
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.testers import monitor
from dtulab.testers.led import LedTester, check_machine, resolve
from dtulab.testers.provider import Testers
from dtulab.testers.terminal import BinaryResult, TesterResult
from dtulab.testers.uart import UartKeywords, rs232_uart
from dtulab.world import World


def _seconds(value: Any) -> float:
    """A Robot time (``300 ms``, ``2s``, ``1.5``) in seconds."""
    return float(timestr_to_secs(value))


def _maybe_seconds(value: Any) -> float | None:
    """A Robot time in seconds, or None when not given."""
    return None if value is None else _seconds(value)


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
        self._uart.forget_testers()
        self._led_testers: Testers[str, LedTester] = Testers()

    @cached_property
    def _uart(self) -> UartKeywords:
        """The UART keywords' testers and defaults (the defaults outlive a bench)."""
        return UartKeywords()

    def _bench_ms(self) -> Callable[[], float]:
        """The running bench's clock in milliseconds since the bench was built: a terminal
        tester's ``Timestamp`` (Renode's: the machine's virtual time), comparable with the
        times of the RS232 transcript in a failed test's log (in seconds)."""
        world = self._world()
        return lambda: (world.clock.now() - world.rs232_transcript.start) * 1000

    def _led_tester(self, tester_id: int | None) -> LedTester:
        tester = self._led_testers.get(tester_id)
        self._require("leds")
        return tester

    def _led_check(self, check: Coroutine[Any, Any, None], seconds: float) -> None:
        """Run a LED tester's assertion on the bench loop, where the LEDs change: it takes
        ``seconds`` at most (and a margin)."""
        self._world().run(check, seconds + 30)

    # -- UART (UartKeywords.cs) ------------------------------------------------------------
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
        """Renode's keyword: a tester on ``uart``, the DTU's RS232 port; returns its id, the
        same for the same UART (a second call's ``timeout``, ``endLineOption`` and
        ``binaryMode`` are ignored).

        The RS232 port is ``rs232`` or, as the emulated board calls it,
        ``uart0`` / ``sysbus.uart0`` (``uart<n>`` where the board file says
        ``rs232 = n``); the modem's and the debug UART get no tester. The
        tester hears what the DTU writes from its creation on.
        ``timeout`` (default 8 s, or ``Set Default Uart Timeout``) is the
        tester's default; ``endLineOption`` is ``TreatLineFeedAsEndLine``
        (default: LF ends a line, CR is dropped) or
        ``TreatCarriageReturnAsEndLine``; with ``binaryMode`` the tester keeps
        bytes, not lines (``Wait For Bytes On Uart``). ``defaultWaitForEcho``
        (default true) and ``defaultMatchNextLine`` (default false) are the
        defaults of every tester's keywords from now on, as in Renode.
        """
        rs232_uart(uart, load_board(self._world().config.board or None))
        return self._uart.create_terminal_tester(
            uart="rs232",
            port=self._console(),
            clock=self._bench_ms(),
            timeout=_maybe_seconds(timeout),
            end_line_option=endLineOption,
            default_wait_for_echo=defaultWaitForEcho,
            default_match_next_line=defaultMatchNextLine,
            binary=bool(binaryMode),
        )

    @keyword("Set Default Uart Timeout")
    def set_default_uart_timeout(self, timeout: Any) -> None:
        """Renode's keyword: the timeout of terminal testers created from now on without one
        (default 8 s)."""
        self._uart.set_default_uart_timeout(_seconds(timeout))

    @keyword("Set Default Tester")
    def set_default_tester(self, id: int | str | None) -> None:
        """Renode's keyword: the terminal tester the UART keywords use without ``testerId``;
        ``null`` (or ``None``) clears it. Without one, and with several testers, they fail."""
        cleared = id is None or str(id).lower() in ("null", "none")
        self._uart.set_default_tester(None if id is None or cleared else int(id))

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
    ) -> TesterResult:
        """Renode's keyword: wait for a line containing ``content`` (with ``treatAsRegex``: in
        which the regular expression ``content`` is found, so ``^OK$`` is the whole line).

        Lines end at LF, CR dropped. The line found and every line before it
        are consumed. With ``includeUnfinishedLine`` the line not finished yet
        counts too (a prompt): it is consumed whole, with every finished line.
        With ``matchNextLine`` only the next line counts. A line with a failing
        string (``Register Failing Uart String``) fails the wait first.
        Returns ``${r.Line}``, ``${r.Groups}`` (the regular expression's
        groups) and ``${r.Timestamp}`` (ms on the bench clock since the bench
        was built); ``line``, ``groups``, ``timestamp`` are the same.
        """
        return self._uart.wait_for_line_on_uart(
            content,
            _maybe_seconds(timeout),
            testerId,
            bool(treatAsRegex),
            bool(includeUnfinishedLine),
            matchNextLine,
        )

    @keyword("Wait For Prompt On Uart")
    def wait_for_prompt_on_uart(
        self,
        prompt: str,
        testerId: int | None = None,
        timeout: Any = None,
        treatAsRegex: bool = False,
        pauseEmulation: bool | None = None,
    ) -> TesterResult:
        """Renode's keyword: ``Wait For Line On Uart`` with ``includeUnfinishedLine``."""
        return self._uart.wait_for_line_on_uart(
            prompt, _maybe_seconds(timeout), testerId, bool(treatAsRegex), True
        )

    @keyword("Wait For Lines On Uart")
    def wait_for_lines_on_uart(
        self,
        content: list[str],
        timeout: Any = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False,
        pauseEmulation: bool | None = None,
        matchFromNextLine: bool | None = None,
    ) -> TesterResult:
        """Renode's keyword: wait for consecutive lines that contain (match) the items of the
        list ``content`` in order; returns the last. With ``includeUnfinishedLine`` the last
        item may be in the unfinished line; with ``matchFromNextLine`` the first must be
        the next line (and each item has the whole ``timeout``).

        | Wait For Lines On Uart | ${lines} |
        """
        return self._uart.wait_for_lines_on_uart(
            content,
            _maybe_seconds(timeout),
            testerId,
            bool(treatAsRegex),
            bool(includeUnfinishedLine),
            matchFromNextLine,
        )

    @keyword("Wait For Next Line On Uart")
    def wait_for_next_line_on_uart(
        self, timeout: Any = None, testerId: int | None = None, pauseEmulation: bool | None = None
    ) -> TesterResult:
        """Renode's keyword: the next finished line, consumed. (As in Renode, a line with a
        failing string anywhere among the lines not consumed yet comes first, and passes.)"""
        return self._uart.wait_for_next_line_on_uart(_maybe_seconds(timeout), testerId)

    @keyword("Wait For Bytes On Uart")
    def wait_for_bytes_on_uart(
        self,
        content: str,
        timeout: Any = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
        pauseEmulation: bool | None = None,
        matchStart: bool | None = False,
    ) -> BinaryResult:
        """Renode's keyword, on a ``binaryMode`` tester: wait for the bytes ``content`` (hex:
        ``2a 0d 0a``; with ``treatAsRegex`` a regular expression over the bytes as Latin-1
        text, ``.`` matching any byte). The bytes up to the end of the match are consumed;
        with ``matchStart`` the match must start at the first byte not consumed. Returns
        ``${r.Content}`` and ``${r.Groups}`` as bytes, and ``${r.Timestamp}``."""
        return self._uart.wait_for_bytes_on_uart(
            content, _maybe_seconds(timeout), testerId, bool(treatAsRegex), matchStart
        )

    @keyword("Should Not Be On Uart")
    def should_not_be_on_uart(
        self,
        content: str,
        timeout: Any = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False,
    ) -> None:
        """Renode's keyword: wait the whole ``timeout`` (default: the tester's) for a line
        with ``content``, as ``Wait For Line On Uart`` would, and fail if it comes."""
        self._uart.should_not_be_on_uart(
            content,
            _maybe_seconds(timeout),
            testerId,
            bool(treatAsRegex),
            bool(includeUnfinishedLine),
        )

    @keyword("Register Failing Uart String")
    def register_failing_uart_string(
        self, pattern: str, treatAsRegex: bool = False, testerId: int | None = None
    ) -> None:
        """Renode's keyword: from now on a wait of this tester that sees a finished line
        containing (matching) ``pattern`` fails with ``Test failing entry``."""
        self._uart.register_failing_uart_string(pattern, bool(treatAsRegex), testerId)

    @keyword("Unregister Failing Uart String")
    def unregister_failing_uart_string(
        self, pattern: str, treatAsRegex: bool = False, testerId: int | None = None
    ) -> None:
        """Renode's keyword: forget a failing string (fails if it was not registered)."""
        self._uart.unregister_failing_uart_string(pattern, bool(treatAsRegex), testerId)

    @keyword("Get Terminal Tester Report")
    def get_terminal_tester_report(self, testerId: int | None = None) -> str:
        """Renode's keyword: the lines the tester consumed, its successes and failures, and
        what it holds unfinished."""
        return self._uart.get_terminal_tester_report(testerId)

    @keyword("Clear Terminal Tester Report")
    def clear_terminal_tester_report(self, testerId: int | None = None) -> None:
        """Renode's keyword: forget the report and the finished lines not consumed yet."""
        self._uart.clear_terminal_tester_report(testerId)

    @keyword("Write Line To Uart")
    def write_line_to_uart(
        self,
        content: str = "",
        testerId: int | None = None,
        waitForEcho: bool | None = None,
        pauseEmulation: bool | None = None,
    ) -> TesterResult:
        """Renode's keyword: write ``content`` and CR; by default wait for the echo of
        ``content`` (the unfinished line counts).

        Pass ``waitForEcho=False`` in transparent mode, where nothing is echoed.
        """
        return self._uart.write_line_to_uart(content, testerId, waitForEcho)

    @keyword("Write To Uart")
    def write_to_uart(self, content: str, testerId: int | None = None) -> TesterResult:
        """Renode's keyword: write ``content`` as it is (each character one byte)."""
        return self._uart.write_to_uart(content, testerId)

    @keyword("Write Char On Uart")
    def write_char_on_uart(self, c: str, testerId: int | None = None) -> TesterResult:
        """Renode's keyword: write the single character ``c``."""
        return self._uart.write_char_on_uart(c, testerId)

    @keyword("Send Key To Uart")
    def send_key_to_uart(self, c: int, testerId: int | None = None) -> TesterResult:
        """Renode's keyword: write the byte ``c`` (``0x03``, ``13``)."""
        return self._uart.send_key_to_uart(c, testerId)

    @keyword("Test If Uart Is Idle")
    def test_if_uart_is_idle(
        self,
        timeout: Any,
        testerId: int | None = None,
        pauseEmulation: bool | None = None,
    ) -> None:
        """Renode's keyword: fail if a character arrives on the UART within ``timeout``
        (in text mode a CR or NUL does not count: the tester drops them)."""
        self._uart.test_if_uart_is_idle(_seconds(timeout), testerId)

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
        target any other line goes to Renode's own monitor (its robot server).

        | Execute Command | power off |
        | ${status}= | Execute Command | status |
        """
        check_machine(machine)
        return monitor.execute(self._world(), " ".join(commandFragments))
