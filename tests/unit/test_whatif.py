"""``lianfang.whatif``: routing a history again under another policy or directory.

The directory has one zone (leader O-1), one group (O-2, O-3) and two communities:
C-1 东门社区 (liaison O-2, cadre V-1) and C-2 东湖社区 (liaison O-3, cadre V-3); everyone is
on duty; the 12345 hotline A-12345 takes the municipal categories (6xxxxx).

The tests use a small hand-written policy, so that what they count does not move when the
built-in policy learns new words: fights are emergencies, locked-out residents (500300,
not a police matter) and gambling (a clue) are recognised, and anything else is
``unclear`` — an emergency for review.
"""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest

import lianfang as lf
from lianfang import stats, whatif
from lianfang.policy import Label
from lianfang.stats import HandlerKind
from lianfang.testing import make_directory

TZ = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2021, 1, 12, 12, 0, tzinfo=TZ)

BASELINE = lf.Policy.from_dict(
    {
        "name": "test baseline",
        "rules": [
            {
                "id": "danger.fight", "label": {"zh": "打架", "en": "a fight"},
                "kind": "emergency", "priority": "P1", "category": "200100",
                "patterns": ["打架"],
            },
            {
                "id": "help.unlock", "label": {"zh": "开锁", "en": "locked out"},
                "kind": "non_emergency", "priority": "P3", "category": "500300",
                "patterns": ["开锁"],
            },
            {
                "id": "clue.gambling", "label": {"zh": "赌博", "en": "gambling"},
                "kind": "clue", "priority": "P3", "category": "200700",
                "patterns": ["赌博"],
            },
        ],
    }
)  # fmt: skip

GROUP_RENTAL = lf.Rule(
    id="clue.group_rental",
    label=Label("群租房", "overcrowded rented flat"),
    kind=lf.Kind.CLUE,
    priority=lf.Priority.P3,
    category="900100",
    patterns=("群租",),
)
WITH_RENTALS = attrs.evolve(BASELINE, name="with rentals", rules=(*BASELINE.rules, GROUP_RENTAL))


@pytest.fixture(scope="module")
def directory() -> lf.Directory:
    return make_directory(
        zones=1, groups_per_zone=1, communities_per_group=2, volunteers_per_community=2
    )


def report(rid: str, text: str, community_id: str | None = None) -> lf.Report:
    minutes = int(rid.split("-")[1])
    return lf.Report(
        id=rid,
        received_at=NOON + dt.timedelta(minutes=minutes),
        text=text,
        community_id=community_id,
    )


HISTORY = (
    report("R-1", "楼下有人打架", "C-1"),  # an emergency either way
    report("R-2", "开锁。", "C-1"),  # the cadre V-1 either way
    report("R-3", "隔壁是群租房，人来人往", "C-1"),  # unclear → CC-110; with the rule a clue → O-2
    report("R-4", "三楼群租，住了十几个人", "C-2"),  # unclear → CC-110; with the rule a clue → O-3
    report("R-5", "有群租"),  # no place: CC-110 either way, but a clue with the rule
    report("R-6", "有人赌博", "C-2"),  # a clue for O-3 either way
)


def test_an_extra_clue_rule_keeps_two_more_reports_off_110(directory: lf.Directory) -> None:
    comparison = whatif.replay(HISTORY, directory, WITH_RENTALS, baseline_policy=BASELINE)

    assert comparison.before.kept_off_110 == 2
    assert comparison.after.kept_off_110 == 4  # and
    assert comparison.kept_off_110_change == 2
    assert comparison.before.by_kind == {
        lf.Kind.EMERGENCY: 4, lf.Kind.NON_EMERGENCY: 1, lf.Kind.CLUE: 1, lf.Kind.INFO: 0,
    }  # fmt: skip
    assert comparison.after.by_kind == {
        lf.Kind.EMERGENCY: 1, lf.Kind.NON_EMERGENCY: 1, lf.Kind.CLUE: 4, lf.Kind.INFO: 0,
    }  # fmt: skip
    assert comparison.kind_changes == {(lf.Kind.EMERGENCY, lf.Kind.CLUE): 3}
    summary = [
        (c.report_id, c.before.owner_id, c.after.owner_id, c.after.priority)
        for c in comparison.changes
    ]
    assert summary == [
        ("R-3", "CC-110", "O-2", lf.Priority.P3),
        ("R-4", "CC-110", "O-3", lf.Priority.P3),
        ("R-5", "CC-110", "CC-110", lf.Priority.P3),  # the kind changes, not the owner
    ]
    assert [c.report_id for c in comparison.owner_changes] == ["R-3", "R-4"]
    assert comparison.before.by_handler[HandlerKind.COMMAND_CENTER] == 4
    assert comparison.after.by_handler[HandlerKind.COMMAND_CENTER] == 2
    assert comparison.after.by_handler[HandlerKind.LIAISON_OFFICER] == 3


