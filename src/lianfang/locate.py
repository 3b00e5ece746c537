"""Find the community a report is about (定位), and say how it was found.

A :class:`Locator` is built once per set of communities and tries, in order:

1. the report's explicit ``community_id``, if it names a known community (an unknown id is
   noted, flagged for review, and the next way is tried);
2. the report's ``location`` inside a community's polygon, else within ``buffer_m`` metres
   of one (the nearest);
3. a community name or alias in the report's ``address``, then in its ``text``
   (leftmost-longest: "东门社区" beats "东门"; when several communities are named, the first
   one mentioned wins and the others are listed as candidates).

No place found is a valid outcome (:attr:`LocateMethod.NONE`): routing sends such reports to
the command center. Every step that decided something leaves a reason id in
:attr:`Place.reasons`; :data:`LOCATE_REASONS` has a Chinese and an English label for each.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Literal

import attrs

from lianfang.errors import InvalidValueError
from lianfang.gazetteer import Gazetteer
from lianfang.model import Community, Report
from lianfang.spatial import PolygonIndex

__all__ = ["LOCATE_REASONS", "LocateMethod", "Locator", "Place", "PlaceFields"]


class LocateMethod(enum.Enum):
    """How a report's community was found."""

    EXPLICIT = "explicit"  # the report named its community id
    POLYGON = "polygon"  # its coordinates lie inside the community's polygon
    BUFFER = "buffer"  # its coordinates lie near the community's boundary
    ADDRESS = "address"  # its address names the community
    TEXT = "text"  # its text names the community
    NONE = "none"  # no community found


LOCATE_REASONS: dict[str, tuple[str, str]] = {
    "locate.explicit": ("报警人指明了所在社区", "the report names its community"),
    "locate.unknown_community": (
        "报警指明的社区编号不存在，需人工核实",
        "the report names a community id that does not exist; check by hand",
    ),
    "locate.polygon": ("坐标位于该社区范围内", "the coordinates lie inside the community"),
    "locate.buffer": (
        "坐标不在任何社区范围内，但靠近该社区边界",
        "the coordinates lie in no community but near this community's boundary",
    ),
    "locate.outside": (
        "坐标不在任何社区范围内或附近",
        "the coordinates lie in or near no community",
    ),
    "locate.no_geometry": (
        "没有社区边界数据，无法按坐标定位",
        "no community has a boundary, so the coordinates cannot place the report",
    ),
    "locate.address": ("地址中提到了该社区", "the address names the community"),
    "locate.text": ("报警内容中提到了该社区", "the report's text names the community"),
    "locate.several_names": (
        "提到了多个社区，取最先提到的一个",
        "several communities are named; the first one mentioned is taken",
    ),
    "locate.none": ("无法确定所在社区", "no community could be found"),
}
"""Reason id → (zh-CN label, English label), for every reason a :class:`Place` can give."""

# Each step's reason as a one-item tuple, so that a result's reasons are built by adding
# tuples (adding to an empty tuple gives back the other, unchanged).
_EXPLICIT = ("locate.explicit",)
_UNKNOWN_COMMUNITY = ("locate.unknown_community",)
_NO_GEOMETRY = ("locate.no_geometry",)
_POLYGON = ("locate.polygon",)
_BUFFER = ("locate.buffer",)
_OUTSIDE = ("locate.outside",)
_ADDRESS = ("locate.address",)
_TEXT = ("locate.text",)
_SEVERAL_NAMES = ("locate.several_names",)
_NONE = ("locate.none",)


@attrs.frozen
class Place:
    """Where a report is, as far as the locator could tell.

    ``community_id`` is None when no community was found. ``candidates`` lists every
    community the address or text named, in order of first mention (empty for the other
    methods). ``distance_m`` is 0.0 inside a polygon, the distance to the boundary for
    :attr:`LocateMethod.BUFFER`, else None. ``matched`` is the name or alias that was found
    (as the directory spells it).
    """

    community_id: str | None
    method: LocateMethod
    reasons: tuple[str, ...] = ()
    needs_review: bool = False
    candidates: tuple[str, ...] = ()
    distance_m: float | None = None
    matched: str | None = None


PlaceFields = tuple[
    str | None, LocateMethod, tuple[str, ...], bool, tuple[str, ...], float | None, str | None
]
"""A :class:`Place`'s fields in order, as :meth:`Locator.where` gives them."""


