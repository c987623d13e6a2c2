"""HTTPD client mode (manual 2.1.4, R-HTTP-1) — in progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dtu.dtu import Dtu


async def request(dtu: Dtu, packet: bytes) -> None:
    raise NotImplementedError("HTTPD client mode is being built")
