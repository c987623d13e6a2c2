"""Faults the cell network (or the supply) can inflict on the modem; each registers by name.

A fault is a small unit in the style of toxiproxy's toxics: ``apply`` starts it,
``clear`` ends it (one-shot faults have nothing to clear). Faults act on the
network model (network.py) or on the modem itself, never on the host socket
APIs directly, so a DTU sees exactly what a real module would show:

=====================  =====================================================
name                   what the DTU sees
=====================  =====================================================
signal                 AT+CSQ reports ``rssi`` (and ``ber``); cleared: back to 24
no-coverage            +CREG: 2 (searching), GPRS detached, +PDP: DEACT and
                       CLOSED for open links; cleared: +CREG: 1 again, attach
gprs-detach            GPRS service lost: +CGREG: 0, +PDP: DEACT, CLOSED;
                       cleared: the module re-attaches (the PDP stays down)
pdp-deact              the network drops the PDP context: CLOSED, +PDP: DEACT
socket-reset           the network resets link ``link`` (all if omitted):
                       the server sees a RST, the DTU ``<n>, CLOSED``
blackhole              link ``link`` (all if omitted) silently drops traffic;
                       sends never get SEND OK: SEND FAIL after the profile's
                       blackhole_timeout, CLOSED after its tcp_give_up;
                       connects time out (CONNECT FAIL)
latency                adds ``ms`` to ``direction`` up/down/both on ``link``
bandwidth              limits ``direction`` to ``bps`` bits per second
reboot                 the module restarts: RDY and the boot URCs again,
                       all links and settings lost
undervoltage           UNDER-VOLTAGE WARNNING (sic, SIM800 §19); with
                       ``power_down=1`` UNDER-VOLTAGE POWER DOWN and off
=====================  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from dtulab.peripherals.gsm_modem.network import Path

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem


class FaultError(ValueError):
    """An unknown fault or bad fault parameters."""


FAULTS: dict[str, type[Fault]] = {}
F = TypeVar("F")


class Fault:
    name: ClassVar[str]
    one_shot: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        FAULTS[cls.name] = cls

    async def apply(self, modem: Modem) -> None:
        raise NotImplementedError

    async def clear(self, modem: Modem) -> None:
        """Undo the fault (one-shot faults have nothing to undo)."""

    def __str__(self) -> str:
        return describe(self)


def describe(fault: Any) -> str:
    """``name(param=value, ...)`` of a fault dataclass."""
    params = ", ".join(f"{f.name}={getattr(fault, f.name)}" for f in fields(fault) if f.init)
    return f"{fault.name}({params})"


def directed(up: Path, down: Path, direction: str) -> list[Path]:
    """The paths ``direction`` (up, down or both) names; FaultError for anything else."""
    try:
        return {"up": [up], "down": [down], "both": [up, down]}[direction]
    except KeyError:
        raise FaultError("direction must be up, down or both") from None


def _link(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 5:
        raise FaultError("link must be 0..5")
    return value


def _paths(modem: Modem, link: int | None, direction: str) -> list[Path]:
    conditions = modem.network.path(link)
    return directed(conditions.up, conditions.down, direction)


@dataclass
class Signal(Fault):
    name: ClassVar[str] = "signal"
    rssi: int = 5
    ber: int = 0

    async def apply(self, modem: Modem) -> None:
        try:
            modem.network.set_signal(self.rssi, self.ber)
        except ValueError as exc:
            raise FaultError(str(exc)) from None

    async def clear(self, modem: Modem) -> None:
        modem.network.set_signal(24, 0)


@dataclass
class NoCoverage(Fault):
    name: ClassVar[str] = "no-coverage"

    async def apply(self, modem: Modem) -> None:
        modem.network.set_coverage(False)

    async def clear(self, modem: Modem) -> None:
        modem.network.set_coverage(True)


@dataclass
class GprsDetach(Fault):
    name: ClassVar[str] = "gprs-detach"

    async def apply(self, modem: Modem) -> None:
        modem.network.set_gprs_service(False)

    async def clear(self, modem: Modem) -> None:
        modem.network.set_gprs_service(True)


@dataclass
class PdpDeact(Fault):
    name: ClassVar[str] = "pdp-deact"
    one_shot: ClassVar[bool] = True

    async def apply(self, modem: Modem) -> None:
        modem.network.deactivate_pdp()


@dataclass
class SocketReset(Fault):
    name: ClassVar[str] = "socket-reset"
    one_shot: ClassVar[bool] = True
    link: int | None = None

    async def apply(self, modem: Modem) -> None:
        modem.network.reset_link(_link(self.link))


@dataclass
class Blackhole(Fault):
    name: ClassVar[str] = "blackhole"
    link: int | None = None

    async def apply(self, modem: Modem) -> None:
        modem.network.path(_link(self.link)).blackhole = True

    async def clear(self, modem: Modem) -> None:
        modem.network.path(_link(self.link)).blackhole = False


@dataclass
class Latency(Fault):
    name: ClassVar[str] = "latency"
    ms: float = 500.0
    direction: str = "both"
    link: int | None = None

    async def apply(self, modem: Modem) -> None:
        if self.ms < 0:
            raise FaultError("ms must be >= 0")
        for path in _paths(modem, _link(self.link), self.direction):
            path.latency = self.ms / 1000.0

    async def clear(self, modem: Modem) -> None:
        for path in _paths(modem, _link(self.link), self.direction):
            path.latency = 0.0


@dataclass
class Bandwidth(Fault):
    name: ClassVar[str] = "bandwidth"
    bps: float = 40_000.0  # bits per second: GPRS class 10 is about 40 kbit/s down
    direction: str = "both"
    link: int | None = None

    async def apply(self, modem: Modem) -> None:
        if self.bps <= 0:
            raise FaultError("bps must be > 0")
        for path in _paths(modem, _link(self.link), self.direction):
            path.rate = self.bps / 8.0

    async def clear(self, modem: Modem) -> None:
        for path in _paths(modem, _link(self.link), self.direction):
            path.rate = None


@dataclass
class Reboot(Fault):
    name: ClassVar[str] = "reboot"
    one_shot: ClassVar[bool] = True

    async def apply(self, modem: Modem) -> None:
        modem.spawn(modem.reboot())


@dataclass
class UnderVoltage(Fault):
    name: ClassVar[str] = "undervoltage"
    one_shot: ClassVar[bool] = True
    power_down: int = 0

    async def apply(self, modem: Modem) -> None:
        if self.power_down:
            await modem.power_off("UNDER-VOLTAGE POWER DOWN")
        else:
            await modem.urc("UNDER-VOLTAGE WARNNING")


def parameters(cls: type[Any]) -> dict[str, object]:
    """A fault's parameters and their defaults (any fault dataclass)."""
    return {f.name: f.default for f in fields(cls) if f.init}


