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

import re
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import attrs

from lianfang.model import Kind, Priority, Report
from lianfang.model._checks import number_between
from lianfang.policy import KIND_URGENCY, Cues, Outcome, Policy, Rule, more_urgent

__all__ = ["Classifier", "ClassifierVerdict", "Triage", "triage", "triage_text"]


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
    return triage_text(report.text, policy, category=report.category, classifier=classifier)


def triage_text(
    text: str,
    policy: Policy,
    *,
    category: str | None = None,
    classifier: Classifier | None = None,
) -> Triage:
    """:func:`triage` for a bare text and optional category code."""
    matcher = _matcher(policy)
    hits = matcher.scan(text, category)
    return _decide(policy, text, category, hits, classifier)


# --- the decision --------------------------------------------------------------------------

_NEGATED, _PAST, _CURRENT = 0, 1, 2


def _urgency(outcome: Outcome) -> tuple[int, int]:
    return KIND_URGENCY[outcome.kind], -outcome.priority.rank


def _decide(
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

    verdicts: list[tuple[Outcome, str | None]] = []  # each outcome with its category
    over_same_matter = False
    denied_same_matter = False
    anything_negated = False
    rules = policy.rules
    for index in sorted(hits):
        rule, hit = rules[index], hits[index]
        evidence.extend(hit.phrases)
        same_matter = base_class is not None and (rule.category or "")[:1] == base_class
        if hit.mode == _NEGATED:
            reasons.append(f"negated.{rule.id}")
            anything_negated = True
            denied_same_matter = denied_same_matter or same_matter
            continue
        if hit.mode == _PAST and rule.past is not None:
            reasons.append(f"past.{rule.id}")
            verdicts.append((rule.past, rule.category))
            over_same_matter = over_same_matter or same_matter
        else:
            reasons.append(rule.id)
            verdicts.append((rule.outcome, rule.category))
        review = review or rule.needs_review
        if rule.stop:
            break

    if classifier is not None:
        verdicts = _consult(classifier, policy, text, verdicts, reasons, evidence)

    text_verdict = max((v for v, _ in verdicts), key=_urgency, default=None)
    if base is not None and over_same_matter:
        reasons.append("category.over")
        base = None

    if base is None:
        if text_verdict is not None:
            final = text_verdict
        elif anything_negated:
            final, review = policy.negated, True
            reasons.append("fallback.negated")
        else:
            final, review = policy.unclear, True
            reasons.append("fallback.unclear")
    elif text_verdict is None:
        final = base
        if denied_same_matter:
            review = True
            reasons.append("conflict.negated_category")
    elif text_verdict.kind is base.kind:
        final = max(base, text_verdict, key=_urgency)
    elif more_urgent(text_verdict.kind, base.kind):
        final = text_verdict
    else:
        final, review = base, True
        reasons.append("conflict.category_text")

    return Triage(
        kind=final.kind,
        priority=final.priority,
        category=category_code or _inferred_category(final, verdicts),
        needs_review=review,
        reasons=tuple(reasons),
        evidence=tuple(dict.fromkeys(evidence)),
    )


def _consult(
    classifier: Classifier,
    policy: Policy,
    text: str,
    verdicts: list[tuple[Outcome, str | None]],
    reasons: list[str],
    evidence: list[str],
) -> list[tuple[Outcome, str | None]]:
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
    out = [(Outcome(verdict.kind, verdict.priority), verdict.category)]
    dangers = [(o, c) for o, c in verdicts if o.kind is Kind.EMERGENCY]
    if dangers and verdict.kind is not Kind.EMERGENCY:
        reasons.append("safety_net.danger")
        out.extend(dangers)
    return out


def _inferred_category(
    final: Outcome, verdicts: Sequence[tuple[Outcome, str | None]]
) -> str | None:
    """The category of the first verdict (in rule order) of the final kind that has one."""
    for outcome, category in verdicts:
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


def _normalise(text: str) -> str:
    return text.translate(_FOLD).lower()


# --- the compiled matcher ------------------------------------------------------------------


@attrs.define
class _Hit:
    mode: int
    phrases: list[str]


_MASK = -1
_CLAUSE_BREAKS = ",;:!?。、\n"
_LAST_CLAUSE_BREAK = re.compile(r".*(?:[,;:!?。、\n]|\bbut\b)", re.DOTALL)
_NEXT_CLAUSE_BREAK = re.compile(r"[,;:!?。、\n]")
_WORD = re.compile(r"\S+")
_SENTENCE_BREAKS = ("。", "!", "?", "\n", ". ")
_SENTENCE_REACH = 60  # characters looked back for a time cue
_AFTER_REACH = 40  # characters looked ahead for an end cue or a trailing time cue


class _Matcher:
    """A policy compiled for speed: one combined regex for every rule's patterns."""

    def __init__(self, policy: Policy) -> None:
        cues = policy.cues
        self.rules = policy.rules
        owners: list[tuple[int, str]] = [(_MASK, p) for p in cues.near_misses]
        for index, rule in enumerate(policy.rules):
            owners.extend((index, p) for p in rule.patterns)
        self.trigger, first_chars = _combined(owners)
        by_owner: dict[int, list[str]] = {}
        for owner, pattern in owners:
            by_owner.setdefault(owner, []).append(pattern)
        self.owner_regex = {o: re.compile(_any_of(ps)) for o, ps in by_owner.items()}
        anywhere = sorted(o for o, chars in first_chars.items() if chars is None)
        table: dict[str, list[int]] = {}
        for owner, chars in first_chars.items():
            for char in chars or ():
                table.setdefault(char, []).append(owner)
        self.candidates = {c: tuple(sorted({*os, *anywhere})) for c, os in table.items()}
        self.anywhere = tuple(anywhere)
        self.context = [_optional(rule.context) for rule in policy.rules]
        self.ended = [_optional((*rule.ended_by, *cues.ended)) for rule in policy.rules]
        self.category_rules = tuple(
            i for i, rule in enumerate(policy.rules) if rule.categories and not rule.patterns
        )
        self.negation = _optional(cues.negations)
        self.not_negation = _optional(cues.not_negations)
        self.window, self.words = cues.negation_window, cues.negation_words
        self.time_cue = _time_cues(cues)

    # --- scanning --------------------------------------------------------------------------

    def scan(self, text: str, category: str | None) -> dict[int, _Hit]:
        """Every rule that matched, with how (current, past or negated) and the words."""
        norm = _normalise(text)
        source = text if len(norm) == len(text) else norm
        hits: dict[int, _Hit] = {}
        context_seen: dict[int, bool] = {}
        rules = self.rules
        if category is not None:
            for index in self.category_rules:
                if rules[index].categories and category.startswith(rules[index].categories):
                    if self._context_ok(index, norm, context_seen):
                        hits[index] = _Hit(_CURRENT, [])
        if self.trigger is None:
            return hits
        search = self.trigger.search
        pos = 0
        while (found := search(norm, pos)) is not None:
            start = found.start()
            owner, end = self._owner_at(norm, start, category, context_seen)
            if owner is None:
                pos = start + 1
                continue
            pos = end
            if owner == _MASK:
                continue
            mode = self._mode(norm, start, end, owner)
            hit = hits.get(owner)
            if hit is None:
                hits[owner] = _Hit(mode, [source[start:end]])
            else:
                hit.mode = max(hit.mode, mode)
                hit.phrases.append(source[start:end])
        return hits

    def _owner_at(
        self, norm: str, start: int, category: str | None, context_seen: dict[int, bool]
    ) -> tuple[int | None, int]:
        """The first owner (mask or rule, in policy order) that takes the words at
        ``start``; a rule whose category or context does not fit lets the next one try."""
        rules = self.rules
        for owner in self.candidates.get(norm[start], self.anywhere):
            matched = self.owner_regex[owner].match(norm, start)
            if matched is None:
                continue
            if owner != _MASK:
                rule = rules[owner]
                if rule.categories and (
                    category is None or not category.startswith(rule.categories)
                ):
                    continue
                if rule.context and not self._context_ok(owner, norm, context_seen):
                    continue
            return owner, matched.end()
        return None, start

    def _context_ok(self, index: int, norm: str, seen: dict[int, bool]) -> bool:
        known = seen.get(index)
        if known is None:
            regex = self.context[index]
            known = seen[index] = regex is None or regex.search(norm) is not None
        return known

    # --- negation and tense ----------------------------------------------------------------

    def _mode(self, norm: str, start: int, end: int, index: int) -> int:
        rule = self.rules[index]
        if rule.negatable and self._negated(norm, start):
            return _NEGATED
        if rule.past is None:
            return _CURRENT
        return _PAST if self._over(norm, start, end, self.ended[index]) else _CURRENT

    def _negated(self, norm: str, start: int) -> bool:
        # Searched in place (pos/endpos), so that look-behinds such as (?<!消)防 see the
        # characters before the window.
        if self.negation is None:
            return False
        if norm[start] < "\u2e80":  # a Latin-script match: look back a few words
            if not self.words:
                return False
            low = max(0, start - 12 * self.words)
            starts = [w.start() for w in _WORD.finditer(norm, low, start)]
            if len(starts) >= self.words:
                low = starts[-self.words]
        else:
            low = max(0, start - self.window)
        cut = _LAST_CLAUSE_BREAK.match(norm, low, start)
        if cut is not None:
            low = cut.end()
        if low >= start or self.negation.search(norm, low, start) is None:
            return False
        return self.not_negation is None or self.not_negation.search(norm, low, start) is None

    def _over(self, norm: str, start: int, end: int, ended: re.Pattern[str] | None) -> bool:
        if ended is not None and ended.search(norm, end, end + _AFTER_REACH) is not None:
            return True
        if self.time_cue is None:
            return False
        low = max(0, start - _SENTENCE_REACH)
        for brk in _SENTENCE_BREAKS:
            found = norm.rfind(brk, low, start)
            if found >= 0:
                low = max(low, found + len(brk))
        last: re.Match[str] | None = None
        for last in self.time_cue.finditer(norm, low, start):  # noqa: B007
            pass
        if last is None:  # no time word before: one later in the clause may say
            clause_end = _NEXT_CLAUSE_BREAK.search(norm, end, end + _AFTER_REACH)
            last = self.time_cue.search(
                norm, end, clause_end.start() if clause_end else end + _AFTER_REACH
            )
        return last is not None and last.lastgroup == "past"


def _time_cues(cues: Cues) -> re.Pattern[str] | None:
    if not cues.past and not cues.present:
        return None
    parts = []
    if cues.present:  # listed first: "刚才" must not lose to a past word inside it
        parts.append(f"(?P<present>{_any_of(cues.present)})")
    if cues.past:
        parts.append(f"(?P<past>{_any_of(cues.past)})")
    return re.compile("|".join(parts))


def _any_of(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _optional(patterns: Sequence[str]) -> re.Pattern[str] | None:
    return re.compile(_any_of(patterns)) if patterns else None


# --- building one fast regex from many patterns -------------------------------------------
#
# Python's regex engine tries every alternative at every position of the text, but skips
# an alternative at once when its first character is a literal that differs from the
# text's, and skips whole positions when every alternative starts with a literal. So the
# patterns are split into top-level alternatives, leading non-capturing groups are
# multiplied out ("(?:拿|提)着刀" -> "拿着刀", "提着刀"), "\bword" becomes "w(?<=\bw)ord",
# and alternatives that start with the same character share one branch
# ("着火|着火了|起火" -> "着(?:火|火了)|起火"). The order of alternatives that could
# match at the same place is kept, so the combined regex matches exactly what the plain
# alternation of all patterns would.

_SPECIAL = set("\\.^$*+?{}[]|()")
_QUANTIFIERS = set("*+?{")
_MAX_EXPANSION = 64


def _combined(
    owners: Sequence[tuple[int, str]],
) -> tuple[re.Pattern[str] | None, dict[int, set[str] | None]]:
    emitted: list[str] = []
    buckets: dict[str, list[str]] = {}
    first_chars: dict[int, set[str] | None] = {}

    def flush() -> None:
        for char, rests in buckets.items():
            head = re.escape(char)
            emitted.append(head + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})"))
        buckets.clear()

    for owner, pattern in owners:
        chars = first_chars.setdefault(owner, set())
        for alternative in _alternatives(pattern):
            split = _first_literal(alternative)
            if split is None:
                flush()
                emitted.append(f"(?:{alternative})")
                first_chars[owner] = None
                continue
            char, rest = split
            buckets.setdefault(char, []).append(rest)
            if chars is not None:
                chars.add(char)
    flush()
    trigger = re.compile("|".join(emitted)) if emitted else None
    return trigger, first_chars


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


def _first_literal(alternative: str) -> tuple[str, str] | None:
    """``(c, rest)`` when the alternative always starts with the literal character ``c``."""
    if alternative.startswith("\\b") and len(alternative) > 2:
        char = alternative[2]
        if (char.isascii() and char.isalnum()) and alternative[3:4] not in _QUANTIFIERS:
            return char, f"(?<=\\b{re.escape(char)}){alternative[3:]}"
        return None
    if not alternative or alternative[0] in _SPECIAL or alternative[1:2] in _QUANTIFIERS:
        return None
    return alternative[0], alternative[1:]


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

_MATCHERS: dict[int, tuple[Policy, _Matcher]] = {}
_MAX_MATCHERS = 16


def _matcher(policy: Policy) -> _Matcher:
    # Keyed by identity: hashing a whole policy on every call would cost more than triage.
    entry = _MATCHERS.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    matcher = _Matcher(policy)
    if len(_MATCHERS) >= _MAX_MATCHERS:
        _MATCHERS.pop(next(iter(_MATCHERS)))
    _MATCHERS[id(policy)] = (policy, matcher)
    return matcher
