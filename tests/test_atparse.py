"""The AT command-line parser (V.25ter §5.3, 27.007 §4) on its own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtulab.peripherals.gsm_modem.atparse import Command, Kind, ParseError, parse_line, split_args


def test_basic_and_extended_commands_in_one_line():
    cmds = parse_line("E0+CMEE=2;+CSQ;+CREG?;+COPS=?")
    assert cmds == [
        Command("E", Kind.EXEC, "0"),
        Command("+CMEE", Kind.SET, "2"),
        Command("+CSQ", Kind.EXEC),
        Command("+CREG", Kind.READ),
        Command("+COPS", Kind.TEST),
    ]


def test_dial_takes_the_rest_of_the_line():
    assert parse_line("D+8613800000000;") == [Command("D", Kind.EXEC, "+8613800000000;")]


def test_s_register_forms():
    assert parse_line("S0=3") == [Command("S0", Kind.SET, "3")]
    assert parse_line("S0?") == [Command("S0", Kind.READ)]


def test_quoted_arguments_keep_commas_and_semicolons():
    (cmd,) = parse_line('+CIPSTART=0,"TCP","a,b;c",80')
    assert cmd.args == ["0", "TCP", "a,b;c", "80"]
    assert cmd.quoted(2) and not cmd.quoted(3)


def test_empty_arguments_are_none():
    assert split_args('1,,"x"') == ["1", None, "x"]


@pytest.mark.parametrize("line", ['+CSTT="abc', "+CSQ!", "E0?", '+CMGS="1"x"'])
def test_bad_syntax_is_a_parse_error(line):
    with pytest.raises(ParseError):
        parse_line(line)


@given(st.text(max_size=80))
def test_parser_only_ever_raises_parse_error(text):
    try:
        cmds = parse_line(text)
    except ParseError:
        return
    assert all(isinstance(c, Command) and c.name == c.name.upper() for c in cmds)
