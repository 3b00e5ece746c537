"""An incident (警情/事项) over time: a pure fold of its events, and the rules of its lifecycle.

``OPEN`` (routed, waiting for its owner) → ``ACKNOWLEDGED`` → ``RESOLVED``, with
``ESCALATED`` when a deadline passed unacknowledged and the next rung of the ladder
became owner. :func:`apply` folds one event into an incident; the ``check_*`` guards
say whether a person may take a step, and raise
:class:`~lianfang.errors.IllegalTransitionError` otherwise. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable
from typing import Any

import attrs

from lianfang.builders import trusted
from lianfang.errors import IllegalTransitionError
from lianfang.events import (
    AgencyDeclined,
    AlertAccepted,
    AlertDeclined,
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
    Outcome,
    ReportReceived,
    VolunteersAlerted,
)
from lianfang.model import Kind, Priority, Report
from lianfang.routing import Decision

__all__ = ["FollowUp", "Incident", "IncidentState", "apply", "fold_opening"]


class IncidentState(enum.Enum):
    OPEN = "open"  # routed, waiting for its owner to acknowledge
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"  # a deadline passed; the next rung owns it, unacknowledged
    RESOLVED = "resolved"


@attrs.frozen
class FollowUp:
    step: str
    by: str
    at: dt.datetime
    note: str


@attrs.frozen
class Incident:
    """A report being handled over time.

    ``decision`` is the latest routing decision (a re-triage replaces it);
    ``ladder_index`` is -1 while the decision's first owner has it and ``k`` once
    escalation step ``k`` has taken over. ``helper_ids`` are the volunteers who answered
    a volunteer alert and are helping.
    """

    id: str
    report: Report
    decision: Decision
    state: IncidentState
    owner_id: str
    due_at: dt.datetime | None  # when the owner must acknowledge; None once acknowledged
    opened_at: dt.datetime
    ladder_index: int = -1
    report_ids: tuple[str, ...] = ()  # every report of this matter, the first one first
    police_owner_id: str | None = None  # who handed it to an agency, and gets it back
    agency_id: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: dt.datetime | None = None
    outcome: str | None = None
    figures: Outcome | None = None
    escalations: int = 0
    follow_ups: tuple[FollowUp, ...] = ()
    satisfaction: int | None = None
    alerted_ids: tuple[str, ...] = ()  # volunteers asked to help, in the order asked
    helper_ids: tuple[str, ...] = ()  # alerted volunteers who accepted: who is helping
    declined_ids: tuple[str, ...] = ()  # alerted volunteers who declined

    @property
    def kind(self) -> Kind:
        return self.decision.kind

    @property
    def priority(self) -> Priority:
        return self.decision.priority

    @property
    def is_open(self) -> bool:
        return self.state is not IncidentState.RESOLVED

    @property
    def report_count(self) -> int:
        """How many reports this matter has (duplicates are linked, not opened again)."""
        return len(self.report_ids)

    @property
    def supervisors(self) -> tuple[str, ...]:
        """Everyone above the current owner: later rungs of the ladder, the handing officer."""
        above = tuple(s.assignee_id for s in self.decision.escalation[self.ladder_index + 1 :])
        if self.police_owner_id is not None:
            above = (self.police_owner_id, *above)
        return above

    def may_act(self, actor_id: str) -> bool:
        """Whether ``actor_id`` is the owner or stands above them on the ladder."""
        return actor_id == self.owner_id or actor_id in self.supervisors


_FIELD_NAMES = tuple(field.name for field in attrs.fields(Incident))
_FIELD_INDEX = {name: index for index, name in enumerate(_FIELD_NAMES)}
_every_field = operator.attrgetter(*_FIELD_NAMES)
_new_incident = trusted(Incident)


def _evolve(incident: Incident, **changes: Any) -> Incident:
    """``attrs.evolve`` for incidents, several times faster: restoring folds millions."""
    values = list(_every_field(incident))
    for name, value in changes.items():
        values[_FIELD_INDEX[name]] = value
    return _new_incident(*values)


# --- guards: raise before anything is recorded ----------------------------------------------


def check_open(incident: Incident, action: str) -> None:
    if incident.state is IncidentState.RESOLVED:
        raise IllegalTransitionError(
            f"cannot {action} incident {incident.id!r}: it is already resolved"
        )


def check_actor(incident: Incident, actor_id: str, action: str) -> None:
    if not incident.may_act(actor_id):
        raise IllegalTransitionError(
            f"{actor_id!r} cannot {action} incident {incident.id!r}: only its owner "
            f"{incident.owner_id!r} or someone above them on the ladder "
            f"({', '.join(incident.supervisors) or 'nobody'}) can"
        )


def check_not_before(incident: Incident, at: dt.datetime, action: str) -> None:
    if at < incident.opened_at:
        raise IllegalTransitionError(
            f"cannot {action} incident {incident.id!r} at {at.isoformat()}: "
            f"it was opened at {incident.opened_at.isoformat()}"
        )


def check_can_acknowledge(incident: Incident, actor_id: str, at: dt.datetime) -> None:
    check_open(incident, "acknowledge")
    if incident.state is IncidentState.ACKNOWLEDGED:
        raise IllegalTransitionError(
            f"incident {incident.id!r} was already acknowledged by {incident.acknowledged_by!r}"
        )
    check_actor(incident, actor_id, "acknowledge")
    check_not_before(incident, at, "acknowledge")


def check_can_resolve(incident: Incident, actor_id: str, at: dt.datetime) -> None:
    check_open(incident, "resolve")
    check_actor(incident, actor_id, "resolve")
    check_not_before(incident, at, "resolve")


# --- the fold --------------------------------------------------------------------------------


def apply(incident: Incident, event: Event) -> Incident:
    """Fold one event into an incident. Pure: the same inputs give the same incident.

    An incident is opened by :func:`fold_opening` (a report received and routed);
    every later event of that incident goes through here.
    """
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"{type(event).__name__} does not change an incident")
    return handler(incident, event)


def fold_opening(received: ReportReceived, routed: IncidentRouted) -> Incident:
    """The incident that a received and routed report opens."""
    decision = routed.decision
    return Incident(
        id=received.incident_id,
        report=received.report,
        decision=decision,
        state=IncidentState.OPEN,
        owner_id=decision.owner_id,
        due_at=decision.due_at,
        opened_at=received.at,
        report_ids=(received.report.id,),
        agency_id=decision.owner_id if _is_agency_owned(decision) else None,
    )


def _is_agency_owned(decision: Decision) -> bool:
    return "route.agency" in decision.reasons


def _linked(incident: Incident, event: IncidentLinked) -> Incident:
    return _evolve(incident, report_ids=(*incident.report_ids, event.report.id))


def _acknowledged(incident: Incident, event: IncidentAcknowledged) -> Incident:
    return _evolve(
        incident,
        state=IncidentState.ACKNOWLEDGED,
        owner_id=event.by,
        due_at=None,
        acknowledged_at=event.at,
        acknowledged_by=event.by,
    )


def _escalated(incident: Incident, event: IncidentEscalated) -> Incident:
    return _evolve(
        incident,
        state=IncidentState.ESCALATED,
        owner_id=event.to_id,
        due_at=event.due_at,
        ladder_index=event.step,
        escalations=incident.escalations + 1,
        police_owner_id=None,
        agency_id=None,
    )


def _reassigned(incident: Incident, event: IncidentReassigned) -> Incident:
    return _evolve(
        incident,
        state=IncidentState.OPEN,
        owner_id=event.to_id,
        due_at=event.due_at,
        acknowledged_at=None,
        acknowledged_by=None,
    )


def _retriaged(incident: Incident, event: IncidentRetriaged) -> Incident:
    decision = event.decision
    return _evolve(
        incident,
        decision=decision,
        state=IncidentState.OPEN,
        owner_id=decision.owner_id,
        due_at=event.at + decision.ack_within,
        ladder_index=-1,
        police_owner_id=None,
        agency_id=decision.owner_id if _is_agency_owned(decision) else None,
        acknowledged_at=None,
        acknowledged_by=None,
    )


def _handed(incident: Incident, event: HandedToAgency) -> Incident:
    return _evolve(
        incident,
        owner_id=event.agency_id,
        agency_id=event.agency_id,
        police_owner_id=incident.owner_id,
        state=IncidentState.ACKNOWLEDGED,
        due_at=None,
    )


def _declined(incident: Incident, event: AgencyDeclined) -> Incident:
    return _evolve(
        incident,
        owner_id=event.returned_to,
        agency_id=None,
        police_owner_id=None,
        state=IncidentState.OPEN,
        due_at=event.at + incident.decision.ack_within,
        acknowledged_at=None,
        acknowledged_by=None,
    )


def _followed_up(incident: Incident, event: FollowUpRecorded) -> Incident:
    step = FollowUp(event.step.value, event.by, event.at, event.note)
    return _evolve(incident, follow_ups=(*incident.follow_ups, step))


def _resolved(incident: Incident, event: IncidentResolved) -> Incident:
    return _evolve(
        incident,
        state=IncidentState.RESOLVED,
        due_at=None,
        resolved_at=event.at,
        outcome=event.outcome,
        figures=event.figures,
    )


def _feedback(incident: Incident, event: FeedbackRecorded) -> Incident:
    return _evolve(incident, satisfaction=event.satisfaction)


def _alerted(incident: Incident, event: VolunteersAlerted) -> Incident:
    return _evolve(incident, alerted_ids=(*incident.alerted_ids, *event.volunteer_ids))


def _alert_accepted(incident: Incident, event: AlertAccepted) -> Incident:
    return _evolve(incident, helper_ids=(*incident.helper_ids, event.by))


def _alert_declined(incident: Incident, event: AlertDeclined) -> Incident:
    return _evolve(incident, declined_ids=(*incident.declined_ids, event.by))


_HANDLERS: dict[type, Callable[[Any, Any], Incident]] = {
    IncidentLinked: _linked,
    IncidentAcknowledged: _acknowledged,
    IncidentEscalated: _escalated,
    IncidentReassigned: _reassigned,
    IncidentRetriaged: _retriaged,
    HandedToAgency: _handed,
    AgencyDeclined: _declined,
    FollowUpRecorded: _followed_up,
    IncidentResolved: _resolved,
    FeedbackRecorded: _feedback,
    VolunteersAlerted: _alerted,
    AlertAccepted: _alert_accepted,
    AlertDeclined: _alert_declined,
}
