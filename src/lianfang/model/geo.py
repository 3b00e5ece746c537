"""Points and areas: WGS-84 longitude/latitude, GeoJSON Polygon and MultiPolygon."""

from __future__ import annotations

import math
from typing import Literal

import attrs

from lianfang.errors import InvalidValueError
from lianfang.model._checks import number_between, one_of

__all__ = ["GeoPoint", "Geometry", "Position", "Ring"]

Position = tuple[float, ...]
"""A GeoJSON position: longitude, latitude (and an optional altitude, kept as given)."""
Ring = tuple[Position, ...]

EARTH_RADIUS_M = 6_371_008.8


@attrs.frozen
class GeoPoint:
    """A WGS-84 point. Note the order: longitude first, as in GeoJSON."""

    lon: float = attrs.field(validator=number_between(-180.0, 180.0))
    lat: float = attrs.field(validator=number_between(-90.0, 90.0))

    def distance_m(self, other: GeoPoint) -> float:
        """Great-circle (haversine) distance in metres."""
        lon1, lat1, lon2, lat2 = map(math.radians, (self.lon, self.lat, other.lon, other.lat))
        a = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _check_ring(ring: object, where: str) -> list[str]:
    if not isinstance(ring, tuple | list):
        return [f"{where}: a linear ring must be an array of positions"]
    problems = []
    for i, pos in enumerate(ring):
        if (
            not isinstance(pos, tuple | list)
            or len(pos) not in (2, 3)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pos)
        ):
            problems.append(f"{where}[{i}]: a position must be [lon, lat] numbers")
        elif not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
            problems.append(f"{where}[{i}]: {list(pos)} is not a WGS-84 longitude, latitude")
    if problems:
        return problems
    if len(ring) < 4:
        return [f"{where}: a linear ring needs at least 4 positions, got {len(ring)}"]
    if tuple(ring[0]) != tuple(ring[-1]):
        return [f"{where}: the linear ring is not closed (first and last positions differ)"]
    return []


def _check_geometry(instance: Geometry, _attribute: object, coordinates: object) -> None:
    problems: list[str] = []
    if instance.type == "Polygon":
        polygons = [("coordinates", coordinates)]
    elif not isinstance(coordinates, tuple | list):
        polygons = []
        problems.append("coordinates: a MultiPolygon's coordinates must be an array of polygons")
    else:
        polygons = [(f"coordinates[{i}]", p) for i, p in enumerate(coordinates)]
        if not polygons:
            problems.append("coordinates: a MultiPolygon needs at least one polygon")
    for where, rings in polygons:
        if not isinstance(rings, tuple | list) or not rings:
            problems.append(f"{where}: a polygon must be a non-empty array of linear rings")
            continue
        for j, ring in enumerate(rings):
            problems.extend(_check_ring(ring, f"{where}[{j}]"))
    if problems:
        raise InvalidValueError(problems)


def _freeze(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


@attrs.frozen
class Geometry:
    """A GeoJSON ``Polygon`` or ``MultiPolygon``, coordinates frozen into tuples.

    The first ring of each polygon is its outer boundary; any further rings are holes.
    """

    type: Literal["Polygon", "MultiPolygon"] = attrs.field(
        validator=one_of("Polygon", "MultiPolygon")
    )
    coordinates: tuple[object, ...] = attrs.field(
        converter=_freeze, validator=_check_geometry, repr=lambda c: f"<{len(c)} parts>"
    )

    @property
    def polygons(self) -> tuple[tuple[Ring, ...], ...]:
        """Every polygon as a tuple of rings (outer first), whatever the type."""
        if self.type == "Polygon":
            return (self.coordinates,)  # type: ignore[return-value]
        return self.coordinates  # type: ignore[return-value]
