"""A user's sessions with the ``dtulab`` command, taken the way the user takes them.

Each test starts the installed ``dtulab`` console script as a process on a
terminal of its own (a real pty, so the status line is redrawn in place and
Ctrl-C is the terminal's interrupt character), opens the DTU's or modem's
serial pty the way a terminal program does, types control commands on
dtulab's terminal, and stops it with Ctrl-C. The README's first session is
run on every target that can run here; the renode half says why it is skipped
where Renode is not installed.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from pathlib import Path

import pexpect
import pytest

from dtulab.console import Console
from dtulab.host import DtuHost
from dtulab.platforms.base import Unsupported
from dtulab.platforms.renode.machine import find_renode

DTULAB = str(Path(sys.executable).with_name("dtulab"))  # the console script, as installed
START = 120  # seconds: an emulator's first start on a loaded 2-core machine
STATUS = r"POW (?:●|○) NET (?:●|○) DATA (?:●|○) \| DC [\d.]+ V DIP [\d.]+ V (?:on|OFF) \| "


def renode_installed() -> None:
    try:
        find_renode()
    except Unsupported as exc:
        pytest.skip(str(exc))


def spawn(children: list[pexpect.spawn], *argv: str, cwd: Path | None = None) -> pexpect.spawn:
    child = pexpect.spawn(
        DTULAB, list(argv), encoding="utf-8", timeout=START, dimensions=(50, 220), cwd=cwd
    )
    child.logfile_read = io.StringIO()  # everything it printed, for the failure message
    children.append(child)
    return child


def control(child: pexpect.spawn, line: str, reply: str, timeout: float = 30) -> re.Match[str]:
    """Type a control command on dtulab's terminal and wait for its reply."""
    child.sendline(line)
    child.expect(reply, timeout)
    assert isinstance(child.match, re.Match)
    return child.match


def interrupt(child: pexpect.spawn, farewell: str) -> str:
    """Ctrl-C on the terminal: the run stops cleanly with exit code 0."""
    child.sendintr()
    child.expect(farewell, 60)
    child.expect(pexpect.EOF, 60)
    child.close()
    printed = child.logfile_read.getvalue()
    assert child.exitstatus == 0, printed[-3000:]
    assert "Traceback" not in printed, printed[-3000:]
    return printed


@pytest.mark.slow
@pytest.mark.parametrize("target", ["reference", "qemu", "renode", "native"])
def test_run_the_first_session_of_the_readme(target, terminal):
    """`dtulab run`, a terminal on the RS232 pty, a socket to the data centre, data both
    ways through the control commands, the status line throughout, Ctrl-C."""
    if target == "renode":
        renode_installed()
    child = spawn(terminal, "run", "--target", target, "--timing", "fast")
    child.expect(rf"dtulab: {target} DTU, RS232 on (\S+) \(timing: fast\)")
    port = child.match.group(1)
    child.expect(r"data centre: dc1 TCP 127\.0\.0\.1:(\d+)")
    dc1 = int(child.match.group(1))
    child.expect("Ctrl-C to stop")
    child.expect(STATUS.replace("NET (?:●|○)", "NET ●"))  # GPRS up
    image = {"reference": "", "native": r"dtu-native"}.get(target, r"dtu\.elf")
    firmware = rf"{image} running, boot 1" if image else "S1:--"
    with DtuHost(port) as pile:
        pile.enter_command_mode()
        assert pile.at_ok("AT+CIVER?")  # a version line, then OK
        pile.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{dc1},1')
        pile.leave_command_mode()
        child.expect(r"DATA ● \| ")  # the socket is up
        child.expect(STATUS + firmware.replace("S1:--", "S1:up"))  # still drawn
        pile.write("hello")
        deadline = time.monotonic() + 30
        while control(child, "received", r"\r\n(b'.*')\r\n").group(1) != "b'hello'":
            assert time.monotonic() < deadline, "the data centre never got b'hello'"
            time.sleep(0.2)
        control(child, "send hi there", "dc1 sent 8 bytes")
        pile.expect("hi there", 30)
        control(child, "status", STATUS + firmware.replace("S1:--", "S1:up"))
        control(child, "frobnicate", "error: unknown command 'frobnicate'")
        control(child, "rail dc 7", "DC rail at 7 V")
        child.expect(r"POW ○ NET ○ DATA ○ \| DC 7\.0 V DIP 0\.0 V OFF")
        control(child, "rail dc 12", "DC rail at 12 V")
        child.expect(STATUS.replace("NET (?:●|○)", "NET ●"))  # booted again
    interrupt(child, "dtulab: stopped")


