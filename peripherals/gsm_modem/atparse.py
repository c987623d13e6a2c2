"""AT command-line parsing (ITU-T V.25ter §5.3, 3GPP TS 27.007 §4, SIM800 manual §1.4).

A command line is ``AT`` followed by commands: basic ones (``E0``, ``Z``,
``S0=2``, ``&W``, ``D<dial string>``) and extended ones (``+NAME``, ``+NAME?``,
``+NAME=?``, ``+NAME=<args>``) separated by ``;``. ``D`` takes the rest of the
line. Parameters are comma-separated; double quotes protect commas and ``;``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    EXEC = "exec"  # AT+CMD or a basic command with its number
    SET = "set"  # AT+CMD=<args>
    READ = "read"  # AT+CMD?
    TEST = "test"  # AT+CMD=?


class ParseError(ValueError):
    """The line is not valid AT syntax."""


@dataclass(frozen=True)
class Command:
    name: str  # upper case: "+CSQ", "E", "D", "S0", "&W"
    kind: Kind
    raw: str = ""  # text after "=" (SET), the number of a basic command, the dial string

    @property
    def args(self) -> list[str | None]:
        """The SET parameters: quoted strings unquoted, empty ones None."""
        return split_args(self.raw)

    def quoted(self, index: int) -> bool:
        parts = _split_raw(self.raw)
        return index < len(parts) and parts[index].strip().startswith('"')


_EXT_NAME = re.compile(r"[+*^$#%][A-Za-z0-9_!%\-.:/]*[A-Za-z0-9_]|[+][A-Za-z]")
_BASIC = re.compile(r"([A-CE-RT-Za-ce-rt-z])(\d*)")
_AMP = re.compile(r"&([A-Za-z])(\d*)")
_SREG = re.compile(r"[Ss](\d+)(=\d*|\?)?")


def _split_raw(raw: str) -> list[str]:
    """Split on commas outside double quotes."""
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if quoted:
        raise ParseError("unterminated quoted string")
    parts.append("".join(cur))
    return parts


def split_args(raw: str) -> list[str | None]:
    if raw.strip() == "":
        return []
    out: list[str | None] = []
    for part in _split_raw(raw):
        token = part.strip()
        if token == "":
            out.append(None)
        elif token.startswith('"'):
            if not token.endswith('"') or len(token) < 2 or token.count('"') != 2:
                raise ParseError(f"bad quoted parameter {token!r}")
            out.append(token[1:-1])
        else:
            out.append(token)
    return out


def _take_until_semicolon(text: str, pos: int) -> tuple[str, int]:
    """Return text[pos:] up to the first ';' outside quotes, and the index after it."""
    quoted = False
    for i in range(pos, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return text[pos:i], i + 1
    if quoted:
        raise ParseError("unterminated quoted string")
    return text[pos:], len(text)


def parse_line(line: str) -> list[Command]:
    """Parse the text after ``AT`` into commands; raise ParseError on bad syntax."""
    cmds: list[Command] = []
    pos, n = 0, len(line)
    while pos < n:
        ch = line[pos]
        if ch in " ;":
            pos += 1
            continue
        if ch in "+*^$#%":
            m = _EXT_NAME.match(line, pos)
            if not m:
                raise ParseError(f"bad extended command at {line[pos:]!r}")
            name = m.group(0).upper()
            pos = m.end()
            rest, after = _take_until_semicolon(line, pos)
            rest_s = rest.strip()
            if rest_s == "":
                cmds.append(Command(name, Kind.EXEC))
            elif rest_s == "?":
                cmds.append(Command(name, Kind.READ))
            elif rest_s == "=?":
                cmds.append(Command(name, Kind.TEST))
            elif rest_s.startswith("="):
                raw = rest_s[1:]
                split_args(raw)  # validate quoting now, not in the handler
                cmds.append(Command(name, Kind.SET, raw))
            else:
                raise ParseError(f"unexpected {rest_s!r} after {name}")
            pos = after
            continue
        if ch in "Dd":
            cmds.append(Command("D", Kind.EXEC, line[pos + 1 :].strip()))
            break
        if ch in "Ss":
            m = _SREG.match(line, pos)
            if not m:
                raise ParseError(f"bad S-register command at {line[pos:]!r}")
            suffix = m.group(2) or ""
            kind = Kind.READ if suffix == "?" else Kind.SET if suffix else Kind.EXEC
            cmds.append(
                Command(f"S{int(m.group(1))}", kind, suffix[1:] if kind is Kind.SET else "")
            )
            pos = m.end()
            continue
        if ch == "&":
            m = _AMP.match(line, pos)
            if not m:
                raise ParseError(f"bad & command at {line[pos:]!r}")
            cmds.append(Command("&" + m.group(1).upper(), Kind.EXEC, m.group(2)))
            pos = m.end()
            continue
        m = _BASIC.match(line, pos)
        if not m:
            raise ParseError(f"unexpected {line[pos:]!r}")
        pos = m.end()
        if line.startswith("?", pos):  # e.g. ATE? is not a SIM800 form
            raise ParseError("basic commands have no query form")
        cmds.append(Command(m.group(1).upper(), Kind.EXEC, m.group(2)))
    return cmds
