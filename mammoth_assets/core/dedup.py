"""Exact and near-duplicate removal for QA pairs: the pure parts (normalization, shingles, MinHash
signatures, LSH band keys, exact-Jaccard verification of candidate pairs).

The pipeline that scales (`mammoth_assets.steps.near_dedup`) keeps signatures in the warehouse
as one row per (row, band) with the band's hash, finds candidate pairs by joining rows that share
a bucket (SQL), verifies every candidate by exact Jaccard on the shingle sets (Python, streamed in
batches) and decides in SQL, so no step holds all rows in memory. The banding favours recall: a
missed pair is a duplicate left in the data, a false candidate only costs one exact check.

Decisions follow the order given (callers sort rows so the preferred copy comes first): a row is
dropped when it duplicates a row that is kept. Rows that share a `group` (the several refinements
of one extracted pair, which the paper keeps side by side) are never duplicates of each other
unless their question and answer are identical.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

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


# Edge reasons, by priority when a row duplicates several kept rows.
IDENTICAL_IN_GROUP, EXACT_DUPLICATE, NEAR_DUPLICATE = "identical_in_group", "exact_duplicate", "near_duplicate"
QUESTION_BAND = -1  # the bucket of a row's normalized question: exact duplicates are candidates too
_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_params(threshold: float, num_perm: int, target_recall: float = 0.995) -> tuple[int, int]:
    """(bands, rows per band) with the most rows per band (fewest false candidates) whose chance
    of making a pair at exactly `threshold` a candidate, 1 - (1 - t^r)^b, reaches `target_recall`.
    For t = 0.8 and 128 permutations: 21 x 6 (0.998); datasketch's default split (9 x 13, equal
    weights) reaches 0.58 there, which is why recall against exact Jaccard was 0.75."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= target_recall:
            return bands, rows
    return num_perm, 1


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: one hash per band of each signature (64-bit, so distinct band contents
    practically never share a bucket)."""
    if bands * rows > sig.shape[1]:
        raise ValueError(f"{bands} x {rows} bands need {bands * rows} permutations, have {sig.shape[1]}")
    rng = np.random.RandomState(7)
    weights = rng.randint(1, 2**63, size=rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    shaped = sig[:, : bands * rows].reshape(len(sig), bands, rows)
    with np.errstate(over="ignore"):
        mixed = (shaped * weights).sum(axis=2, dtype=np.uint64)
        mixed ^= mixed >> np.uint64(31)  # splitmix64 finalizer
        mixed *= _MIX
        mixed ^= mixed >> np.uint64(29)
    return mixed


def text_keys(texts: Sequence[str], seed: int = 1) -> np.ndarray:
    """uint64 hash of each text's normalized form (the exact-duplicate bucket)."""
    normalized = pl.Series([normalize_text(t) for t in texts], dtype=pl.String)
    return normalized.hash(seed=seed).to_numpy().astype(np.uint64)


@dataclass(frozen=True)
class SignatureSpec:
    """What a stored signature means: all of it must match for buckets to be comparable."""

    num_perm: int = 128
    bands: int = 21
    rows: int = 6
    shingle_size: int = 3
    near_text: str = "question_answer"
    seed: int = 1

    def __post_init__(self) -> None:
        if self.near_text not in ("question", "question_answer"):
            raise ValueError("near_text must be 'question' or 'question_answer'")
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"{self.bands} x {self.rows} bands need more than {self.num_perm} permutations")

    @property
    def label(self) -> str:
        return (f"minhash-p{self.num_perm}-b{self.bands}x{self.rows}-w{self.shingle_size}"
                f"-{self.near_text}-s{self.seed}")  # fmt: skip

    @classmethod
    def from_label(cls, label: str) -> SignatureSpec:
        match = re.fullmatch(r"minhash-p(\d+)-b(\d+)x(\d+)-w(\d+)-(question_answer|question)-s(\d+)", label)
        if match is None:
            raise ValueError(f"not a signature label: {label!r}")
        perm, bands, rows, width, text, seed = match.groups()
        return cls(int(perm), int(bands), int(rows), int(width), text, int(seed))

    def near(self, question: str, answer: str) -> str:
        return question if self.near_text == "question" else f"{question}\n{answer}"


def bucket_frame(
    item_ids: Sequence[str], questions: Sequence[str], answers: Sequence[str], spec: SignatureSpec
) -> pl.DataFrame:
    """One row per (row, band): its bucket, plus the question bucket (band -1). Rows without any
    shingle get no MinHash bands (their all-empty signatures would all share one bucket)."""
    texts = [spec.near(q or "", a or "") for q, a in zip(questions, answers)]
    sig = signatures(texts, spec.num_perm, spec.shingle_size, spec.seed)
    keys = band_keys(sig, spec.bands, spec.rows)
    has_shingles = (sig != _MAX).any(axis=1)
    ids = np.asarray(item_ids, dtype=object)
    band_ids = np.repeat(ids[has_shingles], spec.bands)
    bands = np.tile(np.arange(spec.bands, dtype=np.int16), int(has_shingles.sum()))
    minhash = pl.DataFrame(
        {"item_id": band_ids, "band": bands, "bucket": keys[has_shingles].reshape(-1)},
        schema={"item_id": pl.String, "band": pl.Int16, "bucket": pl.UInt64},
    )
    question = pl.DataFrame(
        {"item_id": list(item_ids), "band": np.full(len(item_ids), QUESTION_BAND, dtype=np.int16),
         "bucket": text_keys(questions, spec.seed)},
        schema={"item_id": pl.String, "band": pl.Int16, "bucket": pl.UInt64},
    )  # fmt: skip
    return pl.concat([question, minhash])


def jaccard(a: set, b: set) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def verify_pairs(pairs: pl.DataFrame, threshold: float, spec: SignatureSpec) -> pl.DataFrame:
    """Edges among candidate pairs (columns a_id, b_id, a_group, b_group, a_question, a_answer,
    b_question, b_answer), by exact rules: same group and identical normalized question and answer
    -> identical_in_group; different groups and identical normalized question -> exact_duplicate;
    different groups and exact Jaccard of the shingle sets >= threshold -> near_duplicate."""
    out: dict[str, list] = {"a_id": [], "b_id": [], "reason": [], "similarity": []}
    for row in pairs.iter_rows(named=True):
        aq, bq = normalize_text(row["a_question"]), normalize_text(row["b_question"])
        if row["a_group"] == row["b_group"]:
            if aq == bq and normalize_text(row["a_answer"]) == normalize_text(row["b_answer"]):
                reason, similarity = IDENTICAL_IN_GROUP, 1.0
            else:
                continue
        elif aq == bq:
            reason, similarity = EXACT_DUPLICATE, 1.0
        else:
            similarity = jaccard(
                shingles(spec.near(row["a_question"] or "", row["a_answer"] or ""), spec.shingle_size),
                shingles(spec.near(row["b_question"] or "", row["b_answer"] or ""), spec.shingle_size),
            )
            if similarity < threshold:
                continue
            reason = NEAR_DUPLICATE
        out["a_id"].append(row["a_id"])
        out["b_id"].append(row["b_id"])
        out["reason"].append(reason)
        out["similarity"].append(similarity)
    return pl.DataFrame(
        out, schema={"a_id": pl.String, "b_id": pl.String, "reason": pl.String, "similarity": pl.Float64}
    )


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
