"""Shared reads: the orders in flight when a remembered copy expires send one read, not one each."""

from __future__ import annotations

import asyncio

import pytest

from shared.concurrency import SharedReads


class Source:
    """A read that waits until the test lets it answer, counting how often it was sent."""

    def __init__(self) -> None:
        self.sent = 0
        self.answer = asyncio.Event()

    async def load(self) -> int:
        self.sent += 1
        sent = self.sent
        await self.answer.wait()
        return sent


async def test_reads_of_one_key_under_way_together_share_one() -> None:
    reads, source = SharedReads[str, int](), Source()
    waiting = [asyncio.create_task(reads.read("k", source.load)) for _ in range(5)]
    await asyncio.sleep(0)
    source.answer.set()
    assert await asyncio.gather(*waiting) == [1] * 5
    assert source.sent == 1


async def test_other_keys_and_later_reads_are_sent_again() -> None:
    reads, source = SharedReads[str, int](), Source()
    source.answer.set()
    first, other = await asyncio.gather(reads.read("k", source.load), reads.read("j", source.load))
    assert (first, other) == (1, 2)
    assert await reads.read("k", source.load) == 3  # nothing is remembered once answered


async def test_a_read_begun_before_forget_is_shared_with_nobody_after_it() -> None:
    reads, source = SharedReads[str, int](), Source()
    before = asyncio.create_task(reads.read("k", source.load))
    await asyncio.sleep(0)
    reads.forget("k")
    after = asyncio.create_task(reads.read("k", source.load))
    await asyncio.sleep(0)
    reads.forget_all()
    source.answer.set()
    assert (await before, await after) == (1, 2)


async def test_a_failed_read_fails_every_waiter_and_the_next_read_is_sent() -> None:
    reads, calls = SharedReads[str, int](), []

    async def failing() -> int:
        calls.append(1)
        await asyncio.sleep(0)
        raise ConnectionError("database away")

    waiting = [asyncio.create_task(reads.read("k", failing)) for _ in range(3)]
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 3
    with pytest.raises(ConnectionError):
        await reads.read("k", failing)
    assert len(calls) == 2


async def test_a_waiter_cancelled_leaves_the_read_to_the_others() -> None:
    reads, source = SharedReads[str, int](), Source()
    first = asyncio.create_task(reads.read("k", source.load))
    second = asyncio.create_task(reads.read("k", source.load))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    source.answer.set()
    assert await second == 1
    assert first.cancelled()
