"""Desk snapshots: restore from one plus the events after it gives exactly the full replay."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

import lianfang as lf
from lianfang import scenario
from lianfang.events import Audience, Bulletin, BulletinTopic
from lianfang.snapshot import load_snapshot
from lianfang.testing import assert_same_desk_state

DIRECTORY = lf.sample_directory()


@pytest.fixture(scope="module")
def played() -> lf.MemoryJournal:
    """Four weeks of the Pingtan scenario: clues with follow-ups and figures, hand-offs,
    escalations, feedback, check-ins, and the volunteer network's events."""
    generated = scenario.generate(
        DIRECTORY, seed=7, start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 28)
    )
    desk = lf.Desk(DIRECTORY)
    scenario.simulate(generated, desk)
    # and some of the volunteer network's own events
    at = dt.datetime(2021, 3, 29, 9, 0, tzinfo=DIRECTORY.tz)
    community = DIRECTORY.community("C-18")
    desk.record_application(
        volunteer_id="V-N01",
        name="陈志强",
        role=lf.VolunteerRole.SECURITY_GUARD,
        community_id=community.id,
        phone="13700000001",
        referred_by=community.cadre_ids[0],
        at=at,
    )
    desk.approve_volunteer("V-N01", by=community.cadre_ids[0], at=at + dt.timedelta(hours=1))
    notice = Bulletin(
        id="B-1",
        topic=BulletinTopic.ANTI_FRAUD,
        title="警惕“客服退款”诈骗",
        text="凡自称电商客服、要求转账的，一律是诈骗。",
        issued_at=at + dt.timedelta(hours=2),
        expires_at=at + dt.timedelta(days=7),
        audience=Audience(zone_ids=(DIRECTORY.zones[0].id,)),
    )
    record = desk.publish_bulletin(notice, by=DIRECTORY.zones[0].leader_id)
    desk.mark_delivered(desk.outbox()[-1].id, at=at + dt.timedelta(hours=3))
    desk.record_read("B-1", by=record.recipient_ids[0], at=at + dt.timedelta(hours=4))
    assert isinstance(desk.journal, lf.MemoryJournal)
    return desk.journal


def _first(journal: lf.Journal, count: int) -> lf.MemoryJournal:
    """A journal holding the first ``count`` events of ``journal``."""
    copy = lf.MemoryJournal()
    records = [lf.EventRecord(s.type, s.data) for s in journal.read() if s.position <= count]
    if records:
        copy.append(records, expected_version=0)
    return copy


@pytest.mark.parametrize("share", [0.0, 0.01, 0.37, 0.5, 0.83, 1.0])
def test_a_snapshot_plus_the_later_events_restore_the_full_replay(
    played: lf.MemoryJournal, share: float
) -> None:
    cut = int(played.version * share)
    taken = lf.Desk.restore(DIRECTORY, _first(played, cut)).snapshot()
    assert load_snapshot(taken).version == cut

    from_snapshot = lf.Desk.restore(DIRECTORY, played, snapshot=taken)
    assert_same_desk_state(from_snapshot, lf.Desk.restore(DIRECTORY, played))


def test_the_scenario_exercises_what_a_snapshot_must_carry(played: lf.MemoryJournal) -> None:
    # Otherwise the test above proves less than it claims.
    desk = lf.Desk.restore(DIRECTORY, played)
    incidents = desk.incidents()
    assert any(i.follow_ups and i.figures for i in incidents)
    assert any(i.satisfaction is not None for i in incidents)
    assert any(i.escalations for i in incidents)
    assert any(i.report_count > 1 for i in incidents)
    assert any(i.is_open for i in incidents)
    assert desk.outbox()
    assert desk._state.network_events


