"""The extraction stage's policy: planning a page, and turning LLM answers into decided page and
pair rows with reasons from the registry's vocabulary."""

import json
from types import SimpleNamespace

from mammoth_assets.core.decisions import registry
from mammoth_assets.core.extraction_pages import (
    ExtractionSettings,
    cap_llm_pages,
    chunk_request_id,
    evaluate_page,
    plan_page,
)

PAGE_TEXT = "How many legs does a spider have? A spider has eight legs, unlike insects which have six."
ROW = {"dump": "D", "doc_id": "d1", "url": "https://x.org/q", "domain": "x.org", "page_text": PAGE_TEXT,
       "structured_method": "", "structured_pairs": "[]"}
SETTINGS = ExtractionSettings(chunk_chars=400, chunk_overlap_chars=0)


def _answer(payload=None, ok=True, error=None, text=None):
    return SimpleNamespace(ok=ok, error=error, parsed=payload, text=text, prompt_tokens=5, completion_tokens=2,
                           model_id="tiny")


def _evaluate(row, answers):
    work = plan_page(row, SETTINGS)
    responses = {chunk_request_id(row["doc_id"], i): a for i, a in enumerate(answers)}
    page, pairs = evaluate_page(work, responses, SETTINGS, "p@1")
    registry.EXTRACTED_QA_PAGES.validate(page["decision"])
    for pair in pairs:
        registry.EXTRACTED_QA.validate(pair["decision"])
    return page, pairs


def test_a_grounded_pair_keeps_its_page_and_an_invented_one_is_dropped():
    page, pairs = _evaluate(ROW, [_answer({"pairs": [
        {"question": "How many legs does a spider have?", "answer": "A spider has eight legs."},
        {"question": "What is the capital of France?", "answer": "Paris."},
    ]})])
    assert page["decision"] == "kept" and (page["pairs_proposed"], page["pairs_kept"]) == (2, 1)
    assert [p["decision"] for p in pairs] == ["kept", "question_not_on_page"]
    assert pairs[1]["decision_detail"].startswith("question_not_on_page (")
    assert [p["pair_index"] for p in pairs] == [0, 1]


def test_page_reasons_void_unparsable_llm_error_and_no_grounded_pairs():
    assert _evaluate(ROW, [_answer({"pairs": []})])[0]["decision"] == "void"
    garbage, _ = _evaluate(ROW, [_answer(None, text="no json here")])
    assert (garbage["decision"], garbage["decision_detail"]) == ("unparsable_output", "unparsable_json")
    failed, _ = _evaluate(ROW, [_answer(ok=False, error="context overflow")])
    assert (failed["decision"], failed["decision_detail"]) == ("llm_error", "context overflow")
    invented, _ = _evaluate(ROW, [_answer({"pairs": [{"question": "Who won in 1998?", "answer": "France"}]})])
    assert invented["decision"] == "no_grounded_pairs" and "question_not_on_page x1" in invented["decision_detail"]


def test_a_pair_read_twice_is_dropped_as_a_duplicate():
    pair = {"question": "How many legs does a spider have?", "answer": "Eight."}
    _, pairs = _evaluate(ROW, [_answer({"pairs": [pair, pair]})])
    assert [p["decision"] for p in pairs] == ["kept", "duplicate_in_page"]


def test_structured_pairs_are_taken_without_an_llm_and_not_gated():
    row = {**ROW, "structured_method": "jsonld",
           "structured_pairs": json.dumps([{"question": "Unrelated question?", "answer": "Yes."}])}
    page, pairs = _evaluate(row, [])
    assert page["method"] == "jsonld" and page["decision"] == "kept" and pairs[0]["decision"] == "kept"


def test_pages_over_the_llm_cap_are_not_sent_and_say_why():
    works = [plan_page({**ROW, "doc_id": f"d{i}"}, SETTINGS) for i in range(3)]
    assert cap_llm_pages(works, 2, 0) == 2
    page, _ = evaluate_page(works[2], {}, SETTINGS, "p@1")
    assert (page["decision"], page["decision_detail"]) == ("not_sent", "max_llm_pages=2 reached")
    empty, _ = evaluate_page(plan_page({**ROW, "page_text": ""}, SETTINGS), {}, SETTINGS, "p@1")
    assert empty["decision"] == "empty_page_text"
