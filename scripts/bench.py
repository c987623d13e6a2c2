"""dtulab benchmarks: measure the modem model the way a DTU's MCU uses it.

Run with ``scripts/bench`` (or ``scripts/bench --quick``). Each benchmark
starts a fresh modem model on a real pty (fast timing profile), drives it
through a host ``Console`` and real loopback servers, prints a result line
and adds it to a JSON file (``build/bench.json`` by default).

Benchmarks:
- ``at-latency``: round trip of ``AT`` → ``OK`` over the pty (median, p99).
- ``tcp-up`` / ``tcp-down``: TCP pass-through throughput, RS232 side →
  ``AT+CIPSEND`` → server, and server → ``+RECEIVE`` → RS232 side.
- ``tcp-up-limited`` / ``tcp-down-limited``: the same under a GPRS-like
  bandwidth fault; the measured rate must be within 5 % of the limit.
- ``dtu-boot``: the reference DTU from power-on to ready (its boot message,
  set with AT+CIMODID, on the RS232 port), and to GPRS up (NET LED).
- ``dtu-up`` / ``dtu-down``: transparent mode through the whole bench (host
  pty → DTU → modem model → server and back): throughput and the latency of
  one small packet (packing time 10 ms).
- ``dtu-soak``: four sockets for two minutes (20 s with --quick): every
  server must receive the host's stream byte for byte, and the host every
  record each server sent, in order.
- ``targets``: boot to ready, the command-mode ``AT`` round trip and
  transparent throughput on the reference DTU and on the firmware under QEMU
  (and under Renode where it is installed: ``RENODE``), in one run, and each
  one's ratio to the reference (``qemu-vs-reference``, ``renode-vs-reference``).
- ``suite``: ``scripts/test`` (``--quick`` with --quick) as a process: its wall
  time and the CPU time of everything it ran, against the goal (5 minutes on a
  2-core machine; 1 minute for ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dtulab.console import Console
from dtulab.host import DtuHost
from dtulab.peripherals.gsm_modem.runner import ModemRunner
from dtulab.platforms import Unsupported
from dtulab.progress import Progress
from dtulab.world import ServerConfig, World, WorldConfig

ROOT = Path(__file__).resolve().parents[1]
Result = dict[str, Any]  # one line of build/bench.json
LIMIT_BPS = 40_000  # GPRS class 10, about 40 kbit/s
TOLERANCE = 0.05
SUITE_GOAL_S = {"full": 300.0, "quick": 60.0}  # scripts/test on a 2-core machine
PROGRESS = Progress(sys.stdout)


class Sink:
    """A loopback TCP server that counts what it receives and can stream data back."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None
        self.received = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.ready = threading.Event()
        self.cond = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.conn, _ = self.server.accept()
        self.ready.set()
        while data := self.conn.recv(65536):
            with self.cond:
                now = time.monotonic()
                if not self.received:
                    self.first_at = now
                self.received += len(data)
                self.last_at = now
                self.cond.notify_all()

    def wait_for(self, total: int, timeout: float) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: self.received >= total, timeout):
                raise RuntimeError(f"server got {self.received} of {total} bytes in {timeout} s")

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.server.close()


def bring_up(console: Console, sink: Sink) -> None:
    console.sync()
    console.command("ATE0")
    deadline = time.monotonic() + 30
    while "+CGATT: 1" not in console.command("AT+CGATT?"):
        if time.monotonic() > deadline:
            raise RuntimeError("modem did not attach")
        time.sleep(0.02)
    for line in ("AT+CIPMUX=1", 'AT+CSTT="CMNET"', "AT+CIICR"):
        if console.command(line, timeout=30)[-1] != "OK":
            raise RuntimeError(f"{line} failed")
    console.write("AT+CIFSR\r")
    console.expect("10.78.245.128")
    console.command(f'AT+CIPSTART=0,"TCP","127.0.0.1",{sink.port}')
    console.expect("0, CONNECT OK")
    sink.ready.wait(10)


