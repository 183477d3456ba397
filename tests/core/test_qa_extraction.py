from pathlib import Path

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
