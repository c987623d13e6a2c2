"""Run every check and test of dtulab, the independent ones side by side (``scripts/test``).

The suites wait far more than they compute (a DTU's timers, a modem's
replies, an emulator starting), so they run at the same time: pytest with
pytest-xdist workers, the Robot suites on each target with pabot, the serial
target against several devices (``dtulab run`` on ptys) at once, and the
reference and serial targets once more in the usr-sock dialect (the reference
DTU speaking it, docs/dialects/usr-sock.md), and the native target's coverage build,
whose gcov counters the report turns into the firmware's coverage. First the
firmware images are built (the qemu and native jobs need them); then the checks (ruff,
ruff format, robocop, mypy, the contract's generated files are up to date, the
firmware's host unit tests, the fuzz harnesses' corpora and a short run of each) and the
suites run together; then ``dtulab report``
sums up. Each job's output goes to ``build/logs/<job>.log``; a line is printed
as each job ends, the tail of its log if it failed, and a table at the end with
the wall time and the CPU time the run used. The exit status is non-zero if any job failed.

``--quick`` is the developer's inner loop (under a minute): the checks, the
firmware unit tests and the pytest tests not marked ``slow``. Other arguments
go to pytest (``scripts/test -k tcpip``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dtulab import coverage, labrig
from dtulab.identity import DEFAULT_DIALECT, column

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
LOGS = BUILD / "logs"
BIN = Path(sys.executable).parent  # the venv's tools: ruff, mypy, pabot, robot, dtulab
JOB_DEADLINE = 20 * 60.0  # a job still running after this is stopped and fails
PYTEST_WORKERS = 6
ROBOT_PROCESSES = 3  # pabot runs a robot process per suite, this many at a time
SERIAL_DEVICES = 3  # `dtulab run` processes the serial target's suites share out
LABGRID_PLACES = 3  # labgrid places (devices) the labgrid target's suites share out
DIALECT_PROCESSES = 2  # the usr-sock runs (robot processes, and devices for serial): a second
# look at the same targets, so fewer beside the others
# requirements (of 27) each column (identity.column: a target, TARGET+DIALECT in another
# dialect) must give a verdict on, or the report job fails: every one on the modelled targets;
# on labgrid all but what a real modem hides (R-HB-3's failing sends); in usr-sock all but
# what its tests cannot express (R-NET-1's four sockets; R-FTP-1, R-FTP-2 and R-AT-6, tested
# in usr721's own commands), on serial less what the serial target cannot observe
LEAST_VERDICTS = {
    "reference": 27,
    "qemu": 27,
    "native": 27,
    "labgrid": 24,
    "reference+usr-sock": 27,
    "serial+usr-sock": 15,
}
DIFF = ("--targets", "reference,qemu", "--seed", "1", "--budget", "90s")  # dtulab diff in CI
# the Renode-style corpus (robot/renode_compat/) runs beside the suites where the bench can do
# what Renode's testers check (LEDs, the modelled network), in the default dialect
RENODE_COMPAT = ("reference", "qemu", "renode", "native")
ALLURE = BUILD / "allure-results"
IDENTITY = BUILD / "identity"  # each target's device as the bench read it (dtulab/identity.py)


@dataclass
class Job:
    """One command of the run; ``devices`` > 0 starts that many DTUs on ptys for it first
    (``dtulab run`` with ``device_args``), ``places`` > 0 that many behind a labgrid
    coordinator (dtulab/labrig.py)."""

    name: str
    argv: list[str]
    cwd: Path = ROOT
    devices: int = 0
    device_args: tuple[str, ...] = ()
    places: int = 0
    env: dict[str, str] = field(default_factory=dict)  # beside the caller's environment
    code: int | None = None
    seconds: float = 0.0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = LOGS / f"{self.name}.log"


def robot(
    target: str,
    dialect: str = DEFAULT_DIALECT,
    processes: int = ROBOT_PROCESSES,
    devices: int = 0,
    device_args: tuple[str, ...] = (),
    places: int = 0,
    firmware: str = "",
) -> Job:
    """The Robot suites (and where it runs the Renode-style corpus) on one target in one AT
    dialect with pabot, in a folder of its own named after the report's column (pabot keeps
    its bookkeeping file in the working directory, so two pabot runs must not share one);
    the run's metadata tells the report the target and dialect."""
    out = BUILD / "robot" / column(target, dialect)
    sources = [ROOT / "robot" / "suites"]
    if target in RENODE_COMPAT and dialect == DEFAULT_DIALECT:
        sources.append(ROOT / "robot" / "renode_compat")
    return Job(
        f"robot-{target}" + ("" if dialect == DEFAULT_DIALECT else f"-{dialect}"),
        [
            str(BIN / "pabot"), "--no-pabotlib", "--processes", str(processes),
            "--variable", f"TARGET:{target}", "--variable", f"DIALECT:{dialect}",
            "--metadata", f"Target:{target}", "--metadata", f"Dialect:{dialect}",
            "--outputdir", str(out), "--xunit", "xunit.xml",
            "--listener", f"allure_robotframework:{ALLURE}",
            "--variable", f"IDENTITY_DIR:{IDENTITY}",
            *(["--variable", f"FIRMWARE:{firmware}"] if firmware else []), *map(str, sources),
        ],
        cwd=out, devices=devices, device_args=device_args, places=places,
    )  # fmt: skip


