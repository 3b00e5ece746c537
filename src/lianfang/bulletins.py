"""Notices and relays (信息发布与转发): bulletins to an audience of volunteers.

An officer publishes a :class:`~lianfang.events.Bulletin` to an
:class:`~lianfang.events.Audience` (zones, communities, roles, and their intersection);
:func:`audience_of` resolves it to the active volunteers on the roster, and the desk puts
one delivery per volunteer in its outbox. Volunteers acknowledge reading and record
relays to their own contacts; :func:`bulletin_stats` sums it up. Everything here is a
pure function of values.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from lianfang.errors import IllegalTransitionError
from lianfang.events import (
    Audience,
    Bulletin,
    BulletinPublished,
    BulletinRead,
    BulletinRelayed,
    BulletinTopic,
    BulletinWithdrawn,
    NetworkEvent,
)
from lianfang.model import VolunteerStatus
from lianfang.roster import Roster

__all__ = [
    "TOPIC_LABELS",
    "Audience",
    "Board",
    "Bulletin",
    "BulletinRecord",
    "BulletinStats",
    "BulletinTopic",
    "CommunityReach",
    "Relay",
    "apply_board",
    "audience_of",
    "bulletin_stats",
    "check_can_read",
    "check_can_relay",
    "check_can_withdraw",
    "mark_delivered",
]

TOPIC_LABELS: Mapping[BulletinTopic, tuple[str, str]] = {
    BulletinTopic.ANTI_FRAUD: ("防诈骗", "anti-fraud"),
    BulletinTopic.TYPHOON_WARNING: ("台风预警", "typhoon warning"),
    BulletinTopic.WANTED_PERSON: ("协查通报", "wanted person"),
    BulletinTopic.ROAD_CLOSURE: ("道路封闭", "road closure"),
    BulletinTopic.SAFETY: ("安全提示", "safety notice"),
    BulletinTopic.OTHER: ("通知", "notice"),
}
"""Readable names of the topics, zh and en."""


@attrs.frozen
class Relay:
    """A volunteer relayed a bulletin to their own contacts (转发)."""

    volunteer_id: str
    at: dt.datetime
    estimated_reach: int | None = None
    note: str = ""


@attrs.frozen
class BulletinRecord:
    """A published bulletin and what became of it.

    ``recipient_ids`` are the volunteers it was sent to (the audience when published);
    ``delivered`` those the host confirmed; ``read`` maps a reader to when they
    acknowledged it; ``relays`` are in the order recorded.
    """

    bulletin: Bulletin
    published_by: str
    recipient_ids: tuple[str, ...]
    delivered: frozenset[str] = frozenset()
    read: Mapping[str, dt.datetime] = attrs.field(factory=dict)
    relays: tuple[Relay, ...] = ()
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None

    @property
    def id(self) -> str:
        return self.bulletin.id

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def is_live(self, at: dt.datetime) -> bool:
        """Issued, not expired and not withdrawn at ``at``."""
        return not self.is_withdrawn and self.bulletin.is_current(at)

    def message(self, lang: str = "zh") -> str:
        """The text a volunteer receives: ``【防诈骗】title\\ntext``."""
        zh, en = TOPIC_LABELS[self.bulletin.topic]
        return f"【{zh if lang == 'zh' else en}】{self.bulletin.title}\n{self.bulletin.text}"


Board = Mapping[str, BulletinRecord]
"""Every bulletin published, by id, in publishing order."""


def audience_of(audience: Audience, roster: Roster) -> tuple[str, ...]:
    """The ids of the active volunteers an audience reaches, in roster order.

    Suspended, retired and applicant members are never in it.
    """
    return tuple(
        m.id
        for m in roster.members.values()
        if m.status is VolunteerStatus.ACTIVE
        and audience.matches(roster.zone_of.get(m.community_id), m.community_id, m.role)
    )


# --- guards ------------------------------------------------------------------------------------


def check_can_read(record: BulletinRecord, volunteer_id: str, at: dt.datetime) -> None:
    _check_recipient(record, volunteer_id, "acknowledge")
    _check_live(record, at, "acknowledge")
    if volunteer_id in record.read:
        raise IllegalTransitionError(
            f"{volunteer_id!r} already acknowledged bulletin {record.id!r} at "
            f"{record.read[volunteer_id].isoformat()}"
        )


def check_can_relay(record: BulletinRecord, volunteer_id: str, at: dt.datetime) -> None:
    _check_recipient(record, volunteer_id, "relay")
    _check_live(record, at, "relay")


def check_can_withdraw(record: BulletinRecord) -> None:
    if record.is_withdrawn:
        raise IllegalTransitionError(
            f"bulletin {record.id!r} was already withdrawn by {record.withdrawn_by!r}"
        )


def _check_recipient(record: BulletinRecord, volunteer_id: str, action: str) -> None:
    if volunteer_id not in record.recipient_ids:
        raise IllegalTransitionError(
            f"{volunteer_id!r} cannot {action} bulletin {record.id!r}: it was not sent to them"
        )


def _check_live(record: BulletinRecord, at: dt.datetime, action: str) -> None:
    if record.is_withdrawn:
        raise IllegalTransitionError(f"cannot {action} bulletin {record.id!r}: it was withdrawn")
    if not record.bulletin.is_current(at):
        raise IllegalTransitionError(
            f"cannot {action} bulletin {record.id!r} at {at.isoformat()}: it is current "
            f"from {record.bulletin.issued_at.isoformat()} "
            f"until {record.bulletin.expires_at.isoformat()}"
        )


# --- the fold ------------------------------------------------------------------------------


def apply_board(board: Board, event: NetworkEvent) -> Board:
    """Fold one bulletin event into the board. Pure; other events leave it as it is."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        return board
    return handler(board, event)


