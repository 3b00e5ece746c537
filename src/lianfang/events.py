"""Everything that can happen on the desk, as past-tense facts (the desk's journal).

Events are frozen values. The desk never changes state except by appending one of
these to its journal and folding it in, so the journal is a complete audit trail and
replaying it rebuilds the state exactly.

Two families share the one journal:

- :class:`Event` — something that happened to an incident (``incident_id``, ``at``,
  ``by``), folded by :mod:`lianfang.incident`. Volunteer alerts for an incident
  (:class:`VolunteersAlerted`, :class:`AlertAccepted`, :class:`AlertDeclined`) are
  incident events too.
- :class:`NetworkEvent` — something that happened in the volunteer network (``at``,
  ``by``, no incident): recruitment and screening, credentials, bulletins and relays,
  site check-ins, delivery of network messages; folded by :mod:`lianfang.network`.

A reader of the journal that only cares about incidents skips every
:class:`NetworkEvent` (``isinstance(event, Event)``).

:func:`encode` and :func:`decode` turn events into the journal's opaque records and
back: the hot incident events as compact JSON arrays read by hand (fast to restore),
every other event through the project's one converter (:mod:`lianfang.codec`). Records
written before the compact form existed still decode.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, TypeVar

import attrs
from cattrs.gen import make_dict_structure_fn

from lianfang import codec
from lianfang.builders import trusted
from lianfang.compact import (
    ROLES,
    decision_fields,
    decision_from_fields,
    read_id,
    read_incident_id,
    read_string,
    read_time,
    report_fields,
    report_from_fields,
    write_time,
)
from lianfang.errors import CorruptJournalError, InvalidValueError
from lianfang.journal import EventRecord, StoredEvent
from lianfang.model import GeoPoint, Phone, Report, VolunteerRole
from lianfang.model._checks import aware, non_empty, non_empty_items
from lianfang.routing import Assignment, AssignmentRole, Decision, EscalationStep

__all__ = [
    "EVENT_TYPES",
    "SYSTEM",
    "AgencyDeclined",
    "AlertAccepted",
    "AlertDeclined",
    "AnyEvent",
    "Audience",
    "Bulletin",
    "BulletinPublished",
    "BulletinRead",
    "BulletinRelayed",
    "BulletinTopic",
    "BulletinWithdrawn",
    "CheckInRecorded",
    "CheckInReminded",
    "CheckInStatus",
    "CheckInsStarted",
    "CredentialRecorded",
    "Event",
    "FeedbackRecorded",
    "FollowUpRecorded",
    "FollowUpStep",
    "HandedToAgency",
    "IncidentAcknowledged",
    "IncidentEscalated",
    "IncidentEvent",
    "IncidentLinked",
    "IncidentReassigned",
    "IncidentResolved",
    "IncidentRetriaged",
    "IncidentRouted",
    "MessageDelivered",
    "MessageFailed",
    "NetworkEvent",
    "NetworkEventType",
    "NotificationDelivered",
    "NotificationFailed",
    "Outcome",
    "ReportReceived",
    "ScreeningApproved",
    "ScreeningRejected",
    "ScreeningSide",
    "VolunteerApplied",
    "VolunteerReinstated",
    "VolunteerRetired",
    "VolunteerSuspended",
    "VolunteersAlerted",
    "decode",
    "encode",
]

SYSTEM = "system"
"""The actor of what the desk does by itself (routing, escalation on a deadline)."""


@attrs.frozen
class Event:
    """Base of every desk event: which incident, when, and who did it."""

    incident_id: str = attrs.field(validator=non_empty)
    at: dt.datetime = attrs.field(validator=aware)
    by: str = attrs.field(validator=non_empty)


@attrs.frozen
class ReportReceived(Event):
    """A report arrived and opened a new incident."""

    report: Report


@attrs.frozen
class IncidentRouted(Event):
    """The router decided kind, place, owner, deadline and escalation ladder."""

    decision: Decision


@attrs.frozen
class IncidentLinked(Event):
    """A further report of the same matter joined the open incident instead of opening one."""

    report: Report


@attrs.frozen
class IncidentAcknowledged(Event):
    """The owner (or someone above them on the ladder, who then owns it) took it on."""


@attrs.frozen
class IncidentEscalated(Event):
    """Nobody acknowledged in time: the next rung of the ladder owns it now."""

    from_id: str
    to_id: str
    step: int  # index into the decision's escalation ladder
    due_at: dt.datetime


@attrs.frozen
class IncidentReassigned(Event):
    """Someone allowed to act handed the incident to another assignee, with a reason."""

    to_id: str
    reason: str
    due_at: dt.datetime


@attrs.frozen
class IncidentRetriaged(Event):
    """The kind or priority was changed by a person; the incident was routed again."""

    reason: str
    decision: Decision


@attrs.frozen
class HandedToAgency(Event):
    """A non-police matter went to a partner agency (12345, urban management, …)."""

    agency_id: str
    note: str = ""


@attrs.frozen
class AgencyDeclined(Event):
    """The agency sent the matter back; the police owner who handed it over has it again."""

    reason: str
    returned_to: str


class FollowUpStep(enum.Enum):
    """The follow-up steps of a clue, as the seed case shows them."""

    VERIFICATION = "verification"  # 核查
    STAKE_OUT = "stake_out"  # 蹲守
    JOINT_OPERATION = "joint_operation"  # 联合行动
    OTHER = "other"


@attrs.frozen
class FollowUpRecorded(Event):
    """A follow-up step on an incident (most often a clue)."""

    step: FollowUpStep
    note: str = ""


@attrs.frozen
class Outcome:
    """Figures of what an operation achieved."""

    people_dealt_with: int = 0  # 查处人数
    money_seized_yuan: float = 0.0  # 收缴金额


@attrs.frozen
class IncidentResolved(Event):
    """The matter is dealt with."""

    outcome: str
    figures: Outcome | None = None


@attrs.frozen
class FeedbackRecorded(Event):
    """The reporter's satisfaction after resolution (回访), 1 (bad) … 5 (very good)."""

    satisfaction: int
    comment: str = ""


