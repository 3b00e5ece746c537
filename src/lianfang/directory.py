"""The organisation at one moment (组织架构): who and what exists, and how it hangs together.

A :class:`Directory` is an immutable value. Building one checks every reference
(``$.volunteers[12].community_id: unknown community 'C-999'``) and raises a single
:class:`~lianfang.errors.DirectoryError` listing every problem found, so a host can
fix its data in one pass. Lookups by id are dictionary reads, built once.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gc
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

import attrs

from lianfang import codec
from lianfang.duty import DutyTable
from lianfang.errors import DirectoryError, UnknownIdError
from lianfang.model import (
    Agency,
    CommandCenter,
    Community,
    Officer,
    PatrolGroup,
    PatrolZone,
    Rota,
    Shift,
    Site,
    Volunteer,
    VolunteerStatus,
)
from lianfang.model._checks import non_empty

__all__ = ["Directory", "load_directory", "sample_directory"]

T = TypeVar("T")

# Section name in the JSON document → the class of its items; the order is the document's.
_SECTIONS: dict[str, type] = {
    "officers": Officer,
    "zones": PatrolZone,
    "groups": PatrolGroup,
    "communities": Community,
    "volunteers": Volunteer,
    "sites": Site,
    "agencies": Agency,
    "shifts": Shift,
    "rotas": Rota,
}
_TOP_LEVEL = {"name", "timezone", "command_center", *_SECTIONS}


# Set while from_dict builds a directory it has just checked, so the check runs once.
_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("_CHECKED", default=False)


def _as_tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def _check_timezone(_instance: object, _attribute: object, value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DirectoryError([f"$.timezone: unknown IANA time zone {value!r}"]) from None


@attrs.frozen(eq=True)
class Directory:
    """Zones, groups, officers, communities, volunteers, sites, agencies and duty times.

    Build one with :meth:`from_dict`, :func:`load_directory` or :func:`sample_directory`
    (or directly, passing tuples). Every ``*_id`` must resolve; otherwise
    :class:`~lianfang.errors.DirectoryError` lists each problem with its JSON path.
    """

    name: str = attrs.field(validator=non_empty)
    command_center: CommandCenter
    timezone: str = attrs.field(default="Asia/Shanghai", validator=_check_timezone)
    officers: tuple[Officer, ...] = attrs.field(default=(), converter=_as_tuple)
    zones: tuple[PatrolZone, ...] = attrs.field(default=(), converter=_as_tuple)
    groups: tuple[PatrolGroup, ...] = attrs.field(default=(), converter=_as_tuple)
    communities: tuple[Community, ...] = attrs.field(default=(), converter=_as_tuple)
    volunteers: tuple[Volunteer, ...] = attrs.field(default=(), converter=_as_tuple)
    sites: tuple[Site, ...] = attrs.field(default=(), converter=_as_tuple)
    agencies: tuple[Agency, ...] = attrs.field(default=(), converter=_as_tuple)
    shifts: tuple[Shift, ...] = attrs.field(default=(), converter=_as_tuple)
    rotas: tuple[Rota, ...] = attrs.field(default=(), converter=_as_tuple)

    def __attrs_post_init__(self) -> None:
        if _CHECKED.get():
            return
        problems = _integrity_problems(self.command_center, _indexed_sections(self))
        if problems:
            raise DirectoryError(problems)

    # --- building and saving -------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Directory:
        """Build a directory from its JSON form, or raise listing every problem at once."""
        with _collector_paused():
            return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Directory:
        if not isinstance(data, Mapping):
            raise DirectoryError(
                [f"$: a directory must be a JSON object, not {type(data).__name__}"]
            )
        problems = [f"$.{key}: unknown field" for key in sorted(set(data) - _TOP_LEVEL)]
        for key in ("name", "command_center"):
            if key not in data:
                problems.append(f"$.{key}: required field is missing")

        name = _field(data, "name", str, problems)
        if name is not None and not name.strip():
            problems.append("$.name: must not be empty")
        timezone = _field(data, "timezone", str, problems, default="Asia/Shanghai")
        if timezone is not None:
            try:
                _check_timezone(None, None, timezone)
            except DirectoryError as exc:
                problems.extend(exc.problems)
        center = _field(data, "command_center", CommandCenter, problems)

        sections: dict[str, list[tuple[int, Any]]] = {}
        for key, item_type in _SECTIONS.items():
            sections[key] = _structure_section(data.get(key, []), key, item_type, problems)

        problems.extend(_integrity_problems(center, sections))
        if problems:
            raise DirectoryError(problems)
        assert name is not None and center is not None and timezone is not None
        token = _CHECKED.set(True)  # just checked above: the constructor need not do it again
        try:
            return cls(
                name=name,
                command_center=center,
                timezone=timezone,
                **{key: tuple(item for _, item in items) for key, items in sections.items()},
            )
        finally:
            _CHECKED.reset(token)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``Directory.from_dict(d.to_dict()) == d``. Phones are included."""
        out: dict[str, Any] = {
            "name": self.name,
            "timezone": self.timezone,
            "command_center": codec.unstructure(self.command_center),
        }
        for key in _SECTIONS:
            out[key] = codec.unstructure(getattr(self, key))
        return out

    # --- lookups by id -------------------------------------------------------------------

    @functools.cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        return {
            key: {item.id: item for item in getattr(self, key)}
            for key in (
                "officers",
                "zones",
                "groups",
                "communities",
                "volunteers",
                "sites",
                "agencies",
            )
        }

    def officer(self, officer_id: str) -> Officer:
        return self._lookup("officers", "officer", officer_id)  # type: ignore[no-any-return]

    def zone(self, zone_id: str) -> PatrolZone:
        return self._lookup("zones", "zone", zone_id)  # type: ignore[no-any-return]

    def group(self, group_id: str) -> PatrolGroup:
        return self._lookup("groups", "group", group_id)  # type: ignore[no-any-return]

    def community(self, community_id: str) -> Community:
        return self._lookup("communities", "community", community_id)  # type: ignore[no-any-return]

    def volunteer(self, volunteer_id: str) -> Volunteer:
        return self._lookup("volunteers", "volunteer", volunteer_id)  # type: ignore[no-any-return]

    def site(self, site_id: str) -> Site:
        return self._lookup("sites", "site", site_id)  # type: ignore[no-any-return]

    def agency(self, agency_id: str) -> Agency:
        return self._lookup("agencies", "agency", agency_id)  # type: ignore[no-any-return]

    def _lookup(self, section: str, kind: str, item_id: str) -> Any:
        try:
            return self._by_id[section][item_id]
        except KeyError:
            raise UnknownIdError(kind, item_id) from None

    def has_community(self, community_id: str) -> bool:
        return community_id in self._by_id["communities"]

    def describe(self, assignee_id: str) -> str:
        """A readable name for any assignee id: command center, officer, volunteer or agency."""
        if assignee_id == self.command_center.id:
            return self.command_center.name
        for section in ("officers", "volunteers", "agencies"):
            found = self._by_id[section].get(assignee_id)
            if found is not None:
                return f"{found.name}（{assignee_id}）"
        return assignee_id

    # --- the chain community → group → zone → leader --------------------------------------

    def group_of(self, community_id: str) -> PatrolGroup:
        return self.group(self.community(community_id).group_id)

    def zone_of(self, community_id: str) -> PatrolZone:
        return self.zone(self.group_of(community_id).zone_id)

    def leader_of(self, community_id: str) -> Officer:
        return self.officer(self.zone_of(community_id).leader_id)

    @functools.cached_property
    def _children(self) -> dict[str, dict[str, tuple[Any, ...]]]:
        groups_by_zone: dict[str, list[PatrolGroup]] = defaultdict(list)
        for group in self.groups:
            groups_by_zone[group.zone_id].append(group)
        communities_by_group: dict[str, list[Community]] = defaultdict(list)
        for community in self.communities:
            communities_by_group[community.group_id].append(community)
        volunteers_by_community: dict[str, list[Volunteer]] = defaultdict(list)
        for volunteer in self.volunteers:
            volunteers_by_community[volunteer.community_id].append(volunteer)
        return {
            "zone": {k: tuple(v) for k, v in groups_by_zone.items()},
            "group": {k: tuple(v) for k, v in communities_by_group.items()},
            "community": {k: tuple(v) for k, v in volunteers_by_community.items()},
        }

    def groups_in(self, zone_id: str) -> tuple[PatrolGroup, ...]:
        """The patrol groups of a zone, in directory order."""
        self.zone(zone_id)
        return self._children["zone"].get(zone_id, ())

    def communities_of(self, group_id: str) -> tuple[Community, ...]:
        """The communities a patrol group covers, in directory order."""
        self.group(group_id)
        return self._children["group"].get(group_id, ())

    def volunteers_in(
        self, community_id: str, *, status: VolunteerStatus | None = VolunteerStatus.ACTIVE
    ) -> tuple[Volunteer, ...]:
        """Volunteers of a community (only active ones unless ``status=None``)."""
        self.community(community_id)
        found = self._children["community"].get(community_id, ())
        return tuple(v for v in found if status is None or v.status is status)

    # --- duty ----------------------------------------------------------------------------

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The directory's time zone, in which rota times are read."""
        return self.duty.tz

    @functools.cached_property
    def duty(self) -> DutyTable:
        """Who is on duty when, prepared once (see :class:`~lianfang.duty.DutyTable`)."""
        return DutyTable.build(self.timezone, self.shifts, self.rotas)

    @property
    def has_duty_times(self) -> bool:
        """False when the directory lists no shifts and no rotas: everyone is then on duty."""
        return bool(self.shifts or self.rotas)

    def is_on_duty(self, officer_id: str, at: dt.datetime) -> bool:
        """Whether an officer is inside one of their shifts or rota slots at ``at``."""
        self.officer(officer_id)
        return self.duty.on_duty(officer_id, at)

    def on_duty(self, at: dt.datetime) -> tuple[Officer, ...]:
        """Every officer on duty at ``at``, in directory order."""
        moment = self.duty.moment(at)
        return tuple(o for o in self.officers if moment.on_duty(o.id))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Loading a province allocates millions of small values and no reference cycles; the
    collector's passes over them cost more than half of the load time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _field(
    data: Mapping[str, Any], key: str, cls: type[T], problems: list[str], default: T | None = None
) -> T | None:
    if key not in data:
        return default
    try:
        return codec.structure(data[key], cls, error=DirectoryError, path=f"$.{key}")
    except DirectoryError as exc:
        problems.extend(exc.problems)
        return None


