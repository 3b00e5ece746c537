"""The triage policy as data: the 110 category table, text cues and ordered rules.

A :class:`Policy` is a frozen value that a host loads from JSON or TOML
(:meth:`Policy.load`), builds from a dict (:meth:`Policy.from_dict`) or takes
ready-made (:func:`default_policy`, shipped in ``lianfang/data/policy.toml`` with the
category table in ``lianfang/data/categories.json``).

Kinds, from most to least urgent (see :data:`KIND_URGENCY`)::

    EMERGENCY > CLUE > NON_EMERGENCY > INFO

EMERGENCY goes to the 110 command centre. A CLUE ranks above NON_EMERGENCY because it
is always police-owned and confidential, while a non-emergency may go to a cadre or a
partner agency: when the two disagree the police see it. INFO only needs an answer.
Whenever the policy cannot tell, it settles on the more urgent side (``unclear`` is
EMERGENCY with review by default, so a report nobody can classify reaches a human with
a short deadline).

How rules are read (the full algorithm is in :mod:`lianfang.triage`):

* Text is lower-cased and full-width ASCII folded to ASCII before matching, so write
  patterns in lower case with ASCII punctuation (``,`` ``!`` ``?`` ``:``).
* All patterns of all rules are searched at once. At one place in the text the first
  rule, in policy order, whose pattern matches there takes those words; put a specific
  phrase (``火灾隐患``) in an earlier rule than a general one (``火灾``).
  ``cues.near_misses`` come before every rule and hide harmless look-alikes
  (``救命稻草``, ``抢红包``) from all rules.
* A match counts only when the rule's ``categories`` (code prefixes of the explicit
  category) and ``context`` (at least one pattern anywhere in the text) allow it;
  otherwise the next rule whose pattern matches at that place is tried.
* A match is *negated* when a negation or hypothetical cue (``没有``, ``不是``, ``防``,
  ``not``, ``nobody``, ``risk of``) precedes it in its clause (within
  ``cues.negation_window`` characters, or ``cues.negation_words`` words for English),
  unless an uncertainty cue (``是不是``, ``not sure``) is there too. It is *past* when an
  end cue follows it (``已经散了``, ``the fire is out``) and no ``cues.ongoing`` cue
  (``还在``, ``still``) comes between them, or when the nearest time cue
  before it in its sentence (else after it in its clause) is a past or habitual one
  (``昨天``, ``天天``, ``last night``) rather than a present one (``现在``, ``still``).
  A rule with a ``past`` outcome uses it then; a rule without one ignores tense. A
  ``lasting`` rule (someone missing, someone trapped) is past only after an end cue.
* A dispute happening now, or with any sign of violence, is an EMERGENCY (P2) in the
  shipped policy: the police go first. A dispute described as a standing matter (a
  parking space, a debt) is a NON_EMERGENCY for the police (category 200200).
* Every rule that fires is a reason. The text's verdict is the most urgent outcome of
  the rules that fired; a rule with ``stop`` keeps later rules from firing. A rule with
  ``clears`` (an all-clear, a follow-up, thanks) that fires now sets aside the past
  outcomes of the others: "巡至7栋闻到焦味 排查是烤红薯的炉子 已熄 无异常" is a patrol's
  all-clear, not an old fire to look into.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from importlib import resources
from os import PathLike
from typing import Any, Literal

import attrs

from lianfang import codec
from lianfang.errors import InvalidValueError, PolicyError
from lianfang.model import Kind, Priority

__all__ = [
    "KIND_URGENCY",
    "RESERVED_REASONS",
    "Category",
    "Cues",
    "Label",
    "Outcome",
    "Policy",
    "Rule",
    "builtin_categories",
    "default_policy",
    "more_urgent",
]

KIND_URGENCY: Mapping[Kind, int] = types.MappingProxyType(
    {Kind.EMERGENCY: 4, Kind.CLUE: 3, Kind.NON_EMERGENCY: 2, Kind.INFO: 1}
)
"""How urgent each kind is: a larger number is more urgent."""


def more_urgent(a: Kind, b: Kind) -> bool:
    """Whether kind ``a`` is strictly more urgent than kind ``b``."""
    return KIND_URGENCY[a] > KIND_URGENCY[b]


# --- values --------------------------------------------------------------------------------


@attrs.frozen
class Label:
    """A readable name in Simplified Chinese and English."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if _lang(lang) == "zh" else self.en


@attrs.frozen
class Outcome:
    """What a rule (or a fallback) decides: a kind and a priority."""

    kind: Kind
    priority: Priority


