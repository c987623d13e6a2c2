"""Where the bench's servers listen and what a DTU is given for them (dtulab/addresses.py):
a server bound to another loopback address is reached there, and provisioning writes the
advertised address into the reference DTU, as its AT+CIPSCONT? shows."""

import socket

import pytest

from dtulab.addresses import AddressError, Addresses, check_bind, parse_advertise
from dtulab.host import DtuHost
from dtulab.servers import HttpServer
from dtulab.world import ServerConfig, SocketSetup, World, WorldConfig

OTHER = "127.0.0.2"  # Linux routes all of 127/8 to lo: a second address of this host


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=5):
            return True
    except ConnectionRefusedError:
        return False


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("", ("", None)),
        ("dc.example.net", ("dc.example.net", None)),
        ("203.0.113.5:5000", ("203.0.113.5", 5000)),
        ("[2001:db8::1]:80", ("2001:db8::1", 80)),
        ("2001:db8::1", ("2001:db8::1", None)),
    ],
)
def test_advertise_is_host_or_host_and_port(text, want):
    assert parse_advertise(text) == want


@pytest.mark.parametrize("text", ["h:0", "h:x", ":5000", 'a"b', "[::1", "x" * 65])
def test_a_bad_advertise_is_one_line(text):
    with pytest.raises(AddressError, match=r"^advertise: ") as exc:
        parse_advertise(text)
    assert "\n" not in str(exc.value)


def test_bind_is_an_ip_address_and_wildcards_need_an_advertised_host():
    assert check_bind("0.0.0.0") == "0.0.0.0"
    with pytest.raises(AddressError, match="give advertise HOST"):
        Addresses("0.0.0.0").check(1)
    with pytest.raises(AddressError, match="exactly one data-centre server"):
        Addresses(advertise="h:5000").check(3)
    assert Addresses("0.0.0.0", "203.0.113.5:5000").data_centre(41000) == ("203.0.113.5", 5000)
    assert Addresses("0.0.0.0", "203.0.113.5").data_centre(41000) == ("203.0.113.5", 41000)
    assert Addresses().data_centre(41000) == ("127.0.0.1", 41000)


@pytest.mark.world(bind=OTHER, servers=[ServerConfig("dc1")], sockets=[SocketSetup(1, "dc1")])
def test_a_server_bound_elsewhere_is_reached_there_by_the_dtu(world, dtu):
    port = world.server("dc1").port
    assert world.server_address("dc1") == (OTHER, port)
    assert not connects("127.0.0.1", port)  # nothing of it listens on 127.0.0.1
    dtu.close()  # provisioning opens the port itself
    world.provision()
    world.wait_connections(1)
    with DtuHost(world.rs232_port) as host:
        host.write(b"BILL-0001")
        world.server_should_receive(b"BILL-0001")
        assert f'+CIPSTART:1,"TCP", "{OTHER}",{port}, 1' in host.query("AT+CIPSCONT?")


@pytest.mark.world(
    servers=[ServerConfig("dc1")],
    advertise="dc.example.net:5000",
    sockets=[SocketSetup(1, "dc1")],
)
def test_provisioning_writes_the_advertised_address_into_the_dtu(world, dtu):
    assert world.server_address("dc1") == ("dc.example.net", 5000)
    dtu.close()
    world.provision()
    with DtuHost(world.rs232_port) as host:
        assert '+CIPSTART:1,"TCP", "dc.example.net",5000, 1' in host.query("AT+CIPSCONT?")


def test_the_http_server_binds_where_told_and_names_the_advertised_host():
    with HttpServer(bind=OTHER, advertise="lab.example.net") as http:
        assert http.url("/x") == f"http://lab.example.net:{http.port}/x"
        assert connects(OTHER, http.port)
        assert not connects("127.0.0.1", http.port)


def test_a_bench_that_cannot_listen_says_why():
    with pytest.raises(ValueError, match=r"cannot listen on 192\.0\.2\.1"):
        World(WorldConfig(bind="192.0.2.1", power_on=False)).start()
