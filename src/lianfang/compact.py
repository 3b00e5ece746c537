"""Compact forms of the values that events and snapshots carry, as JSON arrays.

Restoring a desk reads every report and decision it ever made, so their forms are
arrays of fields read back by hand-written code (cattrs' generic hooks cost more than the
rest of a restore), without the validators the values ran when they were made: types and
shapes are still checked here, and any failure means the stored text was damaged. A
reader that takes a value's array must take exactly what its writer wrote; the
round-trip tests check every pair.

Repeated parts (instants, ids, ladders, reason lists) are shared between the values read:
faster to read and far smaller in memory.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, TypeVar

from lianfang.builders import trusted
from lianfang.model import Channel, GeoPoint, Kind, Priority, Report
from lianfang.routing import Assignment, AssignmentRole, Decision, EscalationStep

__all__ = [
    "CHANNELS",
    "KINDS",
    "MICROSECOND",
    "PRIORITIES",
    "ROLES",
    "decision_fields",
    "decision_from_fields",
    "read_duration",
    "read_flag",
    "read_id",
    "read_incident_id",
    "read_optional_id",
    "read_string",
    "read_strings",
    "read_time",
    "report_fields",
    "report_from_fields",
    "write_time",
]

T = TypeVar("T")
# The enums by their values, as records and snapshots write them.
KINDS = {k.value: k for k in Kind}
PRIORITIES = {p.value: p for p in Priority}
CHANNELS = {c.value: c for c in Channel}
ROLES = {r.value: r for r in AssignmentRole}
MICROSECOND = dt.timedelta(microseconds=1)
_intern = sys.intern


# Read back from records the library wrote (their types and shapes checked here): built
# without their validators.
_make_decision = trusted(Decision)
_make_assignment = trusted(Assignment)
_make_step = trusted(EscalationStep)
_make_report = trusted(Report)

# Caches that let decoded events share their repeated parts (instants, ids, ladders, reason
# lists): faster to read and far smaller in memory; and the texts of instants just written.
# Each is emptied when it grows large.
_CACHE_LIMIT = 1 << 16
_times: dict[str, dt.datetime] = {}
_durations: dict[int, dt.timedelta] = {}
_string_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
_recent_ids: dict[str, str] = {}
_informed: dict[tuple[str, str], Assignment] = {}
_ladders: dict[tuple[tuple[Any, ...], ...], tuple[EscalationStep, ...]] = {}
_iso_texts: dict[int, tuple[dt.datetime, str]] = {}


def write_time(value: dt.datetime) -> str:
    """``value.isoformat()``, remembered: an event repeats its report's instant, and
    formatting an instant of a ``ZoneInfo`` zone looks up its offset every time."""
    # Keyed by identity: holding the instant keeps its id from being reused meanwhile.
    found = _iso_texts.get(id(value))
    if found is not None and found[0] is value:
        return found[1]
    text = value.isoformat()
    if len(_iso_texts) >= 4096:
        _iso_texts.clear()
    _iso_texts[id(value)] = (value, text)
    return text


def read_time(text: str) -> dt.datetime:
    found = _times.get(text)
    if found is None:
        found = dt.datetime.fromisoformat(text)
        if found.tzinfo is None:  # parsed text has a fixed offset or none at all
            raise ValueError(f"{text!r} has no UTC offset")
        if len(_times) >= _CACHE_LIMIT:
            _times.clear()
        _times[text] = found
    return found


def read_duration(microseconds: int) -> dt.timedelta:
    found = _durations.get(microseconds)
    if found is None:
        if type(microseconds) is not int:
            raise ValueError(f"a duration must be whole microseconds, not {microseconds!r}")
        found = dt.timedelta(microseconds=microseconds)
        if len(_durations) >= _CACHE_LIMIT:
            _durations.clear()
        _durations[microseconds] = found
    return found


def _remember(cache: dict[Any, Any], key: object, value: T) -> T:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def read_strings(items: list[str]) -> tuple[str, ...]:
    key = tuple(items)
    found = _string_tuples.get(key)
    if found is not None:
        return found
    if not all(type(item) is str for item in key):
        raise ValueError(f"must be an array of strings, not {items!r}")
    return _remember(_string_tuples, key, key)


def read_string(value: object) -> str:
    if type(value) is not str:
        raise ValueError(f"must be a string, not {value!r}")
    return value


def read_id(value: object) -> str:
    if type(value) is not str:
        raise ValueError(f"an id must be a string, not {value!r}")
    return _intern(value)


def read_incident_id(value: object) -> str:
    """An incident's or report's id as one string object for all its recent mentions: an
    incident's events repeat its id, and a restored desk keeps every mention."""
    if type(value) is not str:
        raise ValueError(f"an id must be a string, not {value!r}")
    found = _recent_ids.get(value)
    if found is None:
        found = _remember(_recent_ids, value, value)
    return found


