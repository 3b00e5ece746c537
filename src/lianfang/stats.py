"""Analytics over a desk's journal (统计分析): what came in, where it went, how fast.

Every function here is pure: it takes the desk's events (as :func:`read_events` returns
them from a journal, or ``(position, event)`` pairs as :meth:`Desk.history
<lianfang.desk.Desk.history>` gives them) and returns plain values. Events are folded
with the desk's own fold (:mod:`lianfang.incident`), so the figures agree with what the
desk shows.

Two units are counted, and each function says which:

- a **report** is what arrived (a call, a volunteer's message); a further report of an
  open matter is *linked* to it instead of opening a new incident;
- an **incident** is a matter being handled, with one or more reports.

``since`` and ``until`` (timezone-aware) cut by time: an incident counts when it was
opened at or after ``since`` and before ``until``, and only what happened to it before
``until`` counts — the journal as it stood at ``until``.

:func:`summary` gathers everything ``lianfang demo`` and ``lianfang stats`` print into
one frozen :class:`Summary`; :func:`render` writes it out in Chinese or English and
:meth:`Summary.to_dict` gives it as JSON-ready data.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from lianfang.directory import Directory
from lianfang.errors import InvalidValueError
from lianfang.events import (
    Event,
    FollowUpStep,
    HandedToAgency,
    IncidentEscalated,
    IncidentLinked,
    IncidentRouted,
    NotificationDelivered,
    NotificationFailed,
    ReportReceived,
    decode,
)
from lianfang.incident import Incident, IncidentState, apply, fold_opening
from lianfang.journal import Journal
from lianfang.model import Channel, Kind, Priority, Report, VolunteerRole, VolunteerStatus

__all__ = [
    "CATEGORY_CLASSES",
    "ClueOutcomes",
    "Escalations",
    "HandlerKind",
    "Operation",
    "Share",
    "Summary",
    "Timing",
    "ack_time_percentiles",
    "category_class",
    "clue_outcomes",
    "counts_by_category_class",
    "counts_by_channel",
    "counts_by_community",
    "counts_by_hour",
    "counts_by_kind",
    "counts_by_priority",
    "counts_by_zone",
    "diverted_share",
    "escalation_rate",
    "handlers",
    "incidents",
    "percentile",
    "read_events",
    "render",
    "resolution_time_percentiles",
    "summary",
    "volunteer_coverage",
]

Lang = Literal["zh", "en"]
Events = Iterable[Event | tuple[int, Event]]
"""Events in journal order, bare or as ``(position, event)`` pairs."""

CATEGORY_CLASSES: Mapping[str, tuple[str, str]] = {
    "1": ("刑事案件", "criminal cases"),
    "2": ("治安案件", "public-order cases"),
    "3": ("交通警情", "traffic"),
    "4": ("火灾与抢险救援", "fire and rescue"),
    "5": ("群众求助", "requests for help"),
    "6": ("社会联动", "social-service matters"),
    "7": ("群体性事件", "mass incidents"),
    "8": ("灾害事故", "disasters and accidents"),
    "9": ("举报线索", "reports and tip-offs"),
    "95": ("投诉监督", "complaints"),
    "98": ("咨询", "enquiries"),
    "99": ("无效报警", "invalid calls"),
    "none": ("未分类", "no category"),
}
"""Classes of the 110 category table, keyed by code prefix, with zh and en names."""


def category_class(code: str | None) -> str:
    """The class key of a category code: ``"200700"`` → ``"2"``, ``"950100"`` → ``"95"``."""
    if code is None:
        return "none"
    if code[:2] in CATEGORY_CLASSES:
        return code[:2]
    return code[:1] if code[:1] in CATEGORY_CLASSES else "none"


# --- reading -----------------------------------------------------------------------------


def read_events(journal: Journal, *, after: int = 0) -> list[Event]:
    """Every incident event of ``journal`` after position ``after``, decoded, in journal
    order; the volunteer network's events (:class:`~lianfang.events.NetworkEvent`) are left
    out."""
    return [
        event for stored in journal.read(after=after) if isinstance(event := decode(stored), Event)
    ]


@attrs.frozen
class _Case:
    """One incident as the statistics see it: the desk's fold plus what the fold forgets."""

    incident: Incident
    reports: tuple[Report, ...]  # the first report, then linked ones
    routed_owner: str  # who the first routing decision gave it to
    escalated_to: tuple[str, ...] = ()
    handed_to: tuple[str, ...] = ()


class _Tally:
    """One incident while the events are read: the fold so far, and what the fold forgets."""

    def __init__(self, incident: Incident, report: Report, routed_owner: str) -> None:
        self.incident = incident
        self.reports = [report]
        self.routed_owner = routed_owner
        self.escalated_to: list[str] = []
        self.handed_to: list[str] = []

    def add(self, event: Event) -> None:
        if isinstance(event, IncidentLinked):
            self.reports.append(event.report)
        elif isinstance(event, IncidentEscalated):
            self.escalated_to.append(event.to_id)
        elif isinstance(event, HandedToAgency):
            self.handed_to.append(event.agency_id)
        self.incident = apply(self.incident, event)

    def case(self) -> _Case:
        return _Case(
            self.incident,
            tuple(self.reports),
            self.routed_owner,
            tuple(self.escalated_to),
            tuple(self.handed_to),
        )


