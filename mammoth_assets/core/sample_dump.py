"""The bundled sample dump CC-MAIN-SAMPLE: a local mirror laid out like data.commoncrawl.org.

`build_sample_mirror(dest, seed)` writes, deterministically from the seed:

    dest/collinfo.json                                      Common Crawl's collection list format
    dest/crawl-data/CC-MAIN-SAMPLE/wet.paths.gz             gzip text, one relative path per line
    dest/crawl-data/CC-MAIN-SAMPLE/warc.paths.gz
    dest/crawl-data/CC-MAIN-SAMPLE/segments/<seg>/warc/<name>.warc.gz       request/response/metadata
    dest/crawl-data/CC-MAIN-SAMPLE/segments/<seg>/wet/<name>.warc.wet.gz    conversion records
    dest/crawl-data/CC-MAIN-SAMPLE/sample-labels.jsonl      ground truth, one line per page
    dest/crawl-data/CC-MAIN-SAMPLE/seed-domains.txt         a few educational domains (recall seeds)

WARC and WET files are gzip-per-record WARC/1.1, as Common Crawl writes them: each WET `conversion`
record's `WARC-Refers-To` is the record id of the WARC `response` it was extracted from (with
resiliparse). Label fields: url, domain, kind, educational, language (ISO 639-1), has_jsonld,
has_math (the page carries LaTeX math rendered by MathJax), prompt_injection, qa_pairs (the
question-answer pairs the page really shows), charset, wet_file, warc_file.

Edge records exercise readers: an empty payload, pages declared windows-1251 / iso-8859-1 in the
WARC, a WET record whose text is not UTF-8 (a broken conversion), and a page larger than
`commoncrawl.DEFAULT_MAX_RECORD_BYTES`. All text is written by the generator itself.
"""

from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import json
import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

from mammoth_assets import paths
from mammoth_assets.core import documents
from mammoth_assets.core.sample_content import pages as page_builders
from mammoth_assets.core.sample_content import vocab
from mammoth_assets.core.sample_content.pages import Page, Site

DUMP = paths.SAMPLE_DUMP
FILES_PER_TYPE = 3
HUGE_PAGE_BYTES = 1_300_000  # above commoncrawl.DEFAULT_MAX_RECORD_BYTES (1 MiB)
CRAWL_START = datetime(2026, 11, 1, tzinfo=timezone.utc)
ISO_639_3 = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "ru": "rus"}

