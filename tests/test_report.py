"""The conformance report, from real Robot results (one run on a real bench) and pytest-style
result files, read back as a lab's customer reads it: in a real headless browser and on paper
(the PDF headless Chromium prints)."""

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from robot.run import run as run_robot

from dtulab import __version__, chromium, cli, identity, report
from dtulab.diff.reproduce import write as write_diff
from dtulab.diff.search import Result

ROOT = Path(__file__).resolve().parents[1]
DTULAB_RESOURCE = ROOT / "robot" / "resources" / "dtulab.resource"

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

# a serial run in another AT dialect: what the dialect cannot express is skipped with
# dialects.DialectUnsupported's message; only a skip counts so, never a failure
DIALECT_SUITE = """*** Test Cases ***
Passes In The Dialect
    [Tags]    R-NET-2
    Log    ok
Packing Below 100 ms
    [Tags]    R-NET-2
    Skip    unsupported by the dialect usr-sock: UARTFT is 100..60000 ms
Four Sockets
    [Tags]    R-NET-1
    Skip    unsupported by the dialect usr-sock: two sockets (A and B), not four
LEDs
    [Tags]    R-LED-1
    Skip    unsupported on serial: its LEDs cannot be observed
Saved Settings Survive A Power Cut
    [Tags]    R-AT-7
    Skip    unsupported on serial: its supply cannot be switched
Saved Settings Survive A Restart
    [Tags]    R-AT-7
    Skip    unsupported by the dialect usr-sock: AT+S saves and restarts
A Failure That Names The Dialect
    [Tags]    R-SMS-1
    Fail    unsupported by the dialect usr-sock: but failed, not skipped
"""

# the device of that run, as its first bench would have read it
USR_SOCK_IDENTITY = {
    "target": "serial", "dialect": "usr-sock", "version": "V1.0.5", "imei": "866262034567891",
    "iccid": "89860012345678901234", "firmware": None, "firmware_sha256": None,
    "read_at": "2020-01-02T03:04:05+00:00",
}  # fmt: skip

BENCH_SUITE = f"""*** Settings ***
Resource          {DTULAB_RESOURCE}
Test Setup        Start Bench    servers=dc1
Test Teardown     Stop Bench

*** Test Cases ***
The DTU Leaves Command Mode
    [Tags]    R-AT-2
    Enter Command Mode
    Leave Command Mode
The Bench Logs Its Transcripts When A Test Fails
    [Tags]    R-AT-7
    Fail    deliberately
"""

BEHAVIOUR = """# Spec
## Transparent network mode
- **R-NET-1** Up to 4 sockets, each with its own server,
  enabled independently (CIPSCONT).
- **R-NET-2** Serial data is buffered while a socket is down.
  Interpretation: beyond 15 KB the oldest data is dropped.

- **R-LED-1** POW is on while the DTU is powered.
- **R-SMS-1** Serial data is sent as an SMS.
## AT command mode
- **R-AT-2** AT+ENTM answers OK and returns to the previous mode.
- **R-AT-7** ATW saves the settings to flash; they survive power loss.
- **Modes (R-MODE-1).** an interpretation, not a requirement
"""