def test_a_desk_restored_from_a_snapshot_goes_on_like_the_original() -> None:
    desk = lf.Desk(DIRECTORY)
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=DIRECTORY.tz)
    first = desk.receive(
        lf.Report("R-1", at, "有人打架，有人流血", lf.Channel.VOLUNTEER, community_id="C-01")
    )
    again = lf.Desk.restore(DIRECTORY, desk.journal, snapshot=desk.snapshot())

    # The duplicate index came back: a second report of the fight joins the incident.
    second = lf.Report(
        "R-2", at + dt.timedelta(minutes=3), "又有人打架", lf.Channel.VOLUNTEER, community_id="C-01"
    )
    assert again.receive(second).id == first.id
    # The deadline heap came back: the unacknowledged emergency escalates on time.
    escalated = again.tick(at + dt.timedelta(hours=1))
    assert [e.incident_id for e in escalated if isinstance(e, lf.IncidentEscalated)]
    assert_same_desk_state(lf.Desk.restore(DIRECTORY, again.journal), again)


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_snapshots_work_with_the_file_journals(tmp_path: Path, kind: str) -> None:
    def open_journal() -> lf.SQLiteJournal | lf.JSONLinesJournal:
        if kind == "sqlite":
            return lf.SQLiteJournal(tmp_path / "desk.sqlite")
        return lf.JSONLinesJournal(tmp_path / "desk.jsonl")

    journal = open_journal()
    desk = lf.Desk(DIRECTORY, journal)
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=DIRECTORY.tz)
    for n, text in enumerate(["路灯坏了", "楼上噪音太大", "3号楼有人聚众赌博"]):
        report = lf.Report(f"R-{n}", at + dt.timedelta(hours=n), text, lf.Channel.APP)
        desk.receive(report)
    (tmp_path / "desk.snapshot").write_text(desk.snapshot(), encoding="utf-8")
    desk.acknowledge("R-0", by=desk.incident("R-0").owner_id, at=at + dt.timedelta(hours=5))
    journal.close()

    reopened = open_journal()
    text = (tmp_path / "desk.snapshot").read_text(encoding="utf-8")
    assert_same_desk_state(
        lf.Desk.restore(DIRECTORY, reopened, snapshot=text), lf.Desk.restore(DIRECTORY, reopened)
    )
    reopened.close()


def _desk_with(*texts: str) -> lf.Desk:
    desk = lf.Desk(DIRECTORY)
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=DIRECTORY.tz)
    for n, text in enumerate(texts):
        desk.receive(lf.Report(f"R-{n}", at + dt.timedelta(hours=n), text, lf.Channel.APP))
    return desk


def test_a_snapshot_of_another_journal_is_refused() -> None:
    taken = _desk_with("路灯坏了", "楼上噪音太大").snapshot()
    other = _desk_with("路灯坏了", "有人占道摆摊")
    with pytest.raises(lf.SnapshotError, match=r"\$\.fingerprint: .*position 4"):
        lf.Desk.restore(DIRECTORY, other.journal, snapshot=taken)


def test_a_snapshot_ahead_of_the_journal_is_refused() -> None:
    taken = _desk_with("路灯坏了", "楼上噪音太大").snapshot()
    shorter = _desk_with("路灯坏了")
    with pytest.raises(lf.SnapshotError, match=r"\$\.version: .*version 4.*holds 2 events"):
        lf.Desk.restore(DIRECTORY, shorter.journal, snapshot=taken)


def test_an_empty_desk_snapshot_restores_anything_from_the_start() -> None:
    empty = lf.Desk(DIRECTORY).snapshot()
    later = _desk_with("路灯坏了", "楼上噪音太大")
    assert_same_desk_state(lf.Desk.restore(DIRECTORY, later.journal, snapshot=empty), later)