S = Site  # short alias for the site table below
SITES: tuple[Site, ...] = (
    # educational, English
    S("mathdrillcentral.org", "www.mathdrillcentral.org", "exam_math", True, 24, brand="Math Drill Central"),
    S("algebra-worksheets.net", "algebra-worksheets.net", "exam_math", True, 16, brand="Algebra Worksheets"),
    S("physicsproblemsolved.com", "www.physicsproblemsolved.com", "exam_physics", True, 20, brand="Physics Problems Solved"),
    S("chemcalc-tutor.co.uk", "www.chemcalc-tutor.co.uk", "exam_chemistry", True, 18, brand="ChemCalc Tutor"),
    S("biologyquizbank.net", "biologyquizbank.net", "exam_biology", True, 16, brand="Biology Quiz Bank"),
    S("algebrahelpers.com", "forum.algebrahelpers.com", "forum_thread", True, 26, brand="Algebra Helpers Forum"),
    S("askscience-circle.org", "community.askscience-circle.org", "forum_thread", True, 18, brand="AskScience Circle"),
    S("studyfaq.io", "studyfaq.io", "faq_jsonld", True, 14, brand="StudyFAQ"),
    S("homeworkqa.net", "www.homeworkqa.net", "qa_jsonld", True, 24, brand="Homework Q&A"),
    S("quizmicro.academy", "quizmicro.academy", "qa_microdata", True, 12, brand="QuizMicro Academy"),
    S("latexmathnotes.org", "latexmathnotes.org", "latex_math", True, 18, brand="LaTeX Math Notes"),
    S("calculus-corner.edu.au", "www.calculus-corner.edu.au", "latex_math", True, 14, brand="Calculus Corner"),
    S("examprep-hub.com", "www.examprep-hub.com", "exam_mixed", True, 22, brand="ExamPrep Hub"),
    S("stemreview.ac.uk", "revision.stemreview.ac.uk", "exam_mixed", True, 16, brand="STEM Review"),
    # educational, other languages
    S("mathe-uebungen.de", "www.mathe-uebungen.de", "exam_foreign", True, 14, "de", "Mathe Übungen"),
    S("exercices-corriges.fr", "www.exercices-corriges.fr", "exam_foreign", True, 14, "fr", "Exercices corrigés"),
    S("problemas-resueltos.es", "problemas-resueltos.es", "exam_foreign", True, 12, "es", "Problemas resueltos"),
    S("zadachi-reshenie.ru", "zadachi-reshenie.ru", "exam_foreign", True, 12, "ru", "Задачи"),
    # everyday pages
    S("greenleaf-outlet.com", "www.greenleaf-outlet.com", "shop", False, 14, brand="Greenleaf Outlet"),
    S("gadgetbarn.shop", "gadgetbarn.shop", "shop", False, 12, brand="Gadget Barn"),
    S("bestprice-deals.com", "help.bestprice-deals.com", "shop_faq", False, 10, brand="BestPrice Deals"),
    S("dailyharbor-news.com", "www.dailyharbor-news.com", "news", False, 14, brand="Daily Harbor"),
    S("rivertown-gazette.co.uk", "www.rivertown-gazette.co.uk", "news", False, 12, brand="Rivertown Gazette"),
    S("scoreline-sports.net", "scoreline-sports.net", "sports", False, 14, brand="Scoreline"),
    S("fieldday-football.com", "www.fieldday-football.com", "sports", False, 10, brand="Field Day Football"),
    S("homekitchen-recipes.com", "www.homekitchen-recipes.com", "recipe", False, 14, brand="Home Kitchen"),
    S("spoonandfork.blog", "spoonandfork.blog", "recipe", False, 10, brand="Spoon and Fork"),
    S("cityportal-links.net", "www.cityportal-links.net", "boilerplate", False, 14, brand="City Portal"),
    S("webdirectory-hub.info", "webdirectory-hub.info", "boilerplate", False, 12, brand="Web Directory Hub"),
    S("travelwithmira.com", "www.travelwithmira.com", "travel", False, 10, brand="Travel with Mira"),
    S("wanderlust-notes.net", "wanderlust-notes.net", "travel", False, 8, brand="Wanderlust Notes"),
    S("autohaus-angebote.de", "www.autohaus-angebote.de", "shop_foreign", False, 10, "de", "Autohaus Angebote"),
    S("tienda-hogar.es", "tienda-hogar.es", "shop_foreign", False, 8, "es", "Tienda Hogar"),
    S("nouvelles-locales.fr", "www.nouvelles-locales.fr", "news_foreign", False, 10, "fr", "Nouvelles locales"),
    S("noticias-del-pueblo.es", "noticias-del-pueblo.es", "news_foreign", False, 8, "es", "Noticias del pueblo"),
    S("novosti-goroda.ru", "novosti-goroda.ru", "news_foreign", False, 10, "ru", "Новости города"),
)
# Educational domains given to recall as seeds: deliberately a minority of them.
SEED_DOMAINS = ("mathdrillcentral.org", "physicsproblemsolved.com", "homeworkqa.net", "studyfaq.io", "algebrahelpers.com")
# Sites where a couple of pages carry prompt-injection text.
INJECTED_SITES = {"examprep-hub.com": 2, "homeworkqa.net": 2, "algebrahelpers.com": 1, "mathe-uebungen.de": 1}
# Sites where one page is served in a legacy single-byte charset.
LEGACY_CHARSETS = {"zadachi-reshenie.ru": "windows-1251", "exercices-corriges.fr": "iso-8859-1"}


@dataclass(frozen=True)
class SampleManifest:
    dest: Path
    dump: str
    seed: int
    wet_paths: tuple[str, ...]
    warc_paths: tuple[str, ...]
    pages: int
    domains: int
    labels_path: Path
    seed_domains_path: Path
    collinfo_path: Path

    @property
    def base_url(self) -> str:
        return self.dest.resolve().as_uri() + "/"


@dataclass
class _Capture:
    """One page as it goes into the archive: its HTML bytes and the text for its WET record."""

    page: Page
    payload: bytes
    wet_text: bytes
    date: datetime
    extra_labels: dict[str, Any] = field(default_factory=dict)


