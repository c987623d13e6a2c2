"""AT commands with a password, without leaving transparent mode (R-AT-3, R-AT-4, R-AT-7 CIPSW).

``<password>#AT...``: on the serial port when AT+CICOMAT=1 (the reply on the
serial port, nothing to the server), from the server when AT+CINETAT=1 (the
reply over the same socket). On the serial port only a packet that is exactly
``<right password>#AT...`` is a command: a wrong password, or pile data that
merely contains ``#AT``, is ordinary data for the server (behaviour.md R-AT-3).
A wrong password from the network gets ``ERROR``. With the switch off it is
plain data.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ON_EVERY_TARGET, configure

VERSION = re.compile(rb"\r\n\+CIVER: [^\r]+\r\n\r\nOK\r\n")


def connect_dc1(world, host, *lines: str) -> None:
    port = world.server("dc1").port
    configure(host, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1', *lines)
    world.wait_connections(1)


# -- serial (R-AT-3) -------------------------------------------------------------------
@pytest.mark.req("R-AT-3")
def test_serial_password_command_is_answered_on_serial_only(world, host):
    connect_dc1(world, host, "AT+CICOMAT=1")
    host.drain()
    host.write("usr.cn#AT+CIVER?\r")
    host.expect(VERSION)
    host.write("usr.cn#AT+CIPNUM=10086\r")
    host.expect(b"\r\nOK\r\n")
    # still transparent: the next data goes to the server, and is the first thing it got
    host.write(b"marker")
    assert world.wait_server_received(6) == b"marker"
    assert host.query("AT+CIPNUM?") == ["+CIPNUM: 10086"]


@pytest.mark.req("R-AT-3")
def test_serial_password_command_is_data_when_disabled(world, host):
    connect_dc1(world, host, "AT+CICOMAT=0")
    host.drain()
    host.write("usr.cn#AT+CIVER?\r")
    assert world.wait_server_received(17) == b"usr.cn#AT+CIVER?\r"
    assert host.quiet(0.5) == b""


@ON_EVERY_TARGET
@pytest.mark.req("R-AT-3")
def test_serial_data_that_is_not_a_command_with_the_right_password_is_data(world, host):
    """A pile's data must never be swallowed: a wrong password, or data that merely contains
    ``#AT``, goes to the server like any other packet; no reply, nothing changes."""
    connect_dc1(world, host, "AT+CICOMAT=1", "AT+CIPNUM=10086")
    host.drain()
    packets = [b"wrong#AT+CIPNUM=12345\r", b"bad#AT+CIVER?\r", b"meter#ATTN-LOW"]
    sent = b""
    for packet in packets:  # one packet each: the packing time (100 ms) of silence between
        host.write(packet)
        sent += packet
        assert world.wait_server_received(len(sent)) == sent
    assert host.quiet(0.5) == b""
    assert host.query("AT+CIPNUM?") == ["+CIPNUM: 10086"]


# -- network (R-AT-4) ----------------------------------------------------------------------
@pytest.mark.req("R-AT-4")
def test_network_password_command_is_answered_over_the_socket(world, host):
    connect_dc1(world, host, "AT+CINETAT=1")
    host.drain()
    world.server_send(b"usr.cn#AT+CIVER?")
    world.wait(lambda: world.server("dc1").received.endswith(b"OK\r\n"), 10, "the reply")
    got = world.server_received()
    assert re.fullmatch(rb"\+CIVER: [^\r]+\r\nOK\r\n", got), got
    world.server_send(b"usr.cn#AT+CIPNUM=10010\r\n")
    world.wait(lambda: len(world.server("dc1").received) > len(got), 10, "the second reply")
    assert world.server_received()[len(got) :] == b"OK\r\n"
    assert host.quiet(0.3) == b"", "nothing of this reaches the host"
    assert host.query("AT+CIPNUM?") == ["+CIPNUM: 10010"]


@pytest.mark.req("R-AT-4")
def test_network_wrong_password_gets_error(world, host):
    connect_dc1(world, host, "AT+CINETAT=1", "AT+CIPNUM=10086")
    host.drain()
    world.server_send(b"wrong#AT+CIPNUM=12345")
    assert world.wait_server_received(7) == b"ERROR\r\n"
    assert host.quiet(0.3) == b""
    assert host.query("AT+CIPNUM?") == ["+CIPNUM: 10086"]


@pytest.mark.req("R-AT-4")
def test_network_password_command_is_data_when_disabled(world, host):
    connect_dc1(world, host, "AT+CINETAT=0")
    host.drain()
    world.server_send(b"usr.cn#AT+CIVER?")
    host.expect(b"usr.cn#AT+CIVER?")
    assert host.quiet(0.5) == b""
    assert world.server_received() == b"", "no reply to the server"


# -- changing the password (AT+CIPSW) ---------------------------------------------------------
@pytest.mark.req("R-AT-3", "R-AT-4", "R-AT-7")
def test_cipsw_changes_the_password(world, host):
    connect_dc1(world, host, "AT+CICOMAT=1", "AT+CINETAT=1", 'AT+CIPSW="usr.cn","s3cret"')
    host.drain()
    old = b"usr.cn#AT+CIVER?\r"
    host.write(old)  # the old password: no command, so data for the server (R-AT-3)
    assert world.wait_server_received(len(old)) == old
    assert host.quiet(0.5) == b""
    host.write("s3cret#AT+CIVER?\r")
    host.expect(VERSION)
    world.server_send(b"usr.cn#AT+CIVER?")
    assert world.wait_server_received(len(old) + 7) == old + b"ERROR\r\n"
    world.server_send(b"s3cret#AT+CIVER?")
    world.wait(lambda: world.server("dc1").received.endswith(b"OK\r\n"), 10, "the reply")
    got = world.server_received()
    reply = rb"ERROR\r\n\+CIVER: [^\r]+\r\nOK\r\n"
    assert got.startswith(old) and re.fullmatch(reply, got[len(old) :])
    # and back, with the new password over the network
    world.server_send(b"s3cret#AT+CIPSW=s3cret,usr.cn")
    world.wait(lambda: world.server("dc1").received.count(b"OK\r\n") == 2, 10, "the reply")
    host.write("usr.cn#AT+CIVER?\r")
    host.expect(VERSION)
