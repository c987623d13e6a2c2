"""DTU targets; each registers by name in ``platforms.base.TARGETS``."""

from platforms import qemu, reference, renode, serial  # noqa: F401  (register the targets)
from platforms.base import TARGETS, Target, Unsupported

__all__ = ["TARGETS", "Target", "Unsupported"]
