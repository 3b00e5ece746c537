"""Routing (分流): from a report to a decision — kind, place, who owns it, by when, and who next.

:class:`Router` is built once per directory and policy and then answers
:meth:`Router.route` as a pure function of the report (and an optional load map):
the same directory, policy and report always give the same :class:`Decision`.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from lianfang import codec
from lianfang.builders import trusted
from lianfang.directory import Directory
from lianfang.duty import DutyRoll
from lianfang.errors import InvalidValueError
from lianfang.gazetteer import fold
from lianfang.locate import LOCATE_REASONS, Locator, Place
from lianfang.memo import Memo
from lianfang.model import Community, Kind, Priority, Report, VolunteerStatus
from lianfang.policy import Policy, default_policy
from lianfang.triage import Classifier, Triage, place_marks, triager

__all__ = [
    "ROUTE_REASONS",
    "Assignment",
    "AssignmentRole",
    "Decision",
    "EscalationStep",
    "Router",
]

Lang = Literal["zh", "en"]


class AssignmentRole(enum.Enum):
    """What an assignment asks of its assignee."""

    OWNER = "owner"  # 负责: must acknowledge by ``due_at`` and see it through
    ASSIST = "assist"  # 协助
    NOTIFIED = "notified"  # 知悉: told, nothing owed


@attrs.frozen(weakref_slot=False)  # see lianfang.builders
class Assignment:
    """One person or body a decision involves. The first assignment of a decision owns it."""

    assignee_id: str
    role: AssignmentRole
    due_at: dt.datetime | None = None


@attrs.frozen(weakref_slot=False)  # see lianfang.builders
class EscalationStep:
    """Who takes over if the incident is still unacknowledged ``after`` its receipt."""

    assignee_id: str
    after: dt.timedelta


# Readable labels for the routing reasons (triage reasons are labelled by the policy,
# locate reasons by lianfang.locate).
ROUTE_REASONS: dict[str, tuple[str, str]] = {
    "route.emergency": (
        "紧急警情由110指挥中心负责，巡区在岗民警同步知悉",
        "emergencies go to the 110 command center; "
        "on-duty patrol officers of the area are notified",
    ),
    "route.unknown_place": (
        "地点不明，交110指挥中心处置",
        "the place is unknown, so the 110 command center takes it",
    ),
    "route.agency": (
        "非警务事项，交由对口联动单位办理，社区干部知悉",
        "a non-police matter for the partner agency that handles its category; "
        "the community cadre is informed",
    ),
    "route.cadre": (
        "非警务事项，由社区干部协调处理，挂钩民警知悉",
        "a non-police matter for the community cadre; the liaison officer is informed",
    ),
    "route.liaison": ("由社区挂钩民警负责", "the community's liaison officer owns it"),
    "route.clue": (
        "线索交挂钩民警核查，巡区负责领导知悉，报告人身份保密",
        "a clue for the liaison officer to verify, with the zone leader informed; "
        "the reporter's identity is withheld",
    ),
    "route.info": (
        "咨询类事项，登记后由挂钩民警答复",
        "an information request, logged and answered by the liaison officer",
    ),
    "route.off_duty": (
        "挂钩民警不在岗，改派巡组在岗民警",
        "the liaison officer is off duty, so an on-duty officer of the patrol group takes it",
    ),
    "route.at_capacity": (
        "有人员在办事项已满，顺延他人",
        "someone was at capacity and was passed over",
    ),
    "route.neighbour_group": (
        "本巡组无人在岗，改派同巡区相邻巡组",
        "nobody of the patrol group is on duty, so a neighbouring group of the zone takes it",
    ),
    "route.zone_leader": (
        "巡区无可派民警，由巡区负责领导负责",
        "no officer of the zone is available, so the zone leader takes it",
    ),
    "triage.manual": ("值班人员人工改判类别", "a person changed the kind by hand"),
    "route.needs_review": ("需要人工复核", "needs a human review"),
    "route.danger_in_place_name": (
        "危险词只出现在地名中（如“火烧坪村”），仍按紧急处理，请人工复核",
        "the danger words are only in a place name (such as 火烧坪村): still an emergency, "
        "for review",
    ),
}

# The priority a person's re-triage gets when they name only a kind.
_MANUAL_PRIORITY = {
    Kind.EMERGENCY: Priority.P1,
    Kind.CLUE: Priority.P3,
    Kind.NON_EMERGENCY: Priority.P3,
    Kind.INFO: Priority.P4,
}

_KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.EMERGENCY: ("紧急警情", "an emergency"),
    Kind.NON_EMERGENCY: ("非紧急求助", "a non-emergency request"),
    Kind.CLUE: ("线索", "a clue"),
    Kind.INFO: ("咨询/信息", "an information request"),
}
_ROLE_LABELS: dict[AssignmentRole, tuple[str, str]] = {
    AssignmentRole.OWNER: ("负责", "owns it"),
    AssignmentRole.ASSIST: ("协助", "assists"),
    AssignmentRole.NOTIFIED: ("知悉", "is informed"),
}


@attrs.frozen(weakref_slot=False)  # see lianfang.builders
class Decision:
    """The router's answer for one report.

    ``assignments[0]`` owns the matter and must acknowledge by its ``due_at``; the
    ``escalation`` ladder says who takes over if nobody does, ending at the command
    center. ``reasons`` lists the id of every rule that fired, in order; :meth:`explain`
    tells the same story in sentences.
    """

    report_id: str
    received_at: dt.datetime
    kind: Kind
    priority: Priority
    category: str | None
    community_id: str | None
    group_id: str | None
    zone_id: str | None
    assignments: tuple[Assignment, ...]
    escalation: tuple[EscalationStep, ...]
    ack_within: dt.timedelta
    reasons: tuple[str, ...]
    needs_review: bool = False
    reporter_withheld: bool = False
    evidence: tuple[str, ...] = ()
    locate_method: str = "none"
    # What explain() needs to put names on ids; not part of the value.
    _context: tuple[Directory, Policy] | None = attrs.field(
        default=None, eq=False, repr=False, alias="context"
    )

    @property
    def owner_id(self) -> str:
        """The assignee who owns the matter."""
        return self.assignments[0].assignee_id

    @property
    def due_at(self) -> dt.datetime:
        """When the owner must have acknowledged."""
        return self.received_at + self.ack_within

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the decision (durations as ``"30m"``, times as ISO 8601)."""
        return codec.unstructure(self)  # type: ignore[no-any-return]

    def explain(self, lang: Lang = "zh") -> str:
        """A readable account of the decision in Chinese (``"zh"``) or English (``"en"``)."""
        directory, policy = self._context or (None, default_policy())
        zh = lang == "zh"

        def name(assignee_id: str | None) -> str:
            if assignee_id is None:
                return "—"
            return directory.describe(assignee_id) if directory else assignee_id

        def label(reason: str) -> str:
            for table in (ROUTE_REASONS, LOCATE_REASONS):
                if reason in table:
                    return table[reason][0 if zh else 1]
            return policy.label(reason, lang)

        kind = _KIND_LABELS[self.kind][0 if zh else 1]
        place = (
            name_of_place(directory, self.community_id, lang)
            if self.community_id
            else ("地点不明" if zh else "an unknown place")
        )
        lines = [
            f"报告 {self.report_id}：判定为{kind}，优先级 {self.priority.value}，地点：{place}。"
            if zh
            else f"Report {self.report_id}: {kind}, priority {self.priority.value}, at {place}."
        ]
        if self.evidence:
            lines.append(
                ("依据：" if zh else "Evidence: ") + ("、" if zh else ", ").join(self.evidence)
            )
        lines.append("理由：" if zh else "Why:")
        lines.extend(f"  - {label(reason)} [{reason}]" for reason in self.reasons)
        lines.append("分派：" if zh else "Assigned:")
        for a in self.assignments:
            role = _ROLE_LABELS[a.role][0 if zh else 1]
            due = ""
            if a.due_at is not None:
                due = (
                    f"，{a.due_at:%m-%d %H:%M} 前签收"
                    if zh
                    else f", acknowledge by {a.due_at:%m-%d %H:%M}"
                )
            lines.append(f"  - {name(a.assignee_id)} {role}{due}")
        if self.escalation:
            lines.append("逾期未签收则逐级上报：" if zh else "If unacknowledged, escalate to:")
            for step in self.escalation:
                minutes = step.after.total_seconds() / 60
                lines.append(
                    f"  - {minutes:g} 分钟后：{name(step.assignee_id)}"
                    if zh
                    else f"  - after {minutes:g} min: {name(step.assignee_id)}"
                )
        if self.reporter_withheld:
            lines.append(
                "报告人身份仅对负责人和巡区领导可见。"
                if zh
                else "The reporter's identity is shown only to the owner and the zone leader."
            )
        if self.needs_review:
            lines.append("需人工复核。" if zh else "Needs a human review.")
        return "\n".join(lines)


