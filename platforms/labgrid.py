"""The labgrid target: a real DTU in a lab, reached through labgrid's drivers.

labgrid (https://labgrid.readthedocs.io) describes a lab as places whose
resources exporters publish to a coordinator; a test names its place in an
*environment file* and gets drivers for them. This target loads that file
(``lg_env``, or ``LG_ENV`` as labgrid's tools read it) and takes from its
target (``lg_target``, default ``main``):

- the DTU's RS232 port: the ``ConsoleProtocol`` driver (``SerialDriver`` on a
  local port or on a ``NetworkSerialPort`` behind ser2net), bridged byte for
  byte to the bench's RS232 link, so the host, the transcripts and cuts armed
  on RS232 bytes work as on every other target;
- the supply: the ``PowerProtocol`` driver (a relay through
  ``DigitalOutputPowerDriver``, a PDU, ``ExternalPowerDriver`` commands, ...);
  a cut keeps the supply off ``settle`` seconds, and power-on returns once the
  device has printed ``boot`` (a regular expression) if one is given;
- the LEDs: a ``DigitalOutputProtocol`` driver named ``led-POW``, ``led-NET``
  and ``led-DATA`` each (read with ``get()``: a sense line per LED), sampled
  every 20 ms into the bench's LEDs.

Whatever the file lacks is a capability the target lacks ("unsupported on
labgrid: ..."). The device has its own modem: the bench's modem model and
EEPROM model stay unused; network faults act at the data centre's end. The
place must be acquired (``labgrid-client -p PLACE acquire``) before a run.
Every labgrid call runs on one thread of its own (labgrid is synchronous and
keeps its coordinator session on the thread that made it). docs/labs.md
tells a lab's day with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from dtulab.platforms.base import Target, TargetError, Unsupported, option, register
from dtulab.platforms.board import Board

T = TypeVar("T")
LEDS = ("POW", "NET", "DATA")
POLL = 0.02  # seconds: a console read's wait, and the LEDs' sampling period


@dataclass(frozen=True)
class LabgridOptions:
    lg_env: str = option("", "the labgrid environment file (default: $LG_ENV)", "FILE", True)
    lg_target: str = option("main", "the target in that file (default: main)", "NAME")
    settle: float = option(1.0, "seconds the supply stays off at a cut (default 1)", "S")
    boot: str = option(
        "", "a regular expression the device prints once booted: power-on waits for it", "RE"
    )
    boot_timeout: float = option(60.0, "seconds to wait for that (default 60)", "S")


class Lab:
    """The labgrid side: the drivers of one environment target, used from one thread."""

    def __init__(self, env_file: str, target_name: str) -> None:
        # gRPC's fork handlers crash a child forked while its threads run (an emulator the
        # same process starts later): the bench forks only to exec, so it needs none
        os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
        try:
            from labgrid import Environment
            from labgrid.resource.common import ResourceManager
            from labgrid.resource.remote import RemotePlaceManager
        except ImportError:
            raise Unsupported("labgrid", "labgrid is not installed (pip install labgrid)") from None
        try:
            env = Environment(env_file)
            wanted = env.config.get_option(
                "coordinator_address", os.environ.get("LG_COORDINATOR", "127.0.0.1:20408")
            )
            manager = ResourceManager.instances.get(RemotePlaceManager)
            if manager is not None and manager.session and manager.url != wanted:
                raise TargetError(  # labgrid keeps one coordinator session per process
                    f"this process already uses the labgrid coordinator {manager.url}, "
                    f"and {env_file} names {wanted}: one coordinator per process"
                )
            target = env.get_target(target_name)
        except TargetError:
            raise
        except Exception as exc:  # labgrid's own errors: a bad file, no coordinator, no place
            raise TargetError(f"labgrid environment {env_file}: {exc}") from exc
        if target is None:
            raise TargetError(f"labgrid environment {env_file} has no target '{target_name}'")
        self.console = self._driver(target, "ConsoleProtocol")
        if self.console is None:
            raise TargetError(f"labgrid target '{target_name}' has no console (SerialDriver)")
        self.power = self._driver(target, "PowerProtocol")
        self.leds = {n: self._driver(target, "DigitalOutputProtocol", f"led-{n}") for n in LEDS}
        self.target = target

    @staticmethod
    def _driver(target: Any, protocol: str, name: str | None = None) -> Any:
        """The active driver for ``protocol`` (of that name), or None if the target has none."""
        from labgrid.exceptions import NoDriverFoundError

        try:
            return target.get_driver(protocol, name=name)
        except NoDriverFoundError:
            return None
        except Exception as exc:  # found but cannot activate: a broken resource, no place
            raise TargetError(f"labgrid {protocol} {name or ''}: {exc}") from exc

    def read(self) -> bytes:
        from pexpect import TIMEOUT

        try:
            data: bytes = self.console.read(size=1, timeout=POLL, max_size=4096)
        except TIMEOUT:
            return b""
        return data

    def write(self, data: bytes) -> None:
        self.console.write(data)

    def close(self) -> None:
        self.target.cleanup()


class LabThread:
    """One thread for every labgrid call: jobs in order, and between them the console read
    and the LED samples, handed to the bench loop."""

    def __init__(
        self,
        make: Callable[[], Lab],
        rx: Callable[[bytes], object],
        leds: Callable[[dict[str, bool]], object],
    ) -> None:
        self._make, self._rx, self._leds = make, rx, leds
        self._jobs: queue.SimpleQueue[tuple[Callable[[Lab], Any], concurrent.futures.Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._ready: concurrent.futures.Future[Lab] = concurrent.futures.Future()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="labgrid", daemon=True)
        self._thread.start()

    async def lab(self) -> Lab:
        return await asyncio.wrap_future(self._ready)

    async def do(self, job: Callable[[Lab], T]) -> T:
        """Run ``job(lab)`` on the labgrid thread, after the jobs before it."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((job, future))
        return await asyncio.wrap_future(future)

    def _serve(self) -> None:
        try:
            lab = self._make()
        except BaseException as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(lab)
        sensed = {n: d for n, d in lab.leds.items() if d is not None}
        next_sample = 0.0
        try:
            while not self._stop.is_set():
                while not self._jobs.empty():
                    job, future = self._jobs.get()
                    try:
                        future.set_result(job(lab))
                    except Exception as exc:
                        future.set_exception(exc)
                data = lab.read()
                if data:
                    self._rx(data)
                if sensed and time.monotonic() >= next_sample:
                    next_sample = time.monotonic() + POLL
                    self._leds({n: bool(d.get()) for n, d in sensed.items()})
        finally:
            lab.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@register
