"""The IP application bearer: AT+SAPBR (SIM800 Series AT Command Manual V1.10 §9.2.1, pp. 252-253).

``AT+SAPBR=<cmd_type>,<cid>[,<ConParamTag>,<ConParamValue>]`` with cmd_type
0 close, 1 open, 2 query (``+SAPBR: <cid>,<status>,"<ip>"``), 3 set a
parameter, 4 list the parameters (``+SAPBR:`` then ``CONTYPE: GPRS``,
``APN: ...`` lines). Bearer profiles are cid 1..3; status 0 connecting,
1 connected, 2 closing, 3 closed. The bearer carries the HTTP (§11) and FTP
(§12) applications; when the network drops GPRS or the PDP context while a
bearer is open the module reports ``+SAPBR <cid>: DEACT`` and the bearer is
closed.

Other command groups use ``bearer_open(modem, cid)`` to check the bearer and
``watch_bearer(modem, callback)`` to hear when one goes down (the callback runs
after the DEACT URC, so the order on the line is fixed). See docs/modem/ftp-http.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import COUNT_HIGH, COUNT_LOW, NOT_ALLOWED, RANGE, CmeError
from dtulab.peripherals.gsm_modem.part import ModemPart
from dtulab.peripherals.gsm_modem.registry import Final, at_command, int_arg, only

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

CIDS = range(1, 4)
CONNECTING, CONNECTED, CLOSING, CLOSED = 0, 1, 2, 3
GPRS_NOT_ATTACHED = 180  # SIM800 §19.1 CME code, reported when AT+SAPBR=1 finds no GPRS

# ConParamTag -> maximum length of its value (manual p. 253; PHONENUM is a dial string)
PARAM_LIMITS = {"CONTYPE": 4, "APN": 64, "USER": 32, "PWD": 32, "PHONENUM": 40, "RATE": 1}
PARAM_ORDER = ("CONTYPE", "APN", "PHONENUM", "USER", "PWD", "RATE")  # AT+SAPBR=4 listing

BearerListener = Callable[[int, str], Awaitable[None]]


@dataclass
class Profile:
    params: dict[str, str] = field(
        default_factory=lambda: {
            "CONTYPE": "GPRS",
            "APN": "",
            "PHONENUM": "",
            "USER": "",
            "PWD": "",
            "RATE": "2",
        }
    )
    status: int = CLOSED


class Bearer(ModemPart):
    """The three bearer profiles (RAM: dropped at reboot like every other part)."""

    def __init__(self, modem: Modem) -> None:
        super().__init__(modem)
        self.profiles = {cid: Profile() for cid in CIDS}
        self.listeners: list[BearerListener] = []

    def is_open(self, cid: int) -> bool:
        profile = self.profiles.get(cid)
        return profile is not None and profile.status == CONNECTED

    def ip(self, cid: int) -> str:
        return self.modem.network.local_ip if self.is_open(cid) else "0.0.0.0"

    async def _down(self, cid: int, why: str) -> None:
        """Tell the applications riding on ``cid`` that it went away ("deact" or "closed")."""
        for listener in list(self.listeners):
            await listener(cid, why)

    async def on_network(self, event: str) -> None:
        if event not in ("detached", "pdp-deact", "deregistered"):
            return
        for cid, profile in self.profiles.items():
            if profile.status in (CONNECTED, CONNECTING):
                was_up = profile.status == CONNECTED
                profile.status = CLOSED
                if was_up:
                    await self.modem.urc(f"+SAPBR {cid}: DEACT")
                    await self._down(cid, "deact")

    async def open(self, cid: int) -> bool:
        """Activate the bearer (takes ``profile.sapbr``); False if GPRS is not attached."""
        m = self.modem
        profile = self.profiles[cid]
        if profile.params["CONTYPE"] != "GPRS" or m.reg.gprs_stat != 1:
            return False
        profile.status = CONNECTING
        await m.clock.sleep(m.profile.sapbr)
        if profile.status != CONNECTING or m.reg.gprs_stat != 1:  # lost meanwhile
            profile.status = CLOSED
            return False
        profile.status = CONNECTED
        return True

    async def close_bearer(self, cid: int) -> None:
        profile = self.profiles[cid]
        profile.status = CLOSING
        await self._down(cid, "closed")
        await self.modem.clock.sleep(self.modem.profile.cipclose)
        profile.status = CLOSED


def bearer(modem: Modem) -> Bearer:
    return Bearer.of(modem)


def bearer_open(modem: Modem, cid: int = 1) -> bool:
    """Whether bearer profile ``cid`` is connected (what HTTP/FTP check before they start)."""
    return bearer(modem).is_open(cid)


def watch_bearer(modem: Modem, listener: BearerListener) -> None:
    """Call ``await listener(cid, why)`` when a bearer goes down; why is "deact" or "closed"."""
    bearer(modem).listeners.append(listener)


@at_command("+SAPBR")
async def sapbr(m: Modem, cmd: Command) -> Final:
    if cmd.kind is Kind.TEST:
        await m.respond('+SAPBR: (0-4),(1-3),"ConParamTag","ConParamValue"')
        return None
    only(cmd, Kind.SET)
    args = cmd.args
    if len(args) < 2:
        raise CmeError(COUNT_LOW)
    cmd_type = int_arg(args[0], 0, 4)
    cid = int_arg(args[1], 1, 3)
    if cmd_type == 3:
        if len(args) < 4:
            raise CmeError(COUNT_LOW)
        if len(args) > 4:
            raise CmeError(COUNT_HIGH)
        tag, value = _param(args[2], args[3])
        bearer(m).profiles[cid].params[tag] = value
        return None
    if len(args) > 2:
        raise CmeError(COUNT_HIGH)
    state = bearer(m)
    profile = state.profiles[cid]
    if cmd_type == 2:
        await m.respond(f'+SAPBR: {cid},{profile.status},"{state.ip(cid)}"')
    elif cmd_type == 4:
        await m.respond("+SAPBR:", *(f"{tag}: {profile.params[tag]}" for tag in PARAM_ORDER))
    elif cmd_type == 1:
        if profile.status != CLOSED:
            raise CmeError(NOT_ALLOWED)
        if not await state.open(cid):
            raise CmeError(GPRS_NOT_ATTACHED)
    else:
        if profile.status != CONNECTED:
            raise CmeError(NOT_ALLOWED)
        await state.close_bearer(cid)
    return None


def _param(tag_s: str | None, value_s: str | None) -> tuple[str, str]:
    if tag_s is None or value_s is None:
        raise CmeError(COUNT_LOW)
    tag = tag_s.upper()
    if tag not in PARAM_LIMITS:
        raise CmeError(RANGE)
    if tag == "CONTYPE":
        value = value_s.upper()
        if value not in ("GPRS", "CSD"):
            raise CmeError(RANGE)
        return tag, value
    if tag == "RATE":
        return tag, str(int_arg(value_s, 0, 3))
    if len(value_s) > PARAM_LIMITS[tag]:
        raise CmeError(RANGE)
    return tag, value_s
