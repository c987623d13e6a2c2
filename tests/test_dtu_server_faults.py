"""The reference DTU recovers through network faults at the server's end (dtulab/netfaults.py),
and a target whose modem is real gets the server-side equivalents of the modem faults, or
``Unsupported`` with the reason for a fault of the modelled cell network alone."""

import socket

import pytest

from dtulab.control import execute
from dtulab.netfaults import ServerFault
from dtulab.platforms import Unsupported
from dtulab.world import ServerConfig, World, WorldConfig
from tests.conftest import configure


def linked(world, host) -> None:
    """Socket 1 connected to dc1 (at the address the bench gives DTUs), "before" delivered."""
    address, port = world.server_address("dc1")
    configure(host, f'AT+CIPSCONT=1,"TCP","{address}",{port},1')
    world.wait_connections(1)
    host.write("before")
    world.server_should_receive(b"before")


def link_down(world) -> None:
    """Wait until the DTU has seen its link go (DATA off)."""
    world.wait(lambda: not world.leds["DATA"].on, 30, "the DTU seeing the link closed")


@pytest.mark.req("R-NET-3")
def test_a_server_reset_the_dtu_reconnects_and_data_flows(world, host):
    linked(world, host)
    fault = world.inject_server_fault("reset")
    assert fault.one_shot
    world.wait_connections(2, timeout=30)
    host.write("after the reset")
    world.server_should_receive(b"after the reset", timeout=30)
    assert world.call(lambda: bytes(world.server().connections[1].received)) == b"after the reset"


@pytest.mark.req("R-NET-2")
def test_data_sent_while_the_server_refuses_arrives_in_order_once_it_listens(world, host):
    linked(world, host)
    refuse = world.inject_server_fault("refuse")
    world.inject_server_fault("reset")
    link_down(world)
    for i in range(5):
        host.write(f"<record {i}>")
        host.wait_silence(0.3)  # longer than the packing time: one packet each
    assert world.call(lambda: len(world.server().connections)) == 1  # refused meanwhile
    world.clear(refuse)
    world.wait_connections(2, timeout=60)
    for i in range(5):
        world.server_should_receive(f"<record {i}>".encode(), timeout=30)


@pytest.fixture
def lab(tmp_path):
    """A bench on the serial target, whose DTU (never reached here) has a modem of its own:
    only the servers are the bench's."""
    config = WorldConfig(
        target="serial",
        port="socket://127.0.0.1:9",  # the target opens nothing itself; the host would
        servers=[ServerConfig("dc1"), ServerConfig("dc2"), ServerConfig("udp", "UDP")],
        state_dir=str(tmp_path),
    )
    with World(config) as bench:
        yield bench


def test_a_model_only_fault_is_unsupported_without_the_modelled_modem(lab):
    assert "modem" not in lab.target.capabilities
    with pytest.raises(Unsupported) as exc:
        lab.inject_network("no-coverage")
    assert str(exc.value).startswith(
        "unsupported on serial: no-coverage is a fault of the modelled cell network; "
        "no server-side equivalent (registration"
    )


def test_without_the_modelled_modem_a_socket_reset_resets_at_every_server(lab):
    clients = [socket.create_connection(lab.server_address(n), timeout=20) for n in ("dc1", "dc2")]
    lab.wait_connections(1, "dc1")
    lab.wait_connections(1, "dc2")
    fault = lab.inject_network("socket-reset", link=0)
    assert isinstance(fault, ServerFault) and fault.name == "reset"
    for client in clients:
        with client, pytest.raises(ConnectionResetError):
            client.recv(10)


def test_without_the_modelled_modem_dropping_the_network_refuses_until_cleared(lab):
    handle = lab.drop_network()
    for name in ("dc1", "dc2"):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(lab.server_address(name), timeout=20)
    lab.clear(handle)
    for name in ("dc1", "dc2"):
        socket.create_connection(lab.server_address(name), timeout=20).close()


def test_the_control_console_injects_and_clears_server_faults(lab):
    assert execute(lab, "fault dc2 refuse") == (
        "fault refuse() applied on dc2 (clear with: clear refuse)"
    )
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(lab.server_address("dc2"), timeout=20)
    assert execute(lab, "fault dc2 meteor").startswith("error: unknown server fault 'meteor'")
    assert execute(lab, "fault udp reset") == "error: server faults need a TCP server; udp is UDP"
    assert execute(lab, "clear") == "cleared 1 fault(s)"
    socket.create_connection(lab.server_address("dc2"), timeout=20).close()
