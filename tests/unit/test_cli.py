"""The ``lianfang`` command: demo, stats, route, validate — and bad input named clearly."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

import lianfang as lf
from lianfang import stats
from lianfang.cli import main
from lianfang.demo import ProgressBar
from lianfang.testing import make_directory

TZ = dt.timezone(dt.timedelta(hours=8))
# Twelve days of the seed case's 115 carry this share of its 110 calls.
NON_EMERGENCY_12 = round(1_616 * 12 / 115)  # 169
EMERGENCY_12 = round(147 * 12 / 115)  # 15


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def kept_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    assert main(["demo", "--days", "12", "--quiet", "--journal", str(path)]) == 0
    return path


# --- demo ---------------------------------------------------------------------------------------


def test_demo_in_english_prints_the_summary_without_a_bar_when_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "demo", "--lang", "en", "--days", "12", "--quiet")
    assert code == 0 and err == ""
    assert "lianfang demo: 海坛县" in out and "12 days" in out
    assert f"calls to 110 ({NON_EMERGENCY_12} non-emergency, {EMERGENCY_12} emergencies)" in out
    assert "Kept off the 110 command center:" in out
    assert "Time to acknowledge (incidents)" in out
    assert "Joint operation: 东门社区" in out and "20 people, ¥52,600 seized" in out
    assert "Volunteer coverage (460 active)" in out
    assert "deleted with its temporary folder" in out


def test_demo_in_chinese_shows_progress_lines_on_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", "--days", "12")
    assert code == 0
    assert "联防示例：海坛县" in out and "未占用110指挥中心" in out and "联合行动：东门社区" in out
    assert "报告人身份仅对负责人和巡区领导可见" in out  # the den's first clue, explained
    lines = err.splitlines()
    assert lines[0].startswith("模拟中: 0/") and "(100%)" in lines[-2]
    assert lines[-1].startswith("模拟完成")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_redraws_one_line_on_a_terminal() -> None:
    stream = Terminal()
    bar = ProgressBar(stream, "simulating", width=10)
    for done in (0, 1, 1, 5, 10):
        bar(done, 10)
    bar.finish("done")
    text = stream.getvalue()
    assert text.count("\r") == 4  # 0, 10, 50 and 100 %: an unchanged figure is not redrawn
    assert "\rsimulating [█████·····]  50% 5/10" in text
    assert "\ndone (" in text and text.endswith(" s)\n")


def test_the_demo_figures_are_the_journals_figures(
    capsys: pytest.CaptureFixture[str], kept_journal: Path
) -> None:
    code, out, _ = run(capsys, "stats", str(kept_journal), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["by_channel"]["phone_110"] == NON_EMERGENCY_12 + EMERGENCY_12
    assert data["by_kind"]["emergency"] == EMERGENCY_12
    assert data["clues"]["operations"][0]["people_dealt_with"] == 20
    assert data["directory"] == "海坛县（示例数据，虚构）"


def test_the_demo_will_not_write_over_a_journal(
    capsys: pytest.CaptureFixture[str], kept_journal: Path
) -> None:
    code, out, err = run(capsys, "demo", "--quiet", "--days", "2", "--journal", str(kept_journal))
    assert code == 1 and out == ""
    assert f"{kept_journal}: already exists" in err


def test_the_demo_needs_at_least_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "demo", "--quiet", "--days", "0")
    assert code == 1 and "days: must be at least 1, got 0" in err


# --- stats --------------------------------------------------------------------------------------


def test_stats_renders_a_journal_in_either_language(
    capsys: pytest.CaptureFixture[str], kept_journal: Path
) -> None:
    code, zh, _ = run(capsys, "stats", str(kept_journal))
    assert code == 0 and "按类别（报告）" in zh and "志愿者覆盖" in zh
    code, en, _ = run(capsys, "stats", str(kept_journal), "--lang", "en", "--top", "2")
    assert code == 0 and "By kind (reports)" in en
    assert en.count(" · ", en.index("Busiest communities"), en.index("By patrol zone")) == 1


def test_stats_cuts_by_dates_in_the_directorys_time_zone(
    capsys: pytest.CaptureFixture[str], kept_journal: Path
) -> None:
    code, out, _ = run(
        capsys,
        "stats",
        str(kept_journal),
        "--json",
        "--since",
        "2021-01-05",
        "--until",
        "2021-01-07",
    )
    assert code == 0
    data = json.loads(out)
    tz = lf.sample_directory().tz
    with lf.SQLiteJournal(kept_journal) as journal:
        expected = stats.summary(
            stats.read_events(journal),
            lf.sample_directory(),
            since=dt.datetime(2021, 1, 5, tzinfo=tz),
            until=dt.datetime(2021, 1, 8, tzinfo=tz),  # a date for --until means its end
        ).to_dict()
    assert data == expected
    assert data["since"] == "2021-01-05T00:00:00+08:00"
    assert 0 < data["reports"] < 100


def test_stats_reads_a_json_lines_journal_with_its_own_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = make_directory(zones=1, groups_per_zone=1, communities_per_group=2)
    directory_file = tmp_path / "directory.json"
    directory_file.write_text(json.dumps(directory.to_dict(), ensure_ascii=False), encoding="utf-8")
    path = tmp_path / "ops.jsonl"
    with lf.JSONLinesJournal(path) as journal:
        desk = lf.Desk(directory, journal)
        start = dt.datetime(2021, 3, 1, 9, tzinfo=TZ)
        fight = desk.receive(lf.Report("R-1", start, "有人打架，有人流血", community_id="C-1"))
        desk.receive(lf.Report("R-2", start + dt.timedelta(hours=1), "开锁。", community_id="C-2"))
        desk.acknowledge(fight.id, by="CC-110", at=start + dt.timedelta(seconds=20))
    code, out, _ = run(
        capsys,
        "stats",
        str(path),
        "--json",
        "--directory",
        str(directory_file),
        "--until",
        "2021-03-01T09:30",
    )
    assert code == 0
    data = json.loads(out)
    assert data["reports"] == 1 and data["by_kind"]["emergency"] == 1
    assert data["ack"]["P1"]["percentiles_s"]["50"] == 20.0
    assert data["names"]["C-1"] == "东门社区"


def test_stats_names_what_is_wrong_with_its_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kept_journal: Path
) -> None:
    missing = tmp_path / "nowhere.sqlite"
    code, _, err = run(capsys, "stats", str(missing))
    assert code == 1 and f"{missing}: no such journal file" in err
    assert not missing.exists()  # looking did not create it

    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    code, _, err = run(capsys, "stats", str(text))
    assert code == 1 and "cannot tell the journal type from the suffix '.txt'" in err

    code, _, err = run(capsys, "stats", str(kept_journal), "--since", "yesterday")
    assert code == 1 and "--since: 'yesterday' is not an ISO date" in err

    code, _, err = run(
        capsys, "stats", str(kept_journal), "--since", "2021-02-01", "--until", "2021-01-01"
    )
    assert code == 1 and "until: 2021-01-02T00:00:00+08:00 is not after since" in err

    not_sqlite = tmp_path / "broken.sqlite"
    not_sqlite.write_text("this is not a database", encoding="utf-8")
    code, _, err = run(capsys, "stats", str(not_sqlite))
    assert code == 1 and "broken.sqlite" in err


# --- route and validate still work ----------------------------------------------------------------


def test_route_turns_report_lines_into_decision_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports = tmp_path / "reports.jsonl"
    evening = "2021-01-12T21:05:00+08:00"
    lines = [
        {"id": "R-1", "received_at": evening, "text": "东门社区3号楼有人聚众赌博",
         "channel": "volunteer", "reporter_id": "V-0042"},
        {"id": "R-2", "received_at": evening, "text": "开锁。", "community_id": "C-09"},
    ]  # fmt: skip
    reports.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8"
    )
    code, out, err = run(capsys, "route", str(reports), "--explain", "en")
    assert code == 0 and err == ""
    decisions = [json.loads(line) for line in out.splitlines()]
    assert [(d["report_id"], d["kind"], d["community_id"]) for d in decisions] == [
        ("R-1", "clue", "C-09"),
        ("R-2", "non_emergency", "C-09"),
    ]
    assert decisions[0]["explanation"].startswith("Report R-1: a clue")


def test_route_names_the_bad_line_and_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports = tmp_path / "reports.jsonl"
    good = {"id": "R-1", "received_at": "2021-01-12T21:05:00+08:00", "text": "开锁。"}
    reports.write_text(json.dumps(good) + "\n" + '{"id": "R-2", "text": 5}\n', encoding="utf-8")
    code, out, err = run(capsys, "route", str(reports))
    assert code == 1
    assert len(out.splitlines()) == 1
    assert "line 2:" in err and "received_at" in err


def test_validate_accepts_the_sample_and_lists_problems_of_a_bad_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(lf.sample_directory().to_dict(), ensure_ascii=False), encoding="utf-8"
    )
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and out.startswith(
        "ok: 海坛县（示例数据，虚构）: 4 zones, 9 groups, 44 communities"
    )

    data = make_directory(zones=1, groups_per_zone=1, communities_per_group=1).to_dict()
    data["volunteers"][0]["community_id"] = "C-999"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 1 and out == ""
    assert "$.volunteers[0].community_id: unknown community 'C-999'" in err


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2 and "demo" in out and "stats" in out
