"""The page-text regression set: real pages from ../shared/data, read in place, with the text a
cleaner must keep and must drop, and the formulas it must keep as TeX.

Scored the way trafilatura's evaluation scores extractors: a must-keep segment found in the
output is a true positive, one missing a false negative; a must-drop segment found is a false
positive. Segments are compared after NFKC and whitespace collapsing.

Three parts:
- `HAND_PICKED`: pages that matter for WebInstruct (forums incl. XenForo/vBulletin/MyBB and
  Telerik's ASP.NET forum, Q&A sites, course pages, a worked-solution page, MathML, LaTeX
  images, a FAQ), with segments picked by hand from each page's visible text;
- trafilatura's own evaluation annotations (`evaldata.json`, 'with'/'without') for every page
  of that set that is stored under reference/ (general web pages: news, blogs, shops; two of
  them have their main container named with a chrome word: `full-content enable-pin-share`,
  `hidden-contents-menu`);
- llm-webkit's ground truth for its math pages: every formula whose TeX stands verbatim in the
  page source is a formula the cleaner must keep.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from mammoth_assets import paths

WEBKIT = "reference/ccprocessor__llm-webkit-mirror"
TRAFILATURA = "reference/adbar__trafilatura/tests"


@dataclass(frozen=True)
class RealPage:
    name: str
    path: str  # relative to the shared data dir: a .html.gz file, or a WARC file with `url`
    kind: str  # forum, qa, course, exam, faq, mathml, latex_image, news, ...
    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    formulas: tuple[str, ...] = ()  # TeX that must appear (whitespace-insensitive)
    url: str = ""  # the record's WARC-Target-URI when `path` is a WARC file
    defects: tuple[str, ...] = field(default=())  # old-cleaner defects this page shows


HAND_PICKED: tuple[RealPage, ...] = (
    RealPage(
        "physicsforums-xenforo", f"{WEBKIT}/bench/data/origin/math_physicsforums_1.html.gz", "forum",
        keep=("Can anyone help me prove under what conditions on the distance function",
              "the following inequality holds for any two probability distributions",
              "is the squared distance between",
              "Does anyone have an idea of how to prove it in some more general case?"),
        drop=("Simplifying solar cells with a new mix of materials", "Test Your NASA Knowledge",
              "Interview with a Theoretical Physicist: Sabine Hossenfelder", "Show Ignored Content"),
        formulas=("d(x_1,x_2)", "d^2(x_1,x_2)=(x_1-x_2)^2", "\\Theta"),
        defects=("forum_in_form",),
    ),
    RealPage(
        "physicshelpforum-xenforo2", f"{WEBKIT}/bench/data/origin/math_physicsforums_2.html.gz", "forum",
        keep=("For example, here is a very long equation without the align tags used in MathJax v3:",),
        drop=("You are using an out of date browser. It may not display this or other websites correctly.",
              "Install the app", "Advanced search..."),
        defects=("forum_in_form",),
    ),
    RealPage(
        "mathhelpforum-vbulletin", f"{WEBKIT}/bench/data/origin/math_mathhelpforum_1.html.gz", "forum",
        keep=("what to do next??", "i am not using sec", "You could try a hyperbolic substitution."),
        drop=("Switch to Hybrid Mode", "Show Printable Version", "Subscribe to this Thread..."),
        formulas=("z=\\frac{1}{2}\\tan x",),
        defects=("forum_in_form", "latex_image"),
    ),
    RealPage(
        "mrexcel-xenforo", f"{WEBKIT}/bench/data/origin/code_9.html.gz", "forum",
        keep=("Can anyone advise me on where I'm going wrong?",
              "You can only use .Select or Selection to reference cells on the Active Sheet.",
              "Set cRange = Range(cRange, cRange.End(xlDown))",
              "I stand corrected. Your code does seem to be working as I need it to."),
        drop=("You must log in or register to reply here.",
              "Chart data becomes inaccessible after updating PPTX chart with Excel VBA",
              "MrExcel Homepage MrExcel Bookstore MrExcel Seminars Excel Consulting Services"),
        defects=("forum_in_form",),
    ),
    RealPage(
        "telerik-aspnet-forum", f"{WEBKIT}/bench/data/origin/code_11.html.gz", "forum",
        keep=("I have Advanced Edit and Insert Form Templates built completely through code-behind for a RadScheduler.",
              "That could be a problem indeed when creating the controls dynamically.",
              "I tried implementing your suggestion, but I ran into 2 stumbling blocks.",
              "I think there is a workaround which you can use for this case."),
        drop=("Fiddler Fiddler Everywhere Fiddler Classic FiddlerCap FiddlerCore",
              "Watch a video on how to optimize your support resource searches and check out more tips on the blogs.",
              "Document Processing Library"),
        defects=("forum_in_form",),
    ),
    RealPage(
        "telerik-forum-2", f"{WEBKIT}/tests/llm_web_kit/extractor/html/recognizer/assets/cccode/telerik.html.gz", "forum",
        keep=("when EnableRowVirtualization is set to true (which is by default) that creates a lots of issues.",
              "There are 15 such columns with custom CellTemplate and DataTemplate.",
              "Do you have a solution ? I have the same issue...",
              "Here each column has a CellTemplate which contains a custom control."),
        drop=("Test Studio Test Studio Dev Edition Telerik JustMock",
              "Instantly find answers to your questions on the new Telerik Support Portal."),
    ),
    RealPage(
        "tetration-forum-mybb", f"{WEBKIT}/bench/data/origin/math_img_3.html.gz", "forum",
        drop=("Lost Password?", "Possibly Related Threads...", "« Next Oldest | Next Newest »"),
        defects=("latex_image",),
    ),
    RealPage(
        "math-se-prime", f"{WEBKIT}/bench/data/origin/math_stackexchange_1.html.gz", "qa",
        keep=("I'm having problems with exercises on proving whether or not a given number is prime.",
              "Hence $83^{27}+1$ is even, but the only even prime number is $2$",
              "It follows that our number is divisible by all the divisors of $84$.",
              "Note: none of these factors are guaranteed to be prime, just factors."),
        drop=("Stack Exchange Inbox Reputation and Badges", "Sign up or log in to customize your list.",
              "more stack exchange communities"),
        formulas=("83^{27} + 1", "83\\equiv -1\\pmod{84}"),
    ),
    RealPage(
        "math-se-pool-break", f"{WEBKIT}/tests/llm_web_kit/extractor/assets/extractor_chain_input/good_data/html/table_include_entity.html.gz", "qa",
        keep=("Imagine the beginning of a game of pool, you have 16 balls",
              "This is it.  The perfectly centered billiards break.  Behold.",
              "By the way, if you add up the sum of the squares of the speeds of the balls, you get 100, since kinetic energy is conserved.",
              "Note: I have now posted the Mathematica code on my web page."),
        drop=("Sign up or log in to customize your list.",
              "By posting your answer, you agree to the privacy policy and terms of service.",
              "A ball is thrown, where does it bounce?"),
    ),
    RealPage(
        "worldbuilding-se", f"{WEBKIT}/tests/llm_web_kit/extractor/html/recognizer/assets/ccmath/stackexchange_1_span-math-container_latex_mathjax.html.gz", "qa",
        keep=("Is there a safe but weird distance from black hole merger?",
              "I think I can now answer my own question, having come across some decent references",
              "LIGO detected the first merger of black holes at 1.3 billion light years away."),
        drop=("Try Teams for free Explore Teams", "Sign up or log in to customize your list."),
        formulas=("h \\approx {{GM} \\over c^2} \\times {1 \\over r} \\times {v^2 \\over c^2}", "M_{\\odot}"),
    ),
    RealPage(
        "stackoverflow-sensor", f"{WEBKIT}/tests/llm_web_kit/extractor/html/recognizer/assets/cccode/stackoverflow.html.gz", "qa",
        keep=("Is it possible to get the current value of the Proximity Sensor in Android?",
              "There is a good example of starting to use the Proximity sensor here",
              "import android.hardware.SensorEventListener;"),
        drop=("Find centralized, trusted content and collaborate around the technologies you use most.",
              "Labs The future of collective knowledge sharing"),
    ),
    RealPage(
        "libretexts-course", f"{WEBKIT}/bench/data/origin/math_mathjax_latex_7.html.gz", "course",
        drop=("Enable Dyslexic Font", "Download Full Book (PDF)", "Go back to previous article",
              "selected template will load here"),
    ),
    RealPage(
        "terrytao-lecture-wp-latex", f"{WEBKIT}/bench/data/origin/math_img_1.html.gz", "course",
        keep=("In previous lectures, we have established (modulo some technical details) two significant components of the proof of the Poincaré conjecture",),
        drop=("Click to email a link to a friend (Opens in new window) Email", "Subscribe to feed"),
        formulas=("\\kappa",),
        defects=("latex_image",),
    ),
    RealPage(
        "uniteasy-worked-solution", f"{WEBKIT}/bench/data/origin/math_katex_latex_1.html.gz", "exam",
        drop=("Biquadratic Equation Solver", "Polynomial Long Division", "QR Code Generator",
              "© 2023 Math Solution. All Rights Reserved."),
    ),
    RealPage(
        "upskillme-interquartile", f"{WEBKIT}/bench/data/origin/math_img_2.html.gz", "course",
        drop=("By using this site, you agree with our use of cookies.", "Privacy & Cookies Policy",
              "SAVE & ACCEPT"),
        defects=("latex_image",),
    ),
    RealPage(
        "wikipedia-variance-mathml", f"{WEBKIT}/bench/data/origin/math_none_mathml_1.html.gz", "mathml",
        drop=("About Wikipedia", "Disclaimers"),
        defects=("mathml",),
    ),
    RealPage(
        "mathjax-mathml-no-tex", f"{WEBKIT}/bench/data/origin/math_mathjax_mathml_1.html.gz", "mathml",
        keep=("The Lorenz Equations", "is an example of an inline equation."),
        formulas=("x=\\frac{-b\\pm \\sqrt{{b}^{2}-4ac}}{2a}", "\\dot{x}& =\\sigma (y-x)",
                  "\\sqrt{3x-1}+(1+x{)}^{2}"),
        defects=("mathml",),
    ),
    RealPage(
        "data-science-crash-course", "web/allenai__dolma/tests/data/warc/sample-0000.warc.gz", "course",
        url="https://maria-antoniak.github.io/2018/11/19/data-science-crash-course.html",
        keep=("Machine learning internship interviews often have three components",
              "These are the explanations I personally found most useful and intuitive.",
              "Combinatorics Cheat Sheet", "A Tutorial on Principal Component Analysis by Jonathon Shlens"),
    ),
    RealPage(
        "commoncrawl-faq", "web/allenai__dolma/tests/data/warc/sample-0001.warc.gz", "faq",
        url="https://commoncrawl.org/faq",
        keep=("What can you do with Common Crawl data?",
              "CCBot is a Nutch-based web crawler that makes use of the Apache Hadoop project.",
              "How can I block the Common Crawl CCBot?",
              "We obey the Crawl-delay parameter for robots.txt."),
        drop=("Research PapersMailing List ArchiveDiscord ServerCollaborators",),
    ),
)  # fmt: skip


def shared_dir() -> Path:
    return paths.shared_data_dir()


def available() -> bool:
    return (shared_dir() / WEBKIT).is_dir() and (shared_dir() / TRAFILATURA).is_dir()


def _warc_html(path: Path, url: str) -> str:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from mammoth_assets.core.page_text import _decode

    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
            if (record.headers.get("WARC-Target-URI") or "").strip("<>") == url:
                content_type = record.http_headers.get("Content-Type") if record.http_headers else None
                return _decode(record.reader.read(), content_type)
    raise FileNotFoundError(f"{url} not in {path}")


def page_html(page: RealPage) -> str:
    path = shared_dir() / page.path
    if page.url:
        return _warc_html(path, page.url)
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


def trafilatura_eval_pages() -> list[RealPage]:
    """trafilatura's annotated pages that are stored under reference/ (206 of 990)."""
    root = shared_dir() / TRAFILATURA
    annotations = json.loads((root / "evaldata.json").read_text())
    pages = []
    for url, entry in annotations.items():
        for folder in ("eval", "cache"):
            if (root / folder / f"{entry['file']}.gz").exists():
                pages.append(
                    RealPage(entry["file"], f"{TRAFILATURA}/{folder}/{entry['file']}.gz", "web",
                             keep=tuple(entry["with"]), drop=tuple(entry["without"]))  # fmt: skip
                )
                break
    return pages


