"""A timestamped transcript of everything that crosses a link, for reports.

``TranscriptLink`` wraps any link and records each chunk read ("rx", into the
model) and written ("tx", out of the model) with the clock's time. The text
form prints one line per chunk with escaped bytes, e.g.::

    0.001234 rx  'AT\\r'
    0.001310 tx  'AT\\r\\r\\nOK\\r\\n'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.links import Link


@dataclass(frozen=True)
class Entry:
    time: float
    direction: str  # "rx" (into the model) or "tx" (out of it)
    data: bytes


@dataclass
class Transcript:
    clock: Clock = field(default_factory=Clock)
    entries: list[Entry] = field(default_factory=list)
    limit: int = 200_000  # entries kept; the oldest go first

    def __post_init__(self) -> None:
        self.start = self.clock.now()
        self.listeners: list[Callable[[Entry], None]] = []  # told of every entry
        self.bytes = {"rx": 0, "tx": 0}  # every byte each way, also those no longer kept

    def record(self, direction: str, data: bytes) -> None:
        entry = Entry(self.clock.now() - self.start, direction, bytes(data))
        self.entries.append(entry)
        self.bytes[direction] += len(data)
        for listener in list(self.listeners):
            listener(entry)
        if len(self.entries) > self.limit:
            del self.entries[: len(self.entries) - self.limit]

    def text(self) -> str:
        return "".join(f"{e.time:10.6f} {e.direction}  {e.data!r}\n" for e in self.entries)

    def data(self, direction: str) -> bytes:
        return b"".join(e.data for e in self.entries if e.direction == direction)


class StreamSearch:
    """A byte pattern in a stream that arrives in chunks of any size (a UART hands over a
    command wherever it likes: ``A``, then ``T+CIPSTART...``): each chunk is searched together
    with the end of the chunks before it."""

    def __init__(self, pattern: bytes) -> None:
        if not pattern:
            raise ValueError("an empty pattern is in every stream")
        self.pattern = pattern
        self._tail = b""

    def feed(self, chunk: bytes) -> bool:
        """True if the pattern ends in this chunk (or began before it)."""
        data = self._tail + chunk
        self._tail = data[-(len(self.pattern) - 1) :] if len(self.pattern) > 1 else b""
        return self.pattern in data


class TranscriptLink:
    """A link that records its traffic into a transcript."""

    def __init__(self, inner: Link, transcript: Transcript) -> None:
        self.inner = inner
        self.transcript = transcript
        self.description = inner.description

    async def read(self) -> bytes:
        data = await self.inner.read()
        if data:
            self.transcript.record("rx", data)
        return data

    async def write(self, data: bytes) -> None:
        self.transcript.record("tx", data)
        await self.inner.write(data)

    async def close(self) -> None:
        await self.inner.close()