def round_trips(label: str, count: int, command: Callable[[], object]) -> Result:
    """``count`` timed calls of ``command`` (one AT round trip each): median, p99, max in ms."""
    samples = []
    for i in range(count):
        start = time.perf_counter()
        command()
        samples.append((time.perf_counter() - start) * 1000)
        if i % 50 == 0 or i == count - 1:
            PROGRESS.show(label, i + 1, count)
    samples.sort()
    return {
        "samples": count,
        "median_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[min(count - 1, int(count * 0.99))], 3),
        "max_ms": round(samples[-1], 3),
    }


def bench_at_latency(count: int) -> Result:
    with ModemRunner("pty", profile="fast") as runner, Console(runner.port) as console:
        console.sync()
        console.command("ATE0")
        stats = round_trips("at-latency", count, lambda: console.command("AT"))
    return {"name": "at-latency", **stats}


def uplink(total: int, limit_bps: float | None) -> Result:
    """RS232 side → AT+CIPSEND (quick send) → server; rate seen by the server."""
    sink = Sink()
    with ModemRunner("pty", profile="fast") as runner, Console(runner.port) as console:
        bring_up(console, sink)
        console.command("AT+CIPQSEND=1")
        if limit_bps:
            runner.inject("bandwidth", bps=limit_bps, direction="up")
        chunk = bytes(range(256)) * 5 + bytes(180)  # 1460 bytes, one TCP segment
        sent = 0
        name = "tcp-up-limited" if limit_bps else "tcp-up"
        start = time.monotonic()
        while sent < total:
            piece = chunk[: min(len(chunk), total - sent)]
            console.write(f"AT+CIPSEND=0,{len(piece)}\r")
            console.expect("> ")
            console.write(piece)
            console.expect(f"DATA ACCEPT:0,{len(piece)}")
            sent += len(piece)
            PROGRESS.show(name, sent, total)
        sink.wait_for(total, timeout=total / (limit_bps / 8) * 3 + 30 if limit_bps else 60)
        elapsed = sink.last_at - start
    sink.close()
    return _rate(name, total, elapsed, limit_bps)


def downlink(total: int, limit_bps: float | None) -> Result:
    """Server → +RECEIVE → RS232 side; rate seen on the RS232 side."""
    sink = Sink()
    name = "tcp-down-limited" if limit_bps else "tcp-down"
    with ModemRunner("pty", profile="fast") as runner, Console(runner.port) as console:
        bring_up(console, sink)
        if limit_bps:
            runner.inject("bandwidth", bps=limit_bps, direction="down")
        payload = bytes(i % 251 for i in range(total))
        start = time.monotonic()
        assert sink.conn is not None  # bring_up waited for the connection
        threading.Thread(target=sink.conn.sendall, args=(payload,), daemon=True).start()
        got = bytearray()
        timeout = total / (limit_bps / 8) * 3 + 30 if limit_bps else 60
        while len(got) < total:
            size = int(console.expect_re(rb"\+RECEIVE,0,(\d+):\r\n", timeout).group(1))
            got += console.read_exactly(size, timeout)
            PROGRESS.show(name, len(got), total)
        elapsed = time.monotonic() - start
        if bytes(got) != payload:
            raise RuntimeError("downlink data corrupted")
    sink.close()
    return _rate(name, total, elapsed, limit_bps)


def _rate(name: str, total: int, elapsed: float, limit_bps: float | None) -> Result:
    result: Result = {
        "name": name,
        "bytes": total,
        "seconds": round(elapsed, 3),
        "kbytes_per_s": round(total / elapsed / 1000, 2),
        "kbit_per_s": round(total * 8 / elapsed / 1000, 2),
    }
    if limit_bps:
        ratio = (total * 8 / elapsed) / limit_bps
        result["limit_kbit_per_s"] = limit_bps / 1000
        result["ratio_to_limit"] = round(ratio, 4)
        result["within_5_percent"] = abs(ratio - 1) <= TOLERANCE
    return result


