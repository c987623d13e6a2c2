"""One package: the wheel holds everything a lab's own test repository needs.

The wheel is built from the checkout, installed into a fresh virtual
environment outside it, and used from a folder of its own as README's "Use
dtulab in your own tests" says: its pytest example with the plugin's fixtures
(``--dtulab-target``, ``world``, ``dtu``, ``servers``), its Robot example that
imports the keyword library through the installed resource file, and one of
the suites dtulab ships. The new environment borrows the third-party libraries (pytest,
Robot Framework, pyserial, ...) from the test's own environment through a
``.pth`` file, so no network is needed; dtulab itself comes from the wheel
alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ("pyproject.toml", "README.md", "dtulab", "dtu", "peripherals", "platforms", "robot")
NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.egg-info")


def readme_example(language: str) -> str:
    """The README's example in ``language`` from "Use dtulab in your own tests": what a lab
    copies is what this test runs."""
    section = (ROOT / "README.md").read_text().split("## Use dtulab in your own tests")[1]
    match = re.search(rf"```{language}\n(.*?)```", section.split("\n## ")[0], re.S)
    assert match, f"README: no {language} example under 'Use dtulab in your own tests'"
    return match.group(1)


# the installed package, not a checkout
WHERE = "import dtulab\n\nassert 'site-packages' in dtulab.__file__, dtulab.__file__\n\n\n"


def run(argv: list[str], cwd: Path, timeout: float = 300) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{argv}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def install_wheel(tmp: Path) -> tuple[Path, Path]:
    """Build the wheel, install it in a new environment: (its python, its site-packages)."""
    source, dist = tmp / "source", tmp / "dist"  # a build writes build/ and *.egg-info in
    source.mkdir()  # the tree it builds: a copy keeps the checkout's own out of it
    for part in SOURCE:
        if (ROOT / part).is_dir():  # the links in dtulab/ stay links
            shutil.copytree(ROOT / part, source / part, symlinks=True, ignore=NOT_SOURCE)
        else:
            shutil.copy2(ROOT / part, source / part)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)], tmp)
    (wheel,) = dist.glob("dtulab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "dtulab/dtu/settings.py",
        "dtulab/peripherals/links.py",
        "dtulab/platforms/board.toml",
        "dtulab/platforms/renode/renode.repl",
        "dtulab/platforms/renode/dtu.resc",
        "dtulab/contract/usr721.toml",
        "dtulab/robot/DtuLibrary.py",
        "dtulab/robot/resources/dtulab.resource",
        "dtulab/robot/suites/at_commands.robot",
        "dtulab/pytest_plugin.py",
    ):
        assert shipped in names, f"{shipped} not in {wheel.name}"
    assert not {n for n in names if n.split("/")[0] in ("dtu", "peripherals", "platforms")}
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp)
    python = venv / "bin" / "python"
    purelib = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp
        ).strip()
    )
    ours = sysconfig.get_path("purelib")  # the libraries dtulab depends on, borrowed
    (purelib / "borrowed-libraries.pth").write_text(ours + "\n")
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], tmp)
    return python, purelib


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_lab_runs_its_pytest_tests_and_robot_suites_on_the_installed_wheel(tmp_path):
    python, purelib = install_wheel(tmp_path)
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "test_lab.py").write_text(WHERE + readme_example("python"))
    out = run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--dtulab-target",
         "reference", "test_lab.py"],
        lab,
    )  # fmt: skip
    assert "1 passed" in out
    (lab / "lab.robot").write_text(readme_example("robotframework"))
    out = run([str(python), "-m", "robot", "--outputdir", "lab", "lab.robot"], lab)
    assert "1 test, 1 passed, 0 failed" in out
    shipped = purelib / "dtulab" / "robot" / "suites" / "at_commands.robot"
    out = run(
        [str(python), "-m", "robot", "--outputdir", "shipped", "--variable", "TARGET:reference",
         "--test", "Every Range Of The Contract Holds At Both Ends", str(shipped)],
        lab,
    )  # fmt: skip
    assert "1 test, 1 passed, 0 failed" in out