def read_optional_id(value: object) -> str | None:
    return None if value is None else read_id(value)


def report_from_fields(fields: list[Any]) -> Report:
    """The report :func:`report_fields` wrote."""
    report_id, received_at, text, channel, reporter, community, address, location, category = fields
    return _make_report(
        read_incident_id(report_id),
        read_time(received_at),
        read_string(text),
        CHANNELS[channel],
        read_optional_id(reporter),
        read_optional_id(community),
        None if address is None else read_string(address),
        None if location is None else GeoPoint(float(location[0]), float(location[1])),
        read_optional_id(category),
    )


def _assignment(fields: list[Any]) -> Assignment:
    assignee, role, due_at = fields
    if due_at is not None:
        return _make_assignment(read_id(assignee), ROLES[role], read_time(due_at))
    # The informed: the same few people over and over.
    found = _informed.get((assignee, role))
    if found is None:
        found = _remember(
            _informed, (assignee, role), _make_assignment(read_id(assignee), ROLES[role], None)
        )
    return found


def _ladder(steps: list[list[Any]]) -> tuple[EscalationStep, ...]:
    key = tuple(map(tuple, steps))
    found = _ladders.get(key)
    if found is None:
        ladder = tuple([_make_step(read_id(a), read_duration(after)) for a, after in steps])
        found = _remember(_ladders, key, ladder)
    return found


def read_flag(value: object) -> bool:
    if type(value) is not bool:
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def decision_from_fields(fields: list[Any]) -> Decision:
    """The decision :func:`decision_fields` wrote."""
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
        escalation,
        ack_within,
        reasons,
        needs_review,
        reporter_withheld,
        evidence,
        locate_method,
    ) = fields
    return _make_decision(
        read_incident_id(report_id),
        read_time(received_at),
        KINDS[kind],
        PRIORITIES[priority],
        read_optional_id(category),
        read_optional_id(community),
        read_optional_id(group),
        read_optional_id(zone),
        tuple([_assignment(a) for a in assignments]),
        _ladder(escalation),
        read_duration(ack_within),
        read_strings(reasons),
        read_flag(needs_review),
        read_flag(reporter_withheld),
        read_strings(evidence),
        read_id(locate_method),
        None,  # the explain() context: not part of the value
    )


# The writers: each event's fields in the order its reader takes them (tuples are written
# as arrays too). Enum values are read as ``_value_``, a plain attribute: ``.value`` runs
# Python code.


def report_fields(report: Report) -> list[Any]:
    """A report as the array :func:`report_from_fields` reads."""
    location = report.location
    return [
        report.id,
        write_time(report.received_at),
        report.text,
        report.channel._value_,
        report.reporter_id,
        report.community_id,
        report.address,
        None if location is None else (location.lon, location.lat),
        report.category,
    ]


def decision_fields(decision: Decision) -> list[Any]:
    """A decision as the array :func:`decision_from_fields` reads (without its explain()
    context)."""
    return [
        decision.report_id,
        write_time(decision.received_at),
        decision.kind._value_,
        decision.priority._value_,
        decision.category,
        decision.community_id,
        decision.group_id,
        decision.zone_id,
        [
            (a.assignee_id, a.role._value_, None if a.due_at is None else write_time(a.due_at))
            for a in decision.assignments
        ],
        [(s.assignee_id, s.after // MICROSECOND) for s in decision.escalation],
        decision.ack_within // MICROSECOND,
        decision.reasons,
        decision.needs_review,
        decision.reporter_withheld,
        decision.evidence,
        decision.locate_method,
    ]
