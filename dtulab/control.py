"""Control commands for a running bench, typed on the standard input of ``dtulab modem`` / ``run``.

One line per command; each returns the text to print. They drive the same
Python API the tests use (ModemRunner or World, SmsCenter, FaultSet); a
command the bench lacks says so::

    sms <from> <text...>      deliver an SMS to the modem from <from>
    sent                      list the SMS the modem has sent
    call <number>             an incoming voice call (RING)
    hangup                    the far end hangs up
    fault <name> [k=v ...]    inject a modem fault (see `dtulab faults`)
    fault <server> <name> [k=v ...]
                              a network fault at a data-centre server's end (DTU bench)
    clear [<name>]            clear active faults, modem and server (all, or by name)
    power on|off              power the bench on / off (modem: its key; DTU: the rails)
    rail dc|dip <volts>       set one supply rail (DTU bench)
    send [<server>] <text>    a data-centre server sends text to the DTU (DTU bench)
    received [<server>]       what a data-centre server has received (DTU bench)
    timeline [<file.svg>]     LEDs, rails and link activity (DTU bench): text, or a picture
    status                    the bench's status line
    transcript                the modem link transcript so far
    help                      this text
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from dtulab.peripherals.gsm_modem.faults import FaultError
from dtulab.platforms.base import TargetError, Unsupported
from dtulab.world import World

HELP = __doc__.split("::", 1)[1].strip("\n") if __doc__ else ""

Bench = Any  # a ModemRunner or a World: the same control surface
Command = Callable[[Bench, list[str]], str]
COMMANDS: dict[str, Command] = {}


class UsageError(ValueError):
    """A control command with bad arguments."""


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def parse_params(items: list[str]) -> dict[str, str]:
    """``["ms=200", "direction=up"]`` → ``{"ms": "200", "direction": "up"}``."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got '{item}'")
        params[key] = value
    return params


@command("sms")
def _sms(r: Bench, args: list[str]) -> str:
    if len(args) < 2:
        raise UsageError("usage: sms <from> <text...>")
    r.sms_center.deliver(args[0], " ".join(args[1:]))
    return f"SMS from {args[0]} handed to the SMS centre"


@command("sent")
def _sent(r: Bench, args: list[str]) -> str:
    sent = r.call(lambda: list(r.sms_center.sent))
    if not sent:
        return "no SMS sent yet"
    return "\n".join(f"{i}: to {s.to} ({s.encoding}): {s.text}" for i, s in enumerate(sent, 1))


@command("call")
def _call(r: Bench, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError("usage: call <number>")
    r.incoming_call(args[0])
    return f"calling the modem from {args[0]}"


@command("hangup")
def _hangup(r: Bench, args: list[str]) -> str:
    r.remote_hangup()
    return "far end hung up"


def _servers(r: Bench) -> dict[str, Any]:
    """The bench's data-centre servers by name (none on the modem bench)."""
    return dict(r.servers) if isinstance(r, World) else {}


@command("fault")
def _fault(r: Bench, args: list[str]) -> str:
    if not args:
        raise UsageError("usage: fault [<server>] <name> [key=value ...]")
    if args[0] in _servers(r) and len(args) > 1:
        fault = r.inject_server_fault(args[1], args[0], **parse_params(args[2:]))
        where = f" on {args[0]}"
    else:
        fault = r.inject(args[0], **parse_params(args[1:]))
        where = ""
    return f"fault {fault} applied{where}" + (
        "" if fault.one_shot else f" (clear with: clear {fault.name})"
    )


@command("clear")
def _clear(r: Bench, args: list[str]) -> str:
    def active() -> list[Any]:
        at_servers = {id(f): f for s in _servers(r).values() for f in s.faults}  # once each
        return list(r.faults.active) + list(at_servers.values())

    chosen = [f for f in r.call(active) if not args or f.name in args]
    for fault in chosen:
        r.clear(fault)
    return f"cleared {len(chosen)} fault(s)"


@command("power")
def _power(r: Bench, args: list[str]) -> str:
    if args == ["on"]:
        r.power_on()
    elif args == ["off"]:
        r.power_off()
    else:
        raise UsageError("usage: power on|off")
    return f"power {args[0]}"


def _needs(r: Bench, attribute: str, what: str) -> None:
    if not hasattr(r, attribute):
        raise UsageError(f"{what} needs a DTU bench (dtulab run)")


@command("rail")
def _rail(r: Bench, args: list[str]) -> str:
    _needs(r, "set_rail", "rail")
    if len(args) != 2:
        raise UsageError("usage: rail dc|dip <volts>")
    try:
        volts = float(args[1])
    except ValueError:
        raise UsageError(f"not a voltage: '{args[1]}'") from None
    r.set_rail(args[0], volts)
    return f"{args[0].upper()} rail at {volts:g} V"


@command("send")
def _send(r: Bench, args: list[str]) -> str:
    _needs(r, "server_send", "send")
    if not args:
        raise UsageError("usage: send [<server>] <text>")
    name = args[0] if args[0] in r.servers and len(args) > 1 else "dc1"
    text = " ".join(args[1:] if name == args[0] else args)
    r.server_send(text.encode(), name)
    return f"{name} sent {len(text)} bytes"


@command("received")
def _received(r: Bench, args: list[str]) -> str:
    _needs(r, "server_received", "received")
    name = args[0] if args else "dc1"
    return repr(r.server_received(name))


@command("timeline")
def _timeline(r: Bench, args: list[str]) -> str:
    _needs(r, "timeline", "timeline")
    if len(args) > 1:
        raise UsageError("usage: timeline [<file.svg>]")
    text = str(r.timeline(args[0] if args else None))
    return text + (f"\npicture written to {args[0]}" if args else "")


@command("status")
def _status(r: Bench, args: list[str]) -> str:
    return str(r.status_line())


@command("transcript")
def _transcript(r: Bench, args: list[str]) -> str:
    return r.call(r.modem_transcript.text).rstrip("\n") or "(empty)"


@command("help")
def _help(r: Bench, args: list[str]) -> str:
    return HELP


class UnknownCommand(UsageError):
    """A line whose first word is no control command."""


ERRORS = (UsageError, FaultError, ValueError, TargetError, Unsupported)  # what run() raises


def run(runner: Bench, line: str) -> str:
    """Run one control line and return its text; a bad line raises one of ``ERRORS``
    (``UnknownCommand`` for an unknown first word)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not words:
        return ""
    fn = COMMANDS.get(words[0])
    if fn is None:
        raise UnknownCommand(f"unknown command '{words[0]}' (try: help)")
    return fn(runner, words[1:])


def execute(runner: Bench, line: str) -> str:
    """Run one control line; errors come back as one ``error: ...`` line."""
    try:
        return run(runner, line)
    except ERRORS as exc:
        return f"error: {exc}"
