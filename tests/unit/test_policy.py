"""The policy as data: loading, round trips, lookups, labels and every kind of bad policy."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from lianfang.errors import InvalidValueError, PolicyError
from lianfang.model import Kind, Priority
from lianfang.policy import (
    RESERVED_REASONS,
    Category,
    Label,
    Policy,
    Rule,
    builtin_categories,
    default_policy,
    more_urgent,
)

FIXED_AGENCY_CODES = {
    "600100": "供水供电供气供热故障",
    "600200": "市政设施损坏",
    "600300": "环境卫生",
    "600400": "噪声扰民",
    "600500": "物业纠纷",
    "600600": "城管执法",
    "600700": "动物相关",
    "600800": "消费纠纷",
    "609900": "其他社会联动",
}


def small_policy() -> dict[str, Any]:
    """A minimal valid policy as data: two rules, the built-in categories and cues."""
    return {
        "name": "test",
        "rules": [
            {
                "id": "danger.fire",
                "label": {"zh": "火情", "en": "fire"},
                "kind": "emergency",
                "priority": "P1",
                "category": "400100",
                "patterns": ["着火", "\\bon fire\\b"],
                "past": {"kind": "non_emergency", "priority": "P3"},
            },
            {
                "id": "clue.gambling",
                "label": {"zh": "赌博", "en": "gambling"},
                "kind": "clue",
                "priority": "P3",
                "patterns": ["赌博"],
            },
        ],
    }


def problems_of(data: Any) -> tuple[str, ...]:
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(data)
    return caught.value.problems


# --- the shipped policy -------------------------------------------------------------------


def test_the_default_policy_is_loaded_once_and_cached() -> None:
    assert default_policy() is default_policy()


def test_the_category_table_follows_the_110_code_structure() -> None:
    categories = default_policy().categories
    assert 60 <= len(categories) <= 110
    classes = {c.code[0] for c in categories}
    assert classes == set("123456789")
    assert {c.code for c in categories if c.code.startswith("95")}, "complaints (95xxxx)"
    assert all(c.code.isdigit() and len(c.code) == 6 for c in categories)
    assert all(c.zh.strip() and c.en.strip() for c in categories)


def test_the_agency_codes_of_the_sample_directory_are_in_the_table_with_their_names() -> None:
    policy = default_policy()
    for code, zh in FIXED_AGENCY_CODES.items():
        category = policy.category(code)
        assert category is not None and category.zh == zh
        assert category.kind is Kind.NON_EMERGENCY and not category.police


def test_named_codes_of_the_issue_have_the_expected_kinds() -> None:
    policy = default_policy()
    expected = {
        "100100": Kind.NON_EMERGENCY,  # 盗窃案: mostly found after the fact
        "100200": Kind.EMERGENCY,
        "200100": Kind.EMERGENCY,
        "200200": Kind.NON_EMERGENCY,
        "200600": Kind.EMERGENCY,
        "200700": Kind.CLUE,
        "300100": Kind.EMERGENCY,
        "400100": Kind.EMERGENCY,
        "500100": Kind.EMERGENCY,
        "500200": Kind.NON_EMERGENCY,
        "500300": Kind.NON_EMERGENCY,
        "500400": Kind.EMERGENCY,
        "500500": Kind.EMERGENCY,
        "500600": Kind.EMERGENCY,
        "500700": Kind.EMERGENCY,
        "500800": Kind.EMERGENCY,
        "900100": Kind.CLUE,
    }
    for code, kind in expected.items():
        category = policy.category(code)
        assert category is not None, code
        assert category.kind is kind, code
    assert all(c.kind is Kind.EMERGENCY for c in policy.categories if c.code[0] in "78")


def test_every_rule_of_the_default_policy_has_labels_and_a_known_category() -> None:
    policy = default_policy()
    for rule in policy.rules:
        assert rule.label_zh.strip() and rule.label_en.strip()
        assert rule.category is None or policy.category(rule.category) is not None
    assert {r.kind for r in policy.rules} == set(Kind)


def test_ack_deadlines_default_to_one_five_thirty_minutes_two_hours_and_a_day_for_clues() -> None:
    policy = default_policy()
    assert policy.ack_deadlines == {
        Priority.P1: dt.timedelta(minutes=1),
        Priority.P2: dt.timedelta(minutes=5),
        Priority.P3: dt.timedelta(minutes=30),
        Priority.P4: dt.timedelta(hours=2),
    }
    assert policy.ack_deadline(Kind.CLUE, Priority.P2) == dt.timedelta(hours=24)
    assert policy.ack_deadline(Kind.EMERGENCY, Priority.P1) == dt.timedelta(minutes=1)
    assert policy.capacity is None
    assert policy.locate_buffer_m == 200.0
    assert policy.several_places == "first"


def test_kinds_are_ordered_emergency_clue_non_emergency_info() -> None:
    assert more_urgent(Kind.EMERGENCY, Kind.CLUE)
    assert more_urgent(Kind.CLUE, Kind.NON_EMERGENCY)
    assert more_urgent(Kind.NON_EMERGENCY, Kind.INFO)
    assert not more_urgent(Kind.INFO, Kind.INFO)


def test_a_policy_is_hashable_and_equal_policies_hash_alike() -> None:
    policy = default_policy()
    twin = Policy.from_dict(policy.to_dict())
    assert twin == policy and hash(twin) == hash(policy)
    assert {policy: 1}[twin] == 1


# --- lookups and labels -------------------------------------------------------------------


def test_category_and_rule_lookups_return_none_for_unknown_ids() -> None:
    policy = default_policy()
    assert policy.category("200700") == Category(
        "200700", "赌博", "gambling", Kind.CLUE, Priority.P3, police=True
    )
    assert policy.category("123456") is None
    assert policy.rule("danger.fire") is not None
    assert policy.rule("nope") is None


def test_labels_name_rules_categories_and_their_negated_and_past_forms_in_both_languages() -> None:
    policy = default_policy()
    assert policy.label("danger.fire") == "火情"
    assert policy.label("danger.fire", "en") == "fire"
    assert policy.label("category.200700") == "报警类别：赌博（200700）"
    assert policy.label("category.200700", "en") == "category 200700: gambling"
    assert "火情" in policy.label("negated.danger.fire")
    assert policy.label("negated.danger.fire", "en") == "denied: fire"
    assert policy.label("past.danger.fire", "en") == "over: fire"
    assert policy.label("fallback.unclear", "en") == RESERVED_REASONS["fallback.unclear"].en


def test_a_label_for_an_id_the_policy_does_not_know_is_the_id_itself() -> None:
    assert default_policy().label("route.liaison_officer") == "route.liaison_officer"


def test_a_label_in_another_language_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="lang"):
        default_policy().label("danger.fire", "fr")


# --- loading and round trips ----------------------------------------------------------------


def test_the_default_policy_survives_a_round_trip_through_a_dict() -> None:
    policy = default_policy()
    assert Policy.from_dict(policy.to_dict()) == policy


def test_to_dict_is_json_and_leaves_out_missing_values() -> None:
    data = default_policy().to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert "capacity" not in data
    assert "past" not in data["rules"][-1]
    assert data["ack_deadlines"] == {"P1": "1m", "P2": "5m", "P3": "30m", "P4": "2h"}


def test_a_policy_without_categories_or_cues_gets_the_built_in_ones() -> None:
    policy = Policy.from_dict(small_policy())
    assert policy.categories == builtin_categories()
    assert policy.cues == default_policy().cues
    assert [r.id for r in policy.rules] == ["danger.fire", "clue.gambling"]


def test_a_policy_loads_from_a_json_file(tmp_path: Path) -> None:
    data = small_policy() | {
        "capacity": 5,
        "ack_deadlines": {"P1": "30s", "P2": "2m", "P3": "20m", "P4": "1d"},
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    policy = Policy.load(path)
    assert policy.capacity == 5
    assert policy.ack_deadlines[Priority.P1] == dt.timedelta(seconds=30)
    assert policy.ack_deadlines[Priority.P4] == dt.timedelta(days=1)
    assert Policy.from_dict(policy.to_dict()) == policy


def test_a_policy_loads_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        """
name = "county"
several_places = "review"
clue_ack_deadline = "12h"

