"""A whole session as a GSM host library (TinyGSM-style) runs it, on the realistic profile.

Init, SIM and registration wait, SMS send and receive through the SMS centre,
then a TCP exchange with a loopback echo server using quick send and manual
receive (AT+CIPQSEND=1, AT+CIPRXGET=1), as TinyGSM's SIM800 client does.
"""

import re
import time

import pytest

from dtulab.console import Console
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from tests.conftest import start_echo_server


def poll(console: Console, command: str, pattern: str, timeout: float) -> str:
    """Repeat ``command`` until a reply line matches, as a host waits for registration."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in console.command(command):
            if re.fullmatch(pattern, line):
                return line
        time.sleep(0.25)
    raise AssertionError(f"{command}: no line matching {pattern!r} within {timeout} s")


@pytest.mark.slow
def test_host_library_session_end_to_end():
    server = start_echo_server()
    with ModemRunner("pty", profile="realistic") as runner, Console(runner.port) as console:
        # init: sync, echo off, verbose errors, identity, SIM
        console.sync(timeout=30)
        assert console.command("ATE0")[-1] == "OK"
        assert console.command("AT+CMEE=2") == ["OK"]
        assert console.command("ATI") == ["SIM800 R14.18", "OK"]
        assert re.fullmatch(r"\d{15}", console.command("AT+CGSN")[0])
        poll(console, "AT+CPIN?", r"\+CPIN: READY", 30)
        # registration wait
        poll(console, "AT+CREG?", r"\+CREG: 0,[15]", 60)
        rssi = int(console.command("AT+CSQ")[0].split()[1].split(",")[0])
        assert 0 < rssi <= 31

        # SMS out
        assert console.command("AT+CMGF=1") == ["OK"]
        assert console.command('AT+CSCS="GSM"') == ["OK"]
        console.write('AT+CMGS="+8613912345678"\r')
        console.expect("> ")
        console.write("pile 7 fault: overcurrent\x1a")
        console.expect_re(rb"\r\n\+CMGS: \d+\r\n\r\nOK\r\n", timeout=70)
        (sent,) = runner.sms_center.wait_sent(1, timeout=10)
        assert (sent.to, sent.text) == ("+8613912345678", "pile 7 fault: overcurrent")

        # SMS in
        assert console.command("AT+CNMI=2,1,0,0,0") == ["OK"]
        runner.sms_center.deliver("+8613800000009", "reset pile 7")
        index = console.expect_re(rb'\r\n\+CMTI: "SM",(\d+)\r\n', timeout=30).group(1).decode()
        reply = console.command(f"AT+CMGR={index}")
        assert reply[0].startswith('+CMGR: "REC UNREAD","+8613800000009"')
        assert reply[1:] == ["reset pile 7", "OK"]
        assert console.command(f"AT+CMGD={index}") == ["OK"]

        # TCP exchange
        assert console.command("AT+CIPSHUT", timeout=70) == ["SHUT OK"]
        assert console.command("AT+CGATT=1", timeout=80) == ["OK"]
        for line in ("AT+CIPMUX=1", "AT+CIPQSEND=1", "AT+CIPRXGET=1", 'AT+CSTT="CMNET","",""'):
            assert console.command(line) == ["OK"], line
        assert console.command("AT+CIICR", timeout=90) == ["OK"]
        console.write("AT+CIFSR\r")
        console.expect_re(rb"\r\n\d+\.\d+\.\d+\.\d+\r\n")
        port = server.getsockname()[1]
        assert console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{port}') == ["OK"]
        console.expect("\r\n0, CONNECT OK\r\n", timeout=80)
        console.write("AT+CIPSEND=0,11\r")
        console.expect("> ")
        console.write("hello world")
        console.expect("\r\nDATA ACCEPT:0,11\r\n")
        console.expect("\r\n+CIPRXGET: 1,0\r\n", timeout=30)
        console.write("AT+CIPRXGET=2,0,100\r")
        console.expect(b"\r\n+CIPRXGET: 2,0,11,0\r\nhello world\r\n\r\nOK\r\n")
        assert console.command("AT+CIPCLOSE=0") == ["0, CLOSE OK"]
        assert console.command("AT+CIPSHUT", timeout=70) == ["SHUT OK"]
    server.close()
