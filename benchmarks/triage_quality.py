"""Triage quality on the labelled corpus: confusion matrix, per-kind precision and recall.

Run: ``python benchmarks/triage_quality.py [corpus.jsonl] [--errors]``. The corpus defaults
to ``tests/data/triage_corpus.jsonl`` (``tests/data/triage_heldout.jsonl`` holds reports
written apart from the rules): one JSON object per line with ``text``,
``category`` (a code or null), ``kind`` (the expected kind), ``lang`` and an optional
``note``. ``--errors`` also lists every misclassified report.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from lianfang.model import Kind
from lianfang.policy import default_policy
from lianfang.triage import triage_text

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage_corpus.jsonl"
ORDER = [Kind.EMERGENCY, Kind.CLUE, Kind.NON_EMERGENCY, Kind.INFO]
SHORT = {
    Kind.EMERGENCY: "EMERG",
    Kind.CLUE: "CLUE",
    Kind.NON_EMERGENCY: "NON_EM",
    Kind.INFO: "INFO",
}


def main(argv: list[str]) -> None:
    paths = [a for a in argv if not a.startswith("--")]
    corpus = Path(paths[0]) if paths else CORPUS
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line]
    policy = default_policy()
    confusion: Counter[tuple[Kind, Kind]] = Counter()
    errors = []
    by_lang: Counter[tuple[str, bool]] = Counter()
    reviews = 0
    by_fallback = []  # emergencies that no rule recognised: only the "unclear" fallback caught them
    for row in rows:
        expected = Kind(row["kind"])
        result = triage_text(row["text"], policy, category=row["category"])
        confusion[expected, result.kind] += 1
        by_lang[row["lang"], expected is result.kind] += 1
        reviews += result.needs_review
        caught = expected is Kind.EMERGENCY and result.kind is Kind.EMERGENCY
        if caught and "fallback.unclear" in result.reasons:
            by_fallback.append(row["text"])
        if expected is not result.kind:
            errors.append((row, result))

    print(f"corpus: {corpus} ({len(rows)} reports)\n")
    print("rows: expected, columns: predicted")
    print(" " * 8 + "".join(f"{SHORT[k]:>8}" for k in ORDER) + f"{'total':>8}")
    for expected in ORDER:
        cells = [confusion[expected, predicted] for predicted in ORDER]
        print(f"{SHORT[expected]:<8}" + "".join(f"{c:>8}" for c in cells) + f"{sum(cells):>8}")
    print()
    print(f"{'kind':<8}{'precision':>10}{'recall':>10}{'support':>9}")
    for kind in ORDER:
        true = confusion[kind, kind]
        predicted = sum(confusion[e, kind] for e in ORDER)
        actual = sum(confusion[kind, p] for p in ORDER)
        precision = true / predicted if predicted else float("nan")
        recall = true / actual if actual else float("nan")
        print(f"{SHORT[kind]:<8}{precision:>10.3f}{recall:>10.3f}{actual:>9}")
    correct = sum(confusion[k, k] for k in ORDER)
    print(f"\naccuracy: {correct / len(rows):.3f} ({correct}/{len(rows)})")
    for lang in sorted({lang for lang, _ in by_lang}):
        right, wrong = by_lang[lang, True], by_lang[lang, False]
        print(f"  {lang}: {right / (right + wrong):.3f} ({right}/{right + wrong})")
    print(f"marked for review: {reviews}")
    print(f"emergencies caught only by the fallback (no rule): {len(by_fallback)}")
    if "--errors" in argv:
        for text in by_fallback:
            print(f"  caught only by the fallback: {text}")
        print("\nmisclassified:")
        for row, result in errors:
            print(
                f"  expected {row['kind']:<13} got {result.kind.value:<13} "
                f"[{row['category'] or '-'}] {row['text']}  <- {', '.join(result.reasons)}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
