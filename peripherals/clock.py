"""The one clock every model reads (design.md, "Time").

Host wall-clock for now: ``now()`` is monotonic seconds and ``sleep()`` is
``asyncio.sleep``. All model timers go through a ``Clock`` so that a virtual
clock can replace it later without touching the models.
"""

from __future__ import annotations

import asyncio
import time


class Clock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, deadline: float) -> None:
        await self.sleep(deadline - self.now())