def name_of_place(directory: Directory | None, community_id: str, lang: Lang) -> str:
    if directory is None or not directory.has_community(community_id):
        return community_id
    return f"{directory.community(community_id).name}（{community_id}）"


# Generated hooks: decisions are written for every report the desk receives. The explain()
# context is not part of the value and is left out.
codec.converter.register_unstructure_hook(
    Decision,
    make_dict_unstructure_fn(Decision, codec.converter, _context=override(omit=True)),
)


# route() builds a decision for every report, from parts already checked.
_new_decision = trusted(Decision)
_new_assignment = trusted(Assignment)
_OWNER = AssignmentRole.OWNER
_NOTIFIED = AssignmentRole.NOTIFIED
_EMERGENCY = Kind.EMERGENCY
_NON_EMERGENCY = Kind.NON_EMERGENCY
_CLUE = Kind.CLUE

_UNKNOWN_PLACE = ("route.unknown_place",)
_EMERGENCY_REASONS = ("route.emergency",)
_AGENCY = ("route.agency",)
_CADRE = ("route.cadre",)
_DANGER_IN_NAME = ("route.danger_in_place_name",)
_LIAISON = ("route.liaison",)
_CLUE_REASONS = ("route.clue",)
_INFO = ("route.info",)
# What the police-owner search adds, by where it ended and whether there were liaisons.
_OFF_DUTY = ("route.off_duty",)
_NEIGHBOUR = ("route.neighbour_group",)
_ZONE_LEADER = ("route.zone_leader",)