@attrs.frozen
class NotificationDelivered(Event):
    """The host delivered an outbox entry."""

    notification_id: str


@attrs.frozen
class NotificationFailed(Event):
    """The host tried to deliver an outbox entry and failed; it stays in the outbox."""

    notification_id: str
    error: str = ""


@attrs.frozen
class VolunteersAlerted(Event):
    """Active volunteers near a suitable incident (a missing person, a lost item) were asked.

    ``message`` is what they are told (the owner's words, or the report's text with phone
    numbers masked); never who reported it.
    """

    volunteer_ids: tuple[str, ...]
    message: str = ""


@attrs.frozen
class AlertAccepted(Event):
    """An alerted volunteer (``by``) is helping; the owner sees them among the helpers."""

    note: str = ""


@attrs.frozen
class AlertDeclined(Event):
    """An alerted volunteer (``by``) cannot help this time."""

    reason: str = ""


# --- the volunteer network -----------------------------------------------------------------


@attrs.frozen
class NetworkEvent:
    """Base of every volunteer-network event: when, and who did it. No incident."""

    at: dt.datetime = attrs.field(validator=aware)
    by: str = attrs.field(validator=non_empty)


class ScreeningSide(enum.Enum):
    """The two sides that screen an applicant together (共同筛选)."""

    CADRE = "cadre"  # 社区干部
    LIAISON = "liaison"  # 社区挂钩民警


@attrs.frozen
class VolunteerApplied(NetworkEvent):
    """A person applied to join the network (``by`` is whoever entered the application)."""

    volunteer_id: str
    name: str
    role: VolunteerRole
    community_id: str
    phone: Phone | None = None
    referred_by: str | None = None
    location: GeoPoint | None = None


@attrs.frozen
class ScreeningApproved(NetworkEvent):
    """One side approved an applicant; with both sides the volunteer is active."""

    volunteer_id: str
    side: ScreeningSide


@attrs.frozen
class ScreeningRejected(NetworkEvent):
    """One side rejected an applicant, with a reason; the application is closed."""

    volunteer_id: str
    side: ScreeningSide
    reason: str


@attrs.frozen
class VolunteerSuspended(NetworkEvent):
    """An officer suspended an active volunteer, with a reason."""

    volunteer_id: str
    reason: str


@attrs.frozen
class VolunteerReinstated(NetworkEvent):
    """An officer made a suspended volunteer active again."""

    volunteer_id: str
    note: str = ""


@attrs.frozen
class VolunteerRetired(NetworkEvent):
    """A volunteer left the network (or an applicant withdrew); final."""

    volunteer_id: str
    reason: str = ""


@attrs.frozen
class CredentialRecorded(NetworkEvent):
    """A credential (a guard's licence, …) was checked, valid until ``expires_at``; it renews."""

    volunteer_id: str
    credential: str
    expires_at: dt.datetime


