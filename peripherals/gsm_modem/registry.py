"""The command table: handlers register by name; parameter helpers raise the right error.

A handler is ``async def handler(modem, cmd) -> Final``: it writes its
information lines with ``await modem.respond(...)`` and returns the final
result: ``None`` for ``OK``, a string for another final line (``SHUT OK``), or
``NO_FINAL`` when it has written everything itself (``AT+CIFSR``). Errors are
raised (see errors.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from dtulab.peripherals.gsm_modem.atparse import Command, Kind
from dtulab.peripherals.gsm_modem.errors import (
    COUNT_HIGH,
    COUNT_LOW,
    RANGE,
    TYPE,
    AtError,
    CmeError,
)

if TYPE_CHECKING:
    from dtulab.peripherals.gsm_modem.modem import Modem

NO_FINAL = object()
Final = str | object | None
Handler = Callable[["Modem", Command], Awaitable[Final]]

COMMANDS: dict[str, Handler] = {}


def at_command(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for one or more command names ("+CSQ", "E", "&W")."""

    def register(fn: Handler) -> Handler:
        for name in names:
            if name in COMMANDS:
                raise RuntimeError(f"AT command {name} registered twice")
            COMMANDS[name] = fn
        return fn

    return register


def nargs(cmd: Command, low: int, high: int | None = None) -> list[str | None]:
    """The SET arguments, checked for count."""
    args = cmd.args
    if len(args) < low:
        raise CmeError(COUNT_LOW)
    if len(args) > (low if high is None else high):
        raise CmeError(COUNT_HIGH)
    return args


def int_arg(value: str | None, low: int, high: int, default: int | None = None) -> int:
    if value is None:
        if default is None:
            raise CmeError(COUNT_LOW)
        return default
    try:
        number = int(value, 10)
    except ValueError:
        raise CmeError(TYPE) from None
    if not low <= number <= high:
        raise CmeError(RANGE)
    return number


def str_arg(value: str | None, max_len: int, default: str | None = None) -> str:
    if value is None:
        if default is None:
            raise CmeError(COUNT_LOW)
        return default
    if len(value) > max_len:
        raise CmeError(RANGE)
    return value


def choice_arg(value: str | None, choices: dict[str, Any]) -> Any:
    if value is None or value.upper() not in choices:
        raise CmeError(RANGE)
    return choices[value.upper()]


def only(cmd: Command, *kinds: Kind) -> None:
    """Reject forms a command does not have with ERROR."""
    if cmd.kind not in kinds:
        raise AtError()


def simple_setting(
    attr: str, low: int, high: int, target: Callable[[Modem], object] | None = None
) -> Handler:
    """A numeric setting with SET, READ (``+NAME: <v>``) and TEST (``+NAME: (lo-hi)``).

    The value lives in ``target(modem)``, by default the modem's console settings.
    """
    values = f"({low},{high})" if high == low + 1 else f"({low}-{high})"

    async def handler(modem: Modem, cmd: Command) -> Final:
        obj = target(modem) if target else modem.settings
        if cmd.kind is Kind.READ:
            await modem.respond(f"{cmd.name}: {getattr(obj, attr)}")
        elif cmd.kind is Kind.TEST:
            await modem.respond(f"{cmd.name}: {values}")
        elif cmd.kind is Kind.SET:
            (value,) = nargs(cmd, 1)
            setattr(obj, attr, int_arg(value, low, high))
        else:
            raise AtError()
        return None

    return handler
