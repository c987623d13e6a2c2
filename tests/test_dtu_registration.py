"""The registration packet (R-REG-1) and the cloud registration (R-CLOUD-1), seen by the server.

AT+CIPPACK=1,"<hex>","<mode>"[,<kind>]: mode 0 sends the packet once when a
connection is established, mode 1 puts it in front of every data packet;
kind USER (the hex data), IMEI or ICCID (the modem's identity), CLOUD (the
hex of "<id>,<password>"). An empty payload turns registration off.
Each connection's bytes are checked on their own.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.conftest import ON_EVERY_TARGET, configure

LOGIN = b"LOGIN:1001"


def received(world, index: int) -> bytes:
    return world.call(lambda: bytes(world.server("dc1").connections[index].received))


def wait_received(world, index: int, want: bytes, timeout: float = 20.0) -> None:
    server = world.server("dc1")

    def done() -> bool:
        return len(server.connections) > index and len(server.connections[index].received) >= len(
            want
        )

    world.wait(done, timeout, f"connection {index} receiving {want!r}")
    assert received(world, index) == want


def setup(world, host, *lines: str) -> None:
    port = world.server("dc1").port
    configure(host, *lines, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    world.wait_connections(1)


@pytest.mark.req("R-REG-1")
def test_registration_once_per_connection(world, host):
    setup(world, host, f'AT+CIPPACK=1,"{LOGIN.hex().upper()}","0"')
    wait_received(world, 0, LOGIN)
    host.write(b"data1")
    wait_received(world, 0, LOGIN + b"data1")
    host.write(b"data2")
    wait_received(world, 0, LOGIN + b"data1data2")
    # the server drops the link: the DTU reconnects and registers again, once
    world.run(world.server("dc1").disconnect(0))
    world.wait_connections(2)
    wait_received(world, 1, LOGIN)
    host.write(b"data3")
    wait_received(world, 1, LOGIN + b"data3")
    assert received(world, 0) == LOGIN + b"data1data2"


@pytest.mark.req("R-REG-1")
def test_registration_before_every_packet(world, host):
    setup(world, host, 'AT+CIPPACK=1,"524547","1"')  # "REG"
    time.sleep(0.5)
    assert received(world, 0) == b"", "mode 1 sends nothing on connecting"
    host.write(b"first")
    wait_received(world, 0, b"REGfirst")
    host.write(b"second")
    wait_received(world, 0, b"REGfirstREGsecond")


@pytest.mark.req("R-REG-1")
@pytest.mark.parametrize("kind", ["IMEI", "ICCID"])
def test_registration_with_the_modem_identity(world, host, kind):
    setup(world, host, f'AT+CIPPACK=1,"","0","{kind}"')
    identity = world.modem.identity.imei if kind == "IMEI" else world.modem.identity.iccid
    wait_received(world, 0, identity.encode())
    host.write(b"payload")
    wait_received(world, 0, identity.encode() + b"payload")


@pytest.mark.req("R-REG-1", "R-CLOUD-1")
def test_cloud_registration(world, host):
    cloud = b"00012345678901234567,12345678"  # device ID, password
    setup(world, host, f'AT+CIPPACK=1,"{cloud.hex().upper()}","0","CLOUD"')
    wait_received(world, 0, cloud)
    host.write(b"payload")
    wait_received(world, 0, cloud + b"payload")


@pytest.mark.req("R-REG-1")
def test_registration_off_with_an_empty_payload(world, host):
    setup(world, host, f'AT+CIPPACK=1,"{LOGIN.hex().upper()}","0"', 'AT+CIPPACK=1,"","0"')
    host.write(b"just data")
    wait_received(world, 0, b"just data")
    host.enter_command_mode()
    assert host.at_ok("AT+CIPPACK?")[1] == '+CIPPACK: 1, "" , 0, OFF'


@pytest.mark.req("R-REG-1", "R-HB-1")
def test_registration_and_heartbeat_given_as_text(world, host):
    port = world.server("dc1").port
    host.enter_command_mode()
    host.at_ok('AT+CIPPACK=1,"LOGIN:1001","0",USER,STR')
    host.at_ok('AT+CIPPACK=0,"ping","0",STR')
    dump = host.at_ok("AT+CIPPACK?")
    assert dump[0] == '+CIPPACK: 0, "70696E67",0'
    assert dump[1].startswith('+CIPPACK: 1, "4C4F47494E3A31303031"')
    assert host.at('AT+CIPPACK=0,"ping","0",STR,HEX') == ["ERROR"]
    host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    host.leave_command_mode()
    world.wait_server_received(10)
    assert world.server_received().startswith(b"LOGIN:1001")


@ON_EVERY_TARGET
@pytest.mark.req("R-REG-1")
@pytest.mark.parametrize("proto", ["UDP", "TCP"])
def test_registration_before_every_packet_at_the_modems_send_limit(world, host, proto):
    """Manual 2.2 wants the registration and the data "as one data packet", but a SIM800 sends
    at most 1460 bytes per AT+CIPSEND: a packet longer than 1460 minus the registration is
    split, each piece behind its own registration, in order (behaviour.md "Registration").
    At the boundary with a 5-byte registration: 1455 bytes go whole, 1456 as 1455 + 1."""
    name = "udp" if proto == "UDP" else "dc1"
    server = world.server(name)
    reg = b"REG01"
    configure(
        host,
        f'AT+CIPPACK=1,"{reg.hex().upper()}","1"',
        f'AT+CIPSCONT=1,"{proto}","127.0.0.1",{server.port},1',
    )
    if proto == "TCP":
        world.wait_connections(1, name)
    sent = b""
    for size in (1455, 1456):  # the packing length is the packet's: one packet each
        configure(host, f"AT+CIPCFG=1,0,0,2000,{size},0")
        data = bytes(random.Random(size).randrange(256) for _ in range(size))
        host.write(data)
        sent += reg + data if size == 1455 else reg + data[:1455] + reg + data[1455:]
        assert world.wait_server_received(len(sent), name, timeout=30) == sent
    if proto == "UDP":
        datagrams = world.call(lambda: [d for c in server.connections for d in c.datagrams])
        assert [len(d) for d in datagrams] == [1460, 1460, 6]
