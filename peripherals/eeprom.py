"""The DTU's settings memory: an AT24C32-class I2C EEPROM, file-backed.

The DTU keeps what ``ATW`` saves (behaviour.md R-AT-7, R-PWR-1) in a serial
EEPROM. The model follows the Microchip AT24C32E / 24LC32A datasheets: 4 KiB
in 32-byte pages; one write transaction (START, address, up to a page of
data, STOP) programs bytes of ONE page, and a transaction that runs past the
page's end rolls over to the start of the same page ("Page Write"); a
sequential read rolls over from the last byte to address 0.

The content lives in a raw image file of exactly ``size`` bytes (erased =
0xFF), the same format as QEMU's ``at24c-eeprom`` drive, so a bench can hand
one image to the reference target or to the firmware under QEMU. Each
transaction is written to the file and fsync'd before ``write`` returns, like
QEMU's at24c, so data survive a killed process; an in-memory copy serves the
reads. One ``Eeprom`` object per image file at a time.

Power: before a transaction the EEPROM tells the supply (``power.notify``
with an ``EepromWrite``) so a test can cut power at the N-th write; with the
board off a write raises ``PowerLost`` and changes nothing. A torn write
(``tear_next_write``) keeps only the first bytes of a transaction and then
cuts power; ``cut_at_write`` arms either on the N-th write from now. The
write cycle time (tWR, 5 ms) is not modelled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dtulab.peripherals.power import PowerSupply


class PowerLost(Exception):
    """The board had no power for an EEPROM write (or lost it during one)."""


@dataclass(frozen=True)
class EepromWrite:
    """The event a write transaction offers to ``PowerSupply.notify`` before it runs.

    ``index`` counts the transactions attempted on this Eeprom object, from 0,
    including those lost to power.
    """

    eeprom: Eeprom = field(repr=False)
    addr: int
    data: bytes
    index: int


class Eeprom:
    """A page-organised EEPROM backed by a raw image file."""

    def __init__(
        self,
        path: str | Path,
        size: int = 4096,
        page: int = 32,
        power: PowerSupply | None = None,
    ) -> None:
        if page < 1 or size < page or size % page:
            raise ValueError(
                f"bad geometry: size {size} must be a positive multiple of page {page}"
            )
        self.path = Path(path)
        self.size = size
        self.page = page
        self.power = power
        self.write_count = 0  # transactions completed
        self.bytes_written = 0  # bytes programmed, torn writes included
        self.attempts = 0  # transactions attempted (the next EepromWrite.index)
        self._tear: int | None = None
        if not self.path.exists():
            self._create()
        actual = self.path.stat().st_size
        if actual != size:
            raise ValueError(
                f"EEPROM image {self.path} is {actual} bytes, expected exactly {size}: "
                f"pass size={actual} if that is the part, or delete the file to start erased"
            )
        self._mem = bytearray(self.path.read_bytes())

    def __repr__(self) -> str:
        return f"Eeprom({str(self.path)!r}, size={self.size}, page={self.page})"

    def _create(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b"\xff" * self.size)
            os.fsync(fd)
        finally:
            os.close(fd)

    # --- reads ------------------------------------------------------------------------

    def read(self, addr: int, n: int) -> bytes:
        """``n`` bytes from ``addr``; past the last byte the address wraps to 0 like the
        part's sequential read. ``addr`` must be in the part, ``n`` at most its size."""
        self._check_addr(addr)
        if not 0 <= n <= self.size:
            raise ValueError(f"cannot read {n} bytes from a {self.size}-byte EEPROM")
        end = addr + n
        if end <= self.size:
            return bytes(self._mem[addr:end])
        return bytes(self._mem[addr:]) + bytes(self._mem[: end - self.size])

    def snapshot(self) -> bytes:
        """The whole content."""
        return bytes(self._mem)

    # --- writes -----------------------------------------------------------------------

    def write(self, addr: int, data: bytes) -> None:
        """One write transaction: 1..page bytes from ``addr``.

        Bytes past the end of ``addr``'s page roll over to the start of the same
        page, as on the part. Raises PowerLost, writing nothing, if the board is
        off, including when the supply's armed trigger cuts on this very write.
        """
        self._check_addr(addr)
        data = bytes(data)
        if not 1 <= len(data) <= self.page:
            raise ValueError(
                f"a write transaction takes 1 to {self.page} bytes, not {len(data)} "
                "(use write_block for more)"
            )
        event = EepromWrite(self, addr, data, self.attempts)
        self.attempts += 1
        if self.power is not None:
            self.power.notify(event)
            if not self.power.on:
                raise PowerLost(f"EEPROM write of {len(data)} bytes at {addr:#06x}: board is off")
        keep, self._tear = self._tear, None
        if keep is None:
            self._program(addr, data)
            self.write_count += 1
            return
        self._program(addr, data[:keep])
        if keep >= len(data):
            self.write_count += 1
        if self.power is not None:
            self.power.cut()
        raise PowerLost(
            f"EEPROM write at {addr:#06x} torn: {min(keep, len(data))} of {len(data)} bytes "
            "written, then power was cut"
        )

    def write_block(self, addr: int, data: bytes) -> None:
        """Write any amount as page-aligned transactions, one ``write`` each, in order.

        A power cut can land between any two; the pages before it are written,
        the rest are not. The block must fit before the end of the part.
        """
        self._check_addr(addr)
        data = bytes(data)
        if addr + len(data) > self.size:
            raise ValueError(
                f"block of {len(data)} bytes at {addr:#06x} runs past the end ({self.size})"
            )
        for chunk_addr, chunk in self._chunks(addr, data):
            self.write(chunk_addr, chunk)

    def load(self, image: bytes) -> None:
        """Replace the whole content at once, as a programmer does to a part off the board:
        the board must be off (a bench starting a run from a saved image)."""
        if self.power is not None and self.power.on:
            raise PowerLost("an EEPROM image is loaded with the board off")
        if len(image) != self.size:
            raise ValueError(f"an image of {len(image)} bytes for a {self.size}-byte EEPROM")
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, bytes(image), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._mem[:] = image

    def tear_next_write(self, keep: int) -> None:
        """Make the next transaction program only its first ``keep`` bytes, then cut power
        (``power.cut()`` if a supply is attached) and raise PowerLost."""
        if keep < 0:
            raise ValueError(f"keep must be 0 or more, not {keep}")
        self._tear = keep

    # --- internals --------------------------------------------------------------------

    def _check_addr(self, addr: int) -> None:
        if not 0 <= addr < self.size:
            raise ValueError(f"address {addr} outside the EEPROM (0..{self.size - 1})")

    def _chunks(self, addr: int, data: bytes) -> Iterator[tuple[int, bytes]]:
        offset = 0
        while offset < len(data):
            room = self.page - (addr + offset) % self.page
            yield addr + offset, data[offset : offset + room]
            offset += room

    def _program(self, addr: int, data: bytes) -> None:
        """Put ``data`` at ``addr`` with page roll-over, in memory and in the file."""
        if not data:
            return
        base = addr - addr % self.page
        first = data[: base + self.page - addr]
        pieces = [(addr, first)]
        rest = data[len(first) :]
        if rest:
            pieces.append((base, rest))
        fd = os.open(self.path, os.O_WRONLY)
        try:
            for at, piece in pieces:
                os.pwrite(fd, piece, at)
            os.fsync(fd)
        finally:
            os.close(fd)
        for at, piece in pieces:
            self._mem[at : at + len(piece)] = piece
        self.bytes_written += len(data)


def cut_at_write(eeprom: Eeprom, n: int, keep: int | None = None) -> Callable[[Any], bool]:
    """A cut trigger for ``PowerSupply.arm_cut``: the ``n``-th write transaction on ``eeprom``
    from now (1 = the next one), counted by ``EepromWrite.index``.

    ``keep`` None cuts before that write; a number tears it: only its first
    ``keep`` bytes are programmed, then the power goes (``tear_next_write``).
    """
    if n < 1:
        raise ValueError(f"n must be 1 or more, not {n}")
    index = eeprom.attempts + n - 1

    def predicate(event: Any) -> bool:
        if not isinstance(event, EepromWrite) or event.eeprom is not eeprom:
            return False
        if event.index != index:
            return False
        if keep is None:
            return True
        eeprom.tear_next_write(keep)  # this very write is torn, and the EEPROM cuts
        return False

    return predicate