def dtu_world(servers: int = 1, target: str = "reference") -> World:
    names = [ServerConfig(f"dc{i + 1}") for i in range(servers)]
    return World(WorldConfig(target=target, timing="fast", servers=names)).start()


def bench_dtu_boot(rounds: int, target: str = "reference") -> Result:
    """Power-on to ready (the DTU's boot message, AT+CIMODID, on the RS232 port), then
    command mode answering (``+++`` … ``+ok``), and to GPRS up, over several cold boots."""
    ready, gprs = [], []
    world = dtu_world(target=target)
    try:
        with DtuHost(world.rs232_port) as host:
            world.wait(lambda: world.leds["NET"].on, 30)
            host.enter_command_mode()
            host.at_ok('AT+CIMODID="ready"')
            host.at_ok("ATW")
            host.leave_command_mode()
            for i in range(rounds):
                world.cut_power()
                world.wait(lambda: not world.leds["POW"].on, 10)
                host.wait_silence(0.3)
                start = time.monotonic()
                world.power_on()
                host.expect(b"\r\nready\r\n", 30)
                ready.append(time.monotonic() - start)
                host.enter_command_mode()  # the DTU answers the escape once it is ready
                host.leave_command_mode()
                world.wait(lambda: world.leds["NET"].on, 30)
                gprs.append(time.monotonic() - start)
                PROGRESS.show(f"dtu-boot {target}", i + 1, rounds)
    finally:
        world.stop()
    return {
        "name": "dtu-boot",
        "target": target,
        "boots": rounds,
        "to_ready_median_ms": round(statistics.median(ready) * 1000, 1),
        "to_gprs_median_ms": round(statistics.median(gprs) * 1000, 1),
        "note": "fast timing profile: the modem model's boot and attach delays are milliseconds",
    }


def _dtu_link(world: World, host: DtuHost, sockets: int = 1) -> None:
    host.enter_command_mode()
    host.at_ok("AT+CIPCFG=1,0,0,10,1460,0")
    for n in range(1, sockets + 1):
        port = world.server(f"dc{n}").port
        host.at_ok(f'AT+CIPSCONT={n},"TCP","127.0.0.1",{port},1')
    host.leave_command_mode()
    for n in range(1, sockets + 1):
        world.wait_connections(1, f"dc{n}")


def bench_dtu_at(count: int, target: str = "reference") -> Result:
    """Round trip of ``AT`` → ``OK`` in the DTU's command mode (RS232 → firmware → RS232)."""
    world = dtu_world(target=target)
    try:
        with DtuHost(world.rs232_port) as host:
            world.wait(lambda: world.leds["NET"].on, 30)
            host.enter_command_mode()
            host.at_ok("ATE0")
            stats = round_trips(f"dtu-at {target}", count, lambda: host.at_ok("AT"))
    finally:
        world.stop()
    return {"name": "dtu-at", "target": target, **stats}