class BulletinTopic(enum.Enum):
    """What a bulletin (信息发布) is about."""

    ANTI_FRAUD = "anti_fraud"  # 防诈骗
    TYPHOON_WARNING = "typhoon_warning"  # 台风预警
    WANTED_PERSON = "wanted_person"  # 协查通报
    ROAD_CLOSURE = "road_closure"  # 道路封闭
    SAFETY = "safety"  # 安全提示
    OTHER = "other"


def _roles(value: object) -> tuple[VolunteerRole, ...]:
    if isinstance(value, str | VolunteerRole):
        value = (value,)
    if not isinstance(value, list | tuple | set | frozenset):
        raise InvalidValueError([f"roles: must be an array of volunteer roles, not {value!r}"])
    out = []
    for index, role in enumerate(value):
        try:
            out.append(VolunteerRole(role))
        except ValueError:
            raise InvalidValueError([f"roles[{index}]: {role!r} is not a volunteer role"]) from None
    return tuple(out)


def _id_tuple(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):  # a lone string would otherwise become a tuple of characters
        return (value,)
    return tuple(value)


def _topic(value: BulletinTopic | str) -> BulletinTopic:
    try:
        return BulletinTopic(value)
    except ValueError:
        choices = ", ".join(repr(t.value) for t in BulletinTopic)
        raise InvalidValueError([f"topic: {value!r} is not one of {choices}"]) from None


@attrs.frozen
class Audience:
    """Who a bulletin is for: every given criterion must hold (their intersection).

    An empty criterion does not restrict: ``Audience()`` is every active volunteer;
    ``Audience(zone_ids=("Z-2",), roles=(VolunteerRole.SHOP_OWNER,))`` is the shop owners
    of zone 2; zones and communities together mean the listed communities that lie in
    the listed zones.
    """

    zone_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_id_tuple, validator=non_empty_items
    )
    community_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_id_tuple, validator=non_empty_items
    )
    roles: tuple[VolunteerRole, ...] = attrs.field(default=(), converter=_roles)

    def matches(self, zone_id: str | None, community_id: str, role: VolunteerRole) -> bool:
        """Whether a volunteer of ``role`` in ``community_id`` (in ``zone_id``) is in it."""
        return (
            (not self.zone_ids or zone_id in self.zone_ids)
            and (not self.community_ids or community_id in self.community_ids)
            and (not self.roles or role in self.roles)
        )


def _expires_after_issue(instance: Bulletin, _attribute: object, value: dt.datetime) -> None:
    if value <= instance.issued_at:
        raise InvalidValueError(
            [
                f"expires_at: {value.isoformat()} is not after "
                f"issued_at {instance.issued_at.isoformat()}"
            ]
        )


def _text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError([f"{attribute.name}: must be a non-empty string"])


@attrs.frozen
class Bulletin:
    """A notice from the police to an audience of volunteers (信息发布)."""

    id: str = attrs.field(validator=non_empty)
    topic: BulletinTopic = attrs.field(converter=_topic)
    title: str = attrs.field(validator=_text)
    text: str = attrs.field(validator=_text)
    issued_at: dt.datetime = attrs.field(validator=aware)
    expires_at: dt.datetime = attrs.field(validator=[aware, _expires_after_issue])
    audience: Audience = Audience()

    def is_current(self, at: dt.datetime) -> bool:
        """Whether ``at`` lies between issue (inclusive) and expiry (exclusive)."""
        return self.issued_at <= at < self.expires_at


@attrs.frozen
class BulletinPublished(NetworkEvent):
    """An officer published a bulletin; ``recipient_ids`` are the active volunteers it reached."""

    bulletin: Bulletin
    recipient_ids: tuple[str, ...]


@attrs.frozen
class BulletinRead(NetworkEvent):
    """A recipient (``by``) acknowledged reading a bulletin."""

    bulletin_id: str


@attrs.frozen
class BulletinRelayed(NetworkEvent):
    """A recipient (``by``) relayed a bulletin to their own contacts (转发)."""

    bulletin_id: str
    estimated_reach: int | None = None  # people the relay reached, as the volunteer estimates
    note: str = ""


@attrs.frozen
class BulletinWithdrawn(NetworkEvent):
    """An officer withdrew a bulletin; its undelivered messages are dropped."""

    bulletin_id: str
    reason: str


