"""Small synthetic `web_documents` for fast recall tests (the sample dump is for the slow test)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import polars as pl

EDU_WORDS = "solve equation answer question solution derivative integral proof exercise worked step theorem".split()
SHOP_WORDS = "buy cart shipping discount price order sale checkout shoes jacket deal coupon".split()
NEWS_WORDS = "council mayor reported weather match season yesterday police festival local road bridge".split()
DOMAINS = {
    "edu-seed-a.org": EDU_WORDS,
    "edu-seed-b.org": EDU_WORDS,
    "edu-other.net": EDU_WORDS,
    "shop-one.com": SHOP_WORDS,
    "news-one.com": NEWS_WORDS,
}


def synthetic_documents(dump: str, per_domain: int = 30, seed: int = 0, empty: int = 0) -> pl.DataFrame:
    rng = random.Random(f"{dump}:{seed}")
    rows = []
    for domain, words in DOMAINS.items():
        for i in range(per_domain):
            text = "\n".join(" ".join(rng.choice(words) for _ in range(12)) + f" {rng.randint(1, 99)}" for _ in range(6))
            rows.append(_row(dump, domain, i, f"{domain} page {i}", text))
    for i in range(empty):
        rows.append(_row(dump, "news-one.com", 1000 + i, None, ""))
    return pl.DataFrame(rows)


def _row(dump: str, domain: str, i: int, title: str | None, text: str) -> dict:
    url = f"https://www.{domain}/page/{i}"
    return {
        "dump": dump, "doc_id": f"{domain}-{i}", "url": url, "host": f"www.{domain}", "domain": domain,
        "language": "en", "title": title, "text": text, "length_chars": len(text),
        "wet_file": f"crawl-data/{dump}/x.warc.wet.gz", "wet_record_id": f"<urn:uuid:{domain}-{i}>",
        "wet_offset": i, "warc_file": f"crawl-data/{dump}/x.warc.gz", "warc_record_id": None,
        "fetch_time": datetime(2026, 11, 1, tzinfo=timezone.utc),
    }


# Small, fast fastText settings for synthetic data.
FAST_MODEL = {"dim": 16, "epoch": 20, "lr": 0.2, "word_ngrams": 2, "min_count": 1, "bucket": 10_000,
              "heldout_fraction": 0.2, "min_heldout_precision": 0.5, "min_heldout_recall": 0.5}
