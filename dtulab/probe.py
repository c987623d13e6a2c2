"""Which AT dialect a DTU speaks, asked over its serial port without changing a setting.

``probe(host)`` tries the ways into a DTU that the known dialects share and asks each
dialect's version command (each adapter of ``dialects.DIALECTS`` says its command, its reply
and the password prefixes its devices ship with):

1. **The escape** (research notes §A.1; docs/usr721.md, "Entering and leaving command
   mode"): silence, ``+++``, ``a`` back, ``a``, ``+ok`` back. In command mode each dialect's
   version command is asked in turn — usr721 ``AT+CIVER?`` → ``+CIVER: <version>``
   (docs/usr721.md), usr-sock ``AT+VER`` → ``+VER:<version>`` (§A.4; a command it lacks is
   refused with ``+ERR:<n>``, §A.2) — and ``AT+ENTM`` takes the device back to its work mode.
   A port that echoes the ``+++`` is in command mode already (the AT work mode, or a host that
   never left it): it is asked the same and left in command mode.
2. **Password-prefixed commands** (§A.5), when nothing answers the escape — a usr-sock device
   whose guard time (its packing interval UARTFT, §A.1) is longer than the probe's silence, or
   a device that is not a DTU of a known family: ``usr.cn#AT+CIVER?``, ``usr.cn#AT+VER``,
   ``test.cn#AT+VER`` (the G809's default prefix, §A.5) and any prefix the caller adds, each
   sent as one packet in transparent mode. A device answers them only where its serial AT
   switch is on (usr721 ``AT+CICOMAT=1``, usr-sock ``AT+UATEN=ON``; off from the factory) and
   stays in transparent mode. **A prefixed command the device refuses (a wrong prefix, the
   switch off) is data**: the device sends it on to its servers, as it does the ``+++`` of an
   escape it did not answer.

Nothing is set, saved or restarted: the probe sends the escape, version commands, ``AT+ENTM``
and, after an echoed ``+++``, one CR. ``timeout`` is how long each answer may take; it must be
longer than the device's packing interval, or a refused line and the next one are one packet.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dtulab.dialects import DIALECTS, Dialect
from dtulab.host import GUARD, DtuHost, ExpectTimeout

ESCAPE = "escape"  # +++, a, +ok, then AT+ENTM
PASSWORD = "password"  # a password-prefixed command in transparent mode
COMMAND_MODE = "command mode"  # the port was in command mode already, and is left so

# how each way in leaves the device, for people
ENTRIES = {
    ESCAPE: "+++, a, +ok; back to the work mode with AT+ENTM",
    PASSWORD: "a password-prefixed command in transparent mode; the device stayed there",
    COMMAND_MODE: "the port was in command mode already; left there",
}

ESCAPE_ANSWER = re.compile(rb"\A(?:a|\+\+\+)\Z")  # the DTU's 'a', or the echo of command mode


@dataclass(frozen=True)
class Signature:
    """How one dialect says who it is (from its adapter): its version command, the reply
    line, and the password prefixes its devices ship with."""

    dialect: str  # a name in dialects.DIALECTS
    version: str
    reply: re.Pattern[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, adapter: type[Dialect]) -> Signature:
        reply = adapter.replies["version"]()
        assert isinstance(reply, re.Pattern), "a version reply is a pattern"
        version = adapter.commands["version"]()
        return cls(adapter.name, version, reply, adapter.shipped_prefixes)


def signatures() -> list[Signature]:
    return [Signature.of(adapter) for adapter in DIALECTS.values()]


@dataclass(frozen=True)
class Detected:
    """The dialect a device answered in, its version, how the probe got in (``ESCAPE``,
    ``PASSWORD`` or ``COMMAND_MODE``) and the prefix that worked ("" unless ``PASSWORD``)."""

    dialect: str
    version: str
    entry: str
    prefix: str


class ProbeError(Exception):
    """No known dialect answered, or the device could not be left as it was found (the
    message says what was sent and what came back)."""


def probe(host: DtuHost, prefixes: Sequence[str] = (), timeout: float = 3.0) -> Detected:
    """Find the dialect of the device on ``host``'s port; ``prefixes`` are password prefixes
    to try before each dialect's own. Raises ``ProbeError`` if no known dialect answers."""
    tried: list[str] = []
    entry = _escape(host, timeout, tried)
    if entry is not None:
        found = next(
            filter(None, (_version(host, s, "", timeout, tried) for s in signatures())), None
        )
        if entry == ESCAPE:
            _leave(host, timeout, tried, found)
        if found is not None:
            return Detected(found[0], found[1], entry, "")
    else:
        for sig in signatures():
            for prefix in dict.fromkeys((*prefixes, *sig.prefixes)):
                found = _version(host, sig, prefix, timeout, tried)
                if found is not None:
                    return Detected(found[0], found[1], PASSWORD, prefix)
        tried.append("a device in transparent mode sent what it refused on to its servers")
    raise ProbeError(f"no known dialect answered: {'; '.join(tried)}")


def _shown(data: bytes) -> str:
    return repr(data[-200:]) if data else "nothing"


def _escape(host: DtuHost, timeout: float, tried: list[str]) -> str | None:
    """``ESCAPE`` (in command mode now), ``COMMAND_MODE`` (it was), or None (no answer)."""
    time.sleep(GUARD)
    host.drain()
    host.write(b"+++")
    try:
        answer = host.expect(ESCAPE_ANSWER, timeout).group(0)
    except ExpectTimeout:
        tried.append(f"+++ → {_shown(host.drain())}")
        return None
    if answer == b"+++":  # echoed: a command line; end it (the DTU refuses it) and go on
        tried.append("+++ → echoed (command mode)")
        _exchange(host, "", timeout, tried)
        return COMMAND_MODE
    host.write(b"a")
    try:
        host.expect(b"+ok", timeout)
    except ExpectTimeout:
        tried.append(f"+++ → a; a → {_shown(host.drain())}")
        return None
    tried.append("+++ → a; a → +ok")
    return ESCAPE


def _version(
    host: DtuHost, sig: Signature, prefix: str, timeout: float, tried: list[str]
) -> tuple[str, str] | None:
    """``(dialect, version)`` if ``sig``'s version command (after ``prefix``) is answered."""
    reply = _exchange(host, prefix + sig.version, timeout, tried)
    if reply is None or reply[-1:] != ["OK"]:
        return None
    line = next((x for x in reply if sig.reply.fullmatch(x)), None)
    return (sig.dialect, line.split(":", 1)[1].strip()) if line else None


def _exchange(host: DtuHost, line: str, timeout: float, tried: list[str]) -> list[str] | None:
    """Send ``line`` and CR; the reply lines (echo dropped, the final line last: OK, ERROR,
    usr-sock's +ERR:<n>, a modem's error), or None if none came."""
    host.drain()
    try:
        reply = host.at(line, timeout)
    except ExpectTimeout:
        tried.append(f"{line or 'CR'} → {_shown(host.drain())}")
        return None
    tried.append(f"{line or 'CR'} → {' | '.join(reply)}")
    return reply


def _leave(host: DtuHost, timeout: float, tried: list[str], found: tuple[str, str] | None) -> None:
    """``AT+ENTM`` (both dialects), back to the work mode the escape left."""
    reply = _exchange(host, "AT+ENTM", timeout, tried)
    if reply is not None and reply[-1] == "OK":
        return
    what = f"the device answered as {found[0]}, but" if found else "no known dialect answered;"
    raise ProbeError(f"{what} it may still be in command mode: {'; '.join(tried)}")
