"""The notifications outbox: who must be told what, derived from events.

The library sends nothing. Every event that someone must hear about (a new owner, an
escalation, a hand-off, a further report) produces :class:`Notification` entries by the
pure function :func:`notifications_for`; the host lists the pending ones, delivers them
its own way (SMS, a chat bot, a dashboard) and marks each delivered or failed. Those
marks are events too, so the outbox survives a restart exactly.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

import attrs

from lianfang.events import (
    AgencyDeclined,
    Event,
    HandedToAgency,
    IncidentEscalated,
    IncidentLinked,
    IncidentReassigned,
    IncidentRetriaged,
    IncidentRouted,
)
from lianfang.routing import AssignmentRole, Decision

__all__ = ["Notification", "Topic", "notifications_for"]


class Topic(enum.Enum):
    ASSIGNED = "assigned"  # you own a new matter
    INFORMED = "informed"  # for your information
    ESCALATED = "escalated"  # an overdue matter is yours now
    HANDED_OVER = "handed_over"  # a matter handed to your agency
    RETURNED = "returned"  # an agency sent a matter back to you
    LINKED = "linked"  # another report of a matter you own


_TEXT: dict[Topic, tuple[str, str]] = {
    Topic.ASSIGNED: ("新事项 {incident}，请及时签收", "New matter {incident}: please acknowledge"),
    Topic.INFORMED: ("事项 {incident} 请知悉", "For your information: matter {incident}"),
    Topic.ESCALATED: (
        "事项 {incident} 逾期未签收，已升级由您负责",
        "Matter {incident} was not acknowledged in time and is now yours",
    ),
    Topic.HANDED_OVER: (
        "事项 {incident} 已移交贵单位办理",
        "Matter {incident} was handed to your agency",
    ),
    Topic.RETURNED: (
        "事项 {incident} 被联动单位退回，请处理",
        "Matter {incident} was sent back by the agency: please handle it",
    ),
    Topic.LINKED: ("事项 {incident} 收到新的报告", "Matter {incident} has a further report"),
}


@attrs.frozen
class Notification:
    """One message the host should deliver. ``attempts`` counts failed deliveries so far."""

    id: str
    incident_id: str
    recipient_id: str
    topic: Topic
    created_at: dt.datetime
    attempts: int = 0
    last_error: str | None = None

    def message(self, lang: Literal["zh", "en"] = "zh") -> str:
        zh, en = _TEXT[self.topic]
        return (zh if lang == "zh" else en).format(incident=self.incident_id)


def _for_decision(decision: Decision) -> list[tuple[str, Topic]]:
    return [
        (a.assignee_id, Topic.ASSIGNED if a.role is not AssignmentRole.NOTIFIED else Topic.INFORMED)
        for a in decision.assignments
    ]


def notifications_for(
    position: int, event: Event, owner_id: str | None
) -> tuple[Notification, ...]:
    """The outbox entries an event produces. ``position`` (its journal position) makes the ids.

    ``owner_id`` is the incident's owner before the event (for linked reports).
    """
    recipients: list[tuple[str, Topic]]
    if isinstance(event, IncidentRouted | IncidentRetriaged):
        recipients = _for_decision(event.decision)
    elif isinstance(event, IncidentEscalated):
        recipients = [(event.to_id, Topic.ESCALATED), (event.from_id, Topic.INFORMED)]
    elif isinstance(event, IncidentReassigned):
        recipients = [(event.to_id, Topic.ASSIGNED)]
    elif isinstance(event, HandedToAgency):
        recipients = [(event.agency_id, Topic.HANDED_OVER)]
    elif isinstance(event, AgencyDeclined):
        recipients = [(event.returned_to, Topic.RETURNED)]
    elif isinstance(event, IncidentLinked) and owner_id is not None:
        recipients = [(owner_id, Topic.LINKED)]
    else:
        return ()
    return tuple(
        Notification(f"N{position}.{k}", event.incident_id, recipient, topic, event.at)
        for k, (recipient, topic) in enumerate(recipients)
    )
