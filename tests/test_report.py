"""The conformance summary, from real pytest-style and Robot results."""

import io
import json

from robot.run import run as run_robot

from dtulab import report

SUITE = """*** Test Cases ***
Passes
    [Tags]    R-NET-1
    Log    ok
Fails
    [Tags]    R-NET-2
    Fail    the server got nothing
Unsupported Here
    [Tags]    R-LED-1    needs-leds
    Skip    unsupported on serial: its LEDs cannot be observed
"""


def test_verdicts_per_requirement_and_target(tmp_path):
    build = tmp_path / "build"
    (build / "robot" / "serial").mkdir(parents=True)
    suite = tmp_path / "suite.robot"
    suite.write_text(SUITE)
    run_robot(str(suite), outputdir=str(build / "robot" / "serial"), output="output.xml",
              log="NONE", report="NONE", stdout=io.StringIO())  # fmt: skip
    (build / "pytest-requirements.json").write_text(
        json.dumps([
            {"name": "t1", "reqs": ["R-NET-1", "R-NET-2"], "outcome": "passed"},
            {"name": "t2", "reqs": ["R-NET-2"], "outcome": "failed"},
            {"name": "t3", "reqs": ["R-LED-1"], "target": "renode", "outcome": "skipped",
             "reason": "unsupported on renode: Renode not installed"},
            {"name": "t4", "reqs": ["R-SMS-1"], "outcome": "skipped", "reason": "later"},
        ])
    )  # fmt: skip
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text("- **R-NET-1** a\n- **R-NET-2** b\n- **R-LED-1** c\n- **R-SMS-1** d\n")
    targets, rows = report.write(build, behaviour, tmp_path / "out")
    assert targets == ["reference", "renode", "serial"]
    assert rows == [
        ["R-NET-1", "pass", "not run", "pass"],
        ["R-NET-2", "fail", "not run", "fail"],
        ["R-LED-1", "not run", "unsupported", "unsupported"],
        ["R-SMS-1", "not run", "not run", "not run"],
    ]
    md = (tmp_path / "out" / "conformance.md").read_text()
    assert "| R-LED-1 | not run | unsupported | unsupported |" in md
    page = (tmp_path / "out" / "conformance.html").read_text()
    assert "unsupported on serial: its LEDs cannot be observed" in page
    assert "pytest t3: unsupported on renode: Renode not installed" in page
