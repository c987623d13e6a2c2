"""The bench loop's helpers (peripherals/loop_thread.py)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from dtulab.peripherals.loop_thread import LoopService, LoopThread, cancel_and_wait


async def swallows_one_cancel(ended: list[str]) -> None:
    """What Python 3.11's asyncio.wait_for does when a cancellation arrives as its inner
    future completes: the cancellation is lost and the task goes on."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(3600)
    try:
        await asyncio.sleep(3600)
    finally:
        ended.append("second cancel")


def test_a_task_that_swallows_a_cancellation_still_ends():
    async def scenario() -> list[str]:
        ended: list[str] = []
        task = asyncio.ensure_future(swallows_one_cancel(ended))
        await asyncio.sleep(0)
        with pytest.raises(TimeoutError):  # cancel once and wait, as gather-based code did
            task.cancel()
            await asyncio.wait_for(asyncio.shield(task), 0.5)
        await asyncio.wait_for(cancel_and_wait(task, grace=0.1), 10)
        assert task.done()
        return ended

    assert asyncio.run(scenario()) == ["second cancel"]


def test_what_the_tasks_raised_stays_theirs_and_none_is_skipped():
    async def fails() -> None:
        raise ValueError("inside the task")

    async def scenario() -> None:
        task = asyncio.ensure_future(fails())
        await asyncio.sleep(0)
        await cancel_and_wait(task, None)  # no exception here, none logged as unretrieved
        assert isinstance(task.exception(), ValueError)

    asyncio.run(scenario())


def test_the_callers_cancellation_is_not_swallowed():
    async def scenario() -> None:
        stubborn = asyncio.ensure_future(asyncio.sleep(3600))
        waiter = asyncio.ensure_future(cancel_and_wait(stubborn))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        stubborn.cancel()

    asyncio.run(scenario())


class Stuck(LoopService):
    """A service whose stop waits for something that never comes."""

    def __init__(self) -> None:
        self.thread = LoopThread("stuck")
        self.never = asyncio.Event()

    async def _start(self) -> None:
        pass

    async def _stop(self) -> None:
        await self.never.wait()


def test_a_service_that_does_not_stop_says_where_it_waits():
    service = Stuck().start()
    with pytest.raises(RuntimeError) as failed:
        service.stop(timeout=0.5)
    assert "Stuck did not stop within 0.5 s" in str(failed.value)
    assert "Stuck._stop" in str(failed.value) and "test_loop_thread.py" in str(failed.value)
    assert not service.thread.running  # the loop is stopped all the same


def test_a_task_closing_what_it_runs_in_is_not_cancelled():
    async def scenario() -> str:
        async def closes_itself() -> str:
            me = asyncio.current_task()
            await cancel_and_wait(me)
            await asyncio.sleep(0)  # not cancelled: it goes on to finish its work
            return "finished"

        return await asyncio.ensure_future(closes_itself())

    assert asyncio.run(scenario()) == "finished"
