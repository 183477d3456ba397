"""Exact and near-duplicate removal for QA pairs (exact: normalized question; near: MinHash LSH).

Signatures are computed for all rows at once (shingles hashed in polars, the 128 permutations
applied with numpy), then an LSH banding index (band count from datasketch's optimal split for
the threshold) proposes candidates whose estimated similarity is verified against the threshold.

Rows are visited in the order given (callers sort them so the preferred copy comes first) and a
row is dropped when it duplicates a row already kept. Rows that share a `group` (the several
refinements of one extracted pair, which the paper keeps side by side) are never duplicates of
each other unless their question and answer are identical.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from datasketch.lsh import _optimal_param  # band/row split minimizing FP + FN weight (datasketch)

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class DedupRow:
    row_id: str
    group: str  # rows of one group (one source pair) are kept side by side
    question: str
    answer: str


@dataclass(frozen=True)
class DedupDecision:
    row_id: str
    kept: bool
    reason: str  # "", "exact_duplicate", "near_duplicate", "identical_in_group"
    duplicate_of: str | None
    similarity: float | None = None


def normalize_text(text: str) -> str:
    """Lower case, NFKC, punctuation and spacing removed: the exact-duplicate key."""
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower()))


def shingles(text: str, size: int = 3) -> set[bytes]:
    words = normalize_text(text).split()
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


_MAX = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multiply-shift hash functions h -> (a*h + b mod 2^64) >> 32 with odd 64-bit a: no modulo,
    so applying 128 of them to every shingle is a few vectorized integer ops."""
    rng = np.random.RandomState(seed)
    a = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def signatures(texts: Sequence[str], num_perm: int = 128, shingle_size: int = 3, seed: int = 1,
               chunk_shingles: int = 50_000) -> np.ndarray:  # fmt: skip
    """MinHash signatures (rows x num_perm, uint64) of many texts at once: shingles hashed in
    polars, permutations applied and min-reduced with numpy in bounded chunks."""
    a, b = _permutations(num_perm, seed)
    shingle_sets = [sorted(shingles(text, shingle_size)) for text in texts]
    lengths = np.fromiter((len(x) for x in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    out = np.full((len(texts), num_perm), _MAX, dtype=np.uint64)
    if not lengths.sum():
        return out
    flat = pl.Series([x for group in shingle_sets for x in group], dtype=pl.Binary).hash(seed=seed)
    hashes = flat.to_numpy().astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    row = 0
    while row < len(texts):  # rows whose shingles fit one chunk
        last = int(np.searchsorted(ends, starts[row] + chunk_shingles, side="right"))
        last = max(last, row + 1)
        lo, hi = int(starts[row]), int(ends[last - 1])
        if hi > lo:
            with np.errstate(over="ignore"):
                values = (hashes[lo:hi, None] * a + b) >> _SHIFT
            rows = np.arange(row, last)
            nonempty = rows[lengths[row:last] > 0]
            out[nonempty] = np.minimum.reduceat(values, starts[nonempty] - lo, axis=0)
        row = last
    return out


class Signature:
    """One text's MinHash signature; `jaccard` estimates the Jaccard similarity of shingle sets."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def jaccard(self, other: Signature) -> float:
        return float(np.mean(self.values == other.values))


def minhash(text: str, num_perm: int = 128, shingle_size: int = 3, seed: int = 1) -> Signature:
    return Signature(signatures([text], num_perm, shingle_size, seed)[0])


def deduplicate(
    rows: Iterable[DedupRow],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 3,
    near_text: str = "question_answer",
) -> list[DedupDecision]:
    """One decision per row, in input order.

    `near_text` chooses what the MinHash compares: "question" or "question_answer". A row is a
    near duplicate when an LSH candidate from another group has an estimated Jaccard similarity
    of at least `threshold` (candidates below it are LSH false positives and do not count)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    if near_text not in ("question", "question_answer"):
        raise ValueError("near_text must be 'question' or 'question_answer'")
    rows = list(rows)
    texts = [r.question if near_text == "question" else f"{r.question}\n{r.answer}" for r in rows]
    sig = signatures(texts, num_perm, shingle_size)
    bands, width = _optimal_param(threshold, num_perm, 0.5, 0.5)
    tables: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    exact: dict[str, tuple[str, str]] = {}  # normalized question -> (group, first kept row id)
    kept_pairs: dict[tuple[str, str, str], str] = {}  # (group, question, answer) -> row id
    decisions: list[DedupDecision] = []
    for i, row in enumerate(rows):
        question, answer = normalize_text(row.question), normalize_text(row.answer)
        identical = kept_pairs.get((row.group, question, answer))
        if identical is not None:
            decisions.append(DedupDecision(row.row_id, False, "identical_in_group", identical, 1.0))
            continue
        first = exact.get(question)
        if first is not None and first[0] != row.group:
            decisions.append(DedupDecision(row.row_id, False, "exact_duplicate", first[1], 1.0))
            continue
        keys = [sig[i, band * width : (band + 1) * width].tobytes() for band in range(bands)]
        candidates = {
            j
            for band, key in enumerate(keys)
            for j in tables[band].get(key, ())
            if rows[j].group != row.group
        }
        if candidates:
            others = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
            similarity = (sig[others] == sig[i]).mean(axis=1)
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                decisions.append(
                    DedupDecision(
                        row.row_id,
                        False,
                        "near_duplicate",
                        rows[int(others[best])].row_id,
                        float(similarity[best]),
                    )
                )
                continue
        exact.setdefault(question, (row.group, row.row_id))
        kept_pairs[(row.group, question, answer)] = row.row_id
        for band, key in enumerate(keys):
            tables[band].setdefault(key, []).append(i)
        decisions.append(DedupDecision(row.row_id, True, "", None))
    return decisions


def duplicate_rate(rows: Iterable[DedupRow]) -> float:
    """Share of rows whose normalized question already appeared in another group (a residual
    check on a deduplicated table: should be 0)."""
    seen: dict[str, str] = {}
    total = duplicates = 0
    for row in rows:
        total += 1
        key = normalize_text(row.question)
        owner = seen.setdefault(key, row.group)
        if owner != row.group:
            duplicates += 1
    return duplicates / total if total else 0.0