def test_run_a_target_that_cannot_run_here_says_why_in_one_line(terminal, monkeypatch):
    monkeypatch.setenv("RENODE", "/nonexistent/renode")
    child = spawn(terminal, "run", "--target", "renode")
    child.expect(pexpect.EOF, 60)
    child.close()
    printed = child.logfile_read.getvalue()
    assert child.exitstatus == 1
    assert printed.strip().splitlines() == [
        "dtulab: error: unsupported on renode: Renode not installed: set RENODE to the renode "
        "launcher or put renode on PATH (docs/targets.md)"
    ]


def test_modem_session_on_a_terminal(terminal):
    child = spawn(terminal, "modem", "--timing", "fast")
    child.expect(r"modem: SIM800 model on (\S+) \(timing: fast\)")
    port = child.match.group(1)
    child.expect("Ctrl-C to stop")
    with Console(port) as host:
        host.sync()
        assert host.command("AT+CGMI")[-2:] == ["SIMCOM_Ltd", "OK"]
        control(child, "fault signal rssi=5", r"fault signal\(rssi=5, ber=0\) applied")
        assert "+CSQ: 5,0" in host.command("AT+CSQ")
        control(child, "sms +8613912345678 hi", "handed to the SMS centre")
        host.expect_re(rb'\+CMTI: "SM",\d+\r\n', 30)
    interrupt(child, "modem: stopped")


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.req("R-NET-2", "R-NET-3", "R-HB-1", "R-LED-3")
def test_short_network_campaign_from_the_command_line(terminal, tmp_path):
    """What CI users run: the progress bar on the terminal, the table, the reports."""
    child = spawn(
        terminal, "campaign", "network", "--target", "reference", "--short",
        "--out", str(tmp_path), "--allure", str(tmp_path / "allure"),
    )  # fmt: skip
    child.expect(r"\[#+\.*\] \d+/\d+", 120)  # the bar, drawn in place
    child.expect(r"(\d+) points: (\d+) passed, (\d+) failed, (\d+) not reached", 400)
    total, passed = int(child.match.group(1)), int(child.match.group(2))
    child.expect(r"reports: (\S+)/campaign\.json")
    out = Path(child.match.group(1))
    child.expect(pexpect.EOF)
    child.close()
    printed = child.logfile_read.getvalue()
    assert child.exitstatus == 0 and total == passed >= 4, printed[-3000:]
    saved = json.loads((out / "campaign.json").read_text())
    assert [o["status"] for o in saved["outcomes"]] == ["passed"] * total
    assert "passed" in (out / "campaign.html").read_text()
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure").glob("*-result.json")]
    assert len(results) == total + 1  # one per point and the summary
    assert {r["status"] for r in results} == {"passed"}


