"""dtulab's pytest plugin: a DTU on the bench for a lab's own tests.

Installed with dtulab (the ``pytest11`` entry point ``dtulab``), so a test
repository that has ``pip install``-ed dtulab gets these fixtures without a
conftest of its own:

- ``world``: a ``World`` (dtulab/world.py) with the DTU target given by
  ``--dtulab-target`` (reference, qemu, renode, native, serial, labgrid), powered and booted;
  data-centre servers ``dc1``, ``dc2`` (TCP) and ``udp`` on loopback; stopped
  after the test. ``@pytest.mark.world(...)`` changes its configuration.
- ``dtu``: a ``DtuHost`` on the DTU's RS232 port — the manual's host side
  (``+++``, ``at``, ``AT+ENTM``) — once the DTU has GPRS (NET LED on). With
  ``--dtulab-identity DIR`` the first on each target writes what the device
  says it is to ``DIR/<target>.json`` (dtulab/identity.py).
- ``servers``: the world's data-centre servers by name.

A target that cannot run here (Renode not installed, no device on the port)
skips the test with the reason ("unsupported on <target>: ...").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dtulab import identity
from dtulab.datacenter import Server
from dtulab.dialects import dialect
from dtulab.host import DtuHost
from dtulab.platforms import TARGETS, Unsupported
from dtulab.world import ServerConfig, World, WorldConfig


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dtulab", "dtulab: the DTU bench")
    group.addoption(
        "--dtulab-target",
        default="reference",
        choices=sorted(TARGETS),
        help="the DTU target of the world fixture (default: reference)",
    )
    group.addoption(
        "--dtulab-timing",
        default="fast",
        choices=["fast", "realistic"],
        help="modem and DTU timing profile (default: fast)",
    )
    group.addoption("--dtulab-port", default="", help="serial target: the device's port")
    group.addoption(
        "--dtulab-firmware", default="", help="qemu/renode/native target: an image to run"
    )
    group.addoption(
        "--dtulab-identity",
        default="",
        metavar="DIR",
        help="write the device's identity (version, IMEI, firmware hash) to DIR/<target>.json",
    )


REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()  # a test item's phase reports


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "world(**options): WorldConfig options for the world fixture (dtulab)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Each phase's report on the test item, for the world fixture (a failed test's bench
    report)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]  # pluggy's wrapper result
    item.stash.setdefault(REPORTS, {})[report.when] = report


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The DTU of ``--dtulab-target`` on the bench, powered and booted.

    ``@pytest.mark.world(**WorldConfig fields)`` changes the configuration, and so does an
    indirect parameter (``@pytest.mark.parametrize("world", [{"target": "qemu"}],
    indirect=True)``). A failed test gets the bench's transcripts and LED/power timeline
    attached to its report.
    """
    option = request.config.getoption
    options: dict[str, Any] = {
        "target": option("--dtulab-target"),
        "timing": option("--dtulab-timing"),
        "port": option("--dtulab-port"),
        "firmware": option("--dtulab-firmware"),
        "state_dir": str(tmp_path / "state"),
        "servers": [ServerConfig("dc1"), ServerConfig("dc2"), ServerConfig("udp", proto="UDP")],
    }
    marker = request.node.get_closest_marker("world")
    options.update(marker.kwargs if marker else {})
    with contextlib.suppress(AttributeError):  # no indirect parameter: not parametrized
        options.update(request.param)
    bench = World(WorldConfig(**options))
    try:
        bench.start()
    except Unsupported as exc:  # the target cannot run here (e.g. Renode not installed)
        pytest.skip(str(exc))
    try:
        yield bench
        call = request.node.stash.get(REPORTS, {}).get("call")
        if call is not None and call.failed:
            bench.attach_report(tmp_path / "timeline.svg")
    finally:
        bench.stop()


@pytest.fixture
def dtu(world: World, request: pytest.FixtureRequest) -> Iterator[DtuHost]:
    """The host side of the DTU's RS232 port, once the DTU has GPRS (NET LED on). With
    ``--dtulab-identity DIR``, the first of the session on each target asks the device who
    it is, for ``dtulab report`` (dtulab/identity.py)."""
    with world.host() as host:
        world.wait(lambda: world.leds["NET"].on, 30, "NET LED on (GPRS up)")
        if where := request.config.getoption("--dtulab-identity"):
            identity.record(
                request.config.rootpath / where, world, dialect(world.config.dialect, host)
            )
        yield host


@pytest.fixture
def servers(world: World) -> dict[str, Server]:
    """The data-centre servers (loopback) the DTU's sockets can be pointed at, by name."""
    return world.servers
