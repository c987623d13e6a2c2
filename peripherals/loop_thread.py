"""An asyncio event loop on a thread of its own, with synchronous entry points.

Every model of a bench runs on one such loop, so models never race each
other; synchronous callers (pytest, the CLI, Robot keywords) use ``run``
(a coroutine) and ``call`` (a plain function), which execute on the loop and
wait for the result. ``cancel_and_wait`` is how everything on the loop stops
its tasks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, Self, TypeVar

T = TypeVar("T")
GRACE = 1.0  # seconds a cancelled task gets to end before it is cancelled again


async def cancel_and_wait(*tasks: asyncio.Future[Any] | None, grace: float = GRACE) -> None:
    """Cancel ``tasks`` and return once each has ended, whatever it raised. None, and the
    task calling (it cannot wait for its own end: a task that closes what it runs in), are
    skipped.

    A task still running ``grace`` seconds after its cancel is cancelled again: Python
    3.11's ``asyncio.wait_for`` swallows a cancellation that arrives as its inner future
    completes, and such a task runs on; awaiting it once, as ``gather`` does, would wait
    forever (a bench that would not stop, seen under load). A cancellation of the caller
    is not swallowed here.
    """
    current = asyncio.current_task()
    pending = {t for t in tasks if t is not None and t is not current and not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=grace)
    for ended in tasks:  # what they raised is theirs; retrieved so asyncio does not log it
        if ended is not None and ended.done() and not ended.cancelled():
            ended.exception()


def running_tasks() -> str:
    """The loop's tasks and the line each is waiting on (call on the loop)."""
    lines = []
    for task in asyncio.all_tasks():
        if task is asyncio.current_task():
            continue
        frames = task.get_stack(limit=1)
        where = f"{frames[-1].f_code.co_filename}:{frames[-1].f_lineno}" if frames else "?"
        lines.append(f"  {task.get_coro()!r} at {where}")
    return "\n".join(sorted(lines))


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
            current = asyncio.current_task()
            await cancel_and_wait(*(t for t in asyncio.all_tasks() if t is not current))

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

    def start(self, timeout: float = 30.0) -> Self:
        self.thread.start()
        try:
            self.run(self._start(), timeout)
        except BaseException:
            self.thread.stop()
            raise
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """Run ``_stop``; if it has not finished within ``timeout``, say which tasks were
        still running and where (then the loop is stopped all the same)."""
        if self.thread.running:
            try:
                self.run(self._stop(), timeout)
            except concurrent.futures.TimeoutError:
                tasks = self.call(running_tasks, 5.0)
                raise RuntimeError(
                    f"{type(self).__name__} did not stop within {timeout} s; running:\n{tasks}"
                ) from None
            finally:
                self.thread.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.thread.run(coro, timeout)

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        return self.thread.call(fn, timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
