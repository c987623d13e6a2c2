"""``dtulab diff``: scenarios drawn from the grammar, played on two targets, compared, shrunk.

The grammar and the comparison are checked on their own (no bench). Then as a user runs it:
``dtulab diff`` as a process on the reference against itself finds nothing; on the reference
against the firmware with one reply changed (``make -C firmware variants``:
dtu-planted.elf) it finds the difference, shrinks it to a few steps and writes a pytest and
a Robot reproducer, which fail while the targets differ.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from robot.run import run as run_robot

from dtulab.diff.grammar import LINES, no_escape, scenarios
from dtulab.diff.observe import Observation, compare
from dtulab.diff.scenario import step_from_json, step_to_json
from dtulab.diff.steps import (
    Command,
    CutSave,
    Data,
    Escape,
    Outage,
    PowerCycle,
    ServerClose,
    ServerSend,
    SmsIn,
)
from dtulab.platforms.firmware import make_firmware
from tests.test_cli_session import DTULAB


@settings(max_examples=200, deadline=None)
@given(scenarios(max_steps=12))
def test_a_scenario_keeps_to_the_mode_the_dtu_is_in(steps):
    command_mode = False
    for step in steps:
        if command_mode:
            assert isinstance(step, (Command, ServerSend, SmsIn, CutSave)), step
            command_mode = not isinstance(step, CutSave) and (
                not isinstance(step, Command) or step.line != "AT+ENTM"
            )
        else:
            kinds = (Data, ServerSend, SmsIn, PowerCycle, Escape, ServerClose, Outage)
            assert isinstance(step, kinds), step
            command_mode = isinstance(step, Escape)
        if isinstance(step, (Data, ServerSend, Outage)):
            assert step.data and b"+++" not in step.data  # the escape is a step of its own
    assert [step_from_json(step_to_json(s)) for s in steps] == steps


def test_no_escape_leaves_no_plus_run():
    assert no_escape(b"a+++b++++++c") == b"a++b++c"
    assert no_escape(b"+") == b"+"


def test_the_command_lines_cover_the_contracts_boundaries_and_queries():
    assert "AT+CISOCLINK=2,SHORT,1" in LINES and "AT+CISOCLINK=2,SHORT,256" in LINES  # both sides
    assert "AT+CIVER?" in LINES and "ATW" in LINES


def test_unknown_steps_are_refused():
    with pytest.raises(ValueError, match="unknown step 'jump'"):
        step_from_json({"step": "jump"})


def observation(rs232: str, settings: tuple[str, ...] = ()) -> Observation:
    return Observation(outcomes=("online",), rs232=rs232, dc1="", settings=settings)


def test_only_what_the_manual_allows_is_normalised():
    ref = observation(
        "+CIVER: dtulab-reference 1.0\r\nOK", ('+CIPSTART:1,"TCP","127.0.0.1",40001',)
    )
    fw = observation("+CIVER: dtu-fw 0.3\r\nOK", ('+CIPSTART:1,"TCP","127.0.0.1",40002',))
    assert compare(ref.normalised(40001), fw.normalised(40002)) == []
    assert ref.normalised(40001).settings == ('+CIPSTART:1,"TCP","127.0.0.1",<dc1 port>',)
    other = observation("+CIVER: dtu-fw 0.3\r\nERROR").normalised(40002)
    assert [d.part for d in compare(ref.normalised(40001), other)] == ["rs232", "settings"]


def dtulab_diff(*argv: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DTULAB, "diff", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--targets", "reference"],
        ["--targets", "reference,nosuch"],
        ["--budget", "0"],
        ["--budget", "soon"],
        ["--steps", "0"],
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(argv):
    done = dtulab_diff(*argv, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(f"dtulab: error: argument {argv[0]}:"), done.stderr


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_target_against_itself_shows_no_difference(tmp_path):
    done = dtulab_diff("--targets", "reference,reference", "--budget", "20s", "--steps", "4",
                       "--out", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no difference" in done.stdout
    assert "searching: scenario 2" in done.stderr  # it played more than one
    assert (tmp_path / "diff.html").is_file() and not (tmp_path / "scenario.json").exists()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_planted_difference_is_found_shrunk_and_reproduced(tmp_path):
    elf = make_firmware("build/dtu-planted.elf")  # the ERROR result code answered as "ERR"
    done = dtulab_diff("--targets", "reference,qemu", "--firmware", str(elf), "--seed", "1",
                       "--steps", "6", "--budget", "90s", "--out", str(tmp_path))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    scenario = json.loads((tmp_path / "scenario.json").read_text())
    assert 1 <= len(scenario["steps"]) <= 3, scenario  # shrunk to a few steps
    kinds = [step["step"] for step in scenario["steps"]]
    assert "escape" in kinds and kinds[-1] == "command", kinds  # into command mode, a bad line
    assert "\\r\\nERR\\r\\n" in done.stdout and "\\r\\nERROR\\r\\n" in done.stdout
    page = (tmp_path / "diff.html").read_text()
    assert "class='differs'" in page and "seen again on a second run" in page
    # the reproducers fail while the targets differ
    test = next(tmp_path.glob("test_diff_seed1.py"))
    run = subprocess.run([str(Path(DTULAB).with_name("python")), "-m", "pytest", "-q",
                          "-p", "no:cacheprovider", str(test)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)  # fmt: skip
    assert run.returncode == 1 and "the targets differ" in run.stdout, run.stdout
    robot = next(tmp_path.glob("diff_seed1.robot"))
    assert run_robot(str(robot), outputdir=str(tmp_path / "robot"), stdout=None) == 1
