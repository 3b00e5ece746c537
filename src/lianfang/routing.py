"""Routing (分流): from a report to a decision — kind, place, who owns it, by when, and who next.

:class:`Router` is built once per directory and policy and then answers
:meth:`Router.route` as a pure function of the report (and an optional load map):
the same directory, policy and report always give the same :class:`Decision`.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from lianfang import codec
from lianfang.directory import Directory
from lianfang.duty import Moment
from lianfang.locate import LOCATE_REASONS, Locator, Place
from lianfang.model import Kind, PatrolGroup, Priority, Report, VolunteerStatus
from lianfang.policy import Policy, default_policy
from lianfang.triage import Classifier, Triage, triage

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


@attrs.frozen
class Assignment:
    """One person or body a decision involves. The first assignment of a decision owns it."""

    assignee_id: str
    role: AssignmentRole
    due_at: dt.datetime | None = None


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
class _Area:
    """What routing needs to know about one community, prepared once."""

    community_id: str
    group_id: str
    zone_id: str
    leader_id: str
    liaison_ids: tuple[str, ...]
    group_officer_ids: tuple[str, ...]
    neighbour_officer_ids: tuple[str, ...]  # officers of the zone's other groups
    cadre_ids: tuple[str, ...]  # active cadres only


class Router:
    """Routes reports for one directory under one policy.

    Build it once: it prepares the spatial index, the name index and each community's
    chain of responsibility. ``route`` is then a pure function of the report.
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
        self._locator = Locator(
            directory.communities,
            buffer_m=self.policy.locate_buffer_m,
            several_names=self.policy.several_places,
        )
        self._areas = {c.id: _prepare_area(directory, c.id) for c in directory.communities}
        self._agencies_by_category: dict[str, tuple[str, ...]] = {}
        for agency in sorted(directory.agencies, key=lambda a: a.id):
            for code in agency.categories:
                self._agencies_by_category.setdefault(code, ())
                self._agencies_by_category[code] += (agency.id,)
        self._context = (directory, self.policy)
        self._center = directory.command_center.id

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
        verdict = triage(report, self.policy, self.classifier)
        if kind is not None:
            verdict = attrs.evolve(
                verdict,
                kind=kind,
                priority=priority or _MANUAL_PRIORITY[kind],
                needs_review=False,
                reasons=("triage.manual",),
                evidence=(),
            )
        place = self._locator.locate(report)
        area = self._areas.get(place.community_id) if place.community_id else None
        moment = self.directory.duty.moment(report.received_at)
        plan = self._plan(area, verdict, moment, load or {})
        due = report.received_at + plan.ack_within
        return Decision(
            report_id=report.id,
            received_at=report.received_at,
            kind=verdict.kind,
            priority=verdict.priority,
            category=verdict.category,
            community_id=area.community_id if area else None,
            group_id=area.group_id if area else None,
            zone_id=area.zone_id if area else None,
            assignments=tuple(
                Assignment(assignee, role, None if role is AssignmentRole.NOTIFIED else due)
                for assignee, role in plan.assignees
            ),
            escalation=plan.escalation,
            ack_within=plan.ack_within,
            reasons=verdict.reasons + place.reasons + plan.reasons,
            needs_review=verdict.needs_review or place.needs_review,
            reporter_withheld=verdict.kind is Kind.CLUE,
            evidence=verdict.evidence,
            locate_method=place.method.value,
            context=self._context,
        )

    def _plan(
        self, area: _Area | None, verdict: Triage, moment: Moment, load: Mapping[str, int]
    ) -> _Template:
        plan = _Plan(self, verdict, moment, load)
        if area is None:
            plan.unknown_place()
        elif verdict.kind is Kind.EMERGENCY:
            plan.emergency(area)
        elif verdict.kind is Kind.NON_EMERGENCY:
            plan.non_emergency(area)
        elif verdict.kind is Kind.CLUE:
            plan.clue(area)
        else:
            plan.info(area)
        escalation = plan.ladder(area)
        return _Template(tuple(plan.assignees), escalation, tuple(plan.reasons), plan.ack_within)

    def route_many(
        self, reports: Iterable[Report], *, load: Mapping[str, int] | None = None
    ) -> list[Decision]:
        """Route several reports against the same load."""
        return [self.route(report, load=load) for report in reports]

    def locate(self, report: Report) -> Place:
        """Only the locating step (for tools and tests)."""
        return self._locator.locate(report)