def test_an_agency_that_takes_one_more_category_takes_those_reports(
    directory: lf.Directory,
) -> None:
    data = directory.to_dict()
    data["agencies"][0]["categories"].append("500300")  # the hotline now sends locksmiths
    widened = lf.Directory.from_dict(data)

    comparison = whatif.replay(
        HISTORY, widened, BASELINE, baseline_directory=directory, baseline_policy=BASELINE
    )

    assert [(c.report_id, c.before.owner_id, c.after.owner_id) for c in comparison.changes] == [
        ("R-2", "V-1", "A-12345")
    ]
    assert comparison.kind_changes == {}
    assert comparison.kept_off_110_change == 0
    assert comparison.before.by_handler[HandlerKind.CADRE] == 1
    assert comparison.after.by_handler[HandlerKind.CADRE] == 0
    assert comparison.after.by_handler[HandlerKind.AGENCY] == 1


def test_the_same_setup_on_both_sides_changes_nothing(directory: lf.Directory) -> None:
    comparison = whatif.replay(HISTORY, directory)
    assert comparison.changes == ()
    assert comparison.before == comparison.after
    assert comparison.before.reports == 6


def test_a_policy_without_a_baseline_is_compared_with_the_built_in_one(
    directory: lf.Directory,
) -> None:
    fights_only = whatif.replay(HISTORY[:1], directory, BASELINE)
    built_in = whatif.replay(HISTORY[:1], directory, lf.default_policy(), baseline_policy=BASELINE)
    assert fights_only.before == built_in.after
    assert fights_only.after == built_in.before


def test_the_comparison_renders_in_both_languages(directory: lf.Directory) -> None:
    comparison = whatif.replay(HISTORY, directory, WITH_RENTALS, baseline_policy=BASELINE)
    english = comparison.render("en", limit=2)
    assert "What if: 6 reports routed again (before → after)" in english
    assert "Kept off the 110 command center: 2 → 4 (+2)" in english
    assert "emergency 4 → 1 (-3)" in english
    assert "clue 1 → 4 (+3)" in english
    assert "emergency → clue: 3" in english
    assert "Changed reports (the first 2 of 3):" in english
    assert "R-3  emergency P2 CC-110 → clue P3 O-2" in english
    assert "R-5" not in english
    chinese = comparison.render("zh")
    assert "未占用110指挥中心：2 → 4（+2）" in chinese
    assert "紧急 → 线索: 3" in chinese
    with pytest.raises(lf.InvalidValueError, match="lang"):
        comparison.render("fr")  # type: ignore[arg-type]


def test_the_comparison_as_json(directory: lf.Directory) -> None:
    comparison = whatif.replay(HISTORY, directory, WITH_RENTALS, baseline_policy=BASELINE)
    data = json.loads(json.dumps(comparison.to_dict()))
    assert data["kept_off_110_change"] == 2
    assert data["before"]["by_kind"] == {
        "emergency": 4, "non_emergency": 1, "clue": 1, "info": 0,
    }  # fmt: skip
    assert data["kind_changes"] == [{"before": "emergency", "after": "clue", "reports": 3}]
    assert data["owner_changes"] == 2
    assert data["changes"][0] == {
        "report_id": "R-3",
        "before": {
            "kind": "emergency", "priority": "P2", "category": None,
            "community_id": "C-1", "owner_id": "CC-110",
        },
        "after": {
            "kind": "clue", "priority": "P3", "category": "900100",
            "community_id": "C-1", "owner_id": "O-2",
        },
    }  # fmt: skip


def test_reports_with_the_same_id_are_rejected(directory: lf.Directory) -> None:
    twice = (*HISTORY, report("R-1", "又有人打架", "C-2"))
    with pytest.raises(lf.InvalidValueError, match=r"reports\[6\]\.id: 'R-1' is also reports\[0\]"):
        whatif.replay(twice, directory)


def test_a_journal_gives_back_every_report_linked_or_not(directory: lf.Directory) -> None:
    desk = lf.Desk(directory, policy=BASELINE)
    first = lf.Report(id="R-1", received_at=NOON, text="楼下有人打架", community_id="C-1")
    again = attrs.evolve(first, id="R-2", received_at=NOON + dt.timedelta(minutes=3))
    desk.receive_many([first, again, HISTORY[5]])
    assert desk.incident("R-2").id == "R-1"  # linked, not opened
    assert whatif.reports_from(desk.history("R-1")) == (first, again)
    journal = stats.read_events(desk.journal)
    assert [r.id for r in whatif.reports_from(journal)] == ["R-1", "R-2", "R-6"]