def plan(quick: bool, pytest_args: list[str]) -> tuple[list[Job], list[Job]]:
    """The jobs before the rest (the firmware images) and the jobs that run side by side."""
    checks = [
        Job("ruff", [str(BIN / "ruff"), "check", "."]),
        Job("ruff-format", [str(BIN / "ruff"), "format", "--check", "."]),
        Job("mypy", [str(BIN / "mypy")]),
        Job("contract", [str(BIN / "python"), "-m", "dtulab.contract", "--check"]),
        Job("firmware-unit", ["make", "-s", "-C", "firmware", "test"]),
    ]
    pytest = [str(BIN / "python"), "-m", "pytest", "-n", str(PYTEST_WORKERS), "--dist", "worksteal"]
    make = ["make", "-s", "-C", "firmware"]
    first = [
        Job("firmware", [*make, "all", "demo", "variants"]),
        # the STM32F103 build of the same firmware (-Werror: warning-free); Renode runs it by
        # hand (docs/targets.md "Bring your own image"), CI has none
        Job("firmware-stm32", [*make, "BOARD=stm32f103", "all", "demo"]),
        Job("firmware-native", [*make, "native", "native-demo"]),
        Job("firmware-native-cov", [*make, "native", "native-demo", "COVERAGE=1"]),
    ]
    if quick:
        return first, [*checks, Job("pytest", [*pytest, "-m", "not slow", *pytest_args])]
    suites = [
        Job("robocop", [str(BIN / "robocop"), "check", "--config", "robot/robocop.toml", "robot/"]),
        *checks,
        # every fuzz harness over its saved corpus, then a few seconds of fuzzing each
        # (docs/fuzzing.md; scripts/fuzz NAME --time 10m for long runs)
        Job("fuzz", [str(BIN / "python"), "-m", "dtulab.fuzzing", "--ci"]),
        Job("pytest", [*pytest, "-m", "not labgrid", *pytest_args]),
        # the labgrid tests in one process: labgrid keeps one coordinator (one rig) per process
        Job(
            "pytest-labgrid",
            [
                *pytest[:3],
                "-m",
                "labgrid",
                *pytest_args,
                "--junitxml=build/junit/pytest-labgrid.xml",
            ],
            env={"DTULAB_PYTEST_RESULTS": "pytest-requirements-labgrid.json"},
        ),
        robot("reference"),
        robot("qemu"),
        # without RENODE or renode on PATH every test is skipped as "unsupported on renode:
        # Renode not installed" (the conformance column says so)
        robot("renode", processes=2),
        # the DTU logic as a process on this host, built with gcov counters: the report job
        # turns them into the firmware's coverage (dtulab/coverage.py, build/report/coverage)
        robot("native", processes=2, firmware=str(coverage.COUNTERS / "dtu-native")),
        # the golden model against the firmware under QEMU: scenarios drawn with a fixed seed
        # for a fixed time (docs/diff.md); a difference fails the job, with its reproducers
        # and the side-by-side page in build/report/diff (linked from the conformance page)
        Job("diff", [str(BIN / "dtulab"), "diff", *DIFF, "--out", str(BUILD / "report" / "diff")]),
        # a real DTU is driven through its port alone; here the devices are `dtulab run` on
        # ptys, one per pabot process; tests that need LEDs, power or the modelled network
        # are reported as unsupported (skipped)
        robot("serial", processes=SERIAL_DEVICES, devices=SERIAL_DEVICES),
        # a lab's DTUs through labgrid: `dtulab run --io` devices behind ser2net, a real
        # coordinator and exporter, a place each; each test takes a free place
        robot("labgrid", processes=LABGRID_PLACES, places=LABGRID_PLACES),
        # the same suites through the usr-sock adapter: against the reference speaking it,
        # and against `dtulab run --dialect usr-sock` devices on ptys, as a third-party DTU of
        # that family would be driven; what the family cannot express is skipped as
        # "unsupported by the dialect usr-sock"
        robot("reference", "usr-sock", processes=DIALECT_PROCESSES),
        robot(
            "serial",
            "usr-sock",
            processes=DIALECT_PROCESSES,
            devices=DIALECT_PROCESSES,
            device_args=("--dialect", "usr-sock"),
        ),
    ]
    return first, suites


