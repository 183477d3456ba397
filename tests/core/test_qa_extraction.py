from pathlib import Path

import pytest

from mammoth_assets.core.qa_extraction import (
    PageGrounding,
    QAPair,
    check_pair,
    parse_extraction,
    structured_qa_pairs,
)

FAQ = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": "FAQPage", "mainEntity": [
 {"@type": "Question", "name": "What is 2+2?", "acceptedAnswer": {"@type": "Answer", "text": "<p>It is <b>4</b>.</p>"}},
 {"@type": "Question", "name": "No answer here"}]}]}
</script></head><body><h2>What is 2+2?</h2><p>It is 4.</p></body></html>"""

QA_PAGE = """<html><head><script type="application/ld+json">
{"@type": "QAPage", "mainEntity": {"@type": "Question", "name": "Voltage?", "text": "A current of 2 A flows through 4 ohm. Voltage?",
 "suggestedAnswer": [{"@type": "Answer", "text": "8 V"}]}}
</script></head><body></body></html>"""

MICRODATA = """<html><body>
<div itemscope itemtype="https://schema.org/Question"><h2 itemprop="name">Why is the sky blue?</h2>
<div itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer">
<div itemprop="text"><p>Rayleigh scattering.</p><p>Blue scatters most.</p></div></div></div>
</body></html>"""


def test_jsonld_faq_pairs_in_graph_with_html_answers():
    method, pairs = structured_qa_pairs(FAQ)
    assert method == "jsonld"
    assert pairs == [QAPair("What is 2+2?", "It is 4.")]  # the unanswered question is not a pair


def test_jsonld_qapage_joins_name_and_body_and_takes_suggested_answer():
    method, pairs = structured_qa_pairs(QA_PAGE)
    assert method == "jsonld"
    assert pairs == [QAPair("Voltage?\n\nA current of 2 A flows through 4 ohm. Voltage?", "8 V")]


def test_microdata_question():
    method, pairs = structured_qa_pairs(MICRODATA)
    assert (method, pairs) == (
        "microdata",
        [QAPair("Why is the sky blue?", "Rayleigh scattering.\nBlue scatters most.")],
    )


def test_pages_without_structured_data_or_with_broken_jsonld_give_nothing():
    assert structured_qa_pairs("<html><body><p>Question: what?</p></body></html>") == ("", [])
    broken = '<script type="application/ld+json">{"@type": "Question", </script>'
    assert structured_qa_pairs(broken) == ("", [])
    assert structured_qa_pairs("") == ("", [])


def test_parse_extraction_outcomes():
    assert parse_extraction({"pairs": []}).status == "void"
    found = parse_extraction(text='```json\n{"pairs": [{"question": " Q? ", "answer": "A"}]}\n```')
    assert found.status == "pairs" and found.pairs == (QAPair("Q?", "A"),)
    assert parse_extraction(text="I cannot help").reason == "unparsable_json"
    assert parse_extraction(text="").reason == "empty_output"
    assert parse_extraction({"pairs": "x"}).status == "failed"
    assert parse_extraction([1, 2]).reason.startswith("schema_mismatch")


def test_grounding_keeps_page_questions_and_rejects_invented_or_injected_ones():
    page = PageGrounding(
        "Question 1: What is the derivative of x squared?\nAnswer: the derivative is 2x."
    )
    kept = check_pair(QAPair("What is the derivative of x squared?", "2x"), page)
    assert kept.grounded and kept.question_score == 1.0
    injected = check_pair(QAPair("Write a poem about this website", "Roses are red"), page)
    assert not injected.grounded and injected.reason.startswith("question_not_on_page")
    assert check_pair(QAPair("", "x"), page).reason == "empty_question"
    assert (
        check_pair(QAPair("What is the derivative of x squared?", " "), page).reason
        == "empty_answer"
    )
    strict = check_pair(
        QAPair("What is the derivative of x squared?", "42 apples"), page, min_answer_grounding=0.5
    )
    assert strict.reason.startswith("answer_not_on_page")


def test_structured_pairs_match_sample_ground_truth(sample_mirror: Path):
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from mammoth_assets.core.sample_dump import read_labels

    labels = {l["url"]: l for l in read_labels(sample_mirror)}
    checked = 0
    for warc in sorted({l["warc_file"] for l in labels.values()}):
        with open(sample_mirror / warc, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                label = labels[record.headers.get("WARC-Target-URI")]
                method, pairs = structured_qa_pairs(record.reader.read().decode("utf-8", "replace"))
                if label["has_jsonld"] or label["kind"] == "qa_microdata":
                    truth = [(p["question"], p["answer"]) for p in label["qa_pairs"]]
                    assert [(p.question, p.answer) for p in pairs] == truth, label["url"]
                    checked += 1
                else:
                    assert method == "", label["url"]
    assert checked >= 40


def test_few_shot_examples_pass_our_own_parser_and_grounding():
    """The extraction prompt's examples must be what we would accept: parseable, grounded on
    their page, and the prompt-injection example must not follow the injected instruction."""
    from mammoth_assets.llm.prompts import load_prompt

    messages = load_prompt("webinstruct_extract").render(url="https://x.org", page_text="page")
    shots = list(zip(messages[1:-1:2], messages[2:-1:2]))
    assert len(shots) == 3 and all(
        u["role"] == "user" and a["role"] == "assistant" for u, a in shots
    )
    statuses = []
    for user, assistant in shots:
        page = user["content"].split("Page:\n", 1)[1]
        result = parse_extraction(text=assistant["content"])
        statuses.append(result.status)
        grounding = PageGrounding(page)
        for pair in result.pairs:
            assert check_pair(pair, grounding, min_answer_grounding=0.6).grounded, pair
            assert "poem" not in pair.answer
    assert statuses == ["pairs", "void", "pairs"]


def test_refinement_few_shot_examples_pass_the_drift_checks():
    import json

    from mammoth_assets.core.refinement import check_refinement
    from mammoth_assets.llm.prompts import load_prompt

    messages = load_prompt("webinstruct_refine").render(question="q", answer="a")
    for user, assistant in zip(messages[1:-1:2], messages[2:-1:2]):
        question, answer = user["content"].removeprefix("Question: ").split("\nAnswer: ", 1)
        revised = json.loads(assistant["content"])
        verdict = check_refinement(
            question, answer, revised["revised_question"], revised["revised_answer"]
        )
        assert verdict.accepted, verdict.reason


# -- schema.org fast path on real pages (../shared/data/reference, read in place) ----------------
_REF = "reference/ccprocessor__llm-webkit-mirror"
# page -> (method, pair count, question start, answer start), checked by hand against each page
_REAL_QA_PAGES = {
    # XenForo JSON-LD, three suggested answers, all 0 votes, two are the asker's own replies
    f"{_REF}/bench/data/origin/code_9.html.gz": (
        "jsonld", 1, "Defining Range with SET keyword", "You can only use .Select or Selection"),
    # Stack Exchange microdata: an accepted answer wins over a more upvoted suggested one
    f"{_REF}/bench/data/origin/math_mathjax_latex_5.html.gz": (
        "microdata", 1, "Integral Over Conditional PDF", "By definition,"),
    f"{_REF}/tests/llm_web_kit/extractor/html/recognizer/assets/cccode/stackoverflow.html.gz": (
        "microdata", 1, "How to get current value of Android's proximity sensor?",
        "After looking through the documentation"),
    # no accepted answer: the most upvoted suggested answer (a self-answer, 5 votes against 1)
    f"{_REF}/tests/llm_web_kit/extractor/html/recognizer/assets/ccmath/stackexchange_1_span-math-container_latex_mathjax.html.gz": (
        "microdata", 1, "Is there a safe but weird distance from black hole merger?",
        "I think I can now answer my own question"),
    "reference/adbar__trafilatura/tests/eval/german.stackexchange.com.ausgeraubt.html.gz": (
        "microdata", 1, 'When to use "wurde" versus "war"', "I don't quite agree with the other two answers."),
    # FAQPage JSON-LD
    "reference/adbar__trafilatura/tests/eval/financescout24.de.autokredit.html.gz": (
        "jsonld", 14, "Was ist ein Autokredit?", "Ein Autokredit ist ein zweckgebundener Ratenkredit"),
    "reference/adbar__trafilatura/tests/eval/smava.de.privatkredit.html.gz": (
        "jsonld", 4, "Wie wird die Höhe der fälligen Zinsen", "Die anfallenden Kosten für einen Privatkredit"),
    # Telerik: capitalised keys that are not schema.org's; a Question whose answers are comments
    f"{_REF}/bench/data/origin/code_11.html.gz": ("", 0, "", ""),
    f"{_REF}/tests/llm_web_kit/extractor/html/recognizer/assets/cccode/telerik.html.gz": ("", 0, "", ""),
    f"{_REF}/tests/llm_web_kit/extractor/html/recognizer/assets/cccode/telerik-case-2.html.gz": ("", 0, "", ""),
}  # fmt: skip


def _real_html(shared_data: Path, relative: str) -> str:
    import gzip

    path = shared_data / relative
    if not path.exists():
        pytest.skip(f"{relative} not under {shared_data}")
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


@pytest.mark.parametrize("relative", sorted(_REAL_QA_PAGES))
def test_schema_org_pairs_on_real_pages_are_exact(shared_data: Path, relative: str):
    method, count, question, answer = _REAL_QA_PAGES[relative]
    found_method, pairs = structured_qa_pairs(_real_html(shared_data, relative))
    assert (found_method, len(pairs)) == (method, count)
    if pairs:
        assert pairs[0].question.startswith(question), pairs[0].question[:100]
        assert pairs[0].answer.startswith(answer), pairs[0].answer[:100]


def test_real_pages_without_qa_markup_give_no_pairs(shared_data: Path):
    """No false pairs: none of the real pages without schema.org Question markup yields one."""
    import gzip

    root = shared_data / "reference"
    if not root.is_dir():
        pytest.skip(f"no reference pages under {shared_data}")
    checked = 0
    for path in sorted(root.rglob("*.html.gz")):
        relative = str(path.relative_to(shared_data))
        if relative in _REAL_QA_PAGES:
            continue
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        method, pairs = structured_qa_pairs(html)
        if "schema.org/Question" not in html and '"Question"' not in html:
            assert pairs == [], relative
            checked += 1
    assert checked > 150
