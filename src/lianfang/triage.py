"""Triage: the kind and priority of a report, from its category and its text.

:func:`triage` applies a :class:`~lianfang.policy.Policy` (see that module for how rules
are written) and explains itself: every rule that fired is a reason id, and the words
that made it fire are the evidence.

How a decision is made:

1. An explicit category gives a base outcome from the category table
   (``category.<code>``; an unknown code is ``category.unknown`` and needs review).
2. The text is scanned once. Each rule that fires gives its outcome (or its ``past``
   outcome when the matched words are about the past or have ended); negated words
   give nothing (``negated.<rule id>``). The text verdict is the most urgent of these
   outcomes. A host :class:`Classifier`, when given and confident enough, replaces that
   verdict, but never below what the danger rules found.
3. Combining the two:

   * no category: the text verdict; with nothing at all, the policy's ``unclear``
     outcome (EMERGENCY by default), or its ``negated`` outcome when only denied or
     hypothetical danger was mentioned; both need review;
   * the text is more urgent than the category: the text wins (the safety net:
     "听到有人喊救命" under a noise category is an EMERGENCY);
   * the text says that the very matter of the category (same first digit) is over or
     past: the text wins (``category.over``: category 400100 with "火已经灭了");
   * the text is less urgent for any other reason: the category wins and the report
     needs review (``conflict.category_text``).

The same policy and report always give the same triage.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import attrs

from lianfang.memo import Memo
from lianfang.model import Kind, Priority, Report
from lianfang.model._checks import number_between
from lianfang.policy import KIND_URGENCY, Outcome, Policy, Rule, more_urgent

__all__ = [
    "Classifier",
    "ClassifierVerdict",
    "Triage",
    "place_marks",
    "triage",
    "triage_text",
    "triager",
]


@attrs.frozen
class ClassifierVerdict:
    """What a host's text model says about a report (``confidence`` in [0, 1])."""

    kind: Kind
    priority: Priority
    confidence: float = attrs.field(validator=number_between(0.0, 1.0))
    label: str = ""
    category: str | None = None


@runtime_checkable
class Classifier(Protocol):
    """A host's text model. Return ``None`` to abstain.

    Its verdict replaces the text rules' verdict when its confidence reaches the
    policy's ``classifier_min_confidence``, except that the danger rules still run as a
    safety net: the result is never less urgent than an emergency the rules found.
    """

    def classify(self, text: str, *, lang_hint: str | None = None) -> ClassifierVerdict | None:
        """Classify ``text``; ``lang_hint`` is ``"zh"`` or ``"en"`` when known."""
        ...


@attrs.frozen
class Triage:
    """The outcome of triage.

    ``category`` is the explicit category code, or the one inferred from the text.
    ``reasons`` are the ids of everything that fired, in order (readable through
    :meth:`Policy.label`); ``evidence`` the words of the report that made rules fire.
    """

    kind: Kind
    priority: Priority
    category: str | None
    needs_review: bool
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]


def triage(report: Report, policy: Policy, classifier: Classifier | None = None) -> Triage:
    """Decide the kind and priority of ``report`` under ``policy``."""
    return _matcher(policy).triage(report.text, report.category, classifier)


def triage_text(
    text: str,
    policy: Policy,
    *,
    category: str | None = None,
    classifier: Classifier | None = None,
) -> Triage:
    """:func:`triage` for a bare text and an optional category code.

    Results are remembered per policy for the most recent few thousand (text, category)
    pairs, since 110 texts repeat a lot; a call with a classifier is never remembered.
    """
    return _matcher(policy).triage(text, category, classifier)


def triager(policy: Policy) -> Callable[[str, str | None, Classifier | None], Triage]:
    """:func:`triage_text` under ``policy`` as a function of (text, category, classifier),
    for a caller that triages report after report under one policy: the policy's compiled
    matcher is then looked up once, not on every call."""
    return _matcher(policy).triage


def place_marks(policy: Policy) -> tuple[str, str]:
    """The characters that stand in for the letters of a place name when a router reads a
    report (see :meth:`lianfang.routing.Router.route`): one for ASCII letters and digits,
    one for every other letter: ``_`` and ``某`` unless a rule, cue or near miss of
    ``policy`` writes them, so that a masked name reads as no word at all. A name keeps its
    length and its spaces and punctuation, so distances and clause breaks around it stay the
    same."""
    return _matcher(policy).place_marks


def _place_marks(policy: Policy) -> tuple[str, str]:
    cues = policy.cues
    sources = "".join(
        (
            *cues.near_misses,
            *cues.negations,
            *cues.not_negations,
            *cues.past,
            *cues.present,
            *cues.ended,
            *cues.ongoing,
            *(p for rule in policy.rules for p in (*rule.patterns, *rule.context, *rule.ended_by)),
        )
    )
    ascii_mark = next((c for c in "_¤" if c not in sources), "_")
    other_mark = next((c for c in "某甲乙丙丁戊己庚辛壬癸" if c not in sources), "某")
    return ascii_mark, other_mark


