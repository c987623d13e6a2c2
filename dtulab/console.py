"""The host side of a serial line: write bytes, expect replies, with readable failures.

Opens any pyserial URL (a pty path, ``socket://HOST:PORT``, a real port).
A reader thread collects everything received; ``expect`` waits for a pattern
and, on timeout, raises ``ExpectTimeout`` showing what did arrive — in the
spirit of pytest-embedded's ``dut.expect``. ``command`` sends one AT line and
returns its response lines up to the final result code. ``tap`` hands every
byte received to a listener of its own (a Renode-style terminal tester,
dtulab/testers/terminal.py), which reads independently of ``expect``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any, Self

import serial
from pexpect import fdpexpect

# Final result codes of V.25ter / 27.007 / 27.005, SIMCom's TCP/IP commands and the usr-sock
# dialect's errors (docs/dialects/usr-sock.md).
FINAL = re.compile(
    rb"\r\n(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|\+CME ERROR: [^\r]*"
    rb"|\+CMS ERROR: [^\r]*|\+ERR:[0-9]+|SHUT OK|(?:[0-9], )?CLOSE OK)\r\n"
)


def pexpect_session(
    port: str, baudrate: int = 115200, timeout: float = 10.0
) -> fdpexpect.fdspawn[Any]:
    """An interactive pexpect session on a serial port (a pty path, a device, any pyserial URL
    with a file descriptor): ``expect``, ``send``, ``sendline``, ``interact`` as pexpect has them.
    Close it with ``session.close()``; the port closes with it."""
    port_obj = serial.serial_for_url(port, baudrate=baudrate, timeout=0)
    session = fdpexpect.fdspawn(port_obj.fileno(), timeout=timeout)
    session.port = port_obj  # type: ignore[attr-defined]  # the port lives as long as the session
    return session


class ExpectTimeout(AssertionError):
    """The expected bytes did not arrive in time."""


class Console:
    def __init__(self, port: str, baudrate: int = 115200, exclusive: bool = False) -> None:
        """Open ``port``; with ``exclusive`` the port is locked for this process (a
        ``serial.SerialException`` if another holder has it locked)."""
        self.port = port
        self._serial = serial.serial_for_url(
            port, baudrate=baudrate, timeout=0.05, exclusive=exclusive or None
        )
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._closed = False
        self.received = bytearray()  # everything ever received, for reports
        self.sent = 0  # bytes written so far
        self.before = b""  # what came before the last expect() match, as in pexpect
        self._taps: list[Callable[[bytes], None]] = []  # told of every byte received
        self._thread = threading.Thread(target=self._reader, name=f"console {port}", daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        while not self._closed:
            try:
                data = self._serial.read(1)
                if data and self._serial.in_waiting:
                    data += self._serial.read(self._serial.in_waiting)
            except (serial.SerialException, OSError, TypeError, AttributeError):
                if self._closed:
                    return
                time.sleep(0.01)
                continue
            if data:
                with self._cond:
                    self._buf += data
                    for listener in self._taps:  # first: once ``received`` has grown, they know
                        listener(data)
                    self.received += data
                    self._cond.notify_all()

    def close(self) -> None:
        self._closed = True
        self._thread.join(2)
        self._serial.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- output ------------------------------------------------------------
    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("latin-1")
        self._serial.write(data)
        self._serial.flush()
        self.sent += len(data)

    # -- input -------------------------------------------------------------
    def tap(self, listener: Callable[[bytes], None]) -> int:
        """Hand every chunk received from now on to ``listener`` (on the reader thread, in
        order; it must not call back into this console). Returns the offset in
        ``received`` of the first byte it will get."""
        with self._cond:
            self._taps.append(listener)
            return len(self.received)

    def skip_to(self, offset: int) -> None:
        """Let the reads here go on after byte ``offset`` of ``received`` (what a tap's
        reader has consumed): unread bytes before it are dropped; nothing if already past."""
        with self._cond:
            start = len(self.received) - len(self._buf)
            del self._buf[: max(0, offset - start)]

    def expect(
        self, pattern: bytes | str | re.Pattern[bytes], timeout: float = 10.0
    ) -> re.Match[bytes]:
        """Wait for ``pattern`` (literal bytes/str or a compiled regex) and consume up to it."""
        if isinstance(pattern, str):
            pattern = pattern.encode("latin-1")
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                match = regex.search(bytes(self._buf))
                if match:
                    self.before = bytes(self._buf[: match.start()])
                    del self._buf[: match.end()]
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ExpectTimeout(
                        f"{self.port}: no {regex.pattern!r} within {timeout:.1f} s; "
                        f"unread: {bytes(self._buf[-2000:])!r}"
                    )
                self._cond.wait(remaining)

    def expect_re(self, pattern: bytes | str, timeout: float = 10.0) -> re.Match[bytes]:
        """Wait for a regular expression (bytes or str source)."""
        if isinstance(pattern, str):
            pattern = pattern.encode("latin-1")
        return self.expect(re.compile(pattern), timeout)

    def read_exactly(self, n: int, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._buf) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ExpectTimeout(
                        f"{self.port}: wanted {n} bytes within {timeout:.1f} s, "
                        f"got {bytes(self._buf)!r}"
                    )
                self._cond.wait(remaining)
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data

    def drain(self) -> bytes:
        """Take whatever has arrived so far."""
        with self._cond:
            data = bytes(self._buf)
            self._buf.clear()
            return data

    def quiet(self, period: float) -> bytes:
        """Wait ``period`` and return what arrived meanwhile (for "nothing happens" checks)."""
        time.sleep(period)
        return self.drain()

    def sync(self, timeout: float = 30.0, interval: float = 0.5) -> None:
        """Send ``AT`` until the modem answers OK, as host libraries do after power-on."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.command("AT", timeout=interval)[-1] == "OK":
                    self.drain()
                    return
            except ExpectTimeout:
                if time.monotonic() > deadline:
                    raise ExpectTimeout(
                        f"{self.port}: no OK to AT within {timeout:.1f} s"
                    ) from None

    def command(self, line: str, timeout: float = 10.0) -> list[str]:
        """Send ``line`` + CR; return the non-empty response lines, the final result code last.

        The echo (if on) is the first line when the modem echoes.
        """
        self.write(line + "\r")
        match = self.expect(FINAL, timeout)
        text = (self.before + match.group(0)).decode("latin-1")
        return [part for part in re.split(r"\r\n|\r", text) if part]
