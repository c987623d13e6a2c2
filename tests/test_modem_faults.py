"""Every fault of the cell-network model, seen from the DTU's side of the pty (faults.py)."""

import socket
import time

import pytest

from dtulab.peripherals.gsm_modem.faults import FAULTS, FaultError
from tests.conftest import bring_up_gprs, wait_until


def open_link(console, server, n: int = 0) -> socket.socket:
    console.command(f'AT+CIPSTART={n},"TCP","127.0.0.1",{server.port}')
    console.expect(f"{n}, CONNECT OK")
    return server.wait_client(len(server.clients) - 1 if server.clients else 0)


def send(console, n: int, data: bytes) -> None:
    console.write(f"AT+CIPSEND={n},{len(data)}\r")
    console.expect("> ")
    console.write(data)


def test_every_registered_fault_is_tested():
    assert set(FAULTS) == {
        "signal", "no-coverage", "gprs-detach", "pdp-deact", "socket-reset",
        "blackhole", "latency", "bandwidth", "reboot", "undervoltage",
    }  # fmt: skip


def test_signal(console, runner):
    wait_until(lambda: "+CSQ: 24,0" in console.command("AT+CSQ"))
    fault = runner.inject("signal", rssi=3, ber=5)
    assert console.command("AT+CSQ") == ["+CSQ: 3,5", "OK"]
    runner.clear(fault)
    assert console.command("AT+CSQ") == ["+CSQ: 24,0", "OK"]
    with pytest.raises(FaultError):
        runner.inject("signal", rssi=40)


def test_no_coverage_drops_links_and_pdp(console, runner, tcp_server):
    bring_up_gprs(console)
    open_link(console, tcp_server)
    console.command("AT+CREG=1")
    fault = runner.inject("no-coverage")
    console.expect("\r\n+CREG: 2\r\n")
    console.expect("\r\n0, CLOSED\r\n")
    console.expect("\r\n+PDP: DEACT\r\n")
    runner.clear(fault)
    console.expect("\r\n+CREG: 1\r\n")
    wait_until(lambda: "+CGATT: 1" in console.command("AT+CGATT?"))
    assert console.command("AT+CIPSHUT") == ["SHUT OK"]
    bring_up_gprs(console)  # the DTU's recovery path works


def test_gprs_detach_and_reattach(console, runner, tcp_server):
    bring_up_gprs(console)
    open_link(console, tcp_server)
    fault = runner.inject("gprs-detach")
    console.expect("\r\n0, CLOSED\r\n")
    console.expect("\r\n+PDP: DEACT\r\n")
    assert console.command("AT+CGATT?") == ["+CGATT: 0", "OK"]
    assert "+CREG: 0,1" in console.command("AT+CREG?")  # still registered for voice/SMS
    runner.clear(fault)
    wait_until(lambda: "+CGATT: 1" in console.command("AT+CGATT?"))
    console.write("AT+CIPSTATUS\r")
    console.expect("STATE: PDP DEACT")


def test_pdp_deactivation(console, runner, tcp_server):
    bring_up_gprs(console)
    open_link(console, tcp_server, 0)
    open_link(console, tcp_server, 1)
    runner.inject("pdp-deact")
    closed = console.expect_re(rb"\r\n([01]), CLOSED\r\n").group(1)
    other = console.expect_re(rb"\r\n([01]), CLOSED\r\n").group(1)
    assert {closed, other} == {b"0", b"1"}
    console.expect("\r\n+PDP: DEACT\r\n")
    assert console.command("AT+CIPSEND=0,1") == ["ERROR"]


def test_socket_reset_of_one_link(console, runner, tcp_server):
    bring_up_gprs(console)
    open_link(console, tcp_server, 0)
    open_link(console, tcp_server, 1)
    runner.inject("socket-reset", link=0)
    console.expect("\r\n0, CLOSED\r\n")
    assert isinstance(tcp_server.wait_end(0), ConnectionResetError)
    send(console, 1, b"still")
    console.expect("1, SEND OK")
    assert tcp_server.wait_data(5, index=1) == b"still"


