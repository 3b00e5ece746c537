"""How many triage decisions per second one core makes on the corpus texts.

Run: ``python benchmarks/triage_speed.py``. Each figure is the median of several timed
rounds over every corpus report, after a warm-up that also compiles the policy:

* ``triage, first sight``: the memo of recent results is emptied before every call, so
  every report is scanned and decided from scratch (the figure that matters for texts
  never seen before);
* ``triage, repeated texts``: the corpus again and again, so results come from the memo
  (real 110 texts repeat a lot: "开锁。", "有人打架。");
* ``text scan only``: the pattern matching alone, without the decision.

A reference figure (``str.translate`` of the same texts) is printed too: the machine may
be shared, and ratios to it are steadier than absolute rates.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lianfang.model import Report
from lianfang.policy import default_policy
from lianfang.triage import _matcher, triage

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage_corpus.jsonl"
ROUNDS = 15
REPEAT = 10  # passes over the corpus per round


def rate(step: Callable[[Any], object], items: list[Any]) -> float:
    for item in items:  # warm-up
        step(item)
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(REPEAT):
            for item in items:
                step(item)
        rates.append(REPEAT * len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def show(label: str, per_second: float) -> None:
    print(f"{label:<30} {per_second:>11,.0f} /s   {1e6 / per_second:6.2f} us each")


def main() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    reports = [
        Report(id=f"R-{i}", received_at=at, text=row["text"], category=row["category"])
        for i, row in enumerate(rows)
    ]
    started = time.perf_counter()
    policy = default_policy()
    matcher = _matcher(policy)
    compile_ms = 1e3 * (time.perf_counter() - started)
    memo = matcher.memo

    def first_sight(report: Report) -> object:
        memo.clear()
        return triage(report, policy)

    texts = [r.text for r in reports]
    mean_length = statistics.mean(len(t) for t in texts)
    print(f"{len(reports)} corpus reports, mean length {mean_length:.1f} characters")
    print(f"median of {ROUNDS} rounds x {REPEAT} passes\n")
    show("triage, first sight", rate(first_sight, reports))
    show("triage, repeated texts", rate(lambda r: triage(r, policy), reports))
    show("text scan only", rate(lambda t: matcher.scan(t, None), texts))
    table = {0xFF0C: 0x2C}
    show("reference: str.translate", rate(lambda t: t.translate(table), texts))
    print(f"\nload and compile the default policy: {compile_ms:.0f} ms (once per policy)")


if __name__ == "__main__":
    main()
