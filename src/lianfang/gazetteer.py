"""Find known place names in free text, in one pass whatever the number of names.

A :class:`Gazetteer` is built once from (name, key) pairs (a community's name and aliases,
keyed by its id) and then finds the names a text mentions, in work linear in the length
of the text whatever the number of names: one regular expression finds, in C, the next
place where a name may start (a character some name starts with, followed by one some name
has second); the names starting with that character, compiled into one regular expression
factored as a character trie, are tried there. (A single expression for all
names is no faster where names start with few characters, and far slower where they start
with thousands, as real Chinese place names do: the regex engine tries the alternatives
of its first character one by one.)

Matching rules:

- Leftmost-longest and non-overlapping: scanning from the left, at each position the
  longest name that matches wins, and the scan resumes after it ("东门社区" beats "东门").
- Case-insensitive, and full-width letters, digits and punctuation (``Ａ``, ``３``) match
  their ASCII forms.
- A name that begins (ends) with an ASCII letter or digit only matches where the text does
  not continue with one before (after) it, so "Elm" is found in "Elm St." and "住Elm路",
  not in "Elmwood". Chinese names match anywhere: Chinese has no word boundaries.
- Names shorter than two characters are ignored: a single character matches far too often.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from lianfang.errors import InvalidValueError

__all__ = ["Gazetteer", "Mention"]

_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_TO_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WORD = "0-9a-z"  # what an ASCII name must not touch, in folded text
_END = ""  # the trie key that marks the end of a name

_Trie = dict[str, "_Trie"]


def fold(text: str) -> str:
    """``text`` as names are compared: lower case, full-width forms made ASCII.

    The result has the same length as ``text``, character for character, so positions
    found in it are positions in ``text``.
    """
    text = text.replace("，", ",")  # by far the commonest full-width character; translate is slow
    if _FULL_WIDTH.search(text) is not None:
        text = text.translate(_TO_HALF_WIDTH)
    lowered = text.lower()
    if len(lowered) == len(text):  # lower() only ever lengthens ("İ" → "i̇"), never shortens
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


@attrs.frozen
class Mention:
    """One name found in a text: ``text[start:end]`` matched ``name`` (as it was given to
    :meth:`Gazetteer.build`), which is listed under ``key`` (the first key, if several)."""

    start: int
    end: int
    name: str
    key: str


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(map(re.escape, sorted(c for c in chars if c))) + "]"


def _trie_pattern(node: _Trie, parent: str) -> str:
    """The regex for everything below ``node``; ``parent`` is the character that led here."""
    alternatives = [
        re.escape(char) + _trie_pattern(child, char) for char, child in node.items() if char
    ]
    if _END in node:
        # A name ends here; try the longer names first, so the longest match wins.
        alternatives.append(f"(?![{_WORD}])" if _is_word_char(parent) else "")
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


@attrs.frozen(eq=False)
class Gazetteer:
    """An index of place names, built once with :meth:`build`; immutable and thread-safe."""

    # Where a name may start, and the names starting with each character.
    _starts: re.Pattern[str] | None = attrs.field(alias="starts", repr=False)
    _by_first: dict[str, re.Pattern[str]] = attrs.field(alias="by_first", repr=False)
    _entries: dict[str, tuple[str, tuple[str, ...]]] = attrs.field(alias="entries", repr=False)

    @classmethod
    def build(cls, names: Iterable[tuple[str, str]]) -> Gazetteer:
        """Index (name, key) pairs. A name may be listed under several keys, and a key under
        several names; names that differ only in case or width are the same name, spelled as
        first given. Blank and one-character names are ignored."""
        entries: dict[str, tuple[str, list[str]]] = {}
        problems = []
        for n, pair in enumerate(names):
            try:
                name, key = pair
            except (TypeError, ValueError):
                problems.append(f"names[{n}]: must be a (name, key) pair")
                continue
            if not isinstance(name, str) or not isinstance(key, str):
                problems.append(f"names[{n}]: name and key must be strings, not {pair!r}")
                continue
            name = name.strip()
            folded = fold(name)
            if len(folded) < 2:
                continue
            entry = entries.get(folded)
            if entry is None:
                entries[folded] = (name, [key])
            elif key not in entry[1]:
                entry[1].append(key)
        if problems:
            raise InvalidValueError(problems)
        frozen = {folded: (name, tuple(keys)) for folded, (name, keys) in entries.items()}
        if not frozen:
            return cls(starts=None, by_first={}, entries=frozen)
        trie: _Trie = {}
        for folded in sorted(frozen):  # sorted: the same names always give the same pattern
            node = trie
            for char in folded:
                node = node.setdefault(char, {})
            node[_END] = {}
        by_first = {}
        for char, child in trie.items():
            # An ASCII name's "no word character before it" is checked after its first
            # character, looking two back (the match starts where the name does).
            after = f"(?<![{_WORD}].)" if _is_word_char(char) else ""
            by_first[char] = re.compile(re.escape(char) + after + _trie_pattern(child, char))
        seconds = {char for child in trie.values() for char in child if char}
        starts = re.compile(f"{_char_class(trie)}(?={_char_class(seconds)})")
        return cls(starts=starts, by_first=by_first, entries=frozen)

    def _matches(self, text: str) -> list[re.Match[str]]:
        """The names in ``text`` (matched in its folded form), leftmost-longest and
        non-overlapping, in order."""
        found: list[re.Match[str]] = []
        if self._starts is None or not text:
            return found
        folded = fold(text)
        next_start, by_first = self._starts.search, self._by_first
        pos = 0
        while (start := next_start(folded, pos)) is not None:
            at = start.start()
            match = by_first[folded[at]].match(folded, at)
            if match is None:
                pos = at + 1
            else:
                found.append(match)
                pos = match.end()
        return found

    def find(self, text: str) -> tuple[Mention, ...]:
        """The names ``text`` mentions, leftmost-longest and non-overlapping, in order."""
        entries = self._entries
        mentions = []
        for match in self._matches(text):
            name, keys = entries[match.group()]
            mentions.append(Mention(match.start(), match.end(), name, keys[0]))
        return tuple(mentions)

    def spans(self, text: str) -> tuple[tuple[int, int, str, tuple[str, ...]], ...]:
        """What :meth:`find` finds, as plain tuples ``(start, end, name, keys)``: every key
        listed under the name, not just the first (for callers on a hot path)."""
        matches = self._matches(text)
        if not matches:
            return ()
        entries = self._entries
        return tuple([(match.start(), match.end(), *entries[match.group()]) for match in matches])

    def named(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """What :meth:`find` finds, without the positions: for each mention, in order, its
        name (as given) and every key listed under it."""
        entries = self._entries
        return [entries[match.group()] for match in self._matches(text)]

    def keys(self, name: str) -> tuple[str, ...]:
        """Every key listed under ``name`` (compared as :meth:`find` compares), in the order
        given; empty when the name is unknown."""
        entry = self._entries.get(fold(name.strip()))
        return () if entry is None else entry[1]

    def __len__(self) -> int:
        """The number of distinct names."""
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Gazetteer({len(self._entries)} names)"
