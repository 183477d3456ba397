"""Rater-output parsing: this project's `parse_rating` beside the AlpaGasus reference parser.

The reference (gpt4life/alpagasus, `parse_score`) reads a float from the first line, else splits on
'score:'/'Score:', else logs and returns -1, a silent default that a threshold filter then treats as
a real (low) score; a malformed float after 'Score:' raises. This script runs both over a fixed
corpus of rater outputs in the shapes GPT-style raters produce, each labelled with the score a human
reads in it (None = no score is stated), and prints correct / wrong / silent-default / crash counts
and parse throughput side by side.

    .venv/bin/python benchmarks/quality_rating_parser.py
"""

from __future__ import annotations

import time

from mammoth_assets.core.alpagasus import parse_rating

# (rater output, the score a reader finds in it; None when no score is given)
CORPUS: list[tuple[str, float | None]] = [
    ("4.5\nThe response accurately lists the steps.", 4.5),
    ("5\nPerfectly accurate.", 5.0),
    ("3.5", 3.5),
    ("\n4\nMostly right but misses the input.", 4.0),
    ("Score: 4.5\nThe answer is correct.", 4.5),
    ("score: 3\nPartially correct.", 3.0),
    ("**4.5**\nAccurate and complete.", 4.5),
    ("4.5/5\nGood.", 4.5),
    ("4 out of 5\nMinor issue.", 4.0),
    ("Rating: 4\nThe response is fine.", 4.0),
    ("The response is correct and complete.\nScore: 5", 5.0),
    ("The response ignores the input.\n\nScore: 2.5", 2.5),
    ("I would rate this response 4 out of 5 for accuracy.", 4.0),
    ("Overall rating: 8/10", 4.0),
    ("Score: 4.5/5", 4.5),
    ("Score: **4**", 4.0),
    ("The assistant's answer is wrong.", None),
    ("", None),
    ("As an AI language model, I cannot rate this.", None),
    ("Score: N/A\nThe instruction is unclear.", None),
    ("7\nExcellent.", None),  # outside the 0-5 scale: no valid score
]


def reference_parse_score(review: str) -> float:
    """The AlpaGasus repository's parser, verbatim in behaviour."""
    try:
        score = float(review.split("\n")[0])
    except Exception:
        if "score:" in review:
            score = float(review.split("score:")[1].split("\n")[0])
        elif "Score:" in review:
            score = float(review.strip().split("Score:")[1].strip().split("\n")[0])
        else:
            score = -1
    return score


def grade(parse, corpus):
    tally = {"correct": 0, "wrong_score": 0, "silent_default": 0, "crash": 0, "recorded_failure": 0}
    for text, expected in corpus:
        try:
            got = parse(text)
        except Exception:
            tally["crash"] += 1
            continue
        if got is None:
            tally["recorded_failure" if expected is None else "wrong_score"] += 1
            if expected is None:
                tally["correct"] += 1
        elif got == -1:
            tally["silent_default"] += 1
        elif expected is not None and abs(got - expected) < 1e-9:
            tally["correct"] += 1
        else:
            tally["wrong_score"] += 1
    return tally


def throughput(parse, corpus, repeats: int = 2000) -> float:
    texts = [t for t, _ in corpus]
    started = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            try:
                parse(text)
            except Exception:
                pass
    return repeats * len(texts) / (time.perf_counter() - started)


def ours(text: str) -> float | None:
    return parse_rating(text).score


def main() -> None:
    rows = [
        ("alpagasus reference", grade(reference_parse_score, CORPUS), throughput(reference_parse_score, CORPUS)),
        ("mammoth parse_rating", grade(ours, CORPUS), throughput(ours, CORPUS)),
    ]
    print(f"{len(CORPUS)} rater outputs ({sum(e is None for _, e in CORPUS)} without a valid score)\n")
    header = f"{'parser':22} {'correct':>8} {'wrong':>6} {'silent -1':>10} {'crash':>6} {'parses/s':>10}"
    print(header)
    print("-" * len(header))
    for name, tally, rate in rows:
        print(f"{name:22} {tally['correct']:>8} {tally['wrong_score']:>6} {tally['silent_default']:>10} "
              f"{tally['crash']:>6} {rate:>10.0f}")


if __name__ == "__main__":
    main()