def webkit_formula_pages() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, source path, formulas) of llm-webkit's math pages: every equation of its ground
    truth whose TeX stands verbatim in the page source."""
    root = shared_dir() / WEBKIT / "bench/data"
    out = []
    for truth in sorted((root / "groundtruth").glob("*.jsonl.gz")):
        name = truth.name.removesuffix(".jsonl.gz")
        origin = root / "origin" / f"{name}.html.gz"
        row = json.loads(gzip.decompress(truth.read_bytes()).decode().splitlines()[0])
        source = html_lib.unescape(gzip.decompress(origin.read_bytes()).decode("utf-8", "replace"))
        formulas = []
        for block in (b for blocks in row["content_list"] for b in blocks):
            if block["type"].startswith("equation"):
                formulas.append(block["content"]["math_content"])
            elif block["type"] in ("paragraph", "list", "title"):
                content = block["content"] if isinstance(block["content"], list) else []
                formulas.extend(c["c"] for c in content if isinstance(c, dict) and str(c.get("t", "")).startswith("equation"))
        verbatim = sorted({f.strip() for f in formulas if f.strip() and f.strip() in source})
        out.append((name, str(origin.relative_to(shared_dir())), tuple(verbatim)))
    return out


# -- scoring ------------------------------------------------------------------------------------
def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").replace("\xa0", " ")).strip()


def without_space(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@dataclass
class SegmentScore:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    formulas_kept: int = 0
    formulas: int = 0

    def add(self, page: RealPage, text: str) -> None:
        flat, tight = normalized(text), without_space(text)
        kept = sum(normalized(s) in flat for s in page.keep)
        leaked = sum(normalized(s) in flat for s in page.drop)
        self.tp += kept
        self.fn += len(page.keep) - kept
        self.fp += leaked
        self.tn += len(page.drop) - leaked
        self.formulas_kept += sum(without_space(f) in tight for f in page.formulas)
        self.formulas += len(page.formulas)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def formula_share(self) -> float:
        return self.formulas_kept / max(1, self.formulas)


def mathml_formulas(html: str) -> list[tuple[str, str]]:
    """(flattened text, TeX) of every `<math>` element of a page whose rendering is more than a
    symbol or two: the flattened text is what an extractor that ignores MathML leaves."""
    from mammoth_assets.core.page_text import mathml_to_tex, parse_html
    from mammoth_assets.core.page_text.math import local_name

    root = parse_html(html)
    if root is None:
        return []
    out = []
    for element in root.iter():
        if local_name(element) != "math":
            continue
        flat = without_space(" ".join(t for t in element.itertext()))
        tex = mathml_to_tex(element)
        if len(flat) >= 4 and tex:
            out.append((flat, without_space(tex)))
    return out


def flattened_count(formulas: list[tuple[str, str]], text: str) -> int:
    """Formulas whose flattened text is in `text` while their TeX is not."""
    tight = without_space(text)
    return sum(flat in tight and tex not in tight for flat, tex in formulas)


# -- clean real pages (decontamination false positives) -------------------------------------------
CLEAN_TEXT_FILES = (
    "web/mlfoundations__dclm/data/agreement_data.jsonl",
    "web/mlfoundations__dclm/data/majority_data.jsonl",
    "web/allenai__dolma/tests/data/multiple_files/cc_en_head-0091.jsonl.gz",
    "web/allenai__dolma/tests/data/multiple_files/cc_en_head-0174.jsonl.gz",
    "web/allenai__dolma/tests/data/provided/documents/000.json.gz",
)


def _warc_pages() -> list[str]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from mammoth_assets.core.page_text import _decode

    out = []
    for path in sorted((shared_dir() / "web").rglob("*.warc*")):
        try:
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                    headers = record.http_headers
                    content_type = headers.get("Content-Type") if headers else None
                    if content_type and "html" in content_type:
                        out.append(_decode(record.reader.read(), content_type))
        except Exception:  # noqa: BLE001 - deliberately broken fixtures (truncated, bad headers)
            continue
    return out


def clean_real_pages() -> list[tuple[str, str]]:
    """(source, text) of real pages that hold no benchmark item: DCLM's and dolma's Common Crawl
    documents, and the text of every HTML page in the WARC files and trafilatura's evaluation set
    (cleaned by this project's page text). Duplicates removed."""
    from mammoth_assets.core.page_text import clean_html

    texts: dict[str, str] = {}
    for name in CLEAN_TEXT_FILES:
        path = shared_dir() / name
        if not path.exists():
            continue
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in raw.decode("utf-8", "replace").splitlines():
            if line.strip():
                text = json.loads(line).get("text") or ""
                texts.setdefault(text, name)
    for html in _warc_pages():
        texts.setdefault(clean_html(html), "web WARC pages")
    for page in trafilatura_eval_pages():
        texts.setdefault(clean_html(page_html(page)), "trafilatura evaluation pages")
    return [(source, text) for text, source in texts.items() if len(text.split()) >= 50]
