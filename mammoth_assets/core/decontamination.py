"""Benchmark decontamination by word n-gram overlap (MAmmoTH2: any shared 10-gram removes a page).

Text is normalized (Unicode NFKC, lower case, words = runs of letters/digits) so markup,
punctuation and spacing differences do not hide a copy. Tokenizing and word hashing run in Rust
(polars) over all texts at once, and the n-gram hashes are rolled with vectorized uint64
arithmetic, so indexing all benchmark items (tens of thousands, a million n-grams) takes seconds.
The index is a sorted
uint64 array with a parallel array naming the benchmark item each n-gram came from; lookups
are `searchsorted`. Built indexes are cached on disk under a key made of the benchmark files'
content hashes, the benchmark names, n and the normalization version.

Each benchmark item is indexed whole, as it would stand on a page (question, then its choices,
then its answer as text or letter), and in parts (question, each choice, answer, worked
solution); n-grams never span two segments. Option labels (`A)`, `(b)`, `C.`) and answer intros
("The answer is", "Answer:") are removed on both sides, so a copy laid out otherwise still
matches. Windows made only of numbers, single letters and stop words (justext's English list)
are not indexed: "1 2 3 ... 10" or "2011 ... 2020" match nothing. A whole item shorter than n
words is indexed as one window of its own length when it has at least 3 different distinctive
words, so short multiple-choice items are caught whole; `coverage()` says, per benchmark, how
many items the index can catch at all (a copy of the item as on a page has an indexed window).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mammoth_assets import paths
from mammoth_assets.core import benchmarks as bench

# Word hashes come from polars, whose hash is stable only within a version: the version is part
# of every on-disk index's cache key.
NORMALIZATION_VERSION = f"v3-polars{pl.__version__}"
HASH_SEED = 0x6D616D6D
_WORD = re.compile(r"\w+", re.UNICODE)
# Option labels ("A)", "(b)", "C.", "d:") between whitespace; removed from benchmark and page
# text alike. polars' regex engine has no look-around, hence the explicit spaces.
OPTION_LABEL = r"(?:^|\s)(?:\([A-Ja-j]\)|[A-Ja-j][.):])(?:\s|$)"
_OPTION_LABEL = re.compile(OPTION_LABEL)
# "Answer:", "The answer is", "Correct answer:" before an answer; removed on both sides too, so a
# short item followed by its answer matches however the page introduces the answer.
ANSWER_INTRO = r"(?i)(?:the\s+)?(?:correct\s+|final\s+)?answer\s*(?:is\b|:)"
_ANSWER_INTRO = re.compile(ANSWER_INTRO)
# An indexed n-gram needs this many words that are not a stop word, a number or a single letter.
MIN_DISTINCTIVE_WORDS = 1
MIN_SHORT_ITEM_WORDS = 4  # a whole item shorter than n is indexed when it has this many words
MIN_SHORT_ITEM_DISTINCTIVE = 3  # ... and this many different distinctive ones
_ROLL = np.uint64(0x100000001B3)  # FNV prime: any odd 64-bit multiplier works


@dataclass(frozen=True)
class BenchmarkText:
    """One text segment of one benchmark item: the whole item as on a page (`whole=True`), or a
    part (question, a choice, the answer, the worked solution)."""

    benchmark: str
    item_id: str
    text: str
    whole: bool = False


@dataclass(frozen=True)
class ContaminationMatch:
    benchmark: str
    item_id: str
    ngram: str  # the normalized words shared with the benchmark item


def normalize_words(text: str) -> list[str]:
    """The words n-grams are made of (the Python twin of `tokenize`, for one text)."""
    text = _ANSWER_INTRO.sub(" ", unicodedata.normalize("NFKC", text or ""))
    for _ in range(2):  # as `tokenize`: a second pass for labels that shared a space
        text = _OPTION_LABEL.sub(" ", text)
    return _WORD.findall(text.lower())


def tokenize(texts: Sequence[str]) -> pl.Series:
    """Normalized words of each text, in Rust (polars): NFKC, option labels removed, lower
    case, `\\w+` runs."""
    series = pl.Series("text", list(texts), dtype=pl.String).fill_null("").str.normalize("NFKC")
    series = series.str.replace_all(ANSWER_INTRO, " ")
    for _ in range(2):  # a second pass catches labels that shared a space with the previous one
        series = series.str.replace_all(OPTION_LABEL, " ")
    return series.str.to_lowercase().str.extract_all(r"\w+")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words (justext's list, the one trafilatura uses), as normalized words."""
    import justext

    words = set()
    for entry in justext.get_stoplist("English"):
        words.update(normalize_words(entry))
    return frozenset(words)


