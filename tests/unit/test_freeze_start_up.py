"""What start-up made is moved out of the cycle collector's reach before a process serves
(``shared.lifecycle.freeze_start_up``): later collections walk only what serving makes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.lifecycle import freeze_start_up


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def test_start_up_s_objects_are_frozen_and_its_garbage_collected_first(thawed: None) -> None:
    made_at_start = [[index] for index in range(1000)]  # lives on, like a module's tables
    garbage: list[object] = []
    garbage.append(garbage)  # a cycle nothing refers to: collected, not frozen
    del garbage
    freeze_start_up()
    assert gc.get_freeze_count() >= len(made_at_start)
    assert gc.get_count()[0] < 100  # the young generation starts empty
    assert gc.collect() == 0  # nothing start-up left for a collection to find
