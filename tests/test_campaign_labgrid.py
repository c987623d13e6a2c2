"""The power and network campaigns on a real-DTU target, through labgrid (issue 14).

One rig (tests/conftest.py ``rig``: a real coordinator, exporter and ser2net on loopback;
one coordinator per process, so one rig per test process): ``dtu-1`` the reference DTU,
``dtu-2`` the firmware built with NET_NO_RESEND under QEMU. The short campaigns run
through the labgrid target: the cuts go through the relay at protocol events the bench
sees (RS232 and data-centre bytes), the network faults at the data centre's end; what
the target cannot do is reported unsupported with the reason, never passed. The planted
defect is found through labgrid as on its own target.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import allure
import pytest

from dtulab.campaign.core import FAILED, PASSED, UNSUPPORTED, Options, Outcome, run_campaign
from dtulab.campaign.network import NO_LOSS, SPECS
from dtulab.labrig import Rig
from dtulab.netfaults import MODEL_ONLY
from dtulab.platforms.base import CAPABILITIES

# scripts/test runs the labgrid tests in one process of their own (labgrid keeps one
# coordinator, so one rig, per process); their results count for the labgrid target
pytestmark = [pytest.mark.slow, pytest.mark.labgrid, pytest.mark.world(target="labgrid")]


def campaign(name: str, rig: Rig, out: Path, place: int = 0, scenario: str = "") -> list[Outcome]:
    env = {"lg_env": str(rig.env_files[place])}
    options = Options(target="labgrid", scenario=scenario, short=True, target_options=env)
    outcomes = run_campaign(name, options, out=out)
    allure.attach.file(str(out / "campaign.html"), f"{name} on labgrid", "text/html")
    return outcomes


def problems(outcomes: list[Outcome]) -> list[tuple[str, str, str, str]]:
    return [
        (o.point.id, o.status, o.invariant, o.detail[:300])
        for o in outcomes
        if o.status not in (PASSED, UNSUPPORTED)
    ]


def unsupported(outcomes: list[Outcome]) -> dict[str, str]:
    return {o.point.id: o.detail for o in outcomes if o.status == UNSUPPORTED}


@pytest.mark.req("R-AT-7", "R-PWR-1")
@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("scenario", "kinds", "lacking"),
    [
        ("cipsw", {"rs232", "ok"}, {"eeprom:*": "eeprom", "tear:*": "eeprom"}),
        ("transparent", {"rs232", "net"}, {"prompt:*": "modem", "receive:*": "modem"}),
    ],
)
def test_power_campaign_cuts_at_protocol_events_through_labgrid(
    rig, scenario, kinds, lacking, tmp_path
):
    outcomes = campaign("power", rig, tmp_path, scenario=scenario)
    assert problems(outcomes) == []
    ran = {o.point.id.split(":")[0] for o in outcomes if o.status == PASSED}
    assert ran == kinds
    why = unsupported(outcomes)
    for point, capability in lacking.items():
        assert why[point] == f"unsupported on labgrid: {CAPABILITIES[capability]}"
    saved = json.loads((tmp_path / "campaign.json").read_text())
    assert saved["options"]["target_options"] == {"lg_env": str(rig.env_files[0])}
    assert {o["status"] for o in saved["outcomes"]} == {PASSED, UNSUPPORTED}


@pytest.mark.req("R-NET-2", "R-NET-3", "R-HB-1")
@pytest.mark.timeout(600)
def test_network_campaign_through_labgrid(rig, tmp_path):
    outcomes = campaign("network", rig, tmp_path)
    assert problems(outcomes) == []
    assert {o.point.id for o in outcomes if o.status == PASSED} >= {"socket-reset@sending"}
    why = unsupported(outcomes)
    assert set(why) == {f"{fault}@*" for fault in SPECS if fault in MODEL_ONLY} - {"no-coverage@*"}
    assert "pdp-deact@*" in why and "no server-side equivalent" in why["pdp-deact@*"]


@pytest.mark.req("R-NET-2")
@pytest.mark.timeout(600)
def test_the_network_campaign_finds_a_planted_defect_through_labgrid(rig, tmp_path):
    outcomes = campaign("network", rig, tmp_path, place=1)
    lost = [o for o in outcomes if o.status == FAILED and o.invariant == NO_LOSS]
    assert lost, problems(outcomes)
    assert f"--lg-env {rig.env_files[1]}" in lost[0].reproduce
    assert "modem transcript" not in lost[0].evidence  # the model is not the device's


@pytest.mark.timeout(300)
def test_dtulab_campaign_through_labgrid_from_the_command_line(rig, tmp_path):
    dtulab = str(Path(sys.executable).with_name("dtulab"))
    argv = [dtulab, "campaign", "network", "--target", "labgrid", "--short"]
    argv += ["--lg-env", str(rig.env_files[0]), "--only", "socket-reset@idle"]
    done = subprocess.run(
        [*argv, "--out", str(tmp_path)], capture_output=True, text=True, timeout=280
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 points: 1 passed, 0 failed, 0 not reached, 0 unsupported" in done.stdout
    saved = json.loads((tmp_path / "network-labgrid" / "all" / "campaign.json").read_text())
    assert saved["options"]["target_options"]["lg_env"] == str(rig.env_files[0])
