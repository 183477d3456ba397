"""Small synthetic dumps for fast recall tests (the sample dump is for the slow test): pages of
five domains written as real WET files in a mirror with Common Crawl's layout, so the recall
assets read them through the same streaming pass as a real dump."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

from mammoth_assets.core.sample_dump import warc_record

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


def synthetic_pages(dump: str, per_domain: int = 30, seed: int = 0, empty: int = 0) -> list[tuple[str, str]]:
    """(url, text) of `per_domain` pages per domain, plus `empty` pages with no text."""
    rng = random.Random(f"{dump}:{seed}")
    pages = []
    for domain, words in DOMAINS.items():
        for i in range(per_domain):
            text = "\n".join(" ".join(rng.choice(words) for _ in range(12)) + f" {rng.randint(1, 99)}" for _ in range(6))
            pages.append((f"https://www.{domain}/page/{i}", f"{domain} page {i}\n{text}"))
    pages += [(f"https://www.news-one.com/page/{1000 + i}", "") for i in range(empty)]
    return pages


def write_synthetic_dump(mirror: Path, dump: str, per_domain: int = 30, seed: int = 0, empty: int = 0,
                         files: int = 2) -> int:
    """Write the pages as `files` WET files (round-robin) and wet.paths.gz; returns the page count."""
    pages = synthetic_pages(dump, per_domain, seed, empty)
    paths = []
    for number in range(files):
        rel = f"crawl-data/{dump}/segments/1.{number}/wet/{dump}-{number:05d}.warc.wet.gz"
        target = mirror / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for index in range(number, len(pages), files):
                url, text = pages[index]
                out.write(warc_record(
                    [("WARC-Type", "conversion"), ("WARC-Target-URI", url),
                     ("WARC-Date", "2026-11-01T00:00:00Z"),
                     ("WARC-Record-ID", f"<urn:uuid:{dump}-{seed}-{index:08d}>"),
                     ("WARC-Identified-Content-Language", "eng"), ("Content-Type", "text/plain")],
                    text.encode(),
                ))
        paths.append(rel)
    (mirror / "crawl-data" / dump / "wet.paths.gz").write_bytes(gzip.compress(("\n".join(paths) + "\n").encode()))
    return len(pages)


# Small, fast fastText settings for synthetic data.
FAST_MODEL = {"dim": 16, "epoch": 20, "lr": 0.2, "word_ngrams": 2, "min_count": 1, "bucket": 10_000,
              "heldout_fraction": 0.2, "min_heldout_precision": 0.5, "min_heldout_recall": 0.5}
