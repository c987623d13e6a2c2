"""An asyncio event loop on a thread of its own, with synchronous entry points.

Every model of a bench runs on one such loop, so models never race each
other; synchronous callers (pytest, the CLI, Robot keywords) use ``run``
(a coroutine) and ``call`` (a plain function), which execute on the loop and
wait for the result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def on_loop(self) -> bool:
        return threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        if self.on_loop():
            coro.close()
            raise RuntimeError("LoopThread.run() called from its own loop: await instead")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        """Call ``fn`` on the loop and wait for its result (directly when already on it)."""
        if self.on_loop():
            return fn()

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper(), timeout)

    def stop(self) -> None:
        """Cancel what is left on the loop, stop it and join the thread."""
        if not self.running:
            return

        async def cancel_all() -> None:
            leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in leftovers:
                task.cancel()
            await asyncio.gather(*leftovers, return_exceptions=True)

        try:
            self.run(cancel_all(), 10.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10.0)
            self.loop.close()


class LoopService:
    """Something that lives on its own LoopThread: ``start``/``stop`` and sync calls.

    Subclasses set ``self.thread`` and implement ``_start`` and ``_stop`` (coroutines
    run on the loop).
    """

    thread: LoopThread

    async def _start(self) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> Any:
        self.thread.start()
        try:
            self.run(self._start(), timeout)
        except BaseException:
            self.thread.stop()
            raise
        return self

    def stop(self) -> None:
        if self.thread.running:
            try:
                self.run(self._stop(), 20.0)
            finally:
                self.thread.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.thread.run(coro, timeout)

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        return self.thread.call(fn, timeout)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
