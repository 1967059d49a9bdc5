"""The frame-joining adapter (``shared/messaging/frames.py``): what it leans on in aiormq still
holds, and it joins what is queued without reordering, splitting a close or losing a drain.

This fails when an aiormq upgrade stops building its writer's iterator as the adapter expects:
then adapt the adapter, or drop it if upstream took the request."""

from __future__ import annotations

import asyncio
import inspect

import aiormq.connection
import pytest
from aiormq.abc import ChannelFrame

from shared.messaging import frames
from shared.messaging.frames import CoalescingFrames, JoinedFrames, coalesce_frames


def test_aiormq_builds_its_writer_iterator_by_the_module_name_the_adapter_replaces() -> None:
    writer = inspect.getsource(aiormq.connection.Connection._Connection__writer)  # type: ignore[attr-defined]
    assert "FrameGenerator(self.write_queue)" in writer
    connection = inspect.getsource(aiormq.connection.Connection)
    for used in (".payload", ".should_close", ".should_drain", ".drain()", "close_event"):
        assert used in writer or used in connection
    coalesce_frames()
    coalesce_frames()
    installed: object = aiormq.connection.FrameGenerator
    assert installed is CoalescingFrames


def frame(
    payload: bytes, *, close: bool = False, drain: asyncio.Future[None] | None = None
) -> ChannelFrame:
    return ChannelFrame(payload=payload, should_close=close, drain_future=drain)


async def test_what_is_queued_goes_out_joined_in_order_and_every_drain_is_resolved() -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    drains = [loop.create_future(), loop.create_future()]
    # The first frame has no drain of its own: the joined write drains for those after it.
    for item in (frame(b"a"), frame(b"bc", drain=drains[0]), frame(b"d", drain=drains[1])):
        queue.put_nowait(item)
    written = await anext(CoalescingFrames(queue))
    assert isinstance(written, JoinedFrames)
    assert written.payload == b"abcd"
    assert not written.should_close
    assert written.should_drain
    written.drain()
    assert all(d.done() for d in drains)
    assert not written.should_drain
    assert queue.empty()
    await asyncio.wait_for(queue.join(), 1)  # every get was marked done


async def test_a_frame_alone_is_written_as_it_is_at_once() -> None:
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    alone = frame(b"only")
    queue.put_nowait(alone)
    assert await anext(CoalescingFrames(queue)) is alone


async def test_a_close_ends_the_joined_write_and_what_follows_waits_for_the_next() -> None:
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    for item in (frame(b"a"), frame(b"close", close=True), frame(b"after")):
        queue.put_nowait(item)
    stream = CoalescingFrames(queue)
    first = await anext(stream)
    assert first.payload == b"aclose"
    assert first.should_close
    assert (await anext(stream)).payload == b"after"


async def test_a_close_first_in_the_queue_is_written_alone() -> None:
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    closing = frame(b"close", close=True)
    for item in (closing, frame(b"after")):
        queue.put_nowait(item)
    assert await anext(CoalescingFrames(queue)) is closing
    assert queue.qsize() == 1


async def test_a_joined_write_stops_growing_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    for _ in range(5):
        queue.put_nowait(frame(b"x" * 10))
    monkeypatch.setattr(frames, "MAX_JOINED_BYTES", 25)
    stream = CoalescingFrames(queue)
    assert len((await anext(stream)).payload) == 30
    assert len((await anext(stream)).payload) == 20


async def test_after_close_the_iteration_ends() -> None:
    stream = CoalescingFrames(asyncio.Queue())
    stream.close_event.set()
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
