"""Heartbeats (R-HB-1, R-HB-2, R-HB-3), seen by the server and the host.

AT+CIPCFG=1,<s>,0,<pack ms>,<pack len>,<restart s> sets the interval,
AT+CIPPACK=0,"<hex>","<direction>" the bytes and where they go (0 server,
1 serial port). A heartbeat goes out after <s> seconds without traffic, never
while data flows; more than 3 failed heartbeats in a row mean the link is
broken, and the DTU closes it and connects again.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import ON_EVERY_TARGET, configure

HB = b"\x00HB\xff"  # any bytes


def setup(world, host, seconds: int, direction: int = 0) -> None:
    port = world.server("dc1").port
    configure(
        host,
        f"AT+CIPCFG=1,{seconds},0,100,1460,0",
        f'AT+CIPPACK=0,"{HB.hex().upper()}","{direction}"',
        f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1',
    )
    world.wait_connections(1)


@pytest.mark.req("R-HB-1")
def test_heartbeat_to_the_server_when_idle(world, host):
    setup(world, host, 1)
    assert world.wait_server_received(len(HB), timeout=10) == HB
    first = time.monotonic()
    assert world.wait_server_received(3 * len(HB), timeout=10) == 3 * HB
    interval = (time.monotonic() - first) / 2
    assert 0.7 < interval < 3.0, f"heartbeat every {interval:.2f} s, configured 1 s"
    assert host.quiet(0.2) == b"", "nothing to the serial port"


@pytest.mark.req("R-HB-1")
def test_no_heartbeat_while_data_flows(world, host):
    setup(world, host, 2)
    for _ in range(8):  # a packet every 0.4 s for over 3 s: never 2 s idle
        host.write(b"d")
        time.sleep(0.4)
    last = time.monotonic() - 0.4
    assert world.wait_server_received(8) == b"d" * 8
    got = world.wait_server_received(8 + len(HB), timeout=10)
    assert got == b"d" * 8 + HB, "the heartbeat comes once the link is idle"
    assert time.monotonic() - last >= 1.8, "not before 2 s without traffic"


@pytest.mark.req("R-HB-2")
def test_heartbeat_to_the_serial_port(world, host):
    setup(world, host, 1, direction=1)
    host.drain()
    host.expect(HB, 10)
    host.expect(HB, 10)
    assert world.server_received() == b"", "a serial heartbeat never goes to the server"


@pytest.mark.req("R-HB-3")
def test_failed_heartbeats_close_and_reconnect(world, host):
    setup(world, host, 1)
    server = world.server("dc1")
    world.wait_server_received(len(HB), timeout=10)  # the link works
    fault = world.inject("blackhole", link=0)  # sends fail after 1 s; TCP gives up after 15 s
    start = time.monotonic()
    try:
        world.wait(lambda: not server.connections[0].open, 25, "the DTU closing the link")
    finally:
        world.clear(fault)
    closed = time.monotonic() - start
    world.wait_connections(2, timeout=20)
    reconnected = time.monotonic() - start
    # 4 failed heartbeats take about 5 s; the modem alone would close 15 s after the first
    assert closed < 12, f"link closed {closed:.1f} s after the heartbeats started failing"
    assert reconnected < 14, f"new connection {reconnected:.1f} s after"
    world.wait(lambda: len(server.connections[1].received) >= len(HB), 10, "heartbeats again")
    assert world.call(lambda: bytes(server.connections[1].received)).startswith(HB)


# -- the timing rule, the same on every target (behaviour.md "Heartbeat") --------------------
@ON_EVERY_TARGET
@pytest.mark.req("R-HB-3")
def test_failed_heartbeats_close_the_link_at_the_documented_time(world, host):
    """A heartbeat is due N s after the socket last sent anything, each next one N s after
    the previous attempt began; the 4th failure in a row closes the link. A black hole makes
    each send fail after the modem's send timeout F (1 s in the fast profile): with N = 2 s
    the link closes 4N + F = 9 s after the last heartbeat that went through."""
    setup(world, host, 2)
    server = world.server("dc1")
    world.wait_server_received(len(HB), timeout=10)
    last_ok = world.call(lambda: server.connections[0].last_rx)  # time.monotonic() of arrival
    fault = world.inject("blackhole", link=0)
    try:
        world.wait(lambda: not server.connections[0].open, 30, "the DTU closing the link")
        closed = time.monotonic() - last_ok
    finally:
        world.clear(fault)
    assert 8.0 < closed < 10.5, f"closed {closed:.2f} s after the last heartbeat (rule: 9 s)"


@ON_EVERY_TARGET
@pytest.mark.req("R-HB-2")
def test_the_serial_heartbeat_comes_a_heartbeat_time_after_the_host_fell_quiet(world, host):
    """To the serial port the heartbeat comes N s after the host's last byte (here the end
    of AT+ENTM), then every N s while the host stays quiet."""
    host.enter_command_mode()
    host.at_ok("AT+CIPCFG=1,2,0,100,1460,0")
    host.at_ok(f'AT+CIPPACK=0,"{HB.hex().upper()}","1"')
    host.write("AT+ENTM\r")
    quiet_since = time.monotonic()
    host.expect(b"OK\r\n")
    host.expect(HB, 10)
    first = time.monotonic()
    host.expect(HB, 10)
    second = time.monotonic()
    # seen by the host, a moment late each time: never early, and the gap as long on average
    assert 1.9 < first - quiet_since < 2.6, f"first after {first - quiet_since:.2f} s (rule: 2)"
    assert 1.5 < second - first < 2.5, f"then every {second - first:.2f} s (rule: 2)"