def _coerce(name: str, value: object, default: object) -> object:
    """Text from a command line becomes the parameter's type (link numbers for None)."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    kind: type = type(default) if default not in (None, MISSING) else int
    try:
        return kind(value)
    except ValueError:
        raise FaultError(f"parameter {name}: expected {kind.__name__}, got '{value}'") from None


def build(registry: Mapping[str, type[F]], name: str, params: dict[str, Any], what: str) -> F:
    """Build fault ``name`` of ``registry`` (a table of fault dataclasses by name) from
    keyword parameters, text from a command line coerced to their types; FaultError names
    ``what`` kind of fault was asked for."""
    try:
        cls = registry[name]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise FaultError(f"unknown {what} '{name}': expected one of {known}") from None
    defaults = parameters(cls)
    unknown = set(params) - set(defaults)
    if unknown:
        takes = ", ".join(defaults) or "no parameters"
        raise FaultError(f"bad parameters for {what} '{name}' (takes: {takes})")
    return cls(**{k: _coerce(k, v, defaults[k]) for k, v in params.items()})


def make_fault(name: str, **params: Any) -> Fault:
    """Build a registered fault from its name and keyword parameters."""
    return build(FAULTS, name, params, "fault")


class FaultSet:
    """The faults active on one modem; ``inject`` returns a handle for ``clear``."""

    def __init__(self, modem: Modem) -> None:
        self.modem = modem
        self.active: list[Fault] = []

    async def inject(self, name: str, **params: Any) -> Fault:
        fault = make_fault(name, **params)
        await fault.apply(self.modem)
        if not fault.one_shot:
            self.active.append(fault)
        return fault

    async def clear(self, fault: Fault) -> None:
        if fault in self.active:
            self.active.remove(fault)
            await fault.clear(self.modem)

    async def clear_all(self) -> None:
        for fault in reversed(list(self.active)):
            await self.clear(fault)
