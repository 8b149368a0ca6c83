"""Benchmark: the language analyser on 100 pages (~50,000 words) of guidance text.

Builds the text in memory from the discussion paper (tests/reference/vocab) and the
hand-labelled guidance sentences, about 500 words a page, and times in one process:

* baseline: a bare case-insensitive regular expression counting the family forms over
  the same text (no reading, sentences, parts of speech or guidance finder);
* the analyser: reading the text as a document and ``analyse_documents`` with the rules
  (counts, parts of speech, sections, concordance and role-only guidance).

The figures to quote are the analyser's median time and its ratio to the baseline; the
target is under 2 s for 100 pages.

    python bench/vocab_speed.py [--pages 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time
from pathlib import Path

from colead.vocab import analyse_documents, load_families
from colead.vocab.readers import read_document
from colead.vocab.text import count_words

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference" / "vocab"
WORDS_PER_PAGE = 500


def build_text(pages: int) -> str:
    """About ``pages`` × 500 words: the paper and the labelled sentences, repeated, with a
    numbered clause heading per page."""
    paper = (REFERENCE / "collaborative-leadership-discussion-paper.txt").read_text("utf-8")
    with (REFERENCE / "ambiguous_forms_labelled.csv").open(encoding="utf-8") as handle:
        sentences = list(dict.fromkeys(row["sentence"] for row in csv.DictReader(handle)))
    words = (paper + "\n\n" + " ".join(sentences)).split()
    out: list[str] = []
    position = 0
    for page in range(1, pages + 1):
        chunk = [words[(position + i) % len(words)] for i in range(WORDS_PER_PAGE)]
        position += WORDS_PER_PAGE
        out.append(f"{page} Clause {page}\n" + " ".join(chunk))
    return "\n\n".join(out)


def _median_seconds(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    families = load_families()
    forms = frozenset(families.family_of())
    text = build_text(args.pages)
    data = text.encode("utf-8")
    alternatives = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    bare = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)

    def baseline() -> int:
        return len(bare.findall(text))

    def analyser() -> int:
        document = read_document("bench.txt", data, forms)
        report = analyse_documents([document], families)
        return sum(c.count for c in report.overall.values())

    assert baseline() >= analyser() > 0  # the bare count also takes "LED" and the like
    base = _median_seconds(baseline, args.repeat)
    full = _median_seconds(analyser, args.repeat)
    print(f"text: {args.pages} pages, {count_words(text):,} words, {len(data):,} bytes")
    print(f"family words: {analyser():,} (bare regex: {baseline():,})")
    print(f"baseline (bare regex count): {base * 1000:.1f} ms (median of {args.repeat})")
    print(f"analyser (rules, all outputs): {full * 1000:.0f} ms (median of {args.repeat})")
    print(f"ratio analyser / baseline: {full / base:.0f}×")
    print(f"target < 2 s for 100 pages: {'met' if full < 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