[[rules]]
id = "danger.fire"
label = { zh = "火情", en = "fire" }
kind = "emergency"
priority = "P1"
patterns = ['着火', '\\bon fire\\b']
past = { kind = "non_emergency", priority = "P3" }
""",
        encoding="utf-8",
    )
    policy = Policy.load(str(path))
    assert policy.name == "county"
    assert policy.several_places == "review"
    assert policy.clue_ack_deadline == dt.timedelta(hours=12)
    assert policy.rules[0].patterns == ("着火", "\\bon fire\\b")
    assert Policy.from_dict(policy.to_dict()) == policy


def test_the_shipped_toml_and_its_dict_form_give_the_same_policy(tmp_path: Path) -> None:
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(default_policy().to_dict(), ensure_ascii=False), encoding="utf-8")
    assert Policy.load(path) == default_policy()


def test_a_policy_file_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("name: x", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"\.json or \.toml"):
        Policy.load(path)


@pytest.mark.parametrize(("name", "text"), [("p.json", "{not json"), ("p.toml", "name = ")])
def test_a_policy_file_that_does_not_parse_is_a_policy_error(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="is not valid"):
        Policy.load(path)


# --- bad policies -------------------------------------------------------------------------


def test_a_misspelt_kind_is_reported_with_the_rule_index_id_and_field() -> None:
    data = small_policy()
    data["rules"][1]["kind"] = "emergncy"
    assert problems_of(data) == (
        "$.rules[1] (id 'clue.gambling').kind: 'emergncy' is not one of "
        "'emergency', 'non_emergency', 'clue', 'info'",
    )


def test_a_rule_is_lasting_only_when_it_says_so_and_the_flag_survives_a_round_trip() -> None:
    data = small_policy()
    data["rules"][0]["lasting"] = True
    policy = Policy.from_dict(data)
    assert [rule.lasting for rule in policy.rules] == [True, False]
    assert Policy.from_dict(policy.to_dict()) == policy
    assert {rule.id for rule in default_policy().rules if rule.lasting} == {
        "danger.missing_vulnerable",
        "danger.trapped",
    }


def test_a_lasting_flag_that_is_not_a_boolean_is_reported_with_its_path() -> None:
    data = small_policy()
    data["rules"][0]["lasting"] = "yes"
    (problem,) = problems_of(data)
    assert problem.startswith("$.rules[0] (id 'danger.fire').lasting")


def test_unknown_keys_are_errors_at_every_level() -> None:
    data = small_policy() | {"colour": "red"}
    data["rules"][0]["severity"] = "high"
    data["rules"][0]["label"]["fr"] = "feu"
    problems = problems_of(data)
    assert "$.colour: unknown field" in problems
    assert "$.rules[0] (id 'danger.fire').severity: unknown field" in problems
    assert "$.rules[0] (id 'danger.fire').label.fr: unknown field" in problems


def test_duplicate_rule_ids_are_errors() -> None:
    data = small_policy()
    data["rules"][1]["id"] = "danger.fire"
    assert problems_of(data) == ("$.rules[1] (id 'danger.fire').id: duplicate of $.rules[0]",)


def test_an_invalid_regex_names_the_rule_and_the_pattern() -> None:
    data = small_policy()
    data["rules"][1]["patterns"] = ["赌博", "赌(钱"]
    (problem,) = problems_of(data)
    assert problem.startswith(
        "$.rules[1] (id 'clue.gambling').patterns[1]: invalid regular expression"
    )


@pytest.mark.parametrize(
    ("field", "pattern", "message"),
    [
        ("patterns", "(?P<x>赌)", "named groups are not allowed"),
        ("patterns", "(赌)\\1", "backreferences are not supported"),
        ("patterns", "赌?", "matches empty text"),
        ("context", "", "must not be empty"),
        ("ended_by", "[", "invalid regular expression"),
    ],
)
def test_patterns_that_cannot_work_are_errors(field: str, pattern: str, message: str) -> None:
    data = small_policy()
    data["rules"][1][field] = [pattern]
    (problem,) = problems_of(data)
    assert problem.startswith(f"$.rules[1] (id 'clue.gambling').{field}[0]: ")
    assert message in problem


def test_a_toml_pattern_in_double_quotes_that_turned_a_word_boundary_into_a_backspace_is_an_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        'name = "p"\n[[rules]]\nid = "a"\nlabel = { zh = "a", en = "a" }\n'
        'kind = "info"\npriority = "P4"\npatterns = ["\\bhello\\b"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="control character") as caught:
        Policy.load(path)
    assert caught.value.problems[0].startswith("$.rules[0] (id 'a').patterns[0]: ")


def test_a_rule_that_could_never_fire_is_an_error() -> None:
    data = small_policy()
    data["rules"][1]["patterns"] = []
    assert problems_of(data) == (
        "$.rules[1] (id 'clue.gambling'): needs patterns or categories, or it can never fire",
    )


def test_rule_categories_must_be_code_prefixes_and_inferred_categories_must_exist() -> None:
    data = small_policy()
    data["rules"][1]["categories"] = ["20", "2x"]
    data["rules"][1]["category"] = "299999"
    problems = problems_of(data)
    assert (
        "$.rules[1] (id 'clue.gambling').categories[1]: '2x' is not a prefix of 1-6 digits"
        in problems
    )
    assert (
        "$.rules[1] (id 'clue.gambling').category: '299999' is not in the category table"
        in problems
    )


@pytest.mark.parametrize("rule_id", ["category.fire", "negated.x", "past.x", "Fire", "a b", ""])
def test_rule_ids_must_be_plain_and_not_look_like_reasons(rule_id: str) -> None:
    data = small_policy()
    data["rules"][1]["id"] = rule_id
    (problem,) = problems_of(data)
    assert ".id: " in problem


def test_bad_settings_are_each_reported() -> None:
    data = small_policy() | {
        "ack_deadlines": {"P1": "1m", "P2": "soon", "P4": "2h", "P9": "1h"},
        "capacity": 0,
        "several_places": "maybe",
        "classifier_min_confidence": 2.0,
        "clue_ack_deadline": "0s",
        "locate_buffer_m": "far",
    }
    problems = problems_of(data)
    assert "$.ack_deadlines.P9: 'P9' is not one of 'P1', 'P2', 'P3', 'P4'" in problems
    assert any(p.startswith("$.ack_deadlines.P2: must be a duration") for p in problems)
    assert "$.ack_deadlines: missing P3" in problems
    assert "$.capacity: must be at least 1 (or left out for no cap), not 0" in problems
    assert "$.several_places: 'maybe' is not one of 'first', 'review'" in problems
    assert "$.classifier_min_confidence: 2.0 is outside [0, 1]" in problems
    assert "$.clue_ack_deadline: must be longer than zero" in problems
    assert any(p.startswith("$.locate_buffer_m: must be a number") for p in problems)


def test_bad_categories_are_reported_with_their_code() -> None:
    data = small_policy() | {"categories": [_category(c) for c in builtin_categories()[:3]]}
    data["categories"].append(dict(data["categories"][0]))
    data["categories"].append(_category(builtin_categories()[3]) | {"code": "12AB", "zh": " "})
    data["rules"][0].pop("category")
    problems = problems_of(data)
    assert "$.categories[3] (code '100100').code: duplicate of $.categories[0]" in problems
    assert "$.categories[4] (code '12AB').code: must be six digits" in problems
    assert "$.categories[4] (code '12AB').zh: must not be empty" in problems


def _category(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "zh": category.zh,
        "en": category.en,
        "kind": category.kind.value,
        "priority": category.priority.value,
        "police": category.police,
    }


def test_all_problems_of_a_policy_are_reported_at_once() -> None:
    data = small_policy()
    data["rules"][0]["kind"] = "urgent"
    data["rules"][0]["priority"] = "P0"
    data["rules"][1]["patterns"] = ["("]
    data["rules"].append({"id": "x", "label": {"zh": "x"}, "kind": "info", "priority": "P4"})
    del data["name"]
    problems = problems_of(data)
    assert len(problems) == 5, problems
    assert "$.name: required field is missing" in problems
    assert any(p.startswith("$.rules[0] (id 'danger.fire').kind:") for p in problems)
    assert any(p.startswith("$.rules[0] (id 'danger.fire').priority:") for p in problems)
    assert any(p.startswith("$.rules[1] (id 'clue.gambling').patterns[0]:") for p in problems)
    assert "$.rules[2] (id 'x').label.en: required field is missing" in problems


@pytest.mark.parametrize("data", [[], "policy", None])
def test_a_policy_must_be_an_object(data: Any) -> None:
    assert problems_of(data)[0].startswith("$: a policy must be an object")


def test_rules_are_required_and_must_be_an_array() -> None:
    assert problems_of({"name": "x"}) == ("$.rules: required field is missing",)
    assert problems_of({"name": "x", "rules": {}}) == ("$.rules: must be an array, not dict",)


def test_a_policy_built_in_python_is_checked_too() -> None:
    policy = default_policy()
    bad = Rule(
        id="x.y", label=Label("x", "x"), kind=Kind.INFO, priority=Priority.P4, patterns=("(",)
    )
    with pytest.raises(PolicyError, match=r"\$\.rules\[\d+\] \(id 'x\.y'\)\.patterns\[0\]"):
        Policy(name="p", categories=policy.categories, rules=(*policy.rules, bad), cues=policy.cues)


def test_the_cues_are_checked_like_patterns() -> None:
    data = small_policy() | {"cues": copy.deepcopy(default_policy().to_dict()["cues"])}
    data["cues"]["negations"].append("(?<=a+)b")
    data["cues"]["negation_window"] = -1
    problems = problems_of(data)
    assert any(
        p.startswith("$.cues.negations[") and "invalid regular expression" in p for p in problems
    )
    assert "$.cues.negation_window: must be a whole number >= 0, not -1" in problems