# Ladders and notification lists are shared by many decisions; bounds keep memory flat.
_LADDER_CACHE_SIZE = 65_536
_TOLD_CACHE_SIZE = 65_536
_MASK_CACHE_SIZE = 65_536
_READINGS_CACHE_SIZE = 4_096  # as triage's memo: short texts recur on a 110 line

_Spans = tuple[tuple[int, int, str, tuple[str, ...]], ...]
_Reading = tuple[Triage, bool, _Spans]
"""What a text says: its triage with place names masked, whether it is an emergency only
through a name that reads as danger, and the names it mentions (see Router._read)."""


@attrs.frozen(eq=False)
class _Area:
    """What routing needs to know about one community, prepared once.

    Officers are bits of the zone's duty roll (see :class:`~lianfang.duty.DutyRoll`), which
    holds the officers of every group of the zone and the liaison officers of its
    communities: ``liaisons``, ``group`` and ``neighbours`` (the officers of the zone's other
    groups) are masks over ``officer_ids``, so "the first on-duty liaison officer" is the
    lowest bit of ``on_duty & liaisons``.
    """

    community_id: str
    group_id: str
    zone_id: str
    leader_id: str
    cadre_ids: tuple[str, ...]  # active cadres only, sorted
    # Ready-made "is informed" lists: the first active cadre (or nobody), the zone leader.
    cadre_told: tuple[Assignment, ...]
    leader_told: tuple[Assignment, ...]
    roll: DutyRoll  # shared by the zone's communities
    officer_ids: tuple[str, ...]  # roll.officer_ids: bit n stands for officer_ids[n]
    liaisons: int
    group: int
    neighbours: int


