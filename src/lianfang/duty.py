"""Who is on duty when: dated shifts and weekly rotas, answered by a binary search.

Built once per directory. Each officer's rota slots are merged into one sorted tuple of
minute-of-week boundaries, and their shifts into one sorted tuple of instants: an officer
is on duty exactly when an odd number of boundaries lie at or before the moment. A
directory with neither shifts nor rotas has everyone on duty.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

from lianfang.errors import InvalidValueError
from lianfang.model import Rota, Shift
from lianfang.model.organisation import minute_of_week

__all__ = ["DutyEdges", "DutyTable", "Moment"]

T = TypeVar("T", int, dt.datetime)


def _boundaries(intervals: Sequence[tuple[T, T]]) -> tuple[T, ...]:
    """Merge half-open intervals and flatten them.

    ``[(1, 3), (2, 5), (7, 8)]`` → ``(1, 5, 7, 8)``.
    """
    merged: list[list[T]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(point for pair in merged for point in pair)


@attrs.frozen
class DutyTable:
    """On-duty answers for one directory's shifts and rotas."""

    tz: zoneinfo.ZoneInfo
    everyone: bool
    _weekly: dict[str, tuple[int, ...]] = attrs.field(alias="weekly")
    _dated: dict[str, tuple[dt.datetime, ...]] = attrs.field(alias="dated")

    @classmethod
    def build(cls, timezone: str, shifts: Iterable[Shift], rotas: Iterable[Rota]) -> DutyTable:
        weekly: dict[str, list[tuple[int, int]]] = defaultdict(list)
        dated: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for rota in rotas:
            weekly[rota.officer_id].extend(rota.week_intervals())
        for shift in shifts:
            dated[shift.officer_id].append((shift.start, shift.end))
        weekly_bounds = {k: _boundaries(v) for k, v in weekly.items()}
        dated_bounds = {k: _boundaries(v) for k, v in dated.items()}
        return cls(
            tz=zoneinfo.ZoneInfo(timezone),
            everyone=not weekly and not dated,
            weekly=weekly_bounds,
            dated=dated_bounds,
        )

    def edges_of(self, officer_ids: Iterable[str]) -> DutyEdges:
        """Where any of these officers' duty changes: between two edges, none of theirs does."""
        ids = set(officer_ids)
        weekly = sorted({m for o in ids for m in self._weekly.get(o, ())})
        dated = sorted({t for o in ids for t in self._dated.get(o, ())})
        return DutyEdges(tuple(weekly), tuple(dated))

    def moment(self, at: dt.datetime) -> Moment:
        """Prepare ``at`` once; then ask :meth:`Moment.on_duty` for as many officers as needed."""
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
        return Moment(self, at, minute_of_week(at.astimezone(self.tz)))

    def on_duty(self, officer_id: str, at: dt.datetime) -> bool:
        return self.moment(at).on_duty(officer_id)


@attrs.frozen
class DutyEdges:
    """The instants where the duty of some group of officers changes (see ``edges_of``)."""

    weekly: tuple[int, ...]
    dated: tuple[dt.datetime, ...]


@attrs.frozen
class Moment:
    """One instant, with its minute of the week already worked out."""

    table: DutyTable
    at: dt.datetime
    minute: int

    def epoch(self, edges: DutyEdges) -> tuple[int, int]:
        """Equal for two moments between the same ``edges``: the officers' duty is the same."""
        return (
            bisect.bisect_right(edges.weekly, self.minute),
            bisect.bisect_right(edges.dated, self.at) if edges.dated else 0,
        )

    def on_duty(self, officer_id: str) -> bool:
        table = self.table
        if table.everyone:
            return True
        weekly = table._weekly.get(officer_id)
        if weekly and bisect.bisect_right(weekly, self.minute) & 1:
            return True
        dated = table._dated.get(officer_id)
        return bool(dated and bisect.bisect_right(dated, self.at) & 1)
