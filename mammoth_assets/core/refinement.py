"""Refinement output parsing and drift checks (MAmmoTH2: fix format and LaTeX, stay concise, add
missing context and reasoning steps, correct only when confident).

A refinement is rejected, with its reason, when it:
- is missing or empty (`failed_output`, `empty_revision`);
- changes what the question asks (`question_drift`: too few of the original question's content
  words survive, or too many new ones appear);
- changes the final answer (`answer_changed`: the original's final answer, a `\\boxed{}` value,
  "the answer is ..." or the last number, is no longer in the revised answer);
- drifts away from the original answer when it has no checkable final answer (`answer_drift`);
- grows far beyond the original (`length_blowup`: refiners are asked to stay concise).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from mammoth_assets.core.answers import last_boxed, stated_answer
from mammoth_assets.core.decisions import KEEP, drop, drop_coded
from mammoth_assets.core.stable_ids import stable_id

REFINEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "revised_question": {"type": "string"},
        "revised_answer": {"type": "string"},
    },
    "required": ["revised_question", "revised_answer"],
    "additionalProperties": False,
}

# Words that carry no meaning for the drift comparison.
_STOPWORD_TEXT = (
    "a an the of to in on at for and or but is are was were be been being it its this that these "
    "those with as by from what which who whom how why when where do does did can could would "
    "should will shall may might must i you he she we they me my your our their if then than so "
    "not no yes there here all any each some such into out up down over under about please find "
    "given let "
    # forum chatter a refiner is asked to remove
    "hi hey hello thanks thank thx pls plz guys everyone anyone someone help whats im ive dont "
    "cant need know question answer"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TOKEN = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:/\d+)?")


@dataclass(frozen=True)
class DriftThresholds:
    min_question_overlap: float = 0.5  # share of original question content words kept
    max_question_novelty: float = 0.6  # share of revised question content words that are new
    min_answer_overlap: float = 0.3  # for answers without a checkable final answer
    max_length_ratio: float = 8.0  # revised answer chars / original answer chars ...
    length_slack_chars: int = 600  # ... plus this many characters of added reasoning


@dataclass(frozen=True)
class RefinementVerdict:
    accepted: bool
    reason: str
    question_overlap: float
    answer_overlap: float


def parse_refinement(parsed: Any = None, text: str | None = None) -> tuple[str, str] | None:
    """(revised_question, revised_answer) from the refiner's JSON, or None when unusable."""
    if parsed is None and text:
        candidate = text.strip()
        fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", candidate, re.DOTALL)
        if fence:
            candidate = fence.group(1)
        try:
            parsed = json.loads(candidate)
        except json.JSONDecodeError:
            start, end = candidate.find("{"), candidate.rfind("}")
            try:
                parsed = json.loads(candidate[start : end + 1]) if 0 <= start < end else None
            except json.JSONDecodeError:
                parsed = None
    if not isinstance(parsed, dict):
        return None
    question, answer = parsed.get("revised_question"), parsed.get("revised_answer")
    if not isinstance(question, str) or not isinstance(answer, str):
        return None
    return question.strip(), answer.strip()


def content_words(text: str) -> set[str]:
    words = _TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower())
    return {w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())}


def _fuzzy_kept(words: set[str], others: set[str], min_ratio: float = 0.8) -> int:
    """How many of `words` appear in `others`, allowing spelling fixes (derivitive/derivative)."""
    kept = 0
    for word in words:
        if word in others or (
            len(word) > 3
            and any(
                difflib.SequenceMatcher(None, word, other).ratio() >= min_ratio
                for other in others
                if abs(len(other) - len(word)) <= 3
            )
        ):
            kept += 1
    return kept


