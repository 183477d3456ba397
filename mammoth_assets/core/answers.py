"""Answer comparison: the one grader shared by rationale verification and benchmark evaluation.

`compare_answers(predicted, reference, kind=...)` decides whether a predicted final answer matches
a reference answer and says how it decided. Kinds:

- `number`: plain numbers, thousands separators, currency, percentages, units stripped. Integer
  references match predictions that round to them (and are close: 17.9999999 is 18, 17.6 is not);
  other references match within `rel_tol`, or when the prediction rounded to the reference's own
  number of decimals equals it (a reference written as 0.333 accepts 0.3333333).
- `fraction`: `3/4`, `\\frac{3}{4}`, `\\dfrac34`, compared exactly (or numerically against a number).
- `latex`: LaTeX or plain symbolic expressions, sets, intervals, equations, matrices, through
  math-verify, run with our own time limit in `core/math_verify_pool.py`.
- `boolean`: true/false/yes/no (the answer itself, or after "the answer is"; never by substring).
- `choice`: multiple-choice letters (`C`, `(C)`, `C) text`, "the answer is C"; A-Z, and A-J for
  a lone letter found in free text).
- `text`: normalized string equality.
- `auto`: boolean or choice when the reference is one, numbers/fractions when both sides are plain,
  else math-verify, else normalized text.

There is never a default answer: an empty or unparsable prediction never matches.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from mammoth_assets.core.math_verify_pool import verify_latex

KINDS = ("auto", "number", "fraction", "latex", "boolean", "choice", "text")


@dataclass(frozen=True)
class Comparison:
    match: bool
    method: str  # which comparison decided: number, fraction, latex, boolean, choice, text, empty
    predicted_normalized: str | None
    reference_normalized: str | None
    error: str | None = None  # why no comparison could be made (unparsable, timeout, ...)


# -- text normalization ------------------------------------------------------------------------
_TEXT_WRAPPERS = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_BOXED = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_SPACES = re.compile(r"\s+")


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` or `\\fbox{...}` (braces balanced; `\\boxed 5` too);
    None when there is none or its braces never close. The one \\boxed{} reader of the project."""
    matches = list(_BOXED.finditer(text))
    if not matches:
        return None
    start = matches[-1].end()
    rest = text[start:].lstrip()
    if not rest.startswith("{"):  # "\boxed 5" form
        return rest.split("$")[0].strip() or None
    start = len(text) - len(rest) + 1
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return None


def _unwrap_boxed(text: str) -> str:
    """Content of the last \\boxed{...}, or the text unchanged."""
    boxed = last_boxed(text)
    return text if boxed is None else boxed


# -- where a text states its final answer: the one "the answer is" pattern set -----------------
# "The answer is", "the final/correct/right answer is", "answer would be", "the correct option/
# choice is", GSM8K's "####", and "Answer:" / "Final answer:" at the start of a line.
ANSWER_STATEMENT = re.compile(
    r"(?:\b(?:the\s+)?(?:final\s+|correct\s+|right\s+)?answer\s+(?:is|would\s+be)"
    r"|\bthe\s+(?:final\s+|correct\s+|right\s+)?(?:option|choice)\s+(?:is|would\s+be)|####"
    r"|^[ \t]*(?:final\s+)?answer\s*:(?!\s*let's))"
    r"\s*:?\s*",
    re.IGNORECASE | re.MULTILINE,
)


def clean_stated_span(span: str) -> str:
    """A stated answer: its first paragraph, without trailing period and math delimiters."""
    span = span.strip().split("\n\n")[0].strip()
    if span.endswith("."):
        span = span[:-1].rstrip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if span.startswith(left) and span.endswith(right) and len(span) > len(left) + len(right):
            span = span[len(left) : -len(right)].strip()
    return span.strip()


def stated_answer(text: str | None) -> str | None:
    """Text after the last "the answer is" (or "####", "Answer:"), cleaned; None when none."""
    matches = list(ANSWER_STATEMENT.finditer(text or ""))
    if not matches:
        return None
    span = clean_stated_span((text or "")[matches[-1].end() :])
    return span or None


def normalize_answer_text(text: str | None) -> str:
    """Lower-cased answer text without LaTeX wrappers, math delimiters, trailing punctuation and
    redundant whitespace. Used for text comparison and as the readable normalized form."""
    if text is None:
        return ""
    text = _unwrap_boxed(str(text)).strip()
    for _ in range(3):  # nested wrappers: \text{\textbf{x}}
        text = _TEXT_WRAPPERS.sub(r"\1", text)
    text = text.replace("\\$", "").replace("$", "")
    text = text.replace("\\(", "").replace("\\)", "").replace("\\[", "").replace("\\]", "")
    text = text.replace("\\!", "").replace("\\,", " ").replace("\\;", " ").replace("~", " ")
    text = text.replace("\\left", "").replace("\\right", "")
    text = _SPACES.sub(" ", text).strip().rstrip(".").strip()
    return text.lower()


