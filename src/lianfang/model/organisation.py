"""The people and places of a joint-prevention network (组织架构的组成部分)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import attrs

from lianfang.errors import InvalidValueError
from lianfang.model._checks import (
    aware,
    non_empty,
    non_empty_items,
    optional_non_empty,
    positive,
)
from lianfang.model.geo import Geometry

__all__ = [
    "Agency",
    "CommandCenter",
    "Community",
    "Officer",
    "PatrolGroup",
    "PatrolZone",
    "Phone",
    "Rota",
    "Shift",
    "Site",
    "SiteKind",
    "Volunteer",
    "VolunteerRole",
    "VolunteerStatus",
]


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):  # a lone string would otherwise become a tuple of characters
        raise InvalidValueError([f"expected an array of ids, got the string {value!r}"])
    return tuple(value)


def _phone(value: Phone | str | None) -> Phone | None:
    """A plain string becomes a :class:`Phone`, so it is masked wherever it is shown."""
    return Phone(value) if isinstance(value, str) else value


def mask_phone(number: str) -> str:
    """``13800000001`` → ``138****0001``; short numbers are masked entirely."""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


@attrs.frozen(repr=False)
class Phone:
    """A phone number that never shows itself by accident.

    ``repr()``, ``str()`` and f-strings give the masked form (``138****0001``);
    call :meth:`reveal` when the digits are really needed (to place a call).
    """

    _number: str = attrs.field(alias="number", validator=non_empty)

    def reveal(self) -> str:
        return self._number

    @property
    def masked(self) -> str:
        return mask_phone(self._number)

    def __repr__(self) -> str:
        return f"Phone({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)


class VolunteerRole(enum.Enum):
    """What a volunteer does in everyday life, which decides what they can help with."""

    COMMUNITY_CADRE = "community_cadre"  # 社区干部
    INTERNAL_SECURITY = "internal_security"  # 内保
    PROPERTY_MANAGER = "property_manager"  # 物业
    SECURITY_GUARD = "security_guard"  # 保安
    SHOP_OWNER = "shop_owner"  # 沿街店面经营者
    OTHER = "other"


class VolunteerStatus(enum.Enum):
    """Where a volunteer is in screening: only ``ACTIVE`` volunteers take part in routing."""

    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class SiteKind(enum.Enum):
    """The kinds of unit that send scheduled check-ins (报备)."""

    DOCK = "dock"  # 码头
    FERRY = "ferry"  # 渡口
    FIRM = "firm"  # 企业
    ESTATE = "estate"  # 小区
    OTHER = "other"


@attrs.frozen
class Officer:
    """A police officer (民警)."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    unit: str = ""
    phone: Phone | None = attrs.field(default=None, converter=_phone)


@attrs.frozen
class CommandCenter:
    """The 110 command center: owner of emergencies, last rung of every escalation."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)


@attrs.frozen
class PatrolZone:
    """A patrol zone (巡区) with one responsible leader (领导巡区分工负责)."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    leader_id: str = attrs.field(validator=non_empty)


@attrs.frozen
class PatrolGroup:
    """A patrol group (巡组): the officers who patrol one zone."""

    id: str = attrs.field(validator=non_empty)
    zone_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    officer_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_ids, validator=non_empty_items
    )


@attrs.frozen
class Community:
    """A neighbourhood or village (社区/村) with its linked officers (挂钩民警) and cadres."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    group_id: str = attrs.field(validator=non_empty)
    liaison_officer_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_ids, validator=non_empty_items
    )
    cadre_ids: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=non_empty_items)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=non_empty_items)
    geometry: Geometry | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Volunteer:
    """A screened member of the joint-prevention network (联防志愿者)."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    role: VolunteerRole
    community_id: str = attrs.field(validator=non_empty)
    phone: Phone | None = attrs.field(default=None, converter=_phone)
    status: VolunteerStatus = VolunteerStatus.ACTIVE


@attrs.frozen
class Site:
    """A unit that checks in on a schedule (报备单位): a dock, ferry crossing, firm, estate."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    community_id: str = attrs.field(validator=non_empty)
    contact_id: str | None = attrs.field(default=None, validator=optional_non_empty)
    check_in_every_hours: float | None = attrs.field(default=None, validator=positive)
    kind: SiteKind = SiteKind.OTHER


@attrs.frozen
class Agency:
    """A non-police partner (联动单位) and the category codes it takes."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    categories: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=non_empty_items)


def _ends_after_start(instance: Shift, _attribute: object, end: dt.datetime) -> None:
    if end <= instance.start:
        raise InvalidValueError([f"end: {end.isoformat()} is not after start"])


@attrs.frozen
class Shift:
    """One dated duty shift of an officer."""

    officer_id: str = attrs.field(validator=non_empty)
    start: dt.datetime = attrs.field(validator=aware)
    end: dt.datetime = attrs.field(validator=[aware, _ends_after_start])

    def covers(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


def _int_tuple(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _weekdays(instance: Rota, _attribute: object, days: tuple[int, ...]) -> None:
    bad = [d for d in days if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6]
    if bad or not days:
        raise InvalidValueError(
            [f"weekdays: must be a non-empty array of 0 (Monday) … 6 (Sunday), got {list(days)}"]
        )


def _whole_minute(_instance: Rota, attribute: attrs.Attribute[dt.time], value: object) -> None:
    if (
        not isinstance(value, dt.time)
        or value.tzinfo is not None
        or value.second
        or value.microsecond
    ):
        raise InvalidValueError(
            [f"{attribute.name}: must be a wall-clock time in whole minutes, got {value!r}"]
        )


def _not_same_time(instance: Rota, _attribute: object, end: dt.time) -> None:
    if end == instance.start:
        raise InvalidValueError(["end: must differ from start"])


@attrs.frozen
class Rota:
    """A weekly duty pattern in the directory's timezone (Monday = 0).

    A slot whose ``end`` is before its ``start`` runs past midnight into the next day.
    """

    officer_id: str = attrs.field(validator=non_empty)
    weekdays: tuple[int, ...] = attrs.field(converter=_int_tuple, validator=_weekdays)
    start: dt.time = attrs.field(validator=_whole_minute)
    end: dt.time = attrs.field(validator=[_whole_minute, _not_same_time])

    def week_intervals(self) -> tuple[tuple[int, int], ...]:
        """The slots as half-open ``[start, end)`` minutes of the week (Monday 00:00 = 0).

        An overnight slot on Sunday wraps into Monday morning as a second interval.
        """
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        length = (end - start) % MINUTES_PER_DAY
        out: list[tuple[int, int]] = []
        for day in sorted(set(self.weekdays)):
            begin = day * MINUTES_PER_DAY + start
            finish = begin + length
            if finish <= MINUTES_PER_WEEK:
                out.append((begin, finish))
            else:
                out.extend([(begin, MINUTES_PER_WEEK), (0, finish - MINUTES_PER_WEEK)])
        return tuple(sorted(out))

    def covers(self, local: dt.datetime) -> bool:
        """Whether this rota has the officer on duty at ``local`` (a time in the rota's zone)."""
        minute = minute_of_week(local)
        return any(begin <= minute < end for begin, end in self.week_intervals())


MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def minute_of_week(local: dt.datetime) -> int:
    """Minutes since Monday 00:00 of the wall-clock time ``local``."""
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
