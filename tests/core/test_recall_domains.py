"""Domain verdicts: parsing, the round-2 roles that guard against a poor judge, agreement."""

from __future__ import annotations

from mammoth_assets.core import recall_domains as rd


def test_parse_domain_verdict():
    assert rd.parse_domain_verdict("YES") == rd.ACCEPT
    assert rd.parse_domain_verdict(" no, it is a shop") == rd.REJECT
    assert rd.parse_domain_verdict("Yes.") == rd.ACCEPT
    assert rd.parse_domain_verdict("maybe") == rd.UNPARSED
    assert rd.parse_domain_verdict(None) == rd.UNPARSED
    assert rd.parse_domain_verdict("") == rd.UNPARSED


def test_round2_roles_only_confirm_round1():
    assert rd.round2_role(rd.ACCEPT, favoured=True) == rd.POSITIVE_SOURCE
    assert rd.round2_role(rd.ACCEPT, favoured=False) == rd.EXCLUDED_DISAGREEMENT
    assert rd.round2_role(rd.REJECT, favoured=False) == rd.NEGATIVE_SOURCE
    assert rd.round2_role(rd.REJECT, favoured=True) == rd.EXCLUDED_DISAGREEMENT
    assert rd.round2_role(rd.UNPARSED, favoured=True) == rd.EXCLUDED_NO_VERDICT
    assert rd.round2_role(rd.FAILED, favoured=False) == rd.EXCLUDED_NO_VERDICT


def test_is_favoured():
    assert rd.is_favoured(6, 10, 0.5)
    assert not rd.is_favoured(4, 10, 0.5)
    assert not rd.is_favoured(0, 0, 0.5)


def test_verdict_agreement_counts_each_cell():
    pairs = [(rd.ACCEPT, True), (rd.ACCEPT, False), (rd.REJECT, False), (rd.REJECT, True), (rd.UNPARSED, True)]
    agreement = rd.verdict_agreement(pairs)
    assert agreement.judged == 5 and agreement.usable == 4 and agreement.agree == 2
    assert agreement.rate == 0.5
    assert agreement.as_dict()["reject_but_favoured"] == 1


def test_evidence_pages_collapse_whitespace_and_cut():
    pages = rd.evidence_pages([{"title": " Q\n1 ", "text": "a  b\n\nc" * 100}, {"title": None, "text": None}], 10)
    assert pages[0] == {"title": "Q 1", "snippet": "a b ca b c"}
    assert pages[1] == {"title": "", "snippet": ""}


def test_a_domain_is_kept_only_as_a_round2_source_where_judge_and_round1_agree():
    from mammoth_assets.core.decisions import registry

    stage = registry.DOMAIN_VERDICTS
    positive = rd.judged_decision(rd.ACCEPT, favoured=True)
    negative = rd.judged_decision(rd.REJECT, favoured=False)
    assert positive.kept and positive.detail == rd.POSITIVE_SOURCE and negative.detail == rd.NEGATIVE_SOURCE
    assert rd.judged_decision(rd.ACCEPT, favoured=False).value == "disagrees_with_round1"
    failed = rd.judged_decision(rd.FAILED, favoured=True, error="connection refused")
    assert (failed.value, failed.detail) == ("no_verdict", "failed: connection refused")
    below = rd.unjudged_decision(rd.BELOW_MIN_DOCS, 3, 4)
    assert (below.value, below.detail) == ("below_min_docs", "3 recalled pages <= 4")
    assert rd.unjudged_decision(rd.OVER_MAX_DOMAINS, 9, 2).value == "over_max_domains"
    for decision in (positive, negative, failed, below):
        stage.validate(decision)
