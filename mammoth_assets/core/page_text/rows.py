"""The `page_texts` stage's rows: fetch each recalled page's WARC HTML (grouped by WARC file, from a
local mirror or by byte range over HTTP), take its text (HTML main content, or the WET text as
fallback) and its schema.org QA pairs, and decide: kept, or `empty_text` when neither gave text."""

from __future__ import annotations

import json
from pathlib import Path

from mammoth_assets.core.decisions import KEEP, Decision, drop
from mammoth_assets.core.page_text import (
    HtmlRecord,
    PageText,
    cc_index_lookup,
    fetch_html_range,
    fetch_html_sequential,
    page_text_for,
)
from mammoth_assets.core.qa_extraction import structured_qa_pairs


def page_text_decision(text: PageText) -> Decision:
    return KEEP if text.text else drop("empty_text", text.fallback_reason)


def fetch_group(
    base: str, dump: str, warc_file: str, rows: list[dict]
) -> tuple[dict[str, HtmlRecord], dict[str, str]]:
    """HTML records of one WARC file's pages, and a failure reason for those not fetched."""
    ids = [r["warc_record_id"] for r in rows if r.get("warc_record_id")]
    failures: dict[str, str] = {}
    if base.startswith(("http://", "https://")):
        found: dict[str, HtmlRecord] = {}
        for row in rows:
            try:
                location = cc_index_lookup(dump, row["url"], warc_file)
                record = (
                    None
                    if location is None
                    else fetch_html_range(base + location[0], location[1], location[2])
                )
            except Exception as error:  # noqa: BLE001 - any fetch error of one page: record it, use the WET text
                failures[row["warc_record_id"]] = f"warc_fetch_error: {type(error).__name__}"
                continue
            if record is not None:
                found[row["warc_record_id"]] = record
        return found, failures
    path = Path(base) / warc_file
    if not path.exists():
        return {}, {record_id: "warc_file_missing" for record_id in ids}
    try:
        return fetch_html_sequential(path, ids), failures
    except Exception as error:  # noqa: BLE001 - a truncated or corrupt WARC file: record it, use the WET text
        return {}, {
            record_id: f"warc_read_error: {type(error).__name__}: {error}"[:200]
            for record_id in ids
        }


def page_rows(base: str, dump: str, pages: list[dict], parse_structured: bool) -> list[dict]:
    """One decided row per recalled page (dicts with `wet_text` and the WARC provenance)."""
    by_file: dict[str, list[dict]] = {}
    for page in pages:
        by_file.setdefault(page["warc_file"] or "", []).append(page)
    out = []
    for warc_file, rows in by_file.items():
        records, failures = fetch_group(base, dump, warc_file, rows)
        for row in rows:
            record = records.get(row["warc_record_id"])
            missing = failures.get(row["warc_record_id"], "warc_record_not_found")
            text = page_text_for(record.html if record else None, row.pop("wet_text"), missing)
            method, pairs = (
                structured_qa_pairs(record.html) if (record and parse_structured) else ("", [])
            )
            out.append(
                {
                    **row,
                    "text_source": text.source,
                    "fallback_reason": text.fallback_reason,
                    "page_text": text.text,
                    "page_chars": len(text.text),
                    "structured_method": method,
                    "structured_pairs": json.dumps(
                        [{"question": p.question, "answer": p.answer} for p in pairs],
                        ensure_ascii=False,
                    ),
                    "structured_pair_count": len(pairs),
                    **page_text_decision(text).columns(),
                }
            )
    return out
