"""FTP download mode (manual 2.1.2, R-FTP-1/2) — in progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dtu.dtu import Dtu


async def handle(dtu: Dtu, packet: bytes) -> bool:
    return False
