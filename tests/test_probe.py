"""``dtulab probe``: the dialect of a device on a serial port, as a user runs it.

The probe runs as its own process (the installed ``dtulab`` console script) on a device
that another process exposes on a pty — ``dtulab run`` on the reference DTU and on the
firmware under QEMU — or that a bench in this process runs, whose settings, EEPROM and
servers the test can look at before and after. A port where nothing answers, and a GSM modem
(something that answers, in no DTU dialect), give one clear line and exit 1. The Robot keyword
``Probe Dialect`` runs in a suite of its own on a reference bench.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from robot.run import run as run_robot

from dtulab.console import Console
from dtulab.dialects import DIALECTS, Dialect, UsrSock, dialect
from dtulab.host import DtuHost
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from dtulab.platforms.reference import ReferenceTarget
from dtulab.probe import signatures
from dtulab.world import ServerConfig, World
from tests.test_cli_session import DTULAB, STATUS, interrupt, spawn

ROOT = Path(__file__).resolve().parents[1]
ESCAPE = "entry: escape (+++, a, +ok; back to the work mode with AT+ENTM)"
ONLINE = STATUS.replace("NET (?:●|○)", "NET ●")  # dtulab run's status line once GPRS is up


def dtulab_probe(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DTULAB, "probe", *argv], capture_output=True, text=True, timeout=120, check=False
    )


# What a device says of itself (the version first) and of its settings, per dialect: usr721
# dumps the whole configuration (docs/usr721.md); usr-sock is asked setting by setting.
QUERIES = {
    "usr721": ["AT+CIVER?", "AT+CIPSCONT?"],
    "usr-sock": [
        "AT+VER", "AT+WKMOD?", "AT+SOCKA?", "AT+SOCKAEN?", "AT+SOCKB?", "AT+SOCKBEN?",
        "AT+UART?", "AT+UARTFT?", "AT+UARTFL?", "AT+CMDPW?", "AT+UATEN?", "AT+NATEN?",
        "AT+REGEN?", "AT+HEARTEN?", "AT+RSTIM?",
    ],
}  # fmt: skip
VERSION = {"usr721": "+CIVER: ", "usr-sock": "+VER:"}  # the version line's start


def configuration(port: str, name: str) -> list[str]:
    """The device's answers to ``QUERIES[name]``, read the manual's way: the escape (which
    works only in transparent mode), the queries, AT+ENTM."""
    with DtuHost(port) as host:
        host.enter_command_mode()
        lines = [line for query in QUERIES[name] for line in host.at_ok(query)]
        host.leave_command_mode()
    return lines


def test_every_registered_dialect_tells_the_probe_its_version_command_and_prefixes():
    found = {s.dialect: s for s in signatures()}  # fails if an adapter lacks one of them
    assert set(found) == set(DIALECTS)
    assert all(s.version.upper().startswith("AT") and s.prefixes for s in found.values())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "name"), [("reference", "usr721"), ("qemu", "usr721"), ("reference", "usr-sock")]
)
def test_probe_names_the_dialect_of_a_device_that_dtulab_run_exposes(target, name, terminal):
    device = spawn(terminal, "run", "--target", target, "--dialect", name, "--timing", "fast")
    device.expect(rf"dtulab: {target} DTU, RS232 on (\S+) \(timing: fast\)")
    port = device.match.group(1)
    device.expect(ONLINE)
    before = configuration(port, name)
    done = dtulab_probe("--port", port, "--baud", "115200", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"dialect: {name}",
        f"version: {before[0].removeprefix(VERSION[name])}",
        ESCAPE,
        "prefix: none",
    ]
    assert configuration(port, name) == before  # and the escape worked: transparent mode
    interrupt(device, "dtulab: stopped")


def bench_state(world: World) -> tuple[bytes, bytes, int]:
    """The running settings, the EEPROM's bytes and the boot count of a reference bench."""

    def read() -> tuple[bytes, bytes, int]:
        target = world.target
        assert isinstance(target, ReferenceTarget) and target.dtu is not None
        return target.dtu.settings.to_json(), world.eeprom.snapshot(), target.boots

    return world.call(read)


def online(world: World) -> None:
    world.wait(lambda: world.leds["NET"].on, 60, "NET LED on (GPRS up)")


def connect_to_dc1(world: World, adapter: Dialect) -> None:
    """Socket 1 to dc1, saved (in the bench's dialect): the data path the probe must keep."""
    adapter.enter_command_mode(10)
    adapter.configure_socket(1, "127.0.0.1", world.server("dc1").port, "TCP", True)
    adapter.save_settings()  # usr-sock: AT+S restarts, and the adapter is back in command mode
    adapter.leave_command_mode(10)
    world.wait_connections(1)


BOTH = pytest.mark.parametrize(
    "world",
    [{"dialect": name, "servers": [ServerConfig("dc1")]} for name in ("usr721", "usr-sock")],
    indirect=True,
    ids=["usr721", "usr-sock"],
)


