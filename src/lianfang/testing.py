"""Helpers for testing code that uses lianfang: factories and Hypothesis strategies.

Host applications import this module in their own tests, the way ``structlog.testing``
is used::

    from lianfang.testing import make_directory, make_report

    directory = make_directory(zones=1, with_rotas=True)
    report = make_report(community_id="C-1", text="楼道里有人吵架")

:func:`make_directory` and :func:`make_report` need only lianfang itself. The
strategies :func:`directories` and :func:`reports` need Hypothesis (``pip install
'lianfang[test]'``); it is imported only when they are called, so importing this
module never requires it.

Everything here is synthetic: names and phone numbers are invented.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from lianfang.directory import Directory
from lianfang.errors import InvalidValueError, MissingExtraError
from lianfang.model import (
    Agency,
    Channel,
    CommandCenter,
    Community,
    Geometry,
    GeoPoint,
    Officer,
    PatrolGroup,
    PatrolZone,
    Phone,
    Report,
    Rota,
    Shift,
    Site,
    SiteKind,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from lianfang.desk import Desk

__all__ = [
    "AGENCY_CATEGORIES",
    "COMMAND_CENTER_ID",
    "HOTLINE_ID",
    "REPORT_TIME",
    "assert_same_desk_state",
    "directories",
    "make_directory",
    "make_report",
    "reports",
]

COMMAND_CENTER_ID = "CC-110"
"""The id of the command center in every directory :func:`make_directory` builds."""

HOTLINE_ID = "A-12345"
"""The id of the one agency (the 12345 hotline) in every :func:`make_directory` directory."""

AGENCY_CATEGORIES: tuple[str, ...] = (
    "600100",  # 供水供电供气供热故障
    "600200",  # 市政设施损坏
    "600300",  # 环境卫生
    "600400",  # 噪声扰民
    "600500",  # 物业纠纷
    "600600",  # 城管执法
    "600700",  # 动物相关
    "600800",  # 消费纠纷
    "609900",  # 其他社会联动
)
"""The social-service category codes (class 6) the hotline takes in :func:`make_directory`."""

UTC_PLUS_8 = dt.timezone(dt.timedelta(hours=8))
REPORT_TIME = dt.datetime(2021, 1, 12, 10, 0, tzinfo=UTC_PLUS_8)
"""The default ``received_at`` of :func:`make_report`: Tuesday 12 January 2021, 10:00 +08:00."""

# The grid of community squares starts in the south-west of Pingtan island.
_ORIGIN_LON = 119.70
_ORIGIN_LAT = 25.40
_CELL_DEG = 0.01  # about 1 km
_SQUARE_DEG = 0.008  # squares leave a gap so no two communities touch

_PLACE_FIRST = "东西南北中上下新"
_PLACE_SECOND = "门湖澳港岚屿山城"
_SURNAMES = "林陈黄吴郑王李张刘杨"
_GIVEN_NAMES = ("建华", "志强", "秀英", "海峰", "丽娟", "国平", "明辉", "小燕", "德福", "春梅")
_OTHER_ROLES = (
    VolunteerRole.INTERNAL_SECURITY,
    VolunteerRole.PROPERTY_MANAGER,
    VolunteerRole.SECURITY_GUARD,
    VolunteerRole.SHOP_OWNER,
    VolunteerRole.OTHER,
)
_SITE_KINDS = (SiteKind.DOCK, SiteKind.FERRY, SiteKind.FIRM, SiteKind.ESTATE)
_SITE_NAMES = {
    SiteKind.DOCK: "码头",
    SiteKind.FERRY: "渡口",
    SiteKind.FIRM: "工贸有限公司",
    SiteKind.ESTATE: "花园小区",
}


# --- assertions ----------------------------------------------------------------------------


def assert_same_desk_state(desk: Desk, expected: Desk) -> None:
    """Assert that ``desk`` holds exactly the state of ``expected``.

    Compares what callers see (version, incidents, outbox, load, network) and the indexes
    behind the commands (reports to incidents, duplicate buckets, pending deadlines), so
    a desk restored from a journal or a snapshot can be checked against the live one.
    """
    assert desk.version == expected.version, (desk.version, expected.version)
    assert desk.incidents() == expected.incidents()
    assert desk.outbox() == expected.outbox()
    assert desk.load() == expected.load()
    assert desk.network == expected.network
    mine, theirs = desk._state, expected._state  # the indexes are private on purpose
    assert mine.by_report == theirs.by_report
    assert mine.last_report_at == theirs.last_report_at
    assert mine.duplicates == theirs.duplicates
    assert _live_deadlines(desk) == _live_deadlines(expected)


def _live_deadlines(desk: Desk) -> set[tuple[dt.datetime, str]]:
    """The deadline heap's entries that ``tick`` would act on: the incident is open, the
    deadline is still its own, and reaching it escalates. (Entries that fail this are
    skipped when popped, so desks may differ in them harmlessly.)"""
    state = desk._state
    return {
        (due, incident_id)
        for due, incident_id in state.due
        if (incident := state.incident(incident_id)) is not None
        and incident.is_open
        and incident.due_at == due
        and next(desk._escalations(incident, due), None) is not None
    }


# --- factories -----------------------------------------------------------------------------


def make_directory(
    *,
    zones: int = 2,
    groups_per_zone: int = 2,
    communities_per_group: int = 2,
    volunteers_per_community: int = 3,
    with_geometry: bool = True,
    with_rotas: bool = False,
    seed: int = 0,
) -> Directory:
    """A small, valid directory whose shape is given by the counts.

    The same arguments always give an equal directory. Ids count up from 1 in
    document order: zones ``Z-1``…, groups ``G-1``…, communities ``C-1``…, officers
    ``O-1``…, volunteers ``V-1``…, sites ``S-1``…; the command center is ``CC-110``
    and the one agency ``A-12345`` (the 12345 hotline, taking :data:`AGENCY_CATEGORIES`).

    - Each zone has its own leader (the first officer of the zone), then two officers
      per group.
    - Each community has a liaison officer from its group (the groups' two officers
      take turns), and its first volunteer is an active ``community_cadre`` listed in
      ``cadre_ids``; further volunteers cycle through the other roles. All volunteers
      are active. With ``volunteers_per_community=0`` communities have no cadre.
    - Community names are ``东门社区``, ``东湖社区``, … (aliases ``东门``, ``东湖``, …;
      past the 64th, ``第65社区``… without alias), the same for every seed; the seed
      varies people's names, phone numbers and the order of volunteers' roles.
    - With ``with_geometry``, each community is an axis-aligned square of about
      0.8 km in a grid starting at lon 119.70, lat 25.40 (rows going north), with
      gaps between squares, so a point locates to at most one community.
    - With ``with_rotas``, leaders work 08:00–20:00 every day, each group's first
      officer 08:00–20:00 and second officer 20:00–08:00 (overnight) every day, so
      every group has an officer on duty at any moment; without rotas everyone is
      always on duty.
    - The first community of each zone has a check-in site (a dock, ferry crossing,
      firm or estate, in turn) whose contact is that community's cadre, if any.
    """
    counts = {
        "zones": zones,
        "groups_per_zone": groups_per_zone,
        "communities_per_group": communities_per_group,
        "volunteers_per_community": volunteers_per_community,
    }
    bad = [
        f"{name}: must be a whole number ≥ 0, not {value!r}"
        for name, value in counts.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0
    ]
    if bad:
        raise InvalidValueError(bad)

    rng = random.Random(seed)
    officers: list[Officer] = []
    zone_list: list[PatrolZone] = []
    group_list: list[PatrolGroup] = []
    communities: list[Community] = []
    volunteers: list[Volunteer] = []
    sites: list[Site] = []
    rotas: list[Rota] = []
    total_communities = zones * groups_per_zone * communities_per_group
    columns = max(1, math.ceil(math.sqrt(total_communities)))

    def new_officer(unit: str) -> Officer:
        officer = Officer(
            id=f"O-{len(officers) + 1}",
            name=_person_name(rng),
            unit=unit,
            phone=Phone(_phone_number(rng)),
        )
        officers.append(officer)
        return officer

    def add_rota(officer: Officer, start: int, end: int) -> None:
        if with_rotas:
            rotas.append(_rota(officer.id, range(7), dt.time(start), dt.time(end)))

    for zone_number in range(1, zones + 1):
        leader = new_officer("巡警大队")
        add_rota(leader, 8, 20)
        zone = PatrolZone(id=f"Z-{zone_number}", name=f"第{zone_number}巡区", leader_id=leader.id)
        zone_list.append(zone)
        first_community_of_zone: Community | None = None
        for _ in range(groups_per_zone):
            group_number = len(group_list) + 1
            day, night = new_officer("巡警大队"), new_officer("巡警大队")
            add_rota(day, 8, 20)
            add_rota(night, 20, 8)
            group = PatrolGroup(
                id=f"G-{group_number}",
                zone_id=zone.id,
                name=f"第{group_number}巡组",
                officer_ids=(day.id, night.id),
            )
            group_list.append(group)
            for turn in range(communities_per_group):
                index = len(communities)
                name = _community_name(index)
                cadre_ids: list[str] = []
                first_role = rng.randrange(len(_OTHER_ROLES))
                for number in range(volunteers_per_community):
                    role = (
                        VolunteerRole.COMMUNITY_CADRE
                        if number == 0
                        else _OTHER_ROLES[(first_role + number - 1) % len(_OTHER_ROLES)]
                    )
                    volunteer = Volunteer(
                        id=f"V-{len(volunteers) + 1}",
                        name=_person_name(rng),
                        role=role,
                        community_id=f"C-{index + 1}",
                        phone=Phone(_phone_number(rng)),
                        status=VolunteerStatus.ACTIVE,
                    )
                    volunteers.append(volunteer)
                    if number == 0:
                        cadre_ids.append(volunteer.id)
                community = Community(
                    id=f"C-{index + 1}",
                    name=name,
                    group_id=group.id,
                    liaison_officer_ids=(group.officer_ids[turn % 2],),
                    cadre_ids=tuple(cadre_ids),
                    aliases=_aliases(index),
                    geometry=_grid_square(index, columns) if with_geometry else None,
                )
                communities.append(community)
                if first_community_of_zone is None:
                    first_community_of_zone = community
        if first_community_of_zone is not None:
            kind = _SITE_KINDS[(zone_number - 1) % len(_SITE_KINDS)]
            sites.append(
                Site(
                    id=f"S-{len(sites) + 1}",
                    name=f"{first_community_of_zone.name.removesuffix('社区')}{_SITE_NAMES[kind]}",
                    community_id=first_community_of_zone.id,
                    contact_id=(first_community_of_zone.cadre_ids or (None,))[0],
                    check_in_every_hours=24.0,
                    kind=kind,
                )
            )

    return _directory(
        name="测试县公安局巡警大队",
        command_center=CommandCenter(id=COMMAND_CENTER_ID, name="110指挥中心"),
        timezone="Asia/Shanghai",
        officers=officers,
        zones=zone_list,
        groups=group_list,
        communities=communities,
        volunteers=volunteers,
        sites=sites,
        agencies=[Agency(HOTLINE_ID, "12345便民服务热线", AGENCY_CATEGORIES)],
        rotas=rotas,
    )


def make_report(**overrides: Any) -> Report:
    """A valid report; any :class:`~lianfang.model.Report` field can be overridden.

    Defaults: ``id="R-1"``, ``received_at=REPORT_TIME`` (2021-01-12 10:00 +08:00),
    a non-urgent text about a broken street light, ``channel=Channel.VOLUNTEER``,
    and no reporter, place or category. An unknown keyword is a ``TypeError``.
    """
    fields: dict[str, Any] = {
        "id": "R-1",
        "received_at": REPORT_TIME,
        "text": "小区门口的路灯坏了，晚上很黑",
        "channel": Channel.VOLUNTEER,
    }
    fields.update(overrides)
    return Report(**fields)


def _community_name(index: int) -> str:
    combinations = len(_PLACE_FIRST) * len(_PLACE_SECOND)
    if index < combinations:
        first, second = divmod(index, len(_PLACE_SECOND))
        return f"{_PLACE_FIRST[first]}{_PLACE_SECOND[second]}社区"
    return f"第{index + 1}社区"


def _aliases(index: int) -> tuple[str, ...]:
    # Numbered fallback names get no alias: "第8" would hide inside "第81".
    name = _community_name(index)
    return (name.removesuffix("社区"),) if index < len(_PLACE_FIRST) * len(_PLACE_SECOND) else ()


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN_NAMES)


def _phone_number(rng: random.Random) -> str:
    return f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"


def _grid_square(index: int, columns: int) -> Geometry:
    row, column = divmod(index, columns)
    west = round(_ORIGIN_LON + column * _CELL_DEG, 6)
    south = round(_ORIGIN_LAT + row * _CELL_DEG, 6)
    east = round(west + _SQUARE_DEG, 6)
    north = round(south + _SQUARE_DEG, 6)
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return Geometry(type="Polygon", coordinates=(ring,))


# --- Hypothesis strategies -----------------------------------------------------------------


def _require_hypothesis() -> None:
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        raise MissingExtraError("hypothesis", "test") from None


_TIMEZONES = ("Asia/Shanghai", "UTC", "Asia/Kolkata", "America/New_York", "Europe/Berlin")
# Fixed offsets only: an aware datetime in a zone with daylight saving time compares unequal
# to the same instant elsewhere when it falls in a fold or gap, which would make round trips
# through JSON (which keeps only the offset) look lossy when they are not.
_OFFSETS = tuple(dt.timezone(dt.timedelta(minutes=m)) for m in (0, 480, 330, -300, 60, 345))
_KNOWN_CATEGORIES = (*AGENCY_CATEGORIES, "100100", "200100", "200700", "300100", "400100")


def directories(
    *, min_communities: int = 0, with_geometry: bool | None = None
) -> SearchStrategy[Directory]:
    """Random valid directories of varied shape, for property tests.

    Drawn directories have 0–3 zones, groups with 0–3 officers, communities with
    0–3 volunteers of every role and status, and sometimes extra officers, sites,
    agencies, dated shifts, weekly rotas (some overnight), aliases and phones; ids are
    either readable (``O-1``) or arbitrary text. Community polygons (rectangles,
    convex polygons of 5–8 vertices, with or without a hole, or MultiPolygons) lie in
    separate grid cells, so they never overlap. ``with_geometry`` forces every
    community to have (``True``) or lack (``False``) a polygon; ``None`` mixes.
    ``min_communities`` guarantees at least that many communities.

    Needs Hypothesis (``pip install 'lianfang[test]'``).
    """
    _require_hypothesis()
    from hypothesis import strategies as st

    if min_communities < 0:
        raise InvalidValueError([f"min_communities: must be ≥ 0, not {min_communities}"])

    names = st.text(min_size=1, max_size=8).filter(str.strip)
    phones = st.none() | st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).map(Phone)
    # Rotas are read to the minute, the resolution of the "HH:MM" form in JSON.
    times = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))
    instants = st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2040, 1, 1),
        timezones=st.sampled_from(_OFFSETS),
    )

    @st.composite
    def draw_directory(draw: DrawFn) -> Directory:
        readable = draw(st.booleans())
        used: set[str] = set()

        def new_id(prefix: str) -> str:
            if readable:
                candidate = f"{prefix}-{len(used) + 1}"
            else:
                candidate = draw(names.filter(lambda s: s not in used))
            used.add(candidate)
            return candidate

        center = CommandCenter(id=new_id("CC"), name=draw(names))
        officers: list[Officer] = []

        def new_officer() -> Officer:
            officer = Officer(
                id=new_id("O"),
                name=draw(names),
                unit=draw(st.sampled_from(["", "巡警大队", "派出所"]) | st.text(max_size=6)),
                phone=draw(phones),
            )
            officers.append(officer)
            return officer

        zone_count = draw(st.integers(1 if min_communities else 0, 3))
        zones = [
            PatrolZone(id=new_id("Z"), name=draw(names), leader_id=new_officer().id)
            for _ in range(zone_count)
        ]
        groups: list[PatrolGroup] = []
        for number, zone in enumerate(zones):
            low = 1 if min_communities and number == 0 else 0
            for _ in range(draw(st.integers(low, 3))):
                officer_ids = [new_officer().id for _ in range(draw(st.integers(0, 3)))]
                groups.append(PatrolGroup(new_id("G"), zone.id, draw(names), officer_ids))
        for _ in range(draw(st.integers(0, 2))):  # officers with no zone or group
            new_officer()

        plan = [(g, draw(st.integers(0, 3))) for g in groups]
        if plan and sum(n for _, n in plan) < min_communities:
            first, count = plan[0]
            plan[0] = (first, count + min_communities - sum(n for _, n in plan))
        total = sum(n for _, n in plan)
        columns = max(1, math.ceil(math.sqrt(total)))
        communities: list[Community] = []
        volunteers: list[Volunteer] = []
        for group, count in plan:
            for _ in range(count):
                community_id = new_id("C")
                members = [
                    Volunteer(
                        id=new_id("V"),
                        name=draw(names),
                        role=draw(st.sampled_from(VolunteerRole)),
                        community_id=community_id,
                        phone=draw(phones),
                        status=draw(st.sampled_from(VolunteerStatus)),
                    )
                    for _ in range(draw(st.integers(0, 3)))
                ]
                volunteers.extend(members)
                has_geometry = draw(st.booleans()) if with_geometry is None else with_geometry
                liaison_pool = group.officer_ids or tuple(o.id for o in officers)
                communities.append(
                    Community(
                        id=community_id,
                        name=draw(names),
                        group_id=group.id,
                        liaison_officer_ids=draw(_subsets(liaison_pool)),
                        cadre_ids=draw(_subsets([v.id for v in members])),
                        aliases=draw(st.lists(names, max_size=2)),
                        geometry=(
                            draw(_cell_geometries(len(communities), columns))
                            if has_geometry
                            else None
                        ),
                    )
                )

        sites = []
        if communities:
            for _ in range(draw(st.integers(0, 3))):
                community = draw(st.sampled_from(communities))
                contacts = [None, *(v.id for v in volunteers)]
                sites.append(
                    Site(
                        id=new_id("S"),
                        name=draw(names),
                        community_id=community.id,
                        contact_id=draw(st.sampled_from(contacts)),
                        check_in_every_hours=draw(
                            st.none() | st.sampled_from([1.0, 12.0, 24.0]) | st.floats(0.5, 168)
                        ),
                        kind=draw(st.sampled_from(SiteKind)),
                    )
                )
        agencies = [
            Agency(
                id=new_id("A"),
                name=draw(names),
                categories=draw(st.lists(st.sampled_from(_KNOWN_CATEGORIES), unique=True)),
            )
            for _ in range(draw(st.integers(0, 2)))
        ]

        shifts: list[Shift] = []
        rotas: list[Rota] = []
        if officers:
            any_officer = st.sampled_from([o.id for o in officers])
            for _ in range(draw(st.integers(0, 3))):
                start = draw(instants)
                length = dt.timedelta(minutes=draw(st.integers(1, 24 * 60)))
                shifts.append(Shift(draw(any_officer), start, start + length))
            for _ in range(draw(st.integers(0, 3))):
                start_time, end_time = draw(st.tuples(times, times).filter(lambda p: p[0] != p[1]))
                weekdays = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
                rotas.append(_rota(draw(any_officer), weekdays, start_time, end_time))

        return _directory(
            name=draw(names),
            command_center=center,
            timezone=draw(st.sampled_from(_TIMEZONES)),
            officers=officers,
            zones=zones,
            groups=groups,
            communities=communities,
            volunteers=volunteers,
            sites=sites,
            agencies=agencies,
            shifts=shifts,
            rotas=rotas,
        )

    return draw_directory()


def reports(directory: Directory | None = None) -> SearchStrategy[Report]:
    """Random valid reports, for property tests.

    With a ``directory``, the reporter is sometimes one of its volunteers, the
    ``community_id`` sometimes one of its communities, the address sometimes names
    a community or alias, and the location sometimes lies within the bounding box of a
    community's polygon (so inside or near it: check with your own point-in-polygon
    test where it matters). Without one, those fields are random text or points. Every field may
    also be absent; ``received_at`` is aware, with one of several UTC offsets.

    Needs Hypothesis (``pip install 'lianfang[test]'``).
    """
    _require_hypothesis()
    from hypothesis import strategies as st

    ids = st.text(min_size=1, max_size=10).filter(str.strip)
    texts = st.sampled_from(_SAMPLE_TEXTS) | st.text(max_size=40)
    anywhere = st.builds(
        GeoPoint,
        st.floats(-180, 180, allow_nan=False),
        st.floats(-90, 90, allow_nan=False),
    )
    reporters = ids
    community_ids = ids
    addresses = st.text(max_size=30)
    locations = anywhere
    if directory is not None:
        if directory.volunteers:
            reporters = reporters | st.sampled_from([v.id for v in directory.volunteers])
        if directory.communities:
            communities = directory.communities
            community_ids = st.sampled_from([c.id for c in communities])
            place_names = [n for c in communities for n in (c.name, *c.aliases)]
            addresses = addresses | st.sampled_from(place_names).flatmap(
                lambda name: st.builds(
                    lambda before, after: f"{before}{name}{after}",
                    st.sampled_from(["", "平潭县", "福建省平潭县"]),
                    st.sampled_from(["", "3号楼", "菜市场旁边", " gate 2"]),
                )
            )
            boxes = [_bounds(c.geometry) for c in communities if c.geometry is not None]
            if boxes:
                locations = anywhere | st.sampled_from(boxes).flatmap(
                    lambda box: st.builds(
                        GeoPoint,
                        st.floats(box[0], box[2], allow_nan=False),
                        st.floats(box[1], box[3], allow_nan=False),
                    )
                )
    categories = st.sampled_from(_KNOWN_CATEGORIES) | st.from_regex(r"[0-9]{6}", fullmatch=True)
    instants = st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2040, 1, 1),
        timezones=st.sampled_from(_OFFSETS),
    )
    return st.builds(
        Report,
        id=ids,
        received_at=instants,
        text=texts,
        channel=st.sampled_from(Channel),
        reporter_id=st.none() | reporters,
        community_id=st.none() | community_ids,
        address=st.none() | addresses,
        location=st.none() | locations,
        category=st.none() | categories,
    )


_SAMPLE_TEXTS = (
    "东门社区3号楼有人聚众赌博",
    "小区门口的路灯坏了",
    "楼下有人打架，有人受伤流血",
    "没有人受伤，只是车被刮了",
    "孩子走丢了，穿红色外套",
    "楼上装修噪音太大",
    "我家门锁打不开了",
    "There is smoke coming from the shop next door",
    "Someone is selling fake goods at the market",
)


def _subsets(pool: Sequence[str]) -> SearchStrategy[tuple[str, ...]]:
    from hypothesis import strategies as st

    if not pool:
        return st.just(())
    return st.lists(st.sampled_from(list(pool)), max_size=min(2, len(pool)), unique=True).map(tuple)


def _cell_geometries(index: int, columns: int) -> SearchStrategy[Geometry]:
    """Polygons inside grid cell ``index``, so no two communities' geometries overlap."""
    from hypothesis import strategies as st

    row, column = divmod(index, columns)
    west = _ORIGIN_LON + column * _CELL_DEG
    south = _ORIGIN_LAT + row * _CELL_DEG

    def rectangle(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, ...], ...]:
        return ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))

    def convex(cx: float, cy: float, radius: float, vertices: int, alt: bool) -> Any:
        ring = [
            (
                round(cx + radius * math.cos(2 * math.pi * k / vertices), 7),
                round(cy + radius * math.sin(2 * math.pi * k / vertices), 7),
                *((10.0,) if alt else ()),
            )
            for k in range(vertices)
        ]
        return (*ring, ring[0])

    c = _CELL_DEG
    full = rectangle(west + 0.1 * c, south + 0.1 * c, west + 0.9 * c, south + 0.9 * c)
    hole = rectangle(west + 0.4 * c, south + 0.4 * c, west + 0.6 * c, south + 0.6 * c)
    left = rectangle(west + 0.1 * c, south + 0.1 * c, west + 0.45 * c, south + 0.9 * c)
    right = rectangle(west + 0.55 * c, south + 0.1 * c, west + 0.9 * c, south + 0.9 * c)
    centre_x, centre_y = west + 0.5 * c, south + 0.5 * c
    return st.one_of(
        st.just(Geometry(type="Polygon", coordinates=(full,))),
        st.just(Geometry(type="Polygon", coordinates=(full, hole))),
        st.just(Geometry(type="MultiPolygon", coordinates=(((left,), (right,))))),
        st.builds(
            lambda n, alt: Geometry(
                type="Polygon", coordinates=(convex(centre_x, centre_y, 0.4 * c, n, alt),)
            ),
            st.integers(5, 8),
            st.booleans(),
        ),
    )


def _directory(**fields: Any) -> Directory:
    # Directory's sections use ``converter=tuple``, which mypy's attrs plugin types as
    # ``Iterable[_T_co]`` and then rejects every argument; keyword unpacking sidesteps it.
    return Directory(**fields)


def _rota(officer_id: str, weekdays: Iterable[int], start: dt.time, end: dt.time) -> Rota:
    fields: dict[str, Any] = {"weekdays": tuple(weekdays)}  # same converter=tuple typing issue
    return Rota(officer_id=officer_id, start=start, end=end, **fields)


def _bounds(geometry: Geometry) -> tuple[float, float, float, float]:
    outer = [pos for polygon in geometry.polygons for pos in polygon[0]]
    lons = [pos[0] for pos in outer]
    lats = [pos[1] for pos in outer]
    return min(lons), min(lats), max(lons), max(lats)