# --- the decision --------------------------------------------------------------------------

_NEGATED, _PAST, _CURRENT = 0, 1, 2
_SCORE = operator.itemgetter(0)  # of a (score, outcome, category) verdict
_MEMO_SIZE = 4096  # recent (text, category) results kept per policy; 110 texts repeat a lot


def _score(outcome: Outcome) -> int:
    """Larger is more urgent: the kind first, then the priority."""
    return 10 * KIND_URGENCY[outcome.kind] + 5 - outcome.priority.rank


class _RuleFacts:
    """What the decision needs to know about one rule, computed once per policy."""

    __slots__ = (
        "category",
        "class_digit",
        "clears",
        "negated_reason",
        "now",
        "now_score",
        "past",
        "past_reason",
        "past_score",
        "reason",
        "review",
        "stop",
    )

    def __init__(self, rule: Rule) -> None:
        self.reason = rule.id
        self.past_reason = f"past.{rule.id}" if rule.past is not None else rule.id
        self.negated_reason = f"negated.{rule.id}"
        self.now = rule.outcome
        self.now_score = _score(self.now)
        self.past = rule.past or self.now
        self.past_score = _score(self.past)
        self.category = rule.category
        self.class_digit = (rule.category or "")[:1] or None
        self.review = rule.needs_review
        self.stop = rule.stop
        self.clears = rule.clears


def _decide(
    matcher: _Matcher,
    policy: Policy,
    text: str,
    category_code: str | None,
    hits: dict[int, _Hit],
    classifier: Classifier | None,
) -> Triage:
    reasons: list[str] = []
    evidence: list[str] = []
    review = False

    base: Outcome | None = None
    base_class: str | None = None
    if category_code is not None:
        category = policy.category(category_code)
        if category is None:
            reasons.append("category.unknown")
            review = True
        else:
            reasons.append(f"category.{category.code}")
            base, base_class = category.outcome, category.class_digit

    verdicts: list[tuple[int, Outcome, str | None]] = []  # (score, outcome, category)
    past_verdicts: list[tuple[int, Outcome, str | None]] = []  # the same, from past matches
    over_same_matter = denied_same_matter = anything_negated = cleared = False
    facts = matcher.facts
    near_miss = _MASK in hits  # harmless look-alikes of danger words (火锅, fire drill)
    for index in sorted(hits):
        if index == _MASK:
            continue
        fact, hit = facts[index], hits[index]
        evidence.extend(hit.phrases)
        if hit.mode == _NEGATED:
            reasons.append(fact.negated_reason)
            anything_negated = True
            denied_same_matter = denied_same_matter or fact.class_digit == base_class
            continue
        if hit.mode == _PAST:
            reasons.append(fact.past_reason)
            verdict = (fact.past_score, fact.past, fact.category)
            verdicts.append(verdict)
            past_verdicts.append(verdict)
            over_same_matter = over_same_matter or (
                fact.past is not fact.now and fact.class_digit == base_class
            )
        else:
            reasons.append(fact.reason)
            verdicts.append((fact.now_score, fact.now, fact.category))
            cleared = cleared or fact.clears
        review = review or fact.review
        if fact.stop:
            break

    if cleared and past_verdicts:  # an all-clear: what is over is what was checked
        over = {id(v) for v in past_verdicts}
        verdicts = [v for v in verdicts if id(v) not in over]
    if classifier is not None:
        verdicts = _consult(classifier, policy, text, verdicts, reasons, evidence)

    text_verdict = max(verdicts, key=_SCORE, default=None)
    if base is not None and over_same_matter:
        reasons.append("category.over")
        base = None

    if base is None:
        if text_verdict is not None:
            final = text_verdict[1]
        elif anything_negated:
            final, review = policy.negated, True
            reasons.append("fallback.negated")
        elif near_miss:  # what looked like danger is known to be harmless: not unclear
            final, review = policy.negated, True
            reasons.append("fallback.near_miss")
            evidence.extend(hits[_MASK].phrases)
        else:
            final, review = policy.unclear, True
            reasons.append("fallback.unclear")
    elif text_verdict is None:
        final = base
        if denied_same_matter:
            review = True
            reasons.append("conflict.negated_category")
    elif text_verdict[1].kind is base.kind:
        final = text_verdict[1] if text_verdict[0] > _score(base) else base
    elif more_urgent(text_verdict[1].kind, base.kind):
        final = text_verdict[1]
    else:
        final, review = base, True
        reasons.append("conflict.category_text")

    return Triage(
        final.kind,
        final.priority,
        category_code or _inferred_category(final, verdicts),  # category
        review,  # needs_review
        tuple(reasons),
        tuple(dict.fromkeys(evidence)),  # evidence
    )


