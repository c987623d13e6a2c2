"""The grammar of scenarios: what ``dtulab diff`` has hypothesis draw (and shrink).

A scenario is a sequence of steps (steps.py) as a user would take them, drawn
in the mode the DTU should be in: in transparent mode bytes for the data centre,
data from it, an SMS, the ``+++`` escape, a power cycle, the data centre
closing the connection, or an outage with data sent meanwhile; in command mode
command lines, ``AT+ENTM`` back, data from the network or an SMS arriving
meanwhile (held for the host, R-AT-1), and a save cut short by a power cut at
one of its EEPROM writes (R-PWR-1; the DTU comes back in transparent mode).
The command lines come from the contract (dtulab/contract/usr721.toml): every
setting's boundary rows, valid and one past each end, every query, the
save command, and malformed variants of them (a character dropped, added or
swapped, lower case, cut short, garbage after, at the line length limit).
Bytes are any bytes except a ``+++`` run (the escape is a step of its own,
with its guard times), and sometimes a password-prefixed command, which the
DTU must treat as the manual says: data on the serial port, a command from the
network and by SMS (R-AT-3).

Hypothesis shrinks a scenario that shows a difference by dropping steps and
simplifying what is left, so the one a user reads is short.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from dtulab.contract import boundary_rows, load
from dtulab.diff.steps import (
    Command,
    CutSave,
    Data,
    Escape,
    Outage,
    PowerCycle,
    ServerClose,
    ServerSend,
    SmsIn,
    Step,
)

PASSWORD = "usr.cn"  # the factory password (AT+CIPSW)
QUERIES = (
    "AT+CIMOD?", "AT+CIPSCONT?", "AT+CISOCLINK?", "AT+CINETPT?", "AT+CSTT?", "AT+CIPCFG?",
    "AT+CIPPACK?", "AT+CIPR?", "AT+ICF?", "AT+CIPNUM?", "AT+CIHTTP?", "AT+CIFTP?",
    "AT+CINETAT?", "AT+CICOMAT?", "AT+CISMSAT?", "AT+CIRINGSTA?", "AT+CIMODID?",
    "AT+CIVER?", "AT+CINET?",
)  # fmt: skip
SAVE = "ATW"


def command_lines() -> list[str]:
    """Every well-formed line the grammar starts from: the contract's boundary rows (both
    sides of every range), the queries and the save command."""
    return [line for _, line, _ in boundary_rows(load())] + list(QUERIES) + [SAVE]


LINES = command_lines()
LINE_MAX: int = load().limits["line_max"]  # bytes in one AT line, "AT" included, CR excluded
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "


@st.composite
def malformed(draw: st.DrawFn, line: str) -> str:
    """``line`` made wrong in one of the ways a pile's firmware or a person gets it wrong."""
    how = draw(st.sampled_from(("drop", "add", "swap", "lower", "cut", "tail", "long")))
    at = draw(st.integers(0, max(len(line) - 1, 0)))
    char = draw(st.sampled_from(PRINTABLE))
    return {
        "drop": line[:at] + line[at + 1 :],
        "add": line[:at] + char + line[at:],
        "swap": line[:at] + char + line[at + 1 :],
        "lower": line.lower(),
        "cut": line[:at],
        "tail": line + char * draw(st.integers(1, 3)),
        "long": line + char * (LINE_MAX - len(line) + draw(st.integers(-1, 1))),  # the limit
    }[how]


def command_line() -> st.SearchStrategy[str]:
    line = st.sampled_from(LINES)
    return st.one_of(line, line, line.flatmap(malformed))


def no_escape(data: bytes) -> bytes:
    """``data`` with every ``+++`` broken up (the escape is its own step)."""
    while b"+++" in data:
        data = data.replace(b"+++", b"++")
    return data


def remote_command() -> st.SearchStrategy[str]:
    """A password-prefixed command, as the network and SMS carry them (R-AT-3)."""
    return st.sampled_from(QUERIES).map(lambda q: f"{PASSWORD}#{q}")


def payload() -> st.SearchStrategy[bytes]:
    raw = st.binary(min_size=1, max_size=64).map(no_escape).filter(bool)
    return st.one_of(raw, raw, remote_command().map(lambda c: c.encode() + b"\r"))


def sms_text() -> st.SearchStrategy[str]:
    return st.one_of(st.text(PRINTABLE, min_size=1, max_size=40), remote_command())


@st.composite
def scenarios(draw: st.DrawFn, max_steps: int = 8) -> list[Step]:
    """A scenario of up to ``max_steps`` steps, each drawn for the mode the DTU is in."""
    steps: list[Step] = []
    command_mode = False
    for _ in range(draw(st.integers(0, max_steps))):
        if command_mode:  # data from the network and SMS come in command mode too (R-AT-1)
            kind = draw(st.sampled_from(("command",) * 6 + ("leave", "server", "sms", "cut")))
            if kind == "cut":  # a save cut short by a power cut: back in transparent mode
                keep = draw(st.one_of(st.none(), st.integers(0, 31)))
                steps.append(CutSave(draw(st.integers(1, 8)), keep))
                command_mode = False
            elif kind == "server":
                steps.append(ServerSend(draw(payload())))
            elif kind == "sms":
                steps.append(SmsIn(draw(sms_text())))
            else:
                leave = kind == "leave"
                steps.append(Command("AT+ENTM") if leave else Command(draw(command_line())))
                command_mode = not leave
            continue
        kinds = ("data", "server", "escape", "escape", "sms", "power", "close", "outage")
        kind = draw(st.sampled_from(kinds))
        if kind == "data":
            steps.append(Data(draw(payload())))
        elif kind == "server":
            steps.append(ServerSend(draw(payload())))
        elif kind == "escape":
            steps.append(Escape())
            command_mode = True
        elif kind == "sms":
            steps.append(SmsIn(draw(sms_text())))
        elif kind == "close":
            steps.append(ServerClose())
        elif kind == "outage":
            steps.append(Outage(draw(payload())))
        else:
            steps.append(PowerCycle())
    return steps
