"""Transparent network mode (manual 2.1.1): sockets, buffering, reconnect, short links, packing."""

import time

import pytest

from dtulab.world import LinkTraffic, after_bytes, on_bytes
from tests.conftest import ON_EVERY_TARGET, configure


def socket_line(n: int, world, server: str, proto: str = "TCP", enabled: int = 1) -> str:
    return f'AT+CIPSCONT={n},"{proto}","127.0.0.1",{world.server(server).port},{enabled}'


def connections(world, name: str = "dc1") -> list[bytes]:
    return world.call(lambda: [bytes(c.received) for c in world.server(name).connections])


@pytest.mark.req("R-NET-1")
def test_four_sockets_each_with_its_own_server(world, host):
    configure(
        host,
        socket_line(1, world, "dc1"),
        socket_line(2, world, "dc2"),
        socket_line(3, world, "udp", "UDP"),
        socket_line(4, world, "dc1"),
    )
    world.wait_connections(2, "dc1")
    world.wait_connections(1, "dc2")
    host.write("to everyone")
    world.wait_server_received(11, "dc2")
    world.wait_server_received(11, "udp")
    world.wait_server_received(22, "dc1")
    assert connections(world, "dc1") == [b"to everyone", b"to everyone"]
    for name in ("dc1", "dc2", "udp"):
        world.server_send(f"from {name};".encode(), name)
        host.expect(f"from {name};")


@pytest.mark.req("R-NET-1")
def test_disabled_socket_stays_closed(world, host):
    configure(host, socket_line(1, world, "dc1"), socket_line(2, world, "dc2", enabled=0))
    world.wait_connections(1, "dc1")
    host.write("only dc1")
    world.wait_server_received(8, "dc1")
    assert world.server_received("dc2") == b""
    host.enter_command_mode()
    assert "+CINET: 2,CLOSED" in host.at_ok("AT+CINET?")


@pytest.mark.req("R-NET-2")
def test_data_buffered_while_down_is_sent_in_order(world, host):
    configure(host, socket_line(1, world, "dc1"))
    world.wait_connections(1)
    fault = world.inject("no-coverage")
    world.wait(lambda: not world.leds["NET"].on, 20, "NET LED off")
    chunks = [f"<{i:04d}>".encode() * 10 for i in range(30)]  # 1800 bytes in 30 packets
    for chunk in chunks:
        host.write(chunk)
        time.sleep(0.12)  # one packet each (packing time 100 ms)
    world.clear(fault)
    assert world.wait_server_received(1800, timeout=40) == b"".join(chunks)


@pytest.mark.req("R-NET-2")
def test_buffer_keeps_the_newest_15_kb(world, host):
    configure(host, socket_line(1, world, "dc1"))
    world.wait_connections(1)
    fault = world.inject("no-coverage")
    world.wait(lambda: not world.leds["NET"].on, 20, "NET LED off")
    data = bytes(i % 251 for i in range(20 * 1024))
    for i in range(0, len(data), 1024):
        host.write(data[i : i + 1024])
        time.sleep(0.05)
    world.wait_rs232_taken(host.sent)  # all of it in the DTU while the network is down
    time.sleep(0.3)  # the last packet is formed
    world.clear(fault)
    got = world.wait_server_received(15 * 1024, timeout=40)
    time.sleep(0.5)  # nothing more may follow
    assert world.server_received() == got == data[-15 * 1024 :]


@pytest.mark.req("R-NET-3")
def test_broken_connection_is_reestablished(world, host):
    configure(host, socket_line(1, world, "dc1"))
    world.wait_connections(1)
    world.run(world.server("dc1").disconnect(0))
    world.wait_connections(2, timeout=30)
    world.inject("socket-reset", link=0)
    world.wait_connections(3, timeout=30)
    host.write("after the resets")
    world.wait(lambda: connections(world)[-1] == b"after the resets", 20, "data on the new link")


@ON_EVERY_TARGET
@pytest.mark.req("R-NET-2", "R-NET-3")
def test_data_cached_before_a_self_restart_reaches_the_server_after_it(world, host):
    """Manual 2.1.1: the cache "guarantees the integrity of the data", and the DTU restarts
    itself "for exception handling": a billing record cached while the server is down must
    survive that restart and reach the server once it is back (behaviour.md R-NET-3)."""
    server = world.server("dc2")
    world.run(server.stop())  # the data centre is down
    configure(
        host,
        'AT+CIMODID="[BOOTMARK]"',
        f'AT+CIPSCONT=1,"TCP","127.0.0.1",{server.port},1',
        save=True,
    )
    record = b"BILL-RECORD-" + b"x" * 1000 + b"-END"
    host.write(record)
    host.expect("\r\n[BOOTMARK]\r\n", timeout=60)  # 8 failed connects: the DTU restarted
    world.run(server.start())  # back, on the same port
    assert world.wait_server_received(len(record), "dc2", timeout=60) == record
    assert host.quiet(0.5) == b"", "nothing but the record"
    assert world.server_received("dc2") == record, "once, whole"


