"""Control commands for a running modem model, typed on ``dtulab modem``'s standard input.

One line per command; each returns the text to print. They drive the same
Python API the tests use (ModemRunner, SmsCenter, FaultSet)::

    sms <from> <text...>      deliver an SMS to the modem from <from>
    sent                      list the SMS the modem has sent
    call <number>             an incoming voice call (RING)
    hangup                    the far end hangs up
    fault <name> [k=v ...]    inject a fault (see `dtulab faults`)
    clear [<name>]            clear active faults (all, or by name)
    power on|off              press the power key / cut the module's power
    status                    registration, GPRS, signal, active faults
    transcript                the link transcript so far
    help                      this text
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from peripherals.gsm_modem.faults import FaultError
from peripherals.gsm_modem.runner import ModemRunner

HELP = __doc__.split("::", 1)[1].strip("\n") if __doc__ else ""

Command = Callable[[ModemRunner, list[str]], str]
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
def _sms(r: ModemRunner, args: list[str]) -> str:
    if len(args) < 2:
        raise UsageError("usage: sms <from> <text...>")
    r.sms_center.deliver(args[0], " ".join(args[1:]))
    return f"SMS from {args[0]} handed to the SMS centre"


@command("sent")
def _sent(r: ModemRunner, args: list[str]) -> str:
    sent = r.call(lambda: list(r.sms_center.sent))
    if not sent:
        return "no SMS sent yet"
    return "\n".join(f"{i}: to {s.to} ({s.encoding}): {s.text}" for i, s in enumerate(sent, 1))


@command("call")
def _call(r: ModemRunner, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError("usage: call <number>")
    r.incoming_call(args[0])
    return f"calling the modem from {args[0]}"


@command("hangup")
def _hangup(r: ModemRunner, args: list[str]) -> str:
    r.remote_hangup()
    return "far end hung up"


@command("fault")
def _fault(r: ModemRunner, args: list[str]) -> str:
    if not args:
        raise UsageError("usage: fault <name> [key=value ...]")
    fault = r.inject(args[0], **parse_params(args[1:]))
    return f"fault {fault} applied" + (
        "" if fault.one_shot else f" (clear with: clear {fault.name})"
    )


@command("clear")
def _clear(r: ModemRunner, args: list[str]) -> str:
    active = r.call(lambda: list(r.faults.active))
    chosen = [f for f in active if not args or f.name in args]
    for fault in chosen:
        r.clear(fault)
    return f"cleared {len(chosen)} fault(s)"


@command("power")
def _power(r: ModemRunner, args: list[str]) -> str:
    if args == ["on"]:
        r.power_on()
    elif args == ["off"]:
        r.run(r.modem.power_off(None))
    else:
        raise UsageError("usage: power on|off")
    return f"modem power {args[0]}"


@command("status")
def _status(r: ModemRunner, args: list[str]) -> str:
    def read() -> str:
        m = r.modem
        faults = ", ".join(str(f) for f in r.faults.active) or "none"
        return (
            f"power={'on' if m.power.on else 'off'} creg={m.reg.stat} cgatt={m.reg.gprs_stat} "
            f"csq={r.network.rssi} boots={m.boot_count} faults: {faults}"
        )

    return r.call(read)


@command("transcript")
def _transcript(r: ModemRunner, args: list[str]) -> str:
    return r.call(r.transcript.text).rstrip("\n") or "(empty)"


@command("help")
def _help(r: ModemRunner, args: list[str]) -> str:
    return HELP


def execute(runner: ModemRunner, line: str) -> str:
    """Run one control line; errors come back as one ``error: ...`` line."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        return f"error: {exc}"
    if not words:
        return ""
    fn = COMMANDS.get(words[0])
    if fn is None:
        return f"error: unknown command '{words[0]}' (try: help)"
    try:
        return fn(runner, words[1:])
    except (UsageError, FaultError, ValueError) as exc:
        return f"error: {exc}"
