"""The ``lianfang`` command: ``demo``, ``stats``, ``route``, ``validate``.

A thin shell: it parses arguments, reads and writes files, and calls the library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from lianfang.directory import Directory, load_directory, sample_directory
from lianfang.errors import InvalidValueError, JournalError, LianfangError, ReportError
from lianfang.journal import JSONLinesJournal, SQLiteJournal
from lianfang.model import Report
from lianfang.policy import Policy, default_policy
from lianfang.routing import Router


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args, sys.stdout))
    except LianfangError as exc:
        print(f"lianfang: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lianfang", description="联防 — community joint-prevention routing."
    )
    commands = parser.add_subparsers(metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run four months of the sample county through a desk and print a summary"
    )
    demo.add_argument("--lang", choices=("zh", "en"), default="zh")
    demo.add_argument("--journal", type=Path, help="keep the SQLite journal at this (new) path")
    demo.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    # For quick runs and tests: a shorter period, another seed.
    demo.add_argument("--days", type=int, help=argparse.SUPPRESS)
    demo.add_argument("--seed", type=int, default=2021, help=argparse.SUPPRESS)
    demo.set_defaults(run=_demo)

    stats = commands.add_parser("stats", help="summarise a desk journal (.sqlite or .jsonl)")
    stats.add_argument("journal", type=Path, help="the journal file: .sqlite/.db or .jsonl")
    stats.add_argument("--json", action="store_true", help="print the summary as JSON")
    stats.add_argument("--since", help="only incidents opened at or after this ISO date/time")
    stats.add_argument(
        "--until", help="only what happened before this ISO date/time (a date: its end)"
    )
    stats.add_argument(
        "--directory", type=Path, help="directory JSON for names (default: the sample)"
    )
    stats.add_argument("--lang", choices=("zh", "en"), default="zh")
    stats.add_argument("--top", type=int, default=5, help="how many busiest communities to list")
    stats.set_defaults(run=_stats)

    route = commands.add_parser(
        "route", help="route reports (JSON lines) to decisions (JSON lines)"
    )
    route.add_argument("reports", type=Path, help="a .jsonl file of reports, or - for stdin")
    route.add_argument("--directory", type=Path, help="directory JSON (default: the sample)")
    route.add_argument("--policy", type=Path, help="policy file, JSON or TOML (default: built in)")
    route.add_argument("--output", type=Path, help="write here instead of stdout")
    route.add_argument("--explain", choices=("zh", "en"), help="add a readable explanation")
    route.set_defaults(run=_route)

    validate = commands.add_parser("validate", help="check a directory file and list every problem")
    validate.add_argument("directory", type=Path)
    validate.set_defaults(run=_validate)
    return parser


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from lianfang.demo import run_demo  # the demo pulls in the desk and journals

    run_demo(
        out,
        lang=args.lang,
        journal_path=args.journal,
        progress=None if args.quiet else sys.stderr,
        days=args.days,
        seed=args.seed,
    )
    return 0


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    from lianfang import stats

    directory = load_directory(args.directory) if args.directory else sample_directory()
    since = _parse_time("--since", args.since, directory, end_of_day=False)
    until = _parse_time("--until", args.until, directory, end_of_day=True)
    if args.top < 0:
        raise InvalidValueError([f"--top: must not be negative, got {args.top}"])
    with _open_journal(args.journal) as journal:
        events = stats.read_events(journal)
    summary = stats.summary(events, directory, since=since, until=until, top=args.top)
    if args.json:
        out.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(stats.render(summary, args.lang))
    return 0


def _open_journal(path: Path) -> SQLiteJournal | JSONLinesJournal:
    """The journal adapter for ``path`` by its suffix; the file must exist."""

    suffix = path.suffix.lower()
    if suffix not in (".sqlite", ".sqlite3", ".db", ".jsonl"):
        raise JournalError(
            f"{path}: cannot tell the journal type from the suffix {suffix or '(none)'!r}; "
            "use a .sqlite/.db (SQLite) or .jsonl (JSON lines) file"
        )
    if not path.is_file():
        raise JournalError(f"{path}: no such journal file")
    if suffix == ".jsonl":
        return JSONLinesJournal(path)
    return SQLiteJournal(path)


def _parse_time(
    option: str, text: str | None, directory: Directory, *, end_of_day: bool
) -> dt.datetime | None:
    """An ISO date or date-time; naive ones are in the directory's time zone. A date for
    ``--until`` means the end of that day."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=directory.tz)
        return midnight + dt.timedelta(days=1) if end_of_day else midnight
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(
            [f"{option}: {text!r} is not an ISO date (2021-02-01) or date-time (2021-02-01T08:00)"]
        ) from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=directory.tz)


def _route(args: argparse.Namespace, out: TextIO) -> int:
    directory: Directory = load_directory(args.directory) if args.directory else sample_directory()
    policy = Policy.load(args.policy) if args.policy else default_policy()
    router = Router(directory, policy)
    source = sys.stdin if str(args.reports) == "-" else args.reports.open(encoding="utf-8")
    sink = args.output.open("w", encoding="utf-8") if args.output else out
    failures = 0
    with source, sink if args.output else _NoClose(sink) as target:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                report = Report.from_dict(json.loads(line))
            except (ReportError, json.JSONDecodeError) as exc:
                failures += 1
                detail = str(exc).replace("\n", " ")
                print(f"lianfang: line {number}: {detail}", file=sys.stderr)
                continue
            decision = router.route(report)
            record = decision.to_dict()
            if args.explain:
                record["explanation"] = decision.explain(args.explain)
            target.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 1 if failures else 0


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    directory = load_directory(args.directory)
    out.write(
        f"ok: {directory.name}: {len(directory.zones)} zones, {len(directory.groups)} groups, "
        f"{len(directory.communities)} communities, {len(directory.volunteers)} volunteers\n"
    )
    return 0


class _NoClose:
    """Lets stdout be used in a ``with`` statement without being closed."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __enter__(self) -> TextIO:
        return self.stream

    def __exit__(self, *_: object) -> None:
        self.stream.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
