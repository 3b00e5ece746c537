"""Who is on duty when: dated shifts and weekly rotas, answered in constant time.

Built once per directory. Rotas become sorted minute-of-week intervals per officer;
shifts stay dated intervals. A directory with neither has everyone on duty.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

import attrs

from lianfang.errors import InvalidValueError
from lianfang.model import Rota, Shift
from lianfang.model.organisation import minute_of_week

__all__ = ["DutyTable"]


@attrs.frozen
class DutyTable:
    """On-duty answers for one directory's shifts and rotas."""

    tz: zoneinfo.ZoneInfo
    everyone: bool
    _weekly: dict[str, tuple[tuple[int, int], ...]] = attrs.field(alias="weekly")
    _dated: dict[str, tuple[tuple[dt.datetime, dt.datetime], ...]] = attrs.field(alias="dated")
    # Every instant where someone's duty starts or ends: between two of them, nobody's changes.
    _weekly_edges: tuple[int, ...] = attrs.field(alias="weekly_edges", default=())
    _dated_edges: tuple[dt.datetime, ...] = attrs.field(alias="dated_edges", default=())

    @classmethod
    def build(cls, timezone: str, shifts: Iterable[Shift], rotas: Iterable[Rota]) -> DutyTable:
        weekly: dict[str, list[tuple[int, int]]] = defaultdict(list)
        dated: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for rota in rotas:
            weekly[rota.officer_id].extend(rota.week_intervals())
        for shift in shifts:
            dated[shift.officer_id].append((shift.start, shift.end))
        return cls(
            tz=zoneinfo.ZoneInfo(timezone),
            everyone=not weekly and not dated,
            weekly={k: tuple(sorted(v)) for k, v in weekly.items()},
            dated={k: tuple(sorted(v)) for k, v in dated.items()},
            weekly_edges=tuple(sorted({m for v in weekly.values() for pair in v for m in pair})),
            dated_edges=tuple(sorted({t for v in dated.values() for pair in v for t in pair})),
        )

    def moment(self, at: dt.datetime) -> Moment:
        """Prepare ``at`` once; then ask :meth:`Moment.on_duty` for as many officers as needed."""
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
        return Moment(self, at, minute_of_week(at.astimezone(self.tz)))

    def on_duty(self, officer_id: str, at: dt.datetime) -> bool:
        return self.moment(at).on_duty(officer_id)


@attrs.frozen
class Moment:
    """One instant, with its minute of the week already worked out."""

    table: DutyTable
    at: dt.datetime
    minute: int

    @property
    def epoch(self) -> tuple[int, int]:
        """Equal for two moments between the same duty changes: their on-duty sets are equal."""
        table = self.table
        return (
            bisect.bisect_right(table._weekly_edges, self.minute),
            bisect.bisect_right(table._dated_edges, self.at) if table._dated_edges else 0,
        )

    def on_duty(self, officer_id: str) -> bool:
        table = self.table
        if table.everyone:
            return True
        for begin, end in table._weekly.get(officer_id, ()):
            if begin <= self.minute < end:
                return True
        at = self.at
        return any(start <= at < end for start, end in table._dated.get(officer_id, ()))
