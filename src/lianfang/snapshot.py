"""Desk snapshots: a desk's folded state as text, so a restore replays only what came after.

Replaying a journal from its first event costs time in proportion to its whole history; a
snapshot taken at version ``n`` lets :class:`~lianfang.desk.Desk` start from the state at
``n`` and fold only the events after it. The journal stays the truth: a snapshot holds
nothing the journal does not, it is tied to the event at its version (a fingerprint of
that record), and one that does not fit is refused with
:class:`~lianfang.errors.SnapshotError`, never used.

What a snapshot holds is what folding produced and cannot be derived again cheaply: the
incidents, the outbox, reports received but not yet routed, and the network's events
(the volunteer network is folded again from the directory the restoring desk is given,
exactly as a full replay does). The indexes (duplicates, load, deadlines) are derived
from the incidents on loading. Nothing here does I/O: the host stores the text.

The text is two lines of JSON. The first, the header, holds the format, the version, the
fingerprint and a CRC-32 of the second, so that damage anywhere is refused before any of it
is read. The second, the body, holds tables of the strings, instants, string lists, ladders
and assignments the state mentions, each once, and the incidents and notifications as
arrays of indexes into them (0 stands for "none", a table's entries count from 1): a state
with 250,000 incidents repeats the same few hundred people, places and reasons, and reading
an index costs a fraction of reading and checking a string. Pending reports and network
events are journal records, as :func:`~lianfang.events.encode` writes them.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from lianfang.builders import trusted
from lianfang.compact import (
    CHANNELS,
    KINDS,
    MICROSECOND,
    PRIORITIES,
    ROLES,
    read_duration,
    read_flag,
    read_string,
    read_time,
    write_time,
)
from lianfang.errors import CorruptJournalError, SnapshotError
from lianfang.events import NetworkEvent, Outcome, ReportReceived, decode, encode
from lianfang.incident import FollowUp, Incident, IncidentState
from lianfang.journal import StoredEvent
from lianfang.model import GeoPoint, Report
from lianfang.outbox import Notification, Topic
from lianfang.routing import Assignment, Decision, EscalationStep

__all__ = ["SNAPSHOT_FORMAT", "DeskState", "dump_snapshot", "fingerprint", "load_snapshot"]

SNAPSHOT_FORMAT = "lianfang.desk-snapshot/2"
"""The format tag a snapshot starts with; a reader refuses any other."""

# An incident's array may end early: the fields from ``escalations`` on that hold their
# defaults (as JSON writes them) at its end are left out, and the reader fills them in.
_ALWAYS_WRITTEN = 16
_TAIL_DEFAULTS: list[Any] = [0, [], None, 0, 0, 0]


@attrs.frozen
class DeskState:
    """What a snapshot holds: a desk's folded state after journal event ``version``.

    ``fingerprint`` identifies the record at ``version`` (:func:`fingerprint`);
    ``last_report_at`` has an entry only where an incident's latest report is not its
    first; ``network_events`` are the volunteer network's events with their positions.
    """

    version: int
    fingerprint: str
    incidents: tuple[Incident, ...]
    last_report_at: Mapping[str, dt.datetime]
    pending: tuple[ReportReceived, ...]
    outbox: tuple[Notification, ...]
    network_events: tuple[tuple[int, NetworkEvent], ...]


def fingerprint(stored: StoredEvent | None) -> str:
    """A short checksum of one journal record (its type and text), or ``""`` for none."""
    if stored is None:
        return ""
    digest = zlib.crc32(f"{stored.position}\n{stored.type}\n{stored.data}".encode())
    return f"{digest:08x}"


# --- writing -----------------------------------------------------------------------------------

# Snapshots are trees of lists, strings and numbers built here: nothing to check for cycles.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dump_snapshot(state: DeskState) -> str:
    """The state as snapshot text."""
    tables = _Tables()
    incidents = [tables.incident(incident) for incident in state.incidents]
    outbox = [tables.notification(note) for note in state.outbox]
    last_report_at = [[tables.strings[k], tables.time(v)] for k, v in state.last_report_at.items()]
    # The string lists' strings join the table before it is written.
    lists = [[tables.strings[s] for s in items] for items in tables.lists.table()]
    body = _JSON.encode(
        {
            "strings": tables.strings.table(),
            "times": tables.times.table(),
            "lists": lists,
            "ladders": tables.ladder_rows,
            "assignments": tables.assignment_rows,
            "incidents": incidents,
            "last_report_at": last_report_at,
            "pending": [_record_fields(event) for event in state.pending],
            "outbox": outbox,
            "network_events": [[p, *_record_fields(e)] for p, e in state.network_events],
        }
    )
    header = _JSON.encode(
        {
            "format": SNAPSHOT_FORMAT,
            "version": state.version,
            "fingerprint": state.fingerprint,
            "crc32": _checksum(body),
        }
    )
    return f"{header}\n{body}"


def _checksum(body: str) -> str:
    return f"{zlib.crc32(body.encode('utf-8', 'surrogatepass')):08x}"


class _Numbering(dict[Any, int]):
    """Numbers values from 1 in the order they are first looked up; ``empty`` is 0."""

    def __init__(self, empty: object) -> None:
        super().__init__({empty: 0})

    def __missing__(self, key: object) -> int:
        number = self[key] = len(self)
        return number

    def table(self) -> list[Any]:
        """The values numbered 1, 2, … in order."""
        return list(self)[1:]


class _Tables:
    """The body's tables while a snapshot is written: each value once, numbered from 1 in
    the order first met (0 stands for none)."""

    def __init__(self) -> None:
        self.strings = _Numbering(None)
        self.times = _Numbering(None)  # by their text: equal instants may differ in offset
        self._time_ids: dict[int, tuple[dt.datetime, int]] = {}
        self.lists = _Numbering(())
        # Ladders and assignments are shared objects: found by identity, kept alive here.
        self.ladders: dict[int, tuple[tuple[EscalationStep, ...], int]] = {}
        self.ladder_rows: list[list[list[int]]] = []
        self.assignments: dict[int, tuple[Assignment, int]] = {}
        self.assignment_rows: list[list[int]] = []

    def time(self, value: dt.datetime | None) -> int:
        if value is None:
            return 0
        # An instant object is mentioned several times (received, opened, deadlines):
        # formatted once.
        found = self._time_ids.get(id(value))
        if found is None:
            found = self._time_ids[id(value)] = (value, self.times[write_time(value)])
        return found[1]

    def ladder(self, ladder: tuple[EscalationStep, ...]) -> int:
        found = self.ladders.get(id(ladder))
        if found is None:
            rows = [[self.strings[s.assignee_id], s.after // MICROSECOND] for s in ladder]
            self.ladder_rows.append(rows)
            found = self.ladders[id(ladder)] = (ladder, len(self.ladder_rows))
        return found[1]

    def assignment(self, assignment: Assignment) -> int:
        found = self.assignments.get(id(assignment))
        if found is None:
            row = [
                self.strings[assignment.assignee_id],
                self.strings[assignment.role._value_],
                self.time(assignment.due_at),
            ]
            self.assignment_rows.append(row)
            found = self.assignments[id(assignment)] = (assignment, len(self.assignment_rows))
        return found[1]

    def report(self, report: Report) -> list[Any]:
        number, location = self.strings, report.location
        return [
            number[report.id],
            self.time(report.received_at),
            number[report.text],
            number[report.channel._value_],
            number[report.reporter_id],
            number[report.community_id],
            number[report.address],
            None if location is None else [location.lon, location.lat],
            number[report.category],
        ]

    def decision(self, decision: Decision) -> list[Any]:
        number = self.strings
        return [
            number[decision.report_id],
            self.time(decision.received_at),
            number[decision.kind._value_],
            number[decision.priority._value_],
            number[decision.category],
            number[decision.community_id],
            number[decision.group_id],
            number[decision.zone_id],
            [self.assignment(a) for a in decision.assignments],
            self.ladder(decision.escalation),
            decision.ack_within // MICROSECOND,
            self.lists[decision.reasons],
            decision.needs_review,
            decision.reporter_withheld,
            self.lists[decision.evidence],
            number[decision.locate_method],
        ]

    def incident(self, incident: Incident) -> list[Any]:
        number, time, lists, figures = self.strings, self.time, self.lists, incident.figures
        fields = [
            number[incident.id],
            self.report(incident.report),
            self.decision(incident.decision),
            number[incident.state._value_],
            number[incident.owner_id],
            time(incident.due_at),
            time(incident.opened_at),
            incident.ladder_index,
            # null: the incident's only report is its first (most incidents)
            None if incident.report_ids == (incident.report.id,) else lists[incident.report_ids],
            number[incident.police_owner_id],
            number[incident.agency_id],
            time(incident.acknowledged_at),
            number[incident.acknowledged_by],
            time(incident.resolved_at),
            number[incident.outcome],
            None if figures is None else [figures.people_dealt_with, figures.money_seized_yuan],
            incident.escalations,
            [
                [number[f.step], number[f.by], time(f.at), number[f.note]]
                for f in incident.follow_ups
            ],
            incident.satisfaction,
            lists[incident.alerted_ids],
            lists[incident.helper_ids],
            lists[incident.declined_ids],
        ]
        # Most incidents were never escalated, followed up, rated or helped.
        while (
            len(fields) > _ALWAYS_WRITTEN
            and fields[-1] == _TAIL_DEFAULTS[len(fields) - 1 - _ALWAYS_WRITTEN]
        ):
            fields.pop()
        return fields

    def notification(self, note: Notification) -> list[Any]:
        number = self.strings
        return [
            note.id,  # unique: not worth a table entry
            number[note.incident_id],
            number[note.recipient_id],
            number[note.topic._value_],
            self.time(note.created_at),
            note.attempts,
            number[note.last_error],
            number[note.subject_id],
            number[note.detail],
        ]


def _record_fields(event: ReportReceived | NetworkEvent) -> list[Any]:
    record = encode(event)
    return [record.type, record.data]


# --- reading -----------------------------------------------------------------------------------

_STATES = {s.value: s for s in IncidentState}
_TOPICS = {t.value: t for t in Topic}
# Read back without their validators: every string and instant comes from a table checked
# once, and the checksum has vouched for the text.
_new_incident = trusted(Incident)
_new_report = trusted(Report)
_new_decision = trusted(Decision)
_new_assignment = trusted(Assignment)
_new_step = trusted(EscalationStep)
_new_notification = trusted(Notification)
T = TypeVar("T")


def load_snapshot(text: str) -> DeskState:
    """The state a snapshot holds; :class:`~lianfang.errors.SnapshotError` names the part
    of a damaged or foreign text that could not be read."""
    if not isinstance(text, str):
        raise SnapshotError([f"$: snapshot text must be a string, not {type(text).__name__}"])
    header_text, _, body_text = text.partition("\n")
    body_text = body_text.rstrip()  # as a file written in text mode may end, or on Windows
    header = _json_object(header_text)
    if header.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            [f"$.format: expected {SNAPSHOT_FORMAT!r}, found {header.get('format')!r}"]
        )
    version = _part(header, "version", _count)
    fingerprint_text = _part(header, "fingerprint", read_string)
    if _part(header, "crc32", read_string) != _checksum(body_text):
        raise SnapshotError(["$.crc32: the body does not match its checksum: the text is damaged"])
    body = _json_object(body_text)
    reader = _Reader(body)
    return DeskState(
        version=version,
        fingerprint=fingerprint_text,
        incidents=_items(body, "incidents", reader.incident),
        last_report_at=dict(_items(body, "last_report_at", reader.last_report)),
        pending=_items(body, "pending", _pending),
        outbox=_items(body, "outbox", reader.notification),
        network_events=_items(body, "network_events", _network_event),
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SnapshotError([f"$: not snapshot text ({exc})"]) from exc
    if not isinstance(data, dict):
        raise SnapshotError([f"$: not snapshot text (a JSON {type(data).__name__})"])
    return data


class _Reader:
    """The body's tables, read and checked once; then incidents and notifications, whose
    strings and instants are indexes into them."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.strings: list[Any] = [None, *_items(body, "strings", read_string)]
        self.times: list[Any] = [None, *_items(body, "times", read_time)]
        self.lists: list[tuple[str, ...]] = [(), *_items(body, "lists", self._strings)]
        self.ladders: list[tuple[EscalationStep, ...]] = [
            (),
            *_items(body, "ladders", self._ladder),
        ]
        self.assignments: list[Any] = [None, *_items(body, "assignments", self._assign)]

    def _strings(self, indexes: list[int]) -> tuple[str, ...]:
        strings = self.strings
        found = tuple([strings[i] for i in _array(indexes)])
        if None in found:
            raise ValueError("a list of strings holds none")
        return found

    def _ladder(self, rows: list[list[int]]) -> tuple[EscalationStep, ...]:
        return tuple(
            [_new_step(self._id(assignee), read_duration(after)) for assignee, after in rows]
        )

    def _assign(self, row: list[int]) -> Assignment:
        assignee, role, due_at = row
        return _new_assignment(self._id(assignee), ROLES[self.strings[role]], self.times[due_at])

    def _id(self, index: int) -> str:
        found = self.strings[index]
        if found is None:
            raise ValueError("an id is missing")
        return found  # type: ignore[no-any-return]

    def report(self, fields: list[Any]) -> Report:
        id_, received_at, text, channel, reporter, community, address, location, category = fields
        s = self.strings
        return _new_report(
            s[id_],
            self.times[received_at],
            s[text],
            CHANNELS[s[channel]],
            s[reporter],
            s[community],
            s[address],
            None if location is None else GeoPoint(float(location[0]), float(location[1])),
            s[category],
        )

    def decision(self, fields: list[Any]) -> Decision:
        (
            report_id,
            received_at,
            kind,
            priority,
            category,
            community,
            group,
            zone,
            assignments,
            ladder,
            ack_within,
            reasons,
            needs_review,
            reporter_withheld,
            evidence,
            locate_method,
        ) = fields
        s, lists, assigned = self.strings, self.lists, self.assignments
        return _new_decision(
            s[report_id],
            self.times[received_at],
            KINDS[s[kind]],
            PRIORITIES[s[priority]],
            s[category],
            s[community],
            s[group],
            s[zone],
            tuple([assigned[i] for i in assignments]),
            self.ladders[ladder],
            read_duration(ack_within),
            lists[reasons],
            read_flag(needs_review),
            read_flag(reporter_withheld),
            lists[evidence],
            s[locate_method],
            None,  # the explain() context: not part of the value
        )

    def incident(self, fields: list[Any]) -> Incident:
        if _ALWAYS_WRITTEN <= len(fields) < _ALWAYS_WRITTEN + len(_TAIL_DEFAULTS):
            fields = fields + _TAIL_DEFAULTS[len(fields) - _ALWAYS_WRITTEN :]
        (
            incident_id,
            report,
            decision,
            state,
            owner_id,
            due_at,
            opened_at,
            ladder_index,
            report_ids,
            police_owner_id,
            agency_id,
            acknowledged_at,
            acknowledged_by,
            resolved_at,
            outcome,
            figures,
            escalations,
            follow_ups,
            satisfaction,
            alerted_ids,
            helper_ids,
            declined_ids,
        ) = fields
        s, times, lists = self.strings, self.times, self.lists
        first = self.report(report)
        return _new_incident(
            self._id(incident_id),
            first,
            self.decision(decision),
            _STATES[s[state]],
            self._id(owner_id),
            times[due_at],
            times[opened_at],
            _whole(ladder_index),
            (first.id,) if report_ids is None else lists[report_ids],
            s[police_owner_id],
            s[agency_id],
            times[acknowledged_at],
            s[acknowledged_by],
            times[resolved_at],
            s[outcome],
            None if figures is None else Outcome(_whole(figures[0]), float(figures[1])),
            _whole(escalations),
            tuple(
                FollowUp(self._id(step), self._id(by), times[at], s[note])
                for step, by, at, note in follow_ups
            )
            if follow_ups
            else (),
            None if satisfaction is None else _whole(satisfaction),
            lists[alerted_ids],
            lists[helper_ids],
            lists[declined_ids],
        )

    def notification(self, fields: list[Any]) -> Notification:
        note_id, incident_id, recipient, topic, created_at, attempts, error, subject, detail = (
            fields
        )
        s = self.strings
        return _new_notification(
            read_string(note_id),
            s[incident_id],
            self._id(recipient),
            _TOPICS[s[topic]],
            self.times[created_at],
            _whole(attempts),
            s[error],
            s[subject],
            s[detail],
        )

    def last_report(self, pair: list[int]) -> tuple[str, dt.datetime]:
        incident_id, at = pair
        return self._id(incident_id), self.times[at]


