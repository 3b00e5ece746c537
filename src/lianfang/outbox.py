"""The notifications outbox: who must be told what, derived from events.

The library sends nothing. Every event that someone must hear about (a new owner, an
escalation, a hand-off, a further report; a bulletin, a missed check-in, a volunteer
alert) produces :class:`Notification` entries by the pure function
:func:`notifications_for`; the host lists the pending ones, delivers them its own way
(SMS, a chat bot, a dashboard) and marks each delivered or failed. Those marks are
events too, so the outbox survives a restart exactly.

A notification about an incident has its ``incident_id``; a network message (a
bulletin, a check-in reminder) has ``incident_id=None`` and the bulletin's or site's id
in ``subject_id``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Literal

import attrs

from lianfang._masks import mask_text
from lianfang.builders import trusted
from lianfang.bulletins import TOPIC_LABELS
from lianfang.events import (
    AgencyDeclined,
    AlertAccepted,
    AlertDeclined,
    BulletinPublished,
    CheckInReminded,
    Event,
    FeedbackRecorded,
    FollowUpRecorded,
    HandedToAgency,
    IncidentAcknowledged,
    IncidentEscalated,
    IncidentLinked,
    IncidentReassigned,
    IncidentResolved,
    IncidentRetriaged,
    IncidentRouted,
    NetworkEvent,
    NotificationDelivered,
    NotificationFailed,
    ReportReceived,
    VolunteersAlerted,
)
from lianfang.routing import AssignmentRole, Decision

__all__ = ["NETWORK_TOPICS", "Notification", "Topic", "notifications_for"]


class Topic(enum.Enum):
    ASSIGNED = "assigned"  # you own a new matter
    INFORMED = "informed"  # for your information
    ESCALATED = "escalated"  # an overdue matter is yours now
    HANDED_OVER = "handed_over"  # a matter handed to your agency
    RETURNED = "returned"  # an agency sent a matter back to you
    LINKED = "linked"  # another report of a matter you own
    BULLETIN = "bulletin"  # a notice for you to read and relay
    CHECK_IN_REMINDER = "check_in_reminder"  # your site missed its check-in
    CHECK_IN_MISSED = "check_in_missed"  # a site of your community missed its check-in
    VOLUNTEER_ALERT = "volunteer_alert"  # can you help search?
    HELPER_JOINED = "helper_joined"  # a volunteer is helping with a matter you own


NETWORK_TOPICS = frozenset({Topic.BULLETIN, Topic.CHECK_IN_REMINDER, Topic.CHECK_IN_MISSED})
"""Topics of network messages: they have a ``subject_id`` and no ``incident_id``."""


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
    Topic.BULLETIN: ("联防通知 {subject}：{detail}", "Network notice {subject}: {detail}"),
    Topic.CHECK_IN_REMINDER: (
        "报备单位 {subject} 未按时报备（应于 {detail} 前），请尽快报备",
        "Site {subject} missed its check-in due {detail}: please check in",
    ),
    Topic.CHECK_IN_MISSED: (
        "报备单位 {subject} 逾期未报备（应于 {detail} 前），请跟进",
        "Site {subject} has not checked in since {detail}: please follow up",
    ),
    Topic.VOLUNTEER_ALERT: (
        "事项 {incident} 请求志愿者协助：{detail}。能否参与？",
        "Matter {incident} asks volunteers for help: {detail}. Can you help?",
    ),
    Topic.HELPER_JOINED: (
        "志愿者 {detail} 已响应，协助办理事项 {incident}",
        "Volunteer {detail} is helping with matter {incident}",
    ),
}


@attrs.frozen
class Notification:
    """One message the host should deliver. ``attempts`` counts failed deliveries so far.

    ``incident_id`` is the incident it is about, or None for a network message, whose
    bulletin or site is ``subject_id``; ``detail`` is the text it carries (a bulletin's
    title and text, a check-in's due time, an alert's request).
    """

    id: str
    incident_id: str | None
    recipient_id: str
    topic: Topic
    created_at: dt.datetime
    attempts: int = 0
    last_error: str | None = None
    subject_id: str | None = None
    detail: str = ""

    @property
    def is_network_message(self) -> bool:
        return self.incident_id is None

    def message(self, lang: Literal["zh", "en"] = "zh") -> str:
        zh, en = _TEXT[self.topic]
        return (zh if lang == "zh" else en).format(
            incident=self.incident_id, subject=self.subject_id, detail=self.detail
        )


_new_notification = trusted(Notification)


TOPIC_FOR_ROLE: dict[AssignmentRole, Topic] = {
    role: Topic.INFORMED if role is AssignmentRole.NOTIFIED else Topic.ASSIGNED
    for role in AssignmentRole
}
"""What an assignee of a new decision is told, by their role: assigned, or informed."""


def _for_decision(decision: Decision) -> list[tuple[str, Topic]]:
    return [(a.assignee_id, TOPIC_FOR_ROLE[a.role]) for a in decision.assignments]


def notifications_for(
    position: int, event: Event | NetworkEvent, owner_id: str | None
) -> tuple[Notification, ...]:
    """The outbox entries an event produces. ``position`` (its journal position) makes the ids.

    ``owner_id`` is the incident's owner before the event (for linked reports and helpers).
    """
    if type(event) in _SILENT:  # most of a journal: answer them without the chain below
        return ()
    if isinstance(event, NetworkEvent):
        return _network_notifications(position, event)
    detail = ""
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
    elif isinstance(event, VolunteersAlerted):
        recipients = [(v, Topic.VOLUNTEER_ALERT) for v in event.volunteer_ids]
        detail = event.message
    elif isinstance(event, AlertAccepted) and owner_id is not None:
        recipients = [(owner_id, Topic.HELPER_JOINED)]
        detail = event.by
    else:
        return ()
    return notices(position, event.incident_id, event.at, recipients, detail)


def notices(
    position: int,
    incident_id: str,
    at: dt.datetime,
    recipients: Iterable[tuple[str, Topic]],
    detail: str = "",
) -> tuple[Notification, ...]:
    """The outbox entries that the incident event at ``position`` makes for ``recipients``."""
    # Built unchecked from the event's checked parts, a list not a generator: every routed
    # report makes a few of these.
    return tuple(
        [
            _new_notification(
                f"N{position}.{k}", incident_id, recipient, topic, at, 0, None, None, detail
            )
            for k, (recipient, topic) in enumerate(recipients)
        ]
    )


_SILENT: frozenset[type] = frozenset(
    {
        ReportReceived,
        IncidentAcknowledged,
        IncidentResolved,
        FollowUpRecorded,
        FeedbackRecorded,
        NotificationDelivered,
        NotificationFailed,
        AlertDeclined,
    }
)
"""Incident events that tell nobody anything."""


def _network_notifications(position: int, event: NetworkEvent) -> tuple[Notification, ...]:
    if isinstance(event, BulletinPublished):
        bulletin = event.bulletin
        label = TOPIC_LABELS[bulletin.topic][0]
        detail = mask_text(f"【{label}】{bulletin.title}\n{bulletin.text}")
        subject, topic = bulletin.id, Topic.BULLETIN
        recipients = event.recipient_ids
    elif isinstance(event, CheckInReminded):
        detail = f"{event.due_at:%Y-%m-%d %H:%M}"
        subject, recipients = event.site_id, event.recipient_ids
        topic = Topic.CHECK_IN_REMINDER if event.stage == 1 else Topic.CHECK_IN_MISSED
    else:
        return ()
    return tuple(
        Notification(
            f"N{position}.{k}", None, recipient, topic, event.at, subject_id=subject, detail=detail
        )
        for k, recipient in enumerate(recipients)
    )
