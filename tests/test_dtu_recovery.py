"""The reference DTU recovers from every fault the modem model can inject (R-NET-3);
the reference and the firmware (QEMU) switch a powered-down modem on again."""

import pytest

from dtulab.peripherals.gsm_modem.faults import FAULTS
from dtulab.platforms.emulator import EmulatorTarget
from tests.conftest import ON_EVERY_TARGET

PARAMS = {
    "signal": {"rssi": 2},
    "latency": {"ms": 300},
    "bandwidth": {"bps": 9600},
    "undervoltage": {"power_down": 1},
    "socket-reset": {"link": 0},
    "blackhole": {"link": 0},
}


def connected_with_data(world, host) -> None:
    """Socket 1 connected to dc1, and "before" delivered through it."""
    port = world.server("dc1").port
    host.enter_command_mode()
    host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
    host.leave_command_mode()
    world.wait_connections(1)
    host.write("before")
    world.wait_server_received(6)


@pytest.mark.req("R-NET-3")
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_data_flows_again_after_the_fault(world, host, name):
    connected_with_data(world, host)
    fault = world.inject(name, **PARAMS.get(name, {}))
    if not fault.one_shot:
        host.write("during")  # buffered or slowed, never lost
        world.clear(fault)
    world.wait(lambda: world.leds["DATA"].on, 60, f"connected again after {name}")
    host.write("after")
    got = world.wait_server_received(len(world.server_received()) + 5, timeout=60)
    assert got.endswith(b"after")
    assert got.startswith(b"before")
    assert got.count(b"before") == 1 and got.count(b"after") == 1
    if not fault.one_shot:
        assert got.count(b"during") == 1


@pytest.mark.req("R-NET-3")
@ON_EVERY_TARGET
def test_a_modem_that_powered_down_is_switched_on_with_its_power_key(world, host):
    """UNDER-VOLTAGE POWER DOWN: the modem goes off and stays silent until the DTU
    presses its PWRKEY (the reference's Board.modem_pwrkey, the firmware's SCC CFG1
    bit 3); then GPRS, the connection and the data flow come back."""
    connected_with_data(world, host)
    modem = world.modem
    boots = world.call(lambda: modem.boot_count)
    world.inject("undervoltage", power_down=1)
    assert not world.call(lambda: modem.power.on)
    world.wait(lambda: not world.leds["NET"].on, 20, "NET LED off (GPRS lost)")
    world.wait(lambda: modem.power.on, 60, "the DTU pressed the modem's power key")
    assert world.call(lambda: modem.boot_count) == boots + 1
    if isinstance(world.target, EmulatorTarget):  # the firmware on an emulated board
        assert world.target.pwrkey_presses == 1
    world.wait(lambda: world.leds["NET"].on, 60, "NET LED on again (GPRS up)")
    world.wait(lambda: world.leds["DATA"].on, 60, "connected again")
    host.write("after")
    got = world.wait_server_received(len(world.server_received()) + 5, timeout=60)
    assert got.startswith(b"before") and got.endswith(b"after")
    assert got.count(b"before") == 1 and got.count(b"after") == 1
