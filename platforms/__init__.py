"""DTU targets; each registers by name in ``platforms.base.TARGETS``."""

from platforms import reference, serial  # noqa: F401  (register "reference", "serial")
from platforms.base import TARGETS, Target, Unsupported

__all__ = ["TARGETS", "Target", "Unsupported"]
