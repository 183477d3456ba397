"""Page text on real pages: this project's cleaner beside resiliparse and trafilatura, in one run.

The pages and their expected text are the regression set of tests/core/real_pages.py, read in
place from ../shared/data: hand-picked forum, Q&A, course, worked-solution, MathML and LaTeX-image
pages; trafilatura's own evaluation pages with its must-keep/must-drop annotations; llm-webkit's
math pages with the formulas of its ground truth whose TeX stands verbatim in the source.

    main text P/R/F1   segment precision, recall, F1 (trafilatura's evaluation method)
    formulas kept      share of verbatim-TeX formulas whose TeX is in the output
    MathML flattened   MathML formulas whose flattened text is in the output but not their TeX
    pages/s            pages per CPU-second over all pages (min and median of --repeat runs)

Run:  .venv/bin/python benchmarks/webinstruct_page_text.py [--repeat 3]
      [--before path/to/old/page_text.py]   (adds the cleaner of another checkout as a column)
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))

import real_pages as rp  # noqa: E402

from mammoth_assets.core.page_text import clean_html  # noqa: E402


def resiliparse_main_content(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True, preserve_formatting=True)


def trafilatura_default(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_tables=True) or ""


def load_cleaner(path: str):
    spec = importlib.util.spec_from_file_location("before_page_text", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["before_page_text"] = module
    spec.loader.exec_module(module)
    return module.clean_html


def corpus() -> tuple[list[tuple[rp.RealPage, str]], list[tuple[rp.RealPage, str]]]:
    """(segment pages, formula pages), each with its HTML."""
    segment_pages = [(p, rp.page_html(p)) for p in rp.HAND_PICKED]
    segment_pages += [(p, rp.page_html(p)) for p in rp.trafilatura_eval_pages()]
    formula_pages = [
        (rp.RealPage(name, path, "math", formulas=formulas), None)
        for name, path, formulas in rp.webkit_formula_pages()
    ]
    formula_pages = [(p, rp.page_html(p)) for p, _ in formula_pages]
    formula_pages += [(p, html) for p, html in segment_pages[: len(rp.HAND_PICKED)] if p.formulas]
    return segment_pages, formula_pages


def evaluate(extract, segment_pages, formula_pages, mathml, repeat: int) -> dict:
    pages = [html for _, html in segment_pages] + [html for _, html in formula_pages]
    rates, outputs = [], []
    for _ in range(repeat):
        started = time.process_time()
        outputs = [extract(html) or "" for html in pages]
        rates.append(len(pages) / max(1e-9, time.process_time() - started))
    by_name = dict(zip([p.name for p, _ in segment_pages] + [p.name for p, _ in formula_pages], outputs))
    hand, web, formulas = rp.SegmentScore(), rp.SegmentScore(), rp.SegmentScore()
    for page, _ in segment_pages:
        (hand if page in rp.HAND_PICKED else web).add(page, by_name[page.name])
    for page, _ in formula_pages:
        formulas.add(rp.RealPage(page.name, page.path, page.kind, formulas=page.formulas), by_name[page.name])
    total = rp.SegmentScore(hand.tp + web.tp, hand.fn + web.fn, hand.fp + web.fp, hand.tn + web.tn)
    flattened = sum(rp.flattened_count(found, by_name[name]) for name, found in mathml.items())
    return {
        "hand": hand, "web": web, "total": total, "formulas": formulas, "flattened": flattened,
        "rate_min": min(rates), "rate_median": statistics.median(rates),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", help="path of another checkout's page_text.py to compare")
    args = parser.parse_args()
    if not rp.available():
        print(f"skipped: the real pages are not under {rp.shared_dir()} (see its MANIFEST.md)")
        return 0
    segment_pages, formula_pages = corpus()
    mathml = {}
    for page, html in formula_pages + segment_pages[: len(rp.HAND_PICKED)]:
        found = rp.mathml_formulas(html)
        if found:
            mathml[page.name] = found
    extractors = {"this project": clean_html}
    if args.before:
        extractors["before (old cleaner)"] = load_cleaner(args.before)
    extractors["resiliparse"] = resiliparse_main_content
    extractors["trafilatura"] = trafilatura_default
    results = {
        name: evaluate(fn, segment_pages, formula_pages, mathml, args.repeat)
        for name, fn in extractors.items()
    }
    hand = sum(1 for p, _ in segment_pages if p in rp.HAND_PICKED)
    print(
        f"{hand} hand-picked pages + {len(segment_pages) - hand} trafilatura-annotated pages "
        f"({sum(len(p.keep) for p, _ in segment_pages)} must-keep, "
        f"{sum(len(p.drop) for p, _ in segment_pages)} must-drop segments); "
        f"{len(formula_pages)} math pages with {sum(len(p.formulas) for p, _ in formula_pages)} "
        f"verbatim-TeX formulas; {sum(len(v) for v in mathml.values())} MathML formulas"
    )
    width = 22
    print(f"{'':34}" + "".join(f"{name:>{width}}" for name in results))
    rows = [
        ("main text precision (all)", lambda r: f"{r['total'].precision:.3f}"),
        ("main text recall (all)", lambda r: f"{r['total'].recall:.3f}"),
        ("main text F1 (all)", lambda r: f"{r['total'].f1:.3f}"),
        ("  F1 hand-picked (forums, Q&A..)", lambda r: f"{r['hand'].f1:.3f}"),
        ("  recall hand-picked", lambda r: f"{r['hand'].recall:.3f}"),
        ("  F1 trafilatura eval pages", lambda r: f"{r['web'].f1:.3f}"),
        ("verbatim-TeX formulas kept", lambda r: f"{r['formulas'].formula_share:.3f} ({r['formulas'].formulas_kept}/{r['formulas'].formulas})"),
        ("MathML formulas flattened", lambda r: f"{r['flattened']}"),
        ("pages/s, min", lambda r: f"{r['rate_min']:.0f}"),
        ("pages/s, median", lambda r: f"{r['rate_median']:.0f}"),
    ]  # fmt: skip
    for label, cell in rows:
        print(f"{label:34}" + "".join(f"{cell(r):>{width}}" for r in results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