class Router:
    """Routes reports for one directory under one policy.

    Build it once: it prepares the spatial index, the name index, each community's chain of
    responsibility and each patrol zone's duty roll. ``route`` is then a pure function of
    the report (and the load): it keeps bounded caches of values it has built (escalation
    ladders, notification lists), which never change an answer.

    A host holding a big directory (a province is millions of objects) may call
    ``gc.freeze()`` once the directory and the router are built: Python's full garbage
    collections then skip them, which removes pauses of about half a second each (see
    ``benchmarks/route.py``). The library never does this itself.
    """

    def __init__(
        self,
        directory: Directory,
        policy: Policy | None = None,
        *,
        classifier: Classifier | None = None,
    ) -> None:
        self.directory = directory
        self.policy = policy if policy is not None else default_policy()
        self.classifier = classifier
        self._triage = triager(self.policy)
        self._locator = Locator(
            directory.communities,
            buffer_m=self.policy.locate_buffer_m,
            several_names=self.policy.several_places,
        )
        self._spans = self._locator.names.spans
        self._ascii_mark, self._other_mark = place_marks(self.policy)
        self._masks: Memo[str, str] = Memo(_MASK_CACHE_SIZE)  # a name as written -> its mask
        self._mask_of = self._masks.kept.get
        self._readings: Memo[tuple[str, str | None], _Reading] = Memo(_READINGS_CACHE_SIZE)
        self._remembered = self._readings.kept.get
        # Community names that read as danger on their own (a village called 火烧坪): see
        # _read. Empty in most directories, which then pay nothing.
        self._alarming_names = _alarming_names(directory.communities, self._triage)
        self._agencies_by_category: dict[str, tuple[str, ...]] = {}
        for agency in sorted(directory.agencies, key=lambda a: a.id):
            for code in agency.categories:
                self._agencies_by_category.setdefault(code, ())
                self._agencies_by_category[code] += (agency.id,)
        self._context = (directory, self.policy)
        self._center = directory.command_center.id
        # By the priority's value: hashing an enum member runs Python code, a str's hash is cached.
        self._ack_deadlines = {p._value_: d for p, d in self.policy.ack_deadlines.items()}
        self._clue_ack_deadline = self.policy.clue_ack_deadline
        # For each category that is not a police matter: the agency that takes it, "" if none.
        self._civil_owners = {
            c.code: self._agencies_by_category.get(c.code, ("",))[0]
            for c in self.policy.categories
            if not c.police
        }
        self._notices: dict[str, Assignment] = {}
        self._areas = _prepare_areas(directory, self._notice)
        self._statuses: dict[str, VolunteerStatus] = {}  # set by with_statuses()
        self._ladders: dict[tuple[tuple[str, ...], dt.timedelta], tuple[EscalationStep, ...]] = {}
        self._told: dict[tuple[str, int], tuple[Assignment, ...]] = {}

    def route(
        self,
        report: Report,
        *,
        load: Mapping[str, int] | None = None,
        kind: Kind | None = None,
        priority: Priority | None = None,
    ) -> Decision:
        """Decide kind, priority, place, assignments and escalation for one report.

        ``load`` maps assignee ids to their open incidents: among equals the least
        loaded is chosen, and anyone at the policy's ``capacity`` is passed over.
        ``kind`` (and ``priority``) override triage, as when a person re-triages.
        """
        text = report.text
        reading = self._remembered((text, report.category))
        if reading is None:
            reading = self._reading(text, report.category)
        verdict, named_danger, spans = reading
        if kind is not None:
            verdict = attrs.evolve(
                verdict,
                kind=kind,
                priority=priority or _MANUAL_PRIORITY[kind],
                needs_review=False,
                reasons=("triage.manual",),
                evidence=(),
            )
            named_danger = False
        community_id, method, located, doubtful, _, _, _ = self._locator.where(report, spans)
        area = self._areas.get(community_id) if community_id is not None else None
        at = report.received_at
        if load:
            owner, notified, escalation, reasons, ack_within = _Plan(
                self, area, verdict, at, load
            ).make()
        else:
            owner, notified, escalation, reasons, ack_within = self._plan(area, verdict, at)
        decided = verdict.kind
        if named_danger:
            reasons += _DANGER_IN_NAME
            doubtful = True
        # Positional: this runs for every report, and keywords cost a third more here.
        return _new_decision(
            report.id,  # report_id
            at,  # received_at
            decided,  # kind
            verdict.priority,
            verdict.category,
            area.community_id if area is not None else None,
            area.group_id if area is not None else None,
            area.zone_id if area is not None else None,
            (_new_assignment(owner, _OWNER, at + ack_within), *notified),  # assignments
            escalation,
            ack_within,
            verdict.reasons + located + reasons,
            verdict.needs_review or doubtful,
            decided is _CLUE,  # reporter_withheld
            verdict.evidence,
            method._value_,  # locate_method; _value_ is a plain attribute, .value is not
            self._context,
        )

    def with_statuses(self, statuses: Mapping[str, VolunteerStatus]) -> Router:
        """This router, with these volunteers' statuses in place of the ones it knows.

        Only active volunteers are routed to: a community cadre who is suspended,
        retired or not yet approved is neither given a matter nor informed of one. A
        :class:`~lianfang.desk.Desk` calls this whenever its roster changes, so that a
        suspension takes effect on the next report. It is cheap: everything is shared
        with this router except the communities whose cadres change, which are prepared
        again. Statuses build up: ``r.with_statuses(a).with_statuses(b)`` knows both.
        An id that is not a volunteer of the directory raises
        :class:`~lianfang.errors.UnknownIdError`.
        """
        known = {**self._statuses}
        for volunteer_id, given in statuses.items():
            self.directory.volunteer(volunteer_id)  # unknown ids are refused
            if not isinstance(given, VolunteerStatus):
                raise InvalidValueError(
                    [f"statuses[{volunteer_id!r}]: must be a VolunteerStatus, not {given!r}"]
                )
            known[volunteer_id] = given

        def status(volunteer_id: str) -> VolunteerStatus:
            found = known.get(volunteer_id)
            return found if found is not None else self.directory.volunteer(volunteer_id).status

        router = copy.copy(self)
        router._statuses = known
        router._areas = dict(self._areas)
        for community in self.directory.communities:
            area = self._areas[community.id]
            cadres = _active(community.cadre_ids, status)
            if cadres != area.cadre_ids:
                router._areas[community.id] = attrs.evolve(
                    area, cadre_ids=cadres, cadre_told=_first_told(cadres, self._notice)
                )
        return router

    def _reading(self, text: str, category: str | None) -> _Reading:
        """:meth:`_read` with the names it found, remembered for recent texts seen more
        than once (:class:`~lianfang.memo.Memo`: the same text always reads the same; a
        host's classifier may not, so with one nothing is remembered)."""
        spans = self._spans(text)
        reading = (*self._read(text, spans, category), spans)
        if self.classifier is None:
            self._readings.keep((text, category), reading)
        return reading

    def _read(self, text: str, spans: _Spans, category: str | None) -> tuple[Triage, bool]:
        """Triage of ``text`` with the place names it mentions (``spans``) masked, and whether
        it is an emergency only because of a name that reads as danger on its own.

        A place name is where something happened, not what: 未来城 must not deny "有人被刀捅了",
        nor 火烧坪 set a village on fire. So every letter of a name is read as a mark that no
        rule knows (:func:`~lianfang.triage.place_marks`). Reports that differ only in the
        place they name then also read alike, and triage remembers them as one text. A text
        that reads as an emergency only through a name that is alarming on its own
        ("火烧坪村路灯坏了") stays an emergency (safety first), flagged for review.
        """
        if not spans:
            return self._triage(text, category, self.classifier), False
        verdict = self._triage(self._masked(text, spans), category, self.classifier)
        alarming = self._alarming_names
        if (
            verdict.kind is not _EMERGENCY
            and alarming
            and any(fold(name) in alarming for _, _, name, _ in spans)
        ):
            raw = self._triage(text, category, self.classifier)
            if raw.kind is _EMERGENCY:
                return raw, True
        return verdict, False

    def _masked(self, text: str, spans: _Spans) -> str:
        """``text`` with the letters of each span replaced by the policy's place marks."""
        pieces: list[str] = []
        done = 0
        for start, end, _, _ in spans:
            written = text[start:end]
            mask = self._mask_of(written)
            if mask is None:
                mask = self._masks.keep(
                    written,
                    "".join(self._mark(c) if c.isalnum() else c for c in written),
                )
            pieces += (text[done:start], mask)
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def _mark(self, letter: str) -> str:
        return self._ascii_mark if letter.isascii() else self._other_mark

    def route_many(
        self, reports: Iterable[Report], *, load: Mapping[str, int] | None = None
    ) -> list[Decision]:
        """Route several reports against the same load."""
        return [self.route(report, load=load) for report in reports]

    def locate(self, report: Report) -> Place:
        """Only the locating step (for tools and tests)."""
        return self._locator.locate(report)

    # --- the plan with no load to weigh: everyone is free, so the first on duty wins --------

    def _plan(self, area: _Area | None, verdict: Triage, at: dt.datetime) -> _Outcome:
        """Owner, notified, ladder, reasons and deadline when nobody's load counts.

        The same rules as :class:`_Plan` (which the property tests hold it to), written
        with masks and without per-report objects, because it runs for every report: the
        first on-duty officer of a mask is its lowest bit, ``found & -found``. Ids are
        unique across officers, volunteers, agencies and the command center, so an agency,
        cadre or the command center is never one of the officers it is compared with.
        """
        kind = verdict.kind
        ack = (
            self._clue_ack_deadline
            if kind is _CLUE
            else self._ack_deadlines[verdict.priority._value_]
        )
        if area is None:
            rungs: tuple[str, ...] = ()
            ladder = self._ladder(rungs, ack)
            return self._center, (), ladder, _UNKNOWN_PLACE, ack
        on_duty = area.roll.on_duty_mask(at)
        leader = area.leader_id
        group = area.group
        neighbours = area.neighbours
        if kind is _EMERGENCY:
            rungs = (leader,)
            ladder = self._ladder(rungs, ack)
            notified = self._told_list(area, on_duty & group or on_duty & neighbours)
            return self._center, notified, ladder, _EMERGENCY_REASONS, ack
        ids = area.officer_ids
        liaisons = area.liaisons
        reasons: tuple[str, ...]
        if kind is _NON_EMERGENCY:
            civil = self._civil_owners.get(verdict.category) if verdict.category else None
            if civil is not None and (civil or area.cadre_ids):  # not a police matter
                found = on_duty & liaisons
                liaison = ids[(found & -found).bit_length() - 1] if found else ""
                if civil:  # the agency that takes the category, the cadre informed
                    owner = civil
                    notified = area.cadre_told
                    reasons = _AGENCY
                else:  # the cadre, the liaison officer informed
                    owner = area.cadre_ids[0]
                    notified = (self._notice(liaison),) if liaison else ()
                    reasons = _CADRE
                # the police stand behind the agency or cadre on the ladder
                found = on_duty & group or on_duty & neighbours
                rungs = (liaison, ids[(found & -found).bit_length() - 1] if found else "", leader)
                ladder = self._ladder(rungs, ack)
                return owner, notified, ladder, reasons, ack
            head = _LIAISON
        elif kind is _CLUE:
            head = _CLUE_REASONS
        else:
            head = _INFO
        # The police own it: liaison officer, else the group's, else the zone's, else the leader.
        found = on_duty & liaisons
        if found:
            lowest = found & -found
            owner = ids[lowest.bit_length() - 1]
            reasons = head
            others = on_duty ^ lowest  # behind the owner: another of the group, else the zone
            found = others & group or others & neighbours
            backup = ids[(found & -found).bit_length() - 1] if found else ""
            rungs = (backup, leader if owner != leader else "")
        else:
            off_duty = _OFF_DUTY if liaisons else ()
            found = on_duty & group
            if found:
                reasons = head + off_duty
            else:
                found = on_duty & neighbours
                reasons = head + off_duty + _NEIGHBOUR
            if found:
                owner = ids[(found & -found).bit_length() - 1]
                rungs = (leader if owner != leader else "",)
            else:
                owner = leader
                reasons = head + off_duty + _ZONE_LEADER
                rungs = ()
        if kind is _NON_EMERGENCY:
            notified = area.cadre_told
        elif kind is _CLUE:
            notified = area.leader_told if leader != owner else ()
        else:
            notified = ()
        ladder = self._ladder(rungs, ack)
        return owner, notified, ladder, reasons, ack

    # --- shared values ------------------------------------------------------------------

    def _notice(self, assignee_id: str) -> Assignment:
        """The "is informed" assignment of ``assignee_id`` (one value, reused)."""
        notice = self._notices.get(assignee_id)
        if notice is None:
            notice = self._notices[assignee_id] = Assignment(assignee_id, _NOTIFIED, None)
        return notice

    def _told_list(self, area: _Area, told: int) -> tuple[Assignment, ...]:
        """Who an emergency in ``area`` informs: the ``told`` officers, then the leader."""
        key = (area.zone_id, told)
        notified = self._told.get(key)
        if notified is None:
            ids = list(area.roll.officers_in(told))
            if area.leader_id not in ids:  # a leader may also serve in a group
                ids.append(area.leader_id)
            notified = tuple(self._notice(o) for o in ids)
            if len(self._told) >= _TOLD_CACHE_SIZE:
                self._told.clear()
            self._told[key] = notified
        return notified

    def _ladder(
        self, rungs: tuple[str, ...], ack_within: dt.timedelta
    ) -> tuple[EscalationStep, ...]:
        """The escalation above an owner (:meth:`_climb`), built once per chain of rungs."""
        return self._ladders.get((rungs, ack_within)) or self._climb(rungs, ack_within)

    def _climb(
        self, rungs: tuple[str, ...], ack_within: dt.timedelta
    ) -> tuple[EscalationStep, ...]:
        """The escalation above an owner: each of ``rungs`` (empty ones and repeats of the
        rung below are skipped), then the command center, one more ``ack_within`` each.

        A step's ``after`` is counted from receipt: each rung gets one full
        acknowledgement window before the next one is called. No rung is ever the owner
        (police rungs leave the owner out, and an agency, cadre or the command center is
        never an officer), so the ladder does not depend on who owns the matter: it is
        kept per chain of rungs and deadline, which a directory bounds.
        """
        center = self._center
        steps: list[EscalationStep] = []
        previous = ""
        for rung in (*rungs, center):
            if not rung or rung == previous:
                continue
            steps.append(EscalationStep(rung, ack_within * (len(steps) + 1)))
            previous = rung
        ladder = tuple(steps)
        if len(self._ladders) >= _LADDER_CACHE_SIZE:
            self._ladders.clear()
        self._ladders[rungs, ack_within] = ladder
        return ladder


