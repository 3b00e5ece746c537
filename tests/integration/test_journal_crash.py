"""No acknowledged event is lost when the writing process is killed at random moments.

A writer subprocess (``_journal_writer.py``) appends batches and prints each version
once ``append`` has returned; this test SIGKILLs it at random moments, many times,
then reopens the journal and checks that every acknowledged batch is there, whole and
in order, that no batch is there in part, and that the journal still takes appends.
(SIGKILL tests the process dying; a power cut is the fsync's job, not testable here.)
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from _journal_writer import BATCH_SIZES, batch_records

from lianfang.journal import (
    EventRecord,
    JournalRecoveryWarning,
    JSONLinesJournal,
    SQLiteJournal,
    StoredEvent,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL and flock")

ROUNDS = 25
WRITER = Path(__file__).with_name("_journal_writer.py")
STARTUP_TIMEOUT_S = 60.0


def open_journal(kind: str, path: Path) -> JSONLinesJournal | SQLiteJournal:
    return JSONLinesJournal(path) if kind == "jsonl" else SQLiteJournal(path)


def run_and_kill_writer(kind: str, path: Path, writer: int, rng: random.Random) -> list[int]:
    """Start a writer, SIGKILL it at a random moment, return the versions it acknowledged."""
    process = subprocess.Popen(
        [sys.executable, str(WRITER), kind, str(path), str(writer)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        first_line = ""
        if rng.random() < 0.8:  # mostly let it acknowledge something before the kill
            ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT_S)
            assert ready, f"writer {writer} printed nothing in {STARTUP_TIMEOUT_S} s"
            first_line = process.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(process.pid, signal.SIGKILL)
        rest, errors = process.communicate(timeout=STARTUP_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, f"writer {writer} died by itself:\n{errors}"
    # The kill may cut the last line short: only whole lines were acknowledged.
    lines = (first_line + rest).splitlines(keepends=True)
    return [int(line) for line in lines if line.endswith("\n")]


class Replay:
    """The data each writer appends, batch by batch, regenerated from its seed."""

    def __init__(self) -> None:
        self._rngs: dict[int, random.Random] = {}
        self._batches: dict[int, list[list[str]]] = {}

    def batches(self, writer: int, count: int) -> list[list[str]]:
        rng = self._rngs.setdefault(writer, random.Random(writer))
        known = self._batches.setdefault(writer, [])
        while len(known) < count:
            records = batch_records(writer, len(known), rng.choice(BATCH_SIZES), rng)
            known.append([r.data for r in records])
        return known[:count]


def check_journal(
    events: list[StoredEvent], acknowledged: list[int], writers: int, replay: Replay
) -> None:
    assert [e.position for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= max(acknowledged, default=0), "an acknowledged event is missing"

    decoded = [json.loads(e.data) for e in events]
    batch_ends: set[int] = set()
    batches_by_writer: dict[int, list[list[str]]] = {}
    start = 0
    while start < len(events):
        head = decoded[start]
        end = start + head["size"]
        members = decoded[start:end]
        assert [(d["writer"], d["batch"], d["index"]) for d in members] == [
            (head["writer"], head["batch"], index) for index in range(head["size"])
        ], f"the batch starting at position {start + 1} is not whole"
        batches_by_writer.setdefault(head["writer"], []).append([e.data for e in events[start:end]])
        batch_ends.add(end)
        start = end

    assert set(acknowledged) <= batch_ends, "an acknowledged version is not the end of a batch"
    assert set(batches_by_writer) <= set(range(writers))
    for writer, batches in batches_by_writer.items():
        # Each writer's batches are exactly its first few, in order: none lost, none twice.
        assert batches == replay.batches(writer, len(batches)), f"writer {writer}"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_every_acknowledged_append_survives_the_writer_being_killed_at_random_moments(
    kind: str, tmp_path: Path
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    path = tmp_path / f"journal.{kind}"
    acknowledged: list[int] = []
    torn_tails_recovered = 0
    replay = Replay()

    for writer in range(ROUNDS):
        acknowledged += run_and_kill_writer(kind, path, writer, rng)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with open_journal(kind, path) as journal:
                events = list(journal.read())
        torn_tails_recovered += any(w.category is JournalRecoveryWarning for w in caught)
        try:
            check_journal(events, acknowledged, writer + 1, replay)
        except AssertionError as e:
            raise AssertionError(f"after writer {writer} (seed {seed}): {e}") from e

    assert acknowledged, "no writer acknowledged anything: the kills came too early"
    with open_journal(kind, path) as journal:
        version = journal.version
        record = EventRecord("PatrolLogged", '{"after":"the crashes"}')
        assert journal.append([record], expected_version=version) == version + 1
        assert list(journal.read(after=version)) == [
            StoredEvent(version + 1, record.type, record.data)
        ]
    print(
        f"{kind}: {len(acknowledged)} acknowledged appends, {version} events, "
        f"{torn_tails_recovered} torn tails recovered (seed {seed})"
    )
