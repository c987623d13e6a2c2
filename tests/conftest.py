"""Shared fixtures: a modem model on a real pty, a host console on it, loopback servers."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import allure
import pexpect
import pytest

from dtulab.console import Console
from dtulab.host import DtuHost
from dtulab.labrig import Rig, lab
from dtulab.peripherals.gsm_modem.runner import ModemRunner


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that boots a bench of its own (the ``world`` fixture) takes a second or more:
    it is ``slow``, left out of ``scripts/test --quick`` like those marked by hand."""
    for item in items:
        if "world" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("req"):
        for req in marker.args:
            allure.dynamic.tag(req)


_REQUIREMENT_RESULTS: dict[str, dict] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Each test's requirement IDs, target and dialect travel with its reports (to the
    pytest-xdist controller too), for ``dtulab report``'s conformance summary."""
    outcome = yield
    report = outcome.get_result()
    reqs = [req for marker in item.iter_markers("req") for req in marker.args]
    if reqs:
        report.user_properties += [
            ("reqs", reqs),
            ("target", _bench_setting(item, "target", "reference")),
            ("dialect", _bench_setting(item, "dialect", "usr721")),
        ]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Where the run is summed up (the controller under xdist): each requirement's outcome."""
    properties = dict(report.user_properties)
    reqs = properties.get("reqs")
    if not reqs or (report.when != "call" and report.passed):
        return
    entry = _REQUIREMENT_RESULTS.setdefault(
        report.nodeid,
        {"name": report.nodeid, "reqs": reqs}
        | {key: properties[key] for key in ("target", "dialect")},
    )
    if report.when == "call" or report.failed or report.skipped:
        entry["outcome"] = report.outcome
        if report.skipped and isinstance(report.longrepr, tuple):
            entry["reason"] = str(report.longrepr[-1])  # e.g. "unsupported on renode: ..."


def _bench_setting(item: pytest.Item, name: str, default: str) -> str:
    """The DTU target or dialect a test ran with (the world fixture's parameter, else its
    world marker), for the conformance summary."""
    callspec = getattr(item, "callspec", None)
    param = callspec.params.get("world") if callspec else None
    if isinstance(param, dict) and name in param:
        return param[name]
    marker = item.get_closest_marker("world")
    return marker.kwargs.get(name, default) if marker else default


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _REQUIREMENT_RESULTS and not hasattr(session.config, "workerinput"):
        name = os.environ.get("DTULAB_PYTEST_RESULTS", "pytest-requirements.json")
        path = session.config.rootpath / "build" / name  # dtulab report reads every one
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(list(_REQUIREMENT_RESULTS.values()), indent=1))


@pytest.fixture
def runner() -> Iterator[ModemRunner]:
    """The modem model on a pty with the fast timing profile, booted."""
    with ModemRunner("pty", profile="fast") as r:
        r.wait_ready()
        yield r


@pytest.fixture
def console(runner: ModemRunner) -> Iterator[Console]:
    """A host console on the modem's pty, with echo off and the boot URCs consumed."""
    with Console(runner.port) as c:
        assert c.command("ATE0")[-1] == "OK"
        c.drain()
        yield c


@pytest.fixture
def terminal() -> Iterator[list[pexpect.spawn]]:
    """Spawned ``dtulab`` processes (tests/test_cli_session.py's ``spawn``); each is
    interrupted and reaped at the end."""
    children: list[pexpect.spawn] = []
    yield children
    for child in children:
        if child.isalive():
            child.close(force=True)


# A test that must hold for the firmware too: ``@ON_EVERY_TARGET`` before it.
# (renode where it is installed: elsewhere its half is skipped with the reason)
EVERY_TARGET = ["reference", "qemu", "renode", "native"]
ON_EVERY_TARGET = pytest.mark.parametrize(
    "world", [{"target": t} for t in EVERY_TARGET], indirect=True, ids=EVERY_TARGET
)


# ``world`` (a bench with the DTU, ``@pytest.mark.world`` options, ``--dtulab-target``) and
# ``dtu`` (the host on its RS232 port) come from dtulab's pytest plugin (dtulab/pytest_plugin.py)
@pytest.fixture
def host(dtu: DtuHost) -> DtuHost:
    """The host on the DTU's RS232 port, once the DTU has GPRS (NET LED on)."""
    return dtu


