"""Renode's terminal tester on a dtulab serial port, rule for rule.

Renode (renode-infrastructure ``src/Emulator/Main/Testing/TerminalTester.cs``)
attaches a ``TerminalTester`` to a UART; it hears every character the machine
writes from then on. ``TerminalTester`` here hears every byte received on the
host's side of a port (a ``Console`` tap) and keeps what it has not consumed
the way Renode's ``WriteChar`` does:

- text mode: finished lines and the current, unfinished line. With
  ``EndLine.LF`` (Renode's ``TreatLineFeedAsEndLine``, the default) LF ends a
  line and CR is dropped; with ``EndLine.CR`` CR ends it and LF stays in the
  text. NUL is dropped, and ANSI SGR sequences (``ESC [ 1;31 m``) are taken
  out by Renode's decoder (its quirks too: a broken sequence is put back
  without its ``[`` and the character that broke it is lost). Each finished
  line keeps its timestamp.
- binary mode: every byte in the one buffer, no lines.

A wait checks what is buffered at once (a ``timeout`` of 0 checks only that),
then again after every character that arrives (not after a dropped CR or NUL),
as ``WaitForMatch`` and ``WriteChar`` do: the failing strings first (finished
lines only, ``MatchFailingStrings``), then the wait's own matcher, so on the
same evidence it matches where Renode's would. A match consumes: a finished
line consumes itself and every line before it (``HandleSuccess``); a match in
the unfinished line consumes every finished line and, in text mode, the whole
unfinished line, in binary mode the bytes up to the end of the match. Lines
match by substring (``Contains``) or by a regular expression searched in the
line (``Regex.Match``: ``^OK$`` is anchored to the line); the regular
expressions are Python's ``re``. The ``Line`` of a result has only printable
ASCII and LF (``StripNonSafeCharacters``); the matching sees the raw text.

Two places where Renode's code leaves a field of its result unset are filled
here: the groups of a ``matchNextLine`` regex match (``CheckFinishedLines``
passes none) and the timestamp of a binary result (``BinaryTerminalTesterResult``
copies its own, zero). ``report()`` gives the report built so far each time
(Renode caches the first one until ``ClearReport``). Renode fails on a
``Wait For Lines On Uart`` of one finished-line pattern (an empty candidate
array); here that is one line.

Timestamps are milliseconds on the clock the tester is given: Renode gives the
machine's virtual time; the bench gives its own clock (robot/renode_keywords.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from dtulab.console import Console
from dtulab.testers.provider import ArgumentError, RenodeError

LF, CR, ESC = 0x0A, 0x0D, 0x1B
NO_LINE, CURRENT_LINE = -2, -1  # HandleSuccess's matchingLineId for no line, the unfinished one


class RecoverableError(RenodeError, LookupError):
    """Renode's RecoverableException (unregistering a failing string it does not have)."""

    kind = "RecoverableException"


class FormatError(RenodeError, ValueError):
    """Renode's FormatException (a hex pattern that is not one)."""

    kind = "FormatException"


class EndLine(Enum):
    """Renode's ``EndLineOption``: which character ends a line."""

    TreatLineFeedAsEndLine = LF
    TreatCarriageReturnAsEndLine = CR


@dataclass(frozen=True)
class TesterResult:
    """Renode's ``TerminalTesterResult``: ``${r.Line}``, ``${r.Groups}``, ``${r.Timestamp}``
    (milliseconds); ``line``, ``groups`` and ``timestamp`` are the same values."""

    Line: str
    Timestamp: float
    Groups: list[str] = field(default_factory=list)
    is_failing_string: bool = False

    @property
    def line(self) -> str:
        return self.Line

    @property
    def groups(self) -> list[str]:
        return self.Groups

    @property
    def timestamp(self) -> float:
        return self.Timestamp


@dataclass(frozen=True)
class BinaryResult:
    """Renode's ``BinaryTerminalTesterResult``: ``Content`` and ``Groups`` as bytes."""

    Content: bytes
    Timestamp: float
    Groups: list[bytes]

    @classmethod
    def of(cls, result: TesterResult) -> BinaryResult:
        return cls(_latin1(result.Line), result.Timestamp, [_latin1(g) for g in result.Groups])


@dataclass(frozen=True)
class _Line:
    content: str
    timestamp: float  # ms on the tester's clock
    end: int  # offset in the port's ``received`` just after the line's end character
    host: datetime = field(default_factory=datetime.now)

    def __str__(self) -> str:
        return f"[host: {self.host:%H:%M:%S.%f}, virt: {int(self.timestamp):7}] {self.content}"