def _consult(
    classifier: Classifier,
    policy: Policy,
    text: str,
    verdicts: list[tuple[int, Outcome, str | None]],
    reasons: list[str],
    evidence: list[str],
) -> list[tuple[int, Outcome, str | None]]:
    verdict = classifier.classify(text, lang_hint=_language(text))
    if verdict is None:
        reasons.append("classifier.abstained")
        return verdicts
    if verdict.confidence < policy.classifier_min_confidence:
        reasons.append("classifier.low_confidence")
        return verdicts
    reasons.append("classifier")
    if verdict.label:
        evidence.append(verdict.label)
    model = Outcome(verdict.kind, verdict.priority)
    out = [(_score(model), model, verdict.category)]
    dangers = [v for v in verdicts if v[1].kind is Kind.EMERGENCY]
    if dangers and verdict.kind is not Kind.EMERGENCY:
        reasons.append("safety_net.danger")
        out.extend(dangers)
    return out


def _inferred_category(
    final: Outcome, verdicts: Sequence[tuple[int, Outcome, str | None]]
) -> str | None:
    """The category of the first verdict (in rule order) of the final kind that has one."""
    for _, outcome, category in verdicts:
        if outcome.kind is final.kind and category:
            return category
    return None


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def _language(text: str) -> str | None:
    if _CJK.search(text):
        return "zh"
    return "en" if _LATIN.search(text) else None


# --- normalisation -----------------------------------------------------------------------

# Full-width ASCII to ASCII, curly quotes to straight ones, the ideographic space to a
# space: one character for one, so evidence can be cut from the original text.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x2018: 0x27, 0x2019: 0x27, 0x201C: 0x22, 0x201D: 0x22})


_WIDE = re.compile("[\uff01-\uff5e\u3000\u2018\u2019\u201c\u201d]")


def _normalise(text: str) -> str:
    text = text.replace("，", ",")  # by far the most common: cheaper than a translate
    if _WIDE.search(text):
        text = text.translate(_FOLD)
    return text.lower()


# --- the compiled matcher ------------------------------------------------------------------


class _Hit:
    """How one rule matched (current, past or negated) and the words it matched."""

    __slots__ = ("mode", "phrases")

    def __init__(self, mode: int, phrase: str | None) -> None:
        self.mode = mode
        self.phrases = [phrase] if phrase is not None else []


_MASK = -1
# Clause breaks: punctuation, a tag's brackets (【巡查】), a dash between spaces, and a space
# between Chinese characters (chat messages often use one for a comma: "没打架 是有人被车撞了").
_BREAK = r"[,;:!?。、【】—–\n]|\.(?=\s)|\s-\s|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])"
_CLAUSE_BREAK = re.compile(_BREAK)
# For a negation's scope, also "but", and "and" before a new subject ("not moving and his
# lips are blue").
_NEW_SUBJECT = r"(?:he|she|they|it|his|her|their|the|a|an|there|someone|somebody)"
_LAST_CLAUSE_BREAK = re.compile(rf".*(?:{_BREAK}|\bbut\b|\band {_NEW_SUBJECT}\b)", re.DOTALL)
_SENTENCE_BREAK = re.compile(r"[。!?\n.](?:(?<=[。!?\n])|(?=\s))")  # "." only before a space
_SENTENCE_REACH = 60  # characters looked back for a time cue
_AFTER_REACH = 40  # characters looked ahead for an end cue or a trailing time cue


class _Text:
    """One normalised report text, with the positions triage asks about, found lazily."""

    __slots__ = ("_clause_breaks", "_sentence_breaks", "_time_cues", "norm")

    def __init__(self, norm: str) -> None:
        self.norm = norm
        self._sentence_breaks: list[int] | None = None
        self._clause_breaks: list[int] | None = None
        self._time_cues: list[int] | None = None

    def sentence_start(self, at: int) -> int:
        if self._sentence_breaks is None:
            self._sentence_breaks = [m.end() for m in _SENTENCE_BREAK.finditer(self.norm)]
        i = bisect.bisect_right(self._sentence_breaks, at) - 1
        return self._sentence_breaks[i] if i >= 0 else 0

    def clause_start(self, at: int) -> int:
        breaks = self._clause_break_positions()
        i = bisect.bisect_left(breaks, at) - 1
        return breaks[i] + 1 if i >= 0 else 0

    def clause_end(self, at: int) -> int:
        breaks = self._clause_break_positions()
        i = bisect.bisect_left(breaks, at)
        return breaks[i] if i < len(breaks) else len(self.norm)

    def _clause_break_positions(self) -> list[int]:
        if self._clause_breaks is None:
            self._clause_breaks = [m.start() for m in _CLAUSE_BREAK.finditer(self.norm)]
        return self._clause_breaks

    def time_cues(self, finder: re.Pattern[str]) -> list[int]:
        """Where time words start."""
        if self._time_cues is None:
            self._time_cues = [m.start() for m in finder.finditer(self.norm)]
        return self._time_cues


