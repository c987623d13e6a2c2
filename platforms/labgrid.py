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
- the LEDs: a ``DigitalOutputProtocol`` driver named ``led-POW``, ``led-NET``
  and ``led-DATA`` each (read with ``get()``: a sense line per LED), sampled
  one line every 50 ms, round robin, into the bench's LEDs;
- from the file's ``options``, what differs from device to device (``Device``):
  ``dtulab_settle`` (seconds a cut keeps the supply off, default 1),
  ``dtulab_boot`` (a regular expression the device prints once booted:
  power-on returns only then) and ``dtulab_boot_timeout``, and
  ``dtulab_sms_gateway`` (the URL of an SMS gateway to the DTU's SIM, with
  ``POST /sms/<sender>`` and ``GET /sms/<number>`` as dtulab/io_module.py has).

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
import fcntl
import json
import logging
import os
import queue
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from dtulab.platforms.base import Target, TargetError, Unsupported, option, register
from dtulab.platforms.board import Board

T = TypeVar("T")
log = logging.getLogger(__name__)
# gRPC (labgrid's coordinator client) reads this at its first import: its fork handlers
# crash a child forked while its threads run (an emulator this process starts later); the
# bench forks only to exec, so it needs none
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
LEDS = ("POW", "NET", "DATA")
POLL = 0.02  # seconds: a console read's wait
SAMPLE = 0.05  # seconds between two LED line samples (round robin: each line every 3)


@dataclass(frozen=True)
class LabgridOptions:
    lg_env: str = option("", "the labgrid environment file (default: $LG_ENV)", "FILE", True)
    lg_target: str = option("main", "the target in that file (default: main)", "NAME")


@dataclass(frozen=True)
class Device:
    """What the environment file's ``options`` say of its device (docs/labs.md)."""

    settle: float = 1.0  # dtulab_settle: seconds the supply stays off at a cut
    boot: str = ""  # dtulab_boot: a regex the device prints once booted; power-on waits for it
    boot_timeout: float = 60.0  # dtulab_boot_timeout: seconds to wait for that
    sms_gateway: str = ""  # dtulab_sms_gateway: URL of an SMS gateway to the DTU's SIM

    @classmethod
    def from_env(cls, config: Any) -> Device:
        values = {f.name: config.get_option(f"dtulab_{f.name}", f.default) for f in fields(cls)}
        try:
            return cls(
                settle=float(values["settle"]),
                boot=str(values["boot"]),
                boot_timeout=float(values["boot_timeout"]),
                sms_gateway=str(values["sms_gateway"]).rstrip("/"),
            )
        except ValueError as exc:
            raise TargetError(f"labgrid environment options: {exc}") from None


class Lab:
    """The labgrid side: the drivers of one environment target, used from one thread."""

    def __init__(self, env_file: str, target_name: str) -> None:
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
            self.device = Device.from_env(env.config)
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
        self.sensed = {n: d for n, d in self.leds.items() if d is not None}
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

    def read(self, timeout: float) -> bytes:
        from pexpect import TIMEOUT

        try:
            data: bytes = self.console.read(size=1, timeout=timeout, max_size=4096)
        except TIMEOUT:
            return b""
        return data

    def write(self, data: bytes) -> None:
        self.console.write(data)

    def led_states(self) -> dict[str, bool]:
        return {n: bool(d.get()) for n, d in self.sensed.items()}

    def sample(self, turn: int) -> dict[str, bool]:
        """One LED line, the ``turn``-th in round robin."""
        name = list(self.sensed)[turn % len(self.sensed)]
        return {name: bool(self.sensed[name].get())}


Sink = tuple[Callable[[bytes], object], Callable[[dict[str, bool]], object]]


