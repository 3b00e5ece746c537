"""Who is on duty when: dated shifts and weekly rotas, answered by a binary search.

Built once per directory. Each officer's rota slots are merged into one sorted tuple of
minute-of-week boundaries, and their shifts into one sorted tuple of UTC instants: an
officer is on duty exactly when an odd number of boundaries lie at or before the moment.
A directory with neither shifts nor rotas has everyone on duty.

For a fixed set of officers asked about again and again (the officers of a patrol zone),
:meth:`DutyTable.roll` prepares a :class:`DutyRoll`: the week and the timeline cut at
every boundary of those officers, each piece labelled with a bitmask of who is on duty
throughout it, so that one instant costs two binary searches for the whole set.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import attrs

from lianfang.errors import InvalidValueError
from lianfang.model import Rota, Shift
from lianfang.model.organisation import minute_of_week

__all__ = ["DutyRoll", "DutyTable", "Moment"]

T = TypeVar("T", int, dt.datetime)

_UTC = dt.UTC


def _boundaries(intervals: Sequence[tuple[T, T]]) -> tuple[T, ...]:
    """Merge half-open intervals and flatten them.

    ``[(1, 3), (2, 5), (7, 8)]`` → ``(1, 5, 7, 8)``. Touching intervals merge too, so the
    result is strictly increasing.
    """
    merged: list[list[T]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(point for pair in merged for point in pair)


def _sweep(boundaries: Iterable[tuple[int, Sequence[T]]]) -> tuple[tuple[T, ...], tuple[int, ...]]:
    """Cut a line at every boundary of several officers, each given as (bit, boundaries).

    Returns ``(edges, masks)`` with ``len(masks) == len(edges) + 1``: for a point ``x``,
    ``masks[bisect_right(edges, x)]`` has the bit of every officer with an odd number of
    boundaries at or before ``x``.
    """
    toggles: dict[T, int] = defaultdict(int)
    for bit, points in boundaries:
        for point in points:
            toggles[point] ^= bit
    edges = sorted(toggles)
    masks = [0]
    for edge in edges:
        masks.append(masks[-1] ^ toggles[edge])
    return tuple(edges), tuple(masks)


@attrs.frozen
class DutyTable:
    """On-duty answers for one directory's shifts and rotas."""

    tz: zoneinfo.ZoneInfo
    everyone: bool
    _weekly: dict[str, tuple[int, ...]] = attrs.field(alias="weekly")
    # Shift boundaries in UTC: comparing datetimes that share one fixed tzinfo needs no
    # utcoffset() call, and UTC has no fold to make wall-clock order differ from time order.
    _dated: dict[str, tuple[dt.datetime, ...]] = attrs.field(alias="dated")

    @classmethod
    def build(cls, timezone: str, shifts: Iterable[Shift], rotas: Iterable[Rota]) -> DutyTable:
        weekly: dict[str, list[tuple[int, int]]] = defaultdict(list)
        dated: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for rota in rotas:
            weekly[rota.officer_id].extend(rota.week_intervals())
        for shift in shifts:
            dated[shift.officer_id].append(
                (shift.start.astimezone(_UTC), shift.end.astimezone(_UTC))
            )
        return cls(
            tz=zoneinfo.ZoneInfo(timezone),
            everyone=not weekly and not dated,
            weekly={k: _boundaries(v) for k, v in weekly.items()},
            dated={k: _boundaries(v) for k, v in dated.items()},
        )

    def moment(self, at: dt.datetime) -> Moment:
        """Prepare ``at`` once; then ask :meth:`Moment.on_duty` for as many officers as needed."""
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
        return Moment(self, at, minute_of_week(at.astimezone(self.tz)), at.astimezone(_UTC))

    def on_duty(self, officer_id: str, at: dt.datetime) -> bool:
        return self.moment(at).on_duty(officer_id)

    def roll(self, officer_ids: Iterable[str]) -> DutyRoll:
        """Prepare on-duty answers for these officers as bitmasks (see :class:`DutyRoll`).

        Building costs one pass over the officers' boundaries. The roll holds one mask per
        distinct boundary, so its memory is about boundaries x officers / 8 bytes: a patrol
        zone's rotas make a few dozen boundaries, its dated shifts two per distinct start
        and end instant.
        """
        ids = tuple(sorted(set(officer_ids)))
        bits = {officer_id: 1 << n for n, officer_id in enumerate(ids)}
        if self.everyone:
            return DutyRoll(self.tz, ids, bits, (), ((1 << len(ids)) - 1,), (), (0,))
        weekly_edges, weekly_masks = _sweep((bits[o], self._weekly.get(o, ())) for o in ids)
        dated_edges, dated_masks = _sweep((bits[o], self._dated.get(o, ())) for o in ids)
        return DutyRoll(self.tz, ids, bits, weekly_edges, weekly_masks, dated_edges, dated_masks)


@attrs.frozen
class Moment:
    """One instant, with its minute of the week (in the table's zone) and UTC form worked out."""

    table: DutyTable
    at: dt.datetime
    minute: int
    utc: dt.datetime

    def on_duty(self, officer_id: str) -> bool:
        table = self.table
        if table.everyone:
            return True
        weekly = table._weekly.get(officer_id)
        if weekly and bisect.bisect_right(weekly, self.minute) & 1:
            return True
        dated = table._dated.get(officer_id)
        return bool(dated and bisect.bisect_right(dated, self.utc) & 1)


@attrs.frozen(eq=False)
class DutyRoll:
    """Who of a fixed set of officers is on duty at any instant, as a bitmask.

    Bit ``n`` (the mask ``1 << n``) stands for ``officer_ids[n]``. The ids are sorted, so a
    lower bit is a lower id: the lowest set bit of a mask (``mask & -mask``) is its first
    officer in id order, and walking the bits upwards lists them in id order. ``bits``
    maps each officer id to its one-bit mask. Make one with :meth:`DutyTable.roll`.
    """

    tz: zoneinfo.ZoneInfo
    officer_ids: tuple[str, ...]
    bits: Mapping[str, int]
    # The week in minutes and the timeline in UTC instants, each cut at every boundary of
    # these officers; masks[i] holds between edges[i - 1] and edges[i].
    _weekly_edges: tuple[int, ...]
    _weekly_masks: tuple[int, ...]
    _dated_edges: tuple[dt.datetime, ...]
    _dated_masks: tuple[int, ...]

    def mask_of(self, officer_ids: Iterable[str]) -> int:
        """The mask of these officers (ids not in the roll are left out)."""
        bits = self.bits
        mask = 0
        for officer_id in officer_ids:
            mask |= bits.get(officer_id, 0)
        return mask

    def officers_in(self, mask: int) -> tuple[str, ...]:
        """The ids of a mask's officers, in id order."""
        ids = self.officer_ids
        found = []
        while mask:
            low = mask & -mask
            found.append(ids[low.bit_length() - 1])
            mask ^= low
        return tuple(found)

    def on_duty_mask(self, at: dt.datetime) -> int:
        """The mask of the officers on duty at ``at`` (a timezone-aware datetime)."""
        if at.tzinfo is None:
            raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
        local = at.astimezone(self.tz)
        mask = self._weekly_masks[
            bisect.bisect_right(
                self._weekly_edges, local.weekday() * 1440 + local.hour * 60 + local.minute
            )
        ]
        dated_edges = self._dated_edges
        if dated_edges:
            mask |= self._dated_masks[bisect.bisect_right(dated_edges, at.astimezone(_UTC))]
        return mask
