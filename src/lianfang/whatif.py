"""What if (推演): route a history of reports again under another policy or directory.

:func:`replay` routes every report twice — once as things stand (the *before* side: a
baseline directory and policy) and once under the change being considered (the *after*
side) — and compares: how many reports each side keeps off the 110 command center, the
counts by kind, priority and kind of owner, and every report whose kind, priority or
owner changes. It is pure: no desk, no journal, no load (each report is routed as if it
were the only open matter), so the same inputs always give the same
:class:`Comparison`.

Counts are of reports: a further report that the desk linked to an open incident is
routed on its own here. :func:`reports_from` takes the reports out of a desk journal's
events, so a real history can be replayed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from lianfang.directory import Directory
from lianfang.errors import InvalidValueError
from lianfang.events import IncidentLinked, ReportReceived
from lianfang.model import Kind, Priority, Report
from lianfang.policy import Policy, default_policy
from lianfang.routing import Decision, Router
from lianfang.stats import _HANDLER_NAMES, Events, HandlerKind, _Roles

__all__ = ["Change", "Comparison", "Totals", "replay", "reports_from"]

Lang = Literal["zh", "en"]


@attrs.frozen
class Totals:
    """What one side of a comparison does with the reports (every count is of reports).

    ``kept_off_110`` counts reports whose owner is not the command center; ``by_kind``,
    ``by_priority`` and ``by_handler`` (who owns them, see
    :class:`~lianfang.stats.HandlerKind`) list every key, zero or not.
    """

    reports: int
    kept_off_110: int
    by_kind: Mapping[Kind, int]
    by_priority: Mapping[Priority, int]
    by_handler: Mapping[HandlerKind, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, enum values as keys."""
        return {
            "reports": self.reports,
            "kept_off_110": self.kept_off_110,
            "by_kind": {k.value: n for k, n in self.by_kind.items()},
            "by_priority": {p.value: n for p, n in self.by_priority.items()},
            "by_handler": {h.value: n for h, n in self.by_handler.items()},
        }


@attrs.frozen
class Change:
    """One report that the two sides route differently, with both decisions."""

    report_id: str
    before: Decision
    after: Decision

    @property
    def kind_changed(self) -> bool:
        return self.before.kind is not self.after.kind

    @property
    def priority_changed(self) -> bool:
        return self.before.priority is not self.after.priority

    @property
    def owner_changed(self) -> bool:
        return self.before.owner_id != self.after.owner_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: kind, priority and owner on each side."""
        return {
            "report_id": self.report_id,
            "before": _side(self.before),
            "after": _side(self.after),
        }


def _side(decision: Decision) -> dict[str, Any]:
    return {
        "kind": decision.kind.value,
        "priority": decision.priority.value,
        "category": decision.category,
        "community_id": decision.community_id,
        "owner_id": decision.owner_id,
    }


@attrs.frozen
class Comparison:
    """The two sides of a replay and the reports they route differently.

    ``changes`` holds, in report order, every report whose kind, priority or owner
    differs between ``before`` and ``after``.
    """

    before: Totals
    after: Totals
    changes: tuple[Change, ...]

    @property
    def kept_off_110_change(self) -> int:
        """How many more reports the *after* side keeps off 110 (negative: fewer)."""
        return self.after.kept_off_110 - self.before.kept_off_110

    @property
    def kind_changes(self) -> dict[tuple[Kind, Kind], int]:
        """Reports per ``(kind before, kind after)`` for those whose kind changed, most first."""
        counts = Counter((c.before.kind, c.after.kind) for c in self.changes if c.kind_changed)
        return dict(counts.most_common())

    @property
    def owner_changes(self) -> tuple[Change, ...]:
        """The changes in which the owner differs."""
        return tuple(c for c in self.changes if c.owner_changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: both totals, the kind changes and every change."""
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "kept_off_110_change": self.kept_off_110_change,
            "kind_changes": [
                {"before": a.value, "after": b.value, "reports": n}
                for (a, b), n in self.kind_changes.items()
            ],
            "owner_changes": len(self.owner_changes),
            "changes": [c.to_dict() for c in self.changes],
        }

    def render(self, lang: Lang = "zh", *, limit: int = 10) -> str:
        """The comparison as text in Chinese (``"zh"``) or English (``"en"``), listing the
        first ``limit`` changed reports."""
        if lang not in ("zh", "en"):
            raise InvalidValueError([f"lang: must be 'zh' or 'en', not {lang!r}"])
        zh = lang == "zh"

        def pick(pair: tuple[str, str]) -> str:
            return pair[0] if zh else pair[1]

        def moved(before: int, after: int) -> str:
            delta = after - before
            if not delta:
                return f"{before:,} → {after:,}"
            return f"{before:,} → {after:,}" + (f"（{delta:+,}）" if zh else f" ({delta:+,})")

        def describe(decision: Decision) -> str:
            kind = pick(_KIND_NAMES[decision.kind])
            return f"{kind} {decision.priority.value} {decision.owner_id}"

        b, a = self.before, self.after
        sep = " · "
        lines = [
            f"推演：{b.reports:,} 件报告重新分流（变更前 → 变更后）"
            if zh
            else f"What if: {b.reports:,} reports routed again (before → after)",
            ("  未占用110指挥中心：" if zh else "  Kept off the 110 command center: ")
            + moved(b.kept_off_110, a.kept_off_110),
            ("  按类别：" if zh else "  By kind: ")
            + sep.join(f"{pick(_KIND_NAMES[k])} {moved(b.by_kind[k], a.by_kind[k])}" for k in Kind),
            ("  按优先级：" if zh else "  By priority: ")
            + sep.join(f"{p.value} {moved(b.by_priority[p], a.by_priority[p])}" for p in Priority),
            ("  负责人：" if zh else "  Owned by: ")
            + sep.join(
                f"{pick(_HANDLER_NAMES[h])} {moved(b.by_handler[h], a.by_handler[h])}"
                for h in HandlerKind
                if b.by_handler[h] or a.by_handler[h]
            ),
        ]
        kinds = self.kind_changes
        changed_kind = sum(kinds.values())
        changed_priority = sum(1 for c in self.changes if c.priority_changed)
        changed_owner = len(self.owner_changes)
        lines.append(
            f"  分流结果改变：{len(self.changes):,} 件（类别改变 {changed_kind:,} 件，"
            f"优先级改变 {changed_priority:,} 件，负责人改变 {changed_owner:,} 件）"
            if zh
            else f"  Routed differently: {len(self.changes):,} reports (kind changed "
            f"{changed_kind:,}, priority changed {changed_priority:,}, "
            f"owner changed {changed_owner:,})"
        )
        for (before, after), count in kinds.items():
            lines.append(f"    {pick(_KIND_NAMES[before])} → {pick(_KIND_NAMES[after])}: {count:,}")
        shown = self.changes[: max(0, limit)]
        if shown:
            lines.append(
                f"  改变的报告（前 {len(shown):,} 件，共 {len(self.changes):,} 件）："
                if zh
                else f"  Changed reports (the first {len(shown):,} of {len(self.changes):,}):"
            )
        for change in shown:
            lines.append(
                f"    {change.report_id}  {describe(change.before)} → {describe(change.after)}"
            )
        return "\n".join(lines) + "\n"


