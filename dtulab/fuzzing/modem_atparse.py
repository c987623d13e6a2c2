"""Fuzz harness: the modem model's AT command-line parser (peripherals/gsm_modem/atparse.py,
V.25ter §5.3 as the module cites).

The input is the text after ``AT`` (Latin-1, as the modem model reads its UART). Properties:
``parse_line`` returns commands or raises ``ParseError``, nothing else; every name is upper
case; a SET's parameters split without error (the parser validated them); and the commands
written back in canonical form (``;`` between them) parse to the same commands.
"""

from __future__ import annotations

from dtulab.peripherals.gsm_modem.atparse import Command, Kind, ParseError, parse_line, split_args


def canonical(cmd: Command) -> str:
    """The command as text that parses back to it."""
    if cmd.name == "D":
        return "D" + cmd.raw
    if cmd.name[0] in "+*^$#%":
        suffix = {Kind.EXEC: "", Kind.READ: "?", Kind.TEST: "=?", Kind.SET: "=" + cmd.raw}
        return cmd.name + suffix[cmd.kind]
    if cmd.name[0] == "S" and cmd.name[1:].isdigit():
        return cmd.name + {Kind.EXEC: "", Kind.READ: "?", Kind.SET: "=" + cmd.raw}[cmd.kind]
    return cmd.name + cmd.raw


def check(data: bytes) -> None:
    line = data.decode("latin-1")
    try:
        cmds = parse_line(line)
    except ParseError:
        return
    for cmd in cmds:
        assert cmd.name == cmd.name.upper(), f"{line!r}: name {cmd.name!r} not upper case"
        if cmd.kind is Kind.SET and cmd.name[0] in "+*^$#%":
            split_args(cmd.raw)
    again = parse_line(";".join(canonical(c) for c in cmds))
    assert again == cmds, f"{line!r}: {cmds} written back parses to {again}"