class LabThread:
    """The one thread of this process that makes labgrid calls (labgrid keeps its
    coordinator session on one event loop): jobs in order, and between them each lab's
    console read and LED samples, handed to the bench that is attached to it. A lab stays
    open from one bench to the next (labgrid takes seconds to activate its drivers); what
    its device prints while no bench is attached is dropped, as a UART nobody reads."""

    _instance: LabThread | None = None

    @classmethod
    def get(cls) -> LabThread:
        if cls._instance is None or not cls._instance._thread.is_alive():
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self.labs: dict[tuple[str, str], Lab] = {}
        self._sinks: dict[tuple[str, str], Sink] = {}
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="labgrid", daemon=True)
        self._thread.start()

    async def do(self, job: Callable[[], T]) -> T:
        """Run ``job()`` on the labgrid thread, after the jobs before it."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((job, future))
        return await asyncio.wrap_future(future)

    async def attach(self, key: tuple[str, str], sink: Sink) -> Lab:
        """The lab of (environment file, target name), opened if this process has not yet,
        its console and LEDs from now on handed to ``sink``."""

        def open_and_attach() -> Lab:
            if key not in self.labs:
                self.labs[key] = Lab(*key)
            self._sinks[key] = sink
            return self.labs[key]

        return await self.do(open_and_attach)

    async def detach(self, key: tuple[str, str]) -> None:
        await self.do(lambda: self._sinks.pop(key, None))

    def _run_jobs(self) -> None:
        while not self._jobs.empty():
            job, future = self._jobs.get()
            try:
                future.set_result(job())
            except BaseException as exc:
                future.set_exception(exc)

    def _serve(self) -> None:
        """Jobs first, and again between a console read and an LED sample, so a host's
        bytes wait at most one of them: one LED line is sampled per turn, round robin."""
        turn, next_sample = 0, 0.0
        while True:
            self._run_jobs()
            if not self.labs:
                time.sleep(POLL)
                continue
            sample = time.monotonic() >= next_sample
            if sample:
                turn, next_sample = turn + 1, time.monotonic() + SAMPLE
            for key, lab in list(self.labs.items()):
                sink = self._sinks.get(key)
                try:
                    data = lab.read(POLL / len(self.labs))
                    if sink is not None and data:
                        sink[0](data)
                    self._run_jobs()
                    if sample and sink is not None and lab.sensed:
                        sink[1](lab.sample(turn))
                except Exception as exc:  # the place went away (ser2net, the exporter stopped)
                    log.warning("labgrid %s: %s; closing it", key[0], exc)
                    del self.labs[key]


class Claim:
    """One environment file of several (identical devices, a place each) held by this
    process: an exclusive lock on the file, so processes running side by side (pabot) never
    share a device; it is held until the process ends."""

    def __init__(self, envs: list[str], timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for env in envs:
                handle = open(env)  # noqa: SIM115  (held until release)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                self.path, self._handle = env, handle  # the lock lives as long as the handle
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"every labgrid place is in use by another test: {envs}")
            time.sleep(0.2)


def _http(url: str, body: bytes | None) -> bytes:
    """GET (or POST ``body`` to) ``url``; a failure is the target's error, with the reason."""
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as reply:
            data: bytes = reply.read()
            return data
    except OSError as exc:
        raise TargetError(f"the SMS gateway {url}: {exc}") from None


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
        self._key = (env, options.lg_target)
        self._lab: Lab | None = None  # while this bench is attached to it
        self._labs = LabThread.get()
        self._bridge: asyncio.Task[None] | None = None
        self._rx: asyncio.Queue[bytes] = asyncio.Queue()
        self._pending = 0  # host bytes taken from the RS232 link, not yet written to the device
        self._booted = asyncio.Event()
        self._seen = b""  # the device's output since power-on, for the boot rule

    def has(self, capability: str) -> bool:
        return capability in self._found

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        lab = await self._labs.attach(
            self._key,
            (
                lambda data: loop.call_soon_threadsafe(self._rx.put_nowait, data),
                lambda states: loop.call_soon_threadsafe(self._show_leds, states),
            ),
        )
        self._lab = lab
        found = {"power"} if lab.power is not None else set()
        if len(lab.sensed) == len(LEDS):
            found.add("leds")
        if lab.device.sms_gateway:
            found.add("sms")
        self._found = frozenset(found)
        if "leds" in found:  # every LED as it is now, before the first round of samples
            self._show_leds(await self._labs.do(lab.led_states))
        self._bridge = asyncio.ensure_future(self._run_bridge())

    def _show_leds(self, states: dict[str, bool]) -> None:
        for name, on in states.items():
            self.board.leds[name].set(on)

    async def _run_bridge(self) -> None:
        await asyncio.gather(self._uplink(), self._downlink())

    async def _uplink(self) -> None:
        """Host → device: what the host writes on the bench's RS232 link, in order."""
        while data := await self.board.rs232.read():
            self._pending += len(data)
            try:
                await self._labs.do(partial(self._attached().write, data))
            finally:
                self._pending -= len(data)

    async def _downlink(self) -> None:
        """Device → host, and the boot rule watching it."""
        rule = self._attached().device.boot
        boot = re.compile(rule.encode()) if rule else None
        while True:
            data = await self._rx.get()
            if boot is not None and not self._booted.is_set():
                self._seen = (self._seen + data)[-4096:]
                if boot.search(self._seen):
                    self._booted.set()
            await self.board.rs232.write(data)

    def _attached(self) -> Lab:
        if self._lab is None:
            raise TargetError("the labgrid target is not started")
        return self._lab

    async def power(self, on: bool, volts: float) -> None:
        """Switch the device's supply through labgrid. The bench's power-on at start closes
        the relay: a device already on stays on (no boot: the suites give it factory
        settings instead, one restart). Without a power driver the lab powers the device."""
        if "power" not in self._found:
            return
        lab = self._attached()
        device = lab.device
        if on:
            self._booted.clear()
            self._seen = b""
            await self._labs.do(lab.power.on)
            if device.boot:
                try:
                    await asyncio.wait_for(self._booted.wait(), device.boot_timeout)
                except TimeoutError:
                    raise TargetError(
                        f"the device did not print /{device.boot}/ within "
                        f"{device.boot_timeout:g} s of power-on"
                    ) from None
        else:
            await self._labs.do(lab.power.off)
            await asyncio.sleep(device.settle)  # the device's own capacitors drain
            if "leds" in self._found:  # the LEDs as they are now, not a sample ago
                self._show_leds(await self._labs.do(lab.led_states))

    def rs232_backlog(self) -> int:
        return self._pending

    async def sms_deliver(self, sender: str, text: str) -> None:
        self.require("sms")
        url = f"{self._attached().device.sms_gateway}/sms/{quote(sender)}"
        await asyncio.to_thread(_http, url, text.encode())

    async def sms_sent(self, number: str) -> list[str]:
        self.require("sms")
        url = f"{self._attached().device.sms_gateway}/sms/{quote(number)}"
        texts: list[str] = json.loads(await asyncio.to_thread(_http, url, None))
        return texts

    async def stop(self) -> None:
        if self._bridge is not None:
            self._bridge.cancel()
        if self._lab is not None:
            self._lab = None
            await self._labs.detach(self._key)

    def status(self) -> str:
        have = ", ".join(sorted(self._found)) or "console only"
        return f"labgrid {self.options.lg_target} ({have})"
