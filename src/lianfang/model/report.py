"""What someone says happened (报警/线索/求助), and the vocabulary triage answers in."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import attrs

from lianfang.errors import InvalidValueError, ReportError
from lianfang.model._checks import aware, instance_of, non_empty, optional_non_empty
from lianfang.model.geo import GeoPoint

__all__ = ["Channel", "Kind", "Priority", "Report"]


class Channel(enum.Enum):
    """How a report reached the network."""

    PHONE_110 = "phone_110"  # 110 电话
    VOLUNTEER = "volunteer"  # 联防志愿者群
    APP = "app"  # 小程序/APP
    WALK_IN = "walk_in"  # 来所/来队
    PATROL = "patrol"  # 巡逻发现
    CHECK_IN = "check_in"  # 报备


class Kind(enum.Enum):
    """What sort of matter a report is (类别)."""

    EMERGENCY = "emergency"  # 紧急求助/警情
    NON_EMERGENCY = "non_emergency"  # 非紧急求助
    CLUE = "clue"  # 线索
    INFO = "info"  # 咨询/信息


class Priority(enum.Enum):
    """How urgent a matter is: ``P1`` is the most urgent, ``P4`` the least.

    Compare with :attr:`rank` or :meth:`most_urgent`; the enum values are the
    labels used in JSON.
    """

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for ``P1`` … 4 for ``P4``: smaller is more urgent."""
        return int(self.value[1])

    @staticmethod
    def most_urgent(*priorities: Priority) -> Priority:
        return min(priorities, key=lambda p: p.rank)


_CATEGORY = re.compile(r"[0-9]{6}")


def _category(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _CATEGORY.fullmatch(value)):
        raise InvalidValueError([f"category: {value!r} is not a six-digit category code"])


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(name: str, value: object) -> None:
    """A string that can be stored as UTF-8: text decoded with ``errors="surrogateescape"``
    holds lone surrogates, which no journal can write."""
    if not isinstance(value, str):
        raise InvalidValueError([f"{name}: must be a string, not {type(value).__name__}"])
    if not value.isascii() and (found := _LONE_SURROGATE.search(value)) is not None:
        raise InvalidValueError(
            [
                f"{name}: holds a lone surrogate at index {found.start()}, which cannot be "
                "stored as UTF-8 (was it decoded with errors='surrogateescape'?)"
            ]
        )


def _text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _storable(attribute.name, value)


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None:
        _storable(attribute.name, value)


@attrs.frozen
class Report:
    """A report as received: nothing here is judged yet.

    ``received_at`` must be timezone-aware. The place may be given as a community id,
    an address, coordinates, any mix of them, or not at all.
    """

    id: str = attrs.field(validator=non_empty)
    received_at: dt.datetime = attrs.field(validator=aware)
    text: str = attrs.field(validator=_text)
    channel: Channel = attrs.field(default=Channel.PHONE_110, validator=instance_of(Channel))
    reporter_id: str | None = attrs.field(default=None, validator=optional_non_empty)
    community_id: str | None = attrs.field(default=None, validator=optional_non_empty)
    address: str | None = attrs.field(default=None, validator=_optional_text)
    location: GeoPoint | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(GeoPoint))
    )
    category: str | None = attrs.field(default=None, validator=_category)

    @classmethod
    def from_dict(cls, data: Any) -> Report:
        """Build a report from its JSON form, or raise :class:`ReportError` listing all problems."""
        from lianfang import codec  # the converter sits above the model; import it late

        return codec.structure(data, cls, error=ReportError)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``received_at`` as ISO 8601 with its offset)."""
        from lianfang import codec

        return codec.unstructure(self)  # type: ignore[no-any-return]
