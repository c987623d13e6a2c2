"""LEDs (manual 2.5, R-LED-1..3) and power (manual 1.1, 1.3, R-PWR-1) seen from outside the DTU."""

import time

import pytest

from tests.conftest import ON_EVERY_TARGET, configure


def led(world, name: str) -> bool:
    return world.call(lambda: world.leds[name].on)


@pytest.mark.req("R-LED-1", "R-PWR-1")
def test_pow_follows_the_supply(world, host):
    assert led(world, "POW")
    world.cut_power()
    world.wait(lambda: not world.leds["POW"].on, 10, "POW off after the cut")
    assert not led(world, "NET") and not led(world, "DATA")
    world.power_on()
    world.wait(lambda: world.leds["POW"].on, 10, "POW on again")


@ON_EVERY_TARGET
@pytest.mark.req("R-PWR-1")
def test_a_power_call_returns_once_the_board_is_in_its_new_state(world, host):
    """What a test sees right after cut_power()/power_on() is the board after the change,
    not before it: a wait on "NET on" after power_on() must not be met by the old boot."""
    boots = world.call(lambda: world.target.boots)
    world.cut_power()
    assert world.call(lambda: [n for n in ("POW", "NET", "DATA") if world.leds[n].on]) == []
    assert world.call(world.target.status) in ("DTU off", "MCU off")
    world.power_on()
    assert world.call(lambda: world.target.boots) == boots + 1
    world.wait(lambda: world.leds["NET"].on, 30, "NET on after the new boot")
    host.enter_command_mode()  # the new boot answers the escape (failed under load before)
    host.leave_command_mode()


@pytest.mark.req("R-LED-2")
def test_net_shows_gprs(world, host):
    assert led(world, "NET")
    fault = world.inject("gprs-detach")
    world.wait(lambda: not world.leds["NET"].on, 20, "NET off without GPRS")
    world.clear(fault)
    world.wait(lambda: world.leds["NET"].on, 30, "NET on again")


@pytest.mark.req("R-LED-3")
def test_data_on_while_connected_and_blinking_while_data_flows(world, host):
    assert not led(world, "DATA")
    configure(host, f'AT+CIPSCONT=1,"TCP","127.0.0.1",{world.server().port},1')
    world.wait(lambda: world.leds["DATA"].on, 20, "DATA on when the socket connects")
    assert not world.call(lambda: world.leds["DATA"].is_blinking(window=1.0))
    for i in range(16):  # a packet every 150 ms (the packing time is 100 ms) for 2.4 s
        host.write(f"packet {i:02d};")
        time.sleep(0.15)
    assert world.call(lambda: world.leds["DATA"].is_blinking(window=1.5))
    world.wait_server_received(16 * 10)
    world.run(world.server().disconnect(0))
    world.inject("blackhole")  # it cannot come back
    world.wait(lambda: not world.leds["DATA"].on, 20, "DATA off without a connection")


@pytest.mark.req("R-PWR-1")
def test_either_input_powers_the_dtu(world, host):
    world.set_rail("dip", 24.0)
    world.set_rail("dc", 0.0)
    assert led(world, "POW")  # the DIP terminal carried it through: no reboot
    world.set_rail("dip", 0.0)
    world.wait(lambda: not world.leds["POW"].on, 10, "off with both inputs at 0 V")
    world.set_rail("dip", 9.0)
    world.wait(lambda: world.leds["NET"].on, 30, "booted from the DIP terminal at 9 V")


@pytest.mark.req("R-PWR-1")
def test_brown_out_holds_the_board_off_and_recovery_is_a_cold_boot(world, host):
    host.enter_command_mode()
    host.at_ok('AT+CIMODID="cold boot"')
    host.at_ok("ATW")
    host.leave_command_mode()
    world.set_rail("dc", 8.0)  # inside the hysteresis: still running
    assert led(world, "POW")
    world.set_rail("dc", 7.0)  # below the brown-out threshold
    world.wait(lambda: not world.leds["POW"].on, 10, "held off below 7.5 V")
    world.set_rail("dc", 8.5)  # not enough to turn on again
    time.sleep(0.5)
    assert not led(world, "POW")
    world.set_rail("dc", 12.0)
    host.expect("\r\ncold boot\r\n", timeout=20)


@pytest.mark.req("R-PWR-1", "R-AT-7")
def test_saved_settings_survive_power_loss_and_unsaved_ones_do_not(world, host):
    host.enter_command_mode()
    host.at_ok('AT+CIPSCONT=1,"TCP","127.0.0.1",5001,1')
    host.at_ok("ATW")
    host.at_ok('AT+CIPSCONT=2,"UDP","127.0.0.1",5002,1')  # not saved
    saved_dump = host.at_ok("AT+CIPSCONT?")
    host.leave_command_mode()
    world.cut_power()
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "booted")
    host.enter_command_mode()
    dump = host.at_ok("AT+CIPSCONT?")
    assert '+CIPSTART:1,"TCP", "127.0.0.1",5001, 1' in dump
    assert '+CIPSTART:2,"TCP", "",0, 0' in dump
    assert dump != saved_dump


@pytest.mark.req("R-AT-7")
def test_cireload_restores_factory_settings(world, host):
    host.enter_command_mode()
    host.at_ok('AT+CIPSCONT=1,"TCP","127.0.0.1",5001,1')
    host.at_ok("AT+CIMOD=4")
    host.at_ok("ATW")
    since = world.now()
    assert host.at("AT+CIRELOAD") == ["OK"]
    world.wait_restart(since)
    host.enter_command_mode()
    assert host.at_ok("AT+CIMOD?") == ["+CIMOD: 0"]
    assert '+CIPSTART:1,"TCP", "",0, 0' in host.at_ok("AT+CIPSCONT?")


@pytest.mark.req("R-LED-1", "R-LED-2")
def test_timeline_picture_shows_leds_rails_and_links(world, host, tmp_path):
    import xml.etree.ElementTree as ET

    world.cut_power()
    world.wait(lambda: not world.leds["POW"].on, 10, "POW off after the cut")
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "booted again")
    text = world.timeline(tmp_path / "timeline.svg")
    assert "POW" in text and "NET" in text and "DATA" in text
    root = ET.fromstring((tmp_path / "timeline.svg").read_text())
    led_spans = [
        e for e in root.iter() if e.get("class") == "led-on" and e.get("data-led") == "POW"
    ]
    assert len(led_spans) == 2  # on, off during the cut, on again


@pytest.mark.req("R-PWR-1")
def test_cuts_triggered_by_a_modem_command_and_by_a_byte_on_rs232(world, host):
    from dtulab.world import on_bytes

    boots = world.call(lambda: world.target.boots)
    world.call(lambda: world.power.arm_cut(on_bytes("modem", b"AT+CIICR")))
    world.cut_power()
    world.power_on()  # the next bring-up sends AT+CIICR: the power goes right then
    world.wait(lambda: not world.power.on, 30, "cut at AT+CIICR")
    world.power_on()
    world.wait(lambda: world.leds["NET"].on, 30, "GPRS up after the second boot")
    assert world.call(lambda: world.target.boots) == boots + 2
    world.call(lambda: world.power.arm_cut(on_bytes("rs232", b"\x00", direction="rx")))
    host.write(b"data \x00 with a NUL")
    world.wait(lambda: not world.power.on, 20, "cut on the NUL from the host")