def test_report_from_the_command_line(terminal, tmp_path):
    """`dtulab report` on a build folder: the summary on the terminal, the files, the PDF,
    Allure."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "pytest-requirements.json").write_text(
        json.dumps([{"name": "t1", "reqs": ["R-NET-1"], "outcome": "passed"}])
    )
    allure = build / "allure-results"
    allure.mkdir()
    (allure / "0-result.json").write_text(
        json.dumps({"uuid": "0", "name": "t1", "status": "passed", "start": 1, "stop": 2})
    )
    behaviour = tmp_path / "behaviour.md"
    behaviour.write_text("- **R-NET-1** a\n- **R-NET-2** b\n")
    out = tmp_path / "report"
    child = spawn(
        terminal, "report", "--build", str(build), "--out", str(out),
        "--behaviour", str(behaviour),
    )  # fmt: skip
    child.expect(r"\| R-NET-1 \| pass \|")
    child.expect(r"\| R-NET-2 \| not run \|")
    child.expect(r"report: (PDF [^\r\n]*)\r\n", 300)
    pdf_line = child.match.group(1)
    child.expect(r"report: (Allure HTML in \S+|Allure HTML skipped: .*)\r\n", 300)
    allure_line = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (out / "conformance.md").exists() and (out / "conformance.html").exists()
    assert pdf_line == f"PDF in {out / 'conformance.pdf'}"  # scripts/setup installed chromium
    assert (out / "conformance.pdf").read_bytes().startswith(b"%PDF")
    assert allure_line.startswith("Allure HTML in"), allure_line  # scripts/setup installed it
    assert (out / "allure" / "index.html").exists()


def test_report_without_results_is_one_line_and_exit_2(terminal, tmp_path):
    child = spawn(terminal, "report", "--build", str(tmp_path), cwd=Path(__file__).parents[1])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert child.logfile_read.getvalue().strip().splitlines() == [
        f"dtulab: error: no test results under {tmp_path}: run scripts/test first"
    ]


@pytest.mark.slow
@pytest.mark.req("R-NET-1")
def test_run_the_serial_target_on_a_device_that_dtulab_run_exposes(terminal, tmp_path):
    """A lab's session with a real DTU: `dtulab run --target serial --port DEV --baud N`
    provisions the device through its port (a bench file's socket to dc1) and is its data
    centre. The device is another `dtulab run` on a pty."""
    device = spawn(terminal, "run", "--timing", "fast")
    device.expect(r"dtulab: reference DTU, RS232 on (\S+) \(timing: fast\)")
    port = device.match.group(1)
    device.expect(STATUS.replace("NET (?:●|○)", "NET ●"))  # the device has GPRS
    bench = tmp_path / "lab.toml"
    bench.write_text('[[sockets]]\nn = 1\nserver = "dc1"\n')
    lab = spawn(
        terminal, "run", "--target", "serial", "--port", port, "--baud", "115200",
        "--config", str(bench), "--timing", "fast",
    )  # fmt: skip
    lab.expect(rf"dtulab: serial DTU, RS232 on {re.escape(port)} \(timing: fast\)")
    lab.expect(r"data centre: dc1 TCP 127\.0\.0\.1:(\d+)")
    lab.expect("Ctrl-C to stop")
    with DtuHost(port) as pile:
        deadline = time.monotonic() + 60
        while True:  # the device connects to the lab's dc1 once provisioning restarted it
            pile.write("meter 42")
            if control(lab, "received", r"\r\n(b'.*')\r\n").group(1) != "b''":
                break
            assert time.monotonic() < deadline, "the lab's dc1 never got the pile's data"
            time.sleep(1)
        assert "meter 42" in control(lab, "received", r"\r\n(b'.*')\r\n").group(1)
        control(lab, "send tariff 7", "dc1 sent 8 bytes")
        pile.expect("tariff 7", 30)
        control(lab, "power off", "unsupported on serial")
    interrupt(lab, "dtulab: stopped")
    interrupt(device, "dtulab: stopped")


def test_run_the_serial_target_without_a_port_is_one_line_and_exit_2(terminal):
    child = spawn(terminal, "run", "--target", "serial")
    child.expect(pexpect.EOF, 60)
    child.close()
    assert child.exitstatus == 2
    assert child.logfile_read.getvalue().strip().splitlines() == [
        "dtulab: error: the serial target needs a port (--port DEV: a pyserial URL)"
    ]