def configure(host: DtuHost, *lines: str, save: bool = False) -> None:
    """Enter command mode, run each usr721 command (each must answer OK), leave again."""
    host.enter_command_mode()
    for line in lines:
        host.at_ok(line)
    if save:
        host.at_ok("ATW")
    host.leave_command_mode()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.01) -> None:
    """Poll ``predicate`` until true; fail with a clear message after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        time.sleep(interval)


def wait_registered(console: Console, timeout: float = 10.0) -> None:
    """What a host library does after boot: poll AT+CREG? and AT+CGATT? until both are up."""
    registered = re.compile(r"\+CREG: \d,[15]\b")
    wait_until(lambda: any(registered.match(x) for x in console.command("AT+CREG?")), timeout, 0.02)
    wait_until(lambda: "+CGATT: 1" in console.command("AT+CGATT?"), timeout, 0.02)


def bring_up_gprs(console: Console, mux: int = 1) -> None:
    """AT+CIPMUX, AT+CSTT, AT+CIICR, AT+CIFSR: the bearer up, state IP STATUS."""
    wait_registered(console)
    assert console.command(f"AT+CIPMUX={mux}")[-1] == "OK"
    assert console.command('AT+CSTT="CMNET"')[-1] == "OK"
    assert console.command("AT+CIICR", timeout=30)[-1] == "OK"
    console.write("AT+CIFSR\r")
    console.expect(b"\r\n10.78.245.128\r\n")


class TcpServer:
    """A real loopback TCP server that accepts connections and records what it receives."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.received: dict[int, bytearray] = {}
        self.ended: set[int] = set()  # clients whose connection ended (FIN or error)
        self.errors: dict[int, OSError] = {}  # how a connection ended, if not by FIN
        self._cond = threading.Condition()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._cond:
                index = len(self.clients)
                self.clients.append(conn)
                self.received[index] = bytearray()
                self._cond.notify_all()
            threading.Thread(target=self._read, args=(index, conn), daemon=True).start()

    def _read(self, index: int, conn: socket.socket) -> None:
        while True:
            try:
                data = conn.recv(65536)
            except OSError as exc:
                data = b""
                self.errors[index] = exc
            with self._cond:
                if not data:
                    self.ended.add(index)
                    self._cond.notify_all()
                    return
                self.received[index] += data
                self._cond.notify_all()

    def wait_client(self, index: int = 0, timeout: float = 10.0) -> socket.socket:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.clients) > index, timeout):
                raise AssertionError(f"no client #{index} connected within {timeout} s")
            return self.clients[index]

    def wait_data(self, size: int, index: int = 0, timeout: float = 10.0) -> bytes:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: index in self.received and len(self.received[index]) >= size, timeout
            )
            got = bytes(self.received.get(index, b""))
        if not ok:
            raise AssertionError(f"server got {got!r}, wanted {size} bytes within {timeout} s")
        return got

    def wait_end(self, index: int = 0, timeout: float = 10.0) -> OSError | None:
        """Wait until client ``index`` is gone; return the error (e.g. a reset) or None for FIN."""
        with self._cond:
            if not self._cond.wait_for(lambda: index in self.ended, timeout):
                raise AssertionError(f"client #{index} still connected after {timeout} s")
            return self.errors.get(index)

    def close(self) -> None:
        self._closed = True
        self.sock.close()
        for conn in self.clients:
            conn.close()


def start_echo_server() -> socket.socket:
    """A real loopback TCP server that echoes back whatever its one client sends."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = server.accept()
        while data := conn.recv(4096):
            conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return server


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = start_echo_server()
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def tcp_server() -> Iterator[TcpServer]:
    server = TcpServer()
    yield server
    server.close()


NORESEND = Path(__file__).parents[1] / "firmware" / "build" / "dtu-noresend.elf"


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A lab in a box (dtulab/labrig.py) for the labgrid tests: dtu-1 the reference DTU,
    dtu-2 the firmware with a planted defect (NET_NO_RESEND) under QEMU. labgrid keeps one
    coordinator session per process, so there is one rig per test process."""
    defect = ("--target", "qemu", "--firmware", str(NORESEND))
    with lab([(), defect], tmp_path_factory.mktemp("lab")) as built:
        yield built