# -- numbers -----------------------------------------------------------------------------------
_CURRENCY = ("\\$", "$", "€", "£", "¥", "USD", "usd", "Rs.", "rs.")
_PERCENT = re.compile(r"\s*(?:\\%|%|\s(?:percent|percentage|pct)\b)\s*$", re.IGNORECASE)
_UNIT_WRAPPER = re.compile(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}\s*$")
_DEGREES = re.compile(r"\s*(?:\^\s*\{?\\circ\}?|°)\s*$")
_UNIT_WORDS = re.compile(r"^(?P<number>.*?\d\.?)\s*(?P<unit>(?:[A-Za-z\u00b2\u00b3/]{2,}\.?\s*){1,3})$")
_NOT_UNITS = {"pi", "sqrt", "times", "cdot", "frac", "dfrac", "tfrac", "infty", "inf", "nan", "ln", "log", "exp", "sin", "cos", "tan", "e", "i"}
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\s\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_SLASH_FRACTION = re.compile(r"^([+-]?)\s*(\d+)\s*/\s*(\d+)$")
_LATEX_FRACTION = re.compile(
    r"^([+-]?)\s*\\[dt]?frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))$"
)


@dataclass(frozen=True)
class ParsedNumber:
    value: Fraction  # exact value as written (decimals are exact too)
    decimals: int | None  # digits after the decimal point as written; None for fractions
    percent: bool

    @property
    def is_integer(self) -> bool:
        return self.value.denominator == 1 and self.decimals in (None, 0)


def _strip_math_delimiters(text: str) -> str:
    text = text.strip()
    if text.startswith("\\boxed") or ("\\boxed" in text and len(text) < 40):
        text = _unwrap_boxed(text)
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left) : len(text) - len(right)].strip()
    return text


def parse_number(text: str | None) -> ParsedNumber | None:
    """A plain number, fraction or percentage with optional currency and units; else None."""
    if text is None:
        return None
    text = _strip_math_delimiters(str(text)).rstrip(".").strip()
    if not text or len(text) > 80:
        return None
    text = _UNIT_WRAPPER.sub("", text).strip()
    text = _DEGREES.sub("", text).strip()
    percent = False
    stripped = _PERCENT.sub("", text)
    if stripped != text:
        percent, text = True, stripped.strip()
    units = _UNIT_WORDS.match(text)
    if units and units.group("unit").strip().rstrip(".").lower() not in _NOT_UNITS:
        text = units.group("number").strip()
        stripped = _PERCENT.sub("", text)
        if stripped != text:
            percent, text = True, stripped.strip()
    for symbol in _CURRENCY:
        if text.startswith(symbol):
            text = text[len(symbol) :].strip()
        elif text.startswith("-" + symbol):
            text = "-" + text[len(symbol) + 1 :].strip()
    text = text.replace("{,}", ",").replace("\\!", "").strip()
    if _THOUSANDS.match(text) or _SPACED_THOUSANDS.match(text):
        text = text.replace(",", "").replace(" ", "")
    text = re.sub(r"(?<=[+-])\s+", "", text)
    if _PLAIN.match(text):
        mantissa = text.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        try:
            return ParsedNumber(Fraction(text), decimals, percent)
        except (ValueError, ZeroDivisionError):
            return None
    fraction = _SLASH_FRACTION.match(text)
    if fraction:
        sign, numerator, denominator = fraction.groups()
    else:
        latex = _LATEX_FRACTION.match(text)
        if not latex:
            return None
        sign = latex.group(1)
        numerator = latex.group(2) or latex.group(3)
        denominator = latex.group(4) or latex.group(5)
    if int(denominator) == 0:
        return None
    value = Fraction(int(numerator), int(denominator)) * (-1 if sign == "-" else 1)
    return ParsedNumber(value, None, percent)


def parse_number_list(text: str | None) -> list[ParsedNumber] | None:
    """`10, 4, -2` as an ordered list of numbers (two or more); None for anything else."""
    if text is None or parse_number(text) is not None:
        return None
    items = _strip_math_delimiters(str(text)).rstrip(".").split(",")
    if len(items) < 2:
        return None
    numbers = [parse_number(item) for item in items]
    return None if any(number is None for number in numbers) else numbers  # type: ignore[return-value]