def distinctive_flags(words: pl.Series) -> np.ndarray:
    """For the flattened words of `words`: True where a word is neither a stop word, a number nor
    a single character (a variable or an option letter)."""
    flat = words.explode().drop_nulls()
    stop = flat.is_in(list(stop_words())) | flat.str.contains(r"^\d+$")
    stop = stop | (flat.str.len_chars() == 1)
    return ~stop.to_numpy().astype(bool)


@dataclass(frozen=True)
class _Flat:
    """All words of a batch of texts in one array: their hashes, owning text and offsets."""

    hashes: np.ndarray  # uint64 per word
    owner: np.ndarray  # text index per word
    starts: np.ndarray  # first word position of each text
    lengths: np.ndarray  # word count of each text


def _flatten(words: pl.Series) -> _Flat:
    lengths = words.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = words.explode().drop_nulls()
    hashed = flat.hash(seed=HASH_SEED).to_numpy().astype(np.uint64, copy=False)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    return _Flat(hashed, owner, starts, lengths)


def _windows(flat: _Flat, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of every n-word window that stays inside one text, the text it belongs to and
    its first word's global position."""
    if len(flat.hashes) < n:
        empty = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=np.uint64), empty, empty
    rolled = rolling_ngram_hashes(flat.hashes, n)
    inside = np.nonzero(flat.owner[: len(rolled)] == flat.owner[n - 1 :])[0]
    return rolled[inside], flat.owner[inside], inside


