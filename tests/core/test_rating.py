"""AlpaGasus rating policy: a rater's answer becomes a score or a recorded failure; the gate."""

import pytest

from mammoth_assets.core import rating
from mammoth_assets.llm.types import LLMResponse


def test_score_row_parses_flagged_text_and_records_failures():
    flagged = LLMResponse("r", "k", "4.5\nIt's accurate.\nMore lines.", error="does not match regex")
    row = rating.score_row("s", "e1", flagged, "rater", "accuracy", "v1")
    assert (row["score"], row["parse_status"], row["parse_error"]) == (4.5, "first_line", None)
    assert row["prompt_version"] == "v1" and row["dimension"] == "accuracy"
    garbled = LLMResponse("r", "k", "no idea", error="does not match regex")
    row = rating.score_row("s", "e2", garbled, "rater", "accuracy")
    assert row["score"] is None and row["parse_status"] == "failed"
    assert "does not match regex" in row["parse_error"] and row["raw_text"] == "no idea"
    lost = LLMResponse("r", "k", None, error="timeout after 120 s")
    row = rating.score_row("s", "e3", lost, "rater", "accuracy")
    assert (row["score"], row["parse_status"], row["parse_error"]) == (None, "llm_error", "timeout after 120 s")
    assert "max_parse_failure_rate" not in row  # the ceiling is config, never data


def test_prompt_of_a_dimension_and_its_fields():
    assert rating.prompt_name("helpfulness") == "quality_rate_helpfulness"
    with pytest.raises(ValueError):
        rating.prompt_name("style")
    fields = rating.prompt_fields({"instruction": "Do", "input": None, "output": "Done"})
    assert fields == {"instruction": "Do", "input": "", "output": "Done"}
    assert rating.request_id("set", "7") == "set:7:rate"


@pytest.mark.parametrize(("failed", "ceiling", "passed"), [(2, 0.02, True), (3, 0.02, False), (0, 0.0, True)])
def test_parse_failure_gate_fails_once_the_ceiling_is_crossed(failed, ceiling, passed):
    gate = rating.ParseFailureGate(rated=100, failed=failed, out_of_range=0, duplicates=0, ceiling=ceiling)
    assert gate.passed is passed


def test_parse_failure_gate_fails_on_out_of_range_or_duplicate_rows():
    assert not rating.ParseFailureGate(10, 0, 1, 0, 1.0).passed
    assert not rating.ParseFailureGate(10, 0, 0, 1, 1.0).passed