def _close(predicted: Fraction, reference: ParsedNumber, rel_tol: float) -> bool:
    p, g = float(predicted), float(reference.value)
    if not math.isfinite(p):
        return False
    if reference.is_integer:
        return round(p) == int(reference.value) and math.isclose(p, g, rel_tol=rel_tol, abs_tol=1e-9)
    if reference.decimals is None and predicted.denominator != 1 and abs(predicted.denominator) < 10**6:
        if predicted == reference.value:  # fraction against fraction: exact
            return True
    if math.isclose(p, g, rel_tol=rel_tol, abs_tol=1e-12):
        return True
    return reference.decimals is not None and reference.decimals > 0 and round(p, reference.decimals) == g


def _compare_numbers(p: ParsedNumber, g: ParsedNumber, rel_tol: float) -> bool:
    if _close(p.value, g, rel_tol):
        return True
    if p.percent != g.percent:  # 28% against 0.28, either way round
        scaled = p.value / 100 if p.percent else p.value * 100
        return _close(scaled, g, rel_tol)
    return False


def _format_number(number: ParsedNumber) -> str:
    value = number.value
    text = str(value.numerator) if value.denominator == 1 else (
        f"{value.numerator}/{value.denominator}" if number.decimals is None else repr(float(value))
    )
    return text + ("%" if number.percent else "")


# -- booleans and choices ----------------------------------------------------------------------
_BOOLEANS = {"true": True, "yes": True, "correct": True, "false": False, "no": False, "incorrect": False}


def parse_boolean(text: str | None) -> bool | None:
    """True/False for an answer that *is* a boolean word, or states one after "the answer is"."""
    normalized = normalize_answer_text(text).strip("()[]{}\"' ").rstrip(".!")
    if normalized in _BOOLEANS:
        return _BOOLEANS[normalized]
    stated = list(ANSWER_STATEMENT.finditer(text or ""))
    if stated:
        tail = normalize_answer_text((text or "")[stated[-1].end() :])
        word = re.match(r"\(?([a-z]+)", tail)
        if word and word.group(1) in _BOOLEANS:
            return _BOOLEANS[word.group(1)]
    return None


# A bare, leading or stated letter may be A-Z (BBH has options up to R); the last-resort lone
# capital letter in free text is limited to A-J, where it is far less likely to be a word ("I").
_BARE_CHOICE = re.compile(r"^\s*\(?\s*([A-Z])\s*\)?\s*[.:]?\s*$")
_LEADING_CHOICE = re.compile(r"^\s*(?:\(([A-Z])\)|([A-Z])[.):](?=\s|$)|([A-Z])(?=\s))")
# "the answer is C", "answer: (C)", "the answer is for sure D" (up to three words in between)
_STATED_CHOICE = re.compile(
    r"[Aa]nswer\s*(?:[Ii]s|:)?\s*[:\s]*(?:[a-z]+[\s,]+){0,3}?(?:[Oo]ption\s*)?\(?([A-Z])(?![A-Za-z0-9'])"
)
_LONE_LETTER = re.compile(r"(?<![A-Za-z0-9'])\(?([A-J])\)?(?![A-Za-z0-9'])")


def parse_choice(text: str | None, *, lenient: bool = True) -> str | None:
    """The multiple-choice letter a text gives. Strict: the text is a letter (`C`, `(C)`, `C.`) or
    starts with one followed by its option text (`(C) Cecile`, `C) Cecile`). Lenient adds "the
    answer is C" (last statement wins) and then the last standalone capital letter A-J."""
    if not text:
        return None
    text = _strip_math_delimiters(str(text))
    text = _TEXT_WRAPPERS.sub(r"\1", text)
    bare = _BARE_CHOICE.match(text)
    if bare:
        return bare.group(1)
    stated = list(_STATED_CHOICE.finditer(text))
    if stated and lenient:
        return stated[-1].group(1)
    leading = _LEADING_CHOICE.match(text)
    if leading:
        return next(group for group in leading.groups() if group)
    if not lenient:
        return None
    lone = _LONE_LETTER.findall(text)
    return lone[-1] if lone else None