@pytest.mark.slow
def test_blackhole_swallows_traffic_then_send_fails(console, runner, tcp_server):
    bring_up_gprs(console)
    client = open_link(console, tcp_server)
    fault = runner.inject("blackhole")
    client.sendall(b"lost downlink")
    send(console, 0, b"lost uplink")
    console.expect("\r\n0, SEND FAIL\r\n", timeout=20)
    assert console.command("AT+CIPSTATUS=0")[0].endswith('"CONNECTED"')  # TCP still retries
    console.expect("\r\n0, CLOSED\r\n", timeout=40)
    assert b"RECEIVE" not in console.before
    assert bytes(tcp_server.received[0]) == b""
    runner.clear(fault)
    open_link(console, tcp_server, 2)
    send(console, 2, b"ok")
    console.expect("2, SEND OK")


def test_blackholed_connect_times_out(console, runner, tcp_server):
    bring_up_gprs(console)
    runner.inject("blackhole", link=3)
    console.command(f'AT+CIPSTART=3,"TCP","127.0.0.1",{tcp_server.port}')
    console.expect("\r\n3, CONNECT FAIL\r\n", timeout=20)
    assert tcp_server.clients == []


def round_trip(console, n: int = 0) -> float:
    start = time.monotonic()
    send(console, n, b"ping")
    console.expect(f"{n}, SEND OK")
    console.expect(f"+RECEIVE,{n},4:\r\nping")
    return time.monotonic() - start


def test_latency_delays_both_directions(console, runner, echo_port):
    bring_up_gprs(console)
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{echo_port}')
    console.expect("0, CONNECT OK")
    fault = runner.inject("latency", ms=150, direction="both")
    assert round_trip(console) >= 0.29
    runner.clear(fault)
    runner.inject("latency", ms=200, direction="down")
    assert round_trip(console) >= 0.19
    with pytest.raises(FaultError):
        runner.inject("latency", ms=10, direction="sideways")


def test_bandwidth_limits_the_downlink(console, runner, tcp_server):
    bring_up_gprs(console)
    client = open_link(console, tcp_server)
    runner.inject("bandwidth", bps=16000, direction="down")  # 2000 bytes/s
    start = time.monotonic()
    client.sendall(b"x" * 3000)
    got = 0
    while got < 3000:
        size = int(console.expect_re(rb"\+RECEIVE,0,(\d+):\r\n").group(1))
        assert console.read_exactly(size) == b"x" * size
        got += size
    assert time.monotonic() - start >= 1.4  # 3000 B at 2000 B/s, the first piece is free


def test_reboot_loses_links(console, runner, tcp_server):
    bring_up_gprs(console)
    open_link(console, tcp_server)
    runner.inject("reboot")
    for urc in ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"):
        console.expect(f"\r\n{urc}\r\n")
    tcp_server.wait_end(0)  # the module's sockets died with it
    assert console.command("AT+CIPMUX?") == ["AT+CIPMUX?", "+CIPMUX: 0", "OK"]


def test_undervoltage_warning_and_power_down(console, runner):
    runner.inject("undervoltage")
    console.expect("\r\nUNDER-VOLTAGE WARNNING\r\n")
    assert console.command("AT") == ["OK"]
    runner.inject("undervoltage", power_down=1)
    console.expect("\r\nUNDER-VOLTAGE POWER DOWN\r\n")
    console.write("AT\r")
    assert console.quiet(0.3) == b""


def test_unknown_fault_and_bad_parameters(runner):
    with pytest.raises(FaultError, match="unknown fault 'meteor'"):
        runner.inject("meteor")
    with pytest.raises(FaultError, match="takes: ms, direction, link"):
        runner.inject("latency", speed=3)
    with pytest.raises(FaultError):
        runner.inject("socket-reset", link=9)
