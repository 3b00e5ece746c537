"""Triage: the labelled corpus, the safety rules, negation and tense, classifiers, properties."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang.model import Kind, Priority, Report
from lianfang.policy import KIND_URGENCY, Policy, default_policy
from lianfang.triage import (
    Classifier,
    ClassifierVerdict,
    Triage,
    _first_literal,
    _matcher,
    _normalise,
    triage,
    triage_text,
    triager,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "triage_corpus.jsonl"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line
]
# Reports written apart from the rules: the first 295 blind (before the policy, the triage
# code or the corpus was read), the rest in four later batches, each labelled before the rules
# were tuned on it. The rules have since learnt from all of them, so the bar below guards
# against regressions; it is not an estimate for new text (each fresh batch scored 68-76% on
# its first run, with every emergency still an emergency).
HELDOUT = Path(__file__).resolve().parents[1] / "data" / "triage_heldout.jsonl"
# Written independently of the rules (by someone who never read them), then triaged to find
# what the rules missed; kept since as more held-out reports.
OUTSIDE = Path(__file__).resolve().parents[1] / "data" / "triage_outside.jsonl"
# Four later outside sets (a county town, a university district, a logistics park, a
# district's 110 call records), first triaged without a rule written for them (75-80%); the
# rules then learnt every emergency in them and some of the rest, so their bar is lower.
FRESH = Path(__file__).resolve().parents[1] / "data" / "triage_fresh.jsonl"
SOURCES = {
    path.name: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for path in (HELDOUT, OUTSIDE, FRESH)
}
HELDOUT_ROWS: list[dict[str, Any]] = [row for rows in SOURCES.values() for row in rows]
# The outside sets are harder: each was first triaged before the rules saw it (71-86%).
MIN_ACCURACY = {HELDOUT.name: 0.95, OUTSIDE.name: 0.90, FRESH.name: 0.80}
AT = dt.datetime(2021, 1, 12, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def kind_of(text: str, category: str | None = None) -> Kind:
    return triage_text(text, default_policy(), category=category).kind


# --- the labelled corpus --------------------------------------------------------------------


def test_the_corpus_is_large_varied_and_has_plenty_of_every_kind() -> None:
    assert len(ROWS) >= 450
    assert len({row["text"] for row in ROWS}) >= len(ROWS) - 10
    counts = {kind: sum(row["kind"] == kind.value for row in ROWS) for kind in Kind}
    assert all(count >= 60 for count in counts.values()), counts
    assert sum(row["lang"] == "en" for row in ROWS) >= 100
    assert sum(row["category"] is not None for row in ROWS) >= 50
    assert all(set(row) <= {"text", "category", "kind", "lang", "note"} for row in ROWS)


def corpus_results() -> list[tuple[dict[str, Any], Triage]]:
    policy = default_policy()
    return [(row, triage_text(row["text"], policy, category=row["category"])) for row in ROWS]


def test_every_emergency_of_the_corpus_is_triaged_as_an_emergency() -> None:
    missed = [
        row["text"]
        for row, result in corpus_results()
        if row["kind"] == "emergency" and result.kind is not Kind.EMERGENCY
    ]
    assert missed == []


def test_at_least_ninety_percent_of_the_corpus_is_triaged_as_labelled() -> None:
    results = corpus_results()
    wrong = [
        f"{row['kind']} -> {result.kind.value}: {row['text']}"
        for row, result in results
        if result.kind.value != row["kind"]
    ]
    assert len(wrong) <= 0.10 * len(results), "\n".join(wrong)


def test_the_heldout_reports_are_many_varied_and_in_the_corpus_format() -> None:
    assert len(HELDOUT_ROWS) >= 240
    assert len({row["text"] for row in HELDOUT_ROWS}) == len(HELDOUT_ROWS)
    shared = {row["text"] for row in HELDOUT_ROWS} & {row["text"] for row in ROWS}
    assert len(shared) <= 0.01 * len(HELDOUT_ROWS), shared  # terse 110 records do repeat
    assert all(set(row) == {"text", "category", "kind", "lang"} for row in HELDOUT_ROWS)
    counts = {kind: sum(row["kind"] == kind.value for row in HELDOUT_ROWS) for kind in Kind}
    assert all(count >= 0.1 * len(HELDOUT_ROWS) for count in counts.values()), counts
    assert sum(row["lang"] == "en" for row in HELDOUT_ROWS) >= 0.2 * len(HELDOUT_ROWS)


def heldout_results() -> list[tuple[dict[str, Any], Triage]]:
    policy = default_policy()
    return [
        (row, triage_text(row["text"], policy, category=row["category"])) for row in HELDOUT_ROWS
    ]


def test_every_heldout_emergency_is_an_emergency_and_a_rule_says_so() -> None:
    results = [(row, result) for row, result in heldout_results() if row["kind"] == "emergency"]
    missed = [row["text"] for row, result in results if result.kind is not Kind.EMERGENCY]
    only_by_fallback = [
        row["text"] for row, result in results if "fallback.unclear" in result.reasons
    ]
    assert missed == []
    assert only_by_fallback == []


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_heldout_reports_are_triaged_as_labelled_often_enough(source: str) -> None:
    policy = default_policy()
    rows = SOURCES[source]
    wrong = [
        f"{row['kind']} -> {result.kind.value}: {row['text']}"
        for row in rows
        if (result := triage_text(row["text"], policy, category=row["category"])).kind.value
        != row["kind"]
    ]
    assert len(wrong) <= (1 - MIN_ACCURACY[source]) * len(rows), "\n".join(wrong)


def test_every_reason_on_the_corpus_has_a_label_in_both_languages() -> None:
    policy = default_policy()
    for _, result in corpus_results():
        for reason in result.reasons:
            for lang in ("zh", "en"):
                label = policy.label(reason, lang)
                assert label and label != reason, reason


# --- examples from the issue ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("有人赌博。", Kind.CLUE),
        ("开锁。", Kind.NON_EMERGENCY),
        ("电瓶车电瓶被偷。", Kind.NON_EMERGENCY),
        ("东门小区3号楼楼下有人打架，有人流血", Kind.EMERGENCY),
        ("请问身份证怎么办理？", Kind.INFO),
        ("my bike was stolen yesterday", Kind.NON_EMERGENCY),
        ("Someone is stealing my bike right now", Kind.EMERGENCY),
    ],
)
def test_typical_110_records_are_triaged_as_the_issue_says(text: str, kind: Kind) -> None:
    assert kind_of(text) is kind


def test_a_fight_with_blood_is_p1_with_its_reasons_and_evidence() -> None:
    result = triage_text("东门小区3号楼楼下有人打架，有人流血", default_policy())
    assert result == Triage(
        kind=Kind.EMERGENCY,
        priority=Priority.P1,
        category="200100",
        needs_review=False,
        reasons=("danger.violence", "danger.injury"),
        evidence=("打架", "流血"),
    )


def test_danger_in_the_text_overrides_a_noise_category() -> None:
    result = triage_text("听到有人喊救命", default_policy(), category="600400")
    assert result.kind is Kind.EMERGENCY and result.priority is Priority.P1
    assert result.reasons == ("category.600400", "danger.cry_for_help")
    assert result.category == "600400"
    assert not result.needs_review


@pytest.mark.parametrize(
    "text",
    [
        "刚才楼下有人打架，现在已经散了，没人受伤",
        "火已经灭了，没人受伤",
        "不是着火，是邻居在烧纸",
        "没有人受伤",
        "没看到有人打架",
        "It's not a fire, just a barbecue",
        "Nobody was hurt",
        "The fight is over and everyone went home",
        "There was a fight last night",
        "昨天晚上有人打架",
    ],
)
def test_denied_or_finished_danger_is_not_an_emergency(text: str) -> None:
    assert kind_of(text) is not Kind.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "楼下火锅店的油烟太大",
        "邻居家的公鸡天天打鸣",
        "小区下午消防演练，听到警报不要惊慌",
        "火车站派出所的电话是多少",
        "这笔钱是我的救命稻草，上个月被骗走了",
        "抢红包的群太多了，吵得很",
        "Fire drill at the school tomorrow",
        "This traffic is killing me, the traffic light at the crossing is broken",
    ],
)
def test_words_that_only_look_dangerous_do_not_make_an_emergency(text: str) -> None:
    assert kind_of(text) is not Kind.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "是不是着火了？楼上一直冒烟",
        "不知道有没有人受伤，车翻了",
        "I'm not sure if anyone is hurt, a car hit a bike",
    ],
)
def test_a_question_or_doubt_is_not_a_negation(text: str) -> None:
    assert kind_of(text) is Kind.EMERGENCY


def test_a_crime_in_the_past_is_for_the_police_but_not_urgent_unless_the_suspect_is_there() -> None:
    assert kind_of("昨天电动车被偷了") is Kind.NON_EMERGENCY
    assert kind_of("小偷还在楼道里，正在撬门") is Kind.EMERGENCY
    result = triage_text("上周被人抢了手机", default_policy())
    assert result.kind is Kind.NON_EMERGENCY
    assert "past.danger.robbery" in result.reasons


def test_a_dispute_that_may_turn_violent_goes_to_the_police_first() -> None:
    assert kind_of("两个人在门口吵起来了，快要打起来") is Kind.EMERGENCY
    assert kind_of("邻居老是占我的车位，想找人调解") is Kind.NON_EMERGENCY


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("【联防线索】有人在卖假烟", Kind.CLUE),
        ("【巡查】超市门口路灯不亮", Kind.NON_EMERGENCY),
        ("【紧急】菜市场有人持械斗殴", Kind.EMERGENCY),
        ("【通知】本周六上午小区进行消防演练，听到警报请勿惊慌", Kind.INFO),
        ("【反诈提醒】近期冒充客服退款诈骗高发，请大家转告家人", Kind.INFO),
    ],
)
def test_a_tagged_message_is_a_notice_only_when_its_tag_says_so(text: str, kind: Kind) -> None:
    assert kind_of(text) is kind


def test_a_tag_bracket_or_a_spaced_dash_ends_the_clause_a_negation_reaches() -> None:
    assert kind_of("【无人机巡查】河边有人溺水") is Kind.EMERGENCY
    assert kind_of("Boats unloading at night with no lights - looks like smuggling") is Kind.CLUE


@pytest.mark.parametrize("text", ["驾驶证丢了", "驾照丢了", "把驾驶证落在出租车上了"])
def test_a_lost_driving_licence_is_lost_property_by_either_name(text: str) -> None:
    result = triage_text(text, default_policy())
    assert result.kind is Kind.NON_EMERGENCY and "help.lost_property" in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "我女儿昨天放学后就没回家",
        "老人前天出门就没回来，有老年痴呆",
        "My 8-year-old son went missing two days ago",
    ],
)
def test_a_child_or_elder_missing_since_some_time_ago_is_still_an_emergency(text: str) -> None:
    assert kind_of(text) is Kind.EMERGENCY


def test_a_missing_child_who_has_been_found_is_no_longer_an_emergency() -> None:
    result = triage_text("孩子昨天走丢了，已经找到了", default_policy())
    assert result.kind is not Kind.EMERGENCY
    assert "past.danger.missing_vulnerable" in result.reasons


def test_a_lasting_rule_is_past_only_after_an_end_cue_whatever_the_time_words() -> None:
    data = default_policy().to_dict()
    trapped = next(rule for rule in data["rules"] if rule["id"] == "danger.trapped")
    assert trapped["lasting"] is True
    trapped["lasting"] = False
    text = "昨天晚上就被困在山上了"
    assert triage_text(text, Policy.from_dict(data)).kind is Kind.NON_EMERGENCY
    assert kind_of(text) is Kind.EMERGENCY
    assert kind_of("被困在山上，刚刚救出来了") is not Kind.EMERGENCY


def test_something_a_missing_child_carried_does_not_hide_the_child() -> None:
    assert kind_of("孩子背着书包不见了") is Kind.EMERGENCY
    assert kind_of("老人带着钥匙出门走丢了") is Kind.EMERGENCY
    assert kind_of("孩子的书包不见了") is Kind.NON_EMERGENCY


def test_thanks_for_a_matter_already_handled_is_information() -> None:
    assert kind_of("谢谢你们帮我调解邻居的事情") is Kind.INFO
    assert kind_of("Thanks for sorting the parking issue so quickly.") is Kind.INFO
    assert kind_of("谢谢你们，楼下又有人打架了") is Kind.EMERGENCY


def test_asking_which_number_handles_a_matter_is_a_question_not_a_report() -> None:
    assert kind_of("停水停电是打110还是12345？") is Kind.INFO
    assert kind_of("Who should I call about a pothole, 110 or 12345?") is Kind.INFO


def test_money_going_to_a_fraudster_now_is_an_emergency_and_afterwards_is_not() -> None:
    assert kind_of("我妈正在给骗子转账，拦都拦不住") is Kind.EMERGENCY
    assert kind_of("上周在网上被骗了两千块") is Kind.NON_EMERGENCY


def test_dangerous_driving_that_keeps_happening_is_a_clue_and_happening_now_an_emergency() -> None:
    assert kind_of("每到半夜就有一帮人改装车在环岛飙车") is Kind.CLUE
    assert kind_of("有辆车在国道上走S形，司机喝多了还在开") is Kind.EMERGENCY


# --- combining the category and the text ------------------------------------------------------


def test_a_category_alone_gives_its_table_outcome() -> None:
    result = triage_text("", default_policy(), category="200700")
    assert (result.kind, result.priority, result.reasons) == (
        Kind.CLUE,
        Priority.P3,
        ("category.200700",),
    )


def test_a_text_that_says_the_reported_matter_is_over_lowers_the_category() -> None:
    result = triage_text("火已经扑灭了，没人受伤", default_policy(), category="400100")
    assert result.kind is Kind.NON_EMERGENCY
    assert "category.over" in result.reasons and not result.needs_review


def test_a_text_less_urgent_than_its_category_keeps_the_category_for_review() -> None:
    result = triage_text("请问居住证怎么办理", default_policy(), category="100200")
    assert result.kind is Kind.EMERGENCY and result.needs_review
    assert result.reasons[-1] == "conflict.category_text"


def test_a_text_that_denies_its_category_keeps_the_category_for_review() -> None:
    result = triage_text("没有着火", default_policy(), category="400100")
    assert result.kind is Kind.EMERGENCY and result.needs_review
    assert "conflict.negated_category" in result.reasons


def test_an_unknown_category_code_needs_review_and_the_text_decides() -> None:
    result = triage_text("有人赌博", default_policy(), category="123456")
    assert result.kind is Kind.CLUE and result.needs_review
    assert result.reasons[0] == "category.unknown"


def test_a_report_nobody_can_classify_is_urgent_and_needs_review() -> None:
    result = triage_text("喂喂，那个……", default_policy())
    assert (result.kind, result.priority, result.needs_review) == (
        Kind.EMERGENCY,
        Priority.P2,
        True,
    )
    assert result.reasons == ("fallback.unclear",)


def test_only_denied_danger_is_a_non_emergency_for_review() -> None:
    result = triage_text("没有着火", default_policy())
    assert (result.kind, result.needs_review) == (Kind.NON_EMERGENCY, True)
    assert result.reasons == ("negated.danger.fire", "fallback.negated")


def test_the_category_is_inferred_from_the_text_when_none_is_given() -> None:
    assert triage_text("有人赌博", default_policy()).category == "200700"
    assert triage_text("喂", default_policy()).category is None


def test_triage_of_a_report_uses_its_text_and_category() -> None:
    report = Report(id="R-1", received_at=AT, text="楼上太吵了", category="600400")
    assert triage(report, default_policy()) == triage_text(
        "楼上太吵了", default_policy(), category="600400"
    )


def test_evidence_is_cut_from_the_original_text_even_in_full_width() -> None:
    result = triage_text("ＨＥＬＰ！ My kitchen is ON FIRE", default_policy())
    assert result.kind is Kind.EMERGENCY
    assert "ON FIRE" in result.evidence


def test_a_custom_policy_with_a_category_rule_and_a_context_rule_is_followed() -> None:
    data = default_policy().to_dict()
    data["rules"].insert(
        0,
        {
            "id": "county.night_noise",
            "label": {"zh": "夜间噪声", "en": "noise at night"},
            "kind": "non_emergency",
            "priority": "P2",
            "categories": ["6004"],
            "context": ["半夜|凌晨"],
        },
    )
    policy = Policy.from_dict(data)
    result = triage_text("凌晨两点楼上还在唱歌", policy, category="600400")
    assert result.priority is Priority.P2 and "county.night_noise" in result.reasons
    assert "county.night_noise" not in triage_text("楼上在唱歌", policy, category="600400").reasons


# --- a host classifier ----------------------------------------------------------------------


class FixedClassifier:
    def __init__(self, verdict: ClassifierVerdict | None) -> None:
        self.verdict = verdict
        self.calls: list[tuple[str, str | None]] = []

    def classify(self, text: str, *, lang_hint: str | None = None) -> ClassifierVerdict | None:
        self.calls.append((text, lang_hint))
        return self.verdict


def test_a_triager_is_triage_text_bound_to_its_policy() -> None:
    policy = attrs.evolve(default_policy(), capacity=2)  # routing settings share the matcher
    bound = triager(policy)
    for row in ROWS[:40]:
        assert bound(row["text"], row["category"], None) == triage_text(
            row["text"], default_policy(), category=row["category"]
        )
    model = FixedClassifier(ClassifierVerdict(Kind.INFO, Priority.P4, 0.9, "question"))
    assert bound("楼上太吵了", None, model) == triage_text("楼上太吵了", policy, classifier=model)
    assert len(model.calls) == 2  # a classifier is asked every time: nothing remembered


def test_a_classifier_is_a_protocol_a_plain_class_can_satisfy() -> None:
    assert isinstance(FixedClassifier(None), Classifier)


def test_a_confident_classifier_decides_a_text_without_danger() -> None:
    model = FixedClassifier(ClassifierVerdict(Kind.INFO, Priority.P4, 0.9, "question", "980100"))
    result = triage_text("楼上太吵了", default_policy(), classifier=model)
    assert (result.kind, result.category) == (Kind.INFO, "980100")
    assert "classifier" in result.reasons and "question" in result.evidence
    assert model.calls == [("楼上太吵了", "zh")]


def test_the_danger_rules_still_overrule_a_classifier_that_sees_no_danger() -> None:
    model = FixedClassifier(ClassifierVerdict(Kind.INFO, Priority.P4, 0.99))
    result = triage_text("Someone is drowning at the beach", default_policy(), classifier=model)
    assert result.kind is Kind.EMERGENCY
    assert result.reasons[-1] == "safety_net.danger"
    assert model.calls == [("Someone is drowning at the beach", "en")]


def test_an_unsure_or_silent_classifier_leaves_the_decision_to_the_rules() -> None:
    unsure = FixedClassifier(ClassifierVerdict(Kind.INFO, Priority.P4, 0.2))
    silent = FixedClassifier(None)
    assert triage_text("有人赌博", default_policy(), classifier=unsure).kind is Kind.CLUE
    assert (
        "classifier.low_confidence"
        in triage_text("有人赌博", default_policy(), classifier=unsure).reasons
    )
    assert (
        triage_text("有人赌博", default_policy(), classifier=silent).reasons[-1]
        == "classifier.abstained"
    )


def test_a_classifier_is_asked_every_time_because_it_may_not_be_pure() -> None:
    model = FixedClassifier(None)
    for _ in range(3):
        triage_text("开锁", default_policy(), classifier=model)
    assert len(model.calls) == 3


def test_a_classifier_confidence_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="confidence"):
        ClassifierVerdict(Kind.INFO, Priority.P4, 1.5)


# --- the fast matcher matches what the plain alternation would --------------------------------


def naive_scan(policy: Policy, text: str) -> list[tuple[int, int, int]]:
    """The definition: left to right, at each place where some pattern matches, the first
    owner (near-misses, then rules in order) whose pattern matches there and whose context
    is in the text takes the words."""
    owners = [(-1, p) for p in policy.cues.near_misses]
    owners += [(i, p) for i, rule in enumerate(policy.rules) for p in rule.patterns]
    regexes: dict[int, list[str]] = {}
    for owner, pattern in owners:
        regexes.setdefault(owner, []).append(f"(?:{pattern})")
    compiled = {o: re.compile("|".join(ps)) for o, ps in regexes.items()}
    everything = re.compile("|".join(f"(?:{p})" for _, p in owners))
    norm, out, pos = _normalise(text), [], 0
    while (found := everything.search(norm, pos)) is not None:
        start, pos = found.start(), found.start() + 1
        for owner, regex in compiled.items():
            taken = regex.match(norm, start)
            context = policy.rules[owner].context if owner >= 0 else ()
            if taken is not None and (not context or re.search("|".join(context), norm)):
                out.append((start, taken.end(), owner))
                pos = taken.end()
                break
    return out


def test_the_fast_matcher_finds_exactly_what_the_plain_alternation_finds() -> None:
    policy = default_policy()
    matcher = _matcher(policy)
    texts = [row["text"] for row in ROWS + HELDOUT_ROWS] + [
        "ＦＩＲＥ！火锅店着火了 fire drill, 救命稻草 killing me",
        "What? 有人吗? k粉 u盘丢了?",
        "打110没人接，fire! 3楼 burning, xfire 119 fire，9楼fight 有人 fighting",
    ]
    for text in texts:
        expected: dict[int, list[str]] = {}
        for start, end, owner in naive_scan(policy, text):  # owner -1: a near miss
            expected.setdefault(owner, []).append(_normalise(text)[start:end])
        found = {
            o: [_normalise(p) for p in hit.phrases] for o, hit in matcher.scan(text, None).items()
        }
        assert found == expected, text


def test_an_escaped_punctuation_mark_counts_as_a_leading_literal() -> None:
    assert _first_literal("\\?\\s*$") == ("?", "\\s*$", False)
    assert _first_literal("\\bfire") == ("f", "ire", True)
    assert _first_literal("\\s+x") is None
    assert _first_literal("\\?+x") is None


def test_every_pattern_of_the_shipped_policy_starts_with_a_literal_so_the_fast_path_holds() -> None:
    # A pattern that does not (say '(?:a|b)?c') still works, but every text pays for it.
    finders = _matcher(default_policy()).finders
    assert all(not finder.pattern.startswith("(?:") for finder in finders)


# --- properties -----------------------------------------------------------------------------

DANGER = [
    "有人拿刀砍人",
    "楼下着火了",
    "有个小孩掉进河里了",
    "有人晕倒了，叫不醒",
    "两伙人在打架",
    "听到有人喊救命",
    "闻到很浓的煤气味",
    "someone is drowning",
    "the kitchen is on fire",
    "a man collapsed in the street",
    "there is a fight outside with knives",
]
NEGATED = [
    *(
        f"{cue}{what}"
        for cue in ("没有", "没", "不是", "并没有", "没看到")
        for what in ("着火", "打架", "人受伤", "人溺水", "爆炸", "人流血")
    ),
    *(
        f"{cue} {what}"
        for cue in ("there is no", "it's not a", "nobody saw a", "there was never a")
        for what in ("fire", "fight", "explosion", "robbery")
    ),
    "nobody was hurt",
    "no one is injured",
    "nobody is bleeding",
]
MILD = [row for row in ROWS if row["kind"] != "emergency"]
CODES = [c.code for c in default_policy().categories]


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from("有人打架着火没不是昨天已经散了灭救命赌博开锁，。!? abcfirenot"),
        max_size=30,
    ),
    category=st.sampled_from([None, *CODES]),
)
def test_the_same_report_always_gets_the_same_triage(text: str, category: str | None) -> None:
    policy = default_policy()
    first = triage_text(text, policy, category=category)
    _matcher(policy).memo.clear()
    assert triage_text(text, policy, category=category) == first
    assert first.kind in Kind and first.priority in Priority


@settings(max_examples=150, deadline=None)
@given(row=st.sampled_from(MILD), danger=st.sampled_from(DANGER))
def test_adding_danger_to_a_milder_report_never_makes_it_less_urgent(
    row: dict[str, Any], danger: str
) -> None:
    before = triage_text(row["text"], default_policy(), category=row["category"])
    after = triage_text(f"{row['text']}。{danger}", default_policy(), category=row["category"])
    assert KIND_URGENCY[after.kind] >= KIND_URGENCY[before.kind]
    assert after.kind is Kind.EMERGENCY


@settings(max_examples=100, deadline=None)
@given(phrase=st.sampled_from(NEGATED), end=st.sampled_from(["", "。", ".", "!", "，谢谢"]))
def test_a_negated_danger_phrase_alone_is_never_an_emergency(phrase: str, end: str) -> None:
    assert kind_of(phrase + end) is not Kind.EMERGENCY


@settings(max_examples=150, deadline=None)
@given(
    category=st.sampled_from(CODES),
    danger=st.sampled_from(DANGER),
    before=st.sampled_from(["", *(row["text"] for row in MILD[:80])]),
)
def test_any_category_with_danger_in_the_text_is_an_emergency(
    category: str, danger: str, before: str
) -> None:
    text = f"{before}。{danger}" if before else danger
    assert kind_of(text, category) is Kind.EMERGENCY


# Harmless look-alikes of danger words (the policy's near misses), and words that carry no
# signal at all, to build texts whose only danger-looking words are near misses.
NEAR_MISSES = ["火锅", "打火机", "消防演练", "救命稻草", "抢购", "剧本杀", "fire drill"]
NEAR_MISSES += ["crash course", "dying to"]
FILLERS = ["今天", "我们", "楼下", "新开了一家", "朋友说", "大家", "下午", "we", "tonight", "a"]


def test_a_near_miss_alone_is_a_non_emergency_for_review_not_an_unclear_emergency() -> None:
    result = triage_text("我们在吃火锅", default_policy())
    assert (result.kind, result.needs_review) == (Kind.NON_EMERGENCY, True)
    assert result.reasons == ("fallback.near_miss",)
    assert result.evidence == ("火锅",)
    # a real danger beside the near miss still counts
    assert kind_of("火锅店着火了") is Kind.EMERGENCY
    assert triage_text("喂喂，那个……", default_policy()).reasons == ("fallback.unclear",)


@settings(max_examples=100, deadline=None)
@given(
    before=st.lists(st.sampled_from(FILLERS), max_size=3),
    near_miss=st.sampled_from(NEAR_MISSES),
    after=st.lists(st.sampled_from(FILLERS), max_size=3),
)
def test_a_text_whose_only_danger_looking_words_are_near_misses_is_never_an_emergency(
    before: list[str], near_miss: str, after: list[str]
) -> None:
    text = " ".join([*before, near_miss, *after])
    result = triage_text(text, default_policy())
    assert result.kind is not Kind.EMERGENCY, result.reasons


def test_an_end_cue_after_a_still_going_on_cue_does_not_make_a_danger_past() -> None:
    chase = "校门口有人拿刀追一个学生，现在还在追，往文化路跑了"
    assert kind_of(chase) is Kind.EMERGENCY
    # fleeing somewhere named: an armed man still at large nearby, as 110 treats a robber
    # who "往东跑了"; gone with no direction, it is over
    assert kind_of("校门口有人拿刀追一个学生，往文化路跑了") is Kind.EMERGENCY
    assert kind_of("校门口有人拿刀追一个学生，已经跑了") is Kind.NON_EMERGENCY
    assert kind_of("刚才有人打架，现在已经散了") is Kind.NON_EMERGENCY
    assert kind_of("a man is waving a knife at people, he is still there, others ran off") is (
        Kind.EMERGENCY
    )


def test_a_present_cue_in_the_match_s_own_clause_outweighs_a_past_one_before_it() -> None:
    again = "They left earlier but the same gang came back — they're smashing windows now."
    assert kind_of(again) is Kind.EMERGENCY
    assert kind_of("They left earlier but the gang was smashing windows.") is not Kind.EMERGENCY
    assert kind_of("昨天楼下有人打架，现在没事了") is Kind.NON_EMERGENCY
    # the match's own words say "now", whatever an earlier clause said
    assert kind_of("上次谢谢大家 另外楼下一伙人正在撬车棚的锁") is Kind.EMERGENCY


def test_a_negation_in_an_earlier_clause_cut_by_a_space_does_not_deny_the_match() -> None:
    assert kind_of("一家三口早上没起来 叫不醒") is Kind.EMERGENCY
    assert kind_of("一家三口 没有叫不醒的 都好") is not Kind.EMERGENCY


def test_an_all_clear_sets_aside_what_is_over() -> None:
    patrol = "巡至7栋闻到焦味 排查是商铺烤红薯的炉子 已熄 无异常"
    assert kind_of(patrol) is Kind.INFO
    assert kind_of("巡至7栋闻到焦味 排查是商铺烤红薯的炉子 已熄") is Kind.NON_EMERGENCY
    # an all-clear never hides what is happening now
    assert kind_of("巡逻一圈无异常 另外3栋楼道冒黑烟了") is Kind.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "着火了，是厨房烧起来的",  # a cause, not "it was only cooking"
        "着火了，原来是电线短路",
        "他说不是开玩笑，真要跳楼",  # "not a joke" is not "a joke"
        "人被压断了腿",  # a person, not a speed bump, crushed
        "不是假的，真的着火了",
        "消防通道里着火了，烟很大",  # a fire lane is a near miss; a fire in it is not
        "The fire exit is blocked and there's thick smoke in the stairwell",
        "火很大，有人在里面",  # someone inside, at the end of the clause
        "房子塌了，人在下面出不来",
        "山体滑坡埋了两个人",
        "电梯卡住了，里面有个老人",
        "有同学从楼梯滚下来了，不动了，不是演习",  # "not a drill" is not "a drill"
        "冒烟了，不是做饭的烟，是着火了",
        "It's not a drill, there is smoke in the science lab",
        "台风黄色预警，村口老房子塌了，压着人",  # a warning is a near miss; a collapse is not
        "My mother with dementia wandered off from the market an hour ago",
        "有人在超市门口捅人了，捅完往后山跑了",  # the attacker fled; the victim is still hurt
        # An English pattern once ran past a Chinese full stop into the next sentence.
        "The property management company won't fix the leaking roof。a man collapsed",
        "半夜有人一直在拧我房门把手，现在还在拧",
        "孩子骑车摔进了路边没盖的井里，出不来",  # "没盖的" describes the well; it denies nothing
        "Our boat is taking water and we're in the middle of the lake",
        "小卖部门口一个男的在抢学生手机，往文化路跑了",
        "下水道井盖没了 有个小孩掉下去了",  # "没了" (gone) denies nothing
        "小偷刚跑了 可我老公追出去了 那人手里有刀",
    ],
)
def test_words_that_explain_or_deny_a_false_alarm_do_not_hide_a_real_one(text: str) -> None:
    assert kind_of(text) is Kind.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "在山里丢了手机",
        "我上山了，找不到停车场",
        "孩子左右摆手",
        "雨砸在车上",
        "they are on the ground floor",
        "鱼在盆里扑腾",
        "孩子正在打游戏",
        "明天不用考试了",
        "I poached an egg",
        "he logs out of the system",
        "脚被踩了一下",
        "a car is blocking the gate",
        "my phone fell into the water",
        "手机掉到水里了",
        "我带上孩子开车去超市",
        "钥匙卡住了拔不出来",
        "someone is stuck in traffic",
        "风筝挂在树上",
        "热水器坏了一直响",
        "打开窗户通风，拉窗户",
        "妈妈不让我下楼",
        "他摸孩子的头",
        "手机屏幕突然裂开",
        "楼下麻将馆还有人在里面放高利贷",  # someone inside, doing something
        "每天晚上有人在车里一手交钱一手交货",
        "河滩上有人埋了几个大铁桶",
        "外卖电动车把消防通道堵得死死的",
        "A van is parked across the fire lane again",
        "What does an orange typhoon warning mean for schools here?",
        "Which number is for the fire brigade?",  # a question within five words of it
        "The bangs are just fireworks from the wedding hall",
        "车库门禁卡在哪补办",  # a card, not someone stuck
        "物业简直是抢劫，停车费一小时十块",
        "The bar was on fire tonight, best night ever",
        "A big dog followed me back to my hostel",
        "Lost my kid's grey backpack at the playground yesterday",
        "楼上又在砸墙，我头都要炸了",
    ],
)
def test_everyday_phrases_like_the_danger_patterns_fire_no_danger_rule(text: str) -> None:
    reasons = triage_text(text, default_policy()).reasons
    assert not [reason for reason in reasons if reason.startswith("danger.")], reasons


def test_a_complaint_that_something_has_lasted_days_is_not_a_question() -> None:
    assert "info.question" not in triage_text("路灯坏了好几天", default_policy()).reasons
    assert "info.question" in triage_text("护照加急要几天", default_policy()).reasons


def test_a_space_between_chinese_words_ends_a_clause_as_a_comma_does() -> None:
    # Chat messages often use a space for a comma: a negation or a past time word in one
    # part does not reach into the next.
    assert kind_of("没打架 是有人被车撞了") is Kind.EMERGENCY
    assert kind_of("没打架，是有人被车撞了") is Kind.EMERGENCY
    assert kind_of("不是着火 是烧烤的烟") is not Kind.EMERGENCY
    assert kind_of("刚才有人打架 现在已经散了") is Kind.NON_EMERGENCY
    assert kind_of("昨天晚上 有人打架") is Kind.NON_EMERGENCY  # a time word still reaches on