def _cases(events: Events, since: dt.datetime | None, until: dt.datetime | None) -> list[_Case]:
    _check_window(since, until)
    tallies: dict[str, _Tally] = {}
    pending: dict[str, ReportReceived] = {}
    for item in events:
        event = item[1] if isinstance(item, tuple) else item
        if not isinstance(event, Event):  # the volunteer network's events have no incident
            continue
        if until is not None and event.at >= until:
            continue
        if isinstance(event, ReportReceived):
            if since is None or event.at >= since:
                pending[event.incident_id] = event
        elif isinstance(event, IncidentRouted):
            received = pending.pop(event.incident_id, None)
            if received is not None:
                opened = fold_opening(received, event)
                tallies[opened.id] = _Tally(opened, received.report, event.decision.owner_id)
        elif isinstance(event, NotificationDelivered | NotificationFailed):
            continue  # the outbox's business, not the incident's
        elif event.incident_id in tallies:
            tallies[event.incident_id].add(event)
    return [tally.case() for tally in tallies.values()]


def _check_window(since: dt.datetime | None, until: dt.datetime | None) -> None:
    problems = [
        f"{name}: must be a timezone-aware datetime, got {value!r}"
        for name, value in (("since", since), ("until", until))
        if value is not None and (not isinstance(value, dt.datetime) or value.utcoffset() is None)
    ]
    if not problems and since is not None and until is not None and until <= since:
        problems.append(f"until: {until.isoformat()} is not after since {since.isoformat()}")
    if problems:
        raise InvalidValueError(problems)


def incidents(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> tuple[Incident, ...]:
    """The incidents the events open, folded as the desk folds them, in the order opened."""
    return tuple(case.incident for case in _cases(events, since, until))


# --- counts --------------------------------------------------------------------------------


def counts_by_kind(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[Kind, int]:
    """Reports per kind (a linked report counts under its incident's kind); every kind present."""
    return _by_kind(_cases(events, since, until))


def _by_kind(cases: Sequence[_Case]) -> dict[Kind, int]:
    counts = dict.fromkeys(Kind, 0)
    for case in cases:
        counts[case.incident.kind] += len(case.reports)
    return counts


def counts_by_priority(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[Priority, int]:
    """Reports per priority of their incident; every priority present."""
    return _by_priority(_cases(events, since, until))


def _by_priority(cases: Sequence[_Case]) -> dict[Priority, int]:
    counts = dict.fromkeys(Priority, 0)
    for case in cases:
        counts[case.incident.priority] += len(case.reports)
    return counts


def counts_by_category_class(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, int]:
    """Reports per class of their incident's category (keys of :data:`CATEGORY_CLASSES`),
    most first; classes with no reports are left out."""
    return _by_category_class(_cases(events, since, until))


def _by_category_class(cases: Sequence[_Case]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for case in cases:
        counts[category_class(case.incident.decision.category)] += len(case.reports)
    return dict(counts.most_common())


def counts_by_channel(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[Channel, int]:
    """Reports per channel they arrived by; channels with no reports are left out."""
    return _by_channel(_cases(events, since, until))


def _by_channel(cases: Sequence[_Case]) -> dict[Channel, int]:
    counts: Counter[Channel] = Counter()
    for case in cases:
        counts.update(report.channel for report in case.reports)
    return {channel: counts[channel] for channel in Channel if counts[channel]}


def counts_by_community(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str | None, int]:
    """Reports per community of their incident (``None``: place unknown), most first."""
    return _by_community(_cases(events, since, until))


def _by_community(cases: Sequence[_Case]) -> dict[str | None, int]:
    counts: Counter[str | None] = Counter()
    for case in cases:
        counts[case.incident.decision.community_id] += len(case.reports)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0] or "~")))


def counts_by_zone(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str | None, int]:
    """Reports per patrol zone of their incident (``None``: place unknown), most first."""
    return _by_zone(_cases(events, since, until))


def _by_zone(cases: Sequence[_Case]) -> dict[str | None, int]:
    counts: Counter[str | None] = Counter()
    for case in cases:
        counts[case.incident.decision.zone_id] += len(case.reports)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0] or "~")))