# -- the comparison ----------------------------------------------------------------------------
def compare_answers(
    predicted: str | None,
    reference: str | None,
    *,
    kind: str = "auto",
    rel_tol: float = 1e-4,
    timeout_s: float = 5.0,
    float_rounding: int = 6,
    strict: bool = True,
    allow_set_relation_comp: bool = False,
) -> Comparison:
    """Compare a predicted final answer with the reference; see the module docstring for kinds.
    `float_rounding`, `strict` and `allow_set_relation_comp` are passed to math-verify."""
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    predicted = "" if predicted is None else str(predicted)
    reference = "" if reference is None else str(reference)
    pred_text, ref_text = normalize_answer_text(predicted), normalize_answer_text(reference)
    if not pred_text:
        return Comparison(False, "empty", pred_text, ref_text, "empty prediction")
    if not ref_text:
        return Comparison(False, "empty", pred_text, ref_text, "empty reference")

    if kind == "auto":
        kind = _auto_kind(predicted, reference)
    if kind == "boolean":
        p, g = parse_boolean(predicted), parse_boolean(reference)
        if g is None:
            return Comparison(False, "boolean", pred_text, ref_text, "reference is not a boolean")
        if p is None:
            return Comparison(False, "boolean", pred_text, str(g), "prediction is not a boolean")
        return Comparison(p == g, "boolean", str(p), str(g))
    if kind == "choice":
        g_choice = parse_choice(reference, lenient=True)
        p_choice = parse_choice(predicted, lenient=True)
        if g_choice is None:
            return Comparison(False, "choice", p_choice, ref_text, "reference is not a choice letter")
        if p_choice is None:
            return Comparison(False, "choice", pred_text, g_choice, "no choice letter in prediction")
        return Comparison(p_choice == g_choice, "choice", p_choice, g_choice)
    if kind in ("number", "fraction"):
        p_number, g_number = parse_number(predicted), parse_number(reference)
        if g_number is None:
            return Comparison(False, kind, pred_text, ref_text, "reference is not a number")
        if p_number is None:
            return Comparison(False, kind, pred_text, _format_number(g_number), "prediction is not a number")
        return Comparison(
            _compare_numbers(p_number, g_number, rel_tol), kind,
            _format_number(p_number), _format_number(g_number),
        )
    if kind == "text":
        return Comparison(pred_text == ref_text, "text", pred_text, ref_text)
    if kind == "number_list":  # ordered, as written: "10, 4, -2" is not "4, 10, -2"
        p_list, g_list = parse_number_list(predicted) or [], parse_number_list(reference) or []
        match = len(p_list) == len(g_list) and all(
            _compare_numbers(p, g, rel_tol) for p, g in zip(p_list, g_list)
        )
        return Comparison(
            match, "number_list",
            ", ".join(map(_format_number, p_list)), ", ".join(map(_format_number, g_list)),
        )

    # latex (explicit, or auto when the fast paths do not apply)
    verdict = verify_latex(
        predicted, reference, float_rounding=float_rounding, strict=strict,
        allow_set_relation_comp=allow_set_relation_comp, timeout_s=timeout_s,
    )
    error = verdict.get("error")
    if kind == "latex_or_text" and error and "not parsable" in error:
        return Comparison(pred_text == ref_text, "text", pred_text, ref_text)
    return Comparison(
        bool(verdict.get("match")), "latex",
        verdict.get("pred") or pred_text, verdict.get("gold") or ref_text, error,
    )


def _auto_kind(predicted: str, reference: str) -> str:
    if parse_boolean(reference) is not None and normalize_answer_text(reference) in _BOOLEANS:
        return "boolean"
    if parse_choice(reference, lenient=False) is not None and _looks_like_choice(reference):
        return "choice"
    if parse_number_list(reference) is not None and parse_number_list(predicted) is not None:
        return "number_list"
    reference_number = parse_number(reference)
    if reference_number is not None and parse_number(predicted) is not None:
        return "number" if reference_number.decimals is not None else "fraction"
    if reference_number is None and not _looks_mathematical(reference):
        return "latex_or_text"
    return "latex"


def _looks_like_choice(reference: str) -> bool:
    """A bare letter or `(C) option text`; `A dog` is text, not choice A."""
    text = reference.strip()
    return bool(_BARE_CHOICE.match(text) or re.match(r"^\(\s*[A-Z]\s*\)", text))


_MATH_HINTS = re.compile(r"[\d\\^=<>+*/()\[\]{}]|\b(?:pi|sqrt|infty)\b")


def _looks_mathematical(text: str) -> bool:
    return bool(_MATH_HINTS.search(text)) or len(text.strip()) <= 3


def answers_match(
    predicted: str | None,
    reference: str | None,
    *,
    kind: str = "auto",
    rel_tol: float = 1e-4,
    timeout_s: float = 5.0,
) -> bool:
    """Whether the predicted final answer matches the reference (see `compare_answers`)."""
    return compare_answers(predicted, reference, kind=kind, rel_tol=rel_tol, timeout_s=timeout_s).match


def compare_many(
    pairs: Iterable[tuple[str | None, str | None]] | Sequence[tuple[str | None, str | None]],
    *,
    kind: str = "auto",
    workers: int | None = None,
    **options: Any,
) -> list[Comparison]:
    """Compare many (predicted, reference) pairs in parallel threads (each with its own
    math-verify worker process). Order is preserved."""
    from concurrent.futures import ThreadPoolExecutor

    pairs = list(pairs)
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(pairs) or 1))) as pool:
        return list(pool.map(lambda pair: compare_answers(pair[0], pair[1], kind=kind, **options), pairs))

