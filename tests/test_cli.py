"""The ``dtulab`` command line, run as a real process."""

import re
import signal
import subprocess
import sys
import time

import pytest

from dtulab.console import Console
from dtulab.netfaults import SERVER_FAULTS
from dtulab.peripherals.gsm_modem.faults import FAULTS

DTULAB = [sys.executable, "-m", "dtulab.cli"]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["modem", "--link", "serial"],
        ["modem", "--link", "tcp:127.0.0.1:99999"],
        ["modem", "--link", "tcp:nohost"],
        ["modem", "--timing", "slow"],
        ["modem", "--fault", "meteor"],
        ["modem", "--fault", "latency:ms=abc"],
        ["modem", "--fault", "latency:speed=3"],
    ],
)
def test_bad_arguments_one_line_exit_2(argv):
    done = subprocess.run(DTULAB + argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("dtulab: error: ")
    assert "Traceback" not in done.stderr


def test_faults_lists_every_fault():
    done = subprocess.run([*DTULAB, "faults"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    rows = [line.split()[:2] for line in done.stdout.splitlines()]
    assert {name for name, where in rows if where == "modem"} == set(FAULTS)
    assert {name for name, where in rows if where == "server"} == set(SERVER_FAULTS)


def start_modem(*extra: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [*DTULAB, "modem", "--timing", "fast", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    first = proc.stdout.readline()
    match = re.search(r"model on (\S+)", first)
    assert match, (first, proc.stderr.read() if proc.poll() is not None else "")
    proc.stdout.readline()  # the help hint
    return proc, match.group(1)


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return out


def test_modem_on_a_pty_with_control_commands(tmp_path):
    transcript = tmp_path / "link.txt"
    proc, port = start_modem("--fault", "signal:rssi=7", "--transcript", str(transcript))
    try:
        with Console(port) as console:  # opening a port drops what it held: the boot URCs
            for word in ("off", "on"):  # so the modem boots again, with the port open
                proc.stdin.write(f"power {word}\n")
                proc.stdin.flush()
                assert proc.stdout.readline().strip() == f"power {word}"
                if word == "off":  # a boot still running when the port opened ends here:
                    console.quiet(0.5)  # what it had sent is read and dropped
            console.expect("SMS Ready")
            assert console.command("ATE0") == ["ATE0", "OK"]
            assert console.command("AT+CSQ") in (["+CSQ: 7,0", "OK"], ["+CSQ: 99,99", "OK"])
            proc.stdin.write("status\n")
            proc.stdin.flush()
            assert "faults: signal(rssi=7, ber=0)" in proc.stdout.readline()
            proc.stdin.write("sms +8613912345678 hello from the CLI\n")
            proc.stdin.flush()
            assert "handed to the SMS centre" in proc.stdout.readline()
            index = console.expect_re(rb'\+CMTI: "SM",(\d+)\r\n').group(1).decode()
            assert console.command("AT+CMGF=1")[-1] == "OK"
            assert console.command(f"AT+CMGR={index}")[-2] == "hello from the CLI"
            proc.stdin.write("frobnicate\n")
            proc.stdin.flush()
            assert proc.stdout.readline().startswith("error: unknown command 'frobnicate'")
    finally:
        out = stop(proc)
    assert "modem: stopped" in out
    assert "rx  b'AT+CSQ\\r'" in transcript.read_text()


def test_modem_on_tcp():
    proc, port = start_modem("--link", "tcp:127.0.0.1:0")
    try:
        assert port.startswith("socket://127.0.0.1:")
        with Console(port) as console:
            console.sync()
            assert console.command("ATE0") in (["ATE0", "OK"], ["OK"])
            assert console.command("AT+CGMI") == ["SIMCOM_Ltd", "OK"]
    finally:
        stop(proc)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--target", "vax"], "invalid choice"),
        (["run", "--rs232", "serial0"], "unknown link"),
        (["run", "--config", "/no/such/bench.toml"], "cannot read bench file"),
        (["run", "--bind", "lab-pc"], "bind: expected an IP address"),
        (["run", "--advertise", "dc.example.net:0"], "advertise: port must be 1..65535"),
        (["run", "--bind", "0.0.0.0"], "give advertise HOST"),
        (["run", "--bind", "192.0.2.1"], "cannot listen on 192.0.2.1"),
    ],
)
def test_run_bad_arguments(argv, message):
    done = subprocess.run([*DTULAB, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timing = "slow"\n', "timing: expected one of fast, realistic"),
        ("colour = 3\n", "unknown key 'colour'"),
        ('[[faults]]\nname = "meteor"\n', "unknown fault 'meteor'"),
        ("[[servers]]\nport = 70000\n", "servers[0].port"),
        ('[[sockets]]\nserver = "nowhere"\n', "sockets[0].server: no server 'nowhere'"),
        ("target = [\n", "not valid TOML"),
        ('bind = "everywhere"\n', "bind: expected an IP address"),
        ('advertise = "a b"\n', "advertise: expected HOST or HOST:PORT"),
        ('advertise = "h:1"\n[[servers]]\n[[servers]]\n', "a port needs exactly one"),
    ],
)
def test_run_bad_bench_file(tmp_path, text, message):
    bench = tmp_path / "bench.toml"
    bench.write_text(text)
    done = subprocess.run([*DTULAB, "run", "--config", str(bench)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_run_the_reference_dtu_from_a_bench_file(tmp_path):
    from dtulab.host import DtuHost

    bench = tmp_path / "bench.yaml"
    bench.write_text(
        "timing: fast\nstate_dir: state\nservers:\n  - {name: dc1, echo: true}\n"
        "  - {name: sink}\nsockets:\n  - {n: 2, server: sink}\n"
    )
    proc = subprocess.Popen(
        [*DTULAB, "run", "--config", str(bench)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = re.search(r"RS232 on (\S+)", proc.stdout.readline()).group(1)
        server_port = re.search(r"dc1 TCP 127.0.0.1:(\d+)", proc.stdout.readline()).group(1)
        with DtuHost(port) as host:
            while "NET ●" not in proc.stdout.readline():  # the status line shows GPRS up
                pass
            host.enter_command_mode()
            host.at_ok(f'AT+CIPSCONT=1,"TCP","127.0.0.1",{server_port},1')
            host.leave_command_mode()
            host.write("ping through the echo server")
            host.expect("ping through the echo server", timeout=20)
            deadline = time.monotonic() + 20
            while True:  # socket 2 came from the bench file: the sink got the data too
                proc.stdin.write("received sink\n")
                proc.stdin.flush()
                if "ping through" in proc.stdout.readline():
                    break
                assert time.monotonic() < deadline, "the sink never got the data"
    finally:
        out = stop(proc)
    assert "dtulab: stopped" in out
    assert (tmp_path / "state" / "eeprom.bin").stat().st_size == 4096
