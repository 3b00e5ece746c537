"""The incident desk (值班台): decisions become work that people do over time.

:class:`Desk` is the imperative shell around the pure core. Every command checks its
guards first, then appends events to the journal and only after the journal has
accepted them folds them into memory. A rejected command raises and records nothing;
a crashed process loses nothing the journal acknowledged; :meth:`Desk.restore` replays
the journal into exactly the same state.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs

from lianfang.directory import Directory
from lianfang.errors import (
    AccessDeniedError,
    IllegalTransitionError,
    InvalidValueError,
    ReportError,
    UnknownIdError,
)
from lianfang.events import (
    SYSTEM,
    AgencyDeclined,
    Event,
    FeedbackRecorded,
    FollowUpRecorded,
    FollowUpStep,
    HandedToAgency,
    IncidentAcknowledged,
    IncidentEscalated,
    IncidentLinked,
    IncidentReassigned,
    IncidentResolved,
    IncidentRetriaged,
    IncidentRouted,
    NotificationDelivered,
    NotificationFailed,
    Outcome,
    ReportReceived,
    decode,
    encode,
)
from lianfang.incident import (
    Incident,
    IncidentState,
    apply,
    check_actor,
    check_can_acknowledge,
    check_can_resolve,
    check_not_before,
    check_open,
    fold_opening,
)
from lianfang.journal import Journal, MemoryJournal
from lianfang.model import GeoPoint, Kind, Priority, Report
from lianfang.outbox import Notification, notifications_for
from lianfang.policy import Policy
from lianfang.routing import Router
from lianfang.triage import Classifier

__all__ = ["Desk", "DuplicateRule"]

_URGENCY = {Kind.EMERGENCY: 0, Kind.CLUE: 1, Kind.NON_EMERGENCY: 2, Kind.INFO: 3}


@attrs.frozen
class DuplicateRule:
    """When a report joins an open incident instead of opening one.

    Same kind and category, within ``window`` of the incident's latest report, and
    either in the same community (when the category is known) or within
    ``radius_m`` metres when both reports have coordinates.
    """

    window: dt.timedelta = dt.timedelta(minutes=30)
    radius_m: float = 250.0
    kinds: frozenset[Kind] = frozenset({Kind.EMERGENCY, Kind.NON_EMERGENCY, Kind.CLUE})


_CELL_DEG = 0.01  # about 1 km: a radius search looks at the 3 x 3 cells around a point


def _cell(point: GeoPoint) -> tuple[int, int]:
    return (math.floor(point.lon / _CELL_DEG), math.floor(point.lat / _CELL_DEG))


class _State:
    """Everything folded from the journal, with the indexes the commands need.

    Changes only through :meth:`apply`. Inside :meth:`staged`, every change is logged so
    that a batch the journal refused can be rolled back.
    """

    def __init__(self) -> None:
        self.version = 0
        self.incidents: dict[str, Incident] = {}
        self.by_report: dict[str, str] = {}  # every report id → its incident
        self.load: Counter[str] = Counter()  # assignee → open incidents owned
        self.due: list[tuple[dt.datetime, str]] = []  # heap of acknowledgement deadlines
        self.open_by_community: dict[str, set[str]] = {}
        self.open_by_cell: dict[tuple[int, int], set[str]] = {}
        self.last_report_at: dict[str, dt.datetime] = {}
        self.outbox: dict[str, Notification] = {}
        self._pending: dict[str, ReportReceived] = {}
        self._undo: list[tuple[Any, ...]] | None = None

    # --- folding ---------------------------------------------------------------------------

    def apply(self, position: int, event: Event) -> None:
        before = self.incidents.get(event.incident_id)
        if isinstance(event, ReportReceived):
            self._set(self._pending, event.incident_id, event)
            self._set(self.by_report, event.report.id, event.incident_id)
        elif isinstance(event, IncidentRouted):
            received = self._pending[event.incident_id]
            self._set(self._pending, event.incident_id, None)
            self._replace(None, fold_opening(received, event))
        elif isinstance(event, NotificationDelivered):
            self._set(self.outbox, event.notification_id, None)
        elif isinstance(event, NotificationFailed):
            entry = self.outbox.get(event.notification_id)
            if entry is not None:
                self._set(
                    self.outbox,
                    entry.id,
                    attrs.evolve(entry, attempts=entry.attempts + 1, last_error=event.error),
                )
        else:
            assert before is not None
            if isinstance(event, IncidentLinked):
                self._set(self.by_report, event.report.id, event.incident_id)
            self._replace(before, apply(before, event))
        if isinstance(event, IncidentLinked):
            self._set(self.last_report_at, event.incident_id, event.report.received_at)
        for note in notifications_for(position, event, before.owner_id if before else None):
            self._set(self.outbox, note.id, note)
        self._set_version(position)

    def _replace(self, before: Incident | None, after: Incident) -> None:
        self._set(self.incidents, after.id, after)
        if before is None:
            self._set(self.last_report_at, after.id, after.report.received_at)
        if before is not None and before.is_open:
            self._count(before.owner_id, -1)
            if not after.is_open:
                self._unindex(before)
        if after.is_open:
            self._count(after.owner_id, +1)
            if before is None:
                self._index(after)
            if after.due_at is not None and (before is None or before.due_at != after.due_at):
                self._push_due(after.due_at, after.id)

    def _index(self, incident: Incident) -> None:
        if incident.decision.community_id is not None:
            self._add(self.open_by_community, incident.decision.community_id, incident.id)
        if incident.report.location is not None:
            self._add(self.open_by_cell, _cell(incident.report.location), incident.id)

    def _unindex(self, incident: Incident) -> None:
        if incident.decision.community_id is not None:
            self._discard(self.open_by_community, incident.decision.community_id, incident.id)
        if incident.report.location is not None:
            self._discard(self.open_by_cell, _cell(incident.report.location), incident.id)

    # --- primitive changes, each undoable ---------------------------------------------------

    def _set(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        if self._undo is not None:
            self._undo.append(("set", mapping, key, mapping.get(key, _MISSING)))
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value

    def _add(self, mapping: dict[Any, set[str]], key: Any, item: str) -> None:
        if self._undo is not None:
            self._undo.append(("add", mapping, key, item))
        mapping.setdefault(key, set()).add(item)

    def _discard(self, mapping: dict[Any, set[str]], key: Any, item: str) -> None:
        bucket = mapping.get(key)
        if bucket is None or item not in bucket:
            return
        if self._undo is not None:
            self._undo.append(("discard", mapping, key, item))
        bucket.discard(item)
        if not bucket:
            del mapping[key]

    def _count(self, key: str, delta: int) -> None:
        if self._undo is not None:
            self._undo.append(("count", self.load, key, delta))
        self.load[key] += delta
        if self.load[key] <= 0:
            del self.load[key]

    def _push_due(self, due: dt.datetime, incident_id: str) -> None:
        # Stale heap entries are skipped when popped; an undo only needs to drop the new one,
        # and a leftover entry is harmless for the same reason.
        heapq.heappush(self.due, (due, incident_id))

    def _set_version(self, version: int) -> None:
        if self._undo is not None:
            self._undo.append(("version", self.version))
        self.version = version

    @contextmanager
    def staged(self) -> Iterator[None]:
        """Apply changes tentatively; if the block raises, every change is undone."""
        self._undo = []
        try:
            yield
        except BaseException:
            for entry in reversed(self._undo):
                self._revert(entry)
            raise
        finally:
            self._undo = None

    def _revert(self, entry: tuple[Any, ...]) -> None:
        op = entry[0]
        if op == "set":
            _, mapping, key, old = entry
            if old is _MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = old
        elif op == "add":
            _, mapping, key, item = entry
            mapping[key].discard(item)
            if not mapping[key]:
                del mapping[key]
        elif op == "discard":
            _, mapping, key, item = entry
            mapping.setdefault(key, set()).add(item)
        elif op == "count":
            _, counter, key, delta = entry
            counter[key] -= delta
            if counter[key] <= 0:
                del counter[key]
        elif op == "version":
            self.version = entry[1]


_MISSING = object()


class Desk:
    """Receives reports, tracks incidents through their lifecycle, escalates, audits.

    ``journal`` defaults to an in-memory one; pass :class:`~lianfang.journal.SQLiteJournal`
    or :class:`~lianfang.journal.JSONLinesJournal` to keep the history. A desk built on a
    journal that already holds events replays them first (see :meth:`restore`).

    Times are always parameters (``at=``, ``now=``) and must be timezone-aware.
    """

    def __init__(
        self,
        directory: Directory,
        journal: Journal | None = None,
        *,
        policy: Policy | None = None,
        classifier: Classifier | None = None,
        router: Router | None = None,
        duplicates: DuplicateRule | None = DuplicateRule(),
    ) -> None:
        self.directory = directory
        self.router = (
            router if router is not None else Router(directory, policy, classifier=classifier)
        )
        self.journal: Journal = journal if journal is not None else MemoryJournal()
        self.duplicates = duplicates
        self._state = _State()
        self.refresh()

    @classmethod
    def restore(cls, directory: Directory, journal: Journal, **options: Any) -> Desk:
        """A desk whose state is rebuilt from every event in ``journal``."""
        return cls(directory, journal, **options)

    def refresh(self) -> int:
        """Fold in events that other writers appended since; returns how many there were."""
        count = 0
        for stored in self.journal.read(after=self._state.version):
            self._state.apply(stored.position, decode(stored))
            count += 1
        return count

    @property
    def version(self) -> int:
        """How many events this desk has folded in (its journal position)."""
        return self._state.version

    # --- reading ---------------------------------------------------------------------------

    def incident(self, incident_id: str) -> Incident:
        """The current state of an incident (for a report id, the incident it joined)."""
        found = self._state.incidents.get(incident_id)
        if found is None:
            other = self._state.by_report.get(incident_id)
            found = self._state.incidents.get(other) if other else None
        if found is None:
            raise UnknownIdError("incident", incident_id)
        return found

    def open_incidents(self) -> tuple[Incident, ...]:
        """Incidents not yet resolved, oldest first."""
        return tuple(i for i in self._state.incidents.values() if i.is_open)

    def incidents(self) -> tuple[Incident, ...]:
        """Every incident, in the order they were opened."""
        return tuple(self._state.incidents.values())

    def load(self) -> dict[str, int]:
        """Open incidents owned, per assignee."""
        return dict(self._state.load)

    def history(self, incident_id: str) -> tuple[tuple[int, Event], ...]:
        """The audit trail of one incident: ``(journal position, event)`` pairs in order."""
        wanted = self.incident(incident_id).id
        return tuple(
            (stored.position, event)
            for stored in self.journal.read()
            if (event := decode(stored)).incident_id == wanted
        )

    def reporter_of(self, incident_id: str, *, viewer_id: str) -> str | None:
        """Who reported it. A clue's reporter is shown only to its owner and its zone leader."""
        incident = self.incident(incident_id)
        if incident.kind is Kind.CLUE and viewer_id not in self._clue_insiders(incident):
            raise AccessDeniedError(
                f"{viewer_id!r} may not see who reported clue {incident.id!r}: "
                "only its owner and the zone leader may"
            )
        return incident.report.reporter_id

    def incident_for(self, incident_id: str, *, viewer_id: str) -> Incident:
        """The incident as ``viewer_id`` may see it: a clue's reporter withheld from others."""
        incident = self.incident(incident_id)
        if incident.kind is Kind.CLUE and viewer_id not in self._clue_insiders(incident):
            report = attrs.evolve(incident.report, reporter_id=None)
            return attrs.evolve(incident, report=report)
        return incident

    def _clue_insiders(self, incident: Incident) -> set[str]:
        insiders = {incident.owner_id}
        if incident.decision.zone_id is not None:
            insiders.add(self.directory.zone(incident.decision.zone_id).leader_id)
        return insiders

    def outbox(self) -> tuple[Notification, ...]:
        """Notifications not yet delivered, oldest first, with how often delivery failed."""
        return tuple(self._state.outbox.values())

    def due_for_callback(self) -> tuple[Incident, ...]:
        """Resolved incidents with a known reporter whose satisfaction is not recorded yet (回访)."""
        return tuple(
            i
            for i in self._state.incidents.values()
            if i.state is IncidentState.RESOLVED
            and i.satisfaction is None
            and i.report.reporter_id is not None
        )

    # --- commands ----------------------------------------------------------------------------

    def receive(self, report: Report) -> Incident:
        """Route and record a report; returns its incident (an open one it duplicates, if any).

        Receiving the same report id again returns the same incident and records nothing.
        """
        return self.receive_many([report])[0]

    def receive_many(self, reports: Sequence[Report]) -> list[Incident]:
        """Receive several reports with one journal append (one transaction): the fast path."""
        for index, report in enumerate(reports):
            if not isinstance(report, Report):
                raise ReportError(
                    [f"$[{index}]: expected a lianfang.Report, got {type(report).__name__}"]
                )
        state = self._state
        events: list[Event] = []
        start = state.version
        with state.staged():
            for report in reports:
                if report.id in state.by_report:
                    continue
                new = self._events_for(report)
                for event in new:
                    state.apply(start + len(events) + 1, event)
                    events.append(event)
            if events:
                self.journal.append([encode(e) for e in events], expected_version=start)
        return [self.incident(report.id) for report in reports]

    def _events_for(self, report: Report) -> list[Event]:
        state = self._state
        decision = self.router.route(report, load=state.load)
        by = report.reporter_id or SYSTEM
        duplicate = self._duplicate_of(
            report, decision.kind, decision.category, decision.community_id
        )
        if duplicate is not None:
            return [IncidentLinked(duplicate.id, report.received_at, by, report)]
        return [
            ReportReceived(report.id, report.received_at, by, report),
            IncidentRouted(report.id, report.received_at, SYSTEM, decision),
        ]

    def _duplicate_of(
        self, report: Report, kind: Kind, category: str | None, community_id: str | None
    ) -> Incident | None:
        rule = self.duplicates
        if rule is None or kind not in rule.kinds:
            return None
        state = self._state
        candidates: set[str] = set()
        if category is not None and community_id is not None:
            candidates |= state.open_by_community.get(community_id, set())
        if report.location is not None:
            x, y = _cell(report.location)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    candidates |= state.open_by_cell.get((x + dx, y + dy), set())
        best: Incident | None = None
        for incident_id in sorted(candidates):
            incident = state.incidents[incident_id]
            if incident.kind is not kind or incident.decision.category != category:
                continue
            if abs(report.received_at - state.last_report_at[incident_id]) > rule.window:
                continue
            near = (
                report.location is not None
                and incident.report.location is not None
                and report.location.distance_m(incident.report.location) <= rule.radius_m
            )
            same_place = category is not None and incident.decision.community_id == community_id
            if (near or same_place) and (best is None or incident.opened_at < best.opened_at):
                best = incident
        return best

    def acknowledge(self, incident_id: str, *, by: str, at: dt.datetime) -> Incident:
        """The owner (or someone above them on the ladder, who then owns it) takes it on."""
        incident = self.incident(incident_id)
        check_can_acknowledge(incident, by, _aware(at))
        return self._commit(IncidentAcknowledged(incident.id, at, by))

    def resolve(
        self,
        incident_id: str,
        *,
        by: str,
        at: dt.datetime,
        outcome: str,
        figures: Outcome | None = None,
    ) -> Incident:
        """Close an incident with what was done (and, for operations, the figures)."""
        incident = self.incident(incident_id)
        check_can_resolve(incident, by, _aware(at))
        if not isinstance(outcome, str) or not outcome.strip():
            raise InvalidValueError(["outcome: must describe what was done"])
        return self._commit(IncidentResolved(incident.id, at, by, outcome, figures))

    def reassign(
        self, incident_id: str, *, to: str, by: str, at: dt.datetime, reason: str
    ) -> Incident:
        """Give an open incident to another assignee; they must acknowledge anew."""
        incident = self._actionable(incident_id, by, at, "reassign")
        self._check_assignee(incident, to)
        if not reason.strip():
            raise InvalidValueError(["reason: say why the incident is reassigned"])
        due = at + incident.decision.ack_within
        return self._commit(IncidentReassigned(incident.id, at, by, to, reason, due))

    def retriage(
        self,
        incident_id: str,
        *,
        kind: Kind,
        by: str,
        at: dt.datetime,
        priority: Priority | None = None,
        reason: str = "",
    ) -> Incident:
        """Change the kind (and priority) and route the incident again.

        An upgrade needs no reason; a downgrade to a less urgent kind or priority does.
        """
        incident = self._actionable(incident_id, by, at, "retriage")
        decision = self.router.route(
            incident.report, load=self._state.load, kind=kind, priority=priority
        )
        less_urgent = _URGENCY[decision.kind] > _URGENCY[incident.kind] or (
            decision.kind is incident.kind and decision.priority.rank > incident.priority.rank
        )
        if less_urgent and not reason.strip():
            raise InvalidValueError(["reason: a downgrade must say why"])
        return self._commit(IncidentRetriaged(incident.id, at, by, reason, decision))

    def hand_to_agency(
        self, incident_id: str, *, agency_id: str, by: str, at: dt.datetime, note: str = ""
    ) -> Incident:
        """Hand a non-police matter to a partner agency; the police owner stays behind it."""
        incident = self._actionable(incident_id, by, at, "hand over")
        self.directory.agency(agency_id)
        if incident.kind in (Kind.EMERGENCY, Kind.CLUE):
            raise IllegalTransitionError(
                f"incident {incident.id!r} is {incident.kind.value}: police matters stay with the police"
            )
        if incident.agency_id is not None:
            raise IllegalTransitionError(
                f"incident {incident.id!r} is already with {incident.agency_id!r}"
            )
        return self._commit(HandedToAgency(incident.id, at, by, agency_id, note))

    def agency_declined(
        self, incident_id: str, *, by: str, at: dt.datetime, reason: str
    ) -> Incident:
        """The agency that has the matter sends it back to the police owner."""
        incident = self.incident(incident_id)
        check_open(incident, "decline")
        if incident.agency_id is None or by != incident.agency_id:
            raise IllegalTransitionError(
                f"{by!r} cannot decline incident {incident.id!r}: it is not with that agency"
            )
        check_not_before(incident, _aware(at), "decline")
        back = incident.police_owner_id or next(
            (s.assignee_id for s in incident.decision.escalation), self.directory.command_center.id
        )
        return self._commit(AgencyDeclined(incident.id, at, by, reason, back))

    def record_follow_up(
        self, incident_id: str, *, step: FollowUpStep, by: str, at: dt.datetime, note: str = ""
    ) -> Incident:
        """Record a follow-up step (verification, stake-out, joint operation) on an open incident."""
        incident = self._actionable(incident_id, by, at, "follow up")
        return self._commit(FollowUpRecorded(incident.id, at, by, step, note))

    def record_feedback(
        self, incident_id: str, *, satisfaction: int, by: str, at: dt.datetime, comment: str = ""
    ) -> Incident:
        """Record the reporter's satisfaction (1 … 5) after resolution (回访)."""
        incident = self.incident(incident_id)
        if incident.state is not IncidentState.RESOLVED:
            raise IllegalTransitionError(f"incident {incident.id!r} is not resolved yet")
        if incident.satisfaction is not None:
            raise IllegalTransitionError(
                f"feedback for incident {incident.id!r} is already recorded"
            )
        if isinstance(satisfaction, bool) or satisfaction not in range(1, 6):
            raise InvalidValueError([f"satisfaction: must be 1 … 5, got {satisfaction!r}"])
        check_not_before(incident, _aware(at), "record feedback on")
        return self._commit(FeedbackRecorded(incident.id, at, by, satisfaction, comment))

    def tick(self, now: dt.datetime) -> list[IncidentEscalated]:
        """Escalate every incident whose acknowledgement deadline has passed by ``now``.

        Each overdue owner is replaced by the next rung of the ladder, with a fresh
        deadline counted from the missed one. Returns the new events; calling it again
        with the same ``now`` records nothing.
        """
        _aware(now)
        state = self._state
        events: list[IncidentEscalated] = []
        owners: dict[str, Incident] = {}
        while state.due and state.due[0][0] <= now:
            due, incident_id = heapq.heappop(state.due)
            incident = owners.get(incident_id) or state.incidents.get(incident_id)
            if incident is None or incident.due_at != due or not incident.is_open:
                continue  # a stale entry: acknowledged, reassigned or resolved since
            for event in self._escalations(incident, now):
                events.append(event)
                incident = apply(incident, event)
            owners[incident_id] = incident
        if events:
            with state.staged():
                start = state.version
                for offset, event in enumerate(events, start=1):
                    state.apply(start + offset, event)
                self.journal.append([encode(e) for e in events], expected_version=start)
        return events

    def _escalations(self, incident: Incident, now: dt.datetime) -> Iterator[IncidentEscalated]:
        ladder = incident.decision.escalation
        owner, due, index = incident.owner_id, incident.due_at, incident.ladder_index
        while due is not None and due <= now and index + 1 < len(ladder):
            index += 1
            step = ladder[index]
            if step.assignee_id == owner:
                continue
            new_due = due + incident.decision.ack_within
            yield IncidentEscalated(
                incident.id, now, SYSTEM, owner, step.assignee_id, index, new_due
            )
            owner, due = step.assignee_id, new_due

    def mark_delivered(self, notification_id: str, *, at: dt.datetime) -> None:
        """The host delivered an outbox entry; it leaves the outbox."""
        entry = self._notification(notification_id)
        self._commit(NotificationDelivered(entry.incident_id, _aware(at), SYSTEM, notification_id))

    def mark_failed(self, notification_id: str, *, at: dt.datetime, error: str = "") -> None:
        """Delivery failed; the entry stays in the outbox with one more attempt counted."""
        entry = self._notification(notification_id)
        self._commit(
            NotificationFailed(entry.incident_id, _aware(at), SYSTEM, notification_id, error)
        )

    # --- helpers ---------------------------------------------------------------------------

    def _notification(self, notification_id: str) -> Notification:
        entry = self._state.outbox.get(notification_id)
        if entry is None:
            raise UnknownIdError("pending notification", notification_id)
        return entry

    def _actionable(self, incident_id: str, by: str, at: dt.datetime, action: str) -> Incident:
        incident = self.incident(incident_id)
        check_open(incident, action)
        check_actor(incident, by, action)
        check_not_before(incident, _aware(at), action)
        return incident

    def _check_assignee(self, incident: Incident, assignee_id: str) -> None:
        directory = self.directory
        if assignee_id == directory.command_center.id:
            return
        for lookup, police in (
            (directory.officer, True),
            (directory.volunteer, False),
            (directory.agency, False),
        ):
            try:
                lookup(assignee_id)
            except UnknownIdError:
                continue
            if not police and incident.kind in (Kind.EMERGENCY, Kind.CLUE):
                raise IllegalTransitionError(
                    f"incident {incident.id!r} is {incident.kind.value}: it cannot be owned by "
                    f"{assignee_id!r}, who is not police"
                )
            return
        raise UnknownIdError("assignee", assignee_id)

    def _commit(self, event: Event) -> Incident:
        state = self._state
        with state.staged():
            state.apply(state.version + 1, event)
            self.journal.append([encode(event)], expected_version=state.version - 1)
        return state.incidents[event.incident_id]


def _aware(at: dt.datetime) -> dt.datetime:
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
    return at