@pytest.mark.req("R-NET-3")
def test_restart_after_repeated_failures(world, host):
    dead = world.server("dc2").port
    world.run(world.server("dc2").stop())  # nothing listens there any more
    host.enter_command_mode()
    host.at_ok('AT+CIMODID="DTU BOOTED"')
    host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{dead},1')
    host.at_ok("ATW")
    host.leave_command_mode()
    host.expect("\r\nDTU BOOTED\r\n", timeout=60)  # the restart prints the boot message


@pytest.mark.req("R-NET-4")
def test_short_link_closes_when_idle_and_reopens_for_data(world, host):
    configure(host, socket_line(1, world, "dc1"), "AT+CISOCLINK=1,SHORT,2")
    host.write("first")
    world.wait_server_received(5)
    world.wait(lambda: not world.server("dc1").connections[0].open, 20, "short link closed")
    host.write("second")
    world.wait_connections(2)
    world.wait(lambda: connections(world) == [b"first", b"second"], 20, "second packet")


@pytest.mark.req("R-NET-4")
def test_long_link_stays_open(world, host):
    configure(host, socket_line(1, world, "dc1"), "AT+CISOCLINK=1,LONG")
    host.write("x")
    world.wait_server_received(1)
    time.sleep(2.5)
    assert world.call(lambda: world.server("dc1").connections[0].open)


def datagrams(world) -> list[bytes]:
    return world.call(lambda: [d for c in world.server("udp").connections for d in c.datagrams])


@pytest.mark.req("R-NET-5")
def test_packing_time_joins_bytes_until_the_line_is_idle(world, host):
    configure(host, socket_line(1, world, "udp", "UDP"), "AT+CIPCFG=1,0,0,400,1460,0")
    for piece in (b"ab", b"cd", b"ef"):
        host.write(piece)
        time.sleep(0.05)  # gaps shorter than the 400 ms packing time
    world.wait(lambda: datagrams(world) == [b"abcdef"], 20, "one datagram")
    time.sleep(0.6)
    host.write(b"gh")
    world.wait(lambda: datagrams(world) == [b"abcdef", b"gh"], 20, "a second datagram")


@pytest.mark.req("R-NET-5")
def test_packing_length_splits_packets(world, host):
    configure(host, socket_line(1, world, "udp", "UDP"), "AT+CIPCFG=1,0,0,200,10,0")
    host.write(b"0123456789abcdefghijKLMNO")
    world.wait(
        lambda: datagrams(world) == [b"0123456789", b"abcdefghij", b"KLMNO"], 20, "3 datagrams"
    )


@ON_EVERY_TARGET
@pytest.mark.req("R-PWR-1")
def test_the_data_centres_bytes_arm_power_cuts(world, host):
    """The data centre's traffic is offered to armed cuts like the links' (link "net"): a
    cut after the N-th byte the server received, and one on a pattern the server sends."""
    configure(host, socket_line(1, world, "dc1"), save=True)  # the socket after the cut too
    world.wait_connections(1, "dc1")
    trigger = world.call(lambda: world.power.arm_cut(after_bytes("net", 12, "rx")))
    host.write("0123456789")
    world.wait_server_received(10)
    assert world.power.on and trigger.armed  # 10 of 12 bytes: not yet
    host.write("abcdef")
    world.wait(lambda: not world.power.on, 10, "the cut after the 12th byte")
    assert trigger.fired_by == LinkTraffic("net", "rx", trigger.fired_by.data)
    world.power_on()
    world.wait_led("DATA", True, 60)
    world.wait_connections(2, "dc1")
    trigger = world.call(lambda: world.power.arm_cut(on_bytes("net", b"STOP", "tx")))
    world.server_send(b"go on")
    host.expect("go on")
    assert world.power.on
    world.server_send(b"ST")
    world.server_send(b"OP")
    world.wait(lambda: not world.power.on, 10, "the cut on STOP")
    assert trigger.fired_by == LinkTraffic("net", "tx", b"OP")