@contextlib.contextmanager
def job_devices(job: Job) -> Iterator[list[str]]:
    """The Robot variables that name the job's devices, running while the job runs: PORT
    for the serial target's ptys, LG_ENV for the labgrid target's places."""
    if job.places:
        with labrig.lab([()] * job.places, LOGS / f"{job.name}-rig") as rig:
            yield ["--variable", f"LG_ENV:{','.join(map(str, rig.env_files))}"]
    elif job.devices:
        kinds = [job.device_args] * job.devices
        with labrig.devices(kinds, LOGS, name=f"{job.name}-device") as found:
            yield ["--variable", f"PORT:{','.join(d.port for d in found)}"]
    else:
        yield []


# -- running ----------------------------------------------------------------------------------
def run_job(job: Job) -> None:
    start = time.monotonic()
    with job.log.open("w") as log:
        log.write(f"$ {' '.join(job.argv)}\n")
        log.flush()
        try:
            with job_devices(job) as variables:
                argv = list(job.argv)
                argv[-1:-1] = variables
                job.cwd.mkdir(parents=True, exist_ok=True)
                proc = subprocess.Popen(
                    argv, cwd=job.cwd, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    env={**os.environ, **job.env, "PATH": f"{BIN}:{os.environ['PATH']}"},
                )  # fmt: skip
                try:
                    job.code = proc.wait(JOB_DEADLINE)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    log.write(f"\n{job.name}: still running after {JOB_DEADLINE:.0f} s: stopped\n")
                    job.code = -1
        except (OSError, RuntimeError) as exc:  # a device that did not start: RigError
            log.write(f"\n{job.name}: {exc}\n")
            job.code = -1
    job.seconds = time.monotonic() - start


def run_all(jobs: list[Job]) -> None:
    """Run ``jobs`` side by side; report each as it ends, and every 30 s which still run."""
    threads = {job.name: threading.Thread(target=run_job, args=(job,)) for job in jobs}
    for thread in threads.values():
        thread.start()
    reported: set[str] = set()
    last_note = time.monotonic()
    while len(reported) < len(jobs):
        time.sleep(0.2)
        for job in jobs:
            if job.name not in reported and not threads[job.name].is_alive():
                reported.add(job.name)
                report(job)
        if time.monotonic() - last_note >= 30 and len(reported) < len(jobs):
            last_note = time.monotonic()
            running = [j.name for j in jobs if j.name not in reported]
            print(f"   … still running: {', '.join(running)}", flush=True)


def report(job: Job) -> None:
    verdict = "ok" if job.code == 0 else f"FAILED (exit {job.code})"
    print(f"== {job.name:24} {verdict:18} {job.seconds:6.1f} s   {job.log.relative_to(ROOT)}")
    if job.code != 0:
        lines = job.log.read_text(errors="replace").splitlines()
        print("\n".join(f"   | {line}" for line in lines[-80:]), flush=True)
    sys.stdout.flush()


def fresh_results(quick: bool) -> None:
    """Results of this run only: the report must not count an earlier run's tests."""
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    if quick:
        return
    for folder in (ALLURE, BUILD / "robot", BUILD / "junit", BUILD / "report", IDENTITY):
        shutil.rmtree(folder, ignore_errors=True)
    for results in BUILD.glob("pytest-requirements*.json"):
        results.unlink()
    coverage.clear()  # the native coverage build's counters: this run's robot-native alone
    ALLURE.mkdir(parents=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/test", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick", action="store_true", help="checks, firmware unit tests, fast pytest tests"
    )
    args, pytest_args = parser.parse_known_args(argv)
    start = time.monotonic()
    fresh_results(args.quick)
    first, rest = plan(args.quick, pytest_args)
    run_all(first)
    run_all(rest)
    jobs = first + rest
    if not args.quick:
        floors = [f"--least={column}={n}" for column, n in LEAST_VERDICTS.items()]
        conformance = Job("report", [str(BIN / "dtulab"), "report", *floors])
        run_all([conformance])
        print(conformance.log.read_text(errors="replace"), end="")
        jobs.append(conformance)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = [job.name for job in jobs if job.code != 0]
    wall = time.monotonic() - start
    print(
        f"test: {len(jobs) - len(failed)} of {len(jobs)} jobs passed in {wall:.0f} s "
        f"(CPU {usage.ru_utime:.0f} s user, {usage.ru_stime:.0f} s system)"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
