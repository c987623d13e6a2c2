"""The host's side of dtulab's FTP download protocol (docs/ftp-protocol.md, R-FTP-1, R-FTP-2).

Frames are ``0x55 0xAA | cmd u8 | len u16 BE | payload | crc u16 BE``, the CRC
being CRC-16/CCITT-FALSE over ``cmd``, ``len`` and the payload. Written from
the spec, not from the DTU's code, and free of I/O apart from ``read_frame``,
which takes any ``read_exactly(n, timeout)`` (``dtulab.console.Console`` has
one), so Robot keywords and pytest can share it.

>>> frame(END).hex(" ")
'55 aa 03 00 00 95 cc'
>>> get(0xC7F0, 16).hex(" ")
'55 aa 02 00 06 00 00 c7 f0 00 10 6c da'
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass

SYNC = b"\x55\xaa"
START, GET, END = 0x01, 0x02, 0x03
INFO, DATA, ACK, NAK = 0x81, 0x82, 0x83, 0xFF
COMMANDS = {
    "START": START,
    "GET": GET,
    "END": END,
    "INFO": INFO,
    "DATA": DATA,
    "ACK": ACK,
    "NAK": NAK,
}
NAK_CODES = {
    "bad crc": 0x01,
    "bad length": 0x02,
    "unknown command": 0x03,
    "no session": 0x04,
    "past end": 0x05,
    "ftp failure": 0x06,
    "bad source": 0x07,
}
PACKET = 256  # the default and largest GET length


def crc16(body: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): ``crc16(b"123456789") == 0x29B1``."""
    return binascii.crc_hqx(body, 0xFFFF)


def command(name: str | int) -> int:
    """A command by name (``START``, ``GET``, ``NAK``, ...) or number (``2``, ``0x02``)."""
    if isinstance(name, int):
        return name
    key = name.strip().upper()
    if key in COMMANDS:
        return COMMANDS[key]
    try:
        return int(key, 0)
    except ValueError:
        known = ", ".join(COMMANDS)
        raise ValueError(f"unknown FTP frame command {name!r} (known: {known})") from None


def nak_code(name: str | int) -> int:
    """A NAK code by name (``bad CRC``, ``past end``, ...) or number."""
    if isinstance(name, int):
        return name
    key = name.strip().lower().replace("_", " ")
    if key in NAK_CODES:
        return NAK_CODES[key]
    try:
        return int(key, 0)
    except ValueError:
        known = ", ".join(NAK_CODES)
        raise ValueError(f"unknown NAK code {name!r} (known: {known})") from None


def frame(cmd: int, payload: bytes = b"", bad_crc: bool = False) -> bytes:
    """One frame; with ``bad_crc`` its CRC is wrong (the last byte inverted)."""
    body = bytes([cmd]) + len(payload).to_bytes(2, "big") + payload
    crc = crc16(body) ^ (0x00FF if bad_crc else 0)
    return SYNC + body + crc.to_bytes(2, "big")


def start(url: str = "") -> bytes:
    """START: the file of the AT+CIFTP settings, or the file at an ``ftp://`` URL."""
    return frame(START, url.encode("ascii"))


def get(offset: int, length: int | None = None) -> bytes:
    """GET ``length`` bytes (1..256; absent means 256) at ``offset``."""
    extra = b"" if length is None else length.to_bytes(2, "big")
    return frame(GET, offset.to_bytes(4, "big") + extra)


@dataclass
class Reply:
    """A frame from the DTU, its payload decoded by ``cmd``.

    INFO: ``size``, ``crc32``; DATA: ``offset``, ``data``; ACK: ``acked``;
    NAK: ``acked`` (the refused command), ``code``, ``detail``.
    """

    cmd: int
    payload: bytes
    size: int | None = None
    crc32: int | None = None
    offset: int | None = None
    data: bytes = b""
    acked: int | None = None
    code: int | None = None
    detail: int | None = None

    @classmethod
    def parse(cls, cmd: int, payload: bytes) -> Reply:
        reply = cls(cmd, payload)
        if cmd == INFO and len(payload) == 8:
            reply.size = int.from_bytes(payload[:4], "big")
            reply.crc32 = int.from_bytes(payload[4:], "big")
        elif cmd == DATA and len(payload) >= 4:
            reply.offset = int.from_bytes(payload[:4], "big")
            reply.data = payload[4:]
        elif cmd == ACK and len(payload) == 1:
            reply.acked = payload[0]
        elif cmd == NAK and len(payload) == 3:
            reply.acked, reply.code, reply.detail = payload
        return reply


def read_frame(read_exactly: Callable[[int, float], bytes], timeout: float = 30.0) -> Reply:
    """Read one frame with ``read_exactly(n, timeout)``; check its sync bytes and CRC."""
    sync = read_exactly(2, timeout)
    if sync != SYNC:
        raise AssertionError(f"FTP frame: expected sync 55 AA, got {sync.hex(' ')}")
    head = read_exactly(3, timeout)
    size = int.from_bytes(head[1:], "big")
    rest = read_exactly(size + 2, timeout)
    body, crc = head + rest[:size], int.from_bytes(rest[size:], "big")
    if crc16(body) != crc:
        raise AssertionError(f"FTP frame: bad CRC {crc:04X} (expected {crc16(body):04X})")
    return Reply.parse(head[0], rest[:size])
