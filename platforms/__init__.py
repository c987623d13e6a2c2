"""DTU targets; each registers by name in ``platforms.base.TARGETS``."""

from dtulab.platforms import labgrid, native, qemu, reference, renode, serial  # noqa: F401  (register the targets)
from dtulab.platforms.base import TARGETS, Target, Unsupported

__all__ = ["TARGETS", "Target", "Unsupported"]
