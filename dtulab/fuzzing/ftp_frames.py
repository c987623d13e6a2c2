"""Fuzz harness: the reference DTU's FTP frame reassembly and recognition on the serial port
(dtu/ftp_download.py ``_State.parse`` and ``front``, docs/ftp-protocol.md).

The first input byte chooses the work mode (bit 0: FTP, else a transparent mode) and how the
rest is cut into serial packets (each a length byte then its bytes). The frames ``parse``
queues are recorded instead of run. Properties: outside FTP mode no byte is lost, doubled or
reordered (the data handed back, the queued frames rebuilt and what waits in the buffer give
the input back exactly) and only START - or GET and END while a download runs - is taken; in
FTP mode every queued host command came in a frame with a right CRC, every other frame is
refused with a NAK naming it, and a payload is never longer than 512 bytes.
"""

from __future__ import annotations

from typing import cast

from dtulab.dtu import ftp_download as ftp


class _Recorded(ftp._State):
    """Frames queued by ``parse`` are kept, not run (no DTU behind them)."""

    def __init__(self) -> None:
        super().__init__(dtu=cast(ftp.FtpPeer, None))
        self.queued: list[tuple[int, bytes]] = []

    def put(self, cmd: int, payload: bytes) -> None:
        self.queued.append((cmd, payload))


def _packets(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        n = data[pos]
        out.append(data[pos + 1 : pos + 1 + n])
        pos += 1 + n
    return out


def check(data: bytes) -> None:
    if not data:
        return
    ftp_mode = bool(data[0] & 1)
    state = _Recorded()
    sent = bytearray()
    rebuilt = bytearray()
    for packet in _packets(data[1:]):
        sent += packet
        state.buf.extend(packet)
        downloading = state.download
        passed = state.parse(ftp_mode)
        assert not (ftp_mode and passed), "FTP mode handed bytes on as data"
        for cmd, payload in state.queued:
            assert len(payload) <= ftp.MAX_PAYLOAD, f"a payload of {len(payload)} bytes"
            if ftp_mode and cmd == ftp.NAK:
                assert len(payload) == 3 and payload[1] in (
                    ftp.BAD_CRC,
                    ftp.BAD_LENGTH,
                    ftp.UNKNOWN_COMMAND,
                ), payload
                continue
            assert cmd in ftp.HOST_COMMANDS, f"frame 0x{cmd:02x} queued"
            if not ftp_mode:
                assert cmd == ftp.START or downloading, f"0x{cmd:02x} taken with no download"
                downloading = cmd != ftp.END
                rebuilt += ftp.frame(cmd, payload)
        state.queued.clear()
        rebuilt += passed  # one parse takes frames from the front, then hands the rest on
    if not ftp_mode:
        assert bytes(rebuilt + state.buf) == bytes(sent), "bytes lost, doubled or reordered"
