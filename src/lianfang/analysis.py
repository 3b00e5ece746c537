"""Desk journals as pandas tables and plots (分析), for notebooks.

Needs the optional extra: ``pip install 'lianfang[analysis]'`` (pandas and matplotlib).

:func:`to_frame` turns a desk's events into a :class:`pandas.DataFrame` with one row per
incident (the columns are listed in :data:`COLUMNS`); :func:`plot_daily_load` and
:func:`plot_response_times` draw the two pictures an analyst usually starts with. The
incidents are folded by :mod:`lianfang.stats`, so every figure here agrees with
``lianfang stats`` and with the desk.

pandas and matplotlib are optional: they are imported when a function needs them, and a
missing one raises :class:`~lianfang.errors.MissingExtraError` with the install command.
Importing this module needs neither.

The plots never touch pyplot's global state: without ``ax`` they draw on a new
:class:`matplotlib.figure.Figure`, which works on a headless machine (Agg) and is shown in
a notebook by ending a cell with ``ax.figure`` (or saved with ``ax.figure.savefig(path)``).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from typing import Any, Literal

from lianfang.directory import Directory
from lianfang.errors import InvalidValueError, MissingExtraError
from lianfang.events import Event
from lianfang.model import Channel, Kind, Priority
from lianfang.stats import (
    CATEGORY_CLASSES,
    Events,
    HandlerKind,
    _Case,
    _cases,
    _Roles,
    category_class,
)

__all__ = ["COLUMNS", "plot_daily_load", "plot_response_times", "to_frame"]

Lang = Literal["zh", "en"]

COLUMNS: Mapping[str, str] = {
    "incident_id": "the incident's id (the id of its first report)",
    "report_ids": "every report of the matter, the first one first (a tuple)",
    "reports": "how many reports the matter has (further reports were linked to it)",
    "received_at": "when the first report arrived (the incident was opened)",
    "last_report_at": "when the latest report of the matter arrived",
    "channel": "how the first report arrived (Channel value)",
    "text": "the first report's text",
    "reporter_id": "who sent the first report; None when unknown or a clue's (withheld)",
    "kind": "the incident's kind (Kind value), after any re-triage",
    "priority": "its priority, P1 … P4",
    "category": "the six-digit category code triage settled on, or None",
    "category_class": "the class of the category (keys of stats.CATEGORY_CLASSES)",
    "category_class_name": "the class's name in the chosen language",
    "community_id": "where it happened; None: the place is unknown",
    "community_name": "the community's name (needs the directory)",
    "group_id": "the patrol group of the community",
    "group_name": "its name (needs the directory)",
    "zone_id": "the patrol zone of the community",
    "zone_name": "its name (needs the directory)",
    "place_method": "how the place was found: explicit, point, buffer, address, text, none",
    "needs_review": "whether triage or locating asked for a human review",
    "owner_at_routing": "who the router gave it to first",
    "first_owner_kind": "who that is (HandlerKind value; needs the directory)",
    "diverted_from_110": "whether the router kept it off the 110 command center",
    "ack_deadline_at": "when its owner had to acknowledge",
    "acknowledged_at": "when it was acknowledged; NaT if never",
    "acknowledged_by": "who acknowledged it",
    "ack_seconds": "receipt to acknowledgement, in seconds; NaN if never",
    "deadline_met": (
        "acknowledged (or resolved) by the deadline; False once it passed without; NA if pending"
    ),
    "escalations": "how many times the ladder climbed",
    "escalated_to": "who it climbed to, in order (a tuple)",
    "handed_to_agency": "the partner agency a police owner handed it to, if any",
    "final_owner": "who owns it at the end of the journal (or at resolution)",
    "final_owner_kind": "who that is (HandlerKind value; needs the directory)",
    "state": "open, acknowledged, escalated or resolved (IncidentState value)",
    "resolved_at": "when it was resolved; NaT if open",
    "resolution_seconds": "receipt to resolution, in seconds; NaN if open",
    "outcome": "what was done, as the resolver wrote it",
    "people_dealt_with": "figures of an operation: people dealt with (NA without figures)",
    "money_seized_yuan": "figures of an operation: money seized, ¥ (NaN without figures)",
    "follow_ups": "the follow-up steps recorded, in order (a tuple of FollowUpStep values)",
    "satisfaction": "the callback's score, 1 … 5 (NA without a callback)",
}
"""The columns of :func:`to_frame`, in order, each with what it holds."""

_TIME_COLUMNS = (
    "received_at",
    "last_report_at",
    "ack_deadline_at",
    "acknowledged_at",
    "resolved_at",
)
_STATES = ("open", "acknowledged", "escalated", "resolved")


def _pandas() -> Any:
    return _extra("pandas")


def _extra(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(module.partition(".")[0], "analysis") from None


def to_frame(
    events: Events,
    directory: Directory | None = None,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    lang: Lang = "zh",
) -> Any:
    """One row per incident, in the order opened, with the columns of :data:`COLUMNS`.

    ``events`` are the desk's events as :func:`lianfang.stats.read_events` gives them (or
    ``(position, event)`` pairs); ``since`` and ``until`` cut by time as in
    :mod:`lianfang.stats`. The ``directory`` adds the names of places and who each owner
    is; without it those columns are empty. Times are timezone-aware, in the directory's
    time zone (without one, in the first report's offset); ``kind``, ``priority``
    (ordered P1 … P4), ``channel``, ``state`` and the owner kinds are categoricals, so
    counts list every value even when it is zero. An unacknowledged incident whose
    deadline passed before the journal's last event (or ``until``) did not meet it.
    ``lang`` picks the language of ``category_class_name``.

    Returns a :class:`pandas.DataFrame`; raises :class:`~lianfang.errors.MissingExtraError`
    when pandas is not installed.
    """
    if lang not in ("zh", "en"):
        raise InvalidValueError([f"lang: must be 'zh' or 'en', not {lang!r}"])
    pd = _pandas()
    events = list(events)
    cases = _cases(events, since, until)
    # "Now", as far as the journal tells: deadlines before it that nobody met were missed.
    as_of = until or max((_event_of(item).at for item in events), default=None)
    rows = _Rows(directory, lang, as_of)
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for case in cases:
        for name, value in rows.row(case).items():
            columns[name].append(value)

    tz: dt.tzinfo = dt.UTC
    if directory is not None:
        tz = directory.tz
    elif cases and cases[0].incident.opened_at.tzinfo is not None:
        tz = cases[0].incident.opened_at.tzinfo
    data: dict[str, Any] = dict(columns)
    for name in _TIME_COLUMNS:
        data[name] = pd.to_datetime(pd.Series(columns[name], dtype=object), utc=True).dt.tz_convert(
            tz
        )
    data["channel"] = pd.Categorical(columns["channel"], categories=[c.value for c in Channel])
    data["kind"] = pd.Categorical(columns["kind"], categories=[k.value for k in Kind])
    data["priority"] = pd.Categorical(
        columns["priority"], categories=[p.value for p in Priority], ordered=True
    )
    data["state"] = pd.Categorical(columns["state"], categories=list(_STATES))
    handler_kinds = [h.value for h in HandlerKind]
    for name in ("first_owner_kind", "final_owner_kind"):
        data[name] = pd.Categorical(columns[name], categories=handler_kinds)
    data["deadline_met"] = pd.array(columns["deadline_met"], dtype="boolean")
    data["needs_review"] = pd.array(columns["needs_review"], dtype=bool)
    data["diverted_from_110"] = pd.array(columns["diverted_from_110"], dtype=bool)
    for name in ("reports", "escalations"):
        data[name] = pd.array(columns[name], dtype="int64")
    for name in ("people_dealt_with", "satisfaction"):
        data[name] = pd.array(columns[name], dtype="Int64")
    for name in ("ack_seconds", "resolution_seconds", "money_seized_yuan"):
        data[name] = pd.array(
            [float("nan") if v is None else float(v) for v in columns[name]], dtype="float64"
        )
    return pd.DataFrame(data, columns=list(COLUMNS))


def _event_of(item: Event | tuple[int, Event]) -> Event:
    return item[1] if isinstance(item, tuple) else item


class _Rows:
    """Turns folded incidents into rows, with the directory's names prepared once."""

    def __init__(self, directory: Directory | None, lang: Lang, as_of: dt.datetime | None) -> None:
        self.lang = lang
        self.as_of = as_of
        self.roles = _Roles(directory) if directory is not None else None
        self.center = directory.command_center.id if directory is not None else None
        self.names: dict[str, str] = {}
        if directory is not None:
            for items in (directory.zones, directory.groups, directory.communities):
                self.names.update({item.id: item.name for item in items})

    def owner_kind(self, assignee_id: str, community_id: str | None) -> str | None:
        if self.roles is None:
            return None
        return self.roles.kind_of(assignee_id, community_id).value

    def name(self, key: str | None) -> str | None:
        return self.names.get(key) if key is not None else None

    def row(self, case: _Case) -> dict[str, Any]:
        incident = case.incident
        decision = incident.decision
        first = case.reports[0]
        # Without a directory the command center is still known: every ladder ends there.
        center = self.center or decision.escalation[-1].assignee_id
        ack_seconds = (
            (incident.acknowledged_at - incident.opened_at).total_seconds()
            if incident.acknowledged_at is not None
            else None
        )
        taken_at = incident.acknowledged_at or incident.resolved_at
        deadline_met: bool | None = None
        if taken_at is not None:
            deadline_met = taken_at <= decision.due_at
        elif case.escalated_to or (self.as_of is not None and self.as_of > decision.due_at):
            deadline_met = False
        figures = incident.figures
        class_key = category_class(decision.category)
        return {
            "incident_id": incident.id,
            "report_ids": tuple(report.id for report in case.reports),
            "reports": len(case.reports),
            "received_at": incident.opened_at,
            "last_report_at": max(report.received_at for report in case.reports),
            "channel": first.channel.value,
            "text": first.text,
            "reporter_id": None if decision.reporter_withheld else first.reporter_id,
            "kind": incident.kind.value,
            "priority": incident.priority.value,
            "category": decision.category,
            "category_class": class_key,
            "category_class_name": CATEGORY_CLASSES[class_key][0 if self.lang == "zh" else 1],
            "community_id": decision.community_id,
            "community_name": self.name(decision.community_id),
            "group_id": decision.group_id,
            "group_name": self.name(decision.group_id),
            "zone_id": decision.zone_id,
            "zone_name": self.name(decision.zone_id),
            "place_method": decision.locate_method,
            "needs_review": decision.needs_review,
            "owner_at_routing": case.routed_owner,
            "first_owner_kind": self.owner_kind(case.routed_owner, decision.community_id),
            "diverted_from_110": case.routed_owner != center,
            "ack_deadline_at": decision.due_at,
            "acknowledged_at": incident.acknowledged_at,
            "acknowledged_by": incident.acknowledged_by,
            "ack_seconds": ack_seconds,
            "deadline_met": deadline_met,
            "escalations": len(case.escalated_to),
            "escalated_to": case.escalated_to,
            "handed_to_agency": case.handed_to[0] if case.handed_to else None,
            "final_owner": incident.owner_id,
            "final_owner_kind": self.owner_kind(incident.owner_id, decision.community_id),
            "state": incident.state.value,
            "resolved_at": incident.resolved_at,
            "resolution_seconds": (
                (incident.resolved_at - incident.opened_at).total_seconds()
                if incident.resolved_at is not None
                else None
            ),
            "outcome": incident.outcome,
            "people_dealt_with": figures.people_dealt_with if figures is not None else None,
            "money_seized_yuan": figures.money_seized_yuan if figures is not None else None,
            "follow_ups": tuple(follow_up.step for follow_up in incident.follow_ups),
            "satisfaction": incident.satisfaction,
        }


# --- plots ---------------------------------------------------------------------------------

_LABELS: Mapping[str, tuple[str, str]] = {
    "emergencies": ("紧急警情", "emergencies"),
    "diverted": ("未占用110的报告", "reports kept off 110"),
    "reports_per_day": ("每日报告数", "reports per day"),
    "daily_title": ("每日负荷：紧急警情与分流报告", "Daily load: emergencies and diverted reports"),
    "ack_minutes": ("签收用时（分钟，对数刻度）", "time to acknowledge (minutes, log scale)"),
    "priority": ("优先级", "priority"),
    "ack_title": ("各优先级签收用时", "Time to acknowledge by priority"),
    "deadline": ("签收时限", "deadline"),
    "nothing": ("没有已签收的事项", "no acknowledged incidents"),
}


def _label(key: str, lang: Lang) -> str:
    zh, en = _LABELS[key]
    return zh if lang == "zh" else en


def _frame_of(events_or_frame: Any) -> Any:
    pd = _pandas()
    if isinstance(events_or_frame, pd.DataFrame):
        return events_or_frame
    return to_frame(events_or_frame)


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    figure_module = _extra("matplotlib.figure")
    # A bare Figure, not pyplot: no global state, no GUI backend, so it works headless.
    figure = figure_module.Figure(figsize=(9, 4), layout="constrained")
    return figure.add_subplot()


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise InvalidValueError([f"lang: must be 'zh' or 'en', not {lang!r}"])


def plot_daily_load(events_or_frame: Any, ax: Any = None, *, lang: Lang = "en") -> Any:
    """Reports per day: emergencies against reports kept off the 110 command center.

    Takes events or a frame from :func:`to_frame`; counts reports (a linked report on the
    day of its incident's first report); days without reports show as zero. Draws on
    ``ax`` (a matplotlib Axes) or on a new Figure, and returns the Axes. Labels are in
    English, or Chinese with ``lang="zh"`` (which needs a CJK font in matplotlib).
    """
    _check_lang(lang)
    _extra("matplotlib")
    pd = _pandas()
    frame = _frame_of(events_or_frame)
    ax = _axes(ax)
    if len(frame):
        days = frame["received_at"].dt.tz_localize(None).dt.normalize()
        weights = frame["reports"]
        emergencies = weights.where(frame["kind"] == Kind.EMERGENCY.value, 0).groupby(days).sum()
        diverted = weights.where(frame["diverted_from_110"], 0).groupby(days).sum()
        every_day = pd.date_range(days.min(), days.max(), freq="D")
        emergencies = emergencies.reindex(every_day, fill_value=0)
        diverted = diverted.reindex(every_day, fill_value=0)
        ax.plot(every_day, diverted.to_numpy(), label=_label("diverted", lang), color="tab:green")
        ax.plot(
            every_day,
            emergencies.to_numpy(),
            label=_label("emergencies", lang),
            color="tab:red",
        )
        ax.legend(loc="upper right")
        figure = ax.get_figure()
        if figure is not None:
            figure.autofmt_xdate()
    ax.set_ylabel(_label("reports_per_day", lang))
    ax.set_ylim(bottom=0)
    ax.set_title(_label("daily_title", lang))
    return ax


def plot_response_times(events_or_frame: Any, ax: Any = None, *, lang: Lang = "en") -> Any:
    """The distribution of time to acknowledge, one box per priority, on a log scale.

    Takes events or a frame from :func:`to_frame`; counts acknowledged incidents (the
    box labels say how many). A short black bar marks each priority's usual
    acknowledgement deadline. Draws on ``ax`` or a new Figure and returns the Axes.
    """
    _check_lang(lang)
    _extra("matplotlib")
    frame = _frame_of(events_or_frame)
    ax = _axes(ax)
    acknowledged = frame[frame["ack_seconds"].notna()]
    groups = []
    for priority in Priority:
        rows = acknowledged[acknowledged["priority"] == priority.value]
        if len(rows):
            window = (rows["ack_deadline_at"] - rows["received_at"]).dt.total_seconds()
            groups.append(
                (
                    f"{priority.value}\n(n={len(rows):,})",
                    (rows["ack_seconds"] / 60).to_numpy(),
                    float(window.mode().iloc[0]) / 60,
                )
            )
    if groups:
        positions = list(range(1, len(groups) + 1))
        ax.boxplot([minutes for _, minutes, _ in groups], positions=positions, whis=(5, 95))
        ax.set_xticks(positions, [label for label, _, _ in groups])
        ax.hlines(
            [deadline for _, _, deadline in groups],
            [p - 0.4 for p in positions],
            [p + 0.4 for p in positions],
            colors="black",
            linestyles="dashed",
            label=_label("deadline", lang),
        )
        ax.set_yscale("log")
        ax.legend(loc="upper left")
    else:
        ax.text(0.5, 0.5, _label("nothing", lang), ha="center", va="center")
    ax.set_xlabel(_label("priority", lang))
    ax.set_ylabel(_label("ack_minutes", lang))
    ax.set_title(_label("ack_title", lang))
    return ax
