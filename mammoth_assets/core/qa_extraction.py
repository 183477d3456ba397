"""Question-answer pairs from a web page: deterministic structured data first, LLM output second.

- `structured_qa_pairs(html)`: schema.org FAQPage / QAPage in JSON-LD or microdata gives the
  pairs without an LLM call (method `jsonld` or `microdata`): each Question with its accepted
  answer, else its most upvoted suggested answer; a Question without an answer gives no pair,
  and vocabularies that are not schema.org's (capitalised keys) are not read.
- `EXTRACTION_SCHEMA` / `parse_extraction(...)`: the LLM answers with a JSON object
  `{"pairs": [{"question": ..., "answer": ...}]}`; an empty list means the page holds no pair
  (void). Anything else is a failure with a reason.
- `PageGrounding(page_text).score(question)`: share of the question's word n-grams found on the page.
  A pair whose question the page does not support is rejected: it catches hallucinated pairs and
  prompt-injection pages that make the model emit text that is not on the page.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

MAX_FIELD_CHARS = 20_000

EXTRACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pairs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "question": {"type": "string"},
                    "answer": {"type": "string"},
                },
                "required": ["question", "answer"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["pairs"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class QAPair:
    question: str
    answer: str


@dataclass(frozen=True)
class ExtractionResult:
    status: str  # "pairs", "void" or "failed"
    pairs: tuple[QAPair, ...] = ()
    reason: str = ""


# -- structured data ----------------------------------------------------------------------------
def _plain(value: Any) -> str:
    """Text of a schema.org text value (may hold HTML markup or be a list)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_plain(v) for v in value if v is not None)
    if isinstance(value, dict):
        return _plain(value.get("text") or value.get("name") or "")
    text = str(value)
    if "<" in text and ">" in text:
        try:
            fragment = lxml.html.fragment_fromstring(text, create_parent="div")
            for br in fragment.iter("br"):
                br.tail = "\n" + (br.tail or "")
            for block in fragment.iter("p", "li", "div"):
                block.tail = "\n" + (block.tail or "")
            text = fragment.text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]+>", " ", text)
    text = html_lib.unescape(text).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"[ \t]*\n\s*", "\n", text).strip()


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _walk(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _votes(value: Any) -> int:
    """An upvoteCount as an int (JSON-LD number or string, microdata content); 0 when absent."""
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class _Candidate:
    text: str
    votes: int
    author: str  # "" when the markup names none


def best_answer(candidates: list[_Candidate], question_author: str = "") -> str:
    """The text of the one most upvoted candidate; '' when there is none or several share the
    top votes (no unique best: the LLM path reads the thread instead). Where votes do not tell
    the candidates apart (a forum without voting), replies by the question's own author are set
    aside first: forum threads list the asker's "thanks, that worked" as answers too (on Q&A
    sites a voted self-answer stays a candidate)."""
    usable = [c for c in candidates if c.text]
    if len({c.votes for c in usable}) == 1 and question_author:
        usable = [c for c in usable if c.author != question_author]
    if not usable:
        return ""
    top = max(c.votes for c in usable)
    best = [c for c in usable if c.votes == top]
    return best[0].text if len(best) == 1 else ""


def _author(node: Any) -> str:
    author = node.get("author") if isinstance(node, dict) else None
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        return str(author.get("@id") or author.get("url") or author.get("name") or "")
    return str(author or "")


def _answer_nodes(question: dict[str, Any], key: str) -> list[Any]:
    answers = question.get(key)
    return answers if isinstance(answers, list) else [answers] if answers else []


def _answer_of(question: dict[str, Any]) -> str:
    """The accepted answer's text, else the most upvoted suggested answer's (schema.org QAPage:
    `acceptedAnswer`, `suggestedAnswer` with `upvoteCount`)."""
    for key in ("acceptedAnswer", "suggestedAnswer"):
        candidates = []
        for answer in _answer_nodes(question, key):
            if isinstance(answer, dict):
                text, votes = _plain(answer.get("text")), _votes(answer.get("upvoteCount"))
                candidates.append(_Candidate(text, votes, _author(answer)))
            elif isinstance(answer, str):
                candidates.append(_Candidate(_plain(answer), 0, ""))
        text = best_answer(candidates, _author(question))
        if text:
            return text
    return ""


def _question_text(question: dict[str, Any]) -> str:
    name, body = _plain(question.get("name")), _plain(question.get("text"))
    if body and name and not body.startswith(name):
        return f"{name}\n\n{body}"
    return body or name


def jsonld_blocks(root) -> list[Any]:
    blocks = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            blocks.append(json.loads(text))
        except json.JSONDecodeError:
            # Some sites put raw newlines inside strings; strict=False accepts control characters.
            try:
                blocks.append(json.loads(text, strict=False))
            except json.JSONDecodeError:
                continue
    return blocks


def _jsonld_pairs(blocks: list[Any]) -> list[QAPair]:
    pairs = []
    for node in _walk(blocks):
        if "Question" in _types(node):
            question, answer = _question_text(node), _answer_of(node)
            if question and answer:
                pairs.append(QAPair(question, answer))
    return pairs


def _itemprops(element, name: str) -> list:
    """Descendants with `itemprop=name` that belong to this item, not to a nested one."""
    found = []
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        if name in (child.get("itemprop") or "").split():
            owner = child.getparent()
            while owner is not None and owner is not element and owner.get("itemscope") is None:
                owner = owner.getparent()
            if owner is element:
                found.append(child)
    return found


def _itemprop(element, name: str):
    """The first descendant with `itemprop=name` that belongs to this item, not a nested one."""
    found = _itemprops(element, name)
    return found[0] if found else None


def _microdata_author(item) -> str:
    author = _itemprop(item, "author")
    if author is None:
        return ""
    name = _itemprop(author, "name") if author.get("itemscope") is not None else author
    return " ".join((name if name is not None else author).text_content().split())


def _microdata_votes(answer) -> int:
    votes = _itemprop(answer, "upvoteCount")
    if votes is None:
        return 0
    return _votes(votes.get("content") or votes.get("data-value") or votes.text_content())


def _microdata_text(element) -> str:
    if element is None:
        return ""
    if element.get("content"):
        return _plain(element.get("content"))
    return _plain(lxml.html.tostring(element, encoding="unicode"))


def _microdata_pairs(root) -> list[QAPair]:
    pairs = []
    for item in root.xpath("//*[@itemscope and @itemtype]"):
        if not any(t.rstrip("/").endswith("/Question") for t in item.get("itemtype").split()):
            continue
        name = _microdata_text(_itemprop(item, "name"))
        body = _microdata_text(_itemprop(item, "text"))
        question = (
            f"{name}\n\n{body}" if name and body and not body.startswith(name) else (body or name)
        )
        answer = ""
        for key in ("acceptedAnswer", "suggestedAnswer"):
            candidates = [
                _Candidate(
                    _microdata_text(_itemprop(node, "text")),
                    _microdata_votes(node),
                    _microdata_author(node),
                )
                for node in _itemprops(item, key)
            ]
            answer = best_answer(candidates, _microdata_author(item))
            if answer:
                break
        if question and answer:
            pairs.append(QAPair(question, answer))
    return pairs


def structured_qa_pairs(html: str) -> tuple[str, list[QAPair]]:
    """(method, pairs) from schema.org Question items in JSON-LD, else microdata; ("", []) if none."""
    if not html or "Question" not in html:
        return "", []
    from mammoth_assets.core.page_text import parse_html

    root = parse_html(html)
    if root is None:
        return "", []
    pairs = _dedupe(_jsonld_pairs(jsonld_blocks(root)))
    if pairs:
        return "jsonld", pairs
    pairs = _dedupe(_microdata_pairs(root))
    return ("microdata", pairs) if pairs else ("", [])


def _dedupe(pairs: list[QAPair]) -> list[QAPair]:
    seen, out = set(), []
    for pair in pairs:
        key = (pair.question, pair.answer)
        if key not in seen:
            seen.add(key)
            out.append(pair)
    return out


# -- LLM output ---------------------------------------------------------------------------------
def _loads_lenient(text: str) -> Any:
    text = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fence:
        text = fence.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            return json.loads(text[start : end + 1])
        raise


def parse_extraction(parsed: Any = None, text: str | None = None) -> ExtractionResult:
    """Read the extractor's answer (already-parsed JSON when the backend constrained it, else the
    raw text). Returns pairs, void (an empty list) or failed with the reason."""
    if parsed is None:
        if text is None or not text.strip():
            return ExtractionResult("failed", reason="empty_output")
        try:
            parsed = _loads_lenient(text)
        except json.JSONDecodeError:
            return ExtractionResult("failed", reason="unparsable_json")
    if not isinstance(parsed, dict) or not isinstance(parsed.get("pairs"), list):
        return ExtractionResult("failed", reason="schema_mismatch: expected {'pairs': [...]}")
    pairs = []
    for entry in parsed["pairs"]:
        if not isinstance(entry, dict):
            return ExtractionResult("failed", reason="schema_mismatch: pair is not an object")
        question = str(entry.get("question") or "").strip()[:MAX_FIELD_CHARS]
        answer = str(entry.get("answer") or "").strip()[:MAX_FIELD_CHARS]
        pairs.append(QAPair(question, answer))
    if not pairs:
        return ExtractionResult("void")
    return ExtractionResult("pairs", tuple(pairs))


# -- grounding ----------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def grounding_tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower())


class PageGrounding:
    """Word n-grams of one page, to score how much of a text the page supports."""

    def __init__(self, page_text: str, n: int = 3):
        self.n = n
        tokens = grounding_tokens(page_text)
        self.words = set(tokens)
        self.ngrams = {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}

    def score(self, text: str) -> float:
        """Share of `text`'s word n-grams present on the page (0..1). Texts shorter than n
        words are scored on their words: a question must be on the page, however short."""
        tokens = grounding_tokens(text)
        if not tokens:
            return 0.0
        if len(tokens) < self.n:
            return sum(t in self.words for t in tokens) / len(tokens)
        grams = [tuple(tokens[i : i + self.n]) for i in range(len(tokens) - self.n + 1)]
        return sum(g in self.ngrams for g in grams) / len(grams)


@dataclass(frozen=True)
class GroundingVerdict:
    question_score: float
    answer_score: float
    grounded: bool
    reason: str


def check_pair(
    pair: QAPair,
    page: PageGrounding,
    *,
    min_question_grounding: float = 0.6,
    min_answer_grounding: float = 0.0,
) -> GroundingVerdict:
    """Keep a pair only if its question (and optionally answer) is supported by the page."""
    if not pair.question.strip():
        return GroundingVerdict(0.0, 0.0, False, "empty_question")
    if not pair.answer.strip():
        return GroundingVerdict(0.0, 0.0, False, "empty_answer")
    q = page.score(pair.question)
    a = page.score(pair.answer)
    if q < min_question_grounding:
        return GroundingVerdict(
            q, a, False, f"question_not_on_page ({q:.2f} < {min_question_grounding})"
        )
    if a < min_answer_grounding:
        return GroundingVerdict(
            q, a, False, f"answer_not_on_page ({a:.2f} < {min_answer_grounding})"
        )
    return GroundingVerdict(q, a, True, "")