Matcher = Callable[[int], TesterResult | None]  # given the first line not yet checked


class TerminalTester:
    """A tester on ``port``: ``timeout`` (s) is its default, ``clock()`` its time in ms."""

    def __init__(
        self,
        port: Console,
        clock: Callable[[], float],
        timeout: float,
        end_line: EndLine = EndLine.TreatLineFeedAsEndLine,
        binary: bool = False,
    ) -> None:
        self.port, self.clock, self.timeout = port, clock, timeout
        self.end_line, self.binary = end_line, binary
        self._cond = threading.Condition()
        self._lines: list[_Line] = []
        self._buffer = bytearray()  # the unfinished line (binary mode: every byte unconsumed)
        self._sgr = bytearray()  # an SGR sequence being decoded
        self._sgr_state = 0  # 0 not decoding, 1 after ESC, 2 after ESC [
        self._report: list[str] = []
        self._failing: list[tuple[str, bool]] = []
        self._chars = 0  # characters that set Renode's charEvent
        self._matcher: Matcher | None = None
        self._result: TesterResult | None = None
        self._scanned = 0  # lines the running wait has checked
        self._consumed = 0  # offset in port.received up to which matches consumed
        self._base = self._heard = 0
        with self._cond:
            self._base = port.tap(self._receive)
            self._success("Attached to UART", NO_LINE)

    # -- the characters (WriteChar) -------------------------------------------------------
    def _receive(self, data: bytes) -> None:
        with self._cond:
            for value in data:
                self._write_char(value)
            self._cond.notify_all()

    def _write_char(self, value: int) -> None:
        self._heard += 1
        if not self.binary and (value == 0 or (value == CR and self.end_line.value == LF)):
            return
        if self.binary or value != self.end_line.value:
            self._append(value)
        else:
            line = self._buffer.decode("latin-1")
            self._buffer.clear()
            self._lines.append(_Line(line, self.clock(), self._base + self._heard))
        self._chars += 1
        if self._matcher is not None and self._result is None:
            self._result = self._match(self._matcher)
            if self._result is not None:
                self._matcher = None

    def _append(self, value: int) -> None:
        """AppendCharToBuffer: SGR sequences decoded away in text mode."""
        if self.binary or (self._sgr_state == 0 and value != ESC):
            self._buffer.append(value)
        elif self._sgr_state == 0:
            self._sgr.append(value)
            self._sgr_state = 1
        elif self._sgr_state == 1:
            if value == ord("["):
                self._sgr_state = 2
            else:
                self._finish_sgr(abort=True)
        elif ord("0") <= value <= ord("9") or value == ord(";"):
            self._sgr.append(value)
        else:
            self._finish_sgr(abort=value != ord("m"))

    def _finish_sgr(self, abort: bool) -> None:
        if abort:
            self._buffer += self._sgr
        self._sgr.clear()
        self._sgr_state = 0

    # -- waiting (WaitForMatch) -----------------------------------------------------------
    def _match(self, matcher: Matcher) -> TesterResult | None:
        """The failing strings, then ``matcher``, on what has not been checked yet."""
        start, self._scanned = self._scanned, len(self._lines)
        for pattern, regex in self._failing:
            failed = self._finished_lines(pattern, regex, "error", False, start)
            if failed is not None:
                return TesterResult(failed.Line, failed.Timestamp, failed.Groups, True)
        return matcher(start)

    def _wait(
        self, matcher: Matcher, timeout: float | None, first: Callable[[], object] | None = None
    ) -> TesterResult | None:
        seconds = self.timeout if timeout is None else timeout
        with self._cond:
            self._scanned, self._result = 0, None
            result = self._match(matcher)
            if result is None and seconds > 0:
                self._matcher = matcher
                if first is not None:
                    first()  # the wait is on: what this makes the port say is matched as it comes
                    first = None
                deadline = time.monotonic() + seconds
                while self._result is None and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                self._matcher, result = None, self._result
            consumed = self._consumed
        if first is not None:
            first()
        self.port.skip_to(consumed)  # the port's other readers go on after the match
        return result

    def wait_for(
        self,
        pattern: str,
        timeout: float | None = None,
        regex: bool = False,
        unfinished: bool = False,
        next_line: bool = False,
        first: Callable[[], object] | None = None,
    ) -> TesterResult | None:
        """A line containing ``pattern`` (``regex``: matching it), or None after ``timeout``
        (``WaitFor``). With ``unfinished`` the unfinished line counts too, with
        ``next_line`` only the next line (or the unfinished line from its start).
        In binary mode a plain ``pattern`` is hex (``59 52 20``). ``first()`` runs once
        the wait is on (after the check of what is there): a write whose answer is to be
        matched character by character as it arrives, however fast the device is."""
        event = f"Line containing{' regex' if regex else ''} >>{pattern}<<"
        if regex:
            _compile(pattern)
        elif self.binary:
            pattern = _hex(pattern).decode("latin-1")

        def matcher(start: int) -> TesterResult | None:
            found = self._finished_lines(pattern, regex, event, next_line, start)
            if found is not None or not unfinished:
                return found
            return self._unfinished_line(pattern, regex, event, next_line)

        return self._finish(event, self._wait(matcher, timeout, first))

    def wait_for_lines(
        self,
        patterns: Sequence[str],
        timeout: float | None = None,
        regex: bool = False,
        unfinished: bool = False,
        from_next_line: bool = False,
    ) -> TesterResult | None:
        """Consecutive lines matching ``patterns`` in order (the last may be the unfinished
        line with ``unfinished``); the result is the last line. With ``from_next_line``
        the first must be the next line, and each pattern has a timeout of its own."""
        if not patterns:
            with self._cond:
                return self._success("Empty match", NO_LINE)
        if from_next_line:
            result = None
            for i, pattern in enumerate(patterns):
                last = i == len(patterns) - 1
                result = self.wait_for(pattern, timeout, regex, unfinished and last, True)
                if result is None:
                    return None
            return result
        if unfinished and len(patterns) == 1:
            return self.wait_for(patterns[0], timeout, regex, True)
        event = f"Lines starting with{' regex' if regex else ''} >>{patterns[0]}<<"
        for pattern in patterns if regex else ():
            _compile(pattern)
        finished = patterns[:-1] if unfinished else patterns
        run: list[int] = []  # the end of the first run of lines matching ``finished``

        def matcher(start: int) -> TesterResult | None:
            if not run:
                for end in range(max(start, len(finished) - 1), len(self._lines)):
                    lines = self._lines[end + 1 - len(finished) : end + 1]
                    if all(
                        _search(p, regex, line.content) is not None
                        for p, line in zip(finished, lines, strict=True)
                    ):
                        run.append(end)
                        break
            if not run:
                return None
            if not unfinished:
                return self._success(event, run[0])
            if _search(patterns[-1], regex, self._buffer.decode("latin-1")) is None:
                return None
            return self._success(event, CURRENT_LINE)

        return self._finish(event, self._wait(matcher, timeout))

    def next_line(self, timeout: float | None = None) -> TesterResult | None:
        """The next finished line (``NextLine``)."""

        def matcher(start: int) -> TesterResult | None:
            return self._success("Next line", 0) if self._lines else None

        return self._finish("Next line", self._wait(matcher, timeout))

    @property
    def waiting(self) -> bool:
        """A wait is on: what arrives now is matched character by character."""
        with self._cond:
            return self._matcher is not None

    def is_idle(self, timeout: float | None = None) -> bool:
        """True if no character arrives within ``timeout`` (``IsIdle``)."""
        seconds = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + seconds
        with self._cond:
            seen = self._chars
            while self._chars == seen and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            if self._chars != seen:
                self._report_event("Terminal is idle", "failure", len(self._lines), True)
            return self._chars == seen

    def _finish(self, event: str, result: TesterResult | None) -> TesterResult | None:
        if result is None:
            with self._cond:
                self._report_event(event, "failure", len(self._lines), True)
        return result

    # -- matching (CheckFinishedLines, CheckUnfinishedLine) -------------------------------
    def _finished_lines(
        self, pattern: str, regex: bool, event: str, first_only: bool, start: int
    ) -> TesterResult | None:
        if first_only:  # the next line only: it stays the same until a match consumes it
            candidates = range(min(1, len(self._lines)) if start == 0 else 0)
        else:
            candidates = range(start, len(self._lines))
        for i in candidates:
            if (groups := _search(pattern, regex, self._lines[i].content)) is not None:
                return self._success(event, i, groups)
        return None

    def _unfinished_line(
        self, pattern: str, regex: bool, event: str, at_start: bool
    ) -> TesterResult | None:
        content = self._buffer.decode("latin-1")
        groups: list[str] = []
        if regex:
            match = re.search(pattern, content, re.DOTALL if self.binary else 0)
            if match is None:
                return None
            begin, end, groups = match.start(), match.end(), _groups(match)
        else:
            begin = content.find(pattern)
            end = begin + len(pattern)
        if begin == -1 or (at_start and begin != 0):
            return None
        return self._success(event, CURRENT_LINE, groups, begin, end)

    # -- results and the report (HandleSuccess, ReportInner) ------------------------------
    def _success(
        self,
        event: str,
        line_id: int,
        groups: list[str] | None = None,
        begin: int = 0,
        end: int = 0,
    ) -> TesterResult:
        current = line_id == CURRENT_LINE
        count = len(self._lines) if current else max(0, line_id + 1)
        self._report_event(event, "success", count, current)
        content, stamp = "", 0.0
        if current:
            stamp = self.clock()
            if self.binary:  # the match alone, and what came before it goes too
                content = self._buffer[begin:end].decode("latin-1")
                del self._buffer[:end]
            else:  # the whole unfinished line
                content = self._buffer.decode("latin-1")
                self._buffer.clear()
            self._consumed = self._base + self._heard - len(self._buffer)
        elif count > 0:
            line = self._lines[line_id]
            content, stamp, self._consumed = line.content, line.timestamp, line.end
        del self._lines[:count]
        if not self.binary:
            content = "".join(c for c in content if " " <= c <= "~" or c == "\n")
        return TesterResult(content, stamp, groups or [])

    def _report_event(self, event: str, what: str, count: int, current: bool) -> None:
        self._report += [f"{line}\n" for line in self._lines[:count]]
        if current:
            if self.binary:
                self._report.append(" ".join(f"{b:02X}" for b in self._buffer) + "\n")
            else:
                self._report.append(f"{self._buffer.decode('latin-1')} [[no newline]]\n")
        now = datetime.now()
        self._report.append(
            f"([host: {now:%H:%M:%S.%f}, virt: {int(self.clock()):7}] {event} event: {what})\n"
        )

    def report(self) -> str:
        """What the tester has seen and done so far (``GetReport``)."""
        with self._cond:
            text = "".join(self._report)
            for what, held in (("SGR decoding", self._sgr), ("Current line", self._buffer)):
                if held:
                    shown = held.decode("latin-1")
                    text += f"--- {what} buffer contains {len(held)} characters: >>{shown}<<\n"
            return text

    def clear_report(self) -> None:
        """Forget the report and the finished lines not consumed yet (``ClearReport``)."""
        with self._cond:
            self._lines.clear()
            self._report.clear()

    # -- failing strings, writing ---------------------------------------------------------
    def register_failing_string(self, pattern: str, regex: bool) -> None:
        """A line matching ``pattern`` fails the wait that finds it (before its own match)."""
        if regex:
            _compile(pattern)
        with self._cond:
            self._failing.append((pattern, regex))

    def unregister_failing_string(self, pattern: str, regex: bool) -> None:
        with self._cond:
            if (pattern, regex) not in self._failing:
                raise RecoverableError("Unable to unregister failing string, entry not found")
            self._failing.remove((pattern, regex))

    def write(self, text: str) -> None:
        """Each character of ``text`` as one byte (its code's low byte, as Renode's
        ``(byte)chr``)."""
        self.port.write(bytes(ord(c) & 0xFF for c in text))


def _search(pattern: str, regex: bool, content: str) -> list[str] | None:
    """The groups (none for a substring) if ``content`` contains ``pattern``, else None."""
    if not regex:
        return [] if pattern in content else None
    match = re.search(pattern, content)
    return None if match is None else _groups(match)


def _compile(pattern: str) -> None:
    """Refuse a regular expression that is not one, as .NET's ``Regex`` does."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ArgumentError(f"Invalid pattern '{pattern}': {exc}", "pattern") from None


def _groups(match: re.Match[str]) -> list[str]:
    """The groups after the whole match; a group that took part in nothing is ``""``."""
    return [g or "" for g in match.groups()]


def _hex(pattern: str) -> bytes:
    """``HexStringToByteArray(pattern, ignoreWhitespace: true)``."""
    digits = re.sub(r"\s+", "", pattern)
    if len(digits) % 2:
        raise FormatError(f"The length of hex string ({len(digits)}) is not a multiple of 2.")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise FormatError(f"Could not find any recognizable digits: {pattern!r}") from None


def _latin1(text: str) -> bytes:
    return text.encode("latin-1")
