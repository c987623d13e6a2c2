"""DTU targets; each registers by name in ``platforms.base.TARGETS``."""

from platforms import reference  # noqa: F401  (registers "reference")
from platforms.base import TARGETS, Target, Unsupported

__all__ = ["TARGETS", "Target", "Unsupported"]
