"""A bounded memo of a pure function's results, for keys that recur.

Triage and the router's reading of a text are pure functions of the text, and the short
texts of a 110 line recur ("有人打架", "开锁"), so both remember their recent results. But
most of a volunteer's own words are seen once, and keeping their results costs more than
it saves: every result kept is memory the next report's work no longer finds in the CPU's
caches (about a microsecond a text, measured on triage). So a :class:`Memo` keeps a
result from the second time its key is seen; the first time, it keeps only the key (which
the caller holds anyway). Both the results and the keys are bounded: when either reaches
``size`` entries it starts afresh, which forgets at most ``size`` results and never
changes an answer.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Results for keys seen at least twice recently. Read with ``memo.kept.get(key)``
    (a plain dict, the same object for the memo's life, so a caller may keep its bound
    ``get``); offer each result computed on a miss to :meth:`keep`."""

    __slots__ = ("_seen", "_size", "kept")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size: must be at least 1, not {size!r}")
        self.kept: dict[K, V] = {}
        self._seen: set[K] = set()
        self._size = size

    def keep(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` if the key was seen before; return ``value``."""
        seen = self._seen
        if key in seen:
            kept = self.kept
            if len(kept) >= self._size:
                kept.clear()
            kept[key] = value
        else:
            if len(seen) >= self._size:
                seen.clear()
            seen.add(key)
        return value

    def clear(self) -> None:
        """Forget every result and every key."""
        self.kept.clear()
        self._seen.clear()

    def __len__(self) -> int:
        """The number of results kept."""
        return len(self.kept)
