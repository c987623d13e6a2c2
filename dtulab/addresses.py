"""Where the bench's servers listen, and the address a DTU is given for them.

By default every server of the bench — the data centre (datacenter.py), the
FTP and HTTP servers (servers.py) — listens on loopback, 127.0.0.1, and a DTU
is told 127.0.0.1: the modelled modem runs on this host, so its sockets reach
loopback. A real DTU (its own modem and cell network, issue 14) reaches this
host over a lab network or the Internet instead. Then the servers listen on
``bind`` — an address of this host, ``0.0.0.0`` for every interface — and the
DTU is given ``advertise``, the address it reaches this host by from its side
of any NAT:

- ``HOST``: every server at HOST on its own port (give fixed ports where a
  router forwards them one to one);
- ``HOST:PORT``: with exactly one data-centre server, which the DTU reaches at
  HOST:PORT (a port forward to another port); FTP and HTTP servers are still
  given HOST with their own port.

Listening beyond loopback is opt-in (``dtulab run --bind``, a bench file's
``bind``); nothing here opens a firewall.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
HOST_MAX = 64  # the usr721 socket host setting's maximum length (dtulab/contract/usr721.toml)


class AddressError(ValueError):
    """A bind or advertise value that cannot be used; the message is one line."""


def check_bind(text: str) -> str:
    """An IP address of this host to listen on (``0.0.0.0`` / ``::``: every interface)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise AddressError(
            f"bind: expected an IP address of this host (127.0.0.1, 0.0.0.0, ...), got '{text}'"
        ) from None


def parse_advertise(text: str) -> tuple[str, int | None]:
    """``HOST``, ``HOST:PORT``, ``[IPv6]`` or ``[IPv6]:PORT`` → (host, port or None);
    "" → ("", None): the bind address."""
    if not text:
        return "", None
    host, port = text, ""
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise AddressError(f"advertise: expected [IPv6] or [IPv6]:PORT, got '{text}'")
        port = rest[1:]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    bad = any(c.isspace() or c in "\",'" for c in host)
    if not host or bad or len(host) > HOST_MAX:
        raise AddressError(
            f"advertise: expected HOST or HOST:PORT (a host of at most {HOST_MAX} characters, "
            f"no spaces, quotes or commas), got '{text}'"
        )
    if not port:
        return host, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise AddressError(f"advertise: port must be 1..65535, got '{port}'")
    return host, int(port)


@dataclass(frozen=True)
class Addresses:
    """The bench's ``bind`` and ``advertise`` settings, checked against its servers."""

    bind: str = LOOPBACK
    advertise: str = ""

    def check(self, data_centre_servers: int) -> None:
        """AddressError (one line) for settings that cannot give a DTU a usable address."""
        bind = check_bind(self.bind)
        host, port = parse_advertise(self.advertise)
        if not host and ipaddress.ip_address(bind).is_unspecified:
            raise AddressError(
                f"bind {bind} listens on every interface: give advertise HOST, "
                "the address a DTU reaches this host by"
            )
        if port is not None and data_centre_servers != 1:
            raise AddressError(
                f"advertise {self.advertise}: a port needs exactly one data-centre server "
                f"(the bench has {data_centre_servers}); advertise HOST and give each server a "
                "fixed port instead"
            )

    @property
    def host(self) -> str:
        """The host a DTU is given for every server."""
        return parse_advertise(self.advertise)[0] or check_bind(self.bind)

    def data_centre(self, port: int) -> tuple[str, int]:
        """What a DTU is given for a data-centre server listening on ``port``."""
        host, advertised = parse_advertise(self.advertise)
        return host or check_bind(self.bind), advertised or port

    def describe(self, port: int) -> str:
        """``BIND:PORT`` where a data-centre server listens, and what DTUs are given if that
        differs (the ``dtulab run`` banner)."""
        listen = _join(check_bind(self.bind), port)
        given = _join(*self.data_centre(port))
        return listen if given == listen else f"{listen}, advertised as {given}"


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