def _put(board: Board, record: BulletinRecord) -> Board:
    out = dict(board)
    out[record.id] = record
    return out


def _published(board: Board, event: BulletinPublished) -> Board:
    return _put(board, BulletinRecord(event.bulletin, event.by, event.recipient_ids))


def _read(board: Board, event: BulletinRead) -> Board:
    record = board[event.bulletin_id]
    return _put(board, attrs.evolve(record, read={**record.read, event.by: event.at}))


def _relayed(board: Board, event: BulletinRelayed) -> Board:
    record = board[event.bulletin_id]
    relay = Relay(event.by, event.at, event.estimated_reach, event.note)
    read = record.read if event.by in record.read else {**record.read, event.by: event.at}
    return _put(board, attrs.evolve(record, relays=(*record.relays, relay), read=read))


def _withdrawn(board: Board, event: BulletinWithdrawn) -> Board:
    record = board[event.bulletin_id]
    return _put(
        board,
        attrs.evolve(
            record, withdrawn_at=event.at, withdrawn_by=event.by, withdrawal_reason=event.reason
        ),
    )


def mark_delivered(board: Board, bulletin_id: str, volunteer_id: str) -> Board:
    """The host confirmed delivering ``bulletin_id`` to ``volunteer_id``."""
    record = board.get(bulletin_id)
    if record is None or volunteer_id in record.delivered:
        return board
    return _put(board, attrs.evolve(record, delivered=record.delivered | {volunteer_id}))


_HANDLERS: dict[type, Callable[[Board, Any], Board]] = {
    BulletinPublished: _published,
    BulletinRead: _read,
    BulletinRelayed: _relayed,
    BulletinWithdrawn: _withdrawn,
}


# --- statistics ------------------------------------------------------------------------------


@attrs.frozen
class CommunityReach:
    """How far a bulletin got in one community: ``share`` is readers over recipients."""

    community_id: str
    recipients: int
    read: int
    relayed: int

    @property
    def share(self) -> float:
        return self.read / self.recipients if self.recipients else 0.0


@attrs.frozen
class BulletinStats:
    """What became of one bulletin.

    ``delivered`` counts recipients the host confirmed or who read it; ``read`` those who
    acknowledged it (a relay counts as reading); ``relayed`` the volunteers who relayed it
    at least once, ``relays`` all relays; ``estimated_reach`` adds up the volunteers'
    estimates of the people their relays reached (relays without an estimate add nothing).
    """

    bulletin_id: str
    recipients: int
    delivered: int
    read: int
    relayed: int
    relays: int
    estimated_reach: int
    communities: tuple[CommunityReach, ...]
    withdrawn: bool

    @property
    def read_share(self) -> float:
        return self.read / self.recipients if self.recipients else 0.0


def bulletin_stats(record: BulletinRecord, roster: Roster) -> BulletinStats:
    """Delivered, read, relayed, estimated reach and each community's share reached."""
    recipients = record.recipient_ids
    relayers = {r.volunteer_id for r in record.relays}
    delivered = record.delivered | set(record.read)

    def community(volunteer_id: str) -> str:
        member = roster.members.get(volunteer_id)
        return member.community_id if member is not None else "?"

    per_recipients = Counter(community(v) for v in recipients)
    per_read = Counter(community(v) for v in record.read)
    per_relayed = Counter(community(v) for v in relayers)
    order = list(dict.fromkeys(community(v) for v in recipients))
    return BulletinStats(
        bulletin_id=record.id,
        recipients=len(recipients),
        delivered=len(delivered),
        read=len(record.read),
        relayed=len(relayers),
        relays=len(record.relays),
        estimated_reach=sum(r.estimated_reach or 0 for r in record.relays),
        communities=tuple(
            CommunityReach(c, per_recipients[c], per_read[c], per_relayed[c]) for c in order
        ),
        withdrawn=record.is_withdrawn,
    )
