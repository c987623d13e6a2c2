"""The labgrid target drives a DTU through a real labgrid coordinator, exporter and ser2net.

The rig (dtulab/labrig.py) is a lab in a box on loopback: the "device" is a
DTU run by ``dtulab run --io`` on a pty, put on the network by Debian's
ser2net, its relay and LED sense lines an HTTP I/O module; a real
``labgrid-coordinator`` and ``labgrid-exporter`` publish them and the test's
place is acquired. A device with a planted defect (the firmware built with
NET_NO_RESEND, under QEMU) fails the same check on the labgrid target as on
the qemu target, and a sound device passes it on both.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pexpect
import pytest

from dtulab.host import DtuHost
from dtulab.labrig import Rig, env_file
from dtulab.platforms import Unsupported
from dtulab.platforms.base import CAPABILITIES, TargetError
from dtulab.world import World, WorldConfig
from tests.conftest import NORESEND

# scripts/test runs the labgrid tests in one process of their own (labgrid keeps one
# coordinator, so one rig, per process); their results count for the labgrid target
pytestmark = [pytest.mark.slow, pytest.mark.labgrid, pytest.mark.world(target="labgrid")]


def bench(rig: Rig, tmp_path: Path, place: int = 0, **options: Any) -> World:
    """A bench on a place of the rig. The device outlives benches (a test before may have
    left it in command mode): it is put back in transparent mode, as a lab's host would."""
    config = WorldConfig(
        target="labgrid", lg_env=str(rig.env_files[place]), state_dir=str(tmp_path), **options
    )
    world = World(config).start()
    if config.power_on:
        with world.host() as host:
            to_transparent(host)
    return world


def to_transparent(host: DtuHost) -> None:
    """AT+ENTM in command mode; in transparent mode only data for sockets nobody has."""
    host.write("\rAT+ENTM\r")
    host.wait_silence(0.5)


@pytest.mark.req("R-LED-1", "R-LED-2", "R-PWR-1", "R-AT-1")
def test_console_power_and_leds_through_labgrid(rig, tmp_path):
    world = bench(rig, tmp_path)
    try:
        assert world.target.has("power") and world.target.has("leds")
        world.wait_led("NET", True, 60)  # the relay closed at start: the device has GPRS
        with world.host() as host:
            host.enter_command_mode()
            assert host.at("AT+CIVER?")[0].startswith("+CIVER:")
            host.leave_command_mode()
        world.cut_power()
        assert not world.leds["POW"].on  # read from its sense line once the cut settled
        world.power_on()
        world.wait_led("POW", True, 10)
        world.wait_led("NET", True, 60)
        for capability in ("rails", "eeprom", "modem"):
            why = re.escape(f"unsupported on labgrid: {CAPABILITIES[capability]}")
            with pytest.raises(Unsupported, match=why):
                world.target.require(capability)
        assert "RS232" in world.timeline()  # the bridged bytes are in the transcript
    finally:
        world.stop()


def test_power_on_waits_for_the_boot_rule_and_says_when_it_never_comes(rig, tmp_path):
    """The environment's options give the device's boot rule (a banner it never prints)."""
    env = tmp_path / "env.yaml"
    boot = {"dtulab_boot": "NO SUCH BANNER", "dtulab_boot_timeout": 3}
    env.write_text(env_file(rig.places[0], rig.coordinator, boot))
    config = WorldConfig(target="labgrid", lg_env=str(env), state_dir=str(tmp_path), power_on=False)
    world = World(config).start()
    try:
        with pytest.raises(TargetError, match="did not print /NO SUCH BANNER/ within 3 s"):
            world.power_on()
    finally:
        world.stop()


def test_a_missing_environment_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("LG_ENV", raising=False)
    with pytest.raises(ValueError, match="needs an environment file"):
        World(WorldConfig(target="labgrid", state_dir=str(tmp_path))).start()


@pytest.mark.req("R-AT-1")
def test_dtulab_run_on_the_labgrid_target_from_a_terminal(rig, tmp_path):
    """The user's path: `dtulab run --target labgrid --lg-env FILE` on a terminal, the host on
    the bench's pty, a control command, Ctrl-C."""
    dtulab = str(Path(sys.executable).with_name("dtulab"))
    child = pexpect.spawn(
        dtulab, ["run", "--target", "labgrid", "--lg-env", str(rig.env_files[0]),
                 "--timing", "fast"],
        encoding="utf-8", timeout=120, dimensions=(50, 220),
    )  # fmt: skip
    try:
        child.expect(r"dtulab: labgrid DTU, RS232 on (\S+) \(timing: fast\)")
        port = child.match.group(1)
        child.expect(r"POW ● NET ● DATA ○ \| .* \| labgrid main \(leds, power, sms\)")
        from dtulab.host import DtuHost

        with DtuHost(port) as pile:
            to_transparent(pile)
            pile.enter_command_mode()
            assert pile.at("AT+CIVER?")[-1] == "OK"
            pile.leave_command_mode()
        child.sendline("power off")
        child.expect("power off")
        child.expect(r"POW ○ NET ○ DATA ○")
        child.sendintr()
        child.expect("dtulab: stopped", 60)
        child.expect(pexpect.EOF, 60)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


OUTAGE = 3.0  # seconds the data centre stays down after the record: part of the scenario


def record_survives_a_server_outage(world: World) -> None:
    """R-NET-2: a record the pile sends while the data centre is down reaches it once it is
    back (a socket to dc1; dc1 down; the record; OUTAGE s later dc1 back). The outage has a
    length of its own because a real device's UART cannot be watched taking the bytes: the
    record must be in the DTU before the server returns on every target alike."""
    port = world.server("dc1").port
    with world.host() as host:
        host.enter_command_mode()
        host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{port},1')
        host.leave_command_mode()
        world.wait_connections(1, timeout=60)
        world.run(world.server("dc1").stop())
        record = b"BILL-0042-" + b"x" * 200 + b"-END"
        host.write(record)
        world.wait_rs232_taken(len(record))
        time.sleep(OUTAGE)
        world.run(world.server("dc1").start())
        world.server_should_receive(record, timeout=20)


@pytest.mark.req("R-NET-2")
@pytest.mark.timeout(400)
@pytest.mark.parametrize("defect", [False, True], ids=["reference", "noresend"])
def test_a_planted_defect_fails_alike_on_labgrid_and_its_own_target(rig, defect, tmp_path):
    """The same check on a device through labgrid and on the same firmware as a target of
    its own: the reference passes both ways, the NET_NO_RESEND build fails both ways."""
    verdicts = []
    direct = WorldConfig(state_dir=str(tmp_path / "direct"))
    if defect:
        direct = replace(direct, target="qemu", firmware=str(NORESEND))
    for make in (lambda: bench(rig, tmp_path / "lab", int(defect)),
                 lambda: World(direct).start()):  # fmt: skip
        world = make()
        try:
            world.wait_led("NET", True, 120)
            record_survives_a_server_outage(world)
            verdicts.append("pass")
        except AssertionError as exc:
            assert re.search(r"server dc1: expected b'BILL-0042", str(exc)), exc
            verdicts.append("fail")
        finally:
            world.stop()
    assert verdicts == (["fail", "fail"] if defect else ["pass", "pass"])
