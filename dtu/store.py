"""Power-safe settings storage in the EEPROM (R-AT-7, R-PWR-1).

Two slots, A at 0x000 and B at 0x800, each a header page and payload pages::

    header (page 0 of the slot, 32 bytes): b"DTUS" | seq u32 | length u16 | crc32 u32
    payload (pages 1..): the settings' JSON

``save`` writes the slot that does *not* hold the newest record: payload pages
first, the header page last, each page one I2C transaction. The CRC covers
seq, length and payload, so a record is valid only once its header landed
whole over a complete payload. ``load`` takes the valid record with the
later sequence number, or the factory settings when neither slot is valid. The
number wraps after 0xFFFFFFFF: "later" is serial-number arithmetic (RFC 1982),
so the record saved after seq 0xFFFFFFFF (seq 0) is still the one loaded
(firmware/dtu/store.c is the twin).
A power cut between (or inside) any two page writes therefore leaves either
the old settings or the new ones, never a mixture.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from dtulab.dtu.settings import Settings

MAGIC = b"DTUS"
HEADER = struct.Struct(">4sIHI")
SLOTS = (0x000, 0x800)
SLOT_SIZE = 0x800
PAGE = 32
SEQ_MOD = 1 << 32  # the header's u32 sequence number wraps


def later(a: int, b: int) -> bool:
    """Sequence number ``a`` is later than ``b`` (RFC 1982 on 32 bits)."""
    return 0 < (a - b) % SEQ_MOD < SEQ_MOD // 2


class Memory(Protocol):
    """What the store needs of an EEPROM (peripherals/eeprom.py)."""

    def read(self, addr: int, n: int) -> bytes: ...

    def write_block(self, addr: int, data: bytes) -> None: ...


@dataclass(frozen=True)
class Record:
    slot: int
    seq: int
    settings: Settings


class SettingsStore:
    def __init__(self, memory: Memory, factory: Callable[[], Settings] = Settings) -> None:
        """``factory``: the settings of a DTU whose EEPROM holds none of its family's."""
        self.memory = memory
        self.factory = factory

    def _read_slot(self, slot: int) -> Record | None:
        base = SLOTS[slot]
        magic, seq, length, crc = HEADER.unpack(self.memory.read(base, HEADER.size))
        if magic != MAGIC or not 0 < length <= SLOT_SIZE - PAGE:
            return None
        payload = self.memory.read(base + PAGE, length)
        if zlib.crc32(struct.pack(">IH", seq, length) + payload) != crc:
            return None
        try:
            return Record(slot, seq, Settings.from_json(payload))
        except (ValueError, TypeError, UnicodeDecodeError):
            return None

    def newest(self) -> Record | None:
        first, second = self._read_slot(0), self._read_slot(1)
        if first is None or (second is not None and later(second.seq, first.seq)):
            return second
        return first

    def load(self) -> Settings:
        """The newest record; the factory settings if there is none, or if another command
        family wrote it (a bench whose dialect changed: its settings mean nothing here)."""
        record = self.newest()
        fresh = self.factory()
        if record is None or record.settings.family != fresh.family:
            return fresh
        return record.settings

    def save(self, settings: Settings) -> None:
        """Write ``settings`` into the older slot; may raise the EEPROM's PowerLost."""
        payload = settings.to_json()
        if len(payload) > SLOT_SIZE - PAGE:
            raise ValueError(f"settings need {len(payload)} bytes, a slot holds {SLOT_SIZE - PAGE}")
        current = self.newest()
        slot = 1 - current.slot if current else 0
        seq = (current.seq + 1) % SEQ_MOD if current else 1
        crc = zlib.crc32(struct.pack(">IH", seq, len(payload)) + payload)
        base = SLOTS[slot]
        self.memory.write_block(base + PAGE, payload)
        header = HEADER.pack(MAGIC, seq, len(payload), crc)
        self.memory.write_block(base, header + b"\xff" * (PAGE - len(header)))
