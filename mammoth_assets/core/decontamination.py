"""Benchmark decontamination by word n-gram overlap (MAmmoTH2: any shared 10-gram removes a page).

Text is normalized (Unicode NFKC, lower case, words = runs of letters/digits) so markup,
punctuation and spacing differences do not hide a copy. Every word is hashed once (a vocabulary
cache), and the n-gram hashes are rolled with vectorized uint64 arithmetic, so indexing all
benchmark items (tens of thousands, millions of n-grams) takes seconds. The index is a sorted
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import xxhash

NORMALIZATION_VERSION = "v1"
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
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").lower())


class _WordHasher:
    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def hashes(self, words: Sequence[str]) -> np.ndarray:
        cache = self._cache
        out = np.empty(len(words), dtype=np.uint64)
        for i, word in enumerate(words):
            value = cache.get(word)
            if value is None:
                value = cache[word] = xxhash.xxh64_intdigest(word.encode("utf-8"))
            out[i] = value
        return out


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

    def __init__(self, n: int, hashes: np.ndarray, owners: np.ndarray, items: list[tuple[str, str]]):
        self.n = n
        self.hashes = hashes
        self.owners = owners
        self.items = items
        self._hasher = _WordHasher()

    @classmethod
    def build(cls, texts: Iterable[BenchmarkText], n: int = 10) -> "ContaminationIndex":
        if n < 1:
            raise ValueError("n must be >= 1")
        hasher = _WordHasher()
        item_index: dict[tuple[str, str], int] = {}
        all_hashes: list[np.ndarray] = []
        all_owners: list[np.ndarray] = []
        for segment in texts:
            key = (segment.benchmark, str(segment.item_id))
            owner = item_index.setdefault(key, len(item_index))
            grams = rolling_ngram_hashes(hasher.hashes(normalize_words(segment.text)), n)
            if len(grams):
                all_hashes.append(grams)
                all_owners.append(np.full(len(grams), owner, dtype=np.int32))
        hashes = np.concatenate(all_hashes) if all_hashes else np.empty(0, dtype=np.uint64)
        owners = np.concatenate(all_owners) if all_owners else np.empty(0, dtype=np.int32)
        order = np.argsort(hashes, kind="stable")
        hashes, owners = hashes[order], owners[order]
        keep = np.ones(len(hashes), dtype=bool)
        keep[1:] = hashes[1:] != hashes[:-1]  # first owner of each n-gram is enough
        items = [None] * len(item_index)
        for key, position in item_index.items():
            items[position] = key
        index = cls(n, hashes[keep], owners[keep], items)  # type: ignore[arg-type]
        index._hasher = hasher
        return index

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def item_count(self) -> int:
        return len(self.items)

    def matches(self, text: str, limit: int = 1) -> list[ContaminationMatch]:
        """Up to `limit` benchmark n-grams found in `text` (distinct items), in text order."""
        words = normalize_words(text)
        grams = rolling_ngram_hashes(self._hasher.hashes(words), self.n)
        if not len(grams) or not len(self.hashes):
            return []
        positions = np.searchsorted(self.hashes, grams)
        positions = np.minimum(positions, len(self.hashes) - 1)
        hits = np.nonzero(self.hashes[positions] == grams)[0]
        found: list[ContaminationMatch] = []
        seen: set[int] = set()
        for window in hits:
            owner = int(self.owners[positions[window]])
            if owner in seen:
                continue
            seen.add(owner)
            benchmark, item_id = self.items[owner]
            found.append(
                ContaminationMatch(benchmark, item_id, " ".join(words[window : window + self.n]))
            )
            if len(found) >= limit:
                break
        return found

    def first_match(self, text: str) -> ContaminationMatch | None:
        found = self.matches(text, limit=1)
        return found[0] if found else None

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, hashes=self.hashes, owners=self.owners, n=np.array([self.n]),
                 items=np.array(json.dumps(self.items)))  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "ContaminationIndex":
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


def index_cache_key(benchmarks: Sequence[str], n: int, fingerprint: str, split: str = "test") -> str:
    payload = json.dumps(
        {"benchmarks": sorted(benchmarks), "n": n, "split": split, "data": fingerprint,
         "normalization": NORMALIZATION_VERSION}, sort_keys=True)  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def cached_index(
    cache_dir: Path,
    key: str,
    load_texts: "callable[[], Iterable[BenchmarkText]]",  # type: ignore[valid-type]
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
