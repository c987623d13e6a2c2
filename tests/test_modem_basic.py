"""General commands and the command line, through the modem's pty (SIM800 manual §1–§3)."""

import re

from tests.conftest import wait_until


def test_plain_at_and_echo(console):
    assert console.command("AT") == ["OK"]
    assert console.command("ATE1") == ["OK"]
    assert console.command("AT") == ["AT", "OK"]
    assert console.command("ATE0") == ["ATE0", "OK"]
    assert console.command("AT") == ["OK"]


def test_identity(console, runner):
    ident = runner.modem.identity
    assert console.command("ATI") == [ident.product, "OK"]
    assert console.command("AT+CGMI") == ["SIMCOM_Ltd", "OK"]
    assert console.command("AT+CGMM") == ["SIMCOM_SIM800", "OK"]
    assert console.command("AT+CGMR") == [ident.revision, "OK"]
    assert console.command("AT+CGSN") == [ident.imei, "OK"]
    assert console.command("AT+CIMI") == [ident.imsi, "OK"]
    assert console.command("AT+CCID") == [ident.iccid, "OK"]
    assert console.command("AT+CPIN?") == ["+CPIN: READY", "OK"]


def test_several_commands_on_one_line(console, runner):
    assert console.command("AT+CGMI;+CGSN") == ["SIMCOM_Ltd", runner.modem.identity.imei, "OK"]


def test_repeat_last_command(console):
    assert console.command("AT+CGMI")[0] == "SIMCOM_Ltd"
    console.write("A/")  # A/ needs no CR (V.25ter §5.2.4); the model ends it with CR too
    assert console.command("") == ["SIMCOM_Ltd", "OK"]


def test_cmee_levels_render_errors(console):
    assert console.command("AT+CFUN=7") == ["ERROR"]
    assert console.command("AT+CMEE=1") == ["OK"]
    assert console.command("AT+CFUN=7") == ["+CME ERROR: 793"]
    assert console.command("AT+CMEE=2") == ["OK"]
    assert console.command("AT+CFUN=7") == ["+CME ERROR: Param value range beyond"]
    assert console.command("AT+CMEE?") == ["+CMEE: 2", "OK"]
    assert console.command("AT+CMEE=?") == ["+CMEE: (0-2)", "OK"]
    assert console.command("AT+CMEE=3") == ["+CME ERROR: Param value range beyond"]


def test_unknown_and_malformed_commands_get_error_and_change_nothing(console):
    for bad in (
        "AT+NOSUCH",
        "AT+CSQ=5",
        "ATE5",
        'AT+CSTT="open',
        "AT+CMEE=x",
        "AT+CMEE=1,2",
        "AT#",
    ):
        assert console.command(bad) == ["ERROR"], bad
    assert console.command("AT+CMEE?") == ["+CMEE: 0", "OK"]
    assert console.command("AT") == ["OK"]


def test_over_long_line_is_rejected(console):
    assert console.command("AT+CGMI;" + "+CGMI;" * 100) == ["ERROR"]
    assert console.command("AT" + "E0" * 400) == ["ERROR"]
    assert console.command("AT") == ["OK"]


def test_garbage_flood_leaves_the_modem_answering(console):
    console.write(bytes(range(256)) * 40)
    console.write(b"\x1a\x1b" + b"\xff" * 5000 + b"\r")
    console.drain()
    assert console.command("AT", timeout=20) == ["OK"]
    assert console.command("AT+CGMI") == ["SIMCOM_Ltd", "OK"]


def test_non_at_lines_are_ignored(console):
    console.write("hello\r")
    assert console.command("AT") == ["OK"]


def test_backspace_edits_the_line(console):
    assert console.command("AT+CGMX\bI") == ["SIMCOM_Ltd", "OK"]


def test_cclk_set_and_read(console):
    assert console.command('AT+CCLK="25/12/31,23:59:50+32"') == ["OK"]
    reply = console.command("AT+CCLK?")
    assert reply[-1] == "OK"
    assert re.fullmatch(r'\+CCLK: "(25/12/31,23:59:5\d|26/01/01,00:00:0\d)\+32"', reply[0]), reply
    for bad in ('AT+CCLK="25/13/31,23:59:50+32"', "AT+CCLK=25/12/31", 'AT+CCLK="x"'):
        assert console.command(bad) == ["ERROR"]


def test_ipr_and_profile_save_restore(console, runner):
    assert console.command("AT+IPR?") == ["+IPR: 115200", "OK"]
    assert console.command("AT+IPR=9600") == ["OK"]
    assert console.command("AT+IPR=1234") == ["ERROR"]
    assert console.command("AT+CMEE=1") == ["OK"]
    assert console.command("AT&W") == ["OK"]
    assert console.command("AT+CMEE=0;+IPR=57600") == ["OK"]
    assert console.command("ATZ") == ["OK"]
    assert console.command("AT+IPR?;+CMEE?") == ["+IPR: 9600", "+CMEE: 1", "OK"]
    assert console.command("AT&F") == ["OK"]  # factory profile: echo on again
    assert console.command("AT+IPR?") == ["AT+IPR?", "+IPR: 115200", "OK"]


def test_cfun_reboot_prints_boot_urcs(console):
    console.write("AT+CFUN=1,1\r")
    console.expect("OK")
    for urc in ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"):
        console.expect(f"\r\n{urc}\r\n")
    assert console.command("AT") == ["AT", "OK"]  # echo is back on: RAM settings were lost


def test_cfun_minimum_deregisters_and_full_registers_again(console):
    wait_until(lambda: "+CREG: 0,1" in console.command("AT+CREG?"))
    assert console.command("AT+CFUN=0") == ["OK"]
    assert console.command("AT+CFUN?") == ["+CFUN: 0", "OK"]
    assert console.command("AT+CREG?") == ["+CREG: 0,0", "OK"]
    assert console.command("AT+CSQ") == ["+CSQ: 99,99", "OK"]
    assert console.command("AT+CFUN=1") == ["+CPIN: READY", "OK"]
    wait_until(lambda: "+CREG: 0,1" in console.command("AT+CREG?"))


def test_power_down_and_power_on(console, runner):
    console.write("AT+CPOWD=1\r")
    console.expect("\r\nNORMAL POWER DOWN\r\n")
    assert console.quiet(0.3) == b""
    console.write("AT\r")
    assert console.quiet(0.3) == b""  # off: nothing answers
    runner.power_on()
    console.expect("\r\nSMS Ready\r\n")
    assert console.command("AT") == ["AT", "OK"]


def test_s0_register(console):
    assert console.command("ATS0=2") == ["OK"]
    assert console.command("ATS0?") == ["002", "OK"]
    assert console.command("ATS0=300") == ["ERROR"]