# -- public API ---------------------------------------------------------------------------------
def build_sample_mirror(
    dest: Path,
    seed: int = 0,
    extra_pages: Sequence[dict] | None = None,
    dump: str = DUMP,
    files: int = FILES_PER_TYPE,
    docs_per_file: int = 0,
    with_warc: bool = True,
) -> SampleManifest:
    """Write the CC-MAIN-SAMPLE mirror under `dest` (deterministic for a seed). `dump` names the
    collection differently, e.g. to hold two distinct dumps in tests.

    `docs_per_file` > 0 writes a synthetic dump of any size instead: `files` WET (and WARC) files
    of exactly that many records each, from the same generator with the same labels (the sites'
    pages repeat with new indexes and fresh random content), written file by file so memory
    stays flat. `with_warc=False` skips the WARC files (WET only: faster, for benchmarks)."""
    dest = Path(dest)
    if docs_per_file > 0:
        return _build_scaled_mirror(dest, seed, dump, files, docs_per_file, with_warc)
    rng = random.Random(seed)
    site_pages = generate_pages(rng)
    site_pages += edge_pages(rng)
    site_pages += [page_from_dict(item) for item in extra_pages or ()]
    captures = [_capture(rng, page, i) for i, page in enumerate(site_pages)]
    rng.shuffle(captures)

    dump_dir = dest / "crawl-data" / dump
    warc_paths, wet_paths = [], []
    labels = []
    for number in range(files):
        segment = f"1761955200000.{number}"
        name = f"{dump}-20261101000000-20261101030000-{number:05d}"
        warc_rel = f"crawl-data/{dump}/segments/{segment}/warc/{name}.warc.gz"
        wet_rel = f"crawl-data/{dump}/segments/{segment}/wet/{name}.warc.wet.gz"
        batch = captures[number::files]
        _write_pair(rng, dest, warc_rel, wet_rel, batch, dump)
        warc_paths.append(warc_rel)
        wet_paths.append(wet_rel)
        labels += [_label(c, warc_rel, wet_rel) for c in batch]

    _write_gzip_lines(dump_dir / "warc.paths.gz", warc_paths)
    _write_gzip_lines(dump_dir / "wet.paths.gz", wet_paths)
    labels_path = dump_dir / "sample-labels.jsonl"
    labels.sort(key=lambda row: row["url"])
    labels_path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in labels))
    seeds_path = dump_dir / "seed-domains.txt"
    seeds_path.write_text("".join(d + "\n" for d in SEED_DOMAINS))
    collinfo_path = dest / "collinfo.json"
    collinfo_path.write_text(json.dumps(collinfo_entries([dump]), indent=1) + "\n")
    return SampleManifest(
        dest=dest,
        dump=dump,
        seed=seed,
        wet_paths=tuple(wet_paths),
        warc_paths=tuple(warc_paths),
        pages=len(labels),
        domains=len({row["domain"] for row in labels}),
        labels_path=labels_path,
        seed_domains_path=seeds_path,
        collinfo_path=collinfo_path,
    )


