import pytest

from mammoth_assets.core.dedup import DedupRow, duplicate_rate, minhash, normalize_text


def test_normalize_text():
    assert normalize_text("What IS  2+2?!") == "what is 2 2"


def test_minhash_estimates_similarity():
    a = minhash("one two three four five six seven eight nine ten")
    b = minhash("one two three four five six seven eight nine eleven")
    assert 0.5 < a.jaccard(b) < 1.0
    assert a.jaccard(minhash("totally different words here")) < 0.2


def test_duplicate_rate():
    rows = [
        DedupRow("1", "a", "Q one", "x"),
        DedupRow("2", "a", "q one", "y"),
        DedupRow("3", "b", "Q ONE", "z"),
        DedupRow("4", "c", "other", "w"),
    ]
    assert duplicate_rate(rows) == 0.25
    assert duplicate_rate([]) == 0.0
