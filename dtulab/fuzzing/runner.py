"""Running the fuzz harnesses (``scripts/fuzz``, docs/fuzzing.md): build the firmware's, replay
a corpus (the regression inputs), fuzz for a while. A run's new inputs go to
build/fuzz/new/<name>/; the firmware's are merged into the corpus only where they add an edge
(libFuzzer's -merge=1), so the committed corpora stay small; a crash is saved as
build/fuzz/crashes/<name>/crash-<sha1> and named in one line with the command that replays it."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dtulab.fuzzing.registry import ROOT, Harness

BUILD = ROOT / "build" / "fuzz"
SHA1 = re.compile(r"[0-9a-f]{40}")  # the inputs libFuzzer names


class FuzzFailed(Exception):
    """A harness crashed, broke a property or did not build; the message says where."""


def build() -> None:
    """``make -C firmware fuzz``: every libFuzzer harness (needs clang and libFuzzer)."""
    done = subprocess.run(["make", "-s", "-C", str(ROOT / "firmware"), "fuzz"], check=False)
    if done.returncode != 0:
        raise FuzzFailed("make -C firmware fuzz failed (clang with libFuzzer: scripts/setup)")


def _command(harness: Harness) -> list[str]:
    if harness.engine == "libfuzzer":
        return [str(harness.binary)]
    return [sys.executable, "-m", "dtulab.fuzzing.atheris_main", harness.name]


def replay(harness: Harness) -> int:
    """Every saved input once; returns how many. Python harnesses run in this process (no
    atheris needed), the firmware's with -runs=0."""
    inputs = sorted(p for p in harness.corpus.glob("*") if p.is_file())
    if harness.engine == "atheris":
        check = importlib.import_module(f"dtulab.fuzzing.{harness.source}").check
        for path in inputs:
            try:
                check(path.read_bytes())
            except Exception as exc:
                raise FuzzFailed(f"{harness.name}: {path.relative_to(ROOT)}: {exc!r}") from exc
        return len(inputs)
    BUILD.mkdir(parents=True, exist_ok=True)  # libFuzzer writes nothing into a folder it lacks
    prefix = f"-artifact_prefix={BUILD}/replay-{harness.name}-"
    done = subprocess.run(
        [*_command(harness), "-runs=0", prefix, str(harness.corpus)], capture_output=True, text=True
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-30:])
        raise FuzzFailed(f"{harness.name}: a saved input fails:\n{tail}")
    return len(inputs)


def fuzz(harness: Harness, seconds: int, jobs: int = 1, merge: bool = True) -> None:
    """Fuzz for ``seconds`` (``jobs`` > 1: libFuzzer's fork mode) from the corpus; with
    ``merge`` the firmware's corpus is rebuilt with the new inputs (``minimize``). A Python
    harness's new inputs stay in build/fuzz/new/NAME/: libFuzzer's merge re-runs argv[0],
    which under atheris is a module, not a program."""
    new = BUILD / "new" / harness.name
    crashes = BUILD / "crashes" / harness.name
    for folder in (new, crashes):
        folder.mkdir(parents=True, exist_ok=True)
    harness.corpus.mkdir(parents=True, exist_ok=True)
    before = set(crashes.iterdir())
    flags = [f"-max_total_time={seconds}", f"-artifact_prefix={crashes}/", "-print_final_stats=1"]
    if jobs > 1:
        flags.append(f"-fork={jobs}")
    log = BUILD / f"{harness.name}.log"
    with log.open("w") as out:
        done = subprocess.run(
            [*_command(harness), *flags, str(new), str(harness.corpus)],
            stdout=out, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    found = sorted(set(crashes.iterdir()) - before)
    if done.returncode != 0 or found:
        where = found[0] if found else log
        raise FuzzFailed(
            f"{harness.name}: crash saved in {where.relative_to(ROOT)} (log "
            f"{log.relative_to(ROOT)}; replay: {' '.join(_command(harness))} {where})"
        )
    if merge and harness.engine == "libfuzzer":
        minimize(harness, new)


def minimize(harness: Harness, *more: Path) -> None:
    """Rebuild the corpus from itself and ``more``: the fewest inputs that keep every edge
    (-merge=1 without counters). Inputs named by hand (a finding's, not a SHA-1) stay."""
    fresh = BUILD / "minimized" / harness.name
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    subprocess.run(
        [*_command(harness), "-merge=1", "-use_counters=0", str(fresh), str(harness.corpus),
         *map(str, more)],
        capture_output=True, check=True,
    )  # fmt: skip
    for path in harness.corpus.iterdir():
        if SHA1.fullmatch(path.name):
            path.unlink()
    for path in fresh.iterdir():
        shutil.copy(path, harness.corpus / path.name)
