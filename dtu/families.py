"""The AT command families the reference DTU can speak, registered by name.

A family is what differs between two lines of DTUs that do the same job: the commands
(usr721.py, the 721's "CI" family, docs/usr721.md; usr_sock.py, USR's newer WKMOD/SOCK
family, docs/dialects/usr-sock.md), their factory settings, the shape of a password command
(research notes §A.5) and the escape's guard time (§A.1). The rest of the DTU — sockets,
buffers, heartbeat, registration, SMS, HTTPD — is one engine for both. The bench's
``dialect`` setting picks the family (platforms/reference.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dtulab.dtu import usr721, usr_sock
from dtulab.dtu.settings import Settings


@dataclass(frozen=True)
class Family:
    name: str
    execute: Callable[[usr721.Device, str, usr721.Session], Awaitable[list[str]]]
    factory: Callable[[], Settings]
    # (right password?, the command) for a password command, None for anything else (data)
    command_in: Callable[[str, str], tuple[bool, str] | None]
    guard: Callable[[Settings], float]  # the silence before "+++" (s)
    refused: str  # the reply to a password command with the wrong password (network, SMS)


FAMILIES = {
    f.name: f
    for f in (
        Family(
            "usr721",
            usr721.execute,
            Settings,
            usr721.command_in,
            lambda _: usr721.GUARD,
            "ERROR",
        ),
        Family(
            usr_sock.NAME,
            usr_sock.execute,
            usr_sock.factory,
            usr_sock.command_in,
            usr_sock.guard,
            "+ERR:4",
        ),
    )
}


def family(name: str) -> Family:
    """The family registered as ``name``; ValueError naming the known ones otherwise."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise ValueError(f"the reference DTU speaks no dialect '{name}' ({known})") from None