_Outcome = tuple[
    str, tuple[Assignment, ...], tuple[EscalationStep, ...], tuple[str, ...], dt.timedelta
]
"""A plan's result: owner id, notified assignments, escalation ladder, reasons, deadline."""


def _prepare_areas(directory: Directory, notice: Callable[[str], Assignment]) -> dict[str, _Area]:
    """Every community's chain of responsibility, with one duty roll per patrol zone."""
    zone_of_group = {g.id: g.zone_id for g in directory.groups}
    members: dict[str, set[str]] = {z.id: set() for z in directory.zones}
    for group in directory.groups:
        members[group.zone_id].update(group.officer_ids)
    for community in directory.communities:
        members[zone_of_group[community.group_id]].update(community.liaison_officer_ids)
    rolls = {zone_id: directory.duty.roll(ids) for zone_id, ids in members.items()}
    # Communities of a group share their masks: one int object each, not one per community.
    masks: dict[int, int] = {}

    def shared(mask: int) -> int:
        return masks.setdefault(mask, mask)

    areas: dict[str, _Area] = {}
    leaders_told: dict[str, tuple[Assignment, ...]] = {}  # one per zone, shared
    for community in directory.communities:
        group = directory.group(community.group_id)
        zone = directory.zone(group.zone_id)
        roll = rolls[zone.id]
        others = [g for g in directory.groups_in(zone.id) if g.id != group.id]
        cadres = _active(community.cadre_ids, lambda v: directory.volunteer(v).status)
        areas[community.id] = _Area(
            community_id=community.id,
            group_id=group.id,
            zone_id=zone.id,
            leader_id=zone.leader_id,
            cadre_ids=cadres,
            cadre_told=_first_told(cadres, notice),
            leader_told=leaders_told.setdefault(zone.id, (notice(zone.leader_id),)),
            roll=roll,
            officer_ids=roll.officer_ids,
            liaisons=shared(roll.mask_of(community.liaison_officer_ids)),
            group=shared(roll.mask_of(group.officer_ids)),
            neighbours=shared(roll.mask_of(o for g in others for o in g.officer_ids)),
        )
    return areas