class LabgridTarget(Target[LabgridOptions]):
    name = "labgrid"
    options_type = LabgridOptions
    device_port = False  # the bench bridges the device's console to its own RS232 link

    def __init__(self, board: Board, options: LabgridOptions) -> None:
        super().__init__(board, options)
        env = options.lg_env or os.environ.get("LG_ENV", "")
        if not env:
            raise ValueError(
                "the labgrid target needs an environment file (--lg-env FILE or LG_ENV)"
            )
        if not Path(env).is_file():
            raise ValueError(f"no labgrid environment file {env}")
        self.env_file = env
        self._found: frozenset[str] = frozenset()
        self._thread: LabThread | None = None
        self._bridge: asyncio.Task[None] | None = None
        self._rx: asyncio.Queue[bytes] = asyncio.Queue()
        self._pending = 0  # host bytes taken from the RS232 link, not yet written to the device
        self._booted = asyncio.Event()
        self._seen = b""  # the device's output since power-on, for the boot rule

    def has(self, capability: str) -> bool:
        return capability in self._found

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._thread = LabThread(
            lambda: Lab(self.env_file, self.options.lg_target),
            lambda data: loop.call_soon_threadsafe(self._rx.put_nowait, data),
            lambda states: loop.call_soon_threadsafe(self._show_leds, states),
        )
        lab = await self._thread.lab()
        found = {"power"} if lab.power is not None else set()
        if all(lab.leds.values()):
            found.add("leds")
        self._found = frozenset(found)
        self._bridge = asyncio.ensure_future(self._run_bridge())
        if lab.power is not None:  # the bench starts with the supply off, so does the device
            await self.power(False, 0.0)

    def _show_leds(self, states: dict[str, bool]) -> None:
        for name, on in states.items():
            self.board.leds[name].set(on)

    async def _run_bridge(self) -> None:
        await asyncio.gather(self._uplink(), self._downlink())

    async def _uplink(self) -> None:
        """Host → device: what the host writes on the bench's RS232 link, in order."""
        assert self._thread is not None
        while data := await self.board.rs232.read():
            self._pending += len(data)
            try:
                await self._thread.do(partial(Lab.write, data=data))
            finally:
                self._pending -= len(data)

    async def _downlink(self) -> None:
        """Device → host, and the boot rule watching it."""
        boot = re.compile(self.options.boot.encode()) if self.options.boot else None
        while True:
            data = await self._rx.get()
            if boot is not None and not self._booted.is_set():
                self._seen = (self._seen + data)[-4096:]
                if boot.search(self._seen):
                    self._booted.set()
            await self.board.rs232.write(data)

    async def power(self, on: bool, volts: float) -> None:
        """Switch the device's supply through labgrid. Without a power driver the lab powers
        the device; the bench's own power-on at start is then a no-op."""
        if self._thread is None or "power" not in self._found:
            return
        if on:
            self._booted.clear()
            self._seen = b""
            await self._thread.do(lambda lab: lab.power.on())
            if self.options.boot:
                try:
                    await asyncio.wait_for(self._booted.wait(), self.options.boot_timeout)
                except TimeoutError:
                    raise TargetError(
                        f"the device did not print /{self.options.boot}/ within "
                        f"{self.options.boot_timeout:g} s of power-on"
                    ) from None
        else:
            await self._thread.do(lambda lab: lab.power.off())
            await asyncio.sleep(self.options.settle)  # the device's own capacitors drain
            if "leds" in self._found:  # the LEDs as they are now, not a sample ago
                states = await self._thread.do(
                    lambda lab: {n: bool(d.get()) for n, d in lab.leds.items()}
                )
                self._show_leds(states)

    def rs232_backlog(self) -> int:
        return self._pending

    async def stop(self) -> None:
        if self._bridge is not None:
            self._bridge.cancel()
        if self._thread is not None:
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(None, thread.stop)

    def status(self) -> str:
        have = ", ".join(sorted(self._found)) or "console only"
        return f"labgrid {self.options.lg_target} ({have})"