class _Matcher:
    """A policy compiled for speed: a few combined regexes find every rule's patterns."""

    def __init__(self, policy: Policy) -> None:
        # Decisions read only what the matcher is shared on (see _matcher), so the first
        # policy it was built for decides for every policy that shares it.
        self.policy = policy
        cues = policy.cues
        self.rules = policy.rules
        self.facts = [_RuleFacts(rule) for rule in policy.rules]
        self.memo: Memo[tuple[str, str | None], Triage] = Memo(_MEMO_SIZE)
        self.remembered = self.memo.kept.get
        self.place_marks = _place_marks(policy)
        owners: list[tuple[int, str]] = [(_MASK, p) for p in cues.near_misses]
        for index, rule in enumerate(policy.rules):
            owners.extend((index, p) for p in rule.patterns)
        finders, self.starting, self.elsewhere, first_chars = _finders(owners)
        # Finders that cannot match a text lacking the characters they start with are left
        # out for it: an ASCII text never needs the non-ASCII one (it gets the small ASCII
        # one instead; other texts get both in the non-ASCII one), and a text without ASCII
        # letters or digits never needs the "\bword" one.
        self.finders = [f for f, needed_by in finders if needed_by != _ASCII_TEXT]
        self.ascii_finders = [f for f, needed_by in finders if needed_by != _OTHER_TEXT]
        self.no_word_finders = [f for f, needed_by in finders if needed_by in (_OTHER_TEXT, _ANY)]
        self.plain = [not rule.categories and not rule.context for rule in policy.rules]
        self.negatable = [rule.negatable for rule in policy.rules]
        self.tensed = [rule.past is not None for rule in policy.rules]
        by_owner: dict[int, list[str]] = {}
        for owner, pattern in owners:
            by_owner.setdefault(owner, []).append(pattern)
        self.owner_regex = {o: re.compile(_any_of(ps)) for o, ps in by_owner.items()}
        anywhere = {o for o, chars in first_chars.items() if chars is None}
        table: dict[str, set[int]] = {}
        for owner, chars in first_chars.items():
            for char in chars or ():
                table.setdefault(char, set()).add(owner)
        self.candidates = {c: tuple(sorted(os | anywhere)) for c, os in table.items()}
        self.anywhere = tuple(sorted(anywhere))
        self.context = [_optional(rule.context) for rule in policy.rules]
        self.ended = [_optional((*rule.ended_by, *cues.ended)) for rule in policy.rules]
        self.lasting = [rule.lasting for rule in policy.rules]
        self.present, self.past = _optional(cues.present), _optional(cues.past)
        self.ongoing = _optional(cues.ongoing)
        self.time_words = _optional((*cues.present, *cues.past))
        self.category_rules = tuple(
            i for i, rule in enumerate(policy.rules) if rule.categories and not rule.patterns
        )
        self.negation = _optional(cues.negations)
        self.not_negation = _optional(cues.not_negations)
        self.window, self.words = cues.negation_window, cues.negation_words

    def triage(self, text: str, category: str | None, classifier: Classifier | None) -> Triage:
        """:func:`triage_text`, remembering the most recent results (without a classifier)."""
        if classifier is not None:  # a host model may not be a pure function: never memoised
            return _decide(self, self.policy, text, category, self.scan(text, category), classifier)
        key = (text, category)
        known = self.remembered(key)
        if known is None:
            known = self.memo.keep(
                key, _decide(self, self.policy, text, category, self.scan(text, category), None)
            )
        return known

    # --- scanning --------------------------------------------------------------------------

    def scan(self, text: str, category: str | None) -> dict[int, _Hit]:
        """Every rule that matched, with how (current, past or negated) and the words."""
        norm = _normalise(text)
        source = text if len(norm) == len(text) else norm
        info: _Text | None = None
        hits: dict[int, _Hit] = {}
        context_seen: dict[int, bool] = {}
        rules = self.rules
        if category is not None:
            for index in self.category_rules:
                if category.startswith(rules[index].categories) and self._context_ok(
                    index, norm, context_seen
                ):
                    hits[index] = _Hit(_CURRENT, None)
        if norm.isascii():
            finders = self.ascii_finders
        else:
            finders = self.finders if _ALNUM.search(norm) else self.no_word_finders
        nexts = [finder.search(norm) for finder in finders]
        pos = 0
        while True:
            # The leftmost place where any pattern matches ...
            start = -1
            for j, found in enumerate(nexts):
                if found is not None and found.start() < pos:
                    found = nexts[j] = finders[j].search(norm, pos)
                if found is not None and (start < 0 or found.start() < start):
                    start = found.start()
            if start < 0:
                return hits
            # ... and the first owner, in policy order, whose pattern matches there.
            regex, names = self.starting.get(norm[start], self.elsewhere)
            taken = regex.match(norm, start)
            if taken is None:  # cannot happen: a finder matched here
                pos = start + 1
                continue
            owner, end = names[taken.lastgroup], taken.end()  # type: ignore[index]
            if (
                owner != _MASK
                and not self.plain[owner]
                and not self._fits(owner, norm, category, context_seen)
            ):
                taker = self._next_owner(norm, start, owner, category, context_seen)
                if taker is None:
                    pos = start + 1
                    continue
                owner, end = taker
            pos = end
            if owner == _MASK:  # a near miss: hidden from the rules, kept for _decide
                masked = hits.get(_MASK)
                if masked is None:
                    hits[_MASK] = _Hit(_CURRENT, source[start:end])
                else:
                    masked.phrases.append(source[start:end])
                continue
            hit = hits.get(owner)
            if hit is not None and hit.mode == _CURRENT:
                # Current is the most a hit can be: how these words read cannot change it.
                hit.phrases.append(source[start:end])
                continue
            if self.negatable[owner] and self._negated(norm, start):
                mode = _NEGATED
            elif not self.tensed[owner]:
                mode = _CURRENT
            else:
                info = info or _Text(norm)
                over = self._over(info, start, end, self.ended[owner], self.lasting[owner])
                mode = _PAST if over else _CURRENT
            if hit is None:
                hits[owner] = _Hit(mode, source[start:end])
            else:
                hit.mode = max(hit.mode, mode)
                hit.phrases.append(source[start:end])

    def _fits(
        self, owner: int, norm: str, category: str | None, context_seen: dict[int, bool]
    ) -> bool:
        rule = self.rules[owner]
        if rule.categories and (category is None or not category.startswith(rule.categories)):
            return False
        return not rule.context or self._context_ok(owner, norm, context_seen)

    def _next_owner(
        self,
        norm: str,
        start: int,
        after: int,
        category: str | None,
        context_seen: dict[int, bool],
    ) -> tuple[int, int] | None:
        """The next rule after ``after`` (in policy order) that takes the words at ``start``."""
        for owner in self.candidates.get(norm[start], self.anywhere):
            if owner <= after:
                continue
            matched = self.owner_regex[owner].match(norm, start)
            if matched is not None and self._fits(owner, norm, category, context_seen):
                return owner, matched.end()
        return None

    def _context_ok(self, index: int, norm: str, seen: dict[int, bool]) -> bool:
        known = seen.get(index)
        if known is None:
            regex = self.context[index]
            known = seen[index] = regex is None or regex.search(norm) is not None
        return known

    # --- negation and tense ----------------------------------------------------------------

    def _negated(self, norm: str, start: int) -> bool:
        # Searched in place (pos/endpos), so that look-behinds such as (?<!消)防 see the
        # characters before the window.
        if self.negation is None:
            return False
        if norm[start] < "\u2e80":  # a Latin-script match: look back a few words
            floor = max(0, start - 12 * self.words)
            low = start
            for _ in range(self.words):
                space = norm.rfind(" ", floor, low - 1)
                if space < 0:
                    low = floor
                    break
                low = space + 1
        else:
            low = max(0, start - self.window)
        found = self.negation.search(norm, low, start)
        if found is None:
            return False
        # One character past the match's start, so that a break that needs to see the
        # match's first character (a space between Chinese words) is found too.
        cut = _LAST_CLAUSE_BREAK.match(norm, low, start + 1)
        if cut is not None and cut.end() > found.start():  # the negation is in another clause
            low = min(cut.end(), start)
            if low >= start or self.negation.search(norm, low, start) is None:
                return False
        return self.not_negation is None or self.not_negation.search(norm, low, start) is None

    def _over(
        self, info: _Text, start: int, end: int, ended: re.Pattern[str] | None, lasting: bool
    ) -> bool:
        norm = info.norm
        if ended is not None:
            found = ended.search(norm, end, end + _AFTER_REACH)
            # "拿刀追人,现在还在追,往东跑了": still going on, whatever follows.
            if found is not None and (
                self.ongoing is None or self.ongoing.search(norm, end, found.start()) is None
            ):
                return True
        if lasting or self.time_words is None:  # a lasting state is over only when ended
            return False
        starts = info.time_cues(self.time_words)
        if not starts:
            return False
        i = bisect.bisect_left(starts, start)
        if i < len(starts) and starts[i] < end and not self._is_past(norm, starts[i]):
            return False  # the match's own words say it is happening now ("正在撬")
        i -= 1
        if (
            i >= 0
            and starts[i] >= start - _SENTENCE_REACH
            and starts[i] >= info.sentence_start(start)
        ):
            past = self._is_past(norm, starts[i])  # the nearest time word before, in the sentence
            # ... unless it is in an earlier clause, and the match's own clause says "now"
            # ("they left earlier, but they're smashing windows now").
            if past and starts[i] < info.clause_start(start):
                trailing = _trailing_cue(info, starts, end)
                return trailing is None or self._is_past(norm, trailing)
            return past
        trailing = _trailing_cue(info, starts, end)  # else the first one after, in the clause
        return trailing is not None and self._is_past(norm, trailing)

    def _is_past(self, norm: str, at: int) -> bool:
        """Whether the time word at ``at`` is a past one (a present one wins a tie)."""
        if self.present is not None and self.present.match(norm, at) is not None:
            return False
        return self.past is not None and self.past.match(norm, at) is not None


