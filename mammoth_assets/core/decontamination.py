"""Benchmark decontamination by word n-gram overlap (MAmmoTH2: any shared 10-gram removes a page).

Text is normalized (Unicode NFKC, lower case, words = runs of letters/digits) so markup,
punctuation and spacing differences do not hide a copy. Tokenizing and word hashing run in Rust
(polars) over all texts at once, and the n-gram hashes are rolled with vectorized uint64
arithmetic, so indexing all benchmark items (tens of thousands, a million n-grams) takes seconds. The index is a sorted
uint64 array with a parallel array naming the benchmark item each n-gram came from; lookups
are `searchsorted`. Built indexes are cached on disk under a key made of the benchmark files'
content hashes, the benchmark names, n and the normalization version.

Question and answer of an item are separate segments: n-grams never span the two.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

# Word hashes come from polars, whose hash is stable only within a version: the version is part
# of every on-disk index's cache key.
NORMALIZATION_VERSION = f"v2-polars{pl.__version__}"
HASH_SEED = 0x6D616D6D
_WORD = re.compile(r"\w+", re.UNICODE)
_ROLL = np.uint64(0x100000001B3)  # FNV prime: any odd 64-bit multiplier works


@dataclass(frozen=True)
class BenchmarkText:
    """One text segment (question, choices or answer) of one benchmark item."""

    benchmark: str
    item_id: str
    text: str


@dataclass(frozen=True)
class ContaminationMatch:
    benchmark: str
    item_id: str
    ngram: str  # the normalized words shared with the benchmark item


def normalize_words(text: str) -> list[str]:
    """The words n-grams are made of (the Python twin of `tokenize`, for one text)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").lower())


def tokenize(texts: Sequence[str]) -> pl.Series:
    """Normalized words of each text, in Rust (polars): NFKC, lower case, `\\w+` runs."""
    series = pl.Series("text", list(texts), dtype=pl.String).fill_null("")
    return series.str.normalize("NFKC").str.to_lowercase().str.extract_all(r"\w+")