def robot_run(suite: str, out: Path, **options) -> None:
    source = out / "suite.robot"
    out.mkdir(parents=True)
    source.write_text(suite)
    run_robot(str(source), outputdir=str(out), output="output.xml", report="NONE",
              stdout=io.StringIO(), stderr=io.StringIO(), **options)  # fmt: skip


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build/ folder as scripts/test leaves it: Robot on a real reference bench (with the
    device's identity and a failed test's timeline), on a serial column and on serial in the
    usr-sock dialect (its folder's name says neither: the run's metadata does), pytest
    results with their JUnit times, log and Allure attachments."""
    build = tmp_path_factory.mktemp("run") / "build"
    robot_run(SUITE, build / "robot" / "serial")
    robot_run(DIALECT_SUITE, build / "robot" / "second-run",
              metadata=["Target:serial", "Dialect:usr-sock"])  # fmt: skip
    (build / "identity").mkdir()
    (build / "identity" / "serial+usr-sock.json").write_text(json.dumps(USR_SOCK_IDENTITY))
    robot_run(BENCH_SUITE, build / "robot" / "reference",
              variable=[f"IDENTITY_DIR:{build / 'identity'}"])  # fmt: skip
    (build / "pytest-requirements.json").write_text(
        json.dumps([
            {"name": "tests/test_a.py::t1", "reqs": ["R-NET-1", "R-NET-2"], "outcome": "passed"},
            {"name": "tests/test_a.py::t2", "reqs": ["R-NET-2"], "outcome": "failed"},
            {"name": "tests/test_a.py::t3[renode]", "reqs": ["R-LED-1"], "target": "renode",
             "outcome": "skipped", "reason": "unsupported on renode: Renode not installed"},
            {"name": "tests/test_a.py::t4", "reqs": ["R-SMS-1"], "outcome": "skipped",
             "reason": "later"},
            {"name": "tests/test_a.py::t5", "reqs": ["R-AT-2"], "dialect": "usr-sock",
             "outcome": "skipped", "reason": "unsupported by the dialect usr-sock: no ENTM"},
        ])
    )  # fmt: skip
    (build / "logs").mkdir()
    (build / "logs" / "pytest.log").write_text("== 4 tests ==\n")
    allure = build / "allure-results"
    allure.mkdir()
    (allure / "a1-attachment.txt").write_text("RS232 transcript\n")
    for start, source in ((1, "old-attachment.txt"), (5, "a1-attachment.txt")):  # newest counts
        (allure / f"{start}-result.json").write_text(json.dumps({
            "name": "t2", "fullName": "tests.test_a#t2", "status": "failed", "start": start,
            "attachments": [{"name": "RS232 transcript", "source": source}],
        }))  # fmt: skip
    (build / "junit").mkdir()
    (build / "junit" / "pytest.xml").write_text(
        '<testsuites><testsuite name="pytest" tests="4" time="75.5"'
        ' timestamp="2020-01-02T03:04:05+00:00"/></testsuites>'
    )
    return build


@pytest.fixture(scope="module")
def made(build: Path) -> tuple[report.Summary, Path]:
    behaviour = build.parent / "behaviour.md"
    behaviour.write_text(BEHAVIOUR)
    out = build / "report"
    return report.write(build, behaviour, out), out


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_requirement_text_is_read_up_to_the_next_bullet_heading_or_blank_line(tmp_path):
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text(BEHAVIOUR)
    reqs = {r.id: r for r in report.requirements(behaviour)}
    assert list(reqs) == ["R-NET-1", "R-NET-2", "R-LED-1", "R-SMS-1", "R-AT-2", "R-AT-7"]
    assert reqs["R-NET-1"].text == (
        "Up to 4 sockets, each with its own server, enabled independently (CIPSCONT)."
    )
    assert reqs["R-NET-2"].text.endswith("Interpretation: beyond 15 KB the oldest data is dropped.")
    assert reqs["R-LED-1"].section == "Transparent network mode"
    assert reqs["R-AT-7"].text == "ATW saves the settings to flash; they survive power loss."


def test_a_column_is_the_target_in_usr721_and_target_plus_dialect_in_another():
    assert identity.column("serial", "usr721") == "serial"
    assert identity.column("serial", "usr-sock") == "serial+usr-sock"
    assert identity.parts("serial+usr-sock") == ("serial", "usr-sock")
    assert identity.parts("serial") == ("serial", "usr721")


@pytest.mark.slow  # a Robot run on a bench of its own
def test_verdicts_per_requirement_target_and_dialect(made):
    grid, out = made
    # usr721's columns first, then usr-sock's (pytest's t5 ran in usr-sock on the reference)
    assert grid.columns == ["reference", "renode", "serial", "reference+usr-sock",
                            "serial+usr-sock"]  # fmt: skip
    assert grid.rows == [
        ["R-NET-1", "pass", "not run", "pass", "not run", "unsupported by dialect"],
        # one test passed in the dialect: a pass (the packing test's reason is in the section)
        ["R-NET-2", "fail", "not run", "fail", "not run", "pass"],
        ["R-LED-1", "not run", "unsupported", "unsupported", "not run", "unsupported"],
        # a failure is a failure whatever its message says
        ["R-SMS-1", "not run", "not run", "not run", "not run", "fail"],
        ["R-AT-2", "pass", "not run", "not run", "unsupported by dialect", "not run"],
        # unsupported on the target and by the dialect: the target's verdict (as in usr721)
        ["R-AT-7", "fail", "not run", "not run", "not run", "unsupported"],
    ]
    assert [grid.verdicts(c) for c in (*grid.columns, "labgrid")] == [4, 0, 2, 0, 2, 0]
    md = (out / "conformance.md").read_text()
    assert "A column TARGET+DIALECT ran in that AT dialect, the others in usr721." in md
    assert "| R-LED-1 | not run | unsupported | unsupported | not run | unsupported |" in md
    assert "| R-AT-7 | fail | not run | not run | not run | unsupported |" in md
    # and why, per column, each reason of an unsupported verdict (of either kind) once
    why = md[md.index("Unsupported in serial+usr-sock, and why:") :]
    assert why.splitlines()[2:6] == [
        "- unsupported by the dialect usr-sock: two sockets (A and B), not four: R-NET-1",
        "- unsupported on serial: its LEDs cannot be observed: R-LED-1",
        "- unsupported on serial: its supply cannot be switched: R-AT-7",
        "- unsupported by the dialect usr-sock: AT+S saves and restarts: R-AT-7",
    ]
    assert "UARTFT" not in md  # R-NET-2 passed: its dialect skip is in the section only
    assert "- unsupported by the dialect usr-sock: no ENTM: R-AT-2" in md


@pytest.mark.slow  # a Robot run on a bench of its own
def test_the_command_fails_when_a_column_has_too_few_verdicts(made, build, capsys):
    """scripts/test's floor: `--least serial=3` fails (serial has 2 verdicts), `=2` passes;
    a dialect's column by its name; a column that is not there is named with those that are."""
    args = ["report", "--build", str(build), "--out", str(build / "least"),
            "--behaviour", str(build.parent / "behaviour.md")]  # fmt: skip
    assert cli.main([*args, "--least", "serial=2", "--least", "reference=4",
                     "--least", "serial+usr-sock=2"]) == 0  # fmt: skip
    assert cli.main([*args, "--least", "serial=3"]) == 1
    assert "report: serial: 2 of 6 requirements have a verdict, fewer than 3" in (
        capsys.readouterr().err
    )
    assert cli.main([*args, "--least", "serial+usr-sock=3", "--least", "qemu+usr-sock=1"]) == 1
    err = capsys.readouterr().err
    assert "report: serial+usr-sock: 2 of 6 requirements have a verdict, fewer than 3\n" in err
    assert (
        "report: qemu+usr-sock: 0 of 6 requirements have a verdict, fewer than 1 (no such"
        " column: reference, renode, serial, reference+usr-sock, serial+usr-sock)"
    ) in err