def _trailing_cue(info: _Text, starts: list[int], end: int) -> int | None:
    """Where the first time word after a match ending at ``end`` starts, if it is in the
    match's clause and near enough."""
    after = bisect.bisect_left(starts, end)
    if after < len(starts) and starts[after] < min(info.clause_end(end), end + _AFTER_REACH):
        return starts[after]
    return None


def _any_of(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _optional(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """Any of the patterns, as a regex that finds the same places fast (see below)."""
    if not patterns:
        return None
    branches: dict[str, list[str]] = {}
    raw: list[str] = []
    for pattern in patterns:
        for alternative in _alternatives(pattern):
            split = _first_literal(alternative)
            if split is None:
                raw.append(alternative)
                continue
            char, rest, word = split
            look = f"(?<=\\b{re.escape(char)})" if word else ""
            branches.setdefault(char, []).append(look + rest)
    sources = [re.escape(c) + f"(?:{'|'.join(rests)})" for c, rests in branches.items()]
    return re.compile("|".join(sources + [f"(?:{r})" for r in raw]))


# --- finding many patterns fast -------------------------------------------------------------
#
# Python's regex engine tries every alternative of an alternation at every candidate
# position, but it skips positions whose character cannot start any alternative, and it
# skips an alternative at once when it starts with a literal character that differs from
# the text's. So the patterns are split into top-level alternatives, leading non-capturing
# groups are multiplied out ("(?:拿|提)着刀" -> "拿着刀", "提着刀"), and alternatives that
# start with the same character share one branch ("着火|着急|起火" -> "着(?:火|急)|起火").
# The branches go into a few separate "finder" regexes: one for non-ASCII first characters,
# one for ASCII ones, one for "\bword" patterns (tried only where a word starts) and one for
# patterns that do not start with a literal. At a candidate position the engine still walks
# the branches one by one, so the non-ASCII finder (hundreds of first characters) puts them
# in groups, each behind a lookahead for its first characters
# ("(?=[着起])(?:着(?:火|急)|起火)|(?=[...])..."), and the groups in groups again
# (_GATE_SIZES): a position is tried against a few gates at each level and one small group
# of branches, not against every branch (about three times faster on Chinese text).
# Frequent characters come first, so the commonest positions meet their gates early.
# Finders have no groups (CPython copies every group into each match object, which costs
# more than the search).
# Where some finder matches, a small regex of just the alternatives that can start with
# that character, with a named group per owner, tells which owner comes first in policy
# order; so the result is exactly that of the plain alternation of all patterns
# (tests/unit/test_triage.py checks it on the corpus).

_SPECIAL = frozenset("\\.^$*+?{}[]|()")
_QUANTIFIERS = frozenset("*+?{")
_SPECIAL_ESCAPED = frozenset("\\.^$*+?{}[]|()-/ ")  # escaped, these stand for themselves
_MAX_EXPANSION = 64
# About the 300 most frequent characters of written Chinese, most frequent first.
_FREQUENT = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之"
    "年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理"
    "心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高"
    "间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西月话合回特代内信表化老给"
    "世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活更别打女变四"
    "神总何电数安少报才结反受目太量再感建务做接必场件计管期市直资命山金指许统区保至队形社便空决"
)
_FREQUENCY_RANK = {char: rank for rank, char in enumerate(_FREQUENT)}
# First characters per lookahead-gated group of the non-ASCII finder, from the outermost
# groups in: measured best on the corpus and on report texts that start with a place name.
_GATE_SIZES = (256, 64, 16)
# Finders by the first character of their alternatives: a non-ASCII one, an ASCII one, an
# ASCII one that starts a word ("\bfire"), or none ("raw").
_FINDER_KINDS = ("non_ascii", "ascii", "word", "raw")
# Which texts need a finder: any, those with ASCII letters or digits, ASCII texts only (the
# ASCII literals alone), or only texts with other characters (the ASCII literals too).
_ANY, _ALNUM_TEXT, _ASCII_TEXT, _OTHER_TEXT = "any", "alnum", "ascii", "other"
_ALNUM = re.compile("[a-z0-9]")


def _finders(
    owners: Sequence[tuple[int, str]],
) -> tuple[
    list[tuple[re.Pattern[str], str]],
    dict[str, tuple[re.Pattern[str], dict[str, int]]],
    tuple[re.Pattern[str], dict[str, int]],
    dict[int, set[str] | None],
]:
    """Build the matching machinery for ``(owner, pattern)`` pairs in policy order.

    Returns the finders (regexes without groups, which together match wherever some
    pattern matches; each with the texts that need it: ``_ANY``, ``_ALNUM_TEXT``,
    ``_ASCII_TEXT`` or ``_OTHER_TEXT``); for each first
    character, a regex of the alternatives that can start there, in policy order, with a
    named group per owner (so ``lastgroup`` tells which owner matched first); the same for
    characters no literal alternative starts with; and, per owner, the characters its
    matches can start with (``None``: any).
    """
    buckets: dict[str, dict[str, list[str]]] = {k: {} for k in _FINDER_KINDS}
    starting: dict[str, list[tuple[int, str]]] = {}
    raw: list[tuple[int, str]] = []
    first_chars: dict[int, set[str] | None] = {}
    for owner, pattern in owners:
        chars = first_chars.setdefault(owner, set())
        for alternative in _alternatives(pattern):
            split = _first_literal(alternative)
            if split is None:
                buckets["raw"].setdefault("", []).append(alternative)
                raw.append((owner, alternative))
                for entries in starting.values():
                    entries.append((owner, alternative))
                first_chars[owner] = None
                continue
            char, rest, word = split
            if word:
                kind = "word"
            elif char.isascii():
                kind = "ascii"
            else:
                kind = "non_ascii"
            buckets[kind].setdefault(char, []).append(rest)
            if char not in starting:
                starting[char] = list(raw)
            starting[char].append((owner, alternative))
            if chars is not None:
                chars.add(char)
    finders = []
    literal = {**buckets["non_ascii"], **buckets["ascii"]}
    if literal:  # for a text with non-ASCII characters: one finder for every literal start
        finders.append((re.compile(_gated(literal)), _OTHER_TEXT))
    if buckets["ascii"]:
        finders.append((re.compile(_gated(buckets["ascii"])), _ASCII_TEXT))
    if buckets["word"]:
        # "\bc…" as "c(?<!\w.)…" (c is a word character): every branch then starts with its
        # literal, so the engine skips the positions where no word pattern can start.
        source = "|".join(
            _branch(char, [rf"(?<!\w.)(?:{'|'.join(rests)})"])
            for char, rests in buckets["word"].items()
        )
        finders.append((re.compile(source), _ALNUM_TEXT))
    if buckets["raw"]:
        finders.append((re.compile(_any_of(buckets["raw"][""])), _ANY))
    return (
        finders,
        {char: _named(entries) for char, entries in starting.items()},
        _named(raw),
        first_chars,
    )


def _branch(char: str, rests: Sequence[str]) -> str:
    """The alternatives that start with ``char``, as one branch."""
    return re.escape(char) + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})")


