"""A command group's state inside the modem (its RAM): made on first use, dropped at reboot."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem


class ModemPart:
    """State of one command group; created on first use, dropped at reboot."""

    def __init__(self, modem: Modem) -> None:
        self.modem = modem

    @classmethod
    def of(cls: type[P], modem: Modem) -> P:
        return modem.part(cls)

    async def on_network(self, event: str) -> None:
        """React to a radio event.

        Events: "registered", "deregistered", "detached", "pdp-deact", "reset:N" / "reset:".
        """

    async def close(self) -> None:
        """Release host resources (sockets, threads) at reboot or stop."""


P = TypeVar("P", bound=ModemPart)
