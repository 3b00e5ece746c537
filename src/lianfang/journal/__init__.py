"""The journal port: where the desk keeps its events, and three adapters for it.

A journal is an append-only sequence of opaque records. The desk serialises its own
events to :class:`EventRecord` (a type name and compact JSON text) and appends them;
on restore it reads :class:`StoredEvent` values back in order. Three adapters share
one contract (``tests/integration/test_journal_contract.py``):

- :class:`MemoryJournal`: in the process only, for tests and throwaway desks;
- :class:`JSONLinesJournal`: one event per line in a text file a person can read;
- :class:`SQLiteJournal`: stdlib ``sqlite3``, the embedded default for real use.

Every adapter checks ``expected_version`` (optimistic concurrency), writes a batch
all-or-nothing, rejects bad records before writing anything, and raises only
lianfang errors (:class:`~lianfang.errors.JournalError` for storage failures). Each
is a context manager that closes it.
"""

from lianfang.journal._records import EventRecord, Journal, JournalRecoveryWarning, StoredEvent
from lianfang.journal.jsonl import JSONLinesJournal
from lianfang.journal.memory import MemoryJournal
from lianfang.journal.sqlite import SQLiteJournal

__all__ = [
    "EventRecord",
    "JSONLinesJournal",
    "Journal",
    "JournalRecoveryWarning",
    "MemoryJournal",
    "SQLiteJournal",
    "StoredEvent",
]
