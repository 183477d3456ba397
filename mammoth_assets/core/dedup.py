"""Exact and near-duplicate removal for QA pairs (exact: normalized question; near: MinHash LSH).

Rows are visited in the order given (callers sort them so the preferred copy comes first) and a
row is dropped when it duplicates a row already kept. Rows that share a `group` (the several
refinements of one extracted pair, which the paper keeps side by side) are never duplicates of
each other unless their question and answer are identical.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

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


def _xxh32(data: bytes) -> int:
    return xxhash.xxh32_intdigest(data)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int):
    # Building the permutations is most of MinHash()'s cost: do it once per (num_perm, seed).
    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations


def minhash(text: str, num_perm: int = 128, shingle_size: int = 3, seed: int = 1) -> LeanMinHash:
    signature = MinHash(
        num_perm=num_perm, seed=seed, hashfunc=_xxh32, permutations=_permutations(num_perm, seed),
        scheme="affine32",
    )
    signature.update_batch(list(shingles(text, shingle_size)))
    return LeanMinHash(signature)


def deduplicate(
    rows: Iterable[DedupRow],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 3,
    near_text: str = "question_answer",
) -> list[DedupDecision]:
    """One decision per row, in input order.

    `near_text` chooses what the MinHash compares: "question" or "question_answer"."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    if near_text not in ("question", "question_answer"):
        raise ValueError("near_text must be 'question' or 'question_answer'")
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    exact: dict[str, tuple[str, str]] = {}  # normalized question -> (group, first kept row id)
    kept_pairs: dict[tuple[str, str, str], str] = {}  # (group, question, answer) -> row id
    kept_group: dict[str, str] = {}
    signatures: dict[str, LeanMinHash] = {}
    decisions: list[DedupDecision] = []
    for row in rows:
        question, answer = normalize_text(row.question), normalize_text(row.answer)
        identical = kept_pairs.get((row.group, question, answer))
        if identical is not None:
            decisions.append(DedupDecision(row.row_id, False, "identical_in_group", identical, 1.0))
            continue
        first = exact.get(question)
        if first is not None and first[0] != row.group:
            decisions.append(DedupDecision(row.row_id, False, "exact_duplicate", first[1], 1.0))
            continue
        signature = minhash(
            row.question if near_text == "question" else f"{row.question}\n{row.answer}",
            num_perm, shingle_size,
        )  # fmt: skip
        near = [
            other for other in lsh.query(signature) if kept_group[other] != row.group
        ]
        if near:
            best = max(near, key=lambda other: signature.jaccard(signatures[other]))
            decisions.append(
                DedupDecision(row.row_id, False, "near_duplicate", best, signature.jaccard(signatures[best]))
            )
            continue
        exact.setdefault(question, (row.group, row.row_id))
        kept_pairs[(row.group, question, answer)] = row.row_id
        kept_group[row.row_id] = row.group
        signatures[row.row_id] = signature
        lsh.insert(row.row_id, signature)
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