def _structure_section(
    raw: object, key: str, item_type: type, problems: list[str]
) -> list[tuple[int, Any]]:
    """Structure one section, keeping the good items (with their index) and every problem."""
    if not isinstance(raw, list):
        problems.append(f"$.{key}: must be an array, not {type(raw).__name__}")
        return []
    try:  # the fast path: everything is fine
        items = codec.structure(raw, tuple[item_type, ...], error=DirectoryError)  # type: ignore[valid-type]
        return list(enumerate(items))
    except DirectoryError:
        pass
    good: list[tuple[int, Any]] = []
    for index, entry in enumerate(raw):
        try:
            good.append(
                (
                    index,
                    codec.structure(
                        entry, item_type, error=DirectoryError, path=f"$.{key}[{index}]"
                    ),
                )
            )
        except DirectoryError as exc:
            problems.extend(exc.problems)
    return good


def _indexed_sections(directory: Directory) -> dict[str, list[tuple[int, Any]]]:
    return {key: list(enumerate(getattr(directory, key))) for key in _SECTIONS}


def _integrity_problems(
    center: CommandCenter | None, sections: Mapping[str, Sequence[tuple[int, Any]]]
) -> list[str]:
    """Every broken reference and duplicate id, each with its JSON path."""
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for key in ("officers", "zones", "groups", "communities", "volunteers", "sites", "agencies"):
        seen: set[str] = set()
        for index, item in sections[key]:
            if item.id in seen:
                problems.append(f"$.{key}[{index}].id: duplicate id {item.id!r}")
            seen.add(item.id)
        ids[key] = seen

    # Assignees share one namespace in decisions, so their ids must not collide across types.
    owners = {center.id: "command_center"} if center is not None else {}
    for key in ("officers", "volunteers", "agencies"):
        for index, item in sections[key]:
            other = owners.setdefault(item.id, key)
            if other != key:
                problems.append(
                    f"$.{key}[{index}].id: {item.id!r} is already the id of one of {other}"
                )

    def need(path: str, value: str | None, key: str, noun: str) -> None:
        if value is not None and value not in ids[key]:
            problems.append(f"{path}: unknown {noun} {value!r}")

    def need_all(path: str, values: Iterable[str], key: str, noun: str) -> None:
        for i, value in enumerate(values):
            need(f"{path}[{i}]", value, key, noun)

    for index, zone in sections["zones"]:
        need(f"$.zones[{index}].leader_id", zone.leader_id, "officers", "officer")
    for index, group in sections["groups"]:
        need(f"$.groups[{index}].zone_id", group.zone_id, "zones", "zone")
        need_all(f"$.groups[{index}].officer_ids", group.officer_ids, "officers", "officer")
    for index, community in sections["communities"]:
        path = f"$.communities[{index}]"
        need(f"{path}.group_id", community.group_id, "groups", "group")
        need_all(
            f"{path}.liaison_officer_ids", community.liaison_officer_ids, "officers", "officer"
        )
        need_all(f"{path}.cadre_ids", community.cadre_ids, "volunteers", "volunteer")
    for index, volunteer in sections["volunteers"]:
        need(
            f"$.volunteers[{index}].community_id",
            volunteer.community_id,
            "communities",
            "community",
        )
    for index, site in sections["sites"]:
        need(f"$.sites[{index}].community_id", site.community_id, "communities", "community")
        need(f"$.sites[{index}].contact_id", site.contact_id, "volunteers", "volunteer")
    for key in ("shifts", "rotas"):
        for index, entry in sections[key]:
            need(f"$.{key}[{index}].officer_id", entry.officer_id, "officers", "officer")
    return problems


def load_directory(path: str | PathLike[str]) -> Directory:
    """Read a directory from a JSON file (see ``docs/directory-format.md``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError([f"{path}: cannot read the file ({exc.strerror})"]) from exc
    try:
        with _collector_paused():
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DirectoryError(
            [f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from None
    return Directory.from_dict(data)


@functools.cache
def sample_directory() -> Directory:
    """The built-in sample county (synthetic data modelled on Pingtan, Fujian)."""
    text = resources.files("lianfang").joinpath("data/sample_directory.json").read_text("utf-8")
    return Directory.from_dict(json.loads(text))
