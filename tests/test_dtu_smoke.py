"""The reference DTU boots and carries data (a first end-to-end check)."""

import pytest

from tests.conftest import configure


@pytest.mark.req("R-NET-1", "R-AT-1", "R-AT-2")
def test_transparent_round_trip(world, host):
    port = world.server("dc1").port
    configure(host, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    world.wait_connections(1)
    host.write("hello server")
    assert world.wait_server_received(12) == b"hello server"
    world.server_send(b"hello host")
    host.expect("hello host")