@attrs.frozen
class Category:
    """One code of the 110 alarm-type table and what a report of it is by default.

    ``police`` says whether the matter is in the police's (110's) scope; when it is
    false a partner agency or the community is expected to handle it.
    """

    code: str
    zh: str
    en: str
    kind: Kind
    priority: Priority
    police: bool

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.kind, self.priority)

    @property
    def class_digit(self) -> str:
        """The first digit: 1 criminal, 2 public order, 3 traffic, 4 fire, 5 help, …"""
        return self.code[:1]


@attrs.frozen
class Rule:
    """One ordered triage rule.

    Match fields: ``patterns`` (regular expressions, any of which triggers the rule),
    ``categories`` (prefixes of the explicit category code the rule is limited to; a
    rule with categories and no patterns fires on the category alone), ``context``
    (when given, one of these must also be found somewhere in the text),
    ``ended_by`` (after a match, these say the event is over), ``negatable`` (whether
    negation cues cancel a match).

    Outcome fields: ``kind`` and ``priority`` when the rule fires; ``past``, the
    outcome when every match is about the past or has ended (``None``: tense does not
    matter for this rule); ``lasting`` (the rule names a state that lasts until something
    ends it, such as a missing child: only an end cue, ``找到了``, makes it past, never a
    time cue such as ``昨天``); ``category``, the code the rule infers; ``needs_review``;
    ``stop`` (later rules do not fire); ``clears`` (when it fires now, the past outcomes
    of the other rules that fired do not count: the report says the matter is over and
    all is well, or asks how an earlier report is going).
    """

    id: str
    label: Label
    kind: Kind
    priority: Priority
    patterns: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    ended_by: tuple[str, ...] = ()
    negatable: bool = True
    past: Outcome | None = None
    category: str | None = None
    needs_review: bool = False
    stop: bool = False
    lasting: bool = False
    clears: bool = False

    @property
    def label_zh(self) -> str:
        return self.label.zh

    @property
    def label_en(self) -> str:
        return self.label.en

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.kind, self.priority)


@attrs.frozen
class Cues:
    """Language cues shared by all rules (regular expressions on lower-cased text).

    ``negation_window`` is how many characters before a Chinese match, and
    ``negation_words`` how many words before an English one, are searched for a
    negation, always within the match's clause.
    """

    near_misses: tuple[str, ...]
    negations: tuple[str, ...]
    not_negations: tuple[str, ...]
    past: tuple[str, ...]
    present: tuple[str, ...]
    ended: tuple[str, ...]
    ongoing: tuple[str, ...] = ()
    negation_window: int = 8
    negation_words: int = 5


_DEFAULT_ACK_DEADLINES: Mapping[Priority, dt.timedelta] = types.MappingProxyType(
    {
        Priority.P1: dt.timedelta(minutes=1),
        Priority.P2: dt.timedelta(minutes=5),
        Priority.P3: dt.timedelta(minutes=30),
        Priority.P4: dt.timedelta(hours=2),
    }
)


def _frozen_deadlines(value: Mapping[Priority, dt.timedelta]) -> Mapping[Priority, dt.timedelta]:
    if isinstance(value, types.MappingProxyType):
        return value
    return types.MappingProxyType(dict(value))


RESERVED_REASONS: Mapping[str, Label] = types.MappingProxyType(
    {
        "category.unknown": Label(
            "报警类别不在类别表中", "category code not in the category table"
        ),
        "category.over": Label(
            "文字说明所报类别的事情已经过去或结束", "the text says the reported matter is over"
        ),
        "conflict.category_text": Label(
            "类别与文字不一致，按更紧急的处理并人工复核",
            "category and text disagree: the more urgent one applies, for review",
        ),
        "conflict.negated_category": Label(
            "文字否认所报类别，按类别处理并人工复核",
            "the text denies the reported category: the category applies, for review",
        ),
        "fallback.unclear": Label(
            "无法判断类别，按紧急处理并人工复核",
            "could not tell what this is: treated as urgent, for review",
        ),
        "fallback.negated": Label(
            "只提到被否认或假设的危险，人工复核",
            "only denied or hypothetical danger is mentioned: for review",
        ),
        "fallback.near_miss": Label(
            "只提到与危险词相似的无害说法（如“火锅”“消防演练”），不按紧急处理，人工复核",
            "only harmless look-alikes of danger words (such as 'hotpot', 'fire drill'): "
            "not an emergency, for review",
        ),
        "classifier": Label("文本模型判断", "text model verdict"),
        "classifier.low_confidence": Label(
            "文本模型置信度不足，按规则判断", "text model not confident enough: rules decide"
        ),
        "classifier.abstained": Label("文本模型未给出判断", "text model gave no verdict"),
        "safety_net.danger": Label(
            "文字中有危险情形，按紧急处理", "danger in the text: treated as an emergency"
        ),
    }
)
"""Reason ids the triage itself produces, with their labels."""

