"""``lianfang demo``: four months of the Pingtan scenario through a desk, and what came of it.

An edge module: it generates the scenario for the built-in sample county
(:mod:`lianfang.scenario`), plays it through a :class:`~lianfang.desk.Desk` whose SQLite
journal lives in a temporary folder (or where ``--journal`` says), shows progress on
stderr, and prints the journal's :func:`~lianfang.stats.summary` to ``out``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Literal, TextIO

from lianfang.desk import Desk
from lianfang.directory import Directory, sample_directory
from lianfang.errors import InvalidValueError, JournalError
from lianfang.journal import SQLiteJournal
from lianfang.model import Channel, Kind, VolunteerStatus
from lianfang.scenario import SEED_PERIOD, CheckInStatus, Scenario, generate, simulate
from lianfang.stats import Summary, read_events, render, summary

__all__ = ["ProgressBar", "run_demo"]

Lang = Literal["zh", "en"]


class ProgressBar:
    """A progress display on ``stream``: a redrawn ``\\r`` bar on a terminal, else a line
    at every tenth of the way. Call it as ``bar(done, total)``; :meth:`finish` ends it."""

    def __init__(self, stream: TextIO, label: str, *, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self._shown = -1
        self._started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if self.tty:
            percent = int(share * 100)
            if percent == self._shown:
                return
            self._shown = percent
            filled = round(share * self.width)
            bar = "█" * filled + "·" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% {done:,}/{total:,}")
        else:
            tenth = int(share * 10)
            if tenth == self._shown:
                return
            self._shown = tenth
            self.stream.write(f"{self.label}: {done:,}/{total:,} ({share:.0%})\n")
        self.stream.flush()

    def finish(self, message: str) -> None:
        """End the display with ``message`` (the time taken is appended)."""
        elapsed = time.perf_counter() - self._started
        self.stream.write(("\n" if self.tty else "") + f"{message} ({elapsed:.1f} s)\n")
        self.stream.flush()


_T: dict[str, tuple[str, str]] = {
    "progress": ("模拟中", "simulating"),
    "done": ("模拟完成", "simulation done"),
    "title": (
        "联防示例：{name}，{start} 至 {end}，共 {days} 天（合成数据，随机种子 {seed}）",
        "lianfang demo: {name}, {start} to {end}, {days} days (synthetic data, seed {seed})",
    ),
    "org": (
        "组织：{zones} 个巡区、{groups} 个巡组、{officers} 名民警、{communities} 个社区/村、"
        "{volunteers} 名联防志愿者（活跃 {active} 名）、{sites} 个报备单位、{agencies} 个联动单位",
        "Organisation: {zones} patrol zones, {groups} patrol groups, {officers} officers, "
        "{communities} communities, {volunteers} volunteers ({active} active), "
        "{sites} check-in sites, {agencies} partner agencies",
    ),
    "scenario": (
        "场景：110来电 {calls:,} 件（非紧急求助 {non_emergency:,}，紧急警情 {emergency:,}），"
        "志愿者线索 {clues:,} 条，志愿者和小程序反映的其他事项 {others:,} 件，咨询 {info:,} 件",
        "Scenario: {calls:,} calls to 110 ({non_emergency:,} non-emergency, "
        "{emergency:,} emergencies), {clues:,} clues from volunteers, {others:,} other matters "
        "from volunteers and the app, {info:,} information requests",
    ),
    "check_ins": (
        "报备：{count:,} 次，来自 {sites} 个单位，"
        "其中 {attention:,} 次报告需留意的情况（报备不进入值班台）",
        "Check-ins: {count:,} from {sites} sites, {attention:,} of them flagging something "
        "(kept apart from the desk)",
    ),
    "explain": (
        "线索的分流说明（赌博窝点的第一条报告）：",
        "How the first gambling-den clue was routed:",
    ),
    "journal_kept": ("事件日志：{path}（{n:,} 条事件）", "Event journal: {path} ({n:,} events)"),
    "journal_gone": (
        "事件日志：{n:,} 条事件，已随临时目录删除（用 --journal PATH 保留）",
        "Event journal: {n:,} events, deleted with its temporary folder "
        "(keep it with --journal PATH)",
    ),
    "stats_hint": (
        "用 lianfang stats PATH 可再次统计保留的日志。",
        "Run lianfang stats PATH to summarise a kept journal again.",
    ),
}


def _say(lang: Lang, key: str, **values: object) -> str:
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**values)


def run_demo(
    out: TextIO,
    *,
    lang: Lang = "zh",
    journal_path: Path | None = None,
    progress: TextIO | None = None,
    days: int | None = None,
    seed: int = 2021,
) -> Summary:
    """Run the Pingtan scenario through a desk on the sample county and print the summary.

    ``journal_path`` keeps the SQLite journal there (it must not exist yet); otherwise it
    lives in a temporary folder. ``progress`` receives the progress bar (``None``: no
    bar). ``days`` shortens the period from its first day (for quick runs and tests).
    Returns the summary it printed.
    """
    directory = sample_directory()
    start, end = SEED_PERIOD
    if days is not None:
        if days < 1:
            raise InvalidValueError([f"days: must be at least 1, got {days}"])
        end = start + dt.timedelta(days=days - 1)
    scenario = generate(directory, seed=seed, start=start, end=end)
    if journal_path is not None:
        if journal_path.exists():
            raise JournalError(
                f"{journal_path}: already exists; the demo writes a new journal, "
                "so give a path that does not exist yet"
            )
        return _run(out, directory, scenario, lang, journal_path, progress, keep=True)
    with tempfile.TemporaryDirectory(prefix="lianfang-demo-") as folder:
        path = Path(folder) / "demo.sqlite"
        return _run(out, directory, scenario, lang, path, progress, keep=False)


def _run(
    out: TextIO,
    directory: Directory,
    scenario: Scenario,
    lang: Lang,
    path: Path,
    progress: TextIO | None,
    *,
    keep: bool,
) -> Summary:
    bar = ProgressBar(progress, _say(lang, "progress")) if progress is not None else None
    # "normal" durability: the demo's journal is throwaway, and a per-command fsync
    # would spend most of the run waiting for the disk.
    with SQLiteJournal(path, synchronous="normal") as journal:
        desk = Desk(directory, journal)
        simulate(scenario, desk, progress=bar)
        events = read_events(journal)
    if bar is not None:
        bar.finish(_say(lang, "done"))
    result = summary(events, directory)
    _print_intro(out, directory, scenario, lang)
    out.write(render(result, lang))
    out.write("\n")
    _print_explanation(out, desk, scenario, lang)
    key = "journal_kept" if keep else "journal_gone"
    out.write(_say(lang, key, path=path, n=len(events)) + "\n")
    if keep:
        out.write(_say(lang, "stats_hint") + "\n")
    return result


def _print_intro(out: TextIO, directory: Directory, scenario: Scenario, lang: Lang) -> None:
    active = sum(1 for v in directory.volunteers if v.status is VolunteerStatus.ACTIVE)
    calls = scenario.count(channel=Channel.PHONE_110)
    clues = scenario.count(Kind.CLUE)
    info = scenario.count(Kind.INFO)
    attention = sum(1 for c in scenario.check_ins if c.status is CheckInStatus.ATTENTION)
    lines = [
        _say(
            lang,
            "title",
            name=directory.name,
            start=scenario.start.isoformat(),
            end=scenario.end.isoformat(),
            days=scenario.days,
            seed=scenario.seed,
        ),
        _say(
            lang,
            "org",
            zones=len(directory.zones),
            groups=len(directory.groups),
            officers=len(directory.officers),
            communities=len(directory.communities),
            volunteers=len(directory.volunteers),
            active=active,
            sites=len(directory.sites),
            agencies=len(directory.agencies),
        ),
        _say(
            lang,
            "scenario",
            calls=calls,
            non_emergency=scenario.count(Kind.NON_EMERGENCY, Channel.PHONE_110),
            emergency=scenario.count(Kind.EMERGENCY, Channel.PHONE_110),
            clues=clues,
            others=len(scenario.reports) - calls - clues - info,
            info=info,
        ),
        _say(
            lang,
            "check_ins",
            count=len(scenario.check_ins),
            sites=len({c.site_id for c in scenario.check_ins}),
            attention=attention,
        ),
    ]
    out.write("\n".join(lines) + "\n\n")


def _print_explanation(out: TextIO, desk: Desk, scenario: Scenario, lang: Lang) -> None:
    if not scenario.story:
        return
    incident = desk.incident(scenario.story[0].report_id)
    out.write(_say(lang, "explain") + "\n")
    out.write(f"«{incident.report.text}»\n")
    out.write(incident.decision.explain(lang) + "\n\n")
