"""Volunteer alerts (志愿者协查): asking nearby volunteers to help with a suitable incident.

Some matters go faster with many eyes: a missing elderly person or child, a lost item, a
search. For those the desk can alert the nearest routable volunteers of the incident's
community and its neighbours. :func:`alert_suitability` says whether an incident may
alert anyone (never a clue, never a dangerous scene); :class:`Neighbourhood` knows which
communities border on or lie near each other; :func:`nearest_volunteers` picks who to ask.
Everything here is a pure function of values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping

import attrs

from lianfang.directory import Directory
from lianfang.errors import IllegalTransitionError
from lianfang.incident import Incident
from lianfang.model import GeoPoint, Kind
from lianfang.network_policy import NetworkPolicy
from lianfang.roster import Roster

__all__ = [
    "ALERT_REASONS",
    "AlertCheck",
    "Neighbourhood",
    "alert_suitability",
    "check_can_answer",
    "nearest_volunteers",
]

ALERT_REASONS: Mapping[str, tuple[str, str]] = {
    "alert.suitable": ("适合发动志愿者协助", "suitable for a volunteer alert"),
    "alert.not_suitable": (
        "该类事项不发动志愿者（仅限走失、失物、寻找）",
        "not a kind of matter volunteers are alerted for (missing people, lost items, searches)",
    ),
    "alert.clue": ("线索不向志愿者公开", "clues are never shown to volunteers"),
    "alert.danger": ("现场有危险，不发动志愿者", "the scene is dangerous: no volunteers"),
    "alert.resolved": ("事项已办结", "the matter is resolved"),
}
"""Readable labels of the reasons :func:`alert_suitability` gives."""


@attrs.frozen
class AlertCheck:
    """Whether an incident may alert volunteers, and why (reason ids, with evidence)."""

    suitable: bool
    reasons: tuple[str, ...]

    def explain(self, lang: str = "zh") -> str:
        """The reasons as one readable line, zh or en."""
        zh = lang == "zh"
        parts = []
        for reason in self.reasons:
            key, _, detail = reason.partition(":")
            label = ALERT_REASONS.get(key, (key, key))[0 if zh else 1]
            if detail:
                label += f"（{detail}）" if zh else f" ({detail})"
            parts.append(label)
        return ("；" if zh else "; ").join(parts)


def alert_suitability(incident: Incident, policy: NetworkPolicy) -> AlertCheck:
    """Whether ``incident`` may alert volunteers under ``policy``.

    Never for a resolved incident, never for a clue, never when a danger rule fired
    (a weapon, fire, violence, …) or the category is a dangerous class; otherwise only
    when the category or a fired rule is one the policy marks suitable.
    """
    decision = incident.decision
    if not incident.is_open:
        return AlertCheck(False, ("alert.resolved",))
    if decision.kind is Kind.CLUE:
        return AlertCheck(False, ("alert.clue",))
    danger = [f"alert.danger:{r}" for r in decision.reasons if r in policy.danger_reasons]
    category = decision.category
    if category is not None and any(category.startswith(p) for p in policy.danger_categories):
        danger.append(f"alert.danger:category {category}")
    if danger:
        return AlertCheck(False, tuple(danger))
    why = [f"alert.suitable:{r}" for r in decision.reasons if r in policy.alert_reasons]
    if category is not None and category in policy.alert_categories:
        why.append(f"alert.suitable:category {category}")
    if not why:
        return AlertCheck(False, ("alert.not_suitable",))
    return AlertCheck(True, tuple(why))


def check_can_answer(incident: Incident, volunteer_id: str) -> None:
    """An alerted volunteer answers once, while the incident is open."""
    if volunteer_id not in incident.alerted_ids:
        raise IllegalTransitionError(
            f"{volunteer_id!r} was not alerted for incident {incident.id!r}"
        )
    if volunteer_id in incident.helper_ids or volunteer_id in incident.declined_ids:
        raise IllegalTransitionError(
            f"{volunteer_id!r} already answered the alert for incident {incident.id!r}"
        )
    if not incident.is_open:
        raise IllegalTransitionError(f"incident {incident.id!r} is already resolved")


# --- who is near ----------------------------------------------------------------------------


@attrs.frozen
class _Area:
    centre: GeoPoint
    west: float
    south: float
    east: float
    north: float
    vertices: tuple[tuple[float, float], ...]


class Neighbourhood:
    """Which communities are neighbours: polygons that touch (within ``adjacency_m``) or
    whose centres lie within ``radius_m``; without geometry, the communities of the same
    patrol group. Build once per directory."""

    def __init__(self, directory: Directory, *, adjacency_m: float, radius_m: float) -> None:
        self.adjacency_m = adjacency_m
        self.radius_m = radius_m
        self._group = {c.id: c.group_id for c in directory.communities}
        self._areas: dict[str, _Area] = {}
        for community in directory.communities:
            if community.geometry is None:
                continue
            points = [  # outer rings without their closing vertex, which repeats the first
                (float(p[0]), float(p[1]))
                for polygon in community.geometry.polygons
                for p in polygon[0][:-1]
            ]
            lon = sum(p[0] for p in points) / len(points)
            lat = sum(p[1] for p in points) / len(points)
            self._areas[community.id] = _Area(
                GeoPoint(lon, lat),
                min(p[0] for p in points),
                min(p[1] for p in points),
                max(p[0] for p in points),
                max(p[1] for p in points),
                tuple(points),
            )
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}

    def centre(self, community_id: str) -> GeoPoint | None:
        area = self._areas.get(community_id)
        return area.centre if area is not None else None

    def neighbours(self, community_id: str) -> tuple[tuple[str, float], ...]:
        """``(community_id, distance_m)`` of the neighbours, nearest centre first; the
        community itself first, at 0."""
        found = self._cache.get(community_id)
        if found is None:
            found = self._cache[community_id] = self._neighbours(community_id)
        return found

    def _neighbours(self, community_id: str) -> tuple[tuple[str, float], ...]:
        here = self._areas.get(community_id)
        if here is None:
            group = self._group.get(community_id)
            same_group = [o for o in sorted(self._group) if self._group[o] == group]
            return ((community_id, 0.0), *((o, 0.0) for o in same_group if o != community_id))
        out = [(community_id, 0.0)]
        for other, area in self._areas.items():
            if other == community_id:
                continue
            distance = here.centre.distance_m(area.centre)
            if distance <= self.radius_m or self._touch(here, area):
                out.append((other, distance))
        return tuple(sorted(out, key=lambda item: (item[1], item[0])))

    def _touch(self, a: _Area, b: _Area) -> bool:
        margin = self.adjacency_m / 111_000  # metres to degrees, generously for longitude
        margin_lon = margin / max(0.1, math.cos(math.radians(a.centre.lat)))
        if (
            a.east + margin_lon < b.west
            or b.east + margin_lon < a.west
            or a.north + margin < b.south
            or b.north + margin < a.south
        ):
            return False
        # Vertices closer than the margin: neighbouring polygons drawn from the same survey
        # share (or nearly share) boundary vertices.
        near = [
            (lon, lat)
            for lon, lat in b.vertices
            if a.west - margin_lon <= lon <= a.east + margin_lon
            and a.south - margin <= lat <= a.north + margin
        ]
        return any(
            GeoPoint(x1, y1).distance_m(GeoPoint(x2, y2)) <= self.adjacency_m
            for x1, y1 in a.vertices
            for x2, y2 in near
        )


def nearest_volunteers(
    roster: Roster,
    neighbourhood: Neighbourhood,
    *,
    community_id: str,
    at: dt.datetime,
    limit: int,
    location: GeoPoint | None = None,
    exclude: Collection[str] = (),
) -> tuple[str, ...]:
    """Up to ``limit`` routable volunteers of ``community_id`` and its neighbours, nearest
    first; ties by id.

    With the incident's ``location``, a volunteer's distance is from there to where they
    are (their recorded location, else their community's centre); without it, their
    community's distance from the incident's community (0 for the community itself).
    """
    communities = dict(neighbourhood.neighbours(community_id))
    ranked: list[tuple[float, str]] = []
    for member in roster.members.values():
        if member.id in exclude or member.community_id not in communities:
            continue
        if not roster.is_routable(member.id, at):
            continue
        distance = communities[member.community_id]
        if location is not None:
            where = member.location or neighbourhood.centre(member.community_id)
            if where is not None:
                distance = location.distance_m(where)
        ranked.append((distance, member.id))
    ranked.sort()
    return tuple(volunteer_id for _, volunteer_id in ranked[:limit])
