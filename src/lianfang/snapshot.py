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
from the incidents on loading. The text is JSON; incidents and notifications are compact
arrays (:mod:`lianfang.compact`). Nothing here does I/O: the host stores the text.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from lianfang.compact import (
    decision_fields,
    decision_from_fields,
    read_id,
    read_incident_id,
    read_optional_id,
    read_string,
    read_strings,
    read_time,
    report_fields,
    report_from_fields,
    write_time,
)
from lianfang.errors import CorruptJournalError, SnapshotError
from lianfang.events import NetworkEvent, Outcome, ReportReceived, decode, encode
from lianfang.incident import FollowUp, Incident, IncidentState
from lianfang.journal import StoredEvent
from lianfang.outbox import Notification, Topic

__all__ = ["SNAPSHOT_FORMAT", "DeskState", "dump_snapshot", "fingerprint", "load_snapshot"]

SNAPSHOT_FORMAT = "lianfang.desk-snapshot/1"
"""The format tag a snapshot starts with; a reader refuses any other."""

# An incident's array may end early: the fields from ``escalations`` on that hold their
# defaults (as JSON writes them) at its end are left out, and the reader fills them in.
_ALWAYS_WRITTEN = 16
_TAIL_DEFAULTS: list[Any] = [0, [], None, [], [], []]


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


def dump_snapshot(state: DeskState) -> str:
    """The state as snapshot text."""
    return json.dumps(
        {
            "format": SNAPSHOT_FORMAT,
            "version": state.version,
            "fingerprint": state.fingerprint,
            "incidents": [_incident_fields(i) for i in state.incidents],
            "last_report_at": {k: write_time(v) for k, v in state.last_report_at.items()},
            "pending": [_record_fields(e) for e in state.pending],
            "outbox": [_notification_fields(n) for n in state.outbox],
            "network_events": [[p, *_record_fields(e)] for p, e in state.network_events],
        },
        ensure_ascii=False,
        separators=(",", ":"),
        check_circular=False,
    )


def _time_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else write_time(value)


def _incident_fields(incident: Incident) -> list[Any]:
    figures = incident.figures
    fields = [
        incident.id,
        report_fields(incident.report),
        decision_fields(incident.decision),
        incident.state.value,
        incident.owner_id,
        _time_or_none(incident.due_at),
        write_time(incident.opened_at),
        incident.ladder_index,
        incident.report_ids,
        incident.police_owner_id,
        incident.agency_id,
        _time_or_none(incident.acknowledged_at),
        incident.acknowledged_by,
        _time_or_none(incident.resolved_at),
        incident.outcome,
        None if figures is None else (figures.people_dealt_with, figures.money_seized_yuan),
        incident.escalations,
        [(f.step, f.by, write_time(f.at), f.note) for f in incident.follow_ups],
        incident.satisfaction,
        list(incident.alerted_ids),
        list(incident.helper_ids),
        list(incident.declined_ids),
    ]
    # Most incidents were never escalated, followed up, rated or helped.
    while len(fields) > _ALWAYS_WRITTEN and fields[-1] == _TAIL_DEFAULTS[len(fields) - 17]:
        fields.pop()
    return fields


def _notification_fields(note: Notification) -> list[Any]:
    return [
        note.id,
        note.incident_id,
        note.recipient_id,
        note.topic.value,
        write_time(note.created_at),
        note.attempts,
        note.last_error,
        note.subject_id,
        note.detail,
    ]


def _record_fields(event: ReportReceived | NetworkEvent) -> list[Any]:
    record = encode(event)
    return [record.type, record.data]


# --- reading -----------------------------------------------------------------------------------

_STATES = {s.value: s for s in IncidentState}
_TOPICS = {t.value: t for t in Topic}
T = TypeVar("T")


def load_snapshot(text: str) -> DeskState:
    """The state a snapshot holds; :class:`~lianfang.errors.SnapshotError` names the part
    of a damaged or foreign text that could not be read."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise SnapshotError([f"$: not snapshot text ({exc})"]) from exc
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise SnapshotError([f"$.format: expected {SNAPSHOT_FORMAT!r}, found {found!r}"])
    version = _part(data, "version", _count)
    return DeskState(
        version=version,
        fingerprint=_part(data, "fingerprint", read_string),
        incidents=_items(data, "incidents", _incident),
        last_report_at=_part(data, "last_report_at", _times),
        pending=_items(data, "pending", _pending),
        outbox=_items(data, "outbox", _notification),
        network_events=_items(data, "network_events", _network_event),
    )


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


def _times(value: object) -> dict[str, dt.datetime]:
    if type(value) is not dict:
        raise ValueError(f"must be an object, not {value!r}")
    return {read_incident_id(k): read_time(v) for k, v in value.items()}


def _optional_string(value: object) -> str | None:
    return None if value is None else read_string(value)


def _incident(fields: list[Any]) -> Incident:
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
    return Incident(
        read_incident_id(incident_id),
        report_from_fields(report),
        decision_from_fields(decision),
        _STATES[state],
        read_id(owner_id),
        None if due_at is None else read_time(due_at),
        read_time(opened_at),
        _whole(ladder_index),
        read_strings(report_ids),
        None if police_owner_id is None else read_id(police_owner_id),
        None if agency_id is None else read_id(agency_id),
        None if acknowledged_at is None else read_time(acknowledged_at),
        None if acknowledged_by is None else read_id(acknowledged_by),
        None if resolved_at is None else read_time(resolved_at),
        None if outcome is None else read_string(outcome),
        None if figures is None else Outcome(_whole(figures[0]), float(figures[1])),
        _whole(escalations),
        tuple(
            FollowUp(read_string(step), read_id(by), read_time(at), read_string(note))
            for step, by, at, note in follow_ups
        )
        if follow_ups
        else (),
        None if satisfaction is None else _whole(satisfaction),
        read_strings(alerted_ids),
        read_strings(helper_ids),
        read_strings(declined_ids),
    )


def _whole(value: object) -> int:
    if type(value) is not int:
        raise ValueError(f"must be a whole number, not {value!r}")
    return value


def _notification(fields: list[Any]) -> Notification:
    note_id, incident_id, recipient, topic, created_at, attempts, error, subject, detail = fields
    return Notification(
        read_string(note_id),  # unique: not worth interning
        read_optional_id(incident_id),
        read_id(recipient),
        _TOPICS[topic],
        read_time(created_at),
        _whole(attempts),
        _optional_string(error),
        read_optional_id(subject),
        read_string(detail),
    )


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