_KIND_NAMES: Mapping[Kind, tuple[str, str]] = {
    Kind.EMERGENCY: ("紧急", "emergency"),
    Kind.NON_EMERGENCY: ("非紧急", "non-emergency"),
    Kind.CLUE: ("线索", "clue"),
    Kind.INFO: ("咨询", "information"),
}


def replay(
    reports: Iterable[Report],
    directory: Directory,
    policy: Policy | None = None,
    *,
    baseline_directory: Directory | None = None,
    baseline_policy: Policy | None = None,
) -> Comparison:
    """Route ``reports`` as things stand and under a change, and compare the two.

    The *after* side routes with ``directory`` and ``policy``; the *before* side with
    ``baseline_directory`` (default: ``directory``) and ``baseline_policy`` (default: the
    built-in policy, :func:`~lianfang.policy.default_policy`). A ``policy`` of ``None``
    is the built-in policy too, so ``replay(reports, new_directory,
    baseline_directory=old_directory)`` compares two directories under the built-in
    policy, and ``replay(reports, directory, new_policy)`` two policies on one
    directory. Report ids must be unique.
    """
    history = tuple(reports)
    problems = _report_problems(history)
    if problems:
        raise InvalidValueError(problems)
    before_directory = baseline_directory if baseline_directory is not None else directory
    before_router = Router(
        before_directory, baseline_policy if baseline_policy is not None else default_policy()
    )
    after_router = Router(directory, policy if policy is not None else default_policy())
    before = [before_router.route(report) for report in history]
    after = [after_router.route(report) for report in history]
    changes = tuple(
        Change(report.id, b, a)
        for report, b, a in zip(history, before, after, strict=True)
        if b.kind is not a.kind or b.priority is not a.priority or b.owner_id != a.owner_id
    )
    return Comparison(
        before=_totals(before, before_directory),
        after=_totals(after, directory),
        changes=changes,
    )


def _report_problems(history: tuple[Report, ...]) -> list[str]:
    problems: list[str] = []
    first_index: dict[str, int] = {}
    for index, report in enumerate(history):
        if not isinstance(report, Report):
            problems.append(
                f"reports[{index}]: expected a lianfang.Report, got {type(report).__name__}"
            )
        elif report.id in first_index:
            earlier = first_index[report.id]
            problems.append(f"reports[{index}].id: {report.id!r} is also reports[{earlier}].id")
        else:
            first_index[report.id] = index
    return problems


def _totals(decisions: list[Decision], directory: Directory) -> Totals:
    roles = _Roles(directory)
    center = directory.command_center.id
    by_kind = dict.fromkeys(Kind, 0)
    by_priority = dict.fromkeys(Priority, 0)
    by_handler = dict.fromkeys(HandlerKind, 0)
    kept_off = 0
    for decision in decisions:
        by_kind[decision.kind] += 1
        by_priority[decision.priority] += 1
        by_handler[roles.kind_of(decision.owner_id, decision.community_id)] += 1
        if decision.owner_id != center:
            kept_off += 1
    return Totals(len(decisions), kept_off, by_kind, by_priority, by_handler)


def reports_from(events: Events) -> tuple[Report, ...]:
    """Every report in a desk's events, in journal order: those that opened an incident
    and those linked to one."""
    found: list[Report] = []
    for item in events:
        event = item[1] if isinstance(item, tuple) else item
        if isinstance(event, ReportReceived | IncidentLinked):
            found.append(event.report)
    return tuple(found)
