"""Closed incidents kept as the journal records they were folded from, read when asked for.

Most of a long journal is incidents opened and closed long ago. A replay that sees an
incident open and close (received, routed, perhaps acknowledged, resolved) keeps it as
its few records, in UTF-8, instead of building its report, decision and incident: a
restored desk is ready sooner and holds less. The incident is read from its records, by
the same decoding and fold as any other, the first time someone asks for it; from then on
it is an ordinary :class:`~lianfang.incident.Incident`.

Only what the rest of the desk needs of such an incident is read at once (its id, its
report's id and time, whom its routing told: see :func:`lianfang.events.glance_opening`).
Damage in the other fields of its records is found when it is read, and raises
:class:`~lianfang.errors.CorruptJournalError` naming the record's position then.
"""

from __future__ import annotations

from lianfang.events import (
    Event,
    IncidentAcknowledged,
    IncidentResolved,
    IncidentRouted,
    ReportReceived,
    decode,
)
from lianfang.incident import Incident, apply, fold_opening
from lianfang.journal import StoredEvent

__all__ = ["SealedIncident"]

_RECEIVED, _ROUTED, _ACKNOWLEDGED, _RESOLVED = (
    cls.__name__ for cls in (ReportReceived, IncidentRouted, IncidentAcknowledged, IncidentResolved)
)
# A sealed incident's record types follow from how many it has.
_SEALED_TYPES: dict[int, tuple[str, ...]] = {
    3: (_RECEIVED, _ROUTED, _RESOLVED),
    4: (_RECEIVED, _ROUTED, _ACKNOWLEDGED, _RESOLVED),
}


class SealedIncident:
    """The records of one incident, opening first, not yet read.

    A replay adds its acknowledgement, if any, while the incident is open, and seals it
    with its resolution, which packs the records small. Not a value: the desk replaces
    it with the incident it reads.
    """

    __slots__ = ("_positions", "_records", "_text")

    def __init__(self, received: StoredEvent, routed: StoredEvent) -> None:
        # The records as they came, until they are packed into _positions and _text.
        self._records: list[StoredEvent] | None = [received, routed]
        self._positions: tuple[int, ...] = ()
        self._text = b""

    def add(self, acknowledged: StoredEvent) -> bool:
        """Keep the incident's acknowledgement; False (keeping nothing) if it has one."""
        if self._records is None or len(self._records) != 2:
            return False
        self._records.append(acknowledged)
        return True

    def seal(self, resolved: StoredEvent) -> None:
        """Keep the resolution, the last record, and pack the records: their texts as one
        UTF-8 string (half the size of most Chinese-bearing text held as ``str``)."""
        assert self._records is not None, "sealed once"
        records = [*self._records, resolved]
        # The records' texts are separated by line breaks, which a compact record written
        # by this library never holds (JSON escapes them); one that does stays unpacked.
        if any("\n" in r.data for r in records):
            self._records = records
            return
        self._records = None
        self._positions = tuple([r.position for r in records])
        self._text = "\n".join([r.data for r in records]).encode()

    @property
    def records(self) -> list[StoredEvent]:
        """The records kept, in journal order."""
        if self._records is not None:
            return list(self._records)
        types = _SEALED_TYPES[len(self._positions)]
        texts = self._text.decode().split("\n")
        return [StoredEvent(*fields) for fields in zip(self._positions, types, texts, strict=True)]

    def read(self) -> Incident:
        """The incident these records fold into, exactly as an eager replay builds it."""
        received, routed, *later = (decode(stored) for stored in self.records)
        if not isinstance(received, ReportReceived) or not isinstance(routed, IncidentRouted):
            raise TypeError("a sealed incident starts with its received and routed records")
        incident = fold_opening(received, routed)
        for event in later:
            assert isinstance(event, Event)
            incident = apply(incident, event)
        return incident
