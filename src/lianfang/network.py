"""The volunteer network (联防志愿者网络) as one pure fold of the journal's network events.

:class:`Network` holds the :class:`~lianfang.roster.Roster` (recruitment, screening,
credentials), the bulletin board (:mod:`lianfang.bulletins`) and the check-in book
(:mod:`lianfang.checkins`). :func:`apply_network` folds one event into it;
:func:`fold_network` folds a whole journal (or any sequence of events), optionally only up
to a moment, so the roster at any time can be rebuilt and exported as a directory::

    network = lf.fold_network(directory, lf.read_journal(journal), until=last_monday)
    router = lf.Router(network.roster.to_directory(directory, at=last_monday))

The :class:`~lianfang.desk.Desk` folds the same events through the same function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from lianfang.bulletins import Board, BulletinRecord, apply_board, mark_delivered
from lianfang.checkins import CheckInBook, apply_book
from lianfang.directory import Directory
from lianfang.errors import UnknownIdError
from lianfang.events import AnyEvent, Event, MessageDelivered, NetworkEvent, decode
from lianfang.journal import Journal
from lianfang.network_policy import NetworkPolicy
from lianfang.roster import Roster, apply_roster

__all__ = ["Network", "apply_network", "fold_network", "read_journal"]


def _as_dict(value: Board) -> Board:
    return dict(value)


@attrs.frozen(eq=True)
class Network:
    """The roster, the bulletins and the check-ins, as folded so far."""

    roster: Roster
    board: Board = attrs.field(factory=dict, converter=_as_dict)
    book: CheckInBook = attrs.field(factory=lambda: CheckInBook({}))

    @classmethod
    def start(cls, directory: Directory, policy: NetworkPolicy | None = None) -> Network:
        """The network as the directory has it: its volunteers and site schedules."""
        return cls(
            roster=Roster.from_directory(directory, policy),
            book=CheckInBook.from_directory(directory),
        )

    @property
    def policy(self) -> NetworkPolicy:
        return self.roster.policy

    def bulletin(self, bulletin_id: str) -> BulletinRecord:
        """A published bulletin, or :class:`~lianfang.errors.UnknownIdError`."""
        found = self.board.get(bulletin_id)
        if found is None:
            raise UnknownIdError("bulletin", bulletin_id)
        return found


def apply_network(network: Network, event: NetworkEvent) -> Network:
    """Fold one network event. Pure: the same network and event give the same network."""
    roster = apply_roster(network.roster, event)
    board = apply_board(network.board, event)
    if isinstance(event, MessageDelivered) and event.subject_id is not None:
        board = mark_delivered(board, event.subject_id, event.recipient_id)
    book = apply_book(network.book, event)
    if roster is network.roster and board is network.board and book is network.book:
        return network
    return Network(roster, board, book)


def fold_network(
    directory: Directory,
    events: Iterable[AnyEvent | tuple[int, AnyEvent]],
    *,
    policy: NetworkPolicy | None = None,
    until: dt.datetime | None = None,
) -> Network:
    """The network after ``events`` (incident events are skipped), starting from
    ``directory``; with ``until``, only events before that moment count."""
    network = Network.start(directory, policy)
    for item in events:
        event = item[1] if isinstance(item, tuple) else item
        if isinstance(event, Event):
            continue
        if until is not None and event.at >= until:
            continue
        network = apply_network(network, event)
    return network


def read_journal(journal: Journal, *, after: int = 0) -> list[AnyEvent]:
    """Every event of a journal after position ``after``, decoded, in order."""
    return [decode(stored) for stored in journal.read(after=after)]
