"""One target's bench for differential runs: every scenario from the same EEPROM image.

``DiffBench`` builds a bench (dtulab/world.py) on its target with one data
centre, ``dc1``, and has the DTU set up socket 1 to it through the RS232 port
in its dialect, saved. That EEPROM image is the start of every scenario: the
board is powered off, the image loaded, the board powered on, and the scenario
begins once the DTU is back on its data centre, from the same state on every
target. After the steps the bench waits for the DTU to settle, reads its LEDs,
reboots it and reads its settings (``Observation``, observe.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from dtulab.dialects import dialect
from dtulab.diff.observe import Observation
from dtulab.diff.steps import Step
from dtulab.host import DtuHost
from dtulab.world import SocketSetup, World, WorldConfig

ONLINE_TIMEOUT = 60.0  # provisioning: the first connection to the data centre
ATTACH_TIMEOUT = 20.0  # a cold boot until NET is on (attached to GPRS)
CONNECT_TIMEOUT = 10.0  # from then until the data centre has the DTU's connection
QUIET = 0.5  # nothing moving for this long: the DTU has settled
QUIET_MAX = 5.0  # settling gives up after this (a heartbeat never settles)
UNSURE = b"<output while the power failed>"  # observe.py: not compared
SMS_PEER = "13800000000"  # the number the scenario's SMS come from, set up at the start


class DiffBench:
    """A target's bench, provisioned once; ``run`` plays a scenario from the saved image."""

    def __init__(self, target: str, options: dict[str, Any] | None = None) -> None:
        self.config = WorldConfig(
            target=target,
            timing="fast",
            sockets=[SocketSetup(1, "dc1")],
            **(options or {}),
        )
        self.sms_peer = SMS_PEER
        self.world: World
        self.host: DtuHost
        self._image = b""
        self.unsure: list[tuple[int, int]] = []  # output() spans not compared (``unsure``)

    @property
    def name(self) -> str:
        return self.config.target

    def start(self) -> DiffBench:
        self.world = World(self.config).start()
        self.world.provision()
        self.world.wait_connections(1, timeout=ONLINE_TIMEOUT)
        self.host = self.world.host()
        d = dialect(self.config.dialect, self.host)
        d.enter_command_mode(10.0)
        d.set_sms_number(self.sms_peer)
        d.save_settings()
        d.leave_command_mode(10.0)
        self.world.settle_storage()
        self.world.cut_power()
        self._image = self.world.eeprom.snapshot()
        return self

    def stop(self) -> None:
        self.host.close()
        self.world.stop()

    def __enter__(self) -> DiffBench:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the steps use -----------------------------------------------------------
    def output(self) -> int:
        """Bytes the DTU has written to the pile so far."""
        return self.world.rs232_transcript.bytes["tx"]

    def unsure_output(self, start: int, end: int) -> None:
        """Leave the DTU's output between ``start`` and ``end`` (``output()`` counts) out of
        the comparison: what a DTU still writes while its power fails (observe.py)."""
        self.unsure.append((start, end))

    def received(self) -> int:
        """Bytes the data centre has received so far."""
        return len(self.world.server_received("dc1"))

    def sms(self) -> list[str]:
        return [
            f"{s.to}: {s.text}" for s in self.world.call(lambda: list(self.world.sms_center.sent))
        ]

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``done()`` (checked every 20 ms) or ``timeout`` s; whether it came."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def quiet(self) -> None:
        """Wait until nothing has moved (RS232 out, data centre in, SMS out) for ``QUIET`` s."""
        last: tuple[int, int, int] = (-1, -1, -1)
        since = time.monotonic()
        deadline = since + QUIET_MAX
        while time.monotonic() < deadline:
            now = (self.output(), self.received(), len(self.sms()))
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= QUIET:
                return
            time.sleep(0.05)

    def power_cycle(self) -> str:
        """Power off and on; "online" once the DTU is back on its data centre."""
        self.world.cut_power()
        return self._power_up()

    def _power_up(self) -> str:
        """Power on; "online" once the DTU is back on its data centre, "attached" if it came
        onto GPRS but not to dc1 (a scenario may have moved socket 1 or the work mode),
        "offline" if not even that. The waits are generous: a slow boot is no difference."""
        server, net = self.world.server("dc1"), self.world.leds["NET"]
        count = self.world.call(lambda: len(server.connections))
        self.world.power_on()

        def connected() -> bool:
            return len(server.connections) > count

        attached = self.wait(lambda: net.on or connected(), ATTACH_TIMEOUT)
        online = attached and self.wait(connected, CONNECT_TIMEOUT)
        self.quiet()
        return "online" if online else "attached" if attached else "offline"

    # -- a scenario -----------------------------------------------------------------------
    def run(self, scenario: Sequence[Step]) -> Observation:
        """Play ``scenario`` from the saved image; what the DTU did (normalised)."""
        world = self.world
        if world.power.on:
            world.cut_power()
        world.eeprom.load(self._image)
        out, received, sent = self.output(), self.received(), len(self.sms())
        self.unsure = []
        start = self._power_up()
        self.host.drain()
        outcomes = [start, *(step.run(self) for step in scenario)]
        self.quiet()
        leds = ", ".join(f"{led.name} {'on' if led.on else 'off'}" for led in world.leds)
        rs232 = world.rs232_transcript.data("tx")
        rs232 = rs232[len(rs232) - (self.output() - out) :]  # this scenario's
        for a, b in reversed(self.unsure):  # marked, in place of what was written
            rs232 = rs232[: a - out] + UNSURE + rs232[b - out :]
        dc1 = world.server_received("dc1")[received:]
        observation = Observation(
            outcomes=tuple(outcomes),
            rs232=rs232.decode("latin-1"),
            dc1=dc1.decode("latin-1"),
            sms=tuple(self.sms()[sent:]),
            leds=leds,
            settings=tuple(self._settings()),
        )
        return observation.normalised(world.server("dc1").port)

    def _settings(self) -> list[str]:
        """The settings dump after a reboot (what the DTU kept)."""
        if self.power_cycle() == "offline":
            return ["offline after a reboot"]
        d = dialect(self.config.dialect, self.host)
        try:
            d.enter_command_mode(10.0)
            dump = d.settings_dump()
            d.leave_command_mode(10.0)
        except (AssertionError, TimeoutError) as exc:
            return [f"no settings: {exc}"]
        return dump