def window_hashes(words: pl.Series, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n-gram hashes of every text's words in one vectorized pass: the hashes, the text each
    window belongs to and its word position in that text. Windows never cross texts."""
    flat = _flatten(words)
    hashes, owner, position = _windows(flat, n)
    return hashes, owner, position - flat.starts[owner]


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


def _distinct(flat: _Flat, distinctive: np.ndarray, segment: int, length: int) -> int:
    """How many different distinctive words the first `length` words of a segment hold."""
    start = flat.starts[segment]
    window = slice(start, start + length)
    return len(set(flat.hashes[window][distinctive[window] > 0].tolist()))


def _window_sums(values: np.ndarray, n: int) -> np.ndarray:
    """Sum of `values` over every window of n consecutive positions."""
    totals = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    return totals[n:] - totals[:-n] if len(values) >= n else np.empty(0, dtype=np.int64)


class ContaminationIndex:
    """Sorted n-gram hashes of benchmark texts, each mapped to the item it came from.

    Entries are n-word windows; a whole item shorter than n words is one window of its own
    length (`short`; `lengths` lists every window length in the index)."""

    def __init__(
        self,
        n: int,
        hashes: np.ndarray,
        owners: np.ndarray,
        items: list[tuple[str, str]],
        catchable: np.ndarray | None = None,
        short: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    ):
        self.n = n
        self.hashes = hashes
        self.owners = owners
        self.items = items
        # whole items shorter than n: (prefix hash of their first `prefix_words` words, sorted;
        # hash of all their words; their word count; their item), looked up by prefix then
        # verified, so pages pay one extra pass however many short lengths there are
        empty = np.empty(0, dtype=np.uint64)
        no_short = (empty, empty, empty.astype(np.int64), empty.astype(np.int32))
        self.short = short if short is not None else no_short
        self.prefix_words = int(self.short[2].min()) if len(self.short[2]) else n
        self.lengths = sorted({n, *(int(x) for x in np.unique(self.short[2]))})
        # per item: True when at least one of its windows is indexed (the page can be caught)
        self.catchable = (
            catchable if catchable is not None else np.ones(len(items), dtype=bool)
        )

    @classmethod
    def build(
        cls,
        texts: Iterable[BenchmarkText],
        n: int = 10,
        min_distinctive: int = MIN_DISTINCTIVE_WORDS,
        short_min_words: int = MIN_SHORT_ITEM_WORDS,
        short_min_distinctive: int = MIN_SHORT_ITEM_DISTINCTIVE,
    ) -> ContaminationIndex:
        if n < 1:
            raise ValueError("n must be >= 1")
        item_index: dict[tuple[str, str], int] = {}
        segment_owner: list[int] = []
        segment_texts: list[str] = []
        segment_whole: list[bool] = []
        for segment in texts:
            key = (segment.benchmark, str(segment.item_id))
            segment_owner.append(item_index.setdefault(key, len(item_index)))
            segment_texts.append(segment.text)
            segment_whole.append(bool(segment.whole))
        owner_of_segment = np.asarray(segment_owner, dtype=np.int32)
        words = tokenize(segment_texts)
        flat = _flatten(words)
        distinctive = distinctive_flags(words).astype(np.int64)
        hash_parts, owner_parts = [], []
        # n-word windows with enough distinctive words
        grams, segment_of, position = _windows(flat, n)
        keep = _window_sums(distinctive, n)[position] >= min_distinctive if len(grams) else []
        hash_parts.append(grams[keep] if len(grams) else grams)
        owner_parts.append(
            owner_of_segment[segment_of[keep]] if len(grams) else np.empty(0, np.int32)
        )
        whole = np.asarray(segment_whole, dtype=bool)
        # an item is catchable when a copy of it as on a page (a whole form) has an indexed window
        catchable = np.zeros(len(item_index), dtype=bool)
        if len(grams):
            catchable[owner_of_segment[segment_of[keep & whole[segment_of]]]] = True
        # whole items shorter than n: one window of their own length, keyed by its first words
        short_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for length in range(short_min_words, n):
            chosen = np.nonzero(whole & (flat.lengths == length))[0]
            if not len(chosen):
                continue
            counts = np.asarray(  # different distinctive words: "true ... true ... false" is 2
                [_distinct(flat, distinctive, int(i), length) for i in chosen]
            )
            chosen = chosen[counts >= short_min_distinctive]
            if len(chosen):
                full = rolling_ngram_hashes(flat.hashes, length)[flat.starts[chosen]]
                short_parts.append((chosen, full, np.full(len(chosen), length)))
                catchable[owner_of_segment[chosen]] = True
        short = None
        if short_parts:
            chosen = np.concatenate([c for c, _, _ in short_parts])
            full = np.concatenate([f for _, f, _ in short_parts])
            sizes = np.concatenate([z for _, _, z in short_parts]).astype(np.int64)
            prefix = rolling_ngram_hashes(flat.hashes, int(sizes.min()))[flat.starts[chosen]]
            order = np.argsort(prefix, kind="stable")
            short = (prefix[order], full[order], sizes[order], owner_of_segment[chosen][order])
        hashes = np.concatenate(hash_parts) if hash_parts else np.empty(0, np.uint64)
        owners = np.concatenate(owner_parts).astype(np.int32)
        order = np.argsort(hashes, kind="stable")
        hashes, owners = hashes[order], owners[order]
        unique = np.ones(len(hashes), dtype=bool)
        unique[1:] = hashes[1:] != hashes[:-1]  # first owner of each n-gram is enough
        items = [None] * len(item_index)
        for key, slot in item_index.items():
            items[slot] = key
        kept = hashes[unique], owners[unique]
        return cls(n, *kept, items, catchable, short)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def item_count(self) -> int:
        return len(self.items)

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per benchmark: (items, items the index can catch at all)."""
        total: Counter = Counter()
        caught: Counter = Counter()
        for (benchmark, _), can in zip(self.items, self.catchable):
            total[benchmark] += 1
            caught[benchmark] += bool(can)
        return {name: (total[name], caught[name]) for name in sorted(total)}

    def first_matches(self, texts: Sequence[str]) -> list[ContaminationMatch | None]:
        """The first benchmark window found in each text (None when clean): one vectorized pass
        per window length, then the earliest hit of each text."""
        words = tokenize(texts)
        found: list[ContaminationMatch | None] = [None] * len(texts)
        if not len(self.hashes) and not len(self.short[0]):
            return found
        flat = _flatten(words)
        hit_text, hit_start, hit_length, hit_slot = [], [], [], []
        grams, text_of, position = _windows(flat, self.n)
        if len(grams) and len(self.hashes):
            hits, slots = self._lookup(grams)
            hit_text.append(text_of[hits])
            hit_start.append(position[hits] - flat.starts[text_of[hits]])
            hit_length.append(np.full(len(hits), self.n))
            hit_slot.append(self.owners[slots])
        for text, start, size, owner in self._short_hits(flat):
            hit_text.append(np.array([text]))
            hit_start.append(np.array([start]))
            hit_length.append(np.array([size]))
            hit_slot.append(np.array([owner]))
        if not hit_text:
            return found
        text_of, start = np.concatenate(hit_text), np.concatenate(hit_start)
        length, slot = np.concatenate(hit_length), np.concatenate(hit_slot)
        if not len(text_of):
            return found
        order = np.lexsort((-length, start, text_of))  # per text: earliest, then longest
        first = order[np.r_[True, text_of[order][1:] != text_of[order][:-1]]]
        for hit in first:
            text, begin, size = int(text_of[hit]), int(start[hit]), int(length[hit])
            benchmark, item_id = self.items[int(slot[hit])]
            ngram = " ".join(words[text][begin : begin + size].to_list())
            found[text] = ContaminationMatch(benchmark, item_id, ngram)
        return found

    def _short_hits(self, flat: _Flat):
        """(text, word position, size, item) of every whole short item found in the texts."""
        prefixes, full, sizes, owners = self.short
        if not len(prefixes):
            return
        grams, text_of, position = _windows(flat, self.prefix_words)
        if not len(grams):
            return
        order = np.argsort(grams)
        left = np.searchsorted(prefixes, grams[order], side="left")
        right = np.searchsorted(prefixes, grams[order], side="right")
        for window in np.nonzero(right > left)[0]:
            at = int(position[order[window]])
            text = int(text_of[order[window]])
            end = flat.starts[text] + flat.lengths[text]
            for entry in range(int(left[window]), int(right[window])):
                size = int(sizes[entry])
                inside = at + size <= end
                window = flat.hashes[at : at + size]
                if inside and rolling_ngram_hashes(window, size)[0] == full[entry]:
                    yield text, at - int(flat.starts[text]), size, int(owners[entry])

    def _lookup(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `grams` found in the index, and their index slots. Queries are looked up
        in sorted order: binary searches over a sorted query stream stay in cache (3-5x faster
        than random order on a million-entry index)."""
        order = np.argsort(grams)
        ordered = grams[order]
        slots = np.minimum(np.searchsorted(self.hashes, ordered), len(self.hashes) - 1)
        found = np.nonzero(self.hashes[slots] == ordered)[0]
        return order[found], slots[found]

    def first_match(self, text: str) -> ContaminationMatch | None:
        return self.first_matches([text])[0]

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        prefixes, full, sizes, owners = self.short
        np.savez(tmp, hashes=self.hashes, owners=self.owners, n=np.array([self.n]),
                 items=np.array(json.dumps(self.items)), catchable=self.catchable,
                 short_prefixes=prefixes, short_full=full, short_sizes=sizes,
                 short_owners=owners)  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> ContaminationIndex:
        with np.load(path) as data:
            items = [tuple(item) for item in json.loads(str(data["items"]))]
            short = tuple(data[f"short_{k}"] for k in ("prefixes", "full", "sizes", "owners"))
            return cls(  # type: ignore[arg-type]
                int(data["n"][0]), data["hashes"], data["owners"], items, data["catchable"], short
            )


# -- benchmark items -> text segments -----------------------------------------------------------
_ANSWER_EXTRA_KEYS = ("solution", "rationale", "answer", "explanation", "target")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _answer_text(reference: str, choices: list[str]) -> str:
    """The answer as a page shows it: the chosen option's text for a letter reference."""
    letter = reference.strip().strip("()").upper()
    if choices and len(letter) == 1 and letter in _LETTERS[: len(choices)]:
        return choices[_LETTERS.index(letter)]
    return reference


def segments_of_item(item: Any) -> list[BenchmarkText]:
    """The texts of a `BenchmarkItem` (fields benchmark, item_id, question, choices, reference,
    extra) to index: the whole item as it would stand on a page (question, choices, then with
    its answer) and its parts (question, each choice, the answer, the worked solution)."""
    benchmark, item_id = str(item.benchmark), str(item.item_id)
    question = item.question or ""
    choices = [str(choice) for choice in (getattr(item, "choices", None) or [])]
    reference = str(item.reference) if item.reference is not None else ""
    answer = _answer_text(reference, choices)
    extra = getattr(item, "extra", None) or {}
    parts = [question, *choices, reference]
    parts.extend(str(extra[key]) for key in _ANSWER_EXTRA_KEYS if isinstance(extra.get(key), str))
    wholes = ["\n".join([question, *choices]), "\n".join([question, *choices, answer])]
    if answer != reference:  # a letter: pages print "Answer: C" as often as the option's text
        wholes.append("\n".join([question, *choices, reference]))
    segments = [
        BenchmarkText(benchmark, item_id, text, whole=True)
        for text in dict.fromkeys(wholes)
        if text.strip()
    ]
    segments += [BenchmarkText(benchmark, item_id, text) for text in parts if text.strip()]
    return segments


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


# -- planted copies (how the index is measured) ------------------------------------------------
_LABEL_STYLES = ("{L}) ", "({L}) ", "{L}. ", "{l}) ", "({l}) ", "")


def planted_copy(item: Any, rng, context: str = "") -> str:
    """A benchmark item as a web page would carry it, with the variations real copies have:
    another case, labels and line breaks for the choices, curly quotes, a number before the
    question, the answer after it or not, TeX delimiters changed, all inside other page text.
    Used to measure how many copies the index catches (benchmarks and tests)."""
    question = str(item.question or "")
    if rng.random() < 0.3:
        question = question.replace("'", "\u2019").replace('"', "\u201c")
    if rng.random() < 0.3:
        question = question.replace("$", "\\(", 1).replace("$", "\\)", 1)
    if rng.random() < 0.3:
        question = question.lower() if rng.random() < 0.5 else question.upper()
    if rng.random() < 0.5:
        question = question.rstrip("?. ")
    prefix = rng.choice(("", "Question 7. ", "Q: ", "Problem 3) ", "Homework help!! "))
    choices = [str(c) for c in (getattr(item, "choices", None) or [])]
    style = rng.choice(_LABEL_STYLES)
    separator = rng.choice(("\n", " ", "  \n"))
    options = separator.join(
        style.format(L=_LETTERS[i], l=_LETTERS[i].lower()) + choice
        for i, choice in enumerate(choices)
    )
    reference = str(item.reference) if item.reference is not None else ""
    answer_text = _answer_text(reference, choices)
    answer = rng.choice(("", f"Answer: {reference}", f"The answer is {answer_text}."))
    body = "\n".join(part for part in (prefix + question, options, answer) if part)
    words = context.split()
    cut = rng.randint(0, len(words)) if words else 0
    return " ".join(words[:cut]) + "\n\n" + body + "\n\n" + " ".join(words[cut:])


def load_contamination_index(
    names: list[str], root: Path | None, n: int, split: str = "test"
) -> tuple[ContaminationIndex, bool, float]:
    """The n-gram index of the named benchmarks, from the on-disk cache when the files are
    unchanged. Returns (index, was_cached, seconds)."""
    started = time.perf_counter()

    def texts() -> list[BenchmarkText]:
        return [
            segment
            for name in names
            for item in bench.load_benchmark(name, root, split=split)
            for segment in segments_of_item(item)
        ]

    if root is not None:
        fingerprint = files_fingerprint(root)
        loader = texts
    else:  # hub: key on the loaded content itself
        loaded = texts()
        fingerprint = hashlib.sha1("\x1f".join(f"{t.benchmark}/{t.item_id}/{t.text}" for t in loaded).encode("utf-8")).hexdigest()[:40]
        def loader() -> list[BenchmarkText]:
            return loaded

    cache_dir = paths.data_dir() / "cache" / "decontamination"
    index, cached = cached_index(
        cache_dir, index_cache_key(names, n, fingerprint, split), loader, n
    )
    return index, cached, time.perf_counter() - started
