"""Network faults at the server's end; each registers by name, like the modem's faults.

A DTU with a real modem (the serial and labgrid targets, issue 14) crosses a
real cell network the bench cannot touch; what the bench can touch is its own
end, the data-centre servers (datacenter.py). These faults act there, on real
sockets, in the style of toxiproxy's toxics: ``apply`` starts one, ``clear``
ends it (one-shot faults have nothing to clear), and while it is active the
server asks it to shape each connection (``shape``). A fault takes
``connection`` (a server connection's index, 0 the first; None: every
connection, those opened later too) where that makes sense; which server it
acts on is the caller's choice (``World.inject_server_fault(name, server=)``).
They need a TCP server.

=============  ==========================  ===========================================
name           parameters                  what the DTU's side sees
=============  ==========================  ===========================================
refuse         –                           new connections refused (nothing listens:
                                           a RST to the SYN); open ones stay
reset          connection                  one-shot: the open connections (or that one)
                                           reset: the server sends a TCP RST
close-after    bytes, connection           the server takes ``bytes`` bytes (counted
                                           from the injection, or from the connect)
                                           then closes the connection
blackhole      connection                  accepted, never answered: what arrives is
                                           discarded (acknowledged by the server's TCP,
                                           never recorded), nothing is sent back
latency        ms, direction, connection   each chunk delayed ``ms`` (up: DTU → server,
                                           down: server → DTU, both)
bandwidth      rate, direction, connection ``rate`` bytes per second
=============  ==========================  ===========================================

The modem faults' server-side equivalents (``equivalent``) are what
``World.inject_network`` uses on a target without the modelled modem; the
others stay model-only, with the reason (docs/network-faults.md).
"""

from __future__ import annotations

import contextlib
import socket
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from dtulab.peripherals.gsm_modem.faults import (
    FAULTS,
    FaultError,
    build,
    describe,
    directed,
    parameters,
)
from dtulab.peripherals.gsm_modem.network import Path

if TYPE_CHECKING:
    from dtulab.datacenter import Connection, Server

SERVER_FAULTS: dict[str, type[ServerFault]] = {}


@dataclass
class Conditions:
    """What the active faults make of one connection (``Server.conditions``)."""

    up: Path = field(default_factory=Path)  # DTU -> server
    down: Path = field(default_factory=Path)  # server -> DTU
    blackhole: bool = False
    close_at: int | None = None  # close once the connection has received this many bytes


class ServerFault:
    name: ClassVar[str]
    one_shot: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        SERVER_FAULTS[cls.name] = cls

    async def apply(self, server: Server) -> None:
        """Start acting on ``server`` (a fault that only shapes connections does nothing)."""

    async def clear(self, server: Server) -> None:
        """Stop acting on ``server`` (one-shot faults have nothing to undo)."""

    def shape(self, server: Server, conn: Connection, conditions: Conditions) -> None:
        """Add this fault's effect on ``conn`` to ``conditions``."""

    def __str__(self) -> str:
        return describe(self)


def _covers(index: int | None, conn: Connection) -> bool:
    return index is None or conn.index == index


def _paths(conditions: Conditions, direction: str) -> list[Path]:
    return directed(conditions.up, conditions.down, direction)


@dataclass
class Refuse(ServerFault):
    name: ClassVar[str] = "refuse"

    async def apply(self, server: Server) -> None:
        await server.stop_listening()

    async def clear(self, server: Server) -> None:
        await server.listen()


@dataclass
class Reset(ServerFault):
    name: ClassVar[str] = "reset"
    one_shot: ClassVar[bool] = True
    connection: int | None = None

    async def apply(self, server: Server) -> None:
        for conn in server.connections:
            if conn.open and conn.writer is not None and _covers(self.connection, conn):
                sock = conn.writer.get_extra_info("socket")
                with contextlib.suppress(OSError):  # linger 0: close() sends a RST
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.writer.close()


@dataclass
class CloseAfter(ServerFault):
    name: ClassVar[str] = "close-after"
    bytes: int = 0
    connection: int | None = None
    _start: dict[tuple[str, int], int] = field(default_factory=dict, init=False, repr=False)

    async def apply(self, server: Server) -> None:
        if self.bytes < 0:
            raise FaultError("bytes must be >= 0")
        for conn in server.connections:  # counted from now on the open ones
            self._start[server.name, conn.index] = len(conn.received)

    def shape(self, server: Server, conn: Connection, conditions: Conditions) -> None:
        if _covers(self.connection, conn):
            at = self._start.get((server.name, conn.index), 0) + self.bytes
            conditions.close_at = min(at, conditions.close_at or at)


