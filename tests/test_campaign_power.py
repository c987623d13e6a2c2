"""The power-loss campaign (dtulab/campaign/power.py) on both targets, short as in CI.

Each scenario learns its fault points from a clean run and cuts the power at
each; every point must pass on the reference DTU and on the firmware under
QEMU. The firmware built with ``make UNSAFE_STORE=1`` (one settings copy,
written in place) must be caught, and the failing point must reproduce with
``--only``.
"""

from __future__ import annotations

import json
import random

import allure
import pytest

from dtulab.campaign import Options
from dtulab.campaign.core import FAILED, PASSED, UNSUPPORTED, Point, run_campaign, try_point
from dtulab.campaign.power import RECORD_LENGTH, PowerCampaign, record, whole_records
from dtulab.campaign.report import table, write
from dtulab.cli import main
from dtulab.platforms.firmware import make_firmware


@pytest.fixture(scope="module")
def unsafe_elf() -> str:
    return str(make_firmware("UNSAFE_STORE=1"))


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("target", ["reference", "qemu", "native"])
@pytest.mark.parametrize("scenario", ["atw", "cireload", "cipsw", "transparent"])
@pytest.mark.req("R-AT-7", "R-PWR-1")
def test_every_point_passes(target, scenario, tmp_path):
    outcomes = run_campaign(
        "power", Options(target=target, scenario=scenario, short=True), out=tmp_path
    )
    assert len(outcomes) >= 6
    assert [o.point.id for o in outcomes if o.status != PASSED] == [], [
        (o.point.id, o.status, o.invariant, o.detail) for o in outcomes if o.status != PASSED
    ]
    allure.attach.file(
        str(tmp_path / "campaign.html"),
        f"power campaign {scenario} on {target}",
        allure.attachment_type.HTML,
    )
    saved = json.loads((tmp_path / "campaign.json").read_text())
    assert [o["status"] for o in saved["outcomes"]] == [PASSED] * len(outcomes)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_store_without_the_power_safe_scheme_is_caught(unsafe_elf, tmp_path):
    options = Options(
        target="qemu", scenario="atw", short=True, target_options={"firmware": unsafe_elf}
    )
    allure = tmp_path / "allure"
    outcomes = run_campaign("power", options, out=tmp_path, allure_dir=allure)
    failed = [o for o in outcomes if o.status == FAILED]
    assert failed, "the unsafe store survived every cut"
    first = failed[0]
    assert first.invariant == "settings old or new in full"
    assert "modem transcript" in first.evidence and "timeline" in first.evidence
    assert f"--only {first.point.id}" in first.reproduce
    assert "FAILED" in (tmp_path / "campaign.html").read_text()
    results = [json.loads(p.read_text()) for p in allure.glob("*-result.json")]
    assert {r["status"] for r in results} >= {"failed", "passed"}
    again = run_campaign("power", options, only=first.point.id)
    assert [(o.point.id, o.status, o.invariant) for o in again] == [
        (first.point.id, FAILED, first.invariant)
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["campaign", "power"], "needs --scenario"),
        (["campaign", "power", "--scenario", "atw", "--only", "eeprom:999"], "no point"),
    ],
)
def test_bad_campaign_arguments_are_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 or message in err[-1]
    assert message in err[-1]


def test_an_unknown_scenario_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["campaign", "power", "--scenario", "nope"])
    assert exc.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_records_check_takes_a_record_cut_by_the_power_and_nothing_else():
    rng = random.Random(1)
    sent = b"".join(record("dn", i, rng) for i in range(4))
    a, b, c, d = (sent[i * RECORD_LENGTH : (i + 1) * RECORD_LENGTH] for i in range(4))
    assert whole_records(a + b + c[:17], sent, prefix=False, cut_last=True)
    assert not whole_records(a + b + c[:17], sent, prefix=False)  # the uplink's rule
    assert not whole_records(a + c[:17], sent, prefix=False, cut_last=True)  # b missing
    assert not whole_records(a + b[:5] + c, sent, prefix=False, cut_last=True)  # b cut inside
    assert not whole_records(b + c + d, sent)  # the first record missing
    assert whole_records(b + c + d, sent, prefix=False)


def test_an_unsupported_point_is_never_run_and_reads_as_such(tmp_path):
    """A point the target cannot do: its reason in the table, campaign.json and Allure
    (skipped), and no bench started for it."""
    why = "unsupported on labgrid: its EEPROM writes cannot be seen, so no cut can be timed to one"
    point = Point("eeprom:*", "a cut before each EEPROM write of the action", why)
    campaign = PowerCampaign(Options(target="reference", scenario="atw"))
    outcome = try_point(campaign, point)
    assert (outcome.status, outcome.detail, outcome.evidence) == (UNSUPPORTED, why, {})
    text = table([outcome])
    assert f"eeprom:*    unsupported  : {why}" in text
    assert "1 points: 0 passed, 0 failed, 0 not reached, 1 unsupported" in text
    write(tmp_path, tmp_path / "allure", "power", {}, [outcome])
    saved = json.loads((tmp_path / "campaign.json").read_text())["outcomes"][0]
    assert (saved["status"], saved["point"]["unsupported"]) == (UNSUPPORTED, why)
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure").glob("*-result.json")]
    assert sorted(r["status"] for r in results) == ["passed", "skipped"]