def _gated(branches: dict[str, list[str]]) -> str:
    """The branches in nested groups of first characters (``_GATE_SIZES``), frequent ones
    first, each group behind a lookahead for its first characters; and the whole behind a
    lookahead for all of them, which gives the engine back its fast skip over positions no
    branch can start at (without it a lookahead-first pattern is tried at every position)."""
    chars = sorted(branches, key=lambda char: (_FREQUENCY_RANK.get(char, len(_FREQUENT)), char))
    grouped = _groups(chars, branches, _GATE_SIZES)
    if len(chars) <= _GATE_SIZES[-1]:  # no gates: the branches' own literals give the skip
        return grouped
    return f"(?=[{_class(chars)}])(?:{grouped})"


def _groups(chars: Sequence[str], branches: dict[str, list[str]], sizes: Sequence[int]) -> str:
    """``chars``' branches in gated groups of ``sizes[0]`` characters, each split by the
    sizes after it; a group no bigger than the next size is not split again."""
    while sizes and len(chars) <= sizes[0]:
        sizes = sizes[1:]
    if not sizes:
        return "|".join(_branch(char, branches[char]) for char in chars)
    return "|".join(
        f"(?=[{_class(group)}])(?:{_groups(group, branches, sizes[1:])})"
        for group in (chars[i : i + sizes[0]] for i in range(0, len(chars), sizes[0]))
    )