@BOTH
def test_probing_changes_nothing_and_leaves_the_device_in_transparent_mode(world):
    online(world)
    with world.host() as host:
        connect_to_dc1(world, dialect(world.config.dialect, host))
    before = bench_state(world)
    done = dtulab_probe("--port", world.rs232_port, "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"dialect: {world.config.dialect}"
    assert ESCAPE in done.stdout.splitlines()
    assert bench_state(world) == before  # nothing set, saved or restarted
    assert world.server_received() == b""  # nothing of the probe reached the server
    with world.host() as host:  # transparent mode: data goes to the server
        host.write(b"meter 42")
        world.server_should_receive(b"meter 42")


@BOTH
def test_a_device_found_in_command_mode_is_left_there(world):
    online(world)
    with world.host() as host:
        host.enter_command_mode()  # and the host goes away without AT+ENTM
    before = bench_state(world)
    done = dtulab_probe("--port", world.rs232_port, "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"dialect: {world.config.dialect}"
    assert done.stdout.splitlines()[2:] == [
        "entry: command mode (the port was in command mode already; left there)",
        "prefix: none",
    ]
    assert bench_state(world) == before
    with world.host() as host:
        assert host.at("AT") == ["OK"]  # still in command mode: no escape needed
        host.leave_command_mode()


PACK_MS = 5000  # usr-sock's packing interval, and so its escape's guard time (research §A.1)


@pytest.mark.world(dialect="usr-sock", servers=[ServerConfig("dc1")])
def test_a_usr_sock_device_whose_guard_time_is_long_is_found_by_its_password_prefix(world):
    """Serial AT on and a packing interval of 5 s: the probe's ``+++``, less than 5 s after
    the last byte, is data (the server gets it); ``usr.cn#AT+CIVER?`` has the right prefix but
    is no usr-sock command (``+ERR:2``); ``usr.cn#AT+VER`` answers, and the device stays in
    transparent mode with its settings."""
    online(world)
    with world.host() as host:
        adapter = UsrSock(host)
        connect_to_dc1(world, adapter)
        adapter.enter_command_mode(10)
        adapter.set_remote_at("serial", True)
        adapter.set_packing(PACK_MS, 1000)
        adapter.leave_command_mode(10)  # the probe starts well within 5 s of this
        before = bench_state(world)
    done = dtulab_probe("--port", world.rs232_port, "--timeout", str(PACK_MS / 1000 + 3))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "dialect: usr-sock",
        "version: dtulab-reference 0.1.0 (usr-sock)",
        "entry: password (a password-prefixed command in transparent mode; the device stayed "
        "there)",
        "prefix: usr.cn#",
    ]
    assert bench_state(world) == before
    world.server_should_receive(b"+++", timeout=30)  # the escape that was not one
    with world.host() as host:
        host.write(b"meter 42")
        world.server_should_receive(b"meter 42", timeout=30)


def test_a_silent_port_is_one_line_saying_what_was_tried_and_exit_1():
    """Nothing on the other end of a pty: the escape and every prefixed version command go
    unanswered (the given prefix first), and those are the only bytes the probe sent."""
    device, port = os.openpty()
    try:
        done = dtulab_probe("--port", os.ttyname(port), "--timeout", "1", "--prefix", "lab#")
        os.set_blocking(device, False)
        sent = os.read(device, 4096)
    finally:
        os.close(device)
        os.close(port)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "dtulab: error: no known dialect answered: +++ → nothing; lab#AT+CIVER? → nothing; "
        "usr.cn#AT+CIVER? → nothing; lab#AT+VER → nothing; usr.cn#AT+VER → nothing; "
        "test.cn#AT+VER → nothing; a device in transparent mode sent what it refused on to "
        "its servers"
    ]
    assert sent == (
        b"+++lab#AT+CIVER?\rusr.cn#AT+CIVER?\rlab#AT+VER\rusr.cn#AT+VER\rtest.cn#AT+VER\r"
    )


def test_a_gsm_modem_answers_but_in_no_dtu_dialect():
    """The modem model echoes ``+++`` (it is always in command mode) and refuses both
    version commands: the line shows what came back."""
    with ModemRunner("pty", profile="fast") as modem:
        modem.wait_ready()
        with Console(modem.port) as console:
            console.sync()  # booted: no URC comes during the probe
        done = dtulab_probe("--port", modem.port, "--timeout", "5")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "dtulab: error: no known dialect answered: +++ → echoed (command mode); CR → b'\\r'; "
        "AT+CIVER? → ERROR; AT+VER → ERROR"
    ]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--port"],
        ["--port", "/nonexistent/ttyDTU"],
        ["--port", "bogus://device"],
        ["--port", "/dev/null", "--baud", "0"],
        ["--port", "/dev/null", "--baud", "fast"],
        ["--port", "/dev/null", "--timeout", "-1"],
        ["--port", "/dev/null", "--prefix", ""],
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv):
    done = dtulab_probe(*argv)
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("dtulab: error: ")


SUITE = f"""*** Settings ***
Resource          {ROOT / "robot" / "resources" / "dtulab.resource"}
Test Setup        Start Bench    servers=dc1
Test Teardown     Stop Bench

*** Test Cases ***
The Bench's DTU Speaks usr721
    ${{found}} =    Probe Dialect    timeout=10 s
    Should Be Equal    ${{found.dialect}}    usr721
    Should Be Equal    ${{found.entry}}    escape
    Should Be Empty    ${{found.prefix}}
    Enter Command Mode    # the escape works again: the probe left transparent mode as it was
    AT Command Should Answer    AT+CIVER?    +CIVER: ${{found.version}}    OK
"""


@pytest.mark.slow
def test_the_probe_dialect_keyword_in_a_suite(tmp_path):
    suite = tmp_path / "probe.robot"
    suite.write_text(SUITE)
    out = io.StringIO()
    rc = run_robot(
        str(suite), outputdir=str(tmp_path), report="NONE", log="NONE", stdout=out, stderr=out
    )
    assert rc == 0, out.getvalue()
    assert "1 test, 1 passed, 0 failed" in out.getvalue()
