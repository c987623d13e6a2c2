"""A lab in a box: modelled DTUs behind a real labgrid coordinator, exporter and ser2net.

What a test lab has — DTUs on serial ports, a relay on each one's DC input,
LED sense lines, an exporter on the machine they hang off, a coordinator —
built on this machine from real parts, all on loopback:

- each "device" is ``dtulab run --io 127.0.0.1:0`` (a reference DTU on a pty,
  its relay and LEDs on an HTTP I/O module, dtulab/io_module.py);
- Debian's ``ser2net`` puts each pty on a raw TCP port (127.0.0.1);
- ``labgrid-coordinator`` listens on 127.0.0.1, one ``labgrid-exporter``
  exports per device a ``NetworkSerialPort`` and ``HttpDigitalOutput``s
  (``power``, ``led-POW``, ``led-NET``, ``led-DATA``);
- a place per device (``dtu-1``, ``dtu-2``, ...) is created and acquired, and
  an environment file per place is written for the labgrid target.

``devices()`` alone gives the serial target's devices (scripts/test).
docs/labs.md shows the same files for a lab's real hardware.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent  # the venv's dtulab and labgrid tools
START = 120.0  # seconds: a process starting on a loaded 2-core machine
Args = tuple[str, ...]  # what ``dtulab run`` gets to make one kind of device


class RigError(RuntimeError):
    """A part of the rig did not start (the message has the tail of its output)."""


@dataclass(frozen=True)
class Device:
    port: str  # the RS232 pty
    io: str  # the I/O module's URL ("" without one)


def _wait_for(what: str, log: Path, proc: subprocess.Popen[bytes], pattern: str) -> re.Match[str]:
    deadline = time.monotonic() + START
    while time.monotonic() < deadline:
        if m := re.search(pattern, log.read_text(errors="replace")):
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RigError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGINT each (Ctrl-C: dtulab stops cleanly), then wait; kill what lingers."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def devices(
    kinds: list[Args], logs: Path, io: bool = False, name: str = "device"
) -> Iterator[list[Device]]:
    """A DTU run by ``dtulab run`` (fast timing) per entry of ``kinds``, the extra arguments
    that make it (``()``: the reference; ``("--target", "qemu", "--firmware", ELF)``), each on
    its own pty and with its own EEPROM; with ``io``, each with its I/O module. Output goes to
    ``logs/<name><i>.log``."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"dtulab-devices-{os.getpid()}-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        found = []
        for i, args in enumerate(kinds, 1):
            state = folder / f"dtu{i}"
            state.mkdir(parents=True)
            (state / "bench.toml").write_text(f'timing = "fast"\nstate_dir = "{state}"\n')
            log = logs / f"{name}{i}.log"
            argv = [str(BIN / "dtulab"), "run", "--config", str(state / "bench.toml"), *args]
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [*argv, *(["--io", "127.0.0.1:0"] if io else [])],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            procs.append(proc)
            port = _wait_for(f"{name}{i}", log, proc, r"RS232 on (\S+)").group(1)
            url = _wait_for(f"{name}{i}", log, proc, r"I/O module on (\S+)").group(1) if io else ""
            found.append(Device(port, url))
        yield found
    finally:
        _stop(procs)
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (for tools that must be told one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def exporter_config(devices: list[Device], serial_ports: list[int]) -> str:
    """The exporter's resources: per device a group ``dtu-<i>`` (YAML)."""
    out = []
    for i, (dev, tcp) in enumerate(zip(devices, serial_ports, strict=True), 1):
        out += [f"dtu-{i}:", "  NetworkSerialPort:", "    host: 127.0.0.1"]
        out += [f"    port: {tcp}", "    speed: 115200", "    protocol: raw"]
        for name, path in [("power", "relay/dc")] + [(f"led-{x}", f"led/{x}") for x in LEDS]:
            out += [f"  {name}:", "    cls: HttpDigitalOutput", f"    url: {dev.io}/{path}"]
            out += ['    body_asserted: "1"', '    body_deasserted: "0"']
    return "\n".join(out) + "\n"


LEDS = ("POW", "NET", "DATA")


def env_file(place: str, coordinator: str, options: dict[str, object]) -> str:
    """A labgrid environment for the labgrid target: the place's console, its relay as the
    power driver, its LED sense lines, and ``options`` (the device's: ``dtulab_settle``, ...)
    beside the coordinator's address (YAML)."""
    leds = "".join(
        f"      - HttpDigitalOutputDriver: {{name: led-{x}, bindings: {{http: led-{x}}}}}\n"
        for x in LEDS
    )
    return (
        "targets:\n  main:\n    resources:\n      RemotePlace:\n"
        f"        name: {place}\n"
        "    drivers:\n      - SerialDriver: {timeout: 30.0}\n"
        "      - HttpDigitalOutputDriver: {name: relay, bindings: {http: power}}\n"
        "      - DigitalOutputPowerDriver: {bindings: {output: relay}}\n"
        f"{leds}options:\n  coordinator_address: {coordinator}\n"
        + "".join(f"  {key}: {json.dumps(value)}\n" for key, value in options.items())
    )


def ser2net_config(devices: list[Device], serial_ports: list[int]) -> str:
    """ser2net 4 (YAML): each pty on a raw TCP port on loopback (a pty has no line settings
    for RFC 2217 to set, and its telnet negotiation only adds a way to fail)."""
    out = []
    for i, (dev, tcp) in enumerate(zip(devices, serial_ports, strict=True), 1):
        out += [f"connection: &dtu{i}", f"  accepter: tcp,127.0.0.1,{tcp}"]
        out += [f"  connector: serialdev,{dev.port},115200n81,local"]
        out += ["  options:", "    max-connections: 10"]  # as labgrid's exporter starts it
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Rig:
    coordinator: str  # HOST:PORT
    places: list[str]
    env_files: list[Path]
    devices: list[Device]


@contextlib.contextmanager
def lab(kinds: list[Args], folder: Path) -> Iterator[Rig]:
    """A device per entry of ``kinds`` (``devices``) behind ser2net, a coordinator, an
    exporter, a place each (``dtu-1``, ...), acquired. labgrid keeps one coordinator per
    process: a process uses one rig. Everything's output and configuration goes to
    ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ser2net = shutil.which("ser2net") or "/usr/sbin/ser2net"
    if not Path(ser2net).exists():
        raise RigError("ser2net is not installed (scripts/setup installs Debian's ser2net)")
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        """A tool run in ``folder`` (the coordinator keeps its places there)."""
        with (folder / f"{name}.log").open("wb") as out:
            proc = subprocess.Popen(
                argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        procs.append(proc)
        return proc

    with devices(kinds, folder, io=True) as found:
        try:
            tcp = [free_port() for _ in found]
            (folder / "ser2net.yaml").write_text(ser2net_config(found, tcp))
            start("ser2net", [ser2net, "-n", "-d", "-c", str(folder / "ser2net.yaml")])
            coordinator = f"127.0.0.1:{free_port()}"
            start("coordinator", [str(BIN / "labgrid-coordinator"), "-l", coordinator])
            for port in tcp:
                _until_listening(port, procs)
            _until_listening(int(coordinator.rsplit(":", 1)[1]), procs)
            (folder / "exporter.yaml").write_text(exporter_config(found, tcp))
            start("exporter", [
                str(BIN / "labgrid-exporter"), "-c", coordinator, "-n", "bench",
                "--hostname", "127.0.0.1", str(folder / "exporter.yaml"),
            ])  # fmt: skip
            places = [f"dtu-{i}" for i in range(1, len(found) + 1)]
            client = Client(coordinator, folder / "client.log")
            client.until_exported([f"bench/{p}/NetworkSerialPort" for p in places])
            env_files = []
            for place, dev in zip(places, found, strict=True):
                client.run("-p", place, "create")
                client.run("-p", place, "add-match", f"bench/{place}/*")
                client.run("-p", place, "acquire")
                env = folder / f"{place}.yaml"
                device = {"dtulab_settle": 0.2, "dtulab_sms_gateway": dev.io}
                env.write_text(env_file(place, coordinator, device))
                env_files.append(env)
            yield Rig(coordinator, places, env_files, found)
        finally:
            _stop(list(reversed(procs)))


def _until_listening(port: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + START
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.1)
    raise RigError(f"nothing listens on 127.0.0.1:{port} (see the rig's logs)")


class Client:
    """``labgrid-client`` against one coordinator, its output kept in a log."""

    def __init__(self, coordinator: str, log: Path) -> None:
        self.coordinator = coordinator
        self.log = log

    def run(self, *args: str) -> str:
        argv = [str(BIN / "labgrid-client"), "-x", self.coordinator, *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=START)
        with self.log.open("a") as out:
            out.write(f"$ {' '.join(args)}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            raise RigError(f"labgrid-client {' '.join(args)}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def until_exported(self, resources: list[str]) -> None:
        deadline = time.monotonic() + START
        while time.monotonic() < deadline:
            listed = self.run("resources")
            if all(r in listed for r in resources):
                return
            time.sleep(0.2)
        raise RigError(f"the exporter did not publish {resources} (see exporter.log)")