def bench_dtu_transparent(total: int, target: str = "reference") -> list[Result]:
    world = dtu_world(target=target)
    try:
        with DtuHost(world.rs232_port) as host:
            world.wait(lambda: world.leds["NET"].on, 30)
            _dtu_link(world, host)
            # latency of one small packet each way
            up, down = [], []
            for i in range(20):
                start = time.monotonic()
                host.write(b"ping")
                world.wait_server_received(4 * (i + 1))
                up.append(world.call(lambda: world.server().connections[-1].last_rx) - start)
                start = time.monotonic()
                world.server_send(b"pong")
                host.expect(b"pong")
                down.append(time.monotonic() - start)
            # throughput
            payload = bytes(i % 253 for i in range(total))
            base = len(world.server_received())
            start = time.monotonic()
            window = 8 * 1024  # bytes in flight: the DTU has no flow control, so pace the host
            for i in range(0, total, 1460):
                host.write(payload[i : i + 1460])
                world.wait_server_received(base + max(0, i - window), timeout=60)
            got = world.wait_server_received(base + total, timeout=300)
            up_s = time.monotonic() - start
            if got[base:] != payload:
                raise RuntimeError("RS232 -> server data corrupted")
            start = time.monotonic()
            world.server_send(payload)
            received = host.read_exactly(total, timeout=300)
            down_s = time.monotonic() - start
            if received != payload:
                raise RuntimeError("server -> RS232 data corrupted")
    finally:
        world.stop()
    return [
        {
            "name": "dtu-up",
            "target": target,
            "bytes": total,
            "kbytes_per_s": round(total / up_s / 1000, 1),
            "latency_median_ms": round(statistics.median(up) * 1000, 1),
            "latency_max_ms": round(max(up) * 1000, 1),
        },
        {
            "name": "dtu-down",
            "target": target,
            "bytes": total,
            "kbytes_per_s": round(total / down_s / 1000, 1),
            "latency_median_ms": round(statistics.median(down) * 1000, 1),
            "latency_max_ms": round(max(down) * 1000, 1),
        },
    ]


def bench_dtu_soak(seconds: float) -> Result:
    """Four sockets, both directions, for ``seconds``: byte-exact delivery."""
    world = dtu_world(servers=4)
    sent = bytearray()
    records = 0
    try:
        with DtuHost(world.rs232_port) as host:
            world.wait(lambda: world.leds["NET"].on, 30)
            _dtu_link(world, host, sockets=4)
            start = time.monotonic()
            block = 0
            while time.monotonic() - start < seconds:
                chunk = f"[{block:08d}]".encode() * 40  # 400 bytes
                host.write(chunk)
                sent += chunk
                block += 1
                n = records % 4 + 1
                world.server_send(f"<dc{n}:{records:08d}>".encode(), f"dc{n}")
                records += 1
                time.sleep(0.02)
                if block % 50 == 0:
                    PROGRESS.show("dtu-soak", int(time.monotonic() - start), int(seconds))
            PROGRESS.show("dtu-soak", int(seconds), int(seconds))
            for n in range(1, 5):
                got = world.wait_server_received(len(sent), f"dc{n}", timeout=120)
                if got != sent:
                    raise RuntimeError(f"dc{n}: the host's stream arrived altered")
            expected = b"".join(f"<dc{i % 4 + 1}:{i:08d}>".encode() for i in range(records))
            received = host.read_exactly(len(expected), timeout=120)
            per_server = {n: re.findall(rb"<dc%d:(\d{8})>" % n, received) for n in range(1, 5)}
            for n, seqs in per_server.items():
                want = [b"%08d" % i for i in range(records) if i % 4 + 1 == n]
                if seqs != want:
                    raise RuntimeError(f"dc{n}: records to the host lost, duplicated or reordered")
            elapsed = time.monotonic() - start
    finally:
        world.stop()
    return {
        "name": "dtu-soak",
        "seconds": round(elapsed, 1),
        "sockets": 4,
        "host_to_each_server_bytes": len(sent),
        "servers_to_host_records": records,
        "byte_exact": True,
    }


