"""SMS passthrough (R-SMS-1, R-SMS-2) and SMS AT commands (R-AT-5), through the SMS centre.

In SMS mode (AT+CIMOD=4) serial data is sent as an SMS to AT+CIPNUM's number
and an SMS from any number is written to the serial port; Chinese text passes
unchanged both ways (UTF-8 on the serial port). An SMS ``<password>#AT...``
runs as a command (AT+CISMSAT, on by default), commands chained with
``;AT``; the reply goes back by SMS to the sender, ``ERROR`` for a wrong
password.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import ON_EVERY_TARGET, configure

PHONE = "13912345678"


def sms_mode(host, number: str = "10086", *lines: str) -> None:
    configure(host, "AT+CIMOD=4", f"AT+CIPNUM={number}", *lines)


def replies(world, count: int, timeout: float = 30.0) -> list[tuple[str, str]]:
    return [(s.to, s.text) for s in world.sms_center.wait_sent(count, timeout)]


# -- SMS passthrough (R-SMS-1, R-SMS-2) ------------------------------------------------------
@pytest.mark.req("R-SMS-1")
def test_serial_data_becomes_an_sms_to_the_number(world, host):
    sms_mode(host)
    host.write(b"temperature 21.5")
    assert replies(world, 1) == [("10086", "temperature 21.5")]
    time.sleep(0.3)  # a second packet
    host.write(b"temperature 21.7")
    assert replies(world, 2)[1] == ("10086", "temperature 21.7")


@pytest.mark.req("R-SMS-2")
def test_an_sms_from_any_number_reaches_the_serial_port(world, host):
    sms_mode(host)
    host.drain()
    world.sms_center.deliver(PHONE, "hello host")
    host.expect(b"hello host", 30)
    world.sms_center.deliver("+8613800000099", "from another phone")
    host.expect(b"from another phone", 30)
    assert world.sms_center.sent == [], "nothing goes back"


@pytest.mark.req("R-SMS-1", "R-SMS-2")
def test_chinese_text_both_ways(world, host):
    sms_mode(host)
    host.write("你好，世界！温度 25℃".encode())
    assert replies(world, 1) == [("10086", "你好，世界！温度 25℃")]
    host.drain()
    world.sms_center.deliver(PHONE, "收到，谢谢")
    host.expect("收到，谢谢".encode(), 30)


@ON_EVERY_TARGET
@pytest.mark.req("R-SMS-1", "R-SMS-2")
def test_full_length_sms_pass_whole(world, host):
    """The longest single SMS each way: 70 UCS2 characters, and 160 GSM characters in
    (640 hex digits on the modem's line in UCS2 mode)."""
    sms_mode(host)
    chinese = "充电桩温度正常" * 10
    host.write(chinese.encode())
    assert replies(world, 1) == [("10086", chinese)]
    host.drain()
    world.sms_center.deliver(PHONE, chinese)
    host.expect(chinese.encode(), 30)
    latin = "".join(chr(ord("A") + i % 26) for i in range(160))
    world.sms_center.deliver(PHONE, latin)
    host.expect(latin.encode(), 30)


# -- SMS AT commands (R-AT-5) ----------------------------------------------------------------
@pytest.mark.req("R-AT-5")
def test_sms_command_is_answered_by_sms_to_its_sender(world, host):
    host.drain()  # NET mode, SMS AT on by default
    world.sms_center.deliver(PHONE, "usr.cn#AT+CIVER?")
    [(to, text)] = replies(world, 1)
    assert to == PHONE
    assert re.fullmatch(r"\+CIVER: \S[^\r\n]*\r\nOK", text), text
    assert host.quiet(0.3) == b"", "nothing on the serial port"


@pytest.mark.req("R-AT-5")
def test_sms_commands_chained_and_taking_effect(world, host):
    world.sms_center.deliver(PHONE, "usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?")
    [(to, text)] = replies(world, 1)
    assert to == PHONE
    assert text.split("\r\n") == ["OK", "OK", "+CIPNUM: 10010", "OK"]
    host.write(b"now in SMS mode")  # the new mode and number are in effect
    assert replies(world, 2)[1] == ("10010", "now in SMS mode")


@pytest.mark.req("R-AT-5")
def test_sms_command_with_a_wrong_password_gets_error(world, host):
    configure(host, "AT+CIPNUM=10086")
    world.sms_center.deliver(PHONE, "guess#AT+CIPNUM=12345")
    assert replies(world, 1) == [(PHONE, "ERROR")]
    assert host.query("AT+CIPNUM?") == ["+CIPNUM: 10086"]


@pytest.mark.req("R-AT-5", "R-SMS-2")
def test_sms_commands_switched_off_are_text(world, host):
    sms_mode(host, "10086", "AT+CISMSAT=0")
    host.drain()
    world.sms_center.deliver(PHONE, "usr.cn#AT+CIMOD=0")
    host.expect(b"usr.cn#AT+CIMOD=0", 30)  # passed through as text, not run
    assert host.query("AT+CIMOD?") == ["+CIMOD: 4"]
    assert world.sms_center.sent == []


@pytest.mark.req("R-AT-5", "R-NET-1")
def test_socket_set_by_sms_with_save_and_restart(world, host):
    port = world.server("dc1").port
    world.sms_center.deliver(PHONE, f"usr.cn#AT+CIPSCONT=1,TCP,127.0.0.1,{port},1;ATW;AT+CIRESET")
    # the socket applies at once (connection 1), then the DTU restarts with the saved
    # settings and connects again (connection 2)
    world.wait_connections(2, timeout=30)
    world.wait(lambda: world.leds["DATA"].on, 30, "connected after the restart")
    host.write(b"after the restart")
    assert world.wait_server_received(17) == b"after the restart"


@pytest.mark.req("R-AT-5", "R-NET-1")
def test_socket_set_by_sms_takes_effect_at_once(world, host):
    port = world.server("dc1").port
    world.sms_center.deliver(PHONE, f"usr.cn#AT+CIPSCONT=1,TCP,127.0.0.1,{port},1")
    assert replies(world, 1) == [(PHONE, "OK")]
    world.wait_connections(1, timeout=10)


# -- the host owns the module (AT mode, PDU mode) -------------------------------------------
@ON_EVERY_TARGET
@pytest.mark.req("R-AT-6", "R-MODE-1")
def test_in_at_mode_the_sms_store_is_the_hosts(world, host):
    """In AT command mode (2.1.5) the host drives the module itself: an SMS that arrives stays
    in the store for the host's AT+CMGL and AT+CMGR; the DTU neither reads nor deletes it."""
    configure(host, "AT+CIMOD=2", save=False)  # the port stays in command mode
    host.drain()
    world.sms_center.deliver(PHONE, "meter 0042")
    deadline = time.monotonic() + 30
    while not any(line.startswith("+CMGL: ") for line in host.at('AT+CMGL="ALL"')):
        assert time.monotonic() < deadline, "the SMS never reached the store"
        time.sleep(0.2)
    time.sleep(1.0)  # a DTU that reads its SMS would have read (and deleted) it by now
    listing = host.at_ok('AT+CMGL="ALL"')
    index = next(re.match(r"\+CMGL: (\d+),", x).group(1) for x in listing if "+CMGL:" in x)
    message = host.at_ok(f"AT+CMGR={index}")
    assert message[-1] == "meter 0042".encode("utf-16-be").hex().upper()  # UCS2 (usr721.md)
    assert host.at("AT+CMGL=4") == ["+CMS ERROR: 305"]  # a PDU-mode stat in text mode


@ON_EVERY_TARGET
@pytest.mark.req("R-SMS-1", "R-SMS-2", "R-AT-6")
def test_pdu_mode_stops_the_dtus_sms_until_text_mode_is_back(world, host):
    """usr721.md: the host's AT+CMGF=0 switches the modem to PDU mode and stops the DTU's own
    SMS functions until AT+CMGF=1: nothing forwarded (no raw PDUs on the serial port),
    AT+CISMSEND refused; the DTU does not restart. Back in text mode the waiting SMS comes."""
    sms_mode(host)
    boots = world.call(lambda: world.target.boots)
    host.enter_command_mode()
    host.at_ok("AT+CMGF=0")
    assert host.at('AT+CISMSEND=10086,"hello"') == ["ERROR"]
    host.leave_command_mode()
    host.drain()
    world.sms_center.deliver(PHONE, "while in PDU mode")
    assert host.quiet(2.0) == b"", "nothing reaches the serial port in PDU mode"
    host.enter_command_mode()
    host.at_ok("AT+CMGF=1")
    host.leave_command_mode()
    host.expect(b"while in PDU mode", 30)
    assert world.call(lambda: world.target.boots) == boots, "no restart"
    assert world.sms_center.sent == []
