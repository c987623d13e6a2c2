"""The project's firmware image (firmware/), built on demand with ``make -C firmware``.

scripts/setup builds it once; the emulator targets call ``project_firmware()``
before its first boot in a process, so an edited source is rebuilt (make is a
no-op when nothing changed). A user's own image (``--firmware PATH``) is used
as it is.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from platforms.base import TargetError

FIRMWARE_DIR = Path(__file__).resolve().parents[1] / "firmware"
PROJECT_ELF = FIRMWARE_DIR / "build" / "dtu.elf"

_built: Path | None = None


class FirmwareError(TargetError):
    """The firmware did not build (the message has make's output)."""


async def project_firmware() -> Path:
    global _built
    if _built is None:
        proc = await asyncio.create_subprocess_exec(
            "make", "-s", "-C", str(FIRMWARE_DIR), "all",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await proc.communicate()
        if proc.returncode != 0:
            tail = "\n".join(output.decode(errors="replace").splitlines()[-15:])
            raise FirmwareError(f"make -C firmware failed (exit {proc.returncode}):\n{tail}")
        _built = PROJECT_ELF
    return _built


def user_firmware(path: str) -> Path:
    elf = Path(path)
    if not elf.is_file():
        raise ValueError(f"firmware image {path} does not exist")
    return elf