def _build_scaled_mirror(
    dest: Path, seed: int, dump: str, files: int, docs_per_file: int, with_warc: bool
) -> SampleManifest:
    dump_dir = dest / "crawl-data" / dump
    dump_dir.mkdir(parents=True, exist_ok=True)
    labels_path = dump_dir / "sample-labels.jsonl"
    warc_paths, wet_paths, domains, pages = [], [], set(), 0
    round_size = sum(site.pages for site in SITES)
    with open(labels_path, "w") as labels:
        for number in range(files):
            rng = random.Random(f"{seed}:{dump}:{number}")
            site_pages = edge_pages(rng) if number == 0 else []
            rounds = 0
            while len(site_pages) < docs_per_file:
                site_pages += generate_pages(rng, offset=(number * (docs_per_file // round_size + 2) + rounds) * 1000)
                rounds += 1
            edge, rest = site_pages[: 3 if number == 0 else 0], site_pages[3 if number == 0 else 0 :]
            rng.shuffle(rest)  # a file smaller than a round still holds every kind of page
            chosen = (edge + rest)[:docs_per_file]
            captures = [_capture(rng, page, i) for i, page in enumerate(chosen)]
            rng.shuffle(captures)
            segment = f"1761955200000.{number}"
            name = f"{dump}-20261101000000-20261101030000-{number:05d}"
            warc_rel = f"crawl-data/{dump}/segments/{segment}/warc/{name}.warc.gz"
            wet_rel = f"crawl-data/{dump}/segments/{segment}/wet/{name}.warc.wet.gz"
            _write_pair(rng, dest, warc_rel, wet_rel, captures, dump, with_warc)
            warc_paths.append(warc_rel)
            wet_paths.append(wet_rel)
            for capture in captures:
                row = _label(capture, warc_rel, wet_rel)
                domains.add(row["domain"])
                labels.write(json.dumps(row, ensure_ascii=False) + "\n")
            pages += len(captures)
    if with_warc:
        _write_gzip_lines(dump_dir / "warc.paths.gz", warc_paths)
    _write_gzip_lines(dump_dir / "wet.paths.gz", wet_paths)
    seeds_path = dump_dir / "seed-domains.txt"
    seeds_path.write_text("".join(d + "\n" for d in SEED_DOMAINS))
    collinfo_path = dest / "collinfo.json"
    collinfo_path.write_text(json.dumps(collinfo_entries([dump]), indent=1) + "\n")
    return SampleManifest(dest, dump, seed, tuple(wet_paths), tuple(warc_paths), pages, len(domains),
                          labels_path, seeds_path, collinfo_path)


def ensure_sample_mirror(dest: Path | None = None) -> Path:
    """The sample mirror directory, built on first use (default `paths.sample_mirror_dir()`).

    Safe when several processes ask at once: one builds under a lock, the others wait for it.
    collinfo.json is written last, so its presence means the mirror is complete."""
    dest = Path(dest) if dest is not None else paths.sample_mirror_dir()
    if (dest / "collinfo.json").exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / f".{dest.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (dest / "collinfo.json").exists():
                build_sample_mirror(dest)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return dest


def read_labels(mirror: Path, dump: str = DUMP) -> list[dict[str, Any]]:
    path = Path(mirror) / "crawl-data" / dump / "sample-labels.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def collinfo_entries(dumps: Sequence[str]) -> list[dict[str, str]]:
    """Entries in the format of https://index.commoncrawl.org/collinfo.json (newest first)."""
    return [
        {
            "id": dump,
            "name": f"{dump} (sample index)" if dump == DUMP else f"{dump} Index",
            "timegate": f"https://index.commoncrawl.org/{dump}/",
            "cdx-api": f"https://index.commoncrawl.org/{dump}-index",
            "from": "2026-11-01T00:00:00",
            "to": "2026-11-01T03:00:00",
        }
        for dump in dumps
    ]


# -- pages --------------------------------------------------------------------------------------
def generate_pages(rng: random.Random, offset: int = 0) -> list[Page]:
    """One round of every site's pages; `offset` shifts the page indexes (so URLs) of a round."""
    result: list[Page] = []
    for site in SITES:
        build = page_builders.BUILDERS[site.kind]
        injected = set(rng.sample(range(site.pages), INJECTED_SITES.get(site.domain, 0)))
        legacy_index = rng.randrange(site.pages) if site.domain in LEGACY_CHARSETS else -1
        for index in range(site.pages):
            page = build(rng, site, offset + index)
            if index in injected:
                page = page_builders.with_prompt_injection(rng, page)
            if index == legacy_index:
                page.charset = LEGACY_CHARSETS[site.domain]
                page.html = page.html.replace('<meta charset="utf-8">', f'<meta charset="{page.charset}">')
            result.append(page)
    return result


def edge_pages(rng: random.Random) -> list[Page]:
    """Records that readers must survive: empty, a broken (non-UTF-8) conversion, a huge page."""
    portal = next(s for s in SITES if s.domain == "cityportal-links.net")
    directory = next(s for s in SITES if s.domain == "webdirectory-hub.info")
    local_news = next(s for s in SITES if s.domain == "nouvelles-locales.fr")
    empty = Page(f"https://{portal.host}/empty-page", "", "", "edge_empty", False)
    broken = page_builders.news_foreign(rng, local_news, 999)
    broken.url = f"https://{local_news.host}/archives/ancienne-page"
    broken.kind, broken.charset = "edge_non_utf8_wet", "iso-8859-1"
    broken.html = broken.html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    rows = []
    size = 0
    while size < HUGE_PAGE_BYTES:
        category, town = rng.choice(vocab.DIRECTORY_CATEGORIES), rng.choice(vocab.TOWNS)
        row = f'<li><a href="/l/{len(rows)}">{category} {len(rows)} in {town}</a> - call 0{rng.randint(10**8, 10**9 - 1)}</li>'
        rows.append(row)
        size += len(row) - 20
    huge_title = "Every listing on one page"
    huge = Page(
        f"https://{directory.host}/all-listings",
        huge_title,
        page_builders.document(directory, huge_title, "<ul>" + "".join(rows) + "</ul>", nav=17),
        "edge_huge",
        False,
    )
    return [empty, broken, huge]


def page_from_dict(item: dict) -> Page:
    """A caller-supplied page (`url`, `text`; optional `html`, `educational`, `language`, `title`,
    `qa_pairs`, `kind`). Without `html` the page shows `text` as paragraphs and its WET text is
    `text` verbatim, so planted strings reach the documents unchanged."""
    if "url" not in item or "text" not in item:
        raise ValueError(f"extra page needs 'url' and 'text': {sorted(item)}")
    title = item.get("title") or item["text"].strip().split("\n")[0][:80]
    html = item.get("html") or (
        f'<!DOCTYPE html>\n<html lang="{item.get("language", "en")}"><head><meta charset="utf-8">'
        f"<title>{page_builders.esc(title)}</title></head><body>{page_builders.paragraphs(item['text'])}</body></html>\n"
    )
    page = Page(
        url=item["url"],
        title=title,
        html=html,
        kind=item.get("kind", "extra"),
        educational=bool(item.get("educational", False)),
        language=item.get("language", "en"),
        qa_pairs=list(item.get("qa_pairs", [])),
        has_jsonld="application/ld+json" in html,
        has_math="\\(" in html or "$$" in html,
    )
    if not item.get("html"):
        page.verbatim_text = item["text"]
    return page


# -- archive writing ----------------------------------------------------------------------------
def html_to_wet_text(html: str, title: str | None = None) -> str:
    """Text as a Common Crawl WET conversion holds it (see `documents.html_to_text`)."""
    return documents.html_to_text(html, title)


def _capture(rng: random.Random, page: Page, index: int) -> _Capture:
    date = CRAWL_START + timedelta(seconds=index * 17 + rng.randint(0, 16))
    if not page.html:
        return _Capture(page, b"", b"", date)
    payload = page.html.encode(page.charset)
    text = page.verbatim_text if page.verbatim_text is not None else html_to_wet_text(page.html, page.title or None)
    # A broken converter wrote this record in the page's own charset instead of UTF-8.
    wet_text = text.encode(page.charset if page.kind == "edge_non_utf8_wet" else "utf-8")
    return _Capture(page, payload, wet_text, date)


def _record_id(rng: random.Random) -> str:
    return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"


def _digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def warc_record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    """One gzip member holding one WARC/1.1 record (Content-Length is added here)."""
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return gzip.compress(head.encode("utf-8") + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def _warcinfo(rng: random.Random, filename: str, fields: dict[str, str]) -> tuple[str, bytes]:
    record_id = _record_id(rng)
    block = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode()
    headers = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Date", _warc_date(CRAWL_START)),
        ("WARC-Filename", filename),
        ("WARC-Record-ID", record_id),
        ("Content-Type", "application/warc-fields"),
        ("WARC-Block-Digest", _digest(block)),
    ]
    return record_id, warc_record(headers, block)


def _write_pair(
    rng: random.Random, dest: Path, warc_rel: str, wet_rel: str, batch: list[_Capture], dump: str,
    with_warc: bool = True,
) -> None:
    warc_path, wet_path = dest / warc_rel, dest / wet_rel
    if not with_warc:
        warc_path = Path(os.devnull)
    warc_path.parent.mkdir(parents=True, exist_ok=True)
    wet_path.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": dump,
        "publisher": "mammoth_assets sample generator",
        "description": "Synthetic sample crawl written by mammoth_assets (all text generated)",
        "operator": "mammoth_assets",
    }
    warcinfo_id, warcinfo = _warcinfo(rng, Path(warc_rel).name, {"software": "mammoth_assets.sample_dump", **info})
    wet_info_id, wet_info = _warcinfo(
        rng, Path(wet_rel).name, {"Software-Info": "mammoth_assets.sample_dump", "Extracted-Date": _warc_date(CRAWL_START), **info}
    )
    with open(warc_path, "wb") as warc, open(wet_path, "wb") as wet:
        warc.write(warcinfo)
        wet.write(wet_info)
        for capture in batch:
            response_id = _write_capture(rng, warc, capture, warcinfo_id)
            wet.write(_conversion_record(rng, capture, response_id, wet_info_id))


def _write_capture(rng: random.Random, out, capture: _Capture, warcinfo_id: str) -> str:
    page, date = capture.page, _warc_date(capture.date)
    parts = urlsplit(page.url)
    ip = f"203.0.113.{rng.randint(1, 254)}"  # TEST-NET-3: documentation addresses
    request_id, response_id, metadata_id = _record_id(rng), _record_id(rng), _record_id(rng)
    language = "en-US,en;q=0.5"
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nUser-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)\r\n"
        f"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        f"Accept-Language: {language}\r\nAccept-Encoding: br,gzip\r\nHost: {parts.netloc}\r\nConnection: Keep-Alive\r\n\r\n"
    ).encode()
    http_head = (
        f"HTTP/1.1 200 OK\r\nDate: {capture.date.strftime('%a, %d %b %Y %H:%M:%S GMT')}\r\nServer: nginx\r\n"
        f"Content-Type: text/html; charset={page.charset.upper() if page.charset != 'utf-8' else 'UTF-8'}\r\n"
        f"Content-Length: {len(capture.payload)}\r\n\r\n"
    ).encode()
    response = http_head + capture.payload
    common = [("WARC-Date", date), ("WARC-Warcinfo-ID", warcinfo_id), ("WARC-IP-Address", ip), ("WARC-Target-URI", page.url)]
    out.write(
        warc_record(
            [("WARC-Type", "request"), ("WARC-Record-ID", request_id), ("Content-Type", "application/http; msgtype=request"),
             ("WARC-Block-Digest", _digest(request)), *common],
            request,
        )
    )
    out.write(
        warc_record(
            [("WARC-Type", "response"), ("WARC-Record-ID", response_id), ("Content-Type", "application/http; msgtype=response"),
             ("WARC-Concurrent-To", request_id), ("WARC-Block-Digest", _digest(response)),
             ("WARC-Payload-Digest", _digest(capture.payload)), ("WARC-Identified-Payload-Type", "text/html"), *common],
            response,
        )
    )
    cld = {"reliable": True, "text-bytes": len(capture.wet_text),
           "languages": [{"code": page.language, "code-iso-639-3": ISO_639_3.get(page.language, "und"), "text-covered": 0.98}]}
    metadata = (
        f"fetchTimeMs: {rng.randint(40, 900)}\r\ncharset-detected: {page.charset.upper()}\r\n"
        f"languages-cld2: {json.dumps(cld)}\r\n"
    ).encode()
    out.write(
        warc_record(
            [("WARC-Type", "metadata"), ("WARC-Record-ID", metadata_id), ("WARC-Concurrent-To", response_id),
             ("Content-Type", "application/warc-fields"), ("WARC-Payload-Digest", _digest(metadata)),
             ("WARC-Block-Digest", _digest(metadata)), *common],
            metadata,
        )
    )
    return response_id


