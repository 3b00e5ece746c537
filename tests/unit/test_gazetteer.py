"""Gazetteer: the place names a text mentions, leftmost-longest."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang.errors import InvalidValueError
from lianfang.gazetteer import Gazetteer, Mention, fold


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.key) for m in gazetteer.find(text)]


def naive_find(names: list[tuple[str, str]], text: str) -> list[tuple[int, int, str, str]]:
    """Try every name at every position: the slow, obviously right reference."""
    entries: dict[str, tuple[str, str]] = {}
    for name, key in names:
        folded = fold(name.strip())
        if len(folded) >= 2:
            entries.setdefault(folded, (name.strip(), key))
    folded_text = fold(text)

    def word(c: str) -> bool:
        return c.isascii() and c.isalnum()

    result = []
    i = 0
    while i < len(folded_text):
        best = None
        for folded in entries:
            if not folded_text.startswith(folded, i):
                continue
            if word(folded[0]) and i > 0 and word(folded_text[i - 1]):
                continue
            end = i + len(folded)
            if word(folded[-1]) and end < len(folded_text) and word(folded_text[end]):
                continue
            if best is None or len(folded) > len(best):
                best = folded
        if best is None:
            i += 1
            continue
        result.append((i, i + len(best), *entries[best]))
        i += len(best)
    return result


def test_the_longest_name_at_a_position_wins() -> None:
    gazetteer = Gazetteer.build([("东门", "C-1"), ("东门社区", "C-2")])
    assert found(gazetteer, "东门社区3号楼有人聚众赌博") == [("东门社区", "C-2")]
    assert found(gazetteer, "东门外有人打架") == [("东门", "C-1")]


def test_mentions_are_leftmost_non_overlapping_and_in_order() -> None:
    gazetteer = Gazetteer.build([("西湖社区", "C-1"), ("湖社", "C-2"), ("东门", "C-3")])
    assert gazetteer.find("东门和西湖社区之间") == (
        Mention(0, 2, "东门", "C-3"),
        Mention(3, 7, "西湖社区", "C-1"),
    )
    # the leftmost match wins even though a longer one starts one character later
    assert found(Gazetteer.build([("湖社", "A"), ("社区服务中心", "B")]), "西湖社区服务中心") == [
        ("湖社", "A")
    ]


def test_english_names_match_whatever_the_case_but_only_as_whole_words() -> None:
    gazetteer = Gazetteer.build([("Elm Street", "C-1"), ("Elm", "C-2")])
    assert found(gazetteer, "fight on ELM STREET tonight") == [("ELM STREET", "C-1")]
    assert found(gazetteer, "Elm Streets") == [("Elm", "C-2")]
    assert found(gazetteer, "Elmwood and helm") == []
    assert found(gazetteer, "住在Elm路") == [("Elm", "C-2")]


def test_full_width_letters_and_digits_match_their_ascii_forms() -> None:
    gazetteer = Gazetteer.build([("A区3栋", "C-1"), ("东门,西", "C-2")])
    assert found(gazetteer, "在Ａ区３栋门口") == [("Ａ区３栋", "C-1")]
    assert found(gazetteer, "东门，西侧，Ａ区３栋") == [("东门，西", "C-2"), ("Ａ区３栋", "C-1")]


def test_an_ascii_name_needs_no_letter_or_digit_just_before_it() -> None:
    gazetteer = Gazetteer.build([("12号社区", "C-1"), ("Elm", "C-2")])
    assert found(gazetteer, "12号社区和112号社区") == [("12号社区", "C-1")]
    assert found(gazetteer, "x12号社区 Ｘ12号社区 -12号社区") == [("12号社区", "C-1")]
    assert found(gazetteer, "Elm，ELM.elm") == [("Elm", "C-2"), ("ELM", "C-2"), ("elm", "C-2")]


def test_named_gives_each_mention_its_name_and_every_key() -> None:
    gazetteer = Gazetteer.build([("新村", "C-1"), ("新村", "C-2"), ("东门", "C-3")])
    assert gazetteer.named("东门和新村之间") == [("东门", ("C-3",)), ("新村", ("C-1", "C-2"))]
    assert gazetteer.named("") == []
    assert Gazetteer.build([]).named("东门") == []


def test_one_character_and_blank_names_are_ignored() -> None:
    gazetteer = Gazetteer.build([("门", "C-1"), ("  ", "C-2"), (" 东门 ", "C-3")])
    assert len(gazetteer) == 1
    assert found(gazetteer, "东门门口") == [("东门", "C-3")]


def test_a_name_listed_under_several_keys_gives_the_first_and_knows_them_all() -> None:
    gazetteer = Gazetteer.build([("新村", "C-1"), ("新村", "C-2"), ("新村", "C-1"), ("NEW", "C-3")])
    assert found(gazetteer, "新村") == [("新村", "C-1")]
    assert gazetteer.keys("新村") == ("C-1", "C-2")
    assert gazetteer.keys("new") == ("C-3",)
    assert gazetteer.keys("旧村") == ()


def test_the_name_is_reported_as_first_spelled() -> None:
    gazetteer = Gazetteer.build([("Oak Hill", "C-1"), ("OAK HILL", "C-2")])
    (mention,) = gazetteer.find("near oak hill")
    assert mention.name == "Oak Hill"
    assert gazetteer.keys("Oak Hill") == ("C-1", "C-2")


def test_an_empty_gazetteer_or_text_finds_nothing() -> None:
    assert Gazetteer.build([]).find("东门") == ()
    assert Gazetteer.build([("东门", "C-1")]).find("") == ()


def test_names_with_regex_characters_are_taken_literally() -> None:
    gazetteer = Gazetteer.build([("A.B (东)", "C-1"), ("x*y", "C-2")])
    assert found(gazetteer, "A.B (东) and AxB (东) and x*y xxy") == [
        ("A.B (东)", "C-1"),
        ("x*y", "C-2"),
    ]


def test_bad_pairs_are_rejected_with_their_position() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Gazetteer.build([("东门", "C-1"), ("西门",), ("北门", 3)])  # type: ignore[list-item]
    assert [p.split(":")[0] for p in caught.value.problems] == ["names[1]", "names[2]"]


def test_fold_keeps_every_position() -> None:
    for text in ("Main ST", "Ａ区３栋", "İstanbul Caddesi", "东门"):
        assert len(fold(text)) == len(text)
    assert fold("İx") == "İx"  # "İ".lower() is two characters: left as it is


alphabet = st.sampled_from(list("东门西湖社区村aAbB1 .-，,Ａ１"))
short_text = st.text(alphabet, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.tuples(short_text, st.sampled_from(["C-1", "C-2", "C-3"])), max_size=12),
    text=st.text(alphabet, max_size=40),
)
def test_find_agrees_with_a_naive_leftmost_longest_scan(
    names: list[tuple[str, str]], text: str
) -> None:
    gazetteer = Gazetteer.build(names)
    mentions = gazetteer.find(text)
    assert [(m.start, m.end, m.name, m.key) for m in mentions] == naive_find(names, text)
    assert gazetteer.named(text) == [(m.name, gazetteer.keys(m.name)) for m in mentions]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_names_starting_with_hundreds_of_characters_are_found_like_a_naive_scan(
    seed: int,
) -> None:
    # Real place names start with hundreds of different characters: the case where each
    # first character's names are tried on their own. Texts mix names, their prefixes and
    # other characters, so near misses sit next to matches.
    rnd = random.Random(seed)
    chars = [chr(0x4E00 + n) for n in range(400)] + list("ab1-")
    names = [
        ("".join(rnd.choice(chars) for _ in range(rnd.randint(2, 4))), f"C-{n}") for n in range(300)
    ]
    pieces = [name for name, _ in names] + [name[:-1] for name, _ in names] + chars
    text = "".join(rnd.choice(pieces) for _ in range(30))
    gazetteer = Gazetteer.build(names)
    assert [(m.start, m.end, m.name) for m in gazetteer.find(text)] == [
        (start, end, name) for start, end, name, _key in naive_find(names, text)
    ]
