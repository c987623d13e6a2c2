"""QEMU's trace output, read as the board's signals.

The target starts QEMU with ``-trace mps2_scc_reset -trace mps2_scc_write
-trace i2c_event -trace i2c_send -trace i2c_recv`` and feeds every stderr
line to ``TraceReader.line``, which turns them into events:

- ``SccWrite(offset, value, at)``: the firmware wrote an SCC register at wall-clock
  time ``at`` (QEMU runs with ``-msg timestamp=on``); offset 4 is CFG1, whose
  bits drive the board's LEDs, so a LED change is stamped when the firmware
  made it, however late the bench reads the line. Only firmware writes appear here,
  so QEMU's reset artefact (every ``led`` device lighting up at reset,
  qemu-board.md) never reaches the LED model; ``SccReset`` turns them off.
- ``EepromWrite(device, addr, data)``: one complete I2C write transaction
  (START, 2 address bytes, data, STOP) to a device. QEMU's at24c stores it
  in its image file when the transaction ends; a transaction that only sets
  the address for a read carries no data and is not reported.

Other lines (QEMU warnings) are returned as ``Message`` so they can be logged.
"""

from __future__ import annotations

import re

from dtulab.platforms.emulator import EepromWrite, Event, Message, SccReset, SccWrite

TRACE_EVENTS = ("mps2_scc_reset", "mps2_scc_write", "i2c_event", "i2c_send", "i2c_recv")

# "1234@1700000000.123456:mps2_scc_write MPS2 SCC write: offset 0x4 data 0x1 size 4": with
# ``-msg timestamp=on`` QEMU gives the thread and the wall-clock time of each trace event
_PREFIX = r"^(?:\d+@[\d.]+:)?"
SCC_WRITE = re.compile(
    r"^(?:\d+@(?P<at>[\d.]+):)?"
    r"mps2_scc_write .*offset 0x(?P<offset>[0-9a-f]+) data 0x(?P<value>[0-9a-f]+)"
)
SCC_RESET = re.compile(_PREFIX + r"mps2_scc_reset\b")
I2C_EVENT = re.compile(_PREFIX + r"i2c_event (\w+)\(addr:0x([0-9a-f]+)\)")
I2C_SEND = re.compile(_PREFIX + r"i2c_send send\(addr:0x([0-9a-f]+)\) data:0x([0-9a-f]+)")
I2C_RECV = re.compile(_PREFIX + r"i2c_recv ")
# mps2-an385 has a LAN9118 that the DTU board does not use; QEMU warns about it at start
UNUSED_NIC = re.compile(r"warning: nic \S+ has no peer")


class TraceReader:
    """Assembles I2C transactions across lines; one reader per QEMU process."""

    def __init__(self) -> None:
        self._device: int | None = None
        self._sent = bytearray()
        self._read = False

    def _end(self) -> EepromWrite | None:
        device, sent, was_read = self._device, bytes(self._sent), self._read
        self._device, self._read = None, False
        self._sent.clear()
        if device is None or was_read or len(sent) < 3:
            return None
        return EepromWrite(device, (sent[0] << 8) | sent[1], sent[2:])

    def line(self, text: str) -> Event | None:
        if m := SCC_WRITE.match(text):
            at = float(m["at"]) if m["at"] else None
            return SccWrite(int(m["offset"], 16), int(m["value"], 16), at)
        if SCC_RESET.match(text):
            return SccReset()
        if m := I2C_EVENT.match(text):
            kind, device = m.group(1), int(m.group(2), 16)
            if kind == "finish":
                return self._end()
            if kind.startswith("start"):
                if self._device is not None and self._device != device:
                    self._end()
                if self._device is None:
                    self._device = device
                elif self._sent:  # a repeated START after the address: a random read
                    self._read = True
            return None
        if m := I2C_SEND.match(text):
            if self._device is not None and not self._read:
                self._sent.append(int(m.group(2), 16))
            return None
        if I2C_RECV.match(text):
            self._read = True
            return None
        return Message(text) if text.strip() and not UNUSED_NIC.search(text) else None
