"""The roster of volunteers (志愿者名册): a pure fold of recruitment and screening events.

A :class:`Roster` starts from a directory's volunteers (the organisation when the desk
was built) and changes only by :func:`apply_roster`, one network event at a time:

``applicant`` → (cadre **and** liaison officer approve) → ``active`` ⇄ ``suspended`` →
``retired``; either screener may reject an applicant with a reason, which closes the
application. The ``check_*`` guards say whether a step is allowed and raise
:class:`~lianfang.errors.IllegalTransitionError` otherwise.

"Routable" means active **and** holding every credential its role needs: an expired
guard's licence takes a guard out of routing until it is renewed. :meth:`Roster.to_directory`
gives the directory updated from the roster, so a host can rebuild its
:class:`~lianfang.routing.Router`; :func:`coverage` lists every gap against the policy's
targets. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from lianfang.directory import Directory
from lianfang.errors import IllegalTransitionError, UnknownIdError
from lianfang.events import (
    CredentialRecorded,
    NetworkEvent,
    ScreeningApproved,
    ScreeningRejected,
    ScreeningSide,
    VolunteerApplied,
    VolunteerReinstated,
    VolunteerRetired,
    VolunteerSuspended,
)
from lianfang.model import GeoPoint, Phone, Volunteer, VolunteerRole, VolunteerStatus
from lianfang.network_policy import NetworkPolicy, default_network_policy

__all__ = [
    "ALWAYS",
    "Coverage",
    "CoverageGap",
    "Credential",
    "CredentialDue",
    "Member",
    "Roster",
    "apply_roster",
    "check_can_approve",
    "check_can_reinstate",
    "check_can_reject",
    "check_can_retire",
    "check_can_suspend",
    "coverage",
]


ALWAYS = dt.datetime.min.replace(tzinfo=dt.UTC)
"""The earliest instant: what :meth:`Roster.blocked_from` gives when a volunteer has
never held a credential required from the start."""


@attrs.frozen
class Credential:
    """A credential as last recorded: valid until ``expires_at``."""

    name: str
    expires_at: dt.datetime
    recorded_at: dt.datetime
    recorded_by: str

    def is_valid(self, at: dt.datetime) -> bool:
        return at < self.expires_at


@attrs.frozen
class Member:
    """One person on the roster: a volunteer and where they are in screening.

    ``status`` is the volunteer's :class:`~lianfang.model.VolunteerStatus`. An applicant
    has ``cadre_approval`` / ``liaison_approval`` (who approved on each side) and, once
    rejected, ``rejected_by`` and ``rejection_reason``. ``status_reason`` is why the
    volunteer was last suspended or retired.
    """

    id: str
    name: str
    role: VolunteerRole
    community_id: str
    status: VolunteerStatus
    phone: Phone | None = None
    referred_by: str | None = None
    applied_at: dt.datetime | None = None  # None for volunteers taken from the directory
    location: GeoPoint | None = None
    cadre_approval: str | None = None
    liaison_approval: str | None = None
    rejected_by: str | None = None
    rejection_reason: str | None = None
    status_reason: str = ""
    status_since: dt.datetime | None = None
    credentials: tuple[Credential, ...] = ()

    @property
    def is_rejected(self) -> bool:
        return self.rejected_by is not None

    @property
    def awaiting_screening(self) -> bool:
        """An applicant whose screening is not finished (not rejected, not both approvals)."""
        return self.status is VolunteerStatus.APPLICANT and not self.is_rejected

    def approval(self, side: ScreeningSide) -> str | None:
        return self.cadre_approval if side is ScreeningSide.CADRE else self.liaison_approval

    def credential(self, name: str) -> Credential | None:
        """The credential called ``name`` as last recorded, if any."""
        return next((c for c in self.credentials if c.name == name), None)

    def as_volunteer(self, status: VolunteerStatus | None = None) -> Volunteer:
        """The member as a directory :class:`~lianfang.model.Volunteer`."""
        return Volunteer(
            id=self.id,
            name=self.name,
            role=self.role,
            community_id=self.community_id,
            phone=self.phone,
            status=self.status if status is None else status,
        )


@attrs.frozen
class CredentialDue:
    """A credential that is missing, expired, or expires within the notice period."""

    volunteer_id: str
    community_id: str
    credential: str
    expires_at: dt.datetime | None  # None: never recorded
    state: str  # "missing", "expired" or "expiring"
    blocks_routing: bool


def _as_dict(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


@attrs.frozen(eq=True)
class Roster:
    """Every volunteer and applicant, with what routing and coverage need to know.

    Build it with :meth:`from_directory`; change it with :func:`apply_roster`.
    ``members`` keeps the directory's order, then applicants in the order they applied.
    """

    members: Mapping[str, Member] = attrs.field(converter=_as_dict)
    zone_of: Mapping[str, str] = attrs.field(converter=_as_dict)  # community → zone
    group_of: Mapping[str, str] = attrs.field(converter=_as_dict)  # community → group
    policy: NetworkPolicy = attrs.field(factory=default_network_policy)

    @classmethod
    def from_directory(cls, directory: Directory, policy: NetworkPolicy | None = None) -> Roster:
        """The roster as the directory has it: its volunteers, with their statuses."""
        members = {
            v.id: Member(
                id=v.id,
                name=v.name,
                role=v.role,
                community_id=v.community_id,
                status=v.status,
                phone=v.phone,
            )
            for v in directory.volunteers
        }
        zone_by_group = {g.id: g.zone_id for g in directory.groups}
        return cls(
            members=members,
            zone_of={c.id: zone_by_group[c.group_id] for c in directory.communities},
            group_of={c.id: c.group_id for c in directory.communities},
            policy=policy if policy is not None else default_network_policy(),
        )

    # --- reading -----------------------------------------------------------------------------

    def __contains__(self, volunteer_id: object) -> bool:
        return volunteer_id in self.members

    def __len__(self) -> int:
        return len(self.members)

    def member(self, volunteer_id: str) -> Member:
        """The member with this id, or :class:`~lianfang.errors.UnknownIdError`."""
        found = self.members.get(volunteer_id)
        if found is None:
            raise UnknownIdError("volunteer", volunteer_id)
        return found

    @property
    def community_ids(self) -> tuple[str, ...]:
        """Every community of the directory the roster was built from, in its order."""
        return tuple(self.zone_of)

    def blocking_credentials(self, member: Member, at: dt.datetime) -> tuple[str, ...]:
        """The credentials that keep ``member`` out of routing at ``at`` (expired, or missing
        where the policy requires them from the start)."""
        out = []
        for rule in self.policy.credentials_for(member.role):
            held = member.credential(rule.credential)
            if (held is None and rule.required_from_start) or (
                held is not None and not held.is_valid(at)
            ):
                out.append(rule.credential)
        return tuple(out)

    def blocked_from(self, member: Member) -> dt.datetime | None:
        """From when ``member``'s credentials keep them out of routing, as they stand: the
        earliest expiry of a credential their role needs; ``ALWAYS`` when one required from
        the start is missing; None when nothing blocks them. At any ``at``,
        :meth:`blocking_credentials` is non-empty exactly when ``at >= blocked_from``."""
        earliest: dt.datetime | None = None
        for rule in self.policy.credentials_for(member.role):
            held = member.credential(rule.credential)
            if held is None:
                if rule.required_from_start:
                    return ALWAYS
                continue
            if earliest is None or held.expires_at < earliest:
                earliest = held.expires_at
        return earliest

    def is_routable(self, volunteer_id: str, at: dt.datetime | None = None) -> bool:
        """Active, and (when ``at`` is given) holding every credential its role needs."""
        member = self.members.get(volunteer_id)
        return member is not None and self._routable(member, at)

    def _routable(self, member: Member, at: dt.datetime | None) -> bool:
        if member.status is not VolunteerStatus.ACTIVE:
            return False
        return at is None or not self.blocking_credentials(member, at)

    def select(
        self,
        *,
        status: VolunteerStatus | None = None,
        community_id: str | None = None,
        role: VolunteerRole | None = None,
        routable_at: dt.datetime | None = None,
    ) -> tuple[Member, ...]:
        """Members matching every given criterion, in roster order.

        ``routable_at`` keeps only those active and holding their credentials then.
        """
        return tuple(
            m
            for m in self.members.values()
            if (status is None or m.status is status)
            and (community_id is None or m.community_id == community_id)
            and (role is None or m.role is role)
            and (routable_at is None or self._routable(m, routable_at))
        )

    def awaiting_screening(self, community_id: str | None = None) -> tuple[Member, ...]:
        """Applicants whose screening is not finished, oldest application first."""
        return tuple(
            m
            for m in self.members.values()
            if m.awaiting_screening and (community_id is None or m.community_id == community_id)
        )

    def credentials_due(
        self, now: dt.datetime, *, within: dt.timedelta | None = None
    ) -> tuple[CredentialDue, ...]:
        """Active volunteers' credentials that are missing, expired or expire within
        ``within`` (default: the policy's ``credential_notice``) of ``now``, soonest first."""
        horizon = now + (self.policy.credential_notice if within is None else within)
        due: list[CredentialDue] = []
        for member in self.members.values():
            if member.status is not VolunteerStatus.ACTIVE:
                continue
            for rule in self.policy.credentials_for(member.role):
                held = member.credential(rule.credential)
                if held is None:
                    state, expires = "missing", None
                elif not held.is_valid(now):
                    state, expires = "expired", held.expires_at
                elif held.expires_at <= horizon:
                    state, expires = "expiring", held.expires_at
                else:
                    continue
                blocks = state == "expired" or (state == "missing" and rule.required_from_start)
                due.append(
                    CredentialDue(
                        member.id, member.community_id, rule.credential, expires, state, blocks
                    )
                )
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        return tuple(sorted(due, key=lambda d: (d.expires_at or never, d.volunteer_id)))

    def is_cadre_of(self, volunteer_id: str, community_id: str) -> bool:
        """Whether an active community cadre of this community (on the roster)."""
        member = self.members.get(volunteer_id)
        return (
            member is not None
            and member.community_id == community_id
            and member.role is VolunteerRole.COMMUNITY_CADRE
            and member.status is VolunteerStatus.ACTIVE
        )

    # --- exporting -------------------------------------------------------------------------

    def to_directory(self, directory: Directory, at: dt.datetime | None = None) -> Directory:
        """``directory`` with its volunteers replaced by the roster's.

        Statuses are the roster's; a volunteer whose credentials block routing at ``at``
        is exported as ``suspended``, so a :class:`~lianfang.routing.Router` built on the
        result passes them over. New applicants and volunteers are appended.
        """
        volunteers = []
        for member in self.members.values():
            status = member.status
            if (
                at is not None
                and status is VolunteerStatus.ACTIVE
                and self.blocking_credentials(member, at)
            ):
                status = VolunteerStatus.SUSPENDED
            volunteers.append(member.as_volunteer(status))
        return attrs.evolve(directory, volunteers=tuple(volunteers))


# --- guards: raise before anything is recorded ----------------------------------------------


def _check_status(member: Member, allowed: Iterable[VolunteerStatus], action: str) -> None:
    allowed = tuple(allowed)
    if member.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise IllegalTransitionError(
            f"cannot {action} volunteer {member.id!r}: they are {member.status.value}, not {wanted}"
        )


def _check_open_application(member: Member, action: str) -> None:
    _check_status(member, [VolunteerStatus.APPLICANT], action)
    if member.is_rejected:
        raise IllegalTransitionError(
            f"cannot {action} applicant {member.id!r}: the application was rejected by "
            f"{member.rejected_by!r} ({member.rejection_reason})"
        )


def check_can_approve(member: Member, side: ScreeningSide) -> None:
    _check_open_application(member, "approve")
    done = member.approval(side)
    if done is not None:
        raise IllegalTransitionError(
            f"applicant {member.id!r} was already approved on the {side.value} side by {done!r}"
        )


def check_can_reject(member: Member) -> None:
    _check_open_application(member, "reject")


def check_can_suspend(member: Member) -> None:
    _check_status(member, [VolunteerStatus.ACTIVE], "suspend")


def check_can_reinstate(member: Member) -> None:
    _check_status(member, [VolunteerStatus.SUSPENDED], "reinstate")


def check_can_retire(member: Member) -> None:
    _check_status(
        member,
        [VolunteerStatus.APPLICANT, VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED],
        "retire",
    )


# --- the fold --------------------------------------------------------------------------------


def apply_roster(roster: Roster, event: NetworkEvent) -> Roster:
    """Fold one roster event into the roster. Pure; other network events leave it as it is."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        return roster
    return handler(roster, event)


def _put(roster: Roster, member: Member) -> Roster:
    members = dict(roster.members)
    members[member.id] = member
    return attrs.evolve(roster, members=members)


def _applied(roster: Roster, event: VolunteerApplied) -> Roster:
    return _put(
        roster,
        Member(
            id=event.volunteer_id,
            name=event.name,
            role=event.role,
            community_id=event.community_id,
            status=VolunteerStatus.APPLICANT,
            phone=event.phone,
            referred_by=event.referred_by,
            applied_at=event.at,
            location=event.location,
            status_since=event.at,
        ),
    )


def _approved(roster: Roster, event: ScreeningApproved) -> Roster:
    member = roster.member(event.volunteer_id)
    if event.side is ScreeningSide.CADRE:
        member = attrs.evolve(member, cadre_approval=event.by)
    else:
        member = attrs.evolve(member, liaison_approval=event.by)
    if member.cadre_approval is not None and member.liaison_approval is not None:
        member = attrs.evolve(member, status=VolunteerStatus.ACTIVE, status_since=event.at)
    return _put(roster, member)


def _rejected(roster: Roster, event: ScreeningRejected) -> Roster:
    member = roster.member(event.volunteer_id)
    return _put(roster, attrs.evolve(member, rejected_by=event.by, rejection_reason=event.reason))


def _status(status: VolunteerStatus) -> Callable[[Roster, Any], Roster]:
    def handler(
        roster: Roster, event: VolunteerSuspended | VolunteerReinstated | VolunteerRetired
    ) -> Roster:
        member = roster.member(event.volunteer_id)
        reason = event.note if isinstance(event, VolunteerReinstated) else event.reason
        return _put(
            roster,
            attrs.evolve(member, status=status, status_reason=reason, status_since=event.at),
        )

    return handler


def _credential(roster: Roster, event: CredentialRecorded) -> Roster:
    member = roster.member(event.volunteer_id)
    renewed = Credential(event.credential, event.expires_at, event.at, event.by)
    others = tuple(c for c in member.credentials if c.name != event.credential)
    return _put(roster, attrs.evolve(member, credentials=(*others, renewed)))


_HANDLERS: dict[type, Callable[[Roster, Any], Roster]] = {
    VolunteerApplied: _applied,
    ScreeningApproved: _approved,
    ScreeningRejected: _rejected,
    VolunteerSuspended: _status(VolunteerStatus.SUSPENDED),
    VolunteerReinstated: _status(VolunteerStatus.ACTIVE),
    VolunteerRetired: _status(VolunteerStatus.RETIRED),
    CredentialRecorded: _credential,
}


# --- coverage --------------------------------------------------------------------------------


@attrs.frozen
class CoverageGap:
    """One unmet target: ``role`` is None for the community's total of routable volunteers."""

    community_id: str
    role: VolunteerRole | None
    need: int
    have: int

    @property
    def short_by(self) -> int:
        return self.need - self.have


@attrs.frozen
class Coverage:
    """The network against the policy's targets, and its totals.

    ``gaps`` lists every unmet target, community by community in directory order
    (the total first, then roles in the policy's order). ``by_status`` counts every
    volunteer by status; ``by_role`` and ``active`` count routable volunteers only.
    """

    gaps: tuple[CoverageGap, ...]
    volunteers: int
    active: int
    by_status: Mapping[str, int]
    by_role: Mapping[str, int]
    communities: int
    communities_without_gaps: int

    @property
    def complete(self) -> bool:
        """Whether every target is met."""
        return not self.gaps

    def gaps_in(self, community_id: str) -> tuple[CoverageGap, ...]:
        return tuple(g for g in self.gaps if g.community_id == community_id)


def coverage(
    source: Directory | Roster,
    policy: NetworkPolicy | None = None,
    *,
    at: dt.datetime | None = None,
) -> Coverage:
    """Every coverage gap of a directory's or a roster's volunteers, and the totals.

    A directory counts its ``active`` volunteers. A roster counts its routable ones: active
    and, when ``at`` is given, holding their credentials then. ``policy`` defaults to the
    roster's own policy, or the built-in one for a directory.
    """
    if isinstance(source, Roster):
        policy = policy if policy is not None else source.policy
        communities = source.community_ids
        everyone = [(m.community_id, m.role, m.status) for m in source.members.values()]
        routable = [
            (m.community_id, m.role) for m in source.members.values() if source._routable(m, at)
        ]
    else:
        policy = policy if policy is not None else default_network_policy()
        communities = tuple(c.id for c in source.communities)
        everyone = [(v.community_id, v.role, v.status) for v in source.volunteers]
        routable = [
            (v.community_id, v.role)
            for v in source.volunteers
            if v.status is VolunteerStatus.ACTIVE
        ]
    per_community = Counter(c for c, _ in routable)
    per_role = Counter(routable)
    gaps: list[CoverageGap] = []
    clean = 0
    for community_id in communities:
        before = len(gaps)
        need = policy.min_active(community_id)
        have = per_community[community_id]
        if have < need:
            gaps.append(CoverageGap(community_id, None, need, have))
        for role in policy.roles_needed(community_id):
            if per_role[community_id, role] < 1:
                gaps.append(CoverageGap(community_id, role, 1, per_role[community_id, role]))
        clean += len(gaps) == before
    status_counts = Counter(s.value for _, _, s in everyone)
    role_counts = Counter(r.value for _, r in routable)
    return Coverage(
        gaps=tuple(gaps),
        volunteers=len(everyone),
        active=len(routable),
        by_status={s.value: status_counts[s.value] for s in VolunteerStatus},
        by_role={r.value: role_counts[r.value] for r in VolunteerRole},
        communities=len(communities),
        communities_without_gaps=clean,
    )
