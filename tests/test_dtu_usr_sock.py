"""The reference DTU in the usr-sock dialect (docs/dialects/usr-sock.md): USR's WKMOD/SOCK
family, written from the research notes §A.1–A.6 and the doc, not from the code.

Each test boots the reference with ``dialect = "usr-sock"`` and talks to it as a host
would: the escape, commands with ``+<NAME>:<value>`` replies and ``+ERR:<n>`` errors, data to
a loopback server.
"""

from __future__ import annotations

import time

import pytest

from dtulab.dialects import DialectUnsupported, UsrSock
from dtulab.dtu.families import FAMILIES
from dtulab.dtu.settings import Settings
from dtulab.dtu.store import SettingsStore
from dtulab.peripherals.eeprom import Eeprom

pytestmark = pytest.mark.world(dialect="usr-sock")


def at(host, line: str) -> list[str]:
    return host.at(line)


def enter(host, guard: float = 0.3) -> None:
    host.enter_command_mode(guard=guard)


def connect_a(world, host, *lines: str) -> None:
    """Socket A to dc1, enabled, then back to transparent mode; waits for the connection."""
    enter(host)
    port = world.server("dc1").port
    for line in (f"AT+SOCKA=TCP,127.0.0.1,{port}", "AT+SOCKAEN=ON", *lines):
        assert at(host, line) == ["OK"], line
    host.leave_command_mode()
    world.wait_connections(1)


@pytest.mark.req("R-AT-6")
def test_queries_answer_without_a_space_and_errors_are_err_codes(world, host):
    enter(host)
    assert at(host, "AT") == ["OK"]
    version = at(host, "AT+VER")
    assert version[-1] == "OK" and version[0].startswith("+VER:") and "usr-sock" in version[0]
    assert at(host, "AT+WKMOD?") == ["+WKMOD:NET", "OK"]
    assert at(host, "AT+UARTFT") == ["+UARTFT:100", "OK"]
    assert at(host, "AT+UARTFL?") == ["+UARTFL:1000", "OK"]
    assert at(host, "AT+CMDPW?") == ["+CMDPW:usr.cn#", "OK"]
    assert at(host, "AT+HEARTTM?") == ["+HEARTTM:30", "OK"]
    assert at(host, "AT+UART?") == ["+UART:115200,8,1,NONE,NONE", "OK"]
    assert at(host, "HELLO") == ["+ERR:1"]  # not an AT line
    assert at(host, "AT+CIVER?") == ["+ERR:2"]  # usr721's command: not in this family
    assert at(host, "AT+S=1") == ["+ERR:3"]  # AT+S takes no parameter
    assert at(host, "AT+UARTFT=50") == ["+ERR:4"]  # below 100 ms
    assert at(host, "AT+UARTFT=60001") == ["+ERR:4"]
    assert at(host, "AT+SOCKA=TCP,h") == ["+ERR:4"]  # a parameter short
    assert at(host, "AT+UARTFT?") == ["+UARTFT:100", "OK"]  # refused input changed nothing
    assert at(host, 'AT+WKMOD="SMS"') == ["OK"]  # older firmware quotes the value
    assert at(host, "AT+WKMOD?") == ["+WKMOD:SMS", "OK"]
    assert at(host, "AT+WKMOD=FTP") == ["+ERR:4"]  # usr721's FTP mode has no counterpart


@pytest.mark.req("R-NET-1", "R-LED-3")
def test_socket_a_carries_data_and_reports_its_link(world, host):
    connect_a(world, host)
    host.write(b"pile record 1")
    assert world.wait_server_received(13) == b"pile record 1"
    enter(host)
    assert at(host, "AT+SOCKALK") == ["+SOCKALK:Connected", "OK"]
    assert at(host, "AT+SOCKBLK") == ["+SOCKBLK:Disconnected", "OK"]
    assert at(host, "AT+SYSINFO") == ["+SYSINFO:2,GPRS", "OK"]


@pytest.mark.req("R-REG-1")
@pytest.mark.parametrize("send", ["LINK", "DATA"])
def test_registration_once_per_link_or_before_every_packet(world, host, send):
    regs = ("AT+REGTP=USER", "AT+REGDT=4C4F47494E", f"AT+REGSND={send}", "AT+REGEN=ON")
    connect_a(world, host, *regs)  # "LOGIN"
    host.write(b"one")
    host.wait_silence(0.5)
    host.write(b"two")
    expected = b"LOGINoneLOGINtwo" if send == "DATA" else b"LOGINonetwo"
    assert world.wait_server_received(len(expected)) == expected


