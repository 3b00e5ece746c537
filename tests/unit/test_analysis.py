"""``lianfang.analysis``: a hand-played desk day as a pandas frame, and its plots.

The day (Tuesday 12 January 2021, Asia/Shanghai) in a directory of one zone Z-1 第1巡区
(leader O-1), one group G-1 第1巡组 (O-2, O-3) and two communities: C-1 东门社区 (liaison
O-2, cadre V-1) and C-2 东湖社区 (liaison O-3, cadre V-3).

- R-1 10:00 110: a fight with blood in C-1 → the command center; acknowledged 30 s later,
  resolved 10:40. R-2 10:05 (volunteer V-2) reports the same fight and is linked.
- R-3 11:00 110: locked out in C-1 → cadre V-1; acknowledged 11:10, resolved 11:40,
  callback the next morning (5 of 5).
- R-4 12:00 app: a broken street light (600200) in C-2 → the 12345 hotline, which does
  not acknowledge; at 12:30 it escalates to O-3, who acknowledges 12:40, resolves 14:00.
- R-5 13:00 110: locked out, no place → the command center; never acknowledged (the
  command center already owns it, so the ladder has nowhere to climb).
- R-6 21:00 volunteer V-4: gambling in C-2 → O-3 (a clue); acknowledged 21:30, verified
  the next morning, resolved 15 January 23:00 with 3 people and ¥1,200.

The pandas and matplotlib tests skip when the ``analysis`` extra is missing, unless
``LIANFANG_REQUIRE_EXTRAS`` is set (as CI does after installing it): then they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import lianfang as lf
from lianfang import analysis, stats
from lianfang.events import Event
from lianfang.testing import make_directory

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2021, 1, day, hour, minute, second, tzinfo=TZ)


def _extra(name: str) -> types.ModuleType:
    if os.environ.get("LIANFANG_REQUIRE_EXTRAS"):
        return __import__(name)
    return pytest.importorskip(name)


@pytest.fixture(scope="module")
def pd() -> types.ModuleType:
    return _extra("pandas")


@pytest.fixture(scope="module")
def mpl() -> types.ModuleType:
    return _extra("matplotlib")


def play_day() -> tuple[lf.Directory, list[Event]]:
    directory = make_directory(
        zones=1, groups_per_zone=1, communities_per_group=2, volunteers_per_community=2
    )
    desk = lf.Desk(directory)

    def report(rid: str, when: dt.datetime, text: str, **fields: Any) -> lf.Incident:
        return desk.receive(lf.Report(id=rid, received_at=when, text=text, **fields))

    fight = report("R-1", at(12, 10), "有人打架，有人流血", community_id="C-1")
    report(
        "R-2", at(12, 10, 5), "有人打架，有人流血", community_id="C-1",
        channel=lf.Channel.VOLUNTEER, reporter_id="V-2",
    )  # fmt: skip
    desk.acknowledge(fight.id, by="CC-110", at=at(12, 10, 0, 30))
    desk.resolve(fight.id, by="CC-110", at=at(12, 10, 40), outcome="已出警处置")

    locked = report("R-3", at(12, 11), "开锁。", community_id="C-1")
    desk.acknowledge(locked.id, by="V-1", at=at(12, 11, 10))
    desk.resolve(locked.id, by="V-1", at=at(12, 11, 40), outcome="已联系开锁师傅")

    light = report(
        "R-4", at(12, 12), "路灯坏了", community_id="C-2", category="600200",
        channel=lf.Channel.APP,
    )  # fmt: skip
    desk.tick(at(12, 12, 30))
    desk.acknowledge(light.id, by="O-3", at=at(12, 12, 40))
    report("R-5", at(12, 13), "开锁。")
    desk.tick(at(12, 13, 30))
    desk.resolve(light.id, by="O-3", at=at(12, 14), outcome="已修复")

    clue = report(
        "R-6", at(12, 21), "有人赌博。", community_id="C-2",
        channel=lf.Channel.VOLUNTEER, reporter_id="V-4",
    )  # fmt: skip
    desk.acknowledge(clue.id, by="O-3", at=at(12, 21, 30))
    desk.record_feedback(locked.id, satisfaction=5, by="V-1", at=at(13, 9))
    desk.record_follow_up(
        clue.id, step=lf.FollowUpStep.VERIFICATION, by="O-3", at=at(13, 10), note="属实"
    )
    desk.resolve(
        clue.id, by="O-3", at=at(15, 23), outcome="捣毁赌博窝点",
        figures=lf.Outcome(people_dealt_with=3, money_seized_yuan=1200.0),
    )  # fmt: skip
    return directory, stats.read_events(desk.journal)


@pytest.fixture(scope="module")
def day() -> tuple[lf.Directory, list[Event]]:
    return play_day()


@pytest.fixture(scope="module")
def frame(pd: types.ModuleType, day: tuple[lf.Directory, list[Event]]) -> Any:
    directory, events = day
    return analysis.to_frame(events, directory)


def plain(frame: Any, incident_id: str) -> dict[str, Any]:
    """One row as plain Python: NA, NaN and NaT become None, timestamps datetimes."""
    import pandas

    row = frame.set_index("incident_id").loc[incident_id]
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, tuple):
            out[name] = value
        elif value is None or pandas.isna(value):
            out[name] = None
        elif isinstance(value, pandas.Timestamp):
            out[name] = value.to_pydatetime()
        elif hasattr(value, "item"):  # numpy scalars
            out[name] = value.item()
        else:
            out[name] = value
    return out


# --- the frame -----------------------------------------------------------------------------


def test_the_frame_has_one_row_per_incident_in_the_order_opened(frame: Any) -> None:
    assert list(frame.columns) == list(analysis.COLUMNS)
    assert list(frame["incident_id"]) == ["R-1", "R-3", "R-4", "R-5", "R-6"]
    assert list(frame["reports"]) == [2, 1, 1, 1, 1]


def test_an_emergency_with_a_linked_report(frame: Any) -> None:
    assert plain(frame, "R-1") == {
        "report_ids": ("R-1", "R-2"),
        "reports": 2,
        "received_at": at(12, 10),
        "last_report_at": at(12, 10, 5),
        "channel": "phone_110",
        "text": "有人打架，有人流血",
        "reporter_id": None,
        "kind": "emergency",
        "priority": "P1",
        "category": "200100",
        "category_class": "2",
        "category_class_name": "治安案件",
        "community_id": "C-1",
        "community_name": "东门社区",
        "group_id": "G-1",
        "group_name": "第1巡组",
        "zone_id": "Z-1",
        "zone_name": "第1巡区",
        "place_method": "explicit",
        "needs_review": False,
        "owner_at_routing": "CC-110",
        "first_owner_kind": "command_center",
        "diverted_from_110": False,
        "ack_deadline_at": at(12, 10, 1),
        "acknowledged_at": at(12, 10, 0, 30),
        "acknowledged_by": "CC-110",
        "ack_seconds": 30.0,
        "deadline_met": True,
        "escalations": 0,
        "escalated_to": (),
        "handed_to_agency": None,
        "final_owner": "CC-110",
        "final_owner_kind": "command_center",
        "state": "resolved",
        "resolved_at": at(12, 10, 40),
        "resolution_seconds": 2400.0,
        "outcome": "已出警处置",
        "people_dealt_with": None,
        "money_seized_yuan": None,
        "follow_ups": (),
        "satisfaction": None,
    }


def test_a_matter_the_agency_missed_climbs_to_the_liaison_officer(frame: Any) -> None:
    row = plain(frame, "R-4")
    assert {k: row[k] for k in ("channel", "kind", "priority", "category_class_name")} == {
        "channel": "app", "kind": "non_emergency", "priority": "P3",
        "category_class_name": "社会联动",
    }  # fmt: skip
    assert row["owner_at_routing"] == "A-12345"
    assert row["first_owner_kind"] == "agency"
    assert row["diverted_from_110"] is True
    assert row["ack_deadline_at"] == at(12, 12, 30)
    assert row["escalations"] == 1
    assert row["escalated_to"] == ("O-3",)
    assert row["acknowledged_by"] == "O-3"
    assert row["ack_seconds"] == 40 * 60.0
    assert row["deadline_met"] is False
    assert (row["final_owner"], row["final_owner_kind"]) == ("O-3", "liaison_officer")
    assert row["resolution_seconds"] == 2 * 3600.0


def test_an_unplaced_report_that_nobody_acknowledged(frame: Any) -> None:
    row = plain(frame, "R-5")
    assert row["community_id"] is None and row["community_name"] is None
    assert row["zone_id"] is None and row["place_method"] == "none"
    assert row["owner_at_routing"] == "CC-110"
    assert row["diverted_from_110"] is False
    assert row["state"] == "open"
    assert row["acknowledged_at"] is None and row["ack_seconds"] is None
    assert row["deadline_met"] is False  # 13:30 passed long before the journal's end
    assert row["escalations"] == 0
    assert row["resolved_at"] is None and row["resolution_seconds"] is None


def test_a_cadre_matter_with_a_callback(frame: Any) -> None:
    row = plain(frame, "R-3")
    assert (row["owner_at_routing"], row["first_owner_kind"]) == ("V-1", "cadre")
    assert row["diverted_from_110"] is True
    assert row["ack_seconds"] == 600.0
    assert row["deadline_met"] is True
    assert row["satisfaction"] == 5
    assert row["category_class_name"] == "群众求助"


def test_a_clue_hides_its_reporter_and_keeps_its_figures(frame: Any) -> None:
    row = plain(frame, "R-6")
    assert row["kind"] == "clue"
    assert row["reporter_id"] is None  # V-4 reported it; a clue's reporter is withheld
    assert (row["owner_at_routing"], row["first_owner_kind"]) == ("O-3", "liaison_officer")
    assert row["ack_deadline_at"] == at(13, 21)  # a clue has a day
    assert row["follow_ups"] == ("verification",)
    assert row["people_dealt_with"] == 3
    assert row["money_seized_yuan"] == 1200.0
    assert row["resolution_seconds"] == (3 * 24 + 2) * 3600.0


def test_times_are_in_the_directory_time_zone(frame: Any) -> None:
    assert str(frame["received_at"].dt.tz) == "Asia/Shanghai"
    assert frame["received_at"].iloc[0].hour == 10


def test_categoricals_count_every_kind_and_priority_even_when_absent(frame: Any) -> None:
    kinds = frame["kind"].value_counts(sort=False).to_dict()
    assert kinds == {"emergency": 1, "non_emergency": 3, "clue": 1, "info": 0}
    assert list(frame["priority"].cat.categories) == ["P1", "P2", "P3", "P4"]
    assert frame["priority"].cat.ordered


def test_the_frame_agrees_with_stats(frame: Any, day: tuple[lf.Directory, list[Event]]) -> None:
    directory, events = day
    by_kind = frame.groupby("kind", observed=False)["reports"].sum().to_dict()
    assert by_kind == {k.value: n for k, n in stats.counts_by_kind(events).items()}
    share = stats.diverted_share(events, directory)
    kept_off = int(frame.loc[frame["diverted_from_110"], "reports"].sum())
    assert (kept_off, int(frame["reports"].sum())) == (share.part, share.whole) == (3, 6)


def test_without_a_directory_names_and_owner_kinds_are_empty(
    pd: types.ModuleType, day: tuple[lf.Directory, list[Event]]
) -> None:
    _, events = day
    bare = analysis.to_frame(events)
    assert bare["community_name"].isna().all()
    assert bare["first_owner_kind"].isna().all()
    # The command center is known from the ladders, so diversion still counts.
    assert list(bare["diverted_from_110"]) == [False, True, True, False, True]
    assert str(bare["received_at"].dt.tz) == "UTC+08:00"


def test_until_reads_the_journal_as_it_stood(
    pd: types.ModuleType, day: tuple[lf.Directory, list[Event]]
) -> None:
    directory, events = day
    early = analysis.to_frame(events, directory, until=at(12, 12, 20))
    assert list(early["incident_id"]) == ["R-1", "R-3", "R-4"]
    light = early.set_index("incident_id").loc["R-4"]
    assert light["state"] == "open" and light["escalations"] == 0
    assert pd.isna(light["deadline_met"])  # not yet due


def test_category_class_names_in_english(
    pd: types.ModuleType, day: tuple[lf.Directory, list[Event]]
) -> None:
    directory, events = day
    english = analysis.to_frame(events, directory, lang="en")
    assert english["category_class_name"].iloc[0] == "public-order cases"
    with pytest.raises(lf.InvalidValueError, match="lang"):
        analysis.to_frame(events, directory, lang="fr")  # type: ignore[arg-type]


def test_no_events_give_an_empty_frame_with_every_column(pd: types.ModuleType) -> None:
    empty = analysis.to_frame([])
    assert empty.empty
    assert list(empty.columns) == list(analysis.COLUMNS)


# --- plots ----------------------------------------------------------------------------------


def test_the_daily_load_renders_to_png(mpl: types.ModuleType, frame: Any, tmp_path: Path) -> None:
    ax = analysis.plot_daily_load(frame)
    emergencies, diverted = (
        line.get_ydata() for line in sorted(ax.get_lines(), key=lambda x: x.get_label())
    )
    # Every report came on the 12th: one day, two emergency reports, three kept off 110.
    assert list(emergencies) == [2]
    assert list(diverted) == [3]
    path = tmp_path / "daily.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000


def test_the_response_times_render_to_png(
    mpl: types.ModuleType, day: tuple[lf.Directory, list[Event]], tmp_path: Path
) -> None:
    _, events = day
    ax = analysis.plot_response_times(events)  # events work as well as a frame
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert labels == ["P1\n(n=1)", "P3\n(n=3)"]  # R-5 was never acknowledged
    path = tmp_path / "ack.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000


def test_plots_draw_on_the_axes_they_are_given(mpl: types.ModuleType, frame: Any) -> None:
    from matplotlib.figure import Figure

    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert analysis.plot_daily_load(frame, ax=left) is left
    assert analysis.plot_response_times(frame, ax=right, lang="zh") is right
    assert right.get_title() == "各优先级签收用时"


def test_response_times_of_nothing_say_so(mpl: types.ModuleType, pd: types.ModuleType) -> None:
    ax = analysis.plot_response_times(analysis.to_frame([]))
    assert [t.get_text() for t in ax.texts] == ["no acknowledged incidents"]


# --- without the extra ------------------------------------------------------------------------


def test_importing_the_module_needs_neither_pandas_nor_matplotlib() -> None:
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "sys.modules['matplotlib'] = None\n"
        "import lianfang.analysis\n"
        "assert 'pandas' not in [m for m, v in sys.modules.items() if v is not None]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_missing_pandas_raises_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, day: tuple[lf.Directory, list[Event]]
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    _, events = day
    with pytest.raises(lf.MissingExtraError) as caught:
        analysis.to_frame(events)
    assert "pip install 'lianfang[analysis]'" in str(caught.value)
    assert "'pandas'" in str(caught.value)
    assert isinstance(caught.value, ImportError)


def test_a_missing_matplotlib_raises_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, day: tuple[lf.Directory, list[Event]]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    _, events = day
    for plot in (analysis.plot_daily_load, analysis.plot_response_times):
        with pytest.raises(lf.MissingExtraError, match=r"'matplotlib'.*lianfang\[analysis\]"):
            plot(events)
