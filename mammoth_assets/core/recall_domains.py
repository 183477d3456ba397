"""The domain step between the two recall rounds: LLM verdicts and how round 2 may use them.

A weak judge must not poison round 2. A verdict therefore only *confirms* what the round-1
classifier already says about a domain:

- accepted by the judge and favoured by round 1 (most of its pages recalled) -> positive source
- rejected by the judge and not favoured by round 1                          -> negative source
- judge and round 1 disagree, or no usable verdict                           -> not used

so round 2 never learns "positive" from a domain round 1 disliked, nor "negative" from a domain
round 1 liked. Agreement between the two is reported as a health figure of the judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from mammoth_assets.core.decisions import Decision, drop

ACCEPT = "accept"
REJECT = "reject"
UNPARSED = "unparsed"
FAILED = "failed"

POSITIVE_SOURCE = "positive_source"
NEGATIVE_SOURCE = "negative_source"
EXCLUDED_DISAGREEMENT = "excluded_disagreement"
EXCLUDED_NO_VERDICT = "excluded_no_verdict"
NOT_JUDGED = "not_judged"

# The regex the LLM output is constrained to (backends with constrained decoding enforce it).
VERDICT_REGEX = r"(YES|NO)"
_VERDICT = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def parse_domain_verdict(text: str | None) -> str:
    """ACCEPT for a leading YES, REJECT for NO, UNPARSED otherwise (raw text is kept by the caller)."""
    if not text:
        return UNPARSED
    match = _VERDICT.search(text.strip()[:64])
    if not match:
        return UNPARSED
    return ACCEPT if match.group(1).lower() == "yes" else REJECT


def is_favoured(recalled_docs: int, total_docs: int, min_fraction: float) -> bool:
    """Round 1 favours a domain when at least `min_fraction` of its scored pages were recalled."""
    return total_docs > 0 and recalled_docs / total_docs >= min_fraction


def round2_role(verdict: str, favoured: bool) -> str:
    if verdict == ACCEPT:
        return POSITIVE_SOURCE if favoured else EXCLUDED_DISAGREEMENT
    if verdict == REJECT:
        return NEGATIVE_SOURCE if not favoured else EXCLUDED_DISAGREEMENT
    return EXCLUDED_NO_VERDICT


@dataclass(frozen=True)
class Agreement:
    judged: int
    usable: int  # verdicts that parsed (accept or reject)
    agree: int
    accept_favoured: int
    accept_unfavoured: int
    reject_favoured: int
    reject_unfavoured: int

    @property
    def rate(self) -> float:
        return self.agree / self.usable if self.usable else 0.0

    def as_dict(self) -> dict:
        return {
            "judged": self.judged,
            "usable_verdicts": self.usable,
            "agree": self.agree,
            "agreement_rate": round(self.rate, 4),
            "accept_and_favoured": self.accept_favoured,
            "accept_but_unfavoured": self.accept_unfavoured,
            "reject_but_favoured": self.reject_favoured,
            "reject_and_unfavoured": self.reject_unfavoured,
        }


def verdict_agreement(pairs: Iterable[tuple[str, bool]]) -> Agreement:
    """How often the judge's verdict matches round 1's favour, over (verdict, favoured) pairs."""
    counts = {(ACCEPT, True): 0, (ACCEPT, False): 0, (REJECT, True): 0, (REJECT, False): 0}
    judged = 0
    for verdict, favoured in pairs:
        judged += 1
        if verdict in (ACCEPT, REJECT):
            counts[(verdict, bool(favoured))] += 1
    usable = sum(counts.values())
    agree = counts[(ACCEPT, True)] + counts[(REJECT, False)]
    return Agreement(
        judged,
        usable,
        agree,
        counts[(ACCEPT, True)],
        counts[(ACCEPT, False)],
        counts[(REJECT, True)],
        counts[(REJECT, False)],
    )


def evidence_pages(
    rows: Sequence[Mapping[str, object]], snippet_chars: int = 300
) -> list[dict[str, str]]:
    """Title and a whitespace-collapsed snippet per sampled page, for the verdict prompt."""
    pages = []
    for row in rows:
        text = " ".join(str(row.get("text") or "").split())
        title = " ".join(str(row.get("title") or "").split())
        pages.append({"title": title[:200], "snippet": text[:snippet_chars]})
    return pages


# -- the domain_verdicts stage: a domain is kept when round 2 learns from it -----------------------
BELOW_MIN_DOCS = "below_min_docs"
OVER_MAX_DOMAINS = "over_max_domains"


def unjudged_decision(reason: str, recalled_docs: int, limit: int) -> Decision:
    """A domain the judge was not asked about: too few recalled pages, or past max_domains."""
    if reason == BELOW_MIN_DOCS:
        return drop(BELOW_MIN_DOCS, f"{recalled_docs} recalled pages <= {limit}")
    return drop(OVER_MAX_DOMAINS, f"max_domains={limit} reached")


def judged_decision(verdict: str, favoured: bool, error: str | None = None) -> Decision:
    """Kept as a round-2 positive or negative source when the verdict agrees with round 1's favour;
    else dropped as a disagreement or for having no usable verdict."""
    role = round2_role(verdict, favoured)
    if role in (POSITIVE_SOURCE, NEGATIVE_SOURCE):
        return Decision(None, role)
    if role == EXCLUDED_DISAGREEMENT:
        return drop("disagrees_with_round1", f"verdict {verdict}, round 1 {'favours' if favoured else 'does not favour'} it")
    return drop("no_verdict", f"{verdict}: {error}" if error else verdict)
