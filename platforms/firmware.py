"""The project's firmware images (firmware/), built on demand with ``make -C firmware``.

scripts/setup builds them once; the emulator targets call ``project_firmware()``
before its first boot in a process, so an edited source is rebuilt (make is a
no-op when nothing changed), and tests build the image they run with
``make_firmware(goal)``. Builds hold a lock on the tree: pytest-xdist workers
and scripts/test's jobs may ask for one at the same moment. A user's own image
(``--firmware PATH``) is used as it is.
"""

from __future__ import annotations

import asyncio
import fcntl
import subprocess
from pathlib import Path

from dtulab.platforms.base import TargetError

FIRMWARE_DIR = Path(__file__).resolve().parents[1] / "firmware"
BUILD = FIRMWARE_DIR / "build"
PROJECT_ELF = BUILD / "dtu.elf"
IMAGES = {  # make goal -> the image it builds (firmware/Makefile)
    "all": PROJECT_ELF,
    "demo": BUILD / "board-demo.elf",
    "UNSAFE_STORE=1": BUILD / "dtu-unsafe.elf",
    "NO_RESEND=1": BUILD / "dtu-noresend.elf",
    "build/dtu-planted.elf": BUILD / "dtu-planted.elf",  # one reply changed (dtulab diff)
    # the STM32F103 board (firmware/board/stm32f103/, wired by platforms/stm32f103.toml)
    "BOARD=stm32f103": BUILD / "stm32f103" / "dtu.elf",
    "BOARD=stm32f103 demo": BUILD / "stm32f103" / "board-demo.elf",
    # the DTU logic as a process on the build host (the native target), and with --coverage
    "native": BUILD / "native" / "dtu-native",
    "native COVERAGE=1": BUILD / "native-cov" / "dtu-native",
    "native-demo": BUILD / "native" / "board-demo",
    "native-demo COVERAGE=1": BUILD / "native-cov" / "board-demo",
}

_built: dict[str, Path] = {}


class FirmwareError(TargetError):
    """The firmware did not build (the message has make's output)."""


def make_firmware(goal: str = "all") -> Path:
    """``make -C firmware <goal>``, one build of the tree at a time; the image it built."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with (BUILD / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(
            ["make", "-s", "-C", str(FIRMWARE_DIR), *goal.split()],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise FirmwareError(f"make -C firmware {goal} failed (exit {done.returncode}):\n{tail}")
    return IMAGES[goal]


async def project_firmware(goal: str = "all") -> Path:
    """The image of ``goal`` built once in this process (an edited source is rebuilt)."""
    if goal not in _built:
        _built[goal] = await asyncio.to_thread(make_firmware, goal)
    return _built[goal]


def user_firmware(path: str) -> Path:
    elf = Path(path)
    if not elf.is_file():
        raise ValueError(f"firmware image {path} does not exist")
    return elf