def _conversion_record(rng: random.Random, capture: _Capture, response_id: str, warcinfo_id: str) -> bytes:
    page = capture.page
    headers = [
        ("WARC-Type", "conversion"),
        ("WARC-Target-URI", page.url),
        ("WARC-Date", _warc_date(capture.date)),
        ("WARC-Record-ID", _record_id(rng)),
        ("WARC-Refers-To", response_id),
        ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Block-Digest", _digest(capture.wet_text)),
        ("WARC-Payload-Digest", _digest(capture.wet_text)),
        ("WARC-Identified-Content-Language", ISO_639_3.get(page.language, "und")),
        ("Content-Type", "text/plain"),
    ]
    if not capture.wet_text:
        headers = [h for h in headers if h[0] != "WARC-Identified-Content-Language"]
    return warc_record(headers, capture.wet_text)


def _label(capture: _Capture, warc_rel: str, wet_rel: str) -> dict[str, Any]:
    page = capture.page
    return {
        "url": page.url,
        "domain": registered_domain_of(page.url),
        "kind": page.kind,
        "educational": page.educational,
        "language": page.language,
        "has_jsonld": page.has_jsonld,
        "has_math": page.has_math,
        "prompt_injection": page.prompt_injection,
        "qa_pairs": page.qa_pairs,
        "charset": page.charset,
        "wet_file": wet_rel,
        "warc_file": warc_rel,
    }


def registered_domain_of(url: str) -> str:
    return documents.registered_domain(urlsplit(url).hostname or "")


def _write_gzip_lines(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(line + "\n" for line in lines).encode())