def _resealed(header: dict[str, Any], body: dict[str, Any]) -> str:
    """Snapshot text from a header and a body, with the body's checksum made to fit it."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    header["crc32"] = f"{zlib.crc32(text.encode()):08x}"
    return json.dumps(header) + "\n" + text


def _damaged(change: str) -> str:
    header_text, body_text = _desk_with("路灯坏了", "有人打架").snapshot().split("\n")
    if change == "not json":
        return "{" + header_text + "\n" + body_text
    if change == "flipped":  # one character of the body changed, the checksum left alone
        return header_text + "\n" + body_text.replace("路灯", "路等", 1)
    header, body = json.loads(header_text), json.loads(body_text)
    if change == "format":
        header["format"] = "something else"
    elif change == "incident":
        body["strings"].append("on fire")  # no such state
        body["incidents"][1][3] = len(body["strings"])
    elif change == "incident shape":
        body["incidents"][0] = body["incidents"][0][:5]
    elif change == "time":
        body["times"].append("yesterday")
    elif change == "notification":
        body["outbox"][1][4] = 10**6  # no such instant
    elif change == "version":
        header["version"] = -3
    elif change == "missing":
        del body["outbox"]
    return _resealed(header, body)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("not json", r"\$: not snapshot text"),
        ("flipped", r"\$\.crc32: the body does not match its checksum"),
        ("format", r"\$\.format: expected 'lianfang\.desk-snapshot/2', found 'something else'"),
        ("incident", r"\$\.incidents\[1\]: missing 'on fire'"),
        ("incident shape", r"\$\.incidents\[0\]: .*values to unpack"),
        ("time", r"\$\.times\[\d+\]: .*isoformat.*'yesterday'"),
        ("notification", r"\$\.outbox\[1\]: list index out of range"),
        ("version", r"\$\.version: must be a whole number >= 0, not -3"),
        ("missing", r"\$\.outbox: missing 'outbox'"),
    ],
)
def test_a_damaged_snapshot_names_the_part_that_is_wrong(change: str, problem: str) -> None:
    desk = _desk_with("路灯坏了", "有人打架")
    with pytest.raises(lf.SnapshotError, match=problem):
        lf.Desk.restore(DIRECTORY, desk.journal, snapshot=_damaged(change))


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_snapshot_kept_in_a_text_file_restores(tmp_path: Path, ending: str) -> None:
    desk = _desk_with("路灯坏了", "有人打架")
    path = tmp_path / "ops.snapshot"
    path.write_bytes((desk.snapshot().replace("\n", ending) + ending).encode())
    text = path.read_bytes().decode()  # as a host may read it back: line endings kept
    assert_same_desk_state(lf.Desk.restore(DIRECTORY, desk.journal, snapshot=text), desk)


def test_a_snapshot_names_each_string_and_instant_once() -> None:
    desk = lf.Desk(DIRECTORY)
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=DIRECTORY.tz)
    for n, text in enumerate(["有人打架", "楼上噪音太大", "有人占道摆摊"] * 4):
        community = DIRECTORY.communities[n % 2].id
        desk.receive(lf.Report(f"R-{n}", at + dt.timedelta(hours=n), text, community_id=community))
    header_text, body_text = desk.snapshot().split("\n")
    body = json.loads(body_text)
    assert json.loads(header_text)["version"] == desk.version
    for table in ("strings", "times", "lists"):  # found by value: each exactly once
        rows = [json.dumps(row) for row in body[table]]
        assert len(rows) == len(set(rows)), table
    # Ladders and assignments are found by identity: the router shares them between
    # decisions, so incidents share their rows.
    assert len(body["incidents"]) == len(desk.incidents()) == 12
    assert len(body["ladders"]) < 12
    decisions = [incident[2] for incident in body["incidents"]]
    assert len(body["assignments"]) < sum(len(d[8]) for d in decisions)


def test_taking_a_snapshot_changes_nothing() -> None:
    desk = _desk_with("路灯坏了", "有人打架")
    before = lf.Desk.restore(DIRECTORY, desk.journal)
    desk.snapshot()
    assert desk.journal.version == before.version
    assert_same_desk_state(desk, before)
