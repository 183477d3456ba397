import pytest

from mammoth_assets.core.dedup import DedupRow, deduplicate, duplicate_rate, minhash, normalize_text


def test_normalize_text():
    assert normalize_text("What IS  2+2?!") == "what is 2 2"


def test_exact_near_and_group_rules():
    long_q = "Tell me what the capital city of France is, please, I need it for my homework today."
    rows = [
        DedupRow("1", "a", "What is the capital of France?", "Paris is the capital of France."),
        DedupRow(
            "2",
            "a",
            "What is the capital of France?",
            "The capital of France is Paris, on the Seine.",
        ),
        DedupRow("3", "b", "what is the capital of FRANCE", "Paris"),
        DedupRow(
            "4", "c", long_q, "Paris is the capital of France. Good luck with your homework today."
        ),
        DedupRow(
            "5",
            "d",
            long_q.replace("today", "now"),
            "Paris is the capital of France. Good luck with your homework today.",
        ),
        DedupRow("6", "a", "What is the capital of France?", "Paris is the capital of France."),
        DedupRow("7", "e", "How many legs does a spider have?", "Eight."),
    ]
    decisions = {d.row_id: d for d in deduplicate(rows, threshold=0.7)}
    assert decisions["1"].kept and decisions["2"].kept  # two refinements of one pair: both kept
    assert (decisions["3"].reason, decisions["3"].duplicate_of) == ("exact_duplicate", "1")
    assert decisions["4"].kept
    assert (decisions["5"].reason, decisions["5"].duplicate_of) == ("near_duplicate", "4")
    assert decisions["5"].similarity >= 0.7
    assert decisions["6"].reason == "identical_in_group"
    assert decisions["7"].kept
    assert len(decisions) == len(rows)


def test_high_threshold_keeps_near_duplicates_and_bad_arguments_fail():
    rows = [
        DedupRow("1", "a", "alpha beta gamma delta epsilon zeta", "x"),
        DedupRow("2", "b", "alpha beta gamma delta epsilon eta", "x"),
    ]
    assert all(d.kept for d in deduplicate(rows, threshold=0.95))
    with pytest.raises(ValueError):
        deduplicate(rows, threshold=0)
    with pytest.raises(ValueError):
        deduplicate(rows, threshold=1.0)
    with pytest.raises(ValueError):
        deduplicate(rows, near_text="answer")


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
