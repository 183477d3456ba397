"""The page_texts stage's decision: kept with text, `empty_text` (with why) without."""

from mammoth_assets.core.page_text import PageText
from mammoth_assets.core.page_text.rows import page_rows, page_text_decision


def test_a_page_without_any_text_is_dropped_saying_why_the_html_was_not_used():
    assert page_text_decision(PageText("text", "warc_html", "")).kept
    dropped = page_text_decision(PageText("", "", "warc_file_missing"))
    assert (dropped.value, dropped.detail) == ("empty_text", "warc_file_missing")


def test_pages_whose_warc_file_is_missing_fall_back_to_wet_text(tmp_path):
    page = {"dump": "D", "doc_id": "d", "url": "https://x.org", "warc_file": "missing.warc.gz",
            "warc_record_id": "<urn:1>", "wet_text": "WET text of the page."}
    kept, empty = page_rows(str(tmp_path), "D", [page, {**page, "doc_id": "e", "wet_text": ""}], True)
    assert (kept["decision"], kept["text_source"], kept["fallback_reason"]) == ("kept", "wet_text", "warc_file_missing")
    assert (empty["decision"], empty["decision_detail"]) == ("empty_text", "warc_file_missing")
