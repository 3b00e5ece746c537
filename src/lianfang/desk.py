"""The incident desk (值班台): decisions become work that people do over time.

:class:`Desk` is the imperative shell around the pure core. Every command checks its
guards first, then appends events to the journal and only after the journal has
accepted them folds them into memory. A rejected command raises and records nothing;
a crashed process loses nothing the journal acknowledged; :meth:`Desk.restore` replays
the journal into exactly the same state.

The volunteer network (recruitment and screening, bulletins and relays, site check-ins,
volunteer alerts) lives in the same journal: its events are folded by
:func:`lianfang.network.apply_network` into the desk's :class:`~lianfang.network.Network`,
under the same rule — guards first, then the journal, then the fold. What a person may
see is decided by :mod:`lianfang.privacy` (:meth:`Desk.view`).
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import attrs

from lianfang._masks import mask_text
from lianfang.alerts import (
    AlertCheck,
    Neighbourhood,
    alert_suitability,
    check_can_answer,
    nearest_volunteers,
)
from lianfang.builders import trusted
from lianfang.bulletins import (
    BulletinRecord,
    BulletinStats,
    audience_of,
    bulletin_stats,
    check_can_read,
    check_can_relay,
    check_can_withdraw,
)
from lianfang.checkins import Overdue, SiteWatch, overdue_check_ins, reminders_due
from lianfang.directory import Directory
from lianfang.errors import (
    AccessDeniedError,
    IllegalTransitionError,
    InvalidValueError,
    ReportError,
    SnapshotError,
    UnknownIdError,
)
from lianfang.events import (
    SYSTEM,
    AgencyDeclined,
    AlertAccepted,
    AlertDeclined,
    Bulletin,
    BulletinPublished,
    BulletinRead,
    BulletinRelayed,
    BulletinWithdrawn,
    CheckInRecorded,
    CheckInsStarted,
    CheckInStatus,
    CredentialRecorded,
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
    MessageDelivered,
    MessageFailed,
    NetworkEvent,
    NotificationDelivered,
    NotificationFailed,
    Outcome,
    ReportReceived,
    ScreeningApproved,
    ScreeningRejected,
    ScreeningSide,
    VolunteerApplied,
    VolunteerReinstated,
    VolunteerRetired,
    VolunteersAlerted,
    VolunteerSuspended,
    decode,
    encode,
    glance_incident,
    glance_opening,
    glance_routed,
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
from lianfang.journal import Journal, MemoryJournal, StoredEvent
from lianfang.model import (
    Channel,
    GeoPoint,
    Kind,
    Phone,
    Priority,
    Report,
    VolunteerRole,
    VolunteerStatus,
)
from lianfang.network import Network, apply_network
from lianfang.network_policy import NetworkPolicy
from lianfang.outbox import TOPIC_FOR_ROLE, Notification, Topic, notices, notifications_for
from lianfang.policy import Policy
from lianfang.privacy import (
    View,
    Viewer,
    bulletin_as_seen,
    check_viewer,
    incident_as_seen,
    member_as_seen,
    sees_incident,
    sees_notification,
    viewer_for,
)
from lianfang.roster import (
    Coverage,
    CredentialDue,
    Member,
    Roster,
    check_can_approve,
    check_can_reinstate,
    check_can_reject,
    check_can_retire,
    check_can_suspend,
    coverage,
)
from lianfang.routing import Router
from lianfang.sealed import SealedIncident
from lianfang.snapshot import DeskState, dump_snapshot, fingerprint, load_snapshot
from lianfang.staffing import Staffing
from lianfang.triage import Classifier

__all__ = ["CheckInResult", "Desk", "DuplicateRule"]

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


@attrs.frozen
class CheckInResult:
    """What a check-in recorded: the site's watch, and the incident its report opened or
    joined (None for a normal check-in)."""

    site: SiteWatch
    incident: Incident | None = None


_CELL_DEG = 0.01  # about 1 km: a radius search looks at the 3 x 3 cells around a point


def _cell(point: GeoPoint) -> tuple[int, int]:
    return (math.floor(point.lon / _CELL_DEG), math.floor(point.lat / _CELL_DEG))


_Touched = dict[str, tuple[Incident | None, dt.datetime | None]]
"""Incidents changed by a fold, with their state and latest report time before it."""
_Drafts = dict[str, SealedIncident]
"""Incidents a replay opened and keeps sealed, by id, while they are open."""
_Openings = dict[str, tuple[StoredEvent, dt.datetime]]
"""Received records a replay glanced, with their report's time, waiting for their routing."""