@pytest.mark.req("R-HB-1")
def test_hearten_off_keeps_the_interval(world, host):
    enter(host)
    assert at(host, "AT+HEARTTM=45") == ["OK"]
    assert at(host, "AT+HEARTEN?") == ["+HEARTEN:OFF", "OK"]
    assert at(host, "AT+HEARTEN=ON") == ["OK"]
    assert at(host, "AT+HEARTEN=OFF") == ["OK"]
    assert at(host, "AT+HEARTTM?") == ["+HEARTTM:45", "OK"]
    assert world.target.dtu.settings.heartbeat_s == 0


@pytest.mark.req("R-AT-3")
def test_the_password_is_the_whole_prefix_and_a_wrong_one_is_data(world, host):
    connect_a(world, host, "AT+UATEN=ON")
    host.drain()
    host.write("usr.cn#AT+VER\r")
    host.expect(b"\r\n+VER:")
    host.expect(b"\r\nOK\r\n")
    host.write("usr.cn AT+VER\r")  # not the prefix: pile data
    assert world.wait_server_received(14) == b"usr.cn AT+VER\r"


@pytest.mark.req("R-AT-1")
def test_the_escape_guard_time_is_the_packing_interval(world, host):
    connect_a(world, host, "AT+UARTFT=1500")
    host.write(b"x")
    time.sleep(0.6)  # less silence than the 1.5 s packing interval: "+++" is data
    host.write(b"+++")
    assert world.wait_server_received(4, timeout=20) == b"x+++"
    enter(host, guard=1.8)  # more silence than the interval: the escape
    assert at(host, "AT+UARTFT?") == ["+UARTFT:1500", "OK"]


@pytest.mark.req("R-AT-7")
def test_at_s_saves_and_restarts_at_z_forgets_and_at_clear_is_factory(world, host):
    enter(host)
    assert at(host, "AT+DSTNUM=10086") == ["OK"]
    assert at(host, "AT+S") == ["OK"]
    world.wait(lambda: world.target.boots == 2, 30, "a restart after AT+S")
    world.cut_power()
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "NET LED on")
    enter(host)
    assert at(host, "AT+DSTNUM?") == ["+DSTNUM:10086", "OK"]
    assert at(host, "AT+DSTNUM=10010") == ["OK"]
    boots = world.target.boots
    assert at(host, "AT+Z") == ["OK"]  # a restart without saving
    world.wait(lambda: world.target.boots > boots, 30, "a restart after AT+Z")
    world.wait(lambda: world.leds["NET"].on, 30, "NET LED on")
    enter(host)
    assert at(host, "AT+DSTNUM?") == ["+DSTNUM:10086", "OK"]
    assert at(host, "AT+CLEAR") == ["OK"]
    UsrSock(host).wait_online(60)
    enter(host)
    assert at(host, "AT+DSTNUM?") == ["+DSTNUM:", "OK"]


@pytest.mark.req("R-AT-6")
def test_cmd_work_mode_passes_plain_at_to_the_modem(world, host):
    enter(host)
    assert at(host, "AT+WKMOD=CMD") == ["OK"]
    assert at(host, "AT+S") == ["OK"]
    world.wait(lambda: world.target.boots == 2, 30, "a restart after AT+S")
    world.wait(lambda: world.leds["NET"].on, 30, "NET LED on")
    reply = at(host, "AT+COPS?")  # not the DTU's: the module answers it
    assert reply[-1] == "OK" and reply[0].startswith("+COPS:")
    assert at(host, "AT+WKMOD?") == ["+WKMOD:CMD", "OK"]  # the DTU's own still answer


def test_the_adapter_reports_what_the_family_cannot_express(world, host):
    adapter = UsrSock(host)
    adapter.enter_command_mode(10)
    with pytest.raises(DialectUnsupported, match="unsupported by the dialect usr-sock: socket 3"):
        adapter.configure_socket(3, "127.0.0.1", 9, "TCP", True)
    with pytest.raises(DialectUnsupported, match="packing interval"):
        adapter.set_packing(20, 1000)
    assert at(host, "AT+UARTFT?") == ["+UARTFT:100", "OK"]


def test_the_store_ignores_another_familys_record(tmp_path):
    eeprom = Eeprom(tmp_path / "eeprom.bin", size=4096)
    usr721 = Settings(sms_number="10086")
    SettingsStore(eeprom).save(usr721)
    assert SettingsStore(eeprom).load().sms_number == "10086"
    loaded = SettingsStore(eeprom, FAMILIES["usr-sock"].factory).load()
    assert loaded == FAMILIES["usr-sock"].factory()