def _prepare_area(directory: Directory, community_id: str) -> _Area:
    community = directory.community(community_id)
    group = directory.group(community.group_id)
    zone = directory.zone(group.zone_id)
    others: list[PatrolGroup] = [g for g in directory.groups_in(zone.id) if g.id != group.id]
    cadres = tuple(
        sorted(
            v
            for v in community.cadre_ids
            if directory.volunteer(v).status is VolunteerStatus.ACTIVE
        )
    )
    return _Area(
        community_id=community.id,
        group_id=group.id,
        zone_id=zone.id,
        leader_id=zone.leader_id,
        liaison_ids=tuple(sorted(community.liaison_officer_ids)),
        group_officer_ids=tuple(sorted(group.officer_ids)),
        neighbour_officer_ids=tuple(sorted({o for g in others for o in g.officer_ids})),
        cadre_ids=cadres,
    )


@attrs.frozen
class _Template:
    """A decision without its report: who, in which role, the ladder and why."""

    assignees: tuple[tuple[str, AssignmentRole], ...]
    escalation: tuple[EscalationStep, ...]
    reasons: tuple[str, ...]
    ack_within: dt.timedelta


class _Plan:
    """The working state of one plan: who has been assigned so far, and why."""

    def __init__(
        self, router: Router, verdict: Triage, moment: Moment, load: Mapping[str, int]
    ) -> None:
        self.router = router
        self.verdict = verdict
        self.moment = moment
        self.load = load
        self.reasons: list[str] = []
        self.capacity = router.policy.capacity
        self.assignees: list[tuple[str, AssignmentRole]] = []
        self.assigned: set[str] = set()
        policy = router.policy
        self.ack_within = (
            policy.clue_ack_deadline
            if verdict.kind is Kind.CLUE
            else policy.ack_deadlines[verdict.priority]
        )
        self.owner_rung = 0  # where the owner stands on the ladder, see ladder()

    # --- choosing people ---------------------------------------------------------------

    def pick(
        self, candidates: Sequence[str], *, officers: bool = True, besides: str = ""
    ) -> str | None:
        """The least-loaded available candidate (on duty, under capacity), lowest id first.

        Candidates are sorted by id, so with no load to weigh the first available one wins.
        """
        on_duty = self.moment.on_duty
        if not self.load and (self.capacity is None or self.capacity > 0):
            for candidate in candidates:
                if candidate != besides and (not officers or on_duty(candidate)):
                    return candidate
            return None
        best: str | None = None
        best_load = 0
        capacity_hit = False
        for candidate in candidates:
            if candidate == besides or (officers and not on_duty(candidate)):
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

    def police_owner(self, area: _Area) -> str:
        """Liaison officer, else the group's on-duty officers, else the zone's, else its leader."""
        chosen = self.pick(area.liaison_ids)
        if chosen is not None:
            self.owner_rung = 0
            return chosen
        if area.liaison_ids:
            self.reasons.append("route.off_duty")
        chosen = self.pick(area.group_officer_ids)
        if chosen is not None:
            self.owner_rung = 1
            return chosen
        chosen = self.pick(area.neighbour_officer_ids)
        if chosen is not None:
            self.reasons.append("route.neighbour_group")
            self.owner_rung = 1
            return chosen
        self.reasons.append("route.zone_leader")
        self.owner_rung = 2
        return area.leader_id

    def assign(self, assignee_id: str, role: AssignmentRole) -> None:
        if assignee_id not in self.assigned:
            self.assigned.add(assignee_id)
            self.assignees.append((assignee_id, role))

    # --- by kind ----------------------------------------------------------------------

    def unknown_place(self) -> None:
        self.reasons.append("route.unknown_place")
        self.owner_rung = 3
        self.assign(self.router._center, AssignmentRole.OWNER)

    def emergency(self, area: _Area) -> None:
        self.reasons.append("route.emergency")
        self.owner_rung = 3
        self.assign(self.router._center, AssignmentRole.OWNER)
        on_duty = self.moment.on_duty
        told = [o for o in area.group_officer_ids if on_duty(o)] or [
            o for o in area.neighbour_officer_ids if on_duty(o)
        ]
        for officer in told:
            self.assign(officer, AssignmentRole.NOTIFIED)
        self.assign(area.leader_id, AssignmentRole.NOTIFIED)

    def non_emergency(self, area: _Area) -> None:
        category = (
            self.router.policy.category(self.verdict.category) if self.verdict.category else None
        )
        if category is not None and not category.police:
            agencies = self.router._agencies_by_category.get(category.code, ())
            agency = self.pick(agencies, officers=False)
            if agency is not None:
                self.reasons.append("route.agency")
                self.assign(agency, AssignmentRole.OWNER)
                for cadre in area.cadre_ids[:1]:
                    self.assign(cadre, AssignmentRole.NOTIFIED)
                self.owner_rung = -1
                return
            chosen_cadre = self.pick(area.cadre_ids, officers=False)
            if chosen_cadre is not None:
                self.reasons.append("route.cadre")
                self.assign(chosen_cadre, AssignmentRole.OWNER)
                self.owner_rung = -1
                liaison = self.pick(area.liaison_ids)
                if liaison is not None:
                    self.assign(liaison, AssignmentRole.NOTIFIED)
                return
        self.reasons.append("route.liaison")
        self.assign(self.police_owner(area), AssignmentRole.OWNER)
        for cadre in area.cadre_ids[:1]:
            self.assign(cadre, AssignmentRole.NOTIFIED)

    def clue(self, area: _Area) -> None:
        self.reasons.append("route.clue")
        self.assign(self.police_owner(area), AssignmentRole.OWNER)
        self.assign(area.leader_id, AssignmentRole.NOTIFIED)

    def info(self, area: _Area) -> None:
        self.reasons.append("route.info")
        self.assign(self.police_owner(area), AssignmentRole.OWNER)

    # --- the ladder -------------------------------------------------------------------

    def ladder(self, area: _Area | None) -> tuple[EscalationStep, ...]:
        """The rungs above the owner: liaison → group officer → zone leader → command center.

        A step's ``after`` is counted from receipt: each rung gets one full
        acknowledgement window before the next one is called.
        """
        owner = self.assignees[0][0]
        rungs: list[str] = []
        if area is not None:
            if self.owner_rung < 0:  # a cadre or agency owns it: the police stand behind them
                rungs.append(self.pick(area.liaison_ids) or "")
            if self.owner_rung < 1:
                rungs.append(
                    self.pick(area.group_officer_ids, besides=owner)
                    or self.pick(area.neighbour_officer_ids, besides=owner)
                    or ""
                )
            if self.owner_rung < 3 and owner != area.leader_id:
                rungs.append(area.leader_id)
            elif self.owner_rung == 3:
                rungs.append(area.leader_id)  # an emergency unanswered by 110: its zone leader
        rungs.append(self.router._center)
        steps: list[EscalationStep] = []
        previous = owner
        for rung in rungs:
            if not rung or rung == previous:
                continue
            steps.append(_step(rung, self.ack_within * (len(steps) + 1)))
            previous = rung
        if not steps:  # the command center owns it and nobody stands above: it is re-alerted
            steps.append(_step(self.router._center, self.ack_within))
        return tuple(steps)


@functools.lru_cache(maxsize=65_536)
def _step(assignee_id: str, after: dt.timedelta) -> EscalationStep:
    return EscalationStep(assignee_id, after)
