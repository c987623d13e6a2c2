"""The host's side of a DTU's RS232 port, in the words of the manual (3.1.1).

``DtuHost`` is a ``Console`` that knows the usr721 dialect's session rules:
``enter_command_mode`` (silence, ``+++``, ``a``, ``a``, ``+ok``),
``at`` (one command, echo stripped, reply lines with the result last) and
``leave_command_mode`` (AT+ENTM). pytest, the Robot keywords and the bench
all use it, whatever the target.
"""

from __future__ import annotations

import time

import serial

from dtulab.console import Console, ExpectTimeout

GUARD = 0.3  # more than T1 = 200 ms of silence before "+++"


class DtuHost(Console):
    echo = True  # the usr721 command mode echoes until ATE0

    def enter_command_mode(self, timeout: float = 10.0, guard: float = GUARD) -> None:
        """The manual's sequence: >200 ms silence, "+++", 'a' back, 'a' within 3 s, "+ok"
        (``guard``: the silence first; usr-sock's is longer than its packing interval)."""
        time.sleep(guard)
        self.drain()
        self.write(b"+++")
        self.expect(b"a", timeout)
        self.write(b"a")
        self.expect(b"+ok", timeout)

    def at(self, line: str, timeout: float = 10.0) -> list[str]:
        """One usr721 command in command mode: the reply lines, OK/ERROR last (no echo)."""
        reply = self.command(line, timeout)
        if reply and reply[0] == line:
            reply = reply[1:]
        return reply

    def at_ok(self, line: str, timeout: float = 10.0) -> list[str]:
        reply = self.at(line, timeout)
        if not reply or reply[-1] != "OK":
            raise AssertionError(f"{line}: expected OK, got {reply}")
        return reply[:-1]

    def query(self, line: str) -> list[str]:
        """Enter command mode, run one command (it must answer OK), leave again."""
        self.enter_command_mode()
        try:
            return self.at_ok(line)
        finally:
            self.leave_command_mode()

    def leave_command_mode(self, timeout: float = 10.0) -> None:
        reply = self.at("AT+ENTM", timeout)
        if reply[-1:] not in (["OK"], ["+ok"]):
            raise AssertionError(f"AT+ENTM: {reply}")

    def wait_silence(self, period: float = 0.3) -> None:
        time.sleep(period)
        self.drain()


def claim(ports: list[str], baudrate: int = 115200, timeout: float = 600.0) -> DtuHost:
    """The host on the first of ``ports`` (identical devices) that nobody else holds: each
    is opened with an exclusive lock, so tests running side by side (pabot) never share a
    DTU. Waits while all are taken; a clear error after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        for port in ports:
            try:
                return DtuHost(port, baudrate=baudrate, exclusive=True)
            except serial.SerialException as exc:
                if "lock" not in str(exc).lower():
                    raise  # not busy: missing, or not a serial port
        if time.monotonic() > deadline:
            raise TimeoutError(f"every device is in use by another test: {', '.join(ports)}")
        time.sleep(0.2)


__all__ = ["DtuHost", "ExpectTimeout", "claim"]