def _alarming_names(
    communities: Sequence[Community], triage: Callable[[str, str | None, None], Triage]
) -> frozenset[str]:
    """The communities' names and aliases that triage reads as an emergency on their own,
    folded as the gazetteer compares them."""
    return frozenset(
        fold(name.strip())
        for community in communities
        for name in (community.name, *community.aliases)
        if (verdict := triage(name, None, None)).kind is Kind.EMERGENCY
        and not verdict.needs_review  # not just "unclear"
    )


def _active(
    volunteer_ids: Iterable[str], status: Callable[[str], VolunteerStatus]
) -> tuple[str, ...]:
    """The active ones of ``volunteer_ids``, sorted: the only volunteers routed to."""
    return tuple(sorted(v for v in volunteer_ids if status(v) is VolunteerStatus.ACTIVE))


def _first_told(
    cadre_ids: tuple[str, ...], notice: Callable[[str], Assignment]
) -> tuple[Assignment, ...]:
    """The "is informed" list of a community's first active cadre (empty if none)."""
    return (notice(cadre_ids[0]),) if cadre_ids else ()


class _Plan:
    """The plan for a report when load counts: who has been assigned so far, and why.

    ``pick`` weighs each candidate's open incidents against the policy's capacity. With no
    load, :meth:`Router._plan` gives the same answers faster.
    """

    def __init__(
        self,
        router: Router,
        area: _Area | None,
        verdict: Triage,
        at: dt.datetime,
        load: Mapping[str, int],
    ) -> None:
        self.router = router
        self.area = area
        self.verdict = verdict
        self.on_duty = area.roll.on_duty_mask(at) if area is not None else 0
        self.load = load
        self.reasons: list[str] = []
        self.capacity = router.policy.capacity
        self.assignees: list[str] = []
        policy = router.policy
        self.ack_within = (
            policy.clue_ack_deadline
            if verdict.kind is Kind.CLUE
            else policy.ack_deadlines[verdict.priority]
        )
        self.owner_rung = 0  # where the owner stands on the ladder, see ladder()

    def make(self) -> _Outcome:
        area = self.area
        kind = self.verdict.kind
        if area is None:
            self.unknown_place()
        elif kind is Kind.EMERGENCY:
            self.emergency(area)
        elif kind is Kind.NON_EMERGENCY:
            self.non_emergency(area)
        elif kind is Kind.CLUE:
            self.clue(area)
        else:
            self.info(area)
        owner, *notified = self.assignees
        return (
            owner,
            tuple(self.router._notice(o) for o in notified),
            self.ladder(area),
            tuple(self.reasons),
            self.ack_within,
        )

    # --- choosing people ---------------------------------------------------------------

    def pick(self, candidates: Sequence[str], *, besides: str = "") -> str | None:
        """The least-loaded candidate under capacity, lowest id first (candidates are sorted)."""
        best: str | None = None
        best_load = 0
        capacity_hit = False
        for candidate in candidates:
            if candidate == besides:
                continue
            current = self.load.get(candidate, 0)
            if self.capacity is not None and current >= self.capacity:
                capacity_hit = True
                continue
            if best is None or current < best_load:
                best, best_load = candidate, current
        if capacity_hit and "route.at_capacity" not in self.reasons:
            self.reasons.append("route.at_capacity")
        return best

    def pick_on_duty(self, area: _Area, mask: int, *, besides: str = "") -> str | None:
        """:meth:`pick` among the officers of ``mask`` who are on duty."""
        return self.pick(area.roll.officers_in(mask & self.on_duty), besides=besides)

    def police_owner(self, area: _Area) -> str:
        """Liaison officer, else the group's on-duty officers, else the zone's, else its leader."""
        chosen = self.pick_on_duty(area, area.liaisons)
        if chosen is not None:
            self.owner_rung = 0
            return chosen
        if area.liaisons:
            self.reasons.append("route.off_duty")
        chosen = self.pick_on_duty(area, area.group)
        if chosen is not None:
            self.owner_rung = 1
            return chosen
        chosen = self.pick_on_duty(area, area.neighbours)
        if chosen is not None:
            self.reasons.append("route.neighbour_group")
            self.owner_rung = 1
            return chosen
        self.reasons.append("route.zone_leader")
        self.owner_rung = 2
        return area.leader_id

    def assign(self, assignee_id: str) -> None:
        """Add an assignee (the first one owns the matter); nobody is added twice."""
        if assignee_id not in self.assignees:
            self.assignees.append(assignee_id)

    # --- by kind ----------------------------------------------------------------------

    def unknown_place(self) -> None:
        self.reasons.append("route.unknown_place")
        self.owner_rung = 3
        self.assign(self.router._center)

    def emergency(self, area: _Area) -> None:
        self.reasons.append("route.emergency")
        self.owner_rung = 3
        self.assign(self.router._center)
        on_duty = self.on_duty
        for officer in area.roll.officers_in(on_duty & area.group or on_duty & area.neighbours):
            self.assign(officer)
        self.assign(area.leader_id)

    def non_emergency(self, area: _Area) -> None:
        code = self.verdict.category
        category = self.router.policy.category(code) if code else None
        if category is not None and not category.police:
            agencies = self.router._agencies_by_category.get(category.code, ())
            agency = self.pick(agencies)
            if agency is not None:
                self.reasons.append("route.agency")
                self.assign(agency)
                for cadre in area.cadre_ids[:1]:
                    self.assign(cadre)
                self.owner_rung = -1
                return
            chosen_cadre = self.pick(area.cadre_ids)
            if chosen_cadre is not None:
                self.reasons.append("route.cadre")
                self.assign(chosen_cadre)
                self.owner_rung = -1
                liaison = self.pick_on_duty(area, area.liaisons)
                if liaison is not None:
                    self.assign(liaison)
                return
        self.reasons.append("route.liaison")
        self.assign(self.police_owner(area))
        for cadre in area.cadre_ids[:1]:
            self.assign(cadre)

    def clue(self, area: _Area) -> None:
        self.reasons.append("route.clue")
        self.assign(self.police_owner(area))
        self.assign(area.leader_id)

    def info(self, area: _Area) -> None:
        self.reasons.append("route.info")
        self.assign(self.police_owner(area))

    # --- the ladder -------------------------------------------------------------------

    def ladder(self, area: _Area | None) -> tuple[EscalationStep, ...]:
        """The rungs above the owner: liaison → group officer → zone leader → command center."""
        owner = self.assignees[0]
        rungs: list[str] = []
        if area is not None:
            if self.owner_rung < 0:  # a cadre or agency owns it: the police stand behind them
                rungs.append(self.pick_on_duty(area, area.liaisons) or "")
            if self.owner_rung < 1:
                rungs.append(
                    self.pick_on_duty(area, area.group, besides=owner)
                    or self.pick_on_duty(area, area.neighbours, besides=owner)
                    or ""
                )
            if self.owner_rung < 3 and owner != area.leader_id:
                rungs.append(area.leader_id)
            elif self.owner_rung == 3:
                rungs.append(area.leader_id)  # an emergency unanswered by 110: its zone leader
        return self.router._ladder(tuple(rungs), self.ack_within)
