"""Renode's terminal tester rules (dtulab/testers/terminal.py, uart.py) on a real pty.

The far end of the pty plays the UART's device: each test writes the bytes a
machine would print and checks what Renode's ``TerminalTester.cs`` and
``UartKeywords.cs`` make of them (the method each rule comes from is named in
the test). Bytes the tester must have before a wait checks them are awaited
first (``arrive``), so an immediate check sees them all; a test about what
happens while a wait is on writes once the tester is ``waiting``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from dtulab.console import Console
from dtulab.platforms.board_file import BoardFile
from dtulab.testers.provider import InvalidOperation, KeywordException, RenodeError
from dtulab.testers.terminal import EndLine, TerminalTester
from dtulab.testers.uart import UartKeywords, rs232_uart, uart_names


@dataclass
class Line:
    """A pty: ``device`` is the machine's end (a file descriptor), ``console`` the host's."""

    device: int
    console: Console

    def arrive(self, data: bytes) -> None:
        """Write ``data`` from the device and wait until the host has received it all."""
        total = len(self.console.received) + len(data)
        os.write(self.device, data)
        deadline = time.monotonic() + 10
        while len(self.console.received) < total:
            assert time.monotonic() < deadline, "the pty did not deliver"
            time.sleep(0.005)

    def read(self, n: int) -> bytes:
        """``n`` bytes the host wrote, as the device reads them."""
        got = b""
        deadline = time.monotonic() + 10
        while len(got) < n:
            assert time.monotonic() < deadline, f"the device got only {got!r}"
            got += os.read(self.device, n - len(got))
        return got


@pytest.fixture
def pty() -> Iterator[Line]:
    device, port = os.openpty()
    console = Console(os.ttyname(port))
    try:
        yield Line(device, console)
    finally:
        console.close()
        os.close(device)
        os.close(port)


def ms() -> float:
    return time.monotonic() * 1000


def make_tester(
    pty: Line, end_line: EndLine = EndLine.TreatLineFeedAsEndLine, binary: bool = False
) -> TerminalTester:
    """A tester on the host's end, 5 s by default, its clock the host's in ms."""
    return TerminalTester(pty.console, ms, 5.0, end_line, binary)


def while_waiting(t: TerminalTester, then: Callable[[], object]) -> threading.Thread:
    """Run ``then`` on a thread once ``t`` has a wait on."""

    def run() -> None:
        deadline = time.monotonic() + 10
        while not t.waiting and time.monotonic() < deadline:
            time.sleep(0.005)
        then()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_lines_end_at_lf_with_cr_dropped_and_a_regex_is_searched_in_one_line(pty):
    """WriteChar (CR dropped, LF ends the line), CheckFinishedLines (Regex.Match on the
    line): ``^OK$`` is the whole line and a group does not take the CR."""
    t = make_tester(pty)
    pty.arrive(b"AT+CIMOD?\r\r\n+CIMOD: 0\r\n\r\nOK\r\n")
    found = t.wait_for(r"\+CIMOD: (.*)", 0, regex=True)
    assert found is not None and (found.Line, found.Groups) == ("+CIMOD: 0", ["0"])
    assert (found.line, found.groups, found.timestamp) == (
        found.Line,
        found.Groups,
        found.Timestamp,
    )
    assert t.wait_for("^OK$", 0, regex=True) is not None
    assert t.wait_for("OK", 0) is None  # consumed with the line


def test_a_match_consumes_its_line_and_every_line_before_it(pty):
    """HandleSuccess: lines up to the matching one go; the rest stay for the next wait."""
    t = make_tester(pty)
    pty.arrive(b"one\r\ntwo\r\nthree\r\n")
    assert t.wait_for("two", 0) is not None
    assert t.wait_for("one", 0) is None
    assert t.next_line(0).Line == "three"


def test_the_timestamp_is_when_the_line_ended_in_ms_on_the_testers_clock(pty):
    """Line.VirtualTimestamp: taken when the LF arrives, on the clock the tester is given."""
    t = TerminalTester(pty.console, lambda: 1234.5, 5.0)
    pty.arrive(b"tick\n")
    assert t.wait_for("tick", 0).Timestamp == 1234.5


def test_an_unfinished_line_counts_only_when_asked_and_is_consumed_whole(pty):
    """CheckUnfinishedLine: text mode takes the whole current line (and every finished line);
    without includeUnfinishedLine a prompt is not a line."""
    t = make_tester(pty)
    pty.arrive(b"old\r\n+ok and more")
    assert t.wait_for("+ok", 0) is None
    found = t.wait_for("+ok", 0, unfinished=True)
    assert found is not None and found.Line == "+ok and more"
    assert t.wait_for("old", 0, unfinished=True) is None  # finished lines went too


def test_while_waiting_a_prompt_matches_at_the_character_that_completes_it(pty):
    """WriteChar runs the matcher after every character: what follows the match in the same
    burst stays for the next wait."""
    t = make_tester(pty)
    writer = while_waiting(t, lambda: os.write(pty.device, b"login: x\r\n"))
    found = t.wait_for("login:", 5, unfinished=True)
    writer.join()
    assert found is not None and found.Line == "login:"
    assert t.wait_for("^ x$", 5, regex=True) is not None


def test_a_write_whose_echo_is_awaited_goes_out_once_the_wait_is_on(pty):
    """WriteLineToUart's echo wait, however fast the device answers: the echo is matched in
    the unfinished line as it comes, so the rest of its line is a line of its own."""
    t = make_tester(pty)
    found = t.wait_for(
        "AT", 5, unfinished=True, first=lambda: os.write(pty.device, b"AT\r\r\nOK\r\n")
    )
    assert found is not None and found.Line == "AT"
    assert t.next_line(5).Line == ""
    assert t.next_line(5).Line == "OK"


def test_match_next_line_looks_at_the_next_line_only(pty):
    """CheckFinishedLines(matchFirstLine): only lines[0]; the unfinished line only from its
    start."""
    t = make_tester(pty)
    pty.arrive(b"One\nTwo\nThr")
    assert t.wait_for("Two", 0, next_line=True) is None
    assert t.wait_for("One", 0, next_line=True) is not None
    found = t.wait_for("T(w)o", 0, regex=True, next_line=True)
    assert found is not None and found.Groups == ["w"]  # Renode's own leaves Groups empty
    assert t.wait_for("hr", 0, unfinished=True, next_line=True) is None
    assert t.wait_for("Th", 0, unfinished=True, next_line=True) is not None


def test_a_failing_string_anywhere_fails_the_wait_before_its_own_match(pty):
    """WaitForMatch checks MatchFailingStrings first, over every finished line: a failing line
    after the wanted one still wins when both are there already."""
    t = make_tester(pty)
    t.register_failing_string("ERR(OR)?", True)
    pty.arrive(b"OK\r\nERROR\r\n")
    found = t.wait_for("OK", 0)
    assert found is not None and found.is_failing_string and found.Line == "ERROR"


def test_a_failing_string_after_the_match_does_not_fail_a_wait_that_was_on(pty):
    """While waiting the matcher runs at each character: OK's line ends before ERROR's."""
    t = make_tester(pty)
    t.register_failing_string("ERROR", False)
    writer = while_waiting(t, lambda: os.write(pty.device, b"OK\r\nERROR\r\n"))
    found = t.wait_for("OK", 5)
    writer.join()
    assert found is not None and not found.is_failing_string
    t.unregister_failing_string("ERROR", False)
    with pytest.raises(RenodeError, match="RecoverableException: Unable to unregister"):
        t.unregister_failing_string("ERROR", False)


def test_text_mode_drops_nul_and_sgr_and_the_result_keeps_printable_ascii(pty):
    """WriteChar (NUL), AppendCharToBuffer (SGR decoding), StripNonSafeCharacters (result):
    the matching sees the tab and the Latin-1 byte, the result does not."""
    t = make_tester(pty)
    pty.arrive(b"\x1b[1;31mred\x1b[0m\x00 a\tb\xe9\r\n")
    found = t.wait_for("red a\tb\xe9", 0)
    assert found is not None and found.Line == "red ab"


def test_a_broken_sgr_sequence_goes_back_without_its_bracket_and_loses_its_breaker(pty):
    """FinishSGRDecoding(abort): the ESC and digits return to the line, '[' and the character
    that broke the sequence do not."""
    t = make_tester(pty)
    pty.arrive(b"a\x1b[12xb\x1bzc\n")
    assert t.wait_for("a\x1b12b\x1bc", 0) is not None


def test_cr_as_end_of_line_keeps_the_lf_in_the_next_line(pty):
    """EndLineOption.TreatCarriageReturnAsEndLine: CR ends lines, LF is text."""
    t = make_tester(pty, end_line=EndLine.TreatCarriageReturnAsEndLine)
    pty.arrive(b"x\r\ny\r")
    assert t.wait_for("^x$", 0, regex=True) is not None
    found = t.wait_for("\ny", 0)
    assert found is not None and found.Line == "\ny"


def test_binary_mode_keeps_every_byte_and_consumes_up_to_the_match(pty):
    """Binary mode: no lines, hex patterns, Singleline regexes; HandleSuccess cuts the buffer
    at the match's end (uart-tester.robot, Should Allow Waiting For Immediately Adjacent Byte
    Strings)."""
    t = make_tester(pty, binary=True)
    pty.arrive(b"ZEPHYR OS\x00\r\n**\xff")
    found = t.wait_for("5a 45 50 48 59 52", 0, unfinished=True)
    assert found is not None and found.Line == "ZEPHYR"
    assert t.wait_for("52 20 4f 53", 0, unfinished=True) is None  # its R is gone
    assert t.wait_for("4f 53", 0, unfinished=True, next_line=True) is None  # a space first
    found = t.wait_for(r"OS(.)\r\n(.*)\xff", 0, regex=True, unfinished=True)
    assert found is not None and (found.Line, found.Groups) == ("OS\x00\r\n**\xff", ["\x00", "**"])
    with pytest.raises(RenodeError, match="FormatException"):
        t.wait_for("4f 5", 0, unfinished=True)


def test_lines_in_order_must_be_consecutive(pty):
    """WaitForMultilineMatch: consecutive lines, the last one returned (and consumed)."""
    t = make_tester(pty)
    pty.arrive(b"a\nb\nx\nc\na\nb\nc\nd\n")
    found = t.wait_for_lines(["a", "b", "c"], 0)
    assert found is not None and found.Line == "c"
    assert t.next_line(0).Line == "d"
    assert t.wait_for_lines(["d", "e"], 0) is None


def test_lines_in_order_may_end_in_the_unfinished_line_or_start_at_the_next(pty):
    """WaitFor(patterns): includeUnfinishedLine puts the last pattern in the current line;
    matchFromNextLine waits for each pattern as the next line."""
    t = make_tester(pty)
    pty.arrive(b"a\nb\n> ")
    assert t.wait_for_lines(["b", ">"], 0, unfinished=True) is not None
    pty.arrive(b"x\ny\nz\n")
    assert t.wait_for_lines(["y", "z"], 0, from_next_line=True) is None  # x is next
    assert t.next_line(0).Line == "x"  # a failure took nothing
    assert t.wait_for_lines(["y", "z"], 0, from_next_line=True) is not None
    assert t.wait_for_lines([], 0).Line == ""  # "Empty match"


def test_only_characters_the_tester_keeps_break_its_idleness(pty):
    """IsIdle waits on charEvent, which a dropped CR does not set (WriteChar returns first)."""
    t = make_tester(pty)
    stop = threading.Event()

    def chatter(data: bytes) -> None:
        while not stop.wait(0.05):
            os.write(pty.device, data)

    for data, idle in ((b"\r", True), (b"x", False)):
        stop.clear()
        thread = threading.Thread(target=chatter, args=(data,))
        thread.start()
        try:
            assert t.is_idle(0.5) is idle
        finally:
            stop.set()
            thread.join()


def test_the_report_shows_lines_consumed_and_each_events_outcome(pty):
    """ReportInner and GetReport: lines with their timestamps, success/failure events, and
    the unfinished line."""
    t = make_tester(pty)
    pty.arrive(b"hello\r\npartial")
    t.wait_for("hello", 0)
    t.wait_for("absent", 0)
    report = t.report()
    assert "Attached to UART event: success" in report
    assert "] hello\n" in report and "Line containing >>hello<< event: success" in report
    assert "partial [[no newline]]" in report
    assert "Line containing >>absent<< event: failure" in report
    assert "--- Current line buffer contains 7 characters: >>partial<<" in report
    t.clear_report()
    assert "hello" not in t.report()


def test_writing_sends_bytes_and_the_other_readers_go_on_after_a_match(pty):
    """Write: one byte per character. A match lets the host console read on after it."""
    t = make_tester(pty)
    t.write("AT\r\x03")
    assert pty.read(4) == b"AT\r\x03"
    pty.arrive(b"first\r\nsecond\r\n")
    assert t.wait_for("first", 0) is not None
    assert pty.console.expect_re(rb"[a-z]+", 5).group(0) == b"second"


def test_testers_per_uart_and_the_default_tester(pty):
    """TestersProvider: one tester per UART, the same id again; without testerId the default
    or the only tester, else an error."""
    kw = UartKeywords()
    with pytest.raises(KeywordException, match="There are no testers available"):
        kw.write_to_uart("x")
    first = kw.create_terminal_tester("rs232", pty.console, ms)
    assert kw.create_terminal_tester("rs232", pty.console, ms) == first == 0
    second = kw.create_terminal_tester("debug", pty.console, ms)  # another UART to the keywords
    assert second == 1
    with pytest.raises(KeywordException, match="more than one tester available"):
        kw.wait_for_line_on_uart("x", 0)
    kw.set_default_tester(second)
    pty.arrive(b"seen\n")
    assert kw.wait_for_line_on_uart("seen", 0).Line == "seen"
    kw.set_default_tester(None)
    with pytest.raises(KeywordException, match="more than one tester"):
        kw.wait_for_line_on_uart("x", 0)
    with pytest.raises(KeywordException, match="Tester #5 was not found"):
        kw.set_default_tester(5)
    with pytest.raises(KeywordException, match="Tester for given ID=5 was not found"):
        kw.wait_for_line_on_uart("x", 0, tester_id=5)


def test_keyword_outcomes_follow_uart_keywords(pty):
    """UartKeywords: a timeout fails with the report; a failing entry, an unexpected entry
    and a text wait on a binary tester fail with Renode's words."""
    kw = UartKeywords()
    kw.create_terminal_tester("rs232", pty.console, ms, timeout=0.2)
    with pytest.raises(InvalidOperation, match=r"(?s)Terminal tester failed!.*Full report:"):
        kw.wait_for_line_on_uart("absent")
    kw.register_failing_uart_string("panic")
    pty.arrive(b"kernel panic\n")
    with pytest.raises(InvalidOperation, match="Test failing entry has been found on UART:\n"):
        kw.wait_for_line_on_uart("anything", 0)
    pty.arrive(b"boot\n")
    with pytest.raises(InvalidOperation, match="Unexpected entry has been found on UART#:\nboot"):
        kw.should_not_be_on_uart("boot", 0)
    kw.should_not_be_on_uart("reboot", 0.2)
    with pytest.raises(InvalidOperation, match="Attempt to wait for bytes on a tester"):
        kw.wait_for_bytes_on_uart("00", 0)
    with pytest.raises(RenodeError, match=r"ArgumentException: Invalid pattern '\+x'"):
        kw.wait_for_line_on_uart("+x", 0, regex=True)  # .NET's Regex refuses it too


def test_uart_names_of_the_board(pty):
    """The RS232 port by its board name (``sysbus.uart0``); the others are refused with what
    they are (TestersProvider's message for an unknown one)."""
    board = BoardFile()
    assert uart_names(board)["sysbus.uart0"] == "rs232"
    rs232_uart("uart0", board)
    with pytest.raises(KeywordException, match=r"not found or of wrong type: 'sysbus\.uart9'"):
        rs232_uart("sysbus.uart9", board)
    with pytest.raises(KeywordException, match="'uart1' is the board's modem UART"):
        rs232_uart("uart1", board)
