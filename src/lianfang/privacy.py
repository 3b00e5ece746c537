"""Privacy and visibility (隐私与可见范围): who sees what, and a shareable journal.

A :class:`Viewer` is someone looking at the desk in one role. Officers and zone leaders
are *privileged*: they see every incident, member and bulletin, with phones. Everyone
else sees less:

- a **volunteer** sees the bulletins sent to it, the incidents it reported or was
  alerted to, and its own roster entry — never another volunteer's phone, never who
  reported a clue (not even when it was itself: a clue's reporter is never shown to a
  volunteer);
- a **cadre** also sees its community's incidents that are not clues and its
  community's members, with phones masked;
- an **agency** sees only the incidents that are with it.

Phone numbers in free text are masked for every unprivileged viewer (``138****0001``).
A clue's reporter is shown only to the clue's owner and the zone leader, as everywhere.

:func:`redact` makes a copy of a journal's events that can be shared for analysis:
people's ids become stable pseudonyms, names, phones and addresses are removed, numbers
in free text masked and locations rounded to about 100 m.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from typing import Any

import attrs

from lianfang import codec
from lianfang._masks import mask_text
from lianfang.bulletins import BulletinRecord
from lianfang.directory import Directory
from lianfang.errors import AccessDeniedError, UnknownIdError
from lianfang.events import SYSTEM, AnyEvent, Audience, Bulletin
from lianfang.incident import Incident
from lianfang.model import GeoPoint, Kind, Phone, VolunteerRole, VolunteerStatus
from lianfang.outbox import Notification
from lianfang.roster import Member, Roster

__all__ = [
    "View",
    "Viewer",
    "ViewerRole",
    "bulletin_as_seen",
    "check_viewer",
    "incident_as_seen",
    "mask_text",
    "member_as_seen",
    "redact",
    "sees_incident",
    "sees_notification",
    "viewer_for",
]


class ViewerRole(enum.Enum):
    """In which capacity someone looks at the desk."""

    OFFICER = "officer"  # 民警 (and the 110 command center)
    ZONE_LEADER = "zone_leader"  # 巡区负责领导
    CADRE = "cadre"  # 社区干部
    VOLUNTEER = "volunteer"  # 联防志愿者
    AGENCY = "agency"  # 联动单位


_PRIVILEGED = frozenset({ViewerRole.OFFICER, ViewerRole.ZONE_LEADER})


@attrs.frozen
class Viewer:
    """Someone looking at the desk: an id and a role.

    ``community_id`` is a cadre's or volunteer's community; ``zone_ids`` the zones a zone
    leader leads. :func:`viewer_for` (or ``desk.viewer(id)``) builds the right one.
    """

    id: str
    role: ViewerRole
    community_id: str | None = None
    zone_ids: tuple[str, ...] = ()

    @property
    def privileged(self) -> bool:
        """Officers and zone leaders see everything (except other people's clue reporters)."""
        return self.role in _PRIVILEGED


def viewer_for(directory: Directory, roster: Roster, viewer_id: str) -> Viewer:
    """The viewer ``viewer_id`` is, by what the directory and roster say about them."""
    if viewer_id == directory.command_center.id:
        return Viewer(viewer_id, ViewerRole.OFFICER)
    try:
        directory.officer(viewer_id)
    except UnknownIdError:
        pass
    else:
        led = tuple(z.id for z in directory.zones if z.leader_id == viewer_id)
        return Viewer(viewer_id, ViewerRole.ZONE_LEADER if led else ViewerRole.OFFICER, None, led)
    try:
        directory.agency(viewer_id)
    except UnknownIdError:
        pass
    else:
        return Viewer(viewer_id, ViewerRole.AGENCY)
    member = roster.members.get(viewer_id)
    if member is None:
        raise UnknownIdError("viewer", viewer_id)
    listed = viewer_id in directory.community(member.community_id).cadre_ids
    cadre = member.status is VolunteerStatus.ACTIVE and (
        listed or member.role is VolunteerRole.COMMUNITY_CADRE
    )
    role = ViewerRole.CADRE if cadre else ViewerRole.VOLUNTEER
    return Viewer(viewer_id, role, member.community_id)


def check_viewer(viewer: Viewer, directory: Directory, roster: Roster) -> Viewer:
    """The viewer as the directory and roster know them (their community and zones filled
    in), if they hold the role they claim; else :class:`~lianfang.errors.AccessDeniedError`."""
    actual = viewer_for(directory, roster, viewer.id)
    if actual.role is not viewer.role:
        raise AccessDeniedError(
            f"{viewer.id!r} cannot view as {viewer.role.value}: they are {actual.role.value}"
        )
    return actual


# --- incidents -------------------------------------------------------------------------------


def _involved(viewer: Viewer, incident: Incident) -> bool:
    return (
        incident.report.reporter_id == viewer.id
        or viewer.id in incident.alerted_ids
        or incident.owner_id == viewer.id
        or any(a.assignee_id == viewer.id for a in incident.decision.assignments)
    )


def sees_incident(viewer: Viewer, incident: Incident) -> bool:
    """Whether ``viewer`` may see ``incident`` at all."""
    if viewer.privileged:
        return True
    if viewer.role is ViewerRole.AGENCY:
        return incident.agency_id == viewer.id
    if _involved(viewer, incident):
        return True
    return (
        viewer.role is ViewerRole.CADRE
        and incident.kind is not Kind.CLUE
        and incident.decision.community_id == viewer.community_id
    )


def _clue_insider(viewer: Viewer, incident: Incident) -> bool:
    return viewer.id == incident.owner_id or (
        viewer.role is ViewerRole.ZONE_LEADER and incident.decision.zone_id in viewer.zone_ids
    )


def incident_as_seen(viewer: Viewer, incident: Incident) -> Incident:
    """``incident`` with what ``viewer`` may not see removed (check :func:`sees_incident`).

    A clue's reporter is withheld from everyone but its owner and zone leader, and always
    from volunteers; an unprivileged viewer sees a reporter only of a matter it reported
    or owns, free text with numbers masked, and no other volunteer among those alerted.
    """
    report = incident.report
    if viewer.privileged:
        if incident.kind is Kind.CLUE and not _clue_insider(viewer, incident):
            return attrs.evolve(incident, report=attrs.evolve(report, reporter_id=None))
        return incident
    keeps_reporter = incident.kind is not Kind.CLUE and (
        report.reporter_id == viewer.id or incident.owner_id == viewer.id
    )
    report = attrs.evolve(
        report,
        text=mask_text(report.text),
        reporter_id=report.reporter_id if keeps_reporter else None,
    )
    if incident.owner_id == viewer.id:
        return attrs.evolve(incident, report=report)

    def only_self(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(i for i in ids if i == viewer.id)

    return attrs.evolve(
        incident,
        report=report,
        alerted_ids=only_self(incident.alerted_ids),
        helper_ids=only_self(incident.helper_ids),
        declined_ids=only_self(incident.declined_ids),
    )


# --- members and bulletins --------------------------------------------------------------------


def _masked(phone: Phone | None) -> Phone | None:
    return Phone(phone.masked) if phone is not None else None


def member_as_seen(viewer: Viewer, member: Member) -> Member | None:
    """The roster entry as ``viewer`` may see it, or None.

    Privileged viewers see everyone; a volunteer sees only itself; a cadre sees its
    community's members with their phones masked; an agency sees nobody.
    """
    if viewer.privileged or viewer.id == member.id:
        return member
    if viewer.role is ViewerRole.CADRE and member.community_id == viewer.community_id:
        return attrs.evolve(member, phone=_masked(member.phone), location=None)
    return None


def bulletin_as_seen(
    viewer: Viewer, record: BulletinRecord, roster: Roster
) -> BulletinRecord | None:
    """A bulletin as ``viewer`` may see it, or None.

    A volunteer or cadre sees the bulletins sent to it (or whose audience it now belongs
    to), with only its own delivery, reading and relays; an agency sees none.
    """
    if viewer.privileged:
        return record
    if viewer.role is ViewerRole.AGENCY:
        return None
    member = roster.members.get(viewer.id)
    in_audience = (
        member is not None
        and member.status is VolunteerStatus.ACTIVE
        and record.bulletin.audience.matches(
            roster.zone_of.get(member.community_id), member.community_id, member.role
        )
    )
    if viewer.id not in record.recipient_ids and not in_audience:
        return None
    return attrs.evolve(
        record,
        recipient_ids=tuple(r for r in record.recipient_ids if r == viewer.id),
        delivered=record.delivered & {viewer.id},
        read={k: v for k, v in record.read.items() if k == viewer.id},
        relays=tuple(r for r in record.relays if r.volunteer_id == viewer.id),
    )


def sees_notification(viewer: Viewer, notification: Notification) -> bool:
    """Privileged viewers see the whole outbox; everyone else only what is addressed to them."""
    return viewer.privileged or notification.recipient_id == viewer.id


@attrs.frozen
class View:
    """Everything one viewer may see on a desk at one moment (``desk.view(viewer)``)."""

    viewer: Viewer
    incidents: tuple[Incident, ...]
    members: tuple[Member, ...]
    bulletins: tuple[BulletinRecord, ...]
    notifications: tuple[Notification, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: an export with the same limits as the view (phones masked for
        unprivileged viewers)."""
        return codec.unstructure(self)  # type: ignore[no-any-return]


# --- a shareable journal ------------------------------------------------------------------

_PERSON = frozenset(
    {
        "by",
        "reporter_id",
        "volunteer_id",
        "referred_by",
        "from_id",
        "to_id",
        "returned_to",
        "assignee_id",
        "recipient_id",
        "withdrawn_by",
    }
)
_PEOPLE = frozenset({"volunteer_ids", "recipient_ids"})
_FREE_TEXT = frozenset({"text", "note", "reason", "outcome", "comment", "error", "message"})
_REMOVED = frozenset({"phone", "address"})
_UNTOUCHED = (Bulletin, Audience)  # published notices are public


class _Redactor:
    def __init__(self, keep: Collection[str], drop_text: bool) -> None:
        self.keep = keep
        self.drop_text = drop_text
        self.pseudonyms: dict[str, str] = {}

    def person(self, value: str | None) -> str | None:
        if value is None or value in self.keep:
            return value
        found = self.pseudonyms.get(value)
        if found is None:
            found = self.pseudonyms[value] = f"P-{len(self.pseudonyms) + 1:04d}"
        return found

    def value(self, value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if isinstance(value, _UNTOUCHED) or not attrs.has(type(value)):
            return value
        if isinstance(value, GeoPoint):
            return GeoPoint(round(value.lon, 3), round(value.lat, 3))
        changes: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            old = getattr(value, field.name)
            if not field.eq:  # e.g. a decision's explain() context: not part of the value
                if old is not None:
                    changes[field.alias] = None
                continue
            new = self.field(type(value).__name__, field.name, old)
            if new is not old:
                changes[field.alias] = new
        return attrs.evolve(value, **changes) if changes else value

    def field(self, owner: str, name: str, value: Any) -> Any:
        if name in _PERSON and (value is None or isinstance(value, str)):
            return self.person(value)
        if name in _PEOPLE and isinstance(value, tuple):
            return tuple(self.person(v) for v in value)
        if name in _REMOVED:
            return None
        if name == "name" and owner == "VolunteerApplied":
            return "—"
        if name in _FREE_TEXT and isinstance(value, str):
            return "" if self.drop_text else mask_text(value)
        return self.value(value)


def redact(
    events: Iterable[AnyEvent | tuple[int, AnyEvent]],
    *,
    directory: Directory | None = None,
    keep_ids: Collection[str] = (),
    drop_text: bool = False,
) -> list[AnyEvent]:
    """A copy of ``events`` with personal data removed, for sharing and analysis.

    - the ids of people (reporters, volunteers, applicants, anyone acting, every
      assignee) become pseudonyms ``P-0001``…, the same person always the same one;
      the desk's own actor (``system``), ``keep_ids`` and, with ``directory``, the ids
      of officers, agencies and the command center are kept;
    - applicants' names, phones and report addresses are removed; locations are rounded
      to 0.001° (about 100 m);
    - phone and identity numbers in free text are masked (with ``drop_text`` free text
      is dropped altogether); published bulletins are public and stay as they are.

    Ids of incidents, reports, sites, communities and bulletins are kept, so the copy
    can be analysed and replayed (:func:`lianfang.network.fold_network`) like the original.
    """
    keep = {SYSTEM, *keep_ids}
    if directory is not None:
        keep.add(directory.command_center.id)
        keep.update(o.id for o in directory.officers)
        keep.update(a.id for a in directory.agencies)
    redactor = _Redactor(keep, drop_text)
    out: list[AnyEvent] = []
    for item in events:
        event = item[1] if isinstance(item, tuple) else item
        out.append(redactor.value(event))
    return out
