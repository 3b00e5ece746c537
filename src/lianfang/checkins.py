"""Scheduled check-ins (报备): sites that report on a schedule, and those that missed theirs.

Docks, ferry crossings, firms and estates (:class:`~lianfang.model.Site` with
``check_in_every_hours``) check in with a status, normal or something to report. A site
is watched from :class:`~lianfang.events.CheckInsStarted` or its first check-in; each
check-in sets the next due time. :func:`overdue_check_ins` lists who missed theirs, and
:func:`reminders_due` says whom to remind (the site contact, then the community's liaison
officers). Everything here is a pure function of values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from lianfang.directory import Directory
from lianfang.errors import IllegalTransitionError, UnknownIdError
from lianfang.events import (
    SYSTEM,
    CheckInRecorded,
    CheckInReminded,
    CheckInsStarted,
    CheckInStatus,
    NetworkEvent,
)

__all__ = [
    "CheckInBook",
    "CheckInStatus",
    "Overdue",
    "SiteWatch",
    "apply_book",
    "overdue_check_ins",
    "reminders_due",
]

CONTACT_REMINDED = 1
LIAISON_TOLD = 2


@attrs.frozen
class SiteWatch:
    """One watched site: when its next check-in is due and what it last said.

    ``reminders`` is how far the reminders for the current due time went: 0 none yet,
    1 the contact was reminded, 2 the liaison officers were told.
    """

    site_id: str
    every: dt.timedelta
    watched_since: dt.datetime
    due_at: dt.datetime
    last_check_in_at: dt.datetime | None = None
    last_status: CheckInStatus | None = None
    last_text: str = ""
    check_ins: int = 0
    reports: int = 0
    reminders: int = 0


def _every(value: Mapping[str, dt.timedelta]) -> Mapping[str, dt.timedelta]:
    return dict(value)


def _watches(value: Mapping[str, SiteWatch]) -> Mapping[str, SiteWatch]:
    return dict(value)


@attrs.frozen(eq=True)
class CheckInBook:
    """The check-in schedule of every site (``every``) and the sites being watched."""

    every: Mapping[str, dt.timedelta] = attrs.field(converter=_every)
    watches: Mapping[str, SiteWatch] = attrs.field(factory=dict, converter=_watches)

    @classmethod
    def from_directory(cls, directory: Directory) -> CheckInBook:
        """Schedules of the directory's sites that have ``check_in_every_hours``."""
        return cls(
            every={
                s.id: dt.timedelta(hours=s.check_in_every_hours)
                for s in directory.sites
                if s.check_in_every_hours is not None
            }
        )

    def watch(self, site_id: str) -> SiteWatch:
        """The watch of a site, or :class:`~lianfang.errors.UnknownIdError` if not watched."""
        found = self.watches.get(site_id)
        if found is None:
            raise UnknownIdError("watched site", site_id)
        return found

    def check_scheduled(self, site_id: str) -> dt.timedelta:
        """The site's interval; a site without a schedule cannot check in."""
        every = self.every.get(site_id)
        if every is None:
            raise IllegalTransitionError(
                f"site {site_id!r} has no check-in schedule (check_in_every_hours)"
            )
        return every


# --- the fold --------------------------------------------------------------------------------


def apply_book(book: CheckInBook, event: NetworkEvent) -> CheckInBook:
    """Fold one check-in event into the book. Pure; other events leave it as it is."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        return book
    return handler(book, event)


def _put(book: CheckInBook, *watches: SiteWatch) -> CheckInBook:
    out = dict(book.watches)
    for watch in watches:
        out[watch.site_id] = watch
    return attrs.evolve(book, watches=out)


def _started(book: CheckInBook, event: CheckInsStarted) -> CheckInBook:
    return _put(
        book,
        *(
            SiteWatch(site, book.every[site], event.at, event.at + book.every[site])
            for site in event.site_ids
        ),
    )


def _recorded(book: CheckInBook, event: CheckInRecorded) -> CheckInBook:
    every = book.every[event.site_id]
    watch = book.watches.get(event.site_id) or SiteWatch(event.site_id, every, event.at, event.at)
    return _put(
        book,
        attrs.evolve(
            watch,
            due_at=event.at + every,
            last_check_in_at=event.at,
            last_status=event.status,
            last_text=event.text,
            check_ins=watch.check_ins + 1,
            reports=watch.reports + (event.report_id is not None),
            reminders=0,
        ),
    )


def _reminded(book: CheckInBook, event: CheckInReminded) -> CheckInBook:
    watch = book.watches[event.site_id]
    return _put(book, attrs.evolve(watch, reminders=max(watch.reminders, event.stage)))


_HANDLERS: dict[type, Callable[[CheckInBook, Any], CheckInBook]] = {
    CheckInsStarted: _started,
    CheckInRecorded: _recorded,
    CheckInReminded: _reminded,
}


# --- who missed theirs --------------------------------------------------------------------


@attrs.frozen
class Overdue:
    """A site that missed its check-in: due at ``due_at``, ``late_by`` at the time asked."""

    site_id: str
    due_at: dt.datetime
    late_by: dt.timedelta
    reminders: int
    last_check_in_at: dt.datetime | None


def overdue_check_ins(
    book: CheckInBook, now: dt.datetime, *, grace: dt.timedelta = dt.timedelta(0)
) -> tuple[Overdue, ...]:
    """Watched sites whose check-in was due at least ``grace`` before ``now``, most late first."""
    late = [
        Overdue(w.site_id, w.due_at, now - w.due_at, w.reminders, w.last_check_in_at)
        for w in book.watches.values()
        if w.due_at + grace <= now
    ]
    return tuple(sorted(late, key=lambda o: (o.due_at, o.site_id)))


def reminders_due(
    book: CheckInBook,
    directory: Directory,
    now: dt.datetime,
    *,
    grace: dt.timedelta,
    escalate_after: dt.timedelta,
) -> list[CheckInReminded]:
    """The reminders to send at ``now``: stage 1 to the site contact once a check-in is
    ``grace`` late, stage 2 to the community's liaison officers (or, with none, the zone
    leader) ``escalate_after`` later. A site with no contact goes straight to stage 2.
    Asking again with the same ``now`` after folding them in gives nothing new."""
    out: list[CheckInReminded] = []
    for watch in book.watches.values():
        first = watch.due_at + grace
        if now < first:
            continue
        site = directory.site(watch.site_id)
        stage = LIAISON_TOLD if now >= first + escalate_after else CONTACT_REMINDED
        if stage == CONTACT_REMINDED and site.contact_id is None:
            stage = LIAISON_TOLD
        if watch.reminders < CONTACT_REMINDED <= stage and site.contact_id is not None:
            out.append(
                CheckInReminded(
                    now, SYSTEM, watch.site_id, watch.due_at, CONTACT_REMINDED, (site.contact_id,)
                )
            )
        if watch.reminders < LIAISON_TOLD <= stage:
            community = directory.community(site.community_id)
            officers = community.liaison_officer_ids or (directory.leader_of(site.community_id).id,)
            out.append(
                CheckInReminded(
                    now, SYSTEM, watch.site_id, watch.due_at, LIAISON_TOLD, tuple(officers)
                )
            )
    return out