class CheckInStatus(enum.Enum):
    """What a site says when it checks in (报备)."""

    NORMAL = "normal"  # 正常
    TO_REPORT = "to_report"  # 有情况


@attrs.frozen
class CheckInsStarted(NetworkEvent):
    """From ``at`` these sites are expected to check in on their schedule."""

    site_ids: tuple[str, ...]


@attrs.frozen
class CheckInRecorded(NetworkEvent):
    """A site checked in; with something to report, ``report_id`` is the report it became."""

    site_id: str
    status: CheckInStatus
    text: str = ""
    report_id: str | None = None


@attrs.frozen
class CheckInReminded(NetworkEvent):
    """A site missed its check-in: stage 1 reminds its contact, stage 2 tells the liaison."""

    site_id: str
    due_at: dt.datetime
    stage: int
    recipient_ids: tuple[str, ...]


@attrs.frozen
class MessageDelivered(NetworkEvent):
    """The host delivered a network message (a bulletin, a check-in reminder)."""

    notification_id: str
    recipient_id: str
    subject_id: str | None = None  # the bulletin or site the message was about


@attrs.frozen
class MessageFailed(NetworkEvent):
    """Delivering a network message failed; it stays in the outbox."""

    notification_id: str
    error: str = ""


IncidentEvent: TypeAlias = (
    ReportReceived
    | IncidentRouted
    | IncidentLinked
    | IncidentAcknowledged
    | IncidentEscalated
    | IncidentReassigned
    | IncidentRetriaged
    | HandedToAgency
    | AgencyDeclined
    | FollowUpRecorded
    | IncidentResolved
    | FeedbackRecorded
    | NotificationDelivered
    | NotificationFailed
    | VolunteersAlerted
    | AlertAccepted
    | AlertDeclined
)

NetworkEventType: TypeAlias = (
    VolunteerApplied
    | ScreeningApproved
    | ScreeningRejected
    | VolunteerSuspended
    | VolunteerReinstated
    | VolunteerRetired
    | CredentialRecorded
    | BulletinPublished
    | BulletinRead
    | BulletinRelayed
    | BulletinWithdrawn
    | CheckInsStarted
    | CheckInRecorded
    | CheckInReminded
    | MessageDelivered
    | MessageFailed
)

AnyEvent: TypeAlias = IncidentEvent | NetworkEventType
"""Every event the journal can hold."""

EVENT_TYPES: dict[str, type[Event | NetworkEvent]] = {
    cls.__name__: cls
    for cls in (
        ReportReceived,
        IncidentRouted,
        IncidentLinked,
        IncidentAcknowledged,
        IncidentEscalated,
        IncidentReassigned,
        IncidentRetriaged,
        HandedToAgency,
        AgencyDeclined,
        FollowUpRecorded,
        IncidentResolved,
        FeedbackRecorded,
        NotificationDelivered,
        NotificationFailed,
        VolunteersAlerted,
        AlertAccepted,
        AlertDeclined,
        VolunteerApplied,
        ScreeningApproved,
        ScreeningRejected,
        VolunteerSuspended,
        VolunteerReinstated,
        VolunteerRetired,
        CredentialRecorded,
        BulletinPublished,
        BulletinRead,
        BulletinRelayed,
        BulletinWithdrawn,
        CheckInsStarted,
        CheckInRecorded,
        CheckInReminded,
        MessageDelivered,
        MessageFailed,
    )
}


# --- the lean codec ---------------------------------------------------------------------
# Restoring replays every event, so decoding is the hot path: events are structured by
# generated hooks without detailed validation (the journal's checksums already guard the
# bytes), and a decision's explain() context is re-attached by the desk, not stored.

_converter = codec.converter


def _fast(cls: type) -> None:
    _converter.register_structure_hook(
        cls, make_dict_structure_fn(cls, _converter, _cattrs_detailed_validation=False)
    )


for _cls in (Assignment, EscalationStep, Outcome, Audience, Bulletin, *EVENT_TYPES.values()):
    _fast(_cls)
_converter.register_structure_hook(
    Decision,
    make_dict_structure_fn(Decision, _converter, _cattrs_detailed_validation=False),
)


# The hot events (every incident's opening, acknowledgement, escalation and resolution) are
# written as compact JSON arrays, ``[1, field, …]``, and read back by hand-written code: a
# journal is mostly these, and cattrs' generic hooks cost more than the rest of a restore.
# A record whose text starts with "[" is in this format (1 is its version); records of
# every other type, and records written before the format existed, are JSON objects read
# by the converter, so journals written earlier restore unchanged.

