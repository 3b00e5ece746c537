"""Append batches to a journal until killed, printing each acknowledged version.

Run by ``test_journal_crash.py`` as ``python _journal_writer.py {jsonl|sqlite} PATH WRITER``.
Each event's data says which writer and batch it belongs to and the batch's size, so
the test can tell whole batches from partial ones. A version is printed (and flushed)
only after ``append`` has returned, i.e. once the journal has acknowledged it.
"""

from __future__ import annotations

import json
import random
import sys
import warnings

from lianfang.journal import EventRecord, JournalRecoveryWarning, JSONLinesJournal, SQLiteJournal

# Mostly small appends, with large ones now and then so a kill can land mid-write.
BATCH_SIZES = (1, 1, 1, 2, 3, 5, 8, 40, 300, 3000)


def batch_records(writer: int, batch: int, size: int, rng: random.Random) -> list[EventRecord]:
    return [
        EventRecord(
            "PatrolLogged",
            json.dumps(
                {
                    "writer": writer,
                    "batch": batch,
                    "index": i,
                    "size": size,
                    "note": "巡逻" * rng.randint(0, 20),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        )
        for i in range(size)
    ]


def main(kind: str, path: str, writer: int) -> None:
    warnings.simplefilter("ignore", JournalRecoveryWarning)  # earlier writers were killed
    journal = JSONLinesJournal(path) if kind == "jsonl" else SQLiteJournal(path)
    rng = random.Random(writer)
    version = journal.version
    batch = 0
    while True:
        records = batch_records(writer, batch, rng.choice(BATCH_SIZES), rng)
        version = journal.append(records, expected_version=version)
        print(version, flush=True)
        batch += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