def _check_buffer(_instance: object, _attribute: object, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidValueError([f"buffer_m: must be a non-negative number, not {value!r}"])


def _check_several_names(_instance: object, _attribute: object, value: object) -> None:
    if value not in ("first", "review"):
        raise InvalidValueError([f"several_names: {value!r} is not one of 'first', 'review'"])


def _communities(value: Sequence[Community]) -> tuple[Community, ...]:
    communities = tuple(value)
    problems = []
    first_at: dict[str, int] = {}
    for n, community in enumerate(communities):
        if not isinstance(community, Community):
            problems.append(
                f"communities[{n}]: must be a Community, not {type(community).__name__}"
            )
        elif community.id in first_at:
            problems.append(
                f"communities[{n}].id: duplicate id {community.id!r}"
                f" (also communities[{first_at[community.id]}])"
            )
        else:
            first_at[community.id] = n
    if problems:
        raise InvalidValueError(problems)
    return communities


@attrs.frozen(eq=False)
class Locator:
    """Finds the community of a report. Build it once per set of communities and reuse it:
    construction indexes every polygon and name (a province of 20,000 communities takes a
    few seconds); :meth:`locate` then costs microseconds.

    ``buffer_m`` is how far outside every polygon a point may lie and still be placed in
    the nearest community (0 turns this off). ``several_names`` says what to do when the
    address or text names several communities: ``"first"`` takes the first one mentioned,
    ``"review"`` takes it too but flags the place for review.
    """

    communities: tuple[Community, ...] = attrs.field(converter=_communities)
    buffer_m: float = attrs.field(default=200.0, kw_only=True, validator=_check_buffer)
    several_names: Literal["first", "review"] = attrs.field(
        default="first", kw_only=True, validator=_check_several_names
    )
    _ids: frozenset[str] = attrs.field(init=False, repr=False)
    _polygons: PolygonIndex | None = attrs.field(init=False, repr=False)
    _names: Gazetteer = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Derived indexes of a frozen value, built once here so that every lookup is cheap.
        setter = object.__setattr__
        setter(self, "_ids", frozenset(c.id for c in self.communities))
        areas = [(c.id, c.geometry.polygons) for c in self.communities if c.geometry is not None]
        setter(self, "_polygons", PolygonIndex.build(areas) if areas else None)
        setter(
            self,
            "_names",
            Gazetteer.build(
                (name, c.id) for c in self.communities for name in (c.name, *c.aliases)
            ),
        )

    @property
    def polygons(self) -> PolygonIndex | None:
        """The polygon index (None when no community has a geometry)."""
        return self._polygons

    @property
    def names(self) -> Gazetteer:
        """The index of community names and aliases."""
        return self._names

    def locate(self, report: Report) -> Place:
        """The community ``report`` is about, how it was found, and why."""
        return Place(*self.where(report))

    def where(
        self,
        report: Report,
        text_spans: tuple[tuple[int, int, str, tuple[str, ...]], ...] | None = None,
    ) -> PlaceFields:
        """What :meth:`locate` finds, as the fields of its :class:`Place` in order.

        For a caller that locates report after report and reads only some fields (the
        router): building the Place would cost about as much as finding it. A caller that
        has already looked for names in the report's text (``names.spans(report.text)``)
        passes what it found as ``text_spans``, so the text is not read twice.
        """
        # What happened before the step that found the place (most reports: nothing).
        before: tuple[str, ...] = ()
        needs_review = False
        if report.community_id is not None:
            if report.community_id in self._ids:
                return report.community_id, LocateMethod.EXPLICIT, _EXPLICIT, False, (), None, None
            before = _UNKNOWN_COMMUNITY
            needs_review = True

        location = report.location
        if location is not None:
            polygons = self._polygons
            if polygons is None:
                before += _NO_GEOMETRY
            else:
                inside = polygons.locate(location.lon, location.lat)
                if inside is not None:
                    return (
                        inside,
                        LocateMethod.POLYGON,
                        before + _POLYGON,
                        needs_review,
                        (),
                        0.0,
                        None,
                    )
                near = None
                if self.buffer_m > 0:
                    near = polygons.nearest(location.lon, location.lat, self.buffer_m)
                if near is not None:
                    nearest_id, distance_m = near
                    return (
                        nearest_id,
                        LocateMethod.BUFFER,
                        before + _BUFFER,
                        needs_review,
                        (),
                        distance_m,
                        None,
                    )
                before += _OUTSIDE

        names = self._names
        named = names.named(report.address) if report.address else None
        method, reason = LocateMethod.ADDRESS, _ADDRESS
        if not named:
            if text_spans is None:
                named = names.named(report.text) if report.text else None
            else:
                named = [(name, keys) for _, _, name, keys in text_spans]
            method, reason = LocateMethod.TEXT, _TEXT
        if named:
            name, candidates = named[0]
            if len(named) > 1:
                candidates = tuple(dict.fromkeys(key for _, keys in named for key in keys))
            reasons = before + reason
            if len(candidates) > 1:
                reasons += _SEVERAL_NAMES
                needs_review = needs_review or self.several_names == "review"
            return candidates[0], method, reasons, needs_review, candidates, None, name

        return None, LocateMethod.NONE, before + _NONE, needs_review, (), None, None
