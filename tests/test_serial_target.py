"""The serial target drives a DTU over nothing but its RS232 port, as a test lab does.

The "device" here is the reference DTU exposed on a pty by a second bench — the
same path a real DTU on /dev/ttyUSB0 takes; it reaches the lab bench's servers
through its own (modelled) modem.
"""

import re

import pytest

from dtulab.host import DtuHost
from dtulab.platforms import Unsupported
from dtulab.platforms.base import CAPABILITIES
from dtulab.world import ServerConfig, World, WorldConfig


@pytest.mark.req("R-NET-1", "R-AT-1")
def test_serial_target_drives_a_dtu_on_a_pty(tmp_path):
    with World(WorldConfig(state_dir=str(tmp_path / "device"))) as device:
        device.wait(lambda: device.leds["NET"].on, 30, "the device has GPRS")
        lab = WorldConfig(
            target="serial",
            port=device.rs232_port,
            servers=[ServerConfig("lab")],
            state_dir=str(tmp_path / "lab"),
        )
        with World(lab) as bench, DtuHost(bench.rs232_port) as host:
            assert bench.rs232_port == device.rs232_port
            port = bench.server("lab").port
            host.enter_command_mode()
            host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
            host.leave_command_mode()
            bench.wait_connections(1, "lab")
            host.write("hello lab")
            assert bench.wait_server_received(9, "lab") == b"hello lab"
            bench.server_send(b"hello device", "lab")
            host.expect("hello device")
            for capability, why in CAPABILITIES.items():
                with pytest.raises(Unsupported, match=re.escape(f"unsupported on serial: {why}")):
                    bench.target.require(capability)


def test_serial_target_needs_a_port(tmp_path):
    with pytest.raises(ValueError, match="needs a port"):
        World(WorldConfig(target="serial", state_dir=str(tmp_path))).start()


@pytest.mark.req("R-AT-1")
def test_pexpect_console_session(world):
    from dtulab.console import pexpect_session

    world.wait(lambda: world.leds["NET"].on, 30, "GPRS up")
    session = pexpect_session(world.rs232_port)
    try:
        import time

        time.sleep(0.3)  # the silence before the escape
        session.send("+++")
        session.expect("a")
        session.send("a")
        session.expect(r"\+ok")
        session.send("AT+CIVER?\r")
        session.expect(r"\+CIVER: (.+)\r\n")
        assert b"dtulab" in session.match.group(1)
    finally:
        session.close()
