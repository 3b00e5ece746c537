"""The domain model: frozen values with validators at the boundary, no I/O."""

from lianfang.model.geo import Geometry, GeoPoint
from lianfang.model.organisation import (
    Agency,
    CommandCenter,
    Community,
    Officer,
    PatrolGroup,
    PatrolZone,
    Phone,
    Rota,
    Shift,
    Site,
    SiteKind,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from lianfang.model.report import Channel, Kind, Priority, Report

__all__ = [
    "Agency",
    "Channel",
    "CommandCenter",
    "Community",
    "GeoPoint",
    "Geometry",
    "Kind",
    "Officer",
    "PatrolGroup",
    "PatrolZone",
    "Phone",
    "Priority",
    "Report",
    "Rota",
    "Shift",
    "Site",
    "SiteKind",
    "Volunteer",
    "VolunteerRole",
    "VolunteerStatus",
]
