"""Who a desk's router may route to, as its roster has it: statuses and credentials.

A :class:`~lianfang.routing.Router` reads volunteers' statuses from its directory; the
roster changes after it was built (a cadre suspended, retired, approved, a licence
expired). :class:`Staffing` holds, for one roster, the routers that know it: the cadres
whose status differs from the directory's, and those whose credentials stop them being
routed from some instant on. Routers are made with :meth:`Router.with_statuses`, which
shares everything but the communities that change, and are kept per stretch of time in
which the same cadres are blocked.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from lianfang.directory import Directory
from lianfang.model import VolunteerStatus
from lianfang.roster import Roster
from lianfang.routing import Router

__all__ = ["Staffing"]

_KEPT = 8  # routers kept for stretches of time: reports arrive roughly in time order


class Staffing:
    """The routers that know ``roster``'s view of the directory's cadres (``cadre_ids``):
    :meth:`router_at` is the one to route a report received at a given instant with."""

    def __init__(
        self, base: Router, roster: Roster, directory: Directory, cadre_ids: Iterable[str]
    ) -> None:
        self.base = base
        self.roster = roster
        members = roster.members
        # Statuses that differ from the directory's, at any time.
        self.changed: dict[str, VolunteerStatus] = {}
        blocking: list[tuple[dt.datetime, str]] = []  # active cadres blocked from then on
        for cadre_id in cadre_ids:
            member = members[cadre_id]
            status = member.status
            if status is VolunteerStatus.ACTIVE:
                blocked = roster.blocked_from(member)
                if blocked is not None:
                    blocking.append((blocked, cadre_id))
            if status is not directory.volunteer(cadre_id).status:
                self.changed[cadre_id] = status
        blocking.sort()
        self._instants = [at for at, _ in blocking]
        self._blocked = [cadre_id for _, cadre_id in blocking]
        self._routers: dict[int, Router] = {}

    def router_at(self, at: dt.datetime) -> Router:
        """The router for a report received at ``at``: everyone blocked by then (the first
        ``k`` of the cadres, by the instant they are blocked from) counts as suspended."""
        k = bisect.bisect_right(self._instants, at)
        router = self._routers.get(k)
        if router is None:
            statuses = dict(self.changed)
            statuses.update(dict.fromkeys(self._blocked[:k], VolunteerStatus.SUSPENDED))
            router = self.base.with_statuses(statuses) if statuses else self.base
            if len(self._routers) >= _KEPT:
                self._routers.clear()
            self._routers[k] = router
        return router

    def fits(self, base: Router, roster: Roster) -> bool:
        """Whether this is the staffing of ``base`` for ``roster`` (both as they are now)."""
        return base is self.base and roster is self.roster
