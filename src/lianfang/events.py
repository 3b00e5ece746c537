"""Everything that can happen to an incident, as past-tense facts (the desk's journal).

Events are frozen values. The desk never changes state except by appending one of
these to its journal and folding it in (:mod:`lianfang.incident`), so the journal is
a complete audit trail and replaying it rebuilds the state exactly.

:func:`encode` and :func:`decode` turn events into the journal's opaque records and
back, through the project's one converter (:mod:`lianfang.codec`).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import TypeAlias

import attrs
from cattrs.gen import make_dict_structure_fn

from lianfang import codec
from lianfang.errors import CorruptJournalError
from lianfang.journal import EventRecord, StoredEvent
from lianfang.model import Report
from lianfang.model._checks import aware, non_empty
from lianfang.routing import Assignment, Decision, EscalationStep

__all__ = [
    "SYSTEM",
    "AgencyDeclined",
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
    "NotificationDelivered",
    "NotificationFailed",
    "Outcome",
    "ReportReceived",
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
)

EVENT_TYPES: dict[str, type[Event]] = {
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


for _cls in (Assignment, EscalationStep, Outcome, *EVENT_TYPES.values()):
    _fast(_cls)
_converter.register_structure_hook(
    Decision,
    make_dict_structure_fn(Decision, _converter, _cattrs_detailed_validation=False),
)


def encode(event: Event) -> EventRecord:
    """An event as a journal record (compact JSON)."""
    data = _converter.unstructure(event)
    return EventRecord(
        type(event).__name__, json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    )


def decode(stored: StoredEvent) -> IncidentEvent:
    """A journal record back as its event; a record that cannot be read is corrupt."""
    cls = EVENT_TYPES.get(stored.type)
    if cls is None:
        raise CorruptJournalError(stored.position, f"unknown event type {stored.type!r}")
    try:
        return _converter.structure(json.loads(stored.data), cls)  # type: ignore[return-value]
    except Exception as exc:  # any failure to read our own record means damage
        raise CorruptJournalError(stored.position, f"{stored.type}: {exc}") from exc
