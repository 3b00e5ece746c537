"""The bounded memo behind triage's and the router's remembered texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianfang.memo import Memo


def test_a_result_is_kept_from_the_second_sight_of_its_key() -> None:
    memo: Memo[str, int] = Memo(4)
    assert memo.keep("有人打架", 1) == 1
    assert memo.kept.get("有人打架") is None and len(memo) == 0
    memo.keep("有人打架", 1)
    assert memo.kept.get("有人打架") == 1 and len(memo) == 1
    memo.clear()
    assert len(memo) == 0
    memo.keep("有人打架", 1)
    assert memo.kept.get("有人打架") is None  # clear() forgot the first sight too


def test_a_memo_needs_room_for_one_result() -> None:
    with pytest.raises(ValueError, match="size"):
        Memo(0)


@given(
    keys=st.lists(st.integers(min_value=0, max_value=12), max_size=200),
    size=st.integers(min_value=1, max_value=6),
)
def test_a_memo_keeps_only_true_results_of_keys_seen_twice_within_its_bounds(
    keys: list[int], size: int
) -> None:
    memo: Memo[int, int] = Memo(size)
    get = memo.kept.get  # a bound get stays valid for the memo's life
    sightings: dict[int, int] = {}
    for key in keys:
        known = get(key)
        if known is None:
            assert memo.keep(key, key * key) == key * key
        else:
            assert known == key * key
        sightings[key] = sightings.get(key, 0) + 1
        assert len(memo) <= size
        assert all(sightings[k] >= 2 for k in memo.kept)
    # a key seen twice in a row right after a fresh start is always kept
    memo.clear()
    memo.keep(99, 0)
    memo.keep(99, 0)
    assert get(99) == 0