def _class(chars: Iterable[str]) -> str:
    """The inside of a character class of ``chars``."""
    return "".join(map(re.escape, chars))


def _named(entries: Sequence[tuple[int, str]]) -> tuple[re.Pattern[str], dict[str, int]]:
    """One regex of the alternatives in order, with a named group per run of one owner."""
    names: dict[str, int] = {}
    groups = []
    for owner, run in itertools.groupby(entries, key=lambda entry: entry[0]):
        name = f"g{len(names)}"
        names[name] = owner
        groups.append(f"(?P<{name}>{_any_of(alternative for _, alternative in run)})")
    return re.compile("|".join(groups) if groups else "(?!)"), names


def _alternatives(pattern: str) -> list[str]:
    out: list[str] = []
    for part in _split_top(pattern):
        expanded = _expand(part)
        out.extend(expanded if len(expanded) <= _MAX_EXPANSION else [part])
    return out


def _expand(alternative: str) -> list[str]:
    """Multiply out a leading ``(?:a|b)`` (optionally after ``\\b``) that has no quantifier."""
    prefix = ""
    body = alternative
    if body.startswith("\\b"):
        prefix, body = "\\b", body[2:]
    if not body.startswith("(?:"):
        return [alternative]
    close = _group_end(body)
    if close < 0 or body[close + 1 : close + 2] in _QUANTIFIERS:
        return [alternative]
    after = body[close + 1 :]
    out: list[str] = []
    for inner in _split_top(body[3:close]):
        out.extend(_expand(prefix + inner + after))
        if len(out) > _MAX_EXPANSION:
            break
    return out


