"""The network fault campaign (dtulab/campaign/network.py) on both targets, and that it
catches a DTU that drops what it buffered while the link was down (R-NET-2, R-NET-3).
The short campaign on the reference runs from the command line (test_cli_session.py)."""

from __future__ import annotations

from pathlib import Path

import allure
import pytest

from dtulab.campaign.core import FAILED, PASSED, Options, Outcome, run_campaign
from dtulab.campaign.network import NO_LOSS, NetworkCampaign
from dtulab.platforms.firmware import make_firmware


def short_campaign(tmp_path: Path, target: str, firmware: str = "") -> list[Outcome]:
    """The CI version; its HTML page goes to the Allure report."""
    options = Options(
        target=target, short=True, target_options={"firmware": firmware} if firmware else {}
    )
    outcomes = run_campaign("network", options, out=tmp_path)
    allure.attach.file(
        str(tmp_path / "campaign.html"),
        f"network campaign on {target}",
        allure.attachment_type.HTML,
    )
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    return "\n".join(
        f"{o.point.id}: {o.status} {o.invariant} {o.detail[:300]}\n  {o.reproduce}"
        for o in outcomes
        if o.status != PASSED
    )


def test_the_short_campaign_covers_every_state():
    points = NetworkCampaign(Options(short=True)).points()
    assert {p.id.split("@")[1] for p in points} == {"idle", "sending", "buffering", "connecting"}
    assert len(NetworkCampaign(Options()).points()) == 9 * 4


@pytest.mark.req("R-NET-2", "R-NET-3", "R-HB-1", "R-LED-3")
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_short_campaign_on_qemu(tmp_path):
    outcomes = short_campaign(tmp_path, target="qemu")
    assert all(o.status == PASSED for o in outcomes), summary(outcomes)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_dtu_that_drops_its_buffer_is_caught(tmp_path):
    no_resend = make_firmware("NO_RESEND=1")
    outcomes = short_campaign(tmp_path, target="qemu", firmware=str(no_resend))
    lost = [o for o in outcomes if o.status == FAILED and o.invariant == NO_LOSS]
    assert lost, f"no point caught the lost data:\n{summary(outcomes)}"