@dataclass
class Blackhole(ServerFault):
    name: ClassVar[str] = "blackhole"
    connection: int | None = None

    def shape(self, server: Server, conn: Connection, conditions: Conditions) -> None:
        conditions.blackhole |= _covers(self.connection, conn)


@dataclass
class Latency(ServerFault):
    name: ClassVar[str] = "latency"
    ms: float = 500.0
    direction: str = "both"
    connection: int | None = None

    async def apply(self, server: Server) -> None:
        if self.ms < 0:
            raise FaultError("ms must be >= 0")
        _paths(Conditions(), self.direction)  # checks the direction

    def shape(self, server: Server, conn: Connection, conditions: Conditions) -> None:
        if _covers(self.connection, conn):
            for path in _paths(conditions, self.direction):
                path.latency = max(path.latency, self.ms / 1000.0)


@dataclass
class Bandwidth(ServerFault):
    name: ClassVar[str] = "bandwidth"
    rate: float = 5_000.0  # bytes per second: GPRS class 10 is about 5 kB/s down
    direction: str = "both"
    connection: int | None = None

    async def apply(self, server: Server) -> None:
        if self.rate <= 0:
            raise FaultError("rate must be > 0")
        _paths(Conditions(), self.direction)

    def shape(self, server: Server, conn: Connection, conditions: Conditions) -> None:
        if _covers(self.connection, conn):
            for path in _paths(conditions, self.direction):
                path.rate = min(path.rate or self.rate, self.rate)


def make_server_fault(name: str, **params: Any) -> ServerFault:
    """Build a registered server fault from its name and keyword parameters."""
    return build(SERVER_FAULTS, name, params, "server fault")


# -- the modem faults' equivalents ---------------------------------------------------------
# A modem fault's ``link`` names a link of the modelled modem, which the servers cannot
# see: its equivalent acts on every connection of every server. ``bps`` is bits per second.
EQUIVALENTS: dict[str, tuple[str, dict[str, str]]] = {
    # modem fault: (server fault, {modem parameter: server parameter}); others are dropped
    "socket-reset": ("reset", {}),
    "latency": ("latency", {"ms": "ms", "direction": "direction"}),
    "bandwidth": ("bandwidth", {"direction": "direction"}),
}
MODEL_ONLY: dict[str, str] = {
    "signal": "the signal the modem reports (AT+CSQ) is a reading of the radio",
    "no-coverage": "registration (+CREG) and the NET LED follow the cell network",
    "gprs-detach": "GPRS attachment (+CGREG, AT+CGATT) happens in the cell network",
    "pdp-deact": "the PDP context (+PDP: DEACT) is the cell network's",
    "reboot": "the modem restarting is the module's own",
    "undervoltage": "the modem's supply warning is the module's own",
    "blackhole": "a server's TCP still acknowledges what it discards, so the DTU's sends "
    "do not fail as they do when the network drops them (the server fault 'blackhole' is "
    "that weaker fault, by its own name)",
}


def equivalent(modem_fault: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The server fault (name, parameters) standing in for ``modem_fault`` on a DTU whose
    modem is real; FaultError for an unknown fault, LookupError (the reason) for a
    model-only one."""
    if modem_fault in MODEL_ONLY:
        raise LookupError(
            f"{modem_fault} is a fault of the modelled cell network; no server-side "
            f"equivalent ({MODEL_ONLY[modem_fault]})"
        )
    if modem_fault not in EQUIVALENTS:
        known = ", ".join(sorted([*EQUIVALENTS, *MODEL_ONLY]))
        raise FaultError(f"unknown fault '{modem_fault}': expected one of {known}")
    name, renamed = EQUIVALENTS[modem_fault]
    out = {renamed[k]: v for k, v in params.items() if k in renamed}
    if modem_fault == "bandwidth":
        out["rate"] = float(params.get("bps", parameters(FAULTS["bandwidth"])["bps"])) / 8.0
    return name, out