def window_hashes(words: pl.Series, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n-gram hashes of every text's words in one vectorized pass: the hashes, the text each
    window belongs to and its word position. Windows never cross texts."""
    lengths = words.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = words.explode().drop_nulls()
    if len(flat) != int(lengths.sum()):  # defensive: explode semantics for empty lists
        flat = words.list.eval(pl.element()).explode().drop_nulls()
    if len(flat) < n:
        empty = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=np.uint64), empty, empty
    hashed = flat.hash(seed=HASH_SEED).to_numpy().astype(np.uint64, copy=False)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    rolled = rolling_ngram_hashes(hashed, n)
    windows = np.nonzero(owner[: len(rolled)] == owner[n - 1 :])[0]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return rolled[windows], owner[windows], windows - starts[owner[windows]]


def rolling_ngram_hashes(word_hashes: np.ndarray, n: int) -> np.ndarray:
    """Hash of every window of n consecutive words (uint64, wrapping arithmetic)."""
    count = len(word_hashes) - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        rolled = np.zeros(count, dtype=np.uint64)
        for offset in range(n):
            rolled = rolled * _ROLL + word_hashes[offset : offset + count]
    return rolled


class ContaminationIndex:
    """Sorted n-gram hashes of benchmark texts, each mapped to the item it came from."""

    def __init__(
        self, n: int, hashes: np.ndarray, owners: np.ndarray, items: list[tuple[str, str]]
    ):
        self.n = n
        self.hashes = hashes
        self.owners = owners
        self.items = items

    @classmethod
    def build(cls, texts: Iterable[BenchmarkText], n: int = 10) -> ContaminationIndex:
        if n < 1:
            raise ValueError("n must be >= 1")
        item_index: dict[tuple[str, str], int] = {}
        segment_owner: list[int] = []
        segment_texts: list[str] = []
        for segment in texts:
            key = (segment.benchmark, str(segment.item_id))
            segment_owner.append(item_index.setdefault(key, len(item_index)))
            segment_texts.append(segment.text)
        hashes, segment_of, _ = window_hashes(tokenize(segment_texts), n)
        owners = (
            np.asarray(segment_owner, dtype=np.int32)[segment_of]
            if len(hashes)
            else np.empty(0, dtype=np.int32)
        )
        order = np.argsort(hashes, kind="stable")
        hashes, owners = hashes[order], owners[order]
        keep = np.ones(len(hashes), dtype=bool)
        keep[1:] = hashes[1:] != hashes[:-1]  # first owner of each n-gram is enough
        items = [None] * len(item_index)
        for key, position in item_index.items():
            items[position] = key
        return cls(n, hashes[keep], owners[keep], items)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def item_count(self) -> int:
        return len(self.items)

    def first_matches(self, texts: Sequence[str]) -> list[ContaminationMatch | None]:
        """The first benchmark n-gram found in each text (None when clean), in one vectorized pass."""
        words = tokenize(texts)
        found: list[ContaminationMatch | None] = [None] * len(texts)
        grams, text_of, position = window_hashes(words, self.n)
        if not len(grams) or not len(self.hashes):
            return found
        slots = np.minimum(np.searchsorted(self.hashes, grams), len(self.hashes) - 1)
        for window in np.nonzero(self.hashes[slots] == grams)[0]:  # in text order, then position
            text = int(text_of[window])
            if found[text] is None:
                benchmark, item_id = self.items[int(self.owners[slots[window]])]
                start = int(position[window])
                found[text] = ContaminationMatch(
                    benchmark, item_id, " ".join(words[text].to_list()[start : start + self.n])
                )
        return found

    def first_match(self, text: str) -> ContaminationMatch | None:
        return self.first_matches([text])[0]

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, hashes=self.hashes, owners=self.owners, n=np.array([self.n]),
                 items=np.array(json.dumps(self.items)))  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ContaminationIndex:
        with np.load(path) as data:
            items = [tuple(item) for item in json.loads(str(data["items"]))]
            return cls(int(data["n"][0]), data["hashes"], data["owners"], items)  # type: ignore[arg-type]


# -- benchmark items -> text segments -----------------------------------------------------------
_ANSWER_EXTRA_KEYS = ("solution", "rationale", "answer", "explanation", "target")


def segments_of_item(item: Any) -> list[BenchmarkText]:
    """Question, choices and answer texts of a `BenchmarkItem` (evaluation engineer's type:
    fields benchmark, item_id, question, choices, reference, extra)."""
    benchmark, item_id = str(item.benchmark), str(item.item_id)
    texts = [item.question or ""]
    choices = getattr(item, "choices", None) or []
    texts.extend(str(choice) for choice in choices)
    texts.append(str(item.reference) if item.reference is not None else "")
    extra = getattr(item, "extra", None) or {}
    texts.extend(str(extra[key]) for key in _ANSWER_EXTRA_KEYS if isinstance(extra.get(key), str))
    return [BenchmarkText(benchmark, item_id, text) for text in texts if text.strip()]


def files_fingerprint(root: Path) -> str:
    """SHA-256 over the relative paths and contents of every file under `root`."""
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def index_cache_key(
    benchmarks: Sequence[str], n: int, fingerprint: str, split: str = "test"
) -> str:
    payload = json.dumps(
        {"benchmarks": sorted(benchmarks), "n": n, "split": split, "data": fingerprint,
         "normalization": NORMALIZATION_VERSION}, sort_keys=True)  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def cached_index(
    cache_dir: Path,
    key: str,
    load_texts: callable[[], Iterable[BenchmarkText]],  # type: ignore[valid-type]
    n: int,
) -> tuple[ContaminationIndex, bool]:
    """The index stored under `key`, or a fresh one built from `load_texts()` and stored.

    Returns (index, was_cached)."""
    path = Path(cache_dir) / f"ngram-index-{key}.npz"
    if path.exists():
        try:
            return ContaminationIndex.load(path), True
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a torn or stale cache file: rebuild it
    index = ContaminationIndex.build(load_texts(), n=n)
    index.save(path)
    return index, False
