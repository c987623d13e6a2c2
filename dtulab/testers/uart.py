"""Renode's UART keywords on a dtulab bench: terminal testers by id, their defaults, outcomes.

Renode (renode/renode ``src/Renode/RobotFrameworkEngine/UartKeywords.cs``)
keeps one ``TerminalTester`` per UART (``TestersProvider``, here
``testers.provider.Testers``) and turns what a tester finds into a keyword's
outcome. ``UartKeywords`` does the same over dtulab/testers/terminal.py, one
method per keyword with Renode's arguments (times in seconds):

- a wait that finds nothing fails with ``Terminal tester failed!`` and the
  tester's report (``OperationFail``); one that meets a registered failing
  string first fails with ``Test failing entry has been found on UART``;
  ``Wait For Next Line On Uart`` and the echo wait of ``Write Line To Uart``
  do not look at that flag (Renode's neither): a failing line is their result.
- waiting for text on a binary-mode tester, or bytes on a text one, is refused
  (``DoTest``); ``Should Not Be On Uart`` waits its whole timeout and fails on
  what it finds.
- ``Create Terminal Tester`` sets the keywords' defaults for echo waits and
  ``matchNextLine`` on every call, for every tester (Renode keeps them on its
  keywords object, not per tester); ``Set Default Uart Timeout`` is the
  timeout of testers created afterwards. Both outlive a bench (Renode's keep
  for the Renode process); the testers do not.

Renode silently falls back to LF when ``endLineOption`` is not an
``EndLineOption`` name; here that is an error. The UART names a suite may use
are those of the board (``uart_names``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NoReturn

from dtulab.console import Console
from dtulab.platforms.board_file import BoardFile
from dtulab.testers.provider import ArgumentError, InvalidOperation, KeywordException, Testers
from dtulab.testers.terminal import BinaryResult, EndLine, TerminalTester, TesterResult

RENODE_TIMEOUT = 8.0  # UartKeywords.cs globalTimeout
RS232 = "rs232"
HELD = {
    "modem": "the modem model holds it",
    "debug": "the bench logs it (the firmware's debug console)",
}


def uart_names(board: BoardFile) -> dict[str, str]:
    """Every name a test may give a UART of ``board``, with its role (rs232, modem, debug):
    the role itself and, as on the emulated board, ``uart<n>`` and ``sysbus.uart<n>``."""
    names: dict[str, str] = {}
    for role, n in board.uarts.items():
        names |= {role: role, f"uart{n}": role, f"sysbus.uart{n}": role}
    return names


def rs232_uart(name: str, board: BoardFile) -> None:
    """Refuse ``name`` unless it names the RS232 port, the UART a tester goes on."""
    names = uart_names(board)
    role = names.get(name)
    if role == RS232:
        return
    ours = ", ".join(n for n, r in names.items() if r == RS232)
    if role is None:
        raise KeywordException(
            f"Peripheral for machine 'dtu' not found or of wrong type: '{name}'. "
            f"Available UARTs: [{ours}]"
        )
    raise KeywordException(
        f"'{name}' is the board's {role} UART and {HELD.get(role, 'the bench holds it')}: "
        f"a terminal tester goes on the RS232 port [{ours}]"
    )


def end_line(option: str | None) -> EndLine:
    """``endLineOption``: an ``EndLineOption`` name or number, LF when not given."""
    if option is None:
        return EndLine.TreatLineFeedAsEndLine
    for i, choice in enumerate(EndLine):
        if option in (choice.name, str(i)):
            return choice
    names = ", ".join(choice.name for choice in EndLine)
    raise ArgumentError(f"endLineOption must be one of {names}, not '{option}'", "endLineOption")


class UartKeywords:
    """The UART keywords' state: the testers of the running bench and the defaults."""

    def __init__(self) -> None:
        self.testers: Testers[str, TerminalTester] = Testers()
        self.global_timeout = RENODE_TIMEOUT
        self.default_wait_for_echo = True
        self.default_match_next_line = False

    def forget_testers(self) -> None:
        """A new bench starts without testers; the defaults stay."""
        self.testers = Testers()

    def set_default_uart_timeout(self, timeout: float) -> None:
        self.global_timeout = timeout

    def set_default_tester(self, tester_id: int | None) -> None:
        self.testers.set_default(tester_id)

    def create_terminal_tester(
        self,
        uart: str,
        port: Console,
        clock: Callable[[], float],
        timeout: float | None = None,
        end_line_option: str | None = None,
        default_wait_for_echo: bool | None = None,
        default_match_next_line: bool | None = None,
        binary: bool = False,
    ) -> int:
        """The id of the tester on ``uart`` (the one it has, or a new one on ``port``)."""
        self.default_match_next_line = bool(default_match_next_line)
        self.default_wait_for_echo = (
            True if default_wait_for_echo is None else default_wait_for_echo
        )
        ending = end_line(end_line_option)
        seconds = self.global_timeout if timeout is None else timeout
        return self.testers.create(
            uart, lambda _: TerminalTester(port, clock, seconds, ending, binary)
        )

    def get_terminal_tester_report(self, tester_id: int | None = None) -> str:
        return self.testers.get(tester_id).report()

    def clear_terminal_tester_report(self, tester_id: int | None = None) -> None:
        self.testers.get(tester_id).clear_report()

    def register_failing_uart_string(
        self, pattern: str, regex: bool = False, tester_id: int | None = None
    ) -> None:
        self.testers.get(tester_id).register_failing_string(pattern, regex)

    def unregister_failing_uart_string(
        self, pattern: str, regex: bool = False, tester_id: int | None = None
    ) -> None:
        self.testers.get(tester_id).unregister_failing_string(pattern, regex)

    # -- waits ----------------------------------------------------------------------------
    def wait_for_line_on_uart(
        self,
        content: str,
        timeout: float | None = None,
        tester_id: int | None = None,
        regex: bool = False,
        unfinished: bool = False,
        match_next_line: bool | None = None,
    ) -> TesterResult:
        tester = self._text_tester(tester_id)
        next_line = self.default_match_next_line if match_next_line is None else match_next_line
        found = tester.wait_for(content, timeout, regex, unfinished, next_line)
        return _no_failing_entry(_found(tester, found))

    def wait_for_lines_on_uart(
        self,
        content: Sequence[str],
        timeout: float | None = None,
        tester_id: int | None = None,
        regex: bool = False,
        unfinished: bool = False,
        match_from_next_line: bool | None = None,
    ) -> TesterResult:
        tester = self._text_tester(tester_id)
        from_next = (
            self.default_match_next_line if match_from_next_line is None else match_from_next_line
        )
        found = tester.wait_for_lines(list(content), timeout, regex, unfinished, from_next)
        return _no_failing_entry(_found(tester, found))

    def wait_for_bytes_on_uart(
        self,
        content: str,
        timeout: float | None = None,
        tester_id: int | None = None,
        regex: bool = False,
        match_start: bool | None = False,
    ) -> BinaryResult:
        tester = self.testers.get(tester_id)
        _mode(tester, binary=True)
        at_start = self.default_match_next_line if match_start is None else match_start
        found = tester.wait_for(content, timeout, regex, True, at_start)
        return BinaryResult.of(_no_failing_entry(_found(tester, found)))

    def wait_for_next_line_on_uart(
        self, timeout: float | None = None, tester_id: int | None = None
    ) -> TesterResult:
        tester = self._text_tester(tester_id)
        return _found(tester, tester.next_line(timeout))

    def should_not_be_on_uart(
        self,
        content: str,
        timeout: float | None = None,
        tester_id: int | None = None,
        regex: bool = False,
        unfinished: bool = False,
    ) -> None:
        found = self.testers.get(tester_id).wait_for(content, timeout, regex, unfinished)
        if found is not None:
            raise InvalidOperation(
                "Terminal tester failed!\n\nUnexpected entry has been found on UART#:\n"
                + found.Line
            )

    def test_if_uart_is_idle(self, timeout: float, tester_id: int | None = None) -> None:
        tester = self.testers.get(tester_id)
        if not tester.is_idle(timeout):
            _fail(tester)

    # -- writing --------------------------------------------------------------------------
    def write_to_uart(self, content: str, tester_id: int | None = None) -> TesterResult:
        self.testers.get(tester_id).write(content)
        return TesterResult("", 0)

    def write_char_on_uart(self, c: str, tester_id: int | None = None) -> TesterResult:
        if len(c) != 1:
            raise ArgumentError(f"Write Char On Uart takes one character, not {c!r}", "c")
        return self.write_to_uart(c, tester_id)

    def send_key_to_uart(self, c: int, tester_id: int | None = None) -> TesterResult:
        if not 0 <= c <= 0xFF:
            raise ArgumentError(f"Send Key To Uart takes a byte (0..255), not {c}", "c")
        return self.write_to_uart(chr(c), tester_id)

    def write_line_to_uart(
        self, content: str = "", tester_id: int | None = None, wait_for_echo: bool | None = None
    ) -> TesterResult:
        """``content`` and CR; then, by default, wait for its echo (in the unfinished line
        too, with the tester's timeout). The echo wait is on before the line goes out, so
        the echo is matched as it comes (where Renode's machine echoes while the wait
        runs, a fast DTU may have answered before it starts)."""
        tester = self.testers.get(tester_id)
        echo = self.default_wait_for_echo if wait_for_echo is None else wait_for_echo
        if not echo:
            tester.write(content + "\r")
        elif (
            tester.wait_for(content, unfinished=True, first=lambda: tester.write(content + "\r"))
            is None
        ):
            _fail(tester)
        return TesterResult("", 0)

    def _text_tester(self, tester_id: int | None) -> TerminalTester:
        tester = self.testers.get(tester_id)
        _mode(tester, binary=False)
        return tester


def _mode(tester: TerminalTester, binary: bool) -> None:
    if tester.binary != binary:
        raise InvalidOperation(
            f"Attempt to wait for {'bytes' if binary else 'text'} on a tester configured in "
            f"{'binary' if tester.binary else 'text'} mode. Please set "
            f"binaryMode={not tester.binary} when creating the tester."
        )


def _found(tester: TerminalTester, result: TesterResult | None) -> TesterResult:
    if result is None:
        _fail(tester)
    return result


def _no_failing_entry(result: TesterResult) -> TesterResult:
    if result.is_failing_string:
        raise InvalidOperation(
            f"Terminal tester failed!\n\nTest failing entry has been found on UART:\n{result.Line}"
        )
    return result


def _fail(tester: TerminalTester) -> NoReturn:
    raise InvalidOperation(f"Terminal tester failed!\n\nFull report:\n{tester.report()}")