def _part(data: dict[str, Any], key: str, read: Callable[[Any], T]) -> T:
    try:
        return read(data[key])
    except SnapshotError:
        raise
    except Exception as exc:  # any failure to read our own text means damage
        raise SnapshotError([f"$.{key}: {_describe(exc)}"]) from exc


def _items(data: dict[str, Any], key: str, read: Callable[[Any], T]) -> tuple[T, ...]:
    items = _part(data, key, _array)
    found: list[T] = []
    for index, item in enumerate(items):
        try:
            found.append(read(item))
        except Exception as exc:  # any failure to read our own text means damage
            raise SnapshotError([f"$.{key}[{index}]: {_describe(exc)}"]) from exc
    return tuple(found)


def _describe(exc: BaseException) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__


def _array(value: object) -> list[Any]:
    if type(value) is not list:
        raise ValueError(f"must be an array, not {value!r}")
    return value


def _count(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"must be a whole number >= 0, not {value!r}")
    return value


def _whole(value: object) -> int:
    if type(value) is not int:
        raise ValueError(f"must be a whole number, not {value!r}")
    return value


def _event(position: int, kind: object, data: object) -> Any:
    try:
        return decode(StoredEvent(position, read_string(kind), read_string(data)))
    except CorruptJournalError as exc:  # the record came from this text, not a journal
        raise ValueError(str(exc.__cause__ or exc)) from exc


def _pending(fields: list[Any]) -> ReportReceived:
    event = _event(0, *fields)
    if not isinstance(event, ReportReceived):
        raise ValueError(f"expected a ReportReceived, found {type(event).__name__}")
    return event


def _network_event(fields: list[Any]) -> tuple[int, NetworkEvent]:
    position, kind, data = fields
    event = _event(_count(position), kind, data)
    if not isinstance(event, NetworkEvent):
        raise ValueError(f"expected a network event, found {type(event).__name__}")
    return position, event