@pytest.mark.slow  # a Robot run on a bench of its own
def test_the_page_says_what_was_tested_how_and_with_what_outcome(made, build):
    _, out = made
    page = (out / "conformance.html").read_text()
    # the header: dtulab's version, when the tests ran (JUnit and Robot times), what was read
    assert f"<th>dtulab</th><td>{__version__}</td>" in page
    assert "2020-01-02 03:04:05 UTC" in page  # the earliest start: pytest's, in the JUnit XML
    assert "build/robot/reference/output.xml" in page and "build/identity" in page
    # each requirement's text beside its ID, in the summary and in each target's section
    text = "Serial data is buffered while a socket is down. Interpretation: beyond 15 KB"
    assert page.count(text) == 1 + 5
    # the device as the bench read it on the reference target; none where no bench ran
    section = page[page.index('id="target-reference"') : page.index('id="target-renode"')]
    assert "dtulab-reference 0.1.0 (usr721)" in section  # the AT+CIVER? reply
    assert "866262034567891" in section  # the IMEI (AT+CGSN)
    assert 'ICCID</th><td class="mono">not read: no usr721 command gives it' in section
    serial = page[page.index('id="target-serial"') : page.index('id="target-reference+usr')]
    assert "<h2>Target: serial, dialect: usr721</h2>" in serial
    assert "not read: no bench on this target came online" in serial
    # the same target in another dialect: a section of its own, with its own device
    dialect = page[page.index('id="target-serial+usr-sock"') :]
    assert "<h2>Target: serial, dialect: usr-sock</h2>" in dialect
    assert '<td class="mono">V1.0.5</td>' in dialect and "V1.0.5" not in serial
    assert "build/robot/second-run/output.xml" in page
    assert "<b>1 pass, 1 fail, 2 unsupported, 1 unsupported by dialect, 1 not run</b>" in dialect
    assert (
        '<li class="by-dialect-test">unsupported by dialect: robot Suite.Packing Below 100 ms'
        in dialect
    )
    assert "unsupported by the dialect usr-sock: UARTFT is 100..60000 ms" in dialect
    assert (
        "<li>unsupported by the dialect usr-sock: AT+S saves and restarts: R-AT-7</li>" in dialect
    )
    assert '<a href="#serial+usr-sock-R-NET-1">unsupported by dialect</a>' in page
    # the tests behind each verdict, failures with their message, unsupported with the reason
    assert "failed: robot Suite.Fails" in page and "the server got nothing" in page
    assert "unsupported on serial: its LEDs cannot be observed" in page
    assert "unsupported: pytest tests/test_a.py::t3[renode]" in page
    assert "unsupported on renode: Renode not installed" in page
    # and each target says up front why what it could not do is unsupported
    assert "<li>unsupported on serial: its LEDs cannot be observed: R-LED-1</li>" in page
    # links: each test's log, a failed bench test's timeline, pytest's Allure attachment
    assert re.search(r'href="\.\./robot/reference/log\.html#s1-t1">log\.html</a>', page)
    assert re.search(r'href="\.\./robot/reference/timelines/The_Bench_Logs[^"]+\.svg"', page)
    assert 'href="../allure-results/a1-attachment.txt">RS232 transcript</a>' in page
    assert 'href="../logs/pytest.log"' in page
    assert "old-attachment" not in page
    # and every link leads to a file that is there
    parser = Links()
    parser.feed(page)
    files = [h.partition("#")[0] for h in parser.hrefs if not h.startswith("#")]
    assert len(files) >= 8
    assert [f for f in files if not (out / f).is_file()] == []
    # nothing only a mouse can see: no hover titles
    assert "title=" not in page.replace("<title>", "")