_RESERVED_PREFIXES = ("category.", "negated.", "past.", "fallback.", "conflict.", "classifier")
_RULE_ID = re.compile(r"[a-z0-9_]+(?:[.-][a-z0-9_]+)*")
_CODE = re.compile(r"\d{6}")
_CODE_PREFIX = re.compile(r"\d{1,6}")


@attrs.frozen(cache_hash=True)
class Policy:
    """A complete triage and routing policy; see the module docstring for the rules.

    ``ack_deadlines`` says how soon an incident of each priority must be acknowledged,
    ``clue_ack_deadline`` how soon a clue must. ``capacity`` caps the open incidents
    per assignee (``None``: no cap). ``unclear`` is the outcome when nothing in the
    report can be classified, ``negated`` when only denied or hypothetical danger, or only
    near misses (火锅), are mentioned; both are marked for review. A host classifier's
    verdict is used only at or above ``classifier_min_confidence``.
    """

    name: str
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    cues: Cues
    unclear: Outcome = Outcome(Kind.EMERGENCY, Priority.P2)
    negated: Outcome = Outcome(Kind.NON_EMERGENCY, Priority.P3)
    ack_deadlines: Mapping[Priority, dt.timedelta] = attrs.field(
        default=_DEFAULT_ACK_DEADLINES, converter=_frozen_deadlines, hash=False
    )
    clue_ack_deadline: dt.timedelta = dt.timedelta(hours=24)
    capacity: int | None = None
    locate_buffer_m: float = 200.0
    several_places: Literal["first", "review"] = "first"
    classifier_min_confidence: float = 0.6
    _by_code: Mapping[str, Category] = attrs.field(
        init=False, repr=False, eq=False, hash=False, factory=dict
    )
    _by_rule: Mapping[str, Rule] = attrs.field(
        init=False, repr=False, eq=False, hash=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        problems = _policy_problems(self)
        if problems:
            raise PolicyError(problems)
        object.__setattr__(self, "_by_code", {c.code: c for c in self.categories})
        object.__setattr__(self, "_by_rule", {r.id: r for r in self.rules})

    # --- lookups ---------------------------------------------------------------------------

    def category(self, code: str) -> Category | None:
        """The category with this six-digit code, or ``None``."""
        return self._by_code.get(code)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or ``None``."""
        return self._by_rule.get(rule_id)

    def ack_deadline(self, kind: Kind, priority: Priority) -> dt.timedelta:
        """How soon a matter of this kind and priority must be acknowledged."""
        return self.clue_ack_deadline if kind is Kind.CLUE else self.ack_deadlines[priority]

    def label(self, reason_id: str, lang: str = "zh") -> str:
        """The readable text (``"zh"`` or ``"en"``) of a reason id.

        Knows rule ids, ``category.<code>``, ``negated.<rule id>``, ``past.<rule id>``
        and the ids in :data:`RESERVED_REASONS`; any other id is returned unchanged so
        that a caller can mix its own reasons in.
        """
        zh = _lang(lang) == "zh"
        if reason_id in RESERVED_REASONS:
            return RESERVED_REASONS[reason_id].text(lang)
        if (rule := self._by_rule.get(reason_id)) is not None:
            return rule.label.text(lang)
        head, _, rest = reason_id.partition(".")
        if head == "category" and (category := self._by_code.get(rest)) is not None:
            return f"报警类别：{category.zh}（{rest}）" if zh else f"category {rest}: {category.en}"
        if head in ("negated", "past") and (rule := self._by_rule.get(rest)) is not None:
            if head == "negated":
                return f"已否认或仅为假设：{rule.label.zh}" if zh else f"denied: {rule.label.en}"
            return f"已过去或已结束：{rule.label.zh}" if zh else f"over: {rule.label.en}"
        return reason_id

    # --- conversion ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build a policy from JSON-able data, or raise :class:`PolicyError` listing every
        problem with its path (``$.rules[3] (id 'fire').kind: …``).

        ``categories`` and ``cues`` may be left out: the built-in 110 category table and
        the cues of the default policy are used.
        """
        return _structure_policy(data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data that :meth:`from_dict` turns back into an equal policy.

        ``None`` values are left out, so the result can also be written as TOML.
        """
        data: dict[str, Any] = {
            "name": self.name,
            "unclear": codec.unstructure(self.unclear),
            "negated": codec.unstructure(self.negated),
            "ack_deadlines": {
                p.value: codec.format_duration(self.ack_deadlines[p])
                for p in Priority
                if p in self.ack_deadlines
            },
            "clue_ack_deadline": codec.format_duration(self.clue_ack_deadline),
            "capacity": self.capacity,
            "locate_buffer_m": self.locate_buffer_m,
            "several_places": self.several_places,
            "classifier_min_confidence": self.classifier_min_confidence,
            "cues": codec.unstructure(self.cues),
            "categories": [codec.unstructure(c) for c in self.categories],
            "rules": [codec.unstructure(r) for r in self.rules],
        }
        return _without_none(data)  # type: ignore[no-any-return]

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Policy:
        """Read a policy file: ``.json``, or ``.toml`` (read with :mod:`tomllib`)."""
        return _structure_policy(_read_file(path))


# --- the shipped policy ----------------------------------------------------------------------


@functools.cache
def default_policy() -> Policy:
    """The built-in policy (read once from the package data, then cached)."""
    return _structure_policy(_packaged_policy_data())


@functools.cache
def builtin_categories() -> tuple[Category, ...]:
    """The built-in 110 category table (``lianfang/data/categories.json``)."""
    data = json.loads(_data_file("categories.json"))
    problems: list[str] = []
    categories = _structure_list(data.get("categories"), Category, "$.categories", problems)
    if problems:  # the shipped file is tested; this guards against a broken install
        raise PolicyError(problems)
    return tuple(c for c in categories if c is not None)


def _data_file(name: str) -> str:
    return resources.files("lianfang").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def _packaged_policy_text() -> str:
    return _data_file("policy.toml")


def _packaged_policy_data() -> dict[str, Any]:
    return tomllib.loads(_packaged_policy_text())


def _read_file(path: str | PathLike[str]) -> Any:
    name = str(path)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ("json", "toml"):
        raise PolicyError([f"$: cannot read {name!r}: a policy file must end in .json or .toml"])
    with open(path, "rb") as file:
        raw = file.read()
    try:
        if suffix == "toml":
            return tomllib.loads(raw.decode("utf-8"))
        return json.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError([f"$: {name} is not valid {suffix.upper()}: {exc}"]) from None


# --- structuring and checks ---------------------------------------------------------------

_OPTIONAL_KEYS: Mapping[str, type | Any] = {
    "unclear": Outcome,
    "negated": Outcome,
    "clue_ack_deadline": dt.timedelta,
    "capacity": int | None,
    "locate_buffer_m": float,
    "several_places": str,
    "classifier_min_confidence": float,
}
_KNOWN_KEYS = frozenset({"name", "categories", "rules", "cues", "ack_deadlines", *_OPTIONAL_KEYS})


def _structure_policy(data: Any) -> Policy:
    if not isinstance(data, Mapping):
        raise PolicyError([f"$: a policy must be an object, not {type(data).__name__}"])
    problems = [f"$.{key}: unknown field" for key in sorted(set(data) - _KNOWN_KEYS, key=str)]
    kwargs: dict[str, Any] = {}

    if "name" not in data:
        problems.append("$.name: required field is missing")
    else:
        kwargs["name"] = _structure_value(data["name"], str, "$.name", problems)

    if "categories" in data:
        categories = _structure_list(data["categories"], Category, "$.categories", problems)
    else:
        categories = list(builtin_categories())
    kwargs["categories"] = categories

    if "rules" not in data:
        problems.append("$.rules: required field is missing")
        rules: list[Rule | None] = []
    else:
        rules = _structure_list(data["rules"], Rule, "$.rules", problems)
    kwargs["rules"] = rules

    cues_data = data["cues"] if "cues" in data else _packaged_policy_data()["cues"]
    kwargs["cues"] = _structure_value(cues_data, Cues, "$.cues", problems)

    if "ack_deadlines" in data:
        kwargs["ack_deadlines"] = _structure_deadlines(data["ack_deadlines"], problems)
    for key, kind in _OPTIONAL_KEYS.items():
        if key in data:
            kwargs[key] = _structure_value(data[key], kind, f"$.{key}", problems)

    problems.extend(
        _content_problems(
            categories=[(i, c) for i, c in enumerate(categories) if c is not None],
            rules=[(i, r) for i, r in enumerate(rules) if r is not None],
            cues=kwargs["cues"],
            settings={
                k: v
                for k, v in kwargs.items()
                if k in _OPTIONAL_KEYS or k in ("name", "ack_deadlines")
            },
            check_inferred=len(categories) == sum(c is not None for c in categories),
        )
    )
    if problems:
        raise PolicyError(_unique(problems))
    kwargs["categories"] = tuple(categories)
    kwargs["rules"] = tuple(rules)
    return Policy(**kwargs)


def _structure_value(value: Any, kind: Any, path: str, problems: list[str]) -> Any:
    try:
        return codec.structure(value, kind, error=PolicyError, path=path)
    except PolicyError as exc:
        problems.extend(exc.problems)
        return None


def _structure_list(value: Any, kind: type, path: str, problems: list[str]) -> list[Any]:
    if not isinstance(value, list | tuple):
        problems.append(f"{path}: must be an array, not {type(value).__name__}")
        return []
    out: list[Any] = []
    for i, item in enumerate(value):
        out.append(_structure_value(item, kind, _item_path(path, i, item), problems))
    return out


def _item_path(path: str, index: int, item: Any) -> str:
    """``$.rules[3] (id 'fire')``: the index and, when it can be read, the id or code."""
    if isinstance(item, Mapping):
        for key in ("id", "code"):
            if isinstance(item.get(key), str):
                return f"{path}[{index}] ({key} {item[key]!r})"
    return f"{path}[{index}]"


def _structure_deadlines(value: Any, problems: list[str]) -> Mapping[Priority, dt.timedelta]:
    if not isinstance(value, Mapping):
        problems.append(f"$.ack_deadlines: must be an object, not {type(value).__name__}")
        return {}
    out: dict[Priority, dt.timedelta] = {}
    choices = ", ".join(repr(p.value) for p in Priority)
    for key, duration in value.items():
        try:
            priority = Priority(key)
        except ValueError:
            problems.append(f"$.ack_deadlines.{key}: {key!r} is not one of {choices}")
            continue
        try:
            out[priority] = codec.parse_duration(duration)
        except ValueError as exc:
            problems.append(f"$.ack_deadlines.{key}: {exc}")
    missing = [p.value for p in Priority if p.value not in value]
    if missing:
        problems.append(f"$.ack_deadlines: missing {', '.join(missing)}")
    return out


def _policy_problems(policy: Policy) -> list[str]:
    """Everything wrong with an already-built policy (also used by the constructor)."""
    problems: list[str] = []
    if not isinstance(policy.ack_deadlines, Mapping):
        problems.append("$.ack_deadlines: must be a mapping of priority to duration")
    else:
        missing = [p.value for p in Priority if p not in policy.ack_deadlines]
        if missing:
            problems.append(f"$.ack_deadlines: missing {', '.join(missing)}")
    settings = {
        "name": policy.name,
        **{key: getattr(policy, key) for key in _OPTIONAL_KEYS},
        "ack_deadlines": policy.ack_deadlines,
    }
    problems.extend(
        _content_problems(
            categories=list(enumerate(policy.categories)),
            rules=list(enumerate(policy.rules)),
            cues=policy.cues,
            settings=settings,
            check_inferred=True,
        )
    )
    return _unique(problems)


def _content_problems(
    *,
    categories: list[tuple[int, Category]],
    rules: list[tuple[int, Rule]],
    cues: Cues | None,
    settings: Mapping[str, Any],
    check_inferred: bool,
) -> list[str]:
    problems: list[str] = []
    problems.extend(_settings_problems(settings))

    codes: dict[str, int] = {}
    for i, category in categories:
        path = f"$.categories[{i}] (code {category.code!r})"
        if not _CODE.fullmatch(category.code):
            problems.append(f"{path}.code: must be six digits")
        elif category.code in codes:
            problems.append(f"{path}.code: duplicate of $.categories[{codes[category.code]}]")
        else:
            codes[category.code] = i
        for field in ("zh", "en"):
            if not getattr(category, field).strip():
                problems.append(f"{path}.{field}: must not be empty")

    ids: dict[str, int] = {}
    for i, rule in rules:
        path = f"$.rules[{i}] (id {rule.id!r})"
        problems.extend(_rule_problems(rule, path, codes if check_inferred else None))
        if rule.id in ids:
            problems.append(f"{path}.id: duplicate of $.rules[{ids[rule.id]}]")
        else:
            ids[rule.id] = i

    if cues is not None:
        for field in (
            "near_misses",
            "negations",
            "not_negations",
            "past",
            "present",
            "ended",
            "ongoing",
        ):
            for j, pattern in enumerate(getattr(cues, field)):
                problem = _pattern_problem(pattern)
                if problem:
                    problems.append(f"$.cues.{field}[{j}]: {problem}")
        for field in ("negation_window", "negation_words"):
            value = getattr(cues, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"$.cues.{field}: must be a whole number >= 0, not {value!r}")
    return problems


def _settings_problems(settings: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    name = settings.get("name")
    if isinstance(name, str) and not name.strip():
        problems.append("$.name: must not be empty")
    deadlines = settings.get("ack_deadlines")
    if isinstance(deadlines, Mapping):
        for priority, duration in deadlines.items():
            if isinstance(duration, dt.timedelta) and duration <= dt.timedelta(0):
                problems.append(f"$.ack_deadlines.{priority.value}: must be longer than zero")
    clue = settings.get("clue_ack_deadline")
    if isinstance(clue, dt.timedelta) and clue <= dt.timedelta(0):
        problems.append("$.clue_ack_deadline: must be longer than zero")
    capacity = settings.get("capacity")
    if isinstance(capacity, int) and capacity < 1:
        problems.append(f"$.capacity: must be at least 1 (or left out for no cap), not {capacity}")
    buffer = settings.get("locate_buffer_m")
    if isinstance(buffer, float) and not buffer >= 0:
        problems.append(f"$.locate_buffer_m: must be >= 0, not {buffer!r}")
    places = settings.get("several_places")
    if places is not None and places not in ("first", "review"):
        problems.append(f"$.several_places: {places!r} is not one of 'first', 'review'")
    confidence = settings.get("classifier_min_confidence")
    if isinstance(confidence, float) and not 0.0 <= confidence <= 1.0:
        problems.append(f"$.classifier_min_confidence: {confidence!r} is outside [0, 1]")
    return problems


def _rule_problems(rule: Rule, path: str, codes: Mapping[str, int] | None) -> list[str]:
    problems: list[str] = []
    if not _RULE_ID.fullmatch(rule.id):
        problems.append(
            f"{path}.id: must be lower-case letters, digits and '_', joined by '.' or '-'"
        )
    elif rule.id.startswith(_RESERVED_PREFIXES):
        problems.append(f"{path}.id: {rule.id!r} starts with a prefix reserved for reasons")
    for field in ("zh", "en"):
        if not getattr(rule.label, field).strip():
            problems.append(f"{path}.label.{field}: must not be empty")
    if not rule.patterns and not rule.categories:
        problems.append(f"{path}: needs patterns or categories, or it can never fire")
    for field in ("patterns", "context", "ended_by"):
        for j, pattern in enumerate(getattr(rule, field)):
            problem = _pattern_problem(pattern)
            if problem:
                problems.append(f"{path}.{field}[{j}]: {problem}")
    for j, prefix in enumerate(rule.categories):
        if not _CODE_PREFIX.fullmatch(prefix):
            problems.append(f"{path}.categories[{j}]: {prefix!r} is not a prefix of 1-6 digits")
    if rule.category is not None:
        if not _CODE.fullmatch(rule.category):
            problems.append(f"{path}.category: {rule.category!r} is not a six-digit code")
        elif codes is not None and rule.category not in codes:
            problems.append(f"{path}.category: {rule.category!r} is not in the category table")
    return problems


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


@functools.lru_cache(maxsize=8192)  # a policy re-checked after attrs.evolve costs nothing
def _pattern_problem(pattern: str) -> str | None:
    if not pattern:
        return "must not be empty"
    control = next((c for c in pattern if c < " "), None)
    if control is not None:  # TOML "\b" is a backspace: regexes belong in '...' strings
        return (
            f"{pattern!r} contains the control character {control!r}; "
            "in TOML write patterns in single quotes ('\\bword\\b')"
        )
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    if compiled.groupindex:
        return f"{pattern!r}: named groups are not allowed (use (?:...))"
    if _BACKREFERENCE.search(pattern):
        return f"{pattern!r}: backreferences are not supported"
    if compiled.match(""):
        return f"{pattern!r} matches empty text, so it would match everywhere"
    return None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise InvalidValueError([f"lang: {lang!r} is not one of 'zh', 'en'"])
    return lang