def bench_targets(quick: bool) -> list[Result]:
    """The firmware under QEMU (and under Renode where installed) beside the reference DTU,
    the same measurements in one run, and each one's ratio to the reference (above 1 = slower
    for times, faster for rates)."""
    measured: dict[str, list[Result]] = {}
    for target in ("reference", "qemu", "renode"):
        try:
            boot = bench_dtu_boot(3 if quick else 10, target)
        except Unsupported as exc:
            print(f"  {exc}: not measured", flush=True)
            continue
        at = bench_dtu_at(100 if quick else 500, target)
        up, down = bench_dtu_transparent(20_000 if quick else 100_000, target)
        measured[target] = [boot, at, up, down]

    def ratio(a: float, b: float) -> float:
        return float(f"{b / a:.3g}") if a else float("nan")

    ref = measured["reference"]
    rows = [row for runs in measured.values() for row in runs]
    for target, runs in measured.items():
        if target == "reference":
            continue
        rows.append(
            {
                "name": f"{target}-vs-reference",
                "boot_to_ready": ratio(ref[0]["to_ready_median_ms"], runs[0]["to_ready_median_ms"]),
                "boot_to_gprs": ratio(ref[0]["to_gprs_median_ms"], runs[0]["to_gprs_median_ms"]),
                "at_round_trip": ratio(ref[1]["median_ms"], runs[1]["median_ms"]),
                "up_rate": ratio(ref[2]["kbytes_per_s"], runs[2]["kbytes_per_s"]),
                "down_rate": ratio(ref[3]["kbytes_per_s"], runs[3]["kbytes_per_s"]),
            }
        )
    return rows


def bench_suite(quick: bool) -> Result:
    """``scripts/test`` as a developer runs it: wall time, and the CPU time of every process
    it started and waited for (its jobs and theirs), from the kernel's accounting."""
    kind = "quick" if quick else "full"
    argv = [str(ROOT / "scripts" / "test"), *(["--quick"] if quick else [])]
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # the job lines are the progress
        if line.startswith(("== ", "test: ")):
            print("  " + line.rstrip(), flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    return {
        "name": f"suite-{kind}",
        "passed": os.waitstatus_to_exitcode(status) == 0,
        "wall_s": round(wall, 1),
        "cpu_user_s": round(usage.ru_utime, 1),
        "cpu_system_s": round(usage.ru_stime, 1),
        "cores_busy": round((usage.ru_utime + usage.ru_stime) / wall, 2),
        "goal_s": SUITE_GOAL_S[kind],
        "within_goal": wall <= SUITE_GOAL_S[kind],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (about 30 s in all)")
    parser.add_argument("--json", default="build/bench.json", help="where to write the results")
    parser.add_argument(
        "--only",
        help="run one group: at-latency, tcp, tcp-limited, dtu-boot, dtu, dtu-soak, targets, suite",
    )
    args = parser.parse_args(argv)
    at_count = 300 if args.quick else 2000
    free = 200_000 if args.quick else 2_000_000
    limited = 25_000 if args.quick else 60_000  # at 5 kB/s: 5 s / 12 s per direction
    plan: list[tuple[str, Callable[[], Result | list[Result]]]] = [
        ("at-latency", lambda: bench_at_latency(at_count)),
        ("tcp", lambda: uplink(free, None)),
        ("tcp", lambda: downlink(free, None)),
        ("tcp-limited", lambda: uplink(limited, LIMIT_BPS)),
        ("tcp-limited", lambda: downlink(limited, LIMIT_BPS)),
        ("dtu-boot", lambda: bench_dtu_boot(5 if args.quick else 20)),
        ("dtu", lambda: bench_dtu_transparent(100_000 if args.quick else 500_000)),
        ("dtu-soak", lambda: bench_dtu_soak(20 if args.quick else 120)),
        ("targets", lambda: bench_targets(args.quick)),
        ("suite", lambda: bench_suite(args.quick)),
    ]
    results = []
    failed = False
    for group, run in plan:
        if args.only and args.only != group:
            continue
        outcome = run()
        for result in outcome if isinstance(outcome, list) else [outcome]:
            results.append(result)
            print("  " + ", ".join(f"{k}={v}" for k, v in result.items()), flush=True)
            if result.get("within_5_percent") is False:
                failed = True
                print(f"  FAIL: {result['name']} missed the bandwidth limit by more than 5 %")
            if result.get("within_goal") is False or result.get("passed") is False:
                failed = True
                print(f"  FAIL: {result['name']} failed or took longer than its goal")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