def counts_by_hour(
    events: Events,
    *,
    tz: dt.tzinfo | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[int, int]:
    """Reports per hour of the day they arrived (0–23, all present), in ``tz`` if given
    (else in each report's own offset)."""
    return _by_hour(_cases(events, since, until), tz)


def _by_hour(cases: Sequence[_Case], tz: dt.tzinfo | None) -> dict[int, int]:
    counts = dict.fromkeys(range(24), 0)
    for case in cases:
        for report in case.reports:
            at = report.received_at.astimezone(tz) if tz is not None else report.received_at
            counts[at.hour] += 1
    return counts


# --- who handled it --------------------------------------------------------------------------


@attrs.frozen
class Share:
    """``part`` out of ``whole``; :attr:`ratio` is 0 when ``whole`` is 0."""

    part: int
    whole: int

    @property
    def ratio(self) -> float:
        return self.part / self.whole if self.whole else 0.0


def diverted_share(
    events: Events,
    directory: Directory,
    *,
    channel: Channel | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Share:
    """Reports whose incident was routed to someone other than the 110 command center —
    kept off the 110 line — out of all reports (of ``channel`` only, if given)."""
    return _diverted(_cases(events, since, until), directory.command_center.id, channel)


def _diverted(cases: Sequence[_Case], center_id: str, channel: Channel | None) -> Share:
    part = whole = 0
    for case in cases:
        count = sum(1 for r in case.reports if channel is None or r.channel is channel)
        whole += count
        if case.routed_owner != center_id:
            part += count
    return Share(part, whole)


class HandlerKind(enum.Enum):
    """Who an assignee is, as far as the statistics are concerned."""

    LIAISON_OFFICER = "liaison_officer"  # 挂钩民警 of the incident's community
    OFFICER = "officer"  # other police: group officers, zone leaders
    CADRE = "cadre"  # community cadres and other volunteers
    AGENCY = "agency"  # 联动单位
    COMMAND_CENTER = "command_center"  # 110指挥中心
    OTHER = "other"  # not in the directory


class _Roles:
    """Who is who in a directory, prepared once per statistics call."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.officers = frozenset(o.id for o in directory.officers)
        self.volunteers = frozenset(v.id for v in directory.volunteers)
        self.agencies = frozenset(a.id for a in directory.agencies)

    def kind_of(self, assignee_id: str, community_id: str | None) -> HandlerKind:
        directory = self.directory
        if assignee_id == directory.command_center.id:
            return HandlerKind.COMMAND_CENTER
        if assignee_id in self.officers:
            linked = (
                community_id is not None
                and directory.has_community(community_id)
                and assignee_id in directory.community(community_id).liaison_officer_ids
            )
            return HandlerKind.LIAISON_OFFICER if linked else HandlerKind.OFFICER
        if assignee_id in self.volunteers:
            return HandlerKind.CADRE
        if assignee_id in self.agencies:
            return HandlerKind.AGENCY
        return HandlerKind.OTHER


def handlers(
    events: Events,
    directory: Directory,
    *,
    at_routing: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[HandlerKind, int]:
    """Incidents per kind of handler: the owner at resolution (or now, if still open),
    or with ``at_routing`` the owner the router chose. Every kind present."""
    return _handlers(_cases(events, since, until), directory, at_routing=at_routing)


def _handlers(
    cases: Sequence[_Case], directory: Directory, *, at_routing: bool
) -> dict[HandlerKind, int]:
    roles = _Roles(directory)
    counts = dict.fromkeys(HandlerKind, 0)
    for case in cases:
        owner = case.routed_owner if at_routing else case.incident.owner_id
        counts[roles.kind_of(owner, case.incident.decision.community_id)] += 1
    return counts


# --- how fast ----------------------------------------------------------------------------------


@attrs.frozen
class Timing:
    """Durations of ``count`` incidents: percentiles (``{50: median, 90: …}``) and, for
    acknowledgements, how many met their own deadline and the usual deadline."""

    count: int
    percentiles: Mapping[int, dt.timedelta]
    on_time: int | None = None
    deadline: dt.timedelta | None = None

    @property
    def median(self) -> dt.timedelta | None:
        return self.percentiles.get(50)

    @property
    def on_time_share(self) -> Share | None:
        return None if self.on_time is None else Share(self.on_time, self.count)


def percentile(values: Sequence[dt.timedelta], percent: float) -> dt.timedelta:
    """The ``percent`` percentile of sorted ``values``, interpolating between neighbours
    (``percentile([1, 2, 3, 4], 50)`` is 2.5)."""
    if not values:
        raise InvalidValueError(["values: a percentile of nothing is undefined"])
    rank = (len(values) - 1) * percent / 100
    low = math.floor(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def _timing(
    durations: Sequence[dt.timedelta],
    percents: Sequence[int],
    on_time: int | None = None,
    deadlines: Sequence[dt.timedelta] = (),
) -> Timing:
    ordered = sorted(durations)
    found = {p: percentile(ordered, p) for p in percents} if ordered else {}
    usual = Counter(deadlines).most_common(1)[0][0] if deadlines else None
    return Timing(len(ordered), found, on_time, usual)


def ack_time_percentiles(
    events: Events,
    *,
    percentiles: Sequence[int] = (50, 90),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[Priority, Timing]:
    """Receipt to acknowledgement, per priority, over acknowledged incidents; ``on_time``
    counts those acknowledged by the first owner's deadline, ``deadline`` is the most
    common acknowledgement window. Every priority present."""
    return _ack_times(_cases(events, since, until), percentiles)


def _ack_times(cases: Sequence[_Case], percents: Sequence[int]) -> dict[Priority, Timing]:
    grouped: dict[Priority, list[Incident]] = {p: [] for p in Priority}
    for case in cases:
        if case.incident.acknowledged_at is not None:
            grouped[case.incident.priority].append(case.incident)
    out = {}
    for priority, found in grouped.items():
        durations = [i.acknowledged_at - i.opened_at for i in found if i.acknowledged_at]
        on_time = sum(
            1
            for i in found
            if i.acknowledged_at is not None and i.acknowledged_at <= i.decision.due_at
        )
        out[priority] = _timing(
            durations, percents, on_time, [i.decision.ack_within for i in found]
        )
    return out


def resolution_time_percentiles(
    events: Events,
    *,
    percentiles: Sequence[int] = (50, 90),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[Priority, Timing]:
    """Receipt to resolution, per priority, over resolved incidents. Every priority present."""
    return _resolution_times(_cases(events, since, until), percentiles)


def _resolution_times(cases: Sequence[_Case], percents: Sequence[int]) -> dict[Priority, Timing]:
    grouped: dict[Priority, list[dt.timedelta]] = {p: [] for p in Priority}
    for case in cases:
        incident = case.incident
        if incident.resolved_at is not None:
            grouped[incident.priority].append(incident.resolved_at - incident.opened_at)
    return {priority: _timing(found, percents) for priority, found in grouped.items()}


@attrs.frozen
class Escalations:
    """How often the ladder climbed: ``escalated`` of ``incidents`` climbed at least once,
    ``steps`` climbs in all, ``to_top`` incidents reached the last rung (the command center)."""

    incidents: int
    escalated: int
    steps: int
    to_top: int

    @property
    def rate(self) -> float:
        """The share of incidents that were escalated at least once."""
        return self.escalated / self.incidents if self.incidents else 0.0


def escalation_rate(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Escalations:
    """How many incidents missed a deadline and climbed the ladder, and how far."""
    return _escalations(_cases(events, since, until))


def _escalations(cases: Sequence[_Case]) -> Escalations:
    escalated = steps = to_top = 0
    for case in cases:
        if case.escalated_to:
            escalated += 1
            steps += len(case.escalated_to)
            ladder = case.incident.decision.escalation
            if ladder and ladder[-1].assignee_id in case.escalated_to:
                to_top += 1
    return Escalations(len(cases), escalated, steps, to_top)


# --- what came of clues ------------------------------------------------------------------------


@attrs.frozen
class Operation:
    """A clue that led to a joint operation, with its timeline and figures."""

    incident_id: str
    community_id: str | None
    reports: int
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    steps: tuple[tuple[FollowUpStep, dt.datetime, str], ...]
    outcome: str | None
    people_dealt_with: int
    money_seized_yuan: float


@attrs.frozen
class ClueOutcomes:
    """Clues from report to result: how many were followed up (per step), resolved,
    confirmed (resolved with figures), and the totals of people dealt with and money seized."""

    reports: int
    clues: int
    acknowledged: int
    followed_up: Mapping[FollowUpStep, int]  # clues with at least one step of the kind
    resolved: int
    confirmed: int
    people_dealt_with: int
    money_seized_yuan: float
    operations: tuple[Operation, ...]


def clue_outcomes(
    events: Events, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> ClueOutcomes:
    """What came of the clues: follow-ups, resolutions and the figures of operations."""
    return _clue_outcomes(_cases(events, since, until))


def _clue_outcomes(cases: Sequence[_Case]) -> ClueOutcomes:
    clues = [case for case in cases if case.incident.kind is Kind.CLUE]
    followed = dict.fromkeys(FollowUpStep, 0)
    operations = []
    people = 0
    money = 0.0
    confirmed = 0
    for case in clues:
        incident = case.incident
        steps = tuple((FollowUpStep(f.step), f.at, f.note) for f in incident.follow_ups)
        for step in {s for s, _, _ in steps}:
            followed[step] += 1
        figures = incident.figures
        if incident.state is IncidentState.RESOLVED and figures is not None:
            if figures.people_dealt_with or figures.money_seized_yuan:
                confirmed += 1
            people += figures.people_dealt_with
            money += figures.money_seized_yuan
        if any(s is FollowUpStep.JOINT_OPERATION for s, _, _ in steps):
            operations.append(
                Operation(
                    incident_id=incident.id,
                    community_id=incident.decision.community_id,
                    reports=len(case.reports),
                    opened_at=incident.opened_at,
                    resolved_at=incident.resolved_at,
                    steps=steps,
                    outcome=incident.outcome,
                    people_dealt_with=figures.people_dealt_with if figures else 0,
                    money_seized_yuan=figures.money_seized_yuan if figures else 0.0,
                )
            )
    return ClueOutcomes(
        reports=sum(len(case.reports) for case in clues),
        clues=len(clues),
        acknowledged=sum(1 for case in clues if case.incident.acknowledged_at is not None),
        followed_up=followed,
        resolved=sum(1 for case in clues if case.incident.state is IncidentState.RESOLVED),
        confirmed=confirmed,
        people_dealt_with=people,
        money_seized_yuan=money,
        operations=tuple(operations),
    )


# --- the organisation ----------------------------------------------------------------------------


def volunteer_coverage(directory: Directory) -> dict[str, dict[VolunteerRole, int]]:
    """Active volunteers per community (directory order) and role (every role present)."""
    coverage = {c.id: dict.fromkeys(VolunteerRole, 0) for c in directory.communities}
    for volunteer in directory.volunteers:
        if volunteer.status is VolunteerStatus.ACTIVE:
            coverage[volunteer.community_id][volunteer.role] += 1
    return coverage


# --- the summary ----------------------------------------------------------------------


@attrs.frozen(eq=True, hash=False)
class Summary:
    """Everything ``lianfang demo`` and ``lianfang stats`` print, as one value.

    Counts of reports: ``reports``, ``by_kind``, ``by_priority``, ``by_category_class``,
    ``by_channel``, ``by_hour``, ``by_zone``, ``busiest_communities``, ``diverted`` and
    ``diverted_110`` (reports by phone to 110 only). Counts of incidents: ``incidents``,
    ``routed_to``, ``handled_by``, ``handed_to_agency``, ``ack``, ``resolution``,
    ``resolved``, ``escalations``, ``satisfaction`` (score → callbacks), ``clues``.
    ``coverage`` and ``names`` come from the directory.
    """

    directory_name: str
    since: dt.datetime | None
    until: dt.datetime | None
    first_report_at: dt.datetime | None
    last_report_at: dt.datetime | None
    reports: int
    incidents: int
    by_kind: Mapping[Kind, int]
    by_priority: Mapping[Priority, int]
    by_category_class: Mapping[str, int]
    by_channel: Mapping[Channel, int]
    by_hour: Mapping[int, int]
    by_zone: Mapping[str | None, int]
    busiest_communities: tuple[tuple[str | None, int], ...]
    diverted: Share
    diverted_110: Share
    routed_to: Mapping[HandlerKind, int]
    handled_by: Mapping[HandlerKind, int]
    handed_to_agency: int
    ack: Mapping[Priority, Timing]
    resolution: Mapping[Priority, Timing]
    resolved: Share
    escalations: Escalations
    satisfaction: Mapping[int, int]
    clues: ClueOutcomes
    coverage: Mapping[str, Mapping[VolunteerRole, int]]
    names: Mapping[str, str]

    @property
    def linked(self) -> int:
        """Reports that joined an open incident instead of opening one."""
        return self.reports - self.incidents

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data: enum values as keys, durations in seconds,
        times as ISO 8601, unknown places as ``"unknown"``."""

        def share(s: Share) -> dict[str, Any]:
            return {"part": s.part, "whole": s.whole, "ratio": round(s.ratio, 4)}

        def timing(t: Timing) -> dict[str, Any]:
            out: dict[str, Any] = {
                "count": t.count,
                "percentiles_s": {str(p): v.total_seconds() for p, v in t.percentiles.items()},
            }
            if t.on_time is not None:
                out["on_time"] = t.on_time
            if t.deadline is not None:
                out["deadline_s"] = t.deadline.total_seconds()
            return out

        def place(key: str | None) -> str:
            return key if key is not None else "unknown"

        clues = self.clues
        return {
            "directory": self.directory_name,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "first_report_at": _iso(self.first_report_at),
            "last_report_at": _iso(self.last_report_at),
            "reports": self.reports,
            "incidents": self.incidents,
            "linked_reports": self.linked,
            "by_kind": {k.value: n for k, n in self.by_kind.items()},
            "by_priority": {p.value: n for p, n in self.by_priority.items()},
            "by_category_class": dict(self.by_category_class),
            "by_channel": {c.value: n for c, n in self.by_channel.items()},
            "by_hour": {str(h): n for h, n in self.by_hour.items()},
            "by_zone": {place(z): n for z, n in self.by_zone.items()},
            "busiest_communities": [[place(c), n] for c, n in self.busiest_communities],
            "diverted": share(self.diverted),
            "diverted_110": share(self.diverted_110),
            "routed_to": {h.value: n for h, n in self.routed_to.items()},
            "handled_by": {h.value: n for h, n in self.handled_by.items()},
            "handed_to_agency": self.handed_to_agency,
            "ack": {p.value: timing(t) for p, t in self.ack.items()},
            "resolution": {p.value: timing(t) for p, t in self.resolution.items()},
            "resolved": share(self.resolved),
            "escalations": {
                "incidents": self.escalations.incidents,
                "escalated": self.escalations.escalated,
                "steps": self.escalations.steps,
                "to_top": self.escalations.to_top,
                "rate": round(self.escalations.rate, 4),
            },
            "satisfaction": {str(score): n for score, n in self.satisfaction.items()},
            "clues": {
                "reports": clues.reports,
                "clues": clues.clues,
                "acknowledged": clues.acknowledged,
                "followed_up": {s.value: n for s, n in clues.followed_up.items()},
                "resolved": clues.resolved,
                "confirmed": clues.confirmed,
                "people_dealt_with": clues.people_dealt_with,
                "money_seized_yuan": clues.money_seized_yuan,
                "operations": [
                    {
                        "incident_id": op.incident_id,
                        "community_id": op.community_id,
                        "reports": op.reports,
                        "opened_at": _iso(op.opened_at),
                        "resolved_at": _iso(op.resolved_at),
                        "steps": [
                            {"step": step.value, "at": _iso(at), "note": note}
                            for step, at, note in op.steps
                        ],
                        "outcome": op.outcome,
                        "people_dealt_with": op.people_dealt_with,
                        "money_seized_yuan": op.money_seized_yuan,
                    }
                    for op in clues.operations
                ],
            },
            "coverage": {
                community: {role.value: n for role, n in roles.items()}
                for community, roles in self.coverage.items()
            },
            "names": dict(self.names),
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def summary(
    events: Events,
    directory: Directory,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    top: int = 5,
    percentiles: Sequence[int] = (50, 90),
) -> Summary:
    """Fold the events once and compute every figure the demo prints (``top``: how many
    of the busiest communities to keep)."""
    cases = _cases(events, since, until)
    center = directory.command_center.id
    received = [report.received_at for case in cases for report in case.reports]
    scores: Counter[int] = Counter(
        c.incident.satisfaction for c in cases if c.incident.satisfaction is not None
    )
    names: dict[str, str] = {center: directory.command_center.name}
    names.update({z.id: z.name for z in directory.zones})
    names.update({c.id: c.name for c in directory.communities})
    communities = _by_community(cases)
    return Summary(
        directory_name=directory.name,
        since=since,
        until=until,
        first_report_at=min(received, default=None),
        last_report_at=max(received, default=None),
        reports=len(received),
        incidents=len(cases),
        by_kind=_by_kind(cases),
        by_priority=_by_priority(cases),
        by_category_class=_by_category_class(cases),
        by_channel=_by_channel(cases),
        by_hour=_by_hour(cases, directory.tz),
        by_zone=_by_zone(cases),
        busiest_communities=tuple([(c, n) for c, n in communities.items() if c][:top]),
        diverted=_diverted(cases, center, None),
        diverted_110=_diverted(cases, center, Channel.PHONE_110),
        routed_to=_handlers(cases, directory, at_routing=True),
        handled_by=_handlers(cases, directory, at_routing=False),
        handed_to_agency=sum(1 for case in cases if case.handed_to),
        ack=_ack_times(cases, percentiles),
        resolution=_resolution_times(cases, percentiles),
        resolved=Share(
            sum(1 for case in cases if case.incident.state is IncidentState.RESOLVED), len(cases)
        ),
        escalations=_escalations(cases),
        satisfaction={score: scores[score] for score in range(1, 6)},
        clues=_clue_outcomes(cases),
        coverage=volunteer_coverage(directory),
        names=names,
    )


# --- rendering -----------------------------------------------------------------------------------

_KIND_NAMES: Mapping[Kind, tuple[str, str]] = {
    Kind.EMERGENCY: ("紧急警情", "emergencies"),
    Kind.NON_EMERGENCY: ("非紧急求助", "non-emergencies"),
    Kind.CLUE: ("线索", "clues"),
    Kind.INFO: ("咨询", "information requests"),
}
_CHANNEL_NAMES: Mapping[Channel, tuple[str, str]] = {
    Channel.PHONE_110: ("110电话", "110 calls"),
    Channel.VOLUNTEER: ("志愿者群", "volunteer group"),
    Channel.APP: ("小程序", "app"),
    Channel.WALK_IN: ("来所", "walk-in"),
    Channel.PATROL: ("巡逻发现", "patrol"),
    Channel.CHECK_IN: ("报备", "check-in"),
}
_HANDLER_NAMES: Mapping[HandlerKind, tuple[str, str]] = {
    HandlerKind.LIAISON_OFFICER: ("挂钩民警", "liaison officers"),
    HandlerKind.OFFICER: ("其他民警", "other officers"),
    HandlerKind.CADRE: ("社区干部", "community cadres"),
    HandlerKind.AGENCY: ("联动单位", "partner agencies"),
    HandlerKind.COMMAND_CENTER: ("110指挥中心", "110 command center"),
    HandlerKind.OTHER: ("其他", "others"),
}
_STEP_NAMES: Mapping[FollowUpStep, tuple[str, str]] = {
    FollowUpStep.VERIFICATION: ("核查", "verified"),
    FollowUpStep.STAKE_OUT: ("蹲守", "staked out"),
    FollowUpStep.JOINT_OPERATION: ("联合行动", "joint operation"),
    FollowUpStep.OTHER: ("其他跟进", "other follow-up"),
}
_ROLE_NAMES: Mapping[VolunteerRole, tuple[str, str]] = {
    VolunteerRole.COMMUNITY_CADRE: ("干部", "cadre"),
    VolunteerRole.INTERNAL_SECURITY: ("内保", "in-house"),
    VolunteerRole.PROPERTY_MANAGER: ("物业", "property"),
    VolunteerRole.SECURITY_GUARD: ("保安", "guard"),
    VolunteerRole.SHOP_OWNER: ("店主", "shop"),
    VolunteerRole.OTHER: ("其他", "other"),
}
_BARS = " ▁▂▃▄▅▆▇█"


def render(summary: Summary, lang: Lang = "zh") -> str:
    """The summary as text in Chinese (``"zh"``) or English (``"en"``)."""
    return "\n".join(_Renderer(summary, lang).lines()) + "\n"


class _Renderer:
    def __init__(self, summary: Summary, lang: Lang) -> None:
        if lang not in ("zh", "en"):
            raise InvalidValueError([f"lang: must be 'zh' or 'en', not {lang!r}"])
        self.s = summary
        self.zh = lang == "zh"
        self.sep = " · "

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.zh else pair[1]

    def name(self, key: str | None) -> str:
        if key is None:
            return self.t("地点不明", "place unknown")
        return self.s.names.get(key, key)

    def duration(self, value: dt.timedelta | None) -> str:
        if value is None:
            return "—"
        seconds = value.total_seconds()
        if seconds < 120:
            return f"{seconds:.0f} 秒" if self.zh else f"{seconds:.0f} s"
        if seconds < 2 * 3600:
            return f"{seconds / 60:.1f} 分钟" if self.zh else f"{seconds / 60:.1f} min"
        if seconds < 2 * 86400:
            return f"{seconds / 3600:.1f} 小时" if self.zh else f"{seconds / 3600:.1f} h"
        return f"{seconds / 86400:.1f} 天" if self.zh else f"{seconds / 86400:.1f} days"

    def percent(self, share: Share | float) -> str:
        ratio = share.ratio if isinstance(share, Share) else share
        return f"{ratio * 100:.1f}%"

    def lines(self) -> list[str]:
        out: list[str] = []
        for section in (
            self.header,
            self.kinds,
            self.diversion,
            self.timing,
            self.clues,
            self.places,
            self.coverage,
        ):
            out.extend(section())
            out.append("")
        while out and not out[-1]:
            out.pop()
        return out

    def header(self) -> list[str]:
        s = self.s
        first, last = s.since or s.first_report_at, s.until or s.last_report_at
        period = ""
        if first is not None and last is not None:
            period = f"{first:%Y-%m-%d} — {last:%Y-%m-%d}"
        return [
            f"{s.directory_name}  {period}".rstrip(),
            self.t(
                f"报告 {s.reports:,} 件，事项 {s.incidents:,} 件"
                f"（重复报告并入已有事项 {s.linked:,} 件）",
                f"{s.reports:,} reports, {s.incidents:,} incidents "
                f"({s.linked:,} further reports joined an open incident)",
            ),
        ]

    def kinds(self) -> list[str]:
        s = self.s
        total = max(1, s.reports)
        out = [self.t("按类别（报告）", "By kind (reports)")]
        for kind, count in s.by_kind.items():
            label = _cell(self.pick(_KIND_NAMES[kind]), 12 if self.zh else 22, right=False)
            out.append(f"  {label}{count:>7,}  {count / total:6.1%}")
        out.append(
            self.t("按优先级：", "By priority: ")
            + self.sep.join(f"{p.value} {n:,}" for p, n in s.by_priority.items())
        )
        out.append(
            self.t("按来源：", "By channel: ")
            + self.sep.join(
                f"{self.pick(_CHANNEL_NAMES[c])} {n:,}" for c, n in s.by_channel.items()
            )
        )
        out.append(
            self.t("按警情大类：", "By category class: ")
            + self.sep.join(
                f"{self.pick(CATEGORY_CLASSES.get(k, (k, k)))} {n:,}"
                for k, n in s.by_category_class.items()
            )
        )
        return out

    def diversion(self) -> list[str]:
        s = self.s
        return [
            self.t(
                f"未占用110指挥中心：{s.diverted.part:,} / {s.diverted.whole:,} 件报告"
                f"（{self.percent(s.diverted)}）；其中110来电 {s.diverted_110.part:,} / "
                f"{s.diverted_110.whole:,}（{self.percent(s.diverted_110)}）转由社区力量办理",
                f"Kept off the 110 command center: {s.diverted.part:,} of {s.diverted.whole:,} "
                f"reports ({self.percent(s.diverted)}); of the 110 calls, "
                f"{s.diverted_110.part:,} of {s.diverted_110.whole:,} "
                f"({self.percent(s.diverted_110)}) went to the community network",
            ),
            self.t("  分派给（事项）：", "  Routed to (incidents): ")
            + self.handler_line(s.routed_to),
            self.t("  最终办理（事项）：", "  Handled by (incidents): ")
            + self.handler_line(s.handled_by),
            self.t(
                f"  民警签收后移交联动单位：{s.handed_to_agency:,} 件",
                f"  Handed to a partner agency after acknowledgement: {s.handed_to_agency:,}",
            ),
        ]

    def handler_line(self, counts: Mapping[HandlerKind, int]) -> str:
        return self.sep.join(
            f"{self.pick(_HANDLER_NAMES[h])} {n:,}" for h, n in counts.items() if n
        )

    def timing(self) -> list[str]:
        s = self.s
        widths = (8, 7, 10, 10, 10, 10)
        header = (
            ("优先级", "件数", "中位数", "90%", "时限", "按时签收")
            if self.zh
            else ("priority", "count", "median", "90%", "deadline", "on time")
        )
        out = [
            self.t("签收用时（事项）", "Time to acknowledge (incidents)"),
            "  "
            + "".join(
                _cell(h, w, right=i > 0)
                for i, (h, w) in enumerate(zip(header, widths, strict=True))
            ),
        ]
        for priority, t in s.ack.items():
            if not t.count:
                continue
            share = t.on_time_share
            cells = (
                priority.value,
                f"{t.count:,}",
                self.duration(t.median),
                self.duration(t.percentiles.get(90)),
                self.duration(t.deadline),
                self.percent(share) if share else "—",
            )
            out.append(
                "  "
                + "".join(
                    _cell(c, w, right=i > 0)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
        e = s.escalations
        out.append(
            self.t(
                f"逾期升级：{e.escalated:,} 件事项（{self.percent(e.rate)}），"
                f"共升级 {e.steps:,} 次，"
                f"{e.to_top:,} 件升至最后一级（110指挥中心）",
                f"Escalated for a missed deadline: {e.escalated:,} incidents "
                f"({self.percent(e.rate)}), {e.steps:,} steps up the ladder, "
                f"{e.to_top:,} up to the last rung (the command center)",
            )
        )
        resolved_all = [d for t in s.resolution.values() for d in ([t.median] if t.median else [])]
        out.append(
            self.t(
                f"办结：{s.resolved.part:,} / {s.resolved.whole:,}"
                f"（{self.percent(s.resolved)}）；办结用时中位数 ",
                f"Resolved: {s.resolved.part:,} of {s.resolved.whole:,} "
                f"({self.percent(s.resolved)}); median time to resolve ",
            )
            + self.sep.join(
                f"{p.value} {self.duration(t.median)}" for p, t in s.resolution.items() if t.count
            )
            if resolved_all or s.resolved.whole
            else ""
        )
        callbacks = sum(s.satisfaction.values())
        if callbacks:
            mean = sum(score * n for score, n in s.satisfaction.items()) / callbacks
            out.append(
                self.t(
                    f"回访：{callbacks:,} 次，平均满意度 {mean:.2f} / 5",
                    f"Callbacks: {callbacks:,}, mean satisfaction {mean:.2f} of 5",
                )
            )
        return out

    def clues(self) -> list[str]:
        c = self.s.clues
        steps = self.sep.join(
            f"{self.pick(_STEP_NAMES[step])} {n:,}"
            for step, n in c.followed_up.items()
            if n and step is not FollowUpStep.OTHER
        )
        out = [
            self.t(
                f"线索：{c.reports:,} 条报告，{c.clues:,} 件事项 → 签收 {c.acknowledged:,} → "
                f"{steps or '无跟进'} → 办结 {c.resolved:,}（查实 {c.confirmed:,}）",
                f"Clues: {c.reports:,} reports, {c.clues:,} incidents → "
                f"acknowledged {c.acknowledged:,} → "
                f"{steps or 'no follow-ups'} → resolved {c.resolved:,} ({c.confirmed:,} confirmed)",
            ),
            self.t(
                f"  查处 {c.people_dealt_with:,} 人，收缴 ¥{c.money_seized_yuan:,.0f}",
                f"  {c.people_dealt_with:,} people dealt with, ¥{c.money_seized_yuan:,.0f} seized",
            ),
        ]
        for op in c.operations:
            out.append(
                self.t(
                    f"  联合行动：{self.name(op.community_id)}，"
                    f"事项 {op.incident_id}（{op.reports} 条报告）",
                    f"  Joint operation: {self.name(op.community_id)}, incident {op.incident_id} "
                    f"({op.reports} report{'' if op.reports == 1 else 's'})",
                )
            )
            out.append(f"    {op.opened_at:%m-%d %H:%M} " + self.t("收到线索", "clue received"))
            for step, at, note in op.steps:
                out.append(
                    f"    {at:%m-%d %H:%M} {self.pick(_STEP_NAMES[step])}：{note}"
                    if self.zh
                    else f"    {at:%m-%d %H:%M} {self.pick(_STEP_NAMES[step])}: {note}"
                )
            if op.resolved_at is not None:
                out.append(
                    f"    {op.resolved_at:%m-%d %H:%M} "
                    + self.t(
                        f"办结：{op.outcome}（查处 {op.people_dealt_with} 人，"
                        f"收缴 ¥{op.money_seized_yuan:,.0f}）",
                        f"resolved: {op.outcome} ({op.people_dealt_with} people, "
                        f"¥{op.money_seized_yuan:,.0f} seized)",
                    )
                )
        return out

    def places(self) -> list[str]:
        s = self.s
        out = [
            self.t("最忙的社区：", "Busiest communities: ")
            + self.sep.join(f"{self.name(c)} {n:,}" for c, n in s.busiest_communities),
            self.t("按巡区：", "By patrol zone: ")
            + self.sep.join(f"{self.name(z)} {n:,}" for z, n in s.by_zone.items()),
        ]
        peak = max(s.by_hour.values(), default=0)
        if peak:
            bars = "".join(
                _BARS[min(len(_BARS) - 1, math.ceil(n / peak * (len(_BARS) - 1)))]
                for n in s.by_hour.values()
            )
            busiest = max(s.by_hour, key=lambda h: s.by_hour[h])
            out.append(
                self.t("按时段（0–23 时）：", "By hour (0–23): ")
                + f"|{bars}| "
                + self.t(f"高峰 {busiest}–{busiest + 1} 时", f"peak {busiest}:00–{busiest + 1}:00")
            )
        return out

    def coverage(self) -> list[str]:
        s = self.s
        totals = dict.fromkeys(VolunteerRole, 0)
        for roles in s.coverage.values():
            for role, n in roles.items():
                totals[role] += n
        out = [
            self.t(
                f"志愿者覆盖（在册活跃 {sum(totals.values()):,} 名）：",
                f"Volunteer coverage ({sum(totals.values()):,} active): ",
            )
            + self.sep.join(f"{self.pick(_ROLE_NAMES[r])} {n:,}" for r, n in totals.items())
        ]
        width = max((_width(self.name(c)) for c in s.coverage), default=0)
        column = 7 if self.zh else 10
        header = "".join(_cell(self.pick(_ROLE_NAMES[r]), column) for r in VolunteerRole)
        out.append("  " + " " * width + _cell(self.t("合计", "all"), column) + header)
        for community, roles in s.coverage.items():
            cells = "".join(_cell(str(n), column) for n in roles.values())
            total = _cell(str(sum(roles.values())), column)
            out.append("  " + _cell(self.name(community), width, right=False) + total + cells)
        return out


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell(text: str, width: int, *, right: bool = True) -> str:
    """``text`` padded to ``width`` display columns."""
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap
