"""How many triage decisions per second one core makes on the corpus texts.

Run: ``python benchmarks/triage_speed.py``. Prints the median of several timed rounds over
every corpus report (after a warm-up that also compiles the policy), for ``triage()`` on
prepared reports and for the bare text matcher.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path

from lianfang.model import Report
from lianfang.policy import default_policy
from lianfang.triage import _matcher, triage

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage_corpus.jsonl"
ROUNDS = 15
REPEAT = 20  # passes over the corpus per round


def main() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    reports = [
        Report(id=f"R-{i}", received_at=at, text=row["text"], category=row["category"])
        for i, row in enumerate(rows)
    ]
    policy = default_policy()
    matcher = _matcher(policy)
    texts = [r.text for r in reports]

    def bench(step: object, items: list[object], label: str) -> None:
        for item in items:  # warm-up
            step(item)  # type: ignore[operator]
        rates = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for _ in range(REPEAT):
                for item in items:
                    step(item)  # type: ignore[operator]
            rates.append(REPEAT * len(items) / (time.perf_counter() - start))
        median = statistics.median(rates)
        print(f"{label:<34} {median:>11,.0f} /s   {1e6 / median:6.2f} us each")

    mean_len = statistics.mean(len(t) for t in texts)
    print(f"{len(reports)} corpus reports, mean length {mean_len:.1f} characters")
    print(f"{ROUNDS} rounds x {REPEAT} passes, median rate")
    bench(lambda r: triage(r, policy), list(reports), "triage(report, policy)")
    bench(lambda t: matcher.scan(t, None), list(texts), "text scan only")
    t0 = time.perf_counter()
    policy_cold = type(policy).from_dict(policy.to_dict())
    _matcher(policy_cold)
    print(f"{'policy from_dict + compile':<34} {1e3 * (time.perf_counter() - t0):>11.1f} ms (once)")


if __name__ == "__main__":
    main()
