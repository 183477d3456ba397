"""Page text for extraction: our rule-based cleanup beside the WET text (resiliparse, what Common
Crawl-scale pipelines such as NeMo Curator and datatrove usually start from) on the sample dump's
labelled pages, in one run.

    pair coverage   share of the labelled QA pairs whose question and answer both survive in the
                    text (normalized word sequences)
    math kept       share of math pages whose TeX (\\(...\\), \\frac, ^) survives
    chrome leaked   share of pages whose text still holds the site navigation
    pages/s         extraction throughput (one core)

Run:  .venv/bin/python benchmarks/webinstruct_page_text.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core.page_text import _decode, clean_html
from mammoth_assets.core.sample_dump import build_sample_mirror, html_to_wet_text, read_labels

NAV = ("About us", "Careers")


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def score(name: str, extract, pages: list[tuple[dict, str]]) -> dict:
    started = time.perf_counter()
    texts = [extract(html) for _, html in pages]
    seconds = time.perf_counter() - started
    pairs = found = math_pages = math_kept = leaked = 0
    for (label, _), text in zip(pages, texts):
        normalized = words(text)
        for pair in label["qa_pairs"]:
            pairs += 1
            found += words(pair["question"]) in normalized and words(pair["answer"]) in normalized
        if label["has_math"]:
            math_pages += 1
            math_kept += "\\(" in text or "\\frac" in text or "$" in text
        leaked += all(item in text for item in NAV)
    return {
        "name": name,
        "pair coverage": found / max(1, pairs),
        "math kept": math_kept / max(1, math_pages),
        "chrome leaked": leaked / len(pages),
        "pages/s": len(pages) / seconds,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build_sample_mirror(Path(tmp))
        labels = {l["url"]: l for l in read_labels(Path(tmp))}
        pages = []
        for warc in sorted({l["warc_file"] for l in labels.values()}):
            with open(Path(tmp) / warc, "rb") as stream:
                for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                    label = labels[record.headers.get("WARC-Target-URI")]
                    if label["educational"] and label["language"] == "en":
                        content_type = (
                            record.http_headers.get("Content-Type") if record.http_headers else None
                        )
                        pages.append((label, _decode(record.reader.read(), content_type)))
    ours = score("this stage (clean_html)", clean_html, pages)
    base = score("baseline (WET text)", html_to_wet_text, pages)
    print(
        f"{len(pages)} English educational pages, {sum(len(l['qa_pairs']) for l, _ in pages)} labelled QA pairs"
    )
    print(f"{'':18}{'this stage':>14}{'baseline':>14}")
    for key in ("pair coverage", "math kept", "chrome leaked"):
        print(f"{key:18}{ours[key]:>14.3f}{base[key]:>14.3f}")
    print(f"{'pages/s':18}{ours['pages/s']:>14.0f}{base['pages/s']:>14.0f}")


if __name__ == "__main__":
    main()