@pytest.mark.slow
@pytest.mark.timeout(400)  # two Chromium runs of up to 120 s each on a loaded machine
def test_a_real_browser_shows_the_report_and_prints_it(made):
    """Headless Chromium (Debian's, installed by scripts/setup) builds the page's DOM and
    prints it: requirement texts and verdicts are there, and the PDF is a real one with a
    page per target section after the summary."""
    if chromium.find() is None:
        pytest.fail("chromium not found on PATH: scripts/setup installs Debian's chromium")
    _, out = made
    page = out / "conformance.html"
    dom = chromium.dump_dom(page)
    assert "<h1>Conformance report</h1>" in dom
    assert "ATW saves the settings to flash; they survive power loss." in dom
    # reference: 2, serial: 1, serial+usr-sock: 1
    assert dom.count('<span class="v fail">fail</span>') == 2 + 1 + 1
    assert dom.count('<span class="v unsupported">unsupported</span>') == 2 + 2
    by_dialect = '<span class="v unsupported-by-dialect">unsupported by dialect</span>'
    assert dom.count(by_dialect) == 1 + 1
    pdf = out / "conformance.pdf"
    chromium.print_pdf(page, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 1 + 5  # the summary, then each column from a new page


@pytest.mark.slow  # a Robot run on a bench of its own
def test_the_pdf_is_skipped_with_the_reason_where_chromium_is_missing(made, monkeypatch):
    _, out = made
    monkeypatch.setenv("PATH", str(out))  # a PATH with no chromium on it
    line = report.pdf(out / "conformance.html")
    assert line.startswith("PDF skipped: chromium not found (scripts/setup installs it)")


def test_a_results_file_that_is_not_one_is_named_in_one_error(tmp_path):
    build = tmp_path / "build"
    (build / "identity").mkdir(parents=True)
    (build / "identity" / "qemu.json").write_text('{"target": "qemu"}')
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text(BEHAVIOUR)
    with pytest.raises(report.ReportError, match=r"qemu\.json: not an identity record"):
        report.write(build, behaviour, tmp_path / "out")
    (build / "pytest-requirements.json").write_text("[{")
    with pytest.raises(report.ReportError, match=r"pytest-requirements\.json: not JSON"):
        report.write(build, behaviour, tmp_path / "out")


def test_a_differential_run_beside_the_report_is_linked(build, tmp_path):
    """``dtulab diff --out <report>/diff`` (scripts/test's diff job): its page is linked."""
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text(BEHAVIOUR)
    out = tmp_path / "report"
    page = out / "conformance.html"
    report.write(build, behaviour, out)
    assert "differential run" not in page.read_text()
    write_diff(Result(played=3, seconds=9.0), out / "diff", "dtulab diff", 1, ["a", "b"], {})
    report.write(build, behaviour, out)
    assert 'href="diff/diff.html">differential run</a>' in page.read_text()
    assert "3 scenarios played" in (out / "diff" / "diff.html").read_text()
