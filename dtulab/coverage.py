"""The firmware's coverage by the suites: which lines, branches and functions of the DTU logic
(firmware/dtu/) the tests reached on the native target's coverage build.

``make -C firmware native COVERAGE=1`` builds firmware/build/native-cov/dtu-native with gcc's
``--coverage`` (GCC manual, "Instrumentation Options"; gcov). Every run of it — the Robot
suites with ``TARGET:native`` and ``FIRMWARE`` naming it, as scripts/test's ``robot-native``
job runs them — adds its counters to the ``.gcda`` files beside the objects; a reset and a power
cut write them too (firmware/native/hal_native.c), and runs side by side merge under gcov's
file lock. ``write`` reads them with gcovr (https://gcovr.com: gcov's line, branch and function
counts) into one folder: ``index.html`` (each file line by line, with its branches),
``coverage.json`` (gcovr's JSON: every function's call count), ``summary.json`` and
``summary.md``, the totals and the functions no test reached. ``clear`` empties the counters
before a run. The conformance page links the folder (report.py).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtulab.platforms.firmware import BUILD, FIRMWARE_DIR

COUNTERS = BUILD / "native-cov"  # the coverage build's objects and their counters
SOURCES = "dtu/"  # the DTU logic, relative to firmware/: not the HAL, not the board


@dataclass(frozen=True)
class Function:
    file: str  # relative to firmware/
    line: int
    name: str


@dataclass(frozen=True)
class Coverage:
    """gcovr's totals as (covered, total), and the functions never called."""

    lines: tuple[int, int]
    branches: tuple[int, int]
    functions: tuple[int, int]
    unreached: list[Function]

    def headline(self) -> str:
        def part(what: str, pair: tuple[int, int]) -> str:
            covered, total = pair
            share = 100.0 * covered / total if total else 0.0
            return f"{share:.1f} % of {what} ({covered} of {total})"

        measures = (("lines", self.lines), ("branches", self.branches))
        return ", ".join(part(w, p) for w, p in (*measures, ("functions", self.functions)))


def clear(counters: Path = COUNTERS) -> None:
    """Forget every earlier run: the next report counts what runs from now on."""
    for found in counters.rglob("*.gcda"):
        found.unlink()


def read(folder: Path) -> Coverage | None:
    """The coverage ``write`` left in ``folder``; None if there is none."""
    try:
        totals: dict[str, Any] = json.loads((folder / "summary.json").read_text())
        details: dict[str, Any] = json.loads((folder / "coverage.json").read_text())
    except (OSError, ValueError):
        return None
    unreached = [
        Function(f["file"], fn["lineno"], fn["name"])
        for f in details["files"]
        for fn in f["functions"]
        if fn["execution_count"] == 0
    ]
    return Coverage(
        (totals["line_covered"], totals["line_total"]),
        (totals["branch_covered"], totals["branch_total"]),
        (totals["function_covered"], totals["function_total"]),
        unreached,
    )


def markdown(found: Coverage) -> str:
    lines = [
        "# Firmware coverage (firmware/dtu/, the native target's coverage build)",
        "",
        found.headline() + ".",
        "",
        f"## Functions no test reaches ({len(found.unreached)})",
        "",
        *(f"- `{f.name}` ({f.file}:{f.line})" for f in found.unreached),
    ]
    return "\n".join(lines) + "\n"


def write(out: Path, counters: Path = COUNTERS) -> str:
    """The coverage report in ``out`` from the counters under ``counters``; one line saying
    what was written, or why nothing was."""
    if not any(counters.rglob("*.gcda")):
        return (
            f"coverage skipped: no gcov counters under {counters} (the suites on the native "
            "coverage build write them: scripts/test's robot-native job)"
        )
    if importlib.util.find_spec("gcovr") is None:
        return "coverage skipped: gcovr is not installed (pip install 'dtulab[test]')"
    out = out.resolve()  # gcovr runs in firmware/
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "gcovr", "--root", ".", "--filter", SOURCES]
    argv += ["--html-details", str(out / "index.html"), "--html-title", "DTU firmware coverage"]
    argv += ["--json", str(out / "coverage.json"), "--json-summary", str(out / "summary.json")]
    done = subprocess.run(
        [*argv, str(counters)], cwd=FIRMWARE_DIR, capture_output=True, text=True, timeout=600
    )
    found = read(out) if done.returncode == 0 else None
    if found is None:
        said = (done.stderr or done.stdout).strip().splitlines()[-1:]
        return f"coverage failed: gcovr exited with {done.returncode}: {said}"
    (out / "summary.md").write_text(markdown(found))
    return f"coverage: {found.headline()}; {out / 'index.html'}, {out / 'summary.md'}"