def _first_literal(alternative: str) -> tuple[str, str, bool] | None:
    """``(c, rest, word)`` when the alternative always starts with the literal character ``c``
    (``word``: it must also start a word, ``\\bc...``); an escaped special character such as
    ``\\?`` is a literal too."""
    if alternative.startswith("\\b"):
        char = alternative[2:3]
        if char.isascii() and char.isalnum() and alternative[3:4] not in _QUANTIFIERS:
            return char, alternative[3:], True
        return None
    if alternative[:1] == "\\" and alternative[1:2] in _SPECIAL_ESCAPED:  # "\?": a literal "?"
        if alternative[2:3] in _QUANTIFIERS:
            return None
        return alternative[1], alternative[2:], False
    if not alternative or alternative[0] in _SPECIAL or alternative[1:2] in _QUANTIFIERS:
        return None
    return alternative[0], alternative[1:], False


def _split_top(pattern: str) -> list[str]:
    """Split a regex on its top-level ``|``."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _class_end(pattern: str, i: int) -> int:
    """Index of the ``]`` closing the character class opened at ``i``."""
    i += 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i


def _group_end(pattern: str) -> int:
    """Index of the ``)`` closing the group that opens at index 0, or -1."""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# --- one compiled matcher per policy ----------------------------------------------------------

_BY_IDENTITY: dict[int, tuple[Policy, _Matcher]] = {}
_BY_CONTENT: dict[tuple[object, ...], _Matcher] = {}
_MAX_MATCHERS = 16


def _matcher(policy: Policy) -> _Matcher:
    """The compiled matcher of a policy, built once.

    Looked up by identity first (hashing a whole policy on every call would cost more than
    triage), then by everything triage depends on, so that a policy changed only in its
    routing settings (``attrs.evolve(policy, capacity=3)``) shares the compiled matcher and
    its memo.
    """
    entry = _BY_IDENTITY.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    content = (
        policy.rules,
        policy.cues,
        policy.categories,
        policy.unclear,
        policy.negated,
        policy.classifier_min_confidence,
    )
    matcher = _BY_CONTENT.get(content)
    if matcher is None:
        matcher = _BY_CONTENT[content] = _Matcher(policy)
    _remember(_BY_IDENTITY, id(policy), (policy, matcher))
    while len(_BY_CONTENT) > _MAX_MATCHERS:
        _BY_CONTENT.pop(next(iter(_BY_CONTENT)))
    return matcher


def _remember(
    cache: dict[int, tuple[Policy, _Matcher]], key: int, value: tuple[Policy, _Matcher]
) -> None:
    if len(cache) >= _MAX_MATCHERS:
        cache.pop(next(iter(cache)))
    cache[key] = value