class _State:
    """Everything folded from the journal, with the indexes the commands need.

    Changes only through :meth:`apply`. Inside :meth:`staged`, every change is logged so
    that a batch the journal refused can be rolled back.
    """

    def __init__(self, network: Network, window: dt.timedelta | None) -> None:
        self.version = 0
        # Open incidents are indexed by place, kind, category and a time slot one duplicate
        # window wide, so finding a duplicate looks at a handful of buckets, not every incident.
        self.slot_seconds = max(window.total_seconds(), 1.0) if window is not None else None
        self.duplicates: dict[tuple[object, ...], set[str]] = {}
        self.network = network
        # Every incident by id, in the order opened; closed ones may still be sealed.
        self.incidents: dict[str, Incident | SealedIncident] = {}
        self.by_report: dict[str, str] = {}  # every report id → its incident
        self.load: Counter[str] = Counter()  # assignee → open incidents owned
        self.due: list[tuple[dt.datetime, str]] = []  # heap of acknowledgement deadlines
        self.last_report_at: dict[str, dt.datetime] = {}
        self.outbox: dict[str, Notification] = {}
        self.network_events: list[tuple[int, NetworkEvent]] = []  # kept for snapshots
        self._pending: dict[str, ReportReceived] = {}
        self._undo: list[tuple[Any, ...]] | None = None

    # --- folding ---------------------------------------------------------------------------
    #
    # Folding an event changes the incidents (and the report index, the outbox, the network);
    # the duplicate buckets, the load and the deadline heap are derived from the incidents
    # and are brought up to date per incident touched (:meth:`_reindex`): after every event
    # for a command, once per batch for a replay, where most incidents open and close
    # between two reindexings and so never enter the indexes at all.

    def apply(self, position: int, event: Event | NetworkEvent) -> None:
        """Fold one event and bring the indexes up to date."""
        touched: _Touched = {}
        self._fold(position, event, touched)
        self._reindex_touched(touched)

    def replay(self, records: Iterable[StoredEvent]) -> None:
        """Fold journal records, reindexing each incident touched once at the end.

        An incident opened and closed within ``records`` by received, routed, acknowledged
        and resolved records alone is kept sealed (:mod:`lianfang.sealed`): only what the
        outbox and the report index need is read now, the rest when it is asked for.
        If reading ``records`` raises, what was folded so far stays, indexed.
        """
        assert self._undo is None, "a replay is never staged"
        touched: _Touched = {}
        # Incidents opened in this replay and still open, by glanced records alone so far;
        # and glanced openings waiting for their routing.
        drafts: _Drafts = {}
        received: _Openings = {}
        glancers = {
            ReportReceived.__name__: self._glance_received,
            IncidentRouted.__name__: self._glance_routed,
            IncidentAcknowledged.__name__: self._glance_acknowledged,
            IncidentResolved.__name__: self._glance_resolved,
        }
        try:
            for stored in records:
                glance = glancers.get(stored.type)
                if (
                    glance is not None
                    and stored.data[:1] == "["  # a compact record
                    and glance(stored, drafts, received)
                ):
                    self.version = stored.position
                    continue
                event = decode(stored)
                if isinstance(event, Event):
                    self._unseal(event.incident_id, drafts, received, touched)
                self._fold(stored.position, event, touched)
        finally:
            for incident_id in [*received, *drafts]:  # open ones must be indexed
                self._unseal(incident_id, drafts, received, touched)
            self._reindex_touched(touched)

    # Each folds a glanced record without reading it whole if it opens or continues a
    # draft, and says whether it did; if not, the record is folded in full.

    def _glance_received(self, stored: StoredEvent, _: _Drafts, received: _Openings) -> bool:
        incident_id, report_id, report_at = glance_opening(stored)
        received[incident_id] = (stored, report_at)
        self.by_report[report_id] = incident_id
        return True

    def _glance_routed(self, stored: StoredEvent, drafts: _Drafts, received: _Openings) -> bool:
        incident_id, at, assignments = glance_routed(stored)
        opening = received.pop(incident_id, None)
        if opening is None:  # received in an earlier replay
            return False
        drafts[incident_id] = self.incidents[incident_id] = SealedIncident(opening[0], stored)
        self.last_report_at[incident_id] = opening[1]
        outbox = self.outbox
        recipients = [(assignee, TOPIC_FOR_ROLE[role]) for assignee, role in assignments]
        for note in notices(stored.position, incident_id, at, recipients):
            outbox[note.id] = note
        return True

    def _glance_acknowledged(self, stored: StoredEvent, drafts: _Drafts, _: _Openings) -> bool:
        draft = drafts.get(glance_incident(stored))
        return draft is not None and draft.add(stored)

    def _glance_resolved(self, stored: StoredEvent, drafts: _Drafts, _: _Openings) -> bool:
        draft = drafts.pop(glance_incident(stored), None)
        if draft is None:
            return False
        draft.seal(stored)  # closed for good: it never enters an index
        return True

    def _unseal(
        self,
        incident_id: str,
        drafts: _Drafts,
        received: _Openings,
        touched: _Touched,
    ) -> None:
        """Read a draft (or a glanced opening) in full before a record that needs it."""
        opening = received.pop(incident_id, None)
        if opening is not None:
            pending = decode(opening[0])
            assert isinstance(pending, ReportReceived)
            self._pending[incident_id] = pending
        draft = drafts.pop(incident_id, None)
        if draft is not None:
            self.incidents[incident_id] = draft.read()
            touched[incident_id] = (None, None)  # opened in this replay: in no index yet

    def incident(self, incident_id: str) -> Incident | None:
        """The incident, read now if it was sealed."""
        found = self.incidents.get(incident_id)
        if isinstance(found, SealedIncident):
            found = self.incidents[incident_id] = found.read()
        return found

    def every_incident(self) -> list[Incident]:
        """Every incident in the order they were opened, the sealed ones read now."""
        incidents = self.incidents
        sealed = [k for k, v in incidents.items() if isinstance(v, SealedIncident)]
        if sealed:
            with _collector_paused():  # reading many allocates many; see replay
                for incident_id in sealed:
                    self.incident(incident_id)
        return cast("list[Incident]", list(incidents.values()))

    def open_incidents(self) -> list[Incident]:
        """The open incidents, oldest first (a sealed incident is closed)."""
        return [i for i in self.incidents.values() if isinstance(i, Incident) and i.is_open]

    def _reindex_touched(self, touched: _Touched) -> None:
        last_report_at = self.last_report_at
        for incident_id, (before, before_last) in touched.items():
            after = self.incident(incident_id)
            assert after is not None
            self._reindex(before, before_last, after, last_report_at[incident_id])

    def _fold(self, position: int, event: Event | NetworkEvent, touched: _Touched) -> None:
        if isinstance(event, NetworkEvent):
            self._apply_network(position, event)
            return
        incident_id = event.incident_id
        if isinstance(event, ReportReceived):  # half an opening: the routing completes it
            self._set(self._pending, incident_id, event)
            self._set(self.by_report, event.report.id, incident_id)
            self._set_version(position)
            return
        before = self.incident(incident_id)
        last_at = None
        if isinstance(event, IncidentRouted):
            received = self._pending[incident_id]
            self._set(self._pending, incident_id, None)
            after = fold_opening(received, event)
            last_at = received.report.received_at
        elif isinstance(event, NotificationDelivered):
            self._set(self.outbox, event.notification_id, None)
            after = None
        elif isinstance(event, NotificationFailed):
            self._delivery_failed(event.notification_id, event.error)
            after = None
        else:
            assert before is not None
            if isinstance(event, IncidentLinked):
                self._set(self.by_report, event.report.id, incident_id)
                last_at = event.report.received_at
            after = apply(before, event)
        if after is not None:
            if incident_id not in touched:
                touched[incident_id] = (before, self.last_report_at.get(incident_id))
            self._set(self.incidents, incident_id, after)
            if last_at is not None:
                self._set(self.last_report_at, incident_id, last_at)
        for note in notifications_for(position, event, before.owner_id if before else None):
            self._set(self.outbox, note.id, note)
        self._set_version(position)

    def _delivery_failed(self, notification_id: str, error: str) -> None:
        """An outbox entry stays, with one more failed attempt counted."""
        entry = self.outbox.get(notification_id)
        if entry is not None:
            retried = attrs.evolve(entry, attempts=entry.attempts + 1, last_error=error)
            self._set(self.outbox, entry.id, retried)

    def _apply_network(self, position: int, event: NetworkEvent) -> None:
        self._append(self.network_events, (position, event))
        if isinstance(event, MessageDelivered):
            self._set(self.outbox, event.notification_id, None)
        elif isinstance(event, MessageFailed):
            self._delivery_failed(event.notification_id, event.error)
        network = apply_network(self.network, event)
        if network is not self.network:
            self._set_attr("network", network)
        if isinstance(event, VolunteerSuspended | VolunteerRetired):
            # Someone out of the network is told nothing more, not even what was queued.
            gone = event.volunteer_id
            self._drop_pending(
                lambda n: (
                    n.recipient_id == gone and n.topic in (Topic.BULLETIN, Topic.VOLUNTEER_ALERT)
                )
            )
        elif isinstance(event, BulletinWithdrawn):
            withdrawn = event.bulletin_id
            self._drop_pending(lambda n: n.topic is Topic.BULLETIN and n.subject_id == withdrawn)
        for note in notifications_for(position, event, None):
            self._set(self.outbox, note.id, note)
        self._set_version(position)

    def _drop_pending(self, matches: Callable[[Notification], bool]) -> None:
        for entry in [n for n in self.outbox.values() if matches(n)]:
            self._set(self.outbox, entry.id, None)

    def _reindex(
        self,
        before: Incident | None,
        old_last: dt.datetime | None,
        after: Incident,
        new_last: dt.datetime,
    ) -> None:
        """Move an incident in the indexes from where ``before`` was to where ``after`` is."""
        was_open, is_open = before is not None and before.is_open, after.is_open
        if not was_open and not is_open:
            return
        # Most changes (an acknowledgement, an escalation) touch none of what the duplicate
        # buckets are made of; recomputing them is costly.
        same_buckets = (
            before is not None
            and was_open == is_open
            and new_last == old_last
            and before.decision is after.decision
            and before.report is after.report
        )
        if not same_buckets:
            old_keys = self.duplicate_keys(before, old_last) if before and was_open else set()
            new_keys = self.duplicate_keys(after, new_last) if is_open else set()
            for key in old_keys - new_keys:
                self._discard(self.duplicates, key, after.id)
            for key in new_keys - old_keys:
                self._add(self.duplicates, key, after.id)
        owner_kept = (
            before is not None and was_open and is_open and before.owner_id == after.owner_id
        )
        if not owner_kept:
            if was_open and before is not None:
                self._count(before.owner_id, -1)
            if is_open:
                self._count(after.owner_id, +1)
        if (
            is_open
            and after.due_at is not None
            and (before is None or before.due_at != after.due_at)
        ):
            self._push_due(after.due_at, after.id)

    # --- snapshots ----------------------------------------------------------------------------

    def saved(self, fingerprint: str) -> DeskState:
        """The folded state, for a snapshot (``fingerprint``: of the record at ``version``)."""
        incidents = self.every_incident()
        return DeskState(
            version=self.version,
            fingerprint=fingerprint,
            incidents=tuple(incidents),
            last_report_at={
                incident.id: at
                for incident in incidents
                if (at := self.last_report_at[incident.id]) != incident.report.received_at
            },
            pending=tuple(self._pending.values()),
            outbox=tuple(self.outbox.values()),
            network_events=tuple(self.network_events),
        )

    def start_from(self, saved: DeskState) -> None:
        """Start from a snapshot's state (on a fresh state): the network is folded again from
        its events, the indexes are derived from the incidents."""
        assert self.version == 0 and not self.incidents, "load a snapshot into a fresh state"
        network = self.network
        for _position, event in saved.network_events:
            network = apply_network(network, event)
        self.network = network
        self.network_events = list(saved.network_events)
        self.outbox = {note.id: note for note in saved.outbox}
        for received in saved.pending:
            self._pending[received.incident_id] = received
            self.by_report[received.report.id] = received.incident_id
        for incident in saved.incidents:
            self.incidents[incident.id] = incident
            for report_id in incident.report_ids:
                self.by_report[report_id] = incident.id
            last = saved.last_report_at.get(incident.id, incident.report.received_at)
            self.last_report_at[incident.id] = last
            self._reindex(None, None, incident, last)
        self.version = saved.version

    def slot(self, at: dt.datetime) -> int:
        assert self.slot_seconds is not None
        return math.floor(at.timestamp() / self.slot_seconds)

    def duplicate_keys(
        self, incident: Incident, last_at: dt.datetime | None
    ) -> set[tuple[object, ...]]:
        """The buckets an open incident is found in: by community (when its category is
        known) and by map cell (when it has coordinates), in its latest report's time slot."""
        if self.slot_seconds is None or last_at is None:
            return set()
        # By the kind's value: hashing an enum member runs Python code, a str's hash is cached.
        kind, category, slot = incident.kind._value_, incident.decision.category, self.slot(last_at)
        keys: set[tuple[object, ...]] = set()
        if category is not None and incident.decision.community_id is not None:
            keys.add(("community", incident.decision.community_id, kind, category, slot))
        if incident.report.location is not None:
            keys.add(("cell", *_cell(incident.report.location), kind, category, slot))
        return keys

    # --- primitive changes, each undoable ---------------------------------------------------

    def _set(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        if self._undo is not None:
            self._undo.append(("set", mapping, key, mapping.get(key, _MISSING)))
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value

    def _append(self, items: list[Any], item: Any) -> None:
        if self._undo is not None:
            self._undo.append(("append", items))
        items.append(item)

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

    def _set_attr(self, name: str, value: Any) -> None:
        if self._undo is not None:
            self._undo.append(("attr", name, getattr(self, name)))
        setattr(self, name, value)

    def _set_version(self, version: int) -> None:
        self.version = version  # staged() puts back the version it started at

    @contextmanager
    def staged(self) -> Iterator[None]:
        """Apply changes tentatively; if the block raises, every change is undone."""
        self._undo = []
        version = self.version
        try:
            yield
        except BaseException:
            for entry in reversed(self._undo):
                self._revert(entry)
            self.version = version
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
        elif op == "append":
            entry[1].pop()
        elif op == "attr":
            setattr(self, entry[1], entry[2])


_MISSING = object()
_new_received = trusted(ReportReceived)
_new_routed = trusted(IncidentRouted)
_new_linked = trusted(IncidentLinked)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while folding many events.

    Events, incidents and outbox entries hold no reference cycles, and the collector's
    passes over the millions of objects a large journal allocates cost a third of a
    restore; it runs again (and catches up) when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Desk:
    """Receives reports, tracks incidents through their lifecycle, escalates, audits.

    ``journal`` defaults to an in-memory one; pass :class:`~lianfang.journal.SQLiteJournal`
    or :class:`~lianfang.journal.JSONLinesJournal` to keep the history. A desk built on a
    journal that already holds events replays them first (see :meth:`restore`).

    Times are always parameters (``at=``, ``now=``) and must be timezone-aware.
    ``network_policy`` sets the volunteer network's targets, credentials, alert and
    check-in rules (default: :func:`~lianfang.network_policy.default_network_policy`).
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
        network_policy: NetworkPolicy | None = None,
        snapshot: str | None = None,
    ) -> None:
        self.directory = directory
        self.router = (
            router if router is not None else Router(directory, policy, classifier=classifier)
        )
        self.journal: Journal = journal if journal is not None else MemoryJournal()
        self.duplicates = duplicates
        window = duplicates.window if duplicates is not None else None
        self._state = _State(Network.start(directory, network_policy), window)
        self.network_policy = self._state.network.policy
        self._neighbourhood: Neighbourhood | None = None
        self._cadre_ids = sorted({v for c in directory.communities for v in c.cadre_ids})
        self._staffing: Staffing | None = None  # see _router()
        if snapshot is not None:
            self._start_from(snapshot)
        self.refresh()

    @classmethod
    def restore(
        cls, directory: Directory, journal: Journal, *, snapshot: str | None = None, **options: Any
    ) -> Desk:
        """A desk whose state is rebuilt from every event in ``journal``.

        With ``snapshot`` (text from :meth:`snapshot`), the desk starts from the state it
        holds and folds only the journal's later events: the same state, sooner. A snapshot
        that does not fit this journal raises :class:`~lianfang.errors.SnapshotError`.
        Other ``options`` are those of :class:`Desk`.
        """
        return cls(directory, journal, snapshot=snapshot, **options)

    def snapshot(self) -> str:
        """The desk's state as text for :meth:`restore` to start from.

        Taken at :attr:`version`; the host keeps it wherever it likes (a file beside the
        journal, a database row) and takes a new one now and then, say nightly: a restore
        then folds only the events since. The snapshot is tied to this journal's event at
        that version and holds nothing the journal does not.
        """
        state = self._state
        with _collector_paused():
            return dump_snapshot(state.saved(fingerprint(self._record_at(state.version))))

    def _record_at(self, position: int) -> StoredEvent | None:
        if position == 0:
            return None
        return next(iter(self.journal.read(after=position - 1)), None)

    def _start_from(self, snapshot: str) -> None:
        with _collector_paused():
            self._state.start_from(self._fitting(load_snapshot(snapshot)))

    def _fitting(self, saved: DeskState) -> DeskState:
        """``saved``, if it was taken from this journal; else :class:`SnapshotError`."""
        journal_version = self.journal.version
        if saved.version > journal_version:
            raise SnapshotError(
                [
                    f"$.version: the snapshot was taken at version {saved.version}, but the "
                    f"journal holds {journal_version} events: it belongs to another journal"
                ]
            )
        if fingerprint(self._record_at(saved.version)) != saved.fingerprint:
            raise SnapshotError(
                [
                    f"$.fingerprint: the journal's event at position {saved.version} is not "
                    "the one the snapshot was taken after: it belongs to another journal"
                ]
            )
        return saved

    def refresh(self) -> int:
        """Fold in events that other writers appended since; returns how many there were."""
        state = self._state
        start = state.version
        with _collector_paused():
            state.replay(self.journal.read(after=start))
        return state.version - start

    @property
    def version(self) -> int:
        """How many events this desk has folded in (its journal position)."""
        return self._state.version

    # --- reading ---------------------------------------------------------------------------

    def incident(self, incident_id: str) -> Incident:
        """The current state of an incident (for a report id, the incident it joined)."""
        found = self._state.incident(incident_id)
        if found is None:
            other = self._state.by_report.get(incident_id)
            found = self._state.incident(other) if other else None
        if found is None:
            raise UnknownIdError("incident", incident_id)
        return found

    def open_incidents(self, *, viewer: Viewer | str | None = None) -> tuple[Incident, ...]:
        """Incidents not yet resolved, oldest first (as ``viewer`` may see them, if given)."""
        found = tuple(self._state.open_incidents())
        return found if viewer is None else self._as_seen(viewer, found)

    def incidents(self, *, viewer: Viewer | str | None = None) -> tuple[Incident, ...]:
        """Every incident, in the order they were opened (as ``viewer`` may see them, if given)."""
        found = tuple(self._state.every_incident())
        return found if viewer is None else self._as_seen(viewer, found)

    def _as_seen(self, viewer: Viewer | str, incidents: Sequence[Incident]) -> tuple[Incident, ...]:
        checked = self._checked_viewer(viewer)
        return tuple(incident_as_seen(checked, i) for i in incidents if sees_incident(checked, i))

    def load(self) -> dict[str, int]:
        """Open incidents owned, per assignee."""
        return dict(self._state.load)

    def history(self, incident_id: str) -> tuple[tuple[int, Event], ...]:
        """The audit trail of one incident: ``(journal position, event)`` pairs in order."""
        wanted = self.incident(incident_id).id
        return tuple(
            (stored.position, event)
            for stored in self.journal.read()
            if isinstance(event := decode(stored), Event) and event.incident_id == wanted
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

    def outbox(self, *, viewer: Viewer | str | None = None) -> tuple[Notification, ...]:
        """Notifications not yet delivered, oldest first, with how often delivery failed.

        With ``viewer``, only what they may see: everything for officers, else their own.
        """
        found = tuple(self._state.outbox.values())
        if viewer is None:
            return found
        checked = self._checked_viewer(viewer)
        return tuple(n for n in found if sees_notification(checked, n))

    def due_for_callback(self) -> tuple[Incident, ...]:
        """Resolved incidents with a known reporter and no satisfaction recorded yet (回访)."""
        return tuple(
            i
            for i in self._state.every_incident()
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
        with _collector_paused(), state.staged():
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
        decision = self._router(report.received_at).route(report, load=state.load)
        by = report.reporter_id or SYSTEM
        duplicate = self._duplicate_of(
            report, decision.kind, decision.category, decision.community_id
        )
        # Built unchecked: every part comes from the report, which was checked when made.
        if duplicate is not None:
            return [_new_linked(duplicate.id, report.received_at, by, report)]
        return [
            _new_received(report.id, report.received_at, by, report),
            _new_routed(report.id, report.received_at, SYSTEM, decision),
        ]

    def _router(self, at: dt.datetime) -> Router:
        """:attr:`router`, told how the roster has the directory's cadres at ``at`` (one
        suspended, retired or without a required credential is routed nothing)."""
        staffing = self._staffing
        if staffing is None or not staffing.fits(self.router, self.roster):
            staffing = Staffing(self.router, self.roster, self.directory, self._cadre_ids)
            self._staffing = staffing
        return staffing.router_at(at)

    def _duplicate_of(
        self, report: Report, kind: Kind, category: str | None, community_id: str | None
    ) -> Incident | None:
        rule = self.duplicates
        if rule is None or kind not in rule.kinds:
            return None
        state = self._state
        slot = state.slot(report.received_at)
        buckets = state.duplicates
        value = kind._value_  # as duplicate_keys() keys the buckets
        candidates: set[str] = set()
        for near_slot in (slot - 1, slot, slot + 1):  # |report - latest| <= window
            if category is not None and community_id is not None:
                candidates |= buckets.get(
                    ("community", community_id, value, category, near_slot), set()
                )
            if report.location is not None:
                x, y = _cell(report.location)
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        key = ("cell", x + dx, y + dy, value, category, near_slot)
                        candidates |= buckets.get(key, set())
        best: Incident | None = None
        for incident_id in sorted(candidates):
            incident = state.incident(incident_id)
            assert incident is not None  # open, so never sealed
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
        decision = self._router(at).route(
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
                f"incident {incident.id!r} is {incident.kind.value}: "
                "police matters stay with the police"
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
        """Record a follow-up step (verification, stake-out, joint operation) on an open matter."""
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

    def tick(self, now: dt.datetime) -> list[Event | NetworkEvent]:
        """Escalate every incident whose acknowledgement deadline has passed by ``now``,
        and remind every watched site that missed its check-in.

        Each overdue owner is replaced by the next rung of the ladder, with a fresh
        deadline counted from the missed one (:class:`IncidentEscalated`). A site whose
        check-in is late by the network policy's grace has its contact reminded; later
        its liaison officers are told (:class:`~lianfang.events.CheckInReminded`).
        Returns the new events; calling it again with the same ``now`` records nothing.
        """
        _aware(now)
        state = self._state
        events: list[Event | NetworkEvent] = []
        owners: dict[str, Incident] = {}
        while state.due and state.due[0][0] <= now:
            due, incident_id = heapq.heappop(state.due)
            incident = owners.get(incident_id) or state.incident(incident_id)
            if incident is None or incident.due_at != due or not incident.is_open:
                continue  # a stale entry: acknowledged, reassigned or resolved since
            for escalation in self._escalations(incident, now):
                events.append(escalation)
                incident = apply(incident, escalation)
            owners[incident_id] = incident
        policy = self.network_policy
        events.extend(
            reminders_due(
                state.network.book,
                self.directory,
                now,
                grace=policy.check_in_grace,
                escalate_after=policy.check_in_escalate_after,
            )
        )
        if events:
            self._record(events)
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
        if entry.incident_id is None:
            self._record(
                [
                    MessageDelivered(
                        _aware(at), SYSTEM, notification_id, entry.recipient_id, entry.subject_id
                    )
                ]
            )
            return
        self._commit(NotificationDelivered(entry.incident_id, _aware(at), SYSTEM, notification_id))

    def mark_failed(self, notification_id: str, *, at: dt.datetime, error: str = "") -> None:
        """Delivery failed; the entry stays in the outbox with one more attempt counted."""
        entry = self._notification(notification_id)
        if entry.incident_id is None:
            self._record([MessageFailed(_aware(at), SYSTEM, notification_id, error)])
            return
        self._commit(
            NotificationFailed(entry.incident_id, _aware(at), SYSTEM, notification_id, error)
        )

    # --- the volunteer network: reading -------------------------------------------------------

    @property
    def network(self) -> Network:
        """The volunteer network as folded so far: roster, bulletins, check-ins."""
        return self._state.network

    @property
    def roster(self) -> Roster:
        """Every volunteer and applicant, as folded so far."""
        return self._state.network.roster

    def member(self, volunteer_id: str) -> Member:
        """One volunteer or applicant on the roster."""
        return self.roster.member(volunteer_id)

    def members(
        self,
        *,
        viewer: Viewer | str | None = None,
        status: VolunteerStatus | None = None,
        community_id: str | None = None,
        role: VolunteerRole | None = None,
    ) -> tuple[Member, ...]:
        """Roster entries matching every given criterion (as ``viewer`` may see them)."""
        found = self.roster.select(status=status, community_id=community_id, role=role)
        return found if viewer is None else self._members_as_seen(viewer, found)

    def awaiting_screening(
        self, community_id: str | None = None, *, viewer: Viewer | str | None = None
    ) -> tuple[Member, ...]:
        """Applicants whose screening is not finished, oldest first."""
        found = self.roster.awaiting_screening(community_id)
        return found if viewer is None else self._members_as_seen(viewer, found)

    def _members_as_seen(
        self, viewer: Viewer | str, members: Sequence[Member]
    ) -> tuple[Member, ...]:
        checked = self._checked_viewer(viewer)
        return tuple(seen for m in members if (seen := member_as_seen(checked, m)) is not None)

    def credentials_due(
        self, now: dt.datetime, *, within: dt.timedelta | None = None
    ) -> tuple[CredentialDue, ...]:
        """Active volunteers' credentials that are missing, expired or expiring soon."""
        return self.roster.credentials_due(_aware(now), within=within)

    def coverage(self, *, at: dt.datetime | None = None) -> Coverage:
        """Every gap against the network policy's targets, and the network's totals.

        With ``at``, volunteers whose credentials have expired by then do not count.
        """
        return coverage(self.roster, at=None if at is None else _aware(at))

    def current_directory(self, at: dt.datetime | None = None) -> Directory:
        """The desk's directory with its volunteers as the roster has them now; with ``at``,
        volunteers whose credentials block routing then are exported as suspended.
        Build a new :class:`~lianfang.routing.Router` (or desk) on it to route with them."""
        return self.roster.to_directory(self.directory, None if at is None else _aware(at))

    def bulletin(self, bulletin_id: str) -> BulletinRecord:
        """A published bulletin and what became of it."""
        return self.network.bulletin(bulletin_id)

    def bulletins(
        self, *, viewer: Viewer | str | None = None, live_at: dt.datetime | None = None
    ) -> tuple[BulletinRecord, ...]:
        """Bulletins in publishing order; with ``live_at`` only those current and not
        withdrawn then; with ``viewer`` only what they may see."""
        found = [
            r for r in self.network.board.values() if live_at is None or r.is_live(_aware(live_at))
        ]
        if viewer is None:
            return tuple(found)
        checked = self._checked_viewer(viewer)
        roster = self.roster
        return tuple(
            seen for r in found if (seen := bulletin_as_seen(checked, r, roster)) is not None
        )

    def bulletin_stats(self, bulletin_id: str) -> BulletinStats:
        """Delivered, read, relayed, estimated reach and each community's share reached."""
        return bulletin_stats(self.bulletin(bulletin_id), self.roster)

    def check_in_watch(self, site_id: str) -> SiteWatch:
        """A watched site: when its next check-in is due, what it last said."""
        return self.network.book.watch(site_id)

    def overdue_check_ins(self, now: dt.datetime) -> tuple[Overdue, ...]:
        """Watched sites whose check-in is late by at least the policy's grace at ``now``."""
        return overdue_check_ins(
            self.network.book, _aware(now), grace=self.network_policy.check_in_grace
        )

    def alert_check(self, incident_id: str) -> AlertCheck:
        """Whether an incident may alert volunteers, and why."""
        return alert_suitability(self.incident(incident_id), self.network_policy)

    # --- the volunteer network: recruitment and screening ----------------------------------

    def record_application(
        self,
        *,
        volunteer_id: str,
        name: str,
        role: VolunteerRole | str,
        community_id: str,
        at: dt.datetime,
        by: str | None = None,
        phone: Phone | str | None = None,
        referred_by: str | None = None,
        location: GeoPoint | None = None,
    ) -> Member:
        """A person applies to join the network (``by`` who entered it; default themselves).

        They are an applicant until a cadre of the community and its liaison officer have
        both approved (:meth:`approve_volunteer`).
        """
        _aware(at)
        problems = []
        if not isinstance(volunteer_id, str) or not volunteer_id.strip():
            problems.append(f"volunteer_id: must be a non-empty string, not {volunteer_id!r}")
        if not isinstance(name, str) or not name.strip():
            problems.append("name: must be a non-empty string")
        try:
            role = VolunteerRole(role)
        except ValueError:
            choices = ", ".join(repr(r.value) for r in VolunteerRole)
            problems.append(f"role: {role!r} is not one of {choices}")
        if isinstance(phone, str):
            phone = Phone(phone) if phone.strip() else None
        elif phone is not None and not isinstance(phone, Phone):
            problems.append(f"phone: must be a phone number string, not {phone!r}")
        if location is not None and not isinstance(location, GeoPoint):
            problems.append(f"location: must be a lianfang GeoPoint, not {location!r}")
        if problems:
            raise InvalidValueError(problems)
        self.directory.community(community_id)
        if volunteer_id in self.roster or self._is_organisation(volunteer_id):
            raise IllegalTransitionError(f"the id {volunteer_id!r} is already taken")
        if referred_by is not None and not (
            referred_by in self.roster or self._is_organisation(referred_by)
        ):
            raise UnknownIdError("referrer", referred_by)
        assert isinstance(role, VolunteerRole)
        self._record(
            [
                VolunteerApplied(
                    at,
                    volunteer_id if by is None else by,
                    volunteer_id,
                    name,
                    role,
                    community_id,
                    phone,
                    referred_by,
                    location,
                )
            ]
        )
        return self.roster.member(volunteer_id)

    def approve_volunteer(self, volunteer_id: str, *, by: str, at: dt.datetime) -> Member:
        """One side of the screening approves: a cadre of the applicant's community, or its
        liaison officer. With both sides the volunteer becomes active."""
        member = self._member_at(volunteer_id, at, "approve")
        side = self._screening_side(member, by)
        check_can_approve(member, side)
        self._record([ScreeningApproved(at, by, volunteer_id, side)])
        return self.roster.member(volunteer_id)

    def reject_volunteer(
        self, volunteer_id: str, *, by: str, at: dt.datetime, reason: str
    ) -> Member:
        """Either screener rejects an applicant, saying why; the application is closed."""
        member = self._member_at(volunteer_id, at, "reject")
        side = self._screening_side(member, by)
        check_can_reject(member)
        _reason(reason, "reason: say why the applicant is rejected")
        self._record([ScreeningRejected(at, by, volunteer_id, side, reason)])
        return self.roster.member(volunteer_id)

    def suspend_volunteer(
        self, volunteer_id: str, *, by: str, at: dt.datetime, reason: str
    ) -> Member:
        """An officer suspends an active volunteer: no routing, no deliveries, no alerts."""
        member = self._member_at(volunteer_id, at, "suspend")
        self._check_officer(by, f"suspend volunteer {volunteer_id!r}")
        check_can_suspend(member)
        _reason(reason, "reason: say why the volunteer is suspended")
        self._record([VolunteerSuspended(at, by, volunteer_id, reason)])
        return self.roster.member(volunteer_id)

    def reinstate_volunteer(
        self, volunteer_id: str, *, by: str, at: dt.datetime, note: str = ""
    ) -> Member:
        """An officer makes a suspended volunteer active again."""
        member = self._member_at(volunteer_id, at, "reinstate")
        self._check_officer(by, f"reinstate volunteer {volunteer_id!r}")
        check_can_reinstate(member)
        self._record([VolunteerReinstated(at, by, volunteer_id, note)])
        return self.roster.member(volunteer_id)

    def retire_volunteer(
        self, volunteer_id: str, *, by: str, at: dt.datetime, reason: str = ""
    ) -> Member:
        """A volunteer leaves (or an applicant withdraws): by themselves or an officer. Final."""
        member = self._member_at(volunteer_id, at, "retire")
        if by != volunteer_id:
            self._check_officer(by, f"retire volunteer {volunteer_id!r}")
        check_can_retire(member)
        self._record([VolunteerRetired(at, by, volunteer_id, reason)])
        return self.roster.member(volunteer_id)

    def record_credential(
        self,
        volunteer_id: str,
        *,
        credential: str,
        expires_at: dt.datetime,
        by: str,
        at: dt.datetime,
    ) -> Member:
        """An officer or a cadre of the community checked a credential, valid until
        ``expires_at``; recording it again with a later expiry renews it."""
        member = self._member_at(volunteer_id, at, "record a credential of")
        if (
            not (self._is_officer(by) or self._is_community_cadre(by, member.community_id))
            or by == volunteer_id
        ):
            raise IllegalTransitionError(
                f"{by!r} cannot record credentials of {volunteer_id!r}: only an officer or "
                f"a cadre of community {member.community_id!r} can"
            )
        _reason(credential, "credential: name the credential, e.g. 'security_licence'")
        if not isinstance(expires_at, dt.datetime) or expires_at.utcoffset() is None:
            raise InvalidValueError(
                [f"expires_at: must be a timezone-aware datetime, got {expires_at!r}"]
            )
        self._record([CredentialRecorded(at, by, volunteer_id, credential, expires_at)])
        return self.roster.member(volunteer_id)

    # --- the volunteer network: bulletins ------------------------------------------------------

    def publish_bulletin(self, bulletin: Bulletin, *, by: str) -> BulletinRecord:
        """An officer publishes a bulletin (at its ``issued_at``): one delivery per active
        volunteer of its audience goes into the outbox."""
        if not isinstance(bulletin, Bulletin):
            raise InvalidValueError(
                [f"bulletin: expected a lianfang Bulletin, got {type(bulletin).__name__}"]
            )
        self._check_officer(by, "publish bulletins")
        if bulletin.id in self.network.board:
            raise IllegalTransitionError(f"bulletin {bulletin.id!r} was already published")
        for zone_id in bulletin.audience.zone_ids:
            self.directory.zone(zone_id)
        for community_id in bulletin.audience.community_ids:
            self.directory.community(community_id)
        recipients = audience_of(bulletin.audience, self.roster)
        if not recipients:
            raise IllegalTransitionError(
                f"the audience of bulletin {bulletin.id!r} has no active volunteer"
            )
        self._record([BulletinPublished(bulletin.issued_at, by, bulletin, recipients)])
        return self.bulletin(bulletin.id)

    def record_read(self, bulletin_id: str, *, by: str, at: dt.datetime) -> BulletinRecord:
        """A recipient acknowledges reading a bulletin (while it is current)."""
        check_can_read(self.bulletin(bulletin_id), by, _aware(at))
        self._record([BulletinRead(at, by, bulletin_id)])
        return self.bulletin(bulletin_id)

    def record_relay(
        self,
        bulletin_id: str,
        *,
        by: str,
        at: dt.datetime,
        estimated_reach: int | None = None,
        note: str = "",
    ) -> BulletinRecord:
        """A recipient relayed a bulletin to their own contacts (转发), with an optional
        estimate of how many people it reached. A relay counts as reading it."""
        check_can_relay(self.bulletin(bulletin_id), by, _aware(at))
        if estimated_reach is not None and (
            isinstance(estimated_reach, bool)
            or not isinstance(estimated_reach, int)
            or estimated_reach < 0
        ):
            raise InvalidValueError(
                [f"estimated_reach: must be a whole number ≥ 0, not {estimated_reach!r}"]
            )
        self._record([BulletinRelayed(at, by, bulletin_id, estimated_reach, note)])
        return self.bulletin(bulletin_id)

    def withdraw_bulletin(
        self, bulletin_id: str, *, by: str, at: dt.datetime, reason: str
    ) -> BulletinRecord:
        """An officer withdraws a bulletin; deliveries not yet made are dropped."""
        record = self.bulletin(bulletin_id)
        self._check_officer(by, "withdraw bulletins")
        check_can_withdraw(record)
        _reason(reason, "reason: say why the bulletin is withdrawn")
        if _aware(at) < record.bulletin.issued_at:
            raise IllegalTransitionError(
                f"cannot withdraw bulletin {bulletin_id!r} before it was issued "
                f"({record.bulletin.issued_at.isoformat()})"
            )
        self._record([BulletinWithdrawn(at, by, bulletin_id, reason)])
        return self.bulletin(bulletin_id)

    # --- the volunteer network: check-ins ----------------------------------------------------

    def start_check_ins(
        self, *, by: str, at: dt.datetime, site_ids: Sequence[str] | None = None
    ) -> tuple[SiteWatch, ...]:
        """An officer starts watching sites' check-ins from ``at`` (default: every site with
        a schedule not yet watched); each is first due one interval later."""
        _aware(at)
        self._check_officer(by, "start check-ins")
        book = self.network.book
        if site_ids is None:
            ids = tuple(s for s in book.every if s not in book.watches)
        else:
            if isinstance(site_ids, str):
                raise InvalidValueError([f"site_ids: expected an array of ids, not {site_ids!r}"])
            ids = tuple(dict.fromkeys(site_ids))
            for site_id in ids:
                self.directory.site(site_id)
                book.check_scheduled(site_id)
                if site_id in book.watches:
                    raise IllegalTransitionError(f"site {site_id!r} is already watched")
        if not ids:
            raise IllegalTransitionError("no site to start: every scheduled site is watched")
        self._record([CheckInsStarted(at, by, ids)])
        return tuple(self.network.book.watches[s] for s in ids)

    def check_in(
        self,
        site_id: str,
        *,
        by: str,
        at: dt.datetime,
        status: CheckInStatus | str = CheckInStatus.NORMAL,
        text: str = "",
    ) -> CheckInResult:
        """A site checks in (报备). With something to report, the text becomes a
        :class:`~lianfang.model.Report` (channel ``check_in``) that is routed like any other.

        ``by`` is the site's contact, an active volunteer of its community, or an officer.
        """
        _aware(at)
        site = self.directory.site(site_id)
        book = self.network.book
        book.check_scheduled(site_id)
        try:
            status = CheckInStatus(status)
        except ValueError:
            choices = ", ".join(repr(s.value) for s in CheckInStatus)
            raise InvalidValueError([f"status: {status!r} is not one of {choices}"]) from None
        if not isinstance(text, str):
            raise InvalidValueError([f"text: must be a string, not {type(text).__name__}"])
        if status is CheckInStatus.TO_REPORT and not text.strip():
            raise InvalidValueError(["text: a check-in with something to report must say what"])
        member = self.roster.members.get(by)
        if not (
            by == site.contact_id
            or self._is_officer(by)
            or (
                member is not None
                and member.community_id == site.community_id
                and member.status is VolunteerStatus.ACTIVE
            )
        ):
            raise IllegalTransitionError(
                f"{by!r} cannot check in for site {site_id!r}: only its contact "
                f"({site.contact_id or 'none'}), an active volunteer of community "
                f"{site.community_id!r} or an officer can"
            )
        watch = book.watches.get(site_id)
        if watch is not None and watch.last_check_in_at is not None and at < watch.last_check_in_at:
            raise IllegalTransitionError(
                f"site {site_id!r} last checked in at {watch.last_check_in_at.isoformat()}, "
                f"after {at.isoformat()}"
            )
        state = self._state
        report: Report | None = None
        if status is CheckInStatus.TO_REPORT:
            number = (watch.check_ins if watch is not None else 0) + 1
            report_id = f"CHK-{site_id}-{number}"
            while report_id in state.by_report:  # an id the host used already
                report_id += "+"
            report = Report(
                id=report_id,
                received_at=at,
                text=text,
                channel=Channel.CHECK_IN,
                reporter_id=by,
                community_id=site.community_id,
                address=site.name,
            )
        recorded = CheckInRecorded(
            at, by, site_id, status, text, report.id if report is not None else None
        )
        start = state.version
        events: list[Event | NetworkEvent] = [recorded]
        with state.staged():
            state.apply(start + 1, recorded)
            if report is not None:
                for event in self._events_for(report):
                    events.append(event)
                    state.apply(start + len(events), event)
            self.journal.append([encode(e) for e in events], expected_version=start)
        return CheckInResult(
            self.network.book.watches[site_id],
            self.incident(report.id) if report is not None else None,
        )

    # --- the volunteer network: alerts for suitable incidents ---------------------------------

    def alert_volunteers(
        self,
        incident_id: str,
        *,
        by: str,
        at: dt.datetime,
        limit: int | None = None,
        message: str | None = None,
    ) -> Incident:
        """Ask the nearest routable volunteers of the incident's community and its
        neighbours to help (a missing person, a lost item, a search).

        Only the owner or someone above them may; never for a clue or a dangerous scene
        (see :meth:`alert_check`). At most the policy's ``alert_max_volunteers`` are
        alerted per incident over all calls (``limit`` caps this call). ``message`` is
        what they are told; by default the report's text with numbers masked.
        """
        incident = self._actionable(incident_id, by, at, "alert volunteers for")
        check = alert_suitability(incident, self.network_policy)
        if not check.suitable:
            raise IllegalTransitionError(
                f"incident {incident.id!r} may not alert volunteers: {check.explain('en')}"
            )
        community_id = incident.decision.community_id
        if community_id is None:
            raise IllegalTransitionError(
                f"incident {incident.id!r} has no known place: nobody is near it"
            )
        room = self.network_policy.alert_max_volunteers - len(incident.alerted_ids)
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise InvalidValueError([f"limit: must be a whole number ≥ 1, not {limit!r}"])
            room = min(room, limit)
        if room <= 0:
            raise IllegalTransitionError(
                f"incident {incident.id!r} has alerted {len(incident.alerted_ids)} volunteers, "
                "the most the policy allows"
            )
        exclude = set(incident.alerted_ids)
        if incident.report.reporter_id is not None:
            exclude.add(incident.report.reporter_id)
        chosen = nearest_volunteers(
            self.roster,
            self._neighbours(),
            community_id=community_id,
            at=at,
            limit=room,
            location=incident.report.location,
            exclude=exclude,
        )
        if not chosen:
            raise IllegalTransitionError(
                f"no routable volunteer near incident {incident.id!r} is left to alert"
            )
        text = mask_text(incident.report.text) if message is None else message
        if not isinstance(text, str):
            raise InvalidValueError([f"message: must be a string, not {type(text).__name__}"])
        return self._commit(VolunteersAlerted(incident.id, at, by, chosen, text))

    def answer_alert(
        self, incident_id: str, *, by: str, at: dt.datetime, accept: bool, note: str = ""
    ) -> Incident:
        """An alerted volunteer accepts (and is among ``incident.helper_ids``) or declines."""
        incident = self.incident(incident_id)
        check_can_answer(incident, by)
        check_not_before(incident, _aware(at), "answer the alert for")
        if not isinstance(accept, bool):
            raise InvalidValueError([f"accept: must be true or false, not {accept!r}"])
        if accept and not self.roster.is_routable(by, at):
            raise IllegalTransitionError(f"{by!r} is no longer an active volunteer")
        event: Event = (
            AlertAccepted(incident.id, at, by, note)
            if accept
            else AlertDeclined(incident.id, at, by, note)
        )
        return self._commit(event)

    def _neighbours(self) -> Neighbourhood:
        if self._neighbourhood is None:
            policy = self.network_policy
            self._neighbourhood = Neighbourhood(
                self.directory, adjacency_m=policy.adjacency_m, radius_m=policy.alert_radius_m
            )
        return self._neighbourhood

    # --- privacy ---------------------------------------------------------------------------------

    def viewer(self, viewer_id: str) -> Viewer:
        """The :class:`~lianfang.privacy.Viewer` someone is, by the directory and roster."""
        return viewer_for(self.directory, self.roster, viewer_id)

    def view(self, viewer: Viewer | str) -> View:
        """Everything ``viewer`` (a Viewer or an id) may see: incidents, roster entries,
        bulletins and outbox entries, with what they may not see removed."""
        checked = self._checked_viewer(viewer)
        roster = self.roster
        return View(
            viewer=checked,
            incidents=self._as_seen(checked, self._state.every_incident()),
            members=self._members_as_seen(checked, tuple(roster.members.values())),
            bulletins=tuple(
                seen
                for r in self.network.board.values()
                if (seen := bulletin_as_seen(checked, r, roster)) is not None
            ),
            notifications=tuple(
                n for n in self._state.outbox.values() if sees_notification(checked, n)
            ),
        )

    def _checked_viewer(self, viewer: Viewer | str) -> Viewer:
        if isinstance(viewer, str):
            return self.viewer(viewer)
        if not isinstance(viewer, Viewer):
            raise InvalidValueError(
                [f"viewer: expected a lianfang Viewer or an id, got {type(viewer).__name__}"]
            )
        return check_viewer(viewer, self.directory, self.roster)

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
        self._record([event])
        incident = self._state.incident(event.incident_id)
        assert incident is not None
        return incident

    def _record(self, events: Sequence[Event | NetworkEvent]) -> None:
        state = self._state
        start = state.version
        with state.staged():
            for offset, event in enumerate(events, start=1):
                state.apply(start + offset, event)
            self.journal.append([encode(e) for e in events], expected_version=start)

    def _member_at(self, volunteer_id: str, at: dt.datetime, action: str) -> Member:
        member = self.roster.member(volunteer_id)
        _aware(at)
        if member.status_since is not None and at < member.status_since:
            raise IllegalTransitionError(
                f"cannot {action} volunteer {volunteer_id!r} at {at.isoformat()}: their last "
                f"change was at {member.status_since.isoformat()}"
            )
        return member

    def _is_officer(self, person_id: str) -> bool:
        try:
            self.directory.officer(person_id)
        except UnknownIdError:
            return False
        return True

    def _check_officer(self, person_id: str, action: str) -> None:
        if not self._is_officer(person_id):
            raise IllegalTransitionError(f"{person_id!r} cannot {action}: only officers can")

    def _is_organisation(self, person_id: str) -> bool:
        """An officer, agency or the command center: ids a volunteer must not take."""
        if person_id == self.directory.command_center.id or self._is_officer(person_id):
            return True
        try:
            self.directory.agency(person_id)
        except UnknownIdError:
            return False
        return True

    def _is_community_cadre(self, person_id: str, community_id: str) -> bool:
        listed = person_id in self.directory.community(community_id).cadre_ids
        return (listed and self.roster.is_routable(person_id)) or self.roster.is_cadre_of(
            person_id, community_id
        )

    def _screening_side(self, member: Member, by: str) -> ScreeningSide:
        community = self.directory.community(member.community_id)
        if by in community.liaison_officer_ids:
            return ScreeningSide.LIAISON
        if by != member.id and self._is_community_cadre(by, community.id):
            return ScreeningSide.CADRE
        cadres = ", ".join(community.cadre_ids) or "none listed"
        officers = ", ".join(community.liaison_officer_ids) or "none"
        raise IllegalTransitionError(
            f"{by!r} cannot screen applicant {member.id!r}: only a cadre of community "
            f"{community.id!r} ({cadres}) or its liaison officer ({officers}) can"
        )


def _reason(text: object, problem: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InvalidValueError([problem])


def _aware(at: dt.datetime) -> dt.datetime:
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        raise InvalidValueError([f"at: must be a timezone-aware datetime, got {at!r}"])
    return at