# Event payloads are trees built here or by the converter from frozen values: they cannot
# refer to themselves, so the encoder need not track every container it enters.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _one_shot_encoder() -> Callable[[Any], str]:
    """``_JSON.encode``, without building the C encoder anew for every call as it does.

    Falls back to ``_JSON.encode`` itself where the C accelerator is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _JSON.encode
    # The arguments _JSON.iterencode passes it for a one-shot encoding.
    chunks = make(
        None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    join = "".join
    return lambda data: join(chunks(data, 0))


_encode_json = _one_shot_encoder()
# The C scanner itself: json.loads wraps it in two regex matches and a method call.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_COMPACT = 1
_COMPACT_HEAD = '[1,"'  # a compact record, and the opening quote of its incident id


def _write_opening(event: ReportReceived | IncidentLinked) -> list[Any]:
    return [
        _COMPACT,
        event.incident_id,
        write_time(event.at),
        event.by,
        *report_fields(event.report),
    ]


def _write_routed(event: IncidentRouted) -> list[Any]:
    return [
        _COMPACT,
        event.incident_id,
        write_time(event.at),
        event.by,
        *decision_fields(event.decision),
    ]


def _write_acknowledged(event: IncidentAcknowledged) -> list[Any]:
    return [_COMPACT, event.incident_id, write_time(event.at), event.by]


def _write_resolved(event: IncidentResolved) -> list[Any]:
    figures = event.figures
    return [
        _COMPACT,
        event.incident_id,
        write_time(event.at),
        event.by,
        event.outcome,
        None if figures is None else (figures.people_dealt_with, figures.money_seized_yuan),
    ]


def _write_escalated(event: IncidentEscalated) -> list[Any]:
    return [
        _COMPACT,
        event.incident_id,
        write_time(event.at),
        event.by,
        event.from_id,
        event.to_id,
        event.step,
        write_time(event.due_at),
    ]


_COMPACT_WRITERS: dict[type, Callable[[Any], list[Any]]] = {
    ReportReceived: _write_opening,
    IncidentLinked: _write_opening,
    IncidentRouted: _write_routed,
    IncidentAcknowledged: _write_acknowledged,
    IncidentResolved: _write_resolved,
    IncidentEscalated: _write_escalated,
}


# Events read back from our own records are built without their validators: the values
# were checked when the event was made (types and shapes are checked here). The
# round-trip tests catch a field read wrong.

_WithReport = TypeVar("_WithReport", ReportReceived, IncidentLinked)
_T = TypeVar("_T")


def _read_with_report(cls: type[_WithReport]) -> Callable[[list[Any]], _WithReport]:
    """A reader for an event that carries a whole report (received, or linked to another)."""
    build = trusted(cls)

    def read(fields: list[Any]) -> _WithReport:
        return build(
            read_incident_id(fields[1]),
            read_time(fields[2]),
            read_id(fields[3]),
            report_from_fields(fields[4:]),
        )

    return read


_new_routed = trusted(IncidentRouted)
_new_acknowledged = trusted(IncidentAcknowledged)
_new_resolved = trusted(IncidentResolved)
_new_escalated = trusted(IncidentEscalated)


def _read_routed(fields: list[Any]) -> IncidentRouted:
    return _new_routed(
        read_incident_id(fields[1]),
        read_time(fields[2]),
        read_id(fields[3]),
        decision_from_fields(fields[4:]),
    )


def _read_acknowledged(fields: list[Any]) -> IncidentAcknowledged:
    _, incident_id, at, by = fields
    return _new_acknowledged(read_incident_id(incident_id), read_time(at), read_id(by))


def _read_resolved(fields: list[Any]) -> IncidentResolved:
    _, incident_id, at, by, outcome, figures = fields
    if figures is not None:
        people, money = figures
        if type(people) is not int or type(money) not in (int, float):
            raise ValueError(f"figures must be [people, money], not {figures!r}")
        figures = Outcome(people, float(money))
    return _new_resolved(
        read_incident_id(incident_id), read_time(at), read_id(by), read_string(outcome), figures
    )


def _read_escalated(fields: list[Any]) -> IncidentEscalated:
    _, incident_id, at, by, from_id, to_id, step, due_at = fields
    if type(step) is not int:
        raise ValueError(f"step must be a whole number, not {step!r}")
    return _new_escalated(
        read_incident_id(incident_id),
        read_time(at),
        read_id(by),
        read_id(from_id),
        read_id(to_id),
        step,
        read_time(due_at),
    )


_COMPACT_READERS: dict[type, Callable[[list[Any]], Event]] = {
    ReportReceived: _read_with_report(ReportReceived),
    IncidentLinked: _read_with_report(IncidentLinked),
    IncidentRouted: _read_routed,
    IncidentAcknowledged: _read_acknowledged,
    IncidentResolved: _read_resolved,
    IncidentEscalated: _read_escalated,
}
_READERS_BY_NAME = {cls.__name__: read for cls, read in _COMPACT_READERS.items()}


# A record's type and text are checked once, by the journal that appends it (every
# adapter checks its whole batch before writing anything): text holding a lone surrogate,
# which a report's text may, is refused there.
_new_record = trusted(EventRecord)


def encode(event: Event | NetworkEvent) -> EventRecord:
    """An event as a journal record (compact JSON). The record is not checked here: the
    journal that appends it checks its type and text (a lone surrogate in a report's text
    cannot be stored, and is refused there)."""
    kind = type(event)
    write = _COMPACT_WRITERS.get(kind)
    data = _converter.unstructure(event) if write is None else write(event)
    return _new_record(kind.__name__, _encode_json(data))


def decode(stored: StoredEvent) -> AnyEvent:
    """A journal record back as its event; a record that cannot be read is corrupt.

    Incident events are :class:`Event` instances, network events :class:`NetworkEvent`
    ones: a reader that wants only incidents keeps ``isinstance(event, Event)``.
    """
    if stored.data[:1] == "[" and (read := _READERS_BY_NAME.get(stored.type)) is not None:
        return _read_compact(stored, read)  # type: ignore[return-value]
    cls = EVENT_TYPES.get(stored.type)
    if cls is None:
        raise CorruptJournalError(stored.position, f"unknown event type {stored.type!r}")
    try:
        return _converter.structure(json.loads(stored.data), cls)  # type: ignore[return-value]
    except Exception as exc:  # any failure to read our own record means damage
        raise CorruptJournalError(stored.position, f"{stored.type}: {exc}") from exc


def _read_compact(stored: StoredEvent, read: Callable[[list[Any]], _T]) -> _T:
    """``read`` applied to the fields of a compact record; any failure means damage."""
    data = stored.data
    try:
        fields, end = _scan(data, 0)
        if end != len(data) or type(fields) is not list or fields[0] != _COMPACT:
            raise ValueError("not a compact record of a known version")
        return read(fields)
    except Exception as exc:  # any failure to read our own record means damage
        raise CorruptJournalError(stored.position, f"{stored.type}: {exc}") from exc


# --- glances --------------------------------------------------------------------------------
# A replay keeps an incident that opens and closes within it (received, routed,
# acknowledged, resolved) as its records, read only when someone asks for it
# (lianfang.sealed). It needs just these fields of those compact records; the others are
# read, and checked, with the incident.


def glance_opening(stored: StoredEvent) -> tuple[str, str, dt.datetime]:
    """A compact ``ReportReceived``'s incident id, report id and report time."""
    return _read_compact(
        stored, lambda f: (read_incident_id(f[1]), read_incident_id(f[4]), read_time(f[5]))
    )


def glance_routed(
    stored: StoredEvent,
) -> tuple[str, dt.datetime, list[tuple[str, AssignmentRole]]]:
    """A compact ``IncidentRouted``'s incident id, time, and its decision's assignments
    as (assignee id, role) pairs."""
    return _read_compact(stored, _glance_routed)


def _glance_routed(fields: list[Any]) -> tuple[str, dt.datetime, list[tuple[str, AssignmentRole]]]:
    # The decision's fields start at 4; its assignments are its ninth.
    assignments = [(read_id(assignee), ROLES[role]) for assignee, role, _ in fields[12]]
    return read_incident_id(fields[1]), read_time(fields[2]), assignments


def glance_incident(stored: StoredEvent) -> str:
    """The incident id of a compact record."""
    # Cut from the text when it holds no escape: acknowledgements and resolutions are half
    # a journal, and the rest of their record is read with the incident.
    data = stored.data
    end = data.find('"', 4)
    if end > 4 and data.startswith(_COMPACT_HEAD) and "\\" not in (incident_id := data[4:end]):
        return incident_id
    return _read_compact(stored, lambda f: read_incident_id(f[1]))
