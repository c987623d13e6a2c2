"""The firmware's coverage report (dtulab/coverage.py) from a real run of the native coverage
build, as the conformance page shows it.

The run writes its counters under a folder of the test's own (gcov's ``GCOV_PREFIX``, beside a
copy of the build's ``.gcno`` notes), so the counters scripts/test's robot-native job is
adding up at the same moment stay its own.
"""

import json
import shutil
from pathlib import Path

from dtulab import coverage, report
from dtulab.platforms.firmware import make_firmware
from dtulab.world import World, WorldConfig
from tests.test_report import BEHAVIOUR


def test_a_run_of_the_coverage_build_is_reported_and_linked(tmp_path, monkeypatch):
    image = make_firmware("native COVERAGE=1")
    prefix = tmp_path / "gcov"
    counters = prefix / coverage.COUNTERS.relative_to("/")
    notes = shutil.ignore_patterns("*.o", "*.d", "*.gcda")
    shutil.copytree(coverage.COUNTERS / "obj", counters / "obj", ignore=notes)
    monkeypatch.setenv("GCOV_PREFIX", str(prefix))
    config = WorldConfig(target="native", firmware=str(image), state_dir=str(tmp_path / "state"))
    with World(config) as world:
        world.wait(lambda: world.leds["NET"].on, 30, "GPRS up")
    # the bench is down: the process was cut, and wrote its counters as it went
    monkeypatch.chdir(tmp_path)
    build = Path("build")  # relative, as `dtulab report` has it by default (gcovr runs elsewhere)
    out = build / "report"
    said = coverage.write(out / "coverage", counters)
    found = coverage.read(out / "coverage")
    assert found is not None and said.startswith(f"coverage: {found.headline()}; ")
    assert 0 < found.lines[0] < found.lines[1] and 0 < found.branches[0] < found.branches[1]
    unreached = {f.name for f in found.unreached}
    assert "dtu_boot" not in unreached and "net_task" not in unreached  # what a boot runs
    assert "cmd_cisend" in unreached  # an AT command no one sent
    assert (out / "coverage" / "index.html").is_file()
    assert "- `cmd_cisend` (dtu/usr721.c:" in (out / "coverage" / "summary.md").read_text()
    # the conformance page leads to it and names what no test reached
    (build / "pytest-requirements.json").write_text(
        json.dumps([{"name": "t", "reqs": ["R-NET-1"], "outcome": "passed"}])
    )
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text(BEHAVIOUR)
    report.write(build, behaviour, out)
    page = (out / "conformance.html").read_text()
    assert found.headline() in page and 'href="coverage/index.html"' in page
    assert "<code>cmd_cisend</code> (dtu/usr721.c)" in page


def test_without_counters_the_report_says_why_and_writes_nothing(tmp_path):
    said = coverage.write(tmp_path / "coverage", tmp_path / "no-counters")
    assert said.startswith(f"coverage skipped: no gcov counters under {tmp_path / 'no-counters'}")
    assert not (tmp_path / "coverage").exists()
    assert coverage.read(tmp_path / "coverage") is None
