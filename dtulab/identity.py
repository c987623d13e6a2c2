"""The device under test as the bench read it: what a conformance report names it by.

Once per target run the bench asks the DTU who it is, in its dialect
(``Dialect.identity``: usr721 answers ``AT+CIVER?`` and ``AT+CGSN``,
docs/usr721.md; it has no command for the ICCID), and notes the target, the
dialect and, for a target that runs a firmware image (qemu, renode), the
image's path and SHA-256. ``record`` writes that to ``<directory>/<column>.json``
unless the file is there already (``column``: the target's name, ``<target>+<dialect>``
for a run in another dialect than usr721, so runs of both dialects on one target keep
their devices apart): the Robot keyword ``Start Bench`` and the
pytest plugin's ``dtu`` fixture both call it on a bench that is up and online,
and of all the processes of a run (pabot, pytest-xdist) one reads the device
and the others leave it alone. ``dtulab report`` reads the files with ``load``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from dtulab.dialects import Dialect
from dtulab.platforms.emulator import EmulatorTarget
from dtulab.world import World, WorldConfig

TIMEOUT = 10.0  # entering and leaving command mode
DEFAULT_DIALECT: str = WorldConfig.dialect  # the bench's default: usr721


def column(target: str, dialect: str) -> str:
    """What the conformance report calls the runs on ``target`` in ``dialect`` (a column of
    its summary, an identity file, a Robot output folder under scripts/test): the target in
    the default dialect, ``<target>+<dialect>`` in another ("+" is in no target's name)."""
    return target if dialect == DEFAULT_DIALECT else f"{target}+{dialect}"


def parts(name: str) -> tuple[str, str]:
    """A column's target and dialect: ``column``'s inverse."""
    target, _, dialect = name.partition("+")
    return target, dialect or DEFAULT_DIALECT


@dataclass(frozen=True)
class Identity:
    """One target's device, as read at ``read_at`` (ISO 8601, UTC)."""

    target: str
    dialect: str
    version: str | None  # the dialect's version reply; None where it has none
    imei: str | None
    iccid: str | None
    firmware: str | None  # the image the target ran (emulated targets), else None
    firmware_sha256: str | None
    read_at: str

    @property
    def column(self) -> str:
        return column(self.target, self.dialect)


def sha256(path: Path) -> str:
    with path.open("rb") as image:
        return hashlib.file_digest(image, "sha256").hexdigest()


def read(world: World, adapter: Dialect) -> Identity:
    """Ask the DTU of ``world`` (online, in transparent mode, where it is left) who it is."""
    adapter.enter_command_mode(TIMEOUT)
    try:
        device = adapter.identity()
    finally:
        adapter.leave_command_mode(TIMEOUT)
    image = world.target.firmware if isinstance(world.target, EmulatorTarget) else None
    return Identity(
        target=world.config.target,
        dialect=adapter.name,
        version=device.version,
        imei=device.imei,
        iccid=device.iccid,
        firmware=str(image) if image else None,
        firmware_sha256=sha256(image) if image else None,
        read_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def record(directory: Path, world: World, adapter: Dialect) -> Path | None:
    """Write the identity of ``world``'s DTU to ``directory/<column>.json`` if no process has
    (the file appears whole: written aside, then renamed); the file written, or None."""
    path = directory / f"{column(world.config.target, adapter.name)}.json"
    if path.exists():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f".{path.name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process is reading the device right now
        if path.exists():
            return None
        identity = read(world, adapter)
        aside = path.with_suffix(f".{os.getpid()}.tmp")
        aside.write_text(json.dumps(asdict(identity), indent=1) + "\n")
        os.replace(aside, path)
    return path


def load(directory: Path) -> dict[str, Identity]:
    """The identities recorded in ``directory``, by column (none if it does not exist)."""
    found = {}
    for path in sorted(directory.glob("*.json")):
        try:
            identity = Identity(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not an identity record ({exc})") from None
        found[identity.column] = identity
    return found