def _normalize_answer(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\\(?:text|mathrm|mathbf|left|right|,|!|;|\s)", "", text)
    text = text.replace("$", "").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = re.sub(r"\s+", "", text)
    return text.rstrip(".")


def final_answer(text: str) -> str | None:
    """The checkable final answer of a solution text: boxed value, 'the answer is X', or the
    last number. None when the text has none (an explanation, a proof)."""
    boxed = last_boxed(text)
    if boxed:
        return boxed
    stated = stated_answer(text)
    if stated:
        return stated.splitlines()[0].strip().rstrip(".")
    numbers = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


def _answer_kept(original_final: str, revised: str) -> bool:
    target = _normalize_answer(original_final)
    if not target:
        return True
    if target in _normalize_answer(revised):
        return True
    # Numbers may be reformatted (1,000 vs 1000, 0.50 vs 0.5).
    try:
        value = float(target.replace(",", ""))
    except ValueError:
        return False
    for number in _NUMBER.findall(revised):
        try:
            if "/" not in number and abs(float(number.replace(",", "")) - value) <= 1e-9 * max(
                1, abs(value)
            ):
                return True
        except ValueError:
            continue
    return False


def check_refinement(
    question: str,
    answer: str,
    revised_question: str,
    revised_answer: str,
    thresholds: DriftThresholds = DriftThresholds(),
) -> RefinementVerdict:
    if not revised_question.strip() or not revised_answer.strip():
        return RefinementVerdict(False, "empty_revision", 0.0, 0.0)
    original_q, revised_q = content_words(question), content_words(revised_question)
    q_overlap = _fuzzy_kept(original_q, revised_q) / len(original_q) if original_q else 1.0
    q_novelty = 1 - _fuzzy_kept(revised_q, original_q) / len(revised_q) if revised_q else 0.0
    original_a, revised_a = content_words(answer), content_words(revised_answer)
    a_overlap = len(original_a & revised_a) / len(original_a) if original_a else 1.0
    if q_overlap < thresholds.min_question_overlap:
        return RefinementVerdict(
            False, f"question_drift: kept {q_overlap:.2f} of its words", q_overlap, a_overlap
        )
    if q_novelty > thresholds.max_question_novelty:
        return RefinementVerdict(
            False, f"question_drift: {q_novelty:.2f} of words are new", q_overlap, a_overlap
        )
    limit = thresholds.max_length_ratio * len(answer) + thresholds.length_slack_chars
    if len(revised_answer) > limit:
        return RefinementVerdict(
            False,
            f"length_blowup: {len(revised_answer)} > {int(limit)} chars",
            q_overlap,
            a_overlap,
        )
    original_final = final_answer(answer)
    if original_final is not None:
        if not _answer_kept(original_final, revised_answer):
            return RefinementVerdict(
                False,
                f"answer_changed: final answer {original_final!r} missing",
                q_overlap,
                a_overlap,
            )
    elif a_overlap < thresholds.min_answer_overlap:
        return RefinementVerdict(
            False, f"answer_drift: kept {a_overlap:.2f} of its words", q_overlap, a_overlap
        )
    return RefinementVerdict(True, "", q_overlap, a_overlap)


# -- the refined_qa stage: one decided row per pair and refiner ------------------------------------
def refined_id(pair_id: str, refiner: str) -> str:
    return stable_id(pair_id, refiner, prefix="rf-")


def _row(pair: dict, refiner: str, refiner_index: int, decision, version: str, **values: Any) -> dict:
    return {
        "dump": pair["dump"], "refined_id": refined_id(pair["pair_id"], refiner), "pair_id": pair["pair_id"],
        "doc_id": pair["doc_id"], "refiner": refiner, "refiner_index": refiner_index, "refiner_model": None,
        "original_question": pair["question"], "original_answer": pair["answer"],
        "revised_question": None, "revised_answer": None, **decision.columns(), "final_source": "",
        "question": None, "answer": None, "question_overlap": None, "answer_overlap": None,
        "prompt_tokens": 0, "completion_tokens": 0, "cached": False, "prompt_version": version, **values,
    }  # fmt: skip


def not_sent_row(pair: dict, refiner: str, refiner_index: int, detail: str, version: str) -> dict:
    """The row of a pair the refiner was not asked about (over the partition's cap)."""
    return _row(pair, refiner, refiner_index, drop("not_sent", detail), version)


def refinement_row(
    pair: dict, refiner: str, refiner_index: int, response: Any, thresholds: DriftThresholds, version: str
) -> dict:
    """The decided row of one refiner's answer about one pair: kept (refined) or a drop reason
    (llm_error, failed_output, or the drift check's reason). `response` is an LLM response
    (ok, error, parsed, text, model_id, prompt_tokens, completion_tokens, cached)."""
    revised = parse_refinement(response.parsed, response.text) if response.ok else None
    verdict = None
    if not response.ok:
        decision = drop("llm_error", (response.error or "no text")[:200])
    elif revised is None:
        decision = drop("failed_output", "not a {revised_question, revised_answer} object")
    else:
        verdict = check_refinement(pair["question"], pair["answer"], revised[0], revised[1], thresholds)
        decision = KEEP if verdict.accepted else drop_coded(verdict.reason)
    return _row(
        pair, refiner, refiner_index, decision, version,
        refiner_model=response.model_id,
        revised_question=revised[0] if revised else None, revised_answer=revised[1] if revised else None,
        final_source="refined" if decision.kept else "",
        question=revised[0] if decision.kept else None, answer=revised[1] if decision.kept else None,
        question_overlap=verdict.question_overlap if verdict else None,
        answer_overlap=verdict.answer_overlap if verdict else None,
        prompt_tokens=response.prompt_tokens, completion_tokens=response.completion_tokens, cached=response.cached,
    )  # fmt: skip


def apply_unrefined_fallback(rows: list[dict]) -> None:
    """For pairs whose every refinement was dropped, keep the first refiner's row with the
    original pair as the final text (final_source `original`; the drop shows in the detail)."""
    accepted = {r["pair_id"] for r in rows if r["decision"] == "kept"}
    chosen: set[str] = set()
    for row in rows:
        if row["pair_id"] in accepted or row["pair_id"] in chosen:
            continue
        chosen.add(row["pair_id"])
        rejected = row["decision"] + (f" ({row['decision_detail']})" if row["decision_detail"] else "")
        row.update(decision="kept", decision_detail=f"unrefined fallback; the refinement was dropped: {rejected}",
                   final_source="original", question=row["original_question"], answer=row["original_answer"])  # fmt: skip
