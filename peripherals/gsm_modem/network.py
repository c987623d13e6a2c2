"""The cell network around the modem: the one part that cannot exist here (the radio).

A documented model, not a fake of something real: it holds what the radio
would tell the modem — coverage (can it register), signal (RSSI/BER for
AT+CSQ), GPRS service (can it attach), the serving operator and cell — and
the conditions on each data path between the modem's sockets and the
Internet: latency and bandwidth per direction and black-holing. The sockets
themselves are real host sockets (sockets.py); the conditions shape them.

Changes are announced to listeners (the modem), which turns them into the
URCs a SIM800 gives (+CREG, +CGREG, +PDP: DEACT, CLOSED).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Path:
    """One direction of a data path."""

    latency: float = 0.0  # seconds added to every chunk
    rate: float | None = None  # bytes per second, None = unlimited


@dataclass
class PathConditions:
    up: Path = field(default_factory=Path)  # modem -> server
    down: Path = field(default_factory=Path)  # server -> modem
    blackhole: bool = False  # the network silently drops everything


@dataclass(frozen=True)
class Operator:
    long_name: str = "CHINA MOBILE"
    short_name: str = "CMCC"
    numeric: str = "46000"


class CellNetwork:
    def __init__(self) -> None:
        self.coverage = True
        self.gprs_service = True
        self.rssi = 24  # AT+CSQ scale 0..31, 99 = unknown
        self.ber = 0
        self.operator = Operator()
        self.lac = 0x1A2B
        self.cell_id = 0x3C4D
        self.local_ip = "10.78.245.128"  # the address the network assigns (AT+CIFSR)
        self._paths: dict[int | None, PathConditions] = {None: PathConditions()}
        self._listeners: list[Callable[[str], None]] = []

    # -- listeners -------------------------------------------------------
    def subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _announce(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    # -- radio -----------------------------------------------------------
    def set_coverage(self, present: bool) -> None:
        if present != self.coverage:
            self.coverage = present
            self._announce("coverage")

    def set_gprs_service(self, present: bool) -> None:
        if present != self.gprs_service:
            self.gprs_service = present
            self._announce("gprs")

    def set_signal(self, rssi: int, ber: int = 0) -> None:
        if not (0 <= rssi <= 31 or rssi == 99) or not (0 <= ber <= 7 or ber == 99):
            raise ValueError("rssi must be 0..31 or 99 and ber 0..7 or 99")
        self.rssi, self.ber = rssi, ber
        self._announce("signal")

    def deactivate_pdp(self) -> None:
        """The network tears down the PDP context (the modem reports +PDP: DEACT)."""
        self._announce("pdp-deact")

    # -- data paths ------------------------------------------------------
    def path(self, link: int | None = None) -> PathConditions:
        """The conditions for one socket link (set per link or for all with None)."""
        if link is None:
            return self._paths[None]
        return self._paths.setdefault(link, PathConditions())

    def conditions_for(self, link: int) -> PathConditions:
        """Effective conditions: the link's own where set, else the all-links ones."""
        common, own = self._paths[None], self._paths.get(link)
        if own is None:
            return common
        return PathConditions(
            up=Path(max(own.up.latency, common.up.latency), _min_rate(own.up.rate, common.up.rate)),
            down=Path(
                max(own.down.latency, common.down.latency),
                _min_rate(own.down.rate, common.down.rate),
            ),
            blackhole=own.blackhole or common.blackhole,
        )

    def reset_paths(self) -> None:
        self._paths = {None: PathConditions()}

    def reset_link(self, link: int | None) -> None:
        """Ask the modem to drop the connection on ``link`` (None = all), as a network RST."""
        self._announce(f"reset:{'' if link is None else link}")


def _min_rate(a: float | None, b: float | None) -> float | None:
    rates = [r for r in (a, b) if r is not None]
    return min(rates) if rates else None
