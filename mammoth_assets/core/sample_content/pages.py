"""HTML page builders for the sample dump. Each builder returns a `Page` with its ground truth."""

from __future__ import annotations

import html as htmllib
import json
import random
from dataclasses import dataclass, field
from typing import Callable

from mammoth_assets.core.sample_content import languages, problems, vocab
from mammoth_assets.core.sample_content.problems import Problem

MATHJAX = '<script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'


@dataclass
class Page:
    url: str
    title: str
    html: str
    kind: str
    educational: bool
    language: str = "en"
    has_jsonld: bool = False
    has_math: bool = False
    prompt_injection: bool = False
    qa_pairs: list[dict[str, str]] = field(default_factory=list)
    charset: str = "utf-8"
    verbatim_text: str | None = None  # WET text to write as is instead of extracting it from html


@dataclass(frozen=True)
class Site:
    domain: str  # registered domain
    host: str
    kind: str
    educational: bool
    pages: int
    language: str = "en"
    brand: str = ""


def esc(text: str) -> str:
    return htmllib.escape(text, quote=False)


def paragraphs(text: str) -> str:
    return "\n".join(f"<p>{esc(line)}</p>" for line in text.split("\n"))


def document(site: Site, title: str, body: str, *, head: str = "", nav: int = 6, charset: str = "utf-8") -> str:
    links = "".join(f'<li><a href="/{l.lower().replace(" ", "-")}">{esc(l)}</a></li>' for l in vocab.NAV_LINKS[:nav])
    return (
        f'<!DOCTYPE html>\n<html lang="{site.language}">\n<head>\n<meta charset="{charset}">\n'
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}</head>\n<body>\n"
        f'<header><a class="logo" href="/">{esc(site.brand or site.host)}</a><nav><ul>{links}</ul></nav></header>\n'
        f"<main>\n<h1>{esc(title)}</h1>\n{body}\n</main>\n"
        f"<footer><p>&copy; 2026 {esc(site.brand or site.domain)}</p></footer>\n</body>\n</html>\n"
    )


def jsonld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>\n'


def pair(question: str, answer: str) -> dict[str, str]:
    return {"question": question, "answer": answer}


def _problem_block(number: int, problem: Problem, task: str = "Question", solution: str = "Solution") -> str:
    return (
        f'<section class="problem">\n<h2>{esc(task)} {number}</h2>\n{paragraphs(problem.question)}\n'
        f'<h3>{esc(solution)}</h3>\n<div class="solution">{paragraphs(problem.solution)}</div>\n</section>'
    )


def _exam(rng: random.Random, site: Site, index: int, generators, topic: str) -> Page:
    chosen = [rng.choice(generators)(rng) for _ in range(rng.randint(2, 4))]
    latex = any(p.latex for p in chosen)
    level = rng.choice(["Grade 8", "Grade 9", "Grade 10", "GCSE", "A-level", "First-year", "Olympiad warm-up"])
    title = f"{level} {topic} practice test {index + 1} with worked solutions"
    intro = rng.choice(
        [
            "Try each question before opening the worked solution.",
            "Show all your working. Calculators are allowed unless stated otherwise.",
            f"This worksheet was set by {rng.choice(vocab.FIRST_NAMES)} for revision week.",
        ]
    )
    body = f"<p>{esc(intro)}</p>\n" + "\n".join(_problem_block(i + 1, p) for i, p in enumerate(chosen))
    return Page(
        url=f"https://{site.host}/{topic.lower().replace(' ', '-')}/test-{index + 1}.html",
        title=title,
        html=document(site, title, body, head=MATHJAX if latex else ""),
        kind=site.kind,
        educational=True,
        has_math=latex,
        qa_pairs=[pair(p.question, p.solution) for p in chosen],
    )


def exam_math(rng, site, index):
    return _exam(rng, site, index, problems.MATH, "Mathematics")


def exam_physics(rng, site, index):
    return _exam(rng, site, index, problems.PHYSICS, "Physics")


def exam_chemistry(rng, site, index):
    return _exam(rng, site, index, problems.CHEMISTRY, "Chemistry")


def exam_biology(rng, site, index):
    return _exam(rng, site, index, (problems.biology_choice,), "Biology quiz")


def exam_mixed(rng, site, index):
    return _exam(rng, site, index, problems.ANY_SUBJECT, "Science and maths review")


def latex_math(rng, site, index):
    return _exam(rng, site, index, problems.LATEX_MATH, "Calculus and algebra")


def forum_thread(rng: random.Random, site: Site, index: int) -> Page:
    problem = rng.choice(problems.ANY_SUBJECT)(rng)
    asker, helper, other = rng.sample(vocab.USER_NAMES, 3)
    opener = rng.choice(["Hi all, I'm stuck on this one:", "Can someone check my homework?", "Exam tomorrow, please help:"])
    question = f"{opener}\n{problem.question}"
    title = f"Help with {problem.subject}: " + problem.question.split("\n")[0][:60]
    replies = [
        (helper, problem.solution, True),
        (other, rng.choice(["Nice explanation, thanks!", "I got the same answer.", "Always check your units."]), False),
    ]
    if rng.random() < 0.5:
        replies.reverse()
    posts = "\n".join(
        f'<div class="post{" accepted" if accepted else ""}"><div class="user">{user}</div>'
        f'{"<div class=badge>Accepted answer</div>" if accepted else ""}{paragraphs(text)}</div>'
        for user, text, accepted in replies
    )
    body = (
        f'<div class="post question"><div class="user">{asker}</div>{paragraphs(question)}</div>\n'
        f'<h2>{len(replies)} replies</h2>\n{posts}'
    )
    return Page(
        url=f"https://{site.host}/threads/{index + 1000}/{problem.subject.replace(' ', '-')}",
        title=title,
        html=document(site, title, body, head=MATHJAX if problem.latex else ""),
        kind=site.kind,
        educational=True,
        has_math=problem.latex,
        qa_pairs=[pair(question, problem.solution)],
    )


def faq_jsonld(rng: random.Random, site: Site, index: int) -> Page:
    chosen = rng.sample(vocab.STUDY_FAQ, rng.randint(3, 6))
    title = f"Study help FAQ part {index + 1}"
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}} for q, a in chosen
        ],
    }
    body = "\n".join(f'<div class="faq"><h2>{esc(q)}</h2><p>{esc(a)}</p></div>' for q, a in chosen)
    return Page(
        url=f"https://{site.host}/faq/{index + 1}",
        title=title,
        html=document(site, title, body, head=jsonld(data)),
        kind=site.kind,
        educational=True,
        has_jsonld=True,
        qa_pairs=[pair(q, a) for q, a in chosen],
    )


def qa_jsonld(rng: random.Random, site: Site, index: int) -> Page:
    problem = rng.choice(problems.ANY_SUBJECT)(rng)
    suggestion = rng.choice(["Draw a diagram first.", "Write down what you know and what you need.", "Check the units."])
    data = {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "mainEntity": {
            "@type": "Question",
            "name": problem.question.split("\n")[0],
            "text": problem.question,
            "answerCount": 2,
            "acceptedAnswer": {"@type": "Answer", "text": problem.solution, "upvoteCount": rng.randint(3, 90)},
            "suggestedAnswer": [{"@type": "Answer", "text": suggestion, "upvoteCount": rng.randint(0, 5)}],
        },
    }
    title = f"Question: {problem.question.split(chr(10))[0][:70]}"
    body = (
        f'<div class="question">{paragraphs(problem.question)}</div>\n'
        f'<div class="answer accepted"><h2>Accepted answer</h2>{paragraphs(problem.solution)}</div>\n'
        f'<div class="answer"><h2>Other answer</h2><p>{esc(suggestion)}</p></div>'
    )
    return Page(
        url=f"https://{site.host}/questions/{50000 + index}",
        title=title,
        html=document(site, title, body, head=jsonld(data) + (MATHJAX if problem.latex else "")),
        kind=site.kind,
        educational=True,
        has_jsonld=True,
        has_math=problem.latex,
        qa_pairs=[pair(problem.question, problem.solution)],
    )


def qa_microdata(rng: random.Random, site: Site, index: int) -> Page:
    chosen = [rng.choice(problems.MATH + problems.PHYSICS)(rng) for _ in range(rng.randint(1, 3))]
    blocks = "\n".join(
        '<div itemscope itemtype="https://schema.org/Question">'
        f'<h2 itemprop="name">{esc(p.question)}</h2>'
        '<div itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer">'
        f'<div itemprop="text">{paragraphs(p.solution)}</div></div></div>'
        for p in chosen
    )
    title = f"Solved exercises, set {index + 1}"
    return Page(
        url=f"https://{site.host}/exercises/set-{index + 1}",
        title=title,
        html=document(site, title, blocks),
        kind=site.kind,
        educational=True,
        qa_pairs=[pair(p.question, p.solution) for p in chosen],
    )


def exam_foreign(rng: random.Random, site: Site, index: int) -> Page:
    chrome = languages.EXAM_CHROME[site.language]
    chosen = [
        rng.choice((languages.linear_problem, languages.discount_problem))(site.language, rng)
        for _ in range(rng.randint(2, 3))
    ]
    title = f"{chrome['title']} {index + 1}"
    body = f"<p>{esc(chrome['intro'])}</p>\n" + "\n".join(
        _problem_block(i + 1, p, chrome["task"], chrome["solution"]) for i, p in enumerate(chosen)
    )
    return Page(
        url=f"https://{site.host}/{chrome['slug']}/{index + 1}.html",
        title=title,
        html=document(site, title, body),
        kind=site.kind,
        educational=True,
        language=site.language,
        qa_pairs=[pair(p.question, p.solution) for p in chosen],
    )


# -- everyday (non-educational) pages ---------------------------------------------------------
def _product(rng: random.Random) -> tuple[str, float]:
    name = f"{rng.choice(vocab.PRODUCT_ADJECTIVES)} {rng.choice(vocab.PRODUCT_NOUNS)}"
    return name, rng.choice([9.99, 14.5, 19.99, 24.0, 39.95, 49.0, 79.99, 129.0, 199.0])


def shop(rng: random.Random, site: Site, index: int) -> Page:
    name, price = _product(rng)
    colour = rng.choice(vocab.COLOURS)
    related = [_product(rng) for _ in range(4)]
    title = f"{name} in {colour} | {site.brand}"
    body = (
        f'<div class="product"><p class="price">EUR {price:.2f}</p>'
        f"<p>Our {name.lower()} comes in {colour} and ships within {rng.randint(1, 5)} days. "
        f"Rated {rng.randint(35, 50) / 10} out of 5 by {rng.randint(3, 900)} customers.</p>"
        '<button>Add to cart</button></div>\n<h2>Customers also bought</h2><ul>'
        + "".join(f"<li>{esc(n)} - EUR {p:.2f}</li>" for n, p in related)
        + "</ul>"
    )
    return Page(f"https://{site.host}/products/{index + 1}-{name.lower().replace(' ', '-')}", title,
                document(site, title, body, nav=10), site.kind, False)


def shop_faq(rng: random.Random, site: Site, index: int) -> Page:
    """A shop's help page with FAQPage JSON-LD: structured Q&A that is not educational."""
    chosen = rng.sample(vocab.SHOP_FAQ, 3)
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [{"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}} for q, a in chosen],
    }
    title = f"Customer help {index + 1} | {site.brand}"
    body = "\n".join(f"<h2>{esc(q)}</h2><p>{esc(a)}</p>" for q, a in chosen)
    return Page(f"https://{site.host}/help/{index + 1}", title, document(site, title, body, head=jsonld(data)),
                site.kind, False, has_jsonld=True, qa_pairs=[pair(q, a) for q, a in chosen])


def news(rng: random.Random, site: Site, index: int) -> Page:
    town, street = rng.choice(vocab.TOWNS), rng.choice(vocab.STREETS)
    topic = rng.choice(vocab.NEWS_TOPICS).format(town=town, street=street)
    person = rng.choice(vocab.FIRST_NAMES)
    title = f"{town}: residents react to {topic}"
    body = paragraphs(
        f"Residents of {town} gathered on {rng.choice(['Monday', 'Tuesday', 'Friday'])} evening to discuss {topic}.\n"
        f"Councillor {person} said the work would cost about {rng.randint(2, 90)} thousand euros and take {rng.randint(2, 20)} weeks.\n"
        f"\"We have listened to everyone on {street},\" {person} said. A final decision is expected next month.\n"
        "Read more local stories in our weekend edition."
    )
    return Page(f"https://{site.host}/local/{2026}/{index + 1:04d}", title, document(site, title, body, nav=12),
                site.kind, False)


def sports(rng: random.Random, site: Site, index: int) -> Page:
    home, away = rng.sample(vocab.TEAMS, 2)
    hg, ag = rng.randint(0, 5), rng.randint(0, 4)
    scorer = rng.choice(vocab.FIRST_NAMES)
    title = f"{home} {hg}-{ag} {away}: match report"
    verdict = "won" if hg > ag else ("drew" if hg == ag else "lost")
    body = paragraphs(
        f"{home} {verdict} at home against {away} in front of {rng.randint(800, 20000)} fans.\n"
        f"{scorer} opened the scoring after {rng.randint(3, 40)} minutes with a header from a corner.\n"
        f"The visitors had {rng.randint(35, 65)}% of possession but could not turn it into chances.\n"
        f"Next up: an away trip to {rng.choice(vocab.TEAMS)} on Saturday."
    )
    return Page(f"https://{site.host}/reports/{index + 1}", title, document(site, title, body, nav=9), site.kind, False)


def recipe(rng: random.Random, site: Site, index: int) -> Page:
    dish, ingredients = rng.choice(vocab.DISHES)
    serves, minutes = rng.randint(2, 6), rng.choice([20, 25, 30, 40, 45, 60, 75])
    title = f"Easy {dish} for {serves} ({minutes} minutes)"
    body = (
        f"<p>My family's favourite {dish}, ready in {minutes} minutes.</p><h2>Ingredients</h2><ul>"
        + "".join(f"<li>{rng.randint(1, 4) * 50} g {esc(i)}</li>" for i in ingredients)
        + "</ul><h2>Method</h2><ol>"
        + "".join(f"<li>{esc(s)}</li>" for s in [
            "Prepare and weigh all the ingredients.",
            f"Cook gently for {minutes // 2} minutes, stirring now and then.",
            "Season to taste and serve warm.",
        ])
        + "</ol>"
    )
    return Page(f"https://{site.host}/recipes/{dish.replace(' ', '-')}-{index + 1}", title,
                document(site, title, body, nav=8), site.kind, False)


def boilerplate(rng: random.Random, site: Site, index: int) -> Page:
    categories = rng.sample(vocab.DIRECTORY_CATEGORIES, 10)
    town = rng.choice(vocab.TOWNS)
    title = f"{categories[0]} in {town} - local directory page {index + 1}"
    body = (
        '<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button> <button>Settings</button></div>'
        + "".join(f'<div class="menu"><a href="/c/{c.lower().replace(" ", "-")}">{c}</a> ({rng.randint(1, 300)})</div>' for c in categories)
        + f"<p>{rng.randint(2, 40)} listings found near {town}. Sign in to see more.</p>"
    )
    return Page(f"https://{site.host}/{town.lower().replace(' ', '-')}/{index + 1}", title,
                document(site, title, body, nav=17), site.kind, False)


def travel(rng: random.Random, site: Site, index: int) -> Page:
    town = rng.choice(vocab.TOWNS)
    title = f"A weekend in {town}: where to eat, sleep and walk"
    body = paragraphs(
        f"We spent {rng.randint(2, 4)} days in {town} and loved the old harbour.\n"
        f"Our hotel was {rng.randint(3, 15)} minutes from the station and breakfast was excellent.\n"
        f"Do not miss the walk along {rng.choice(vocab.STREETS)} at sunset."
    )
    return Page(f"https://{site.host}/trips/{town.lower().replace(' ', '-')}-{index + 1}", title,
                document(site, title, body, nav=7), site.kind, False)


def shop_foreign(rng: random.Random, site: Site, index: int) -> Page:
    chrome = languages.SHOP[site.language]
    items = rng.sample(chrome["items"], 3)
    title = f"{chrome['title']} {index + 1} - {site.brand}"
    body = "".join(
        f'<div class="item"><h2>{esc(i)}</h2><p>{rng.randint(10, 400)},{rng.choice(["00", "50", "99"])}</p><button>{esc(chrome["cta"])}</button></div>'
        for i in items
    ) + f"<p>{esc(chrome['text'])}</p>"
    return Page(f"https://{site.host}/angebot/{index + 1}", title, document(site, title, body, nav=10),
                site.kind, False, language=site.language)


def news_foreign(rng: random.Random, site: Site, index: int) -> Page:
    headline, text = languages.NEWS[site.language]
    title = f"{headline} ({index + 1})"
    body = paragraphs(text.format(town=rng.choice(vocab.TOWNS), n=rng.randint(2, 30)))
    return Page(f"https://{site.host}/news/{index + 1}", title, document(site, title, body, nav=9),
                site.kind, False, language=site.language)


BUILDERS: dict[str, Callable[[random.Random, Site, int], Page]] = {
    "exam_math": exam_math,
    "exam_physics": exam_physics,
    "exam_chemistry": exam_chemistry,
    "exam_biology": exam_biology,
    "exam_mixed": exam_mixed,
    "latex_math": latex_math,
    "forum_thread": forum_thread,
    "faq_jsonld": faq_jsonld,
    "qa_jsonld": qa_jsonld,
    "qa_microdata": qa_microdata,
    "exam_foreign": exam_foreign,
    "shop": shop,
    "shop_faq": shop_faq,
    "news": news,
    "sports": sports,
    "recipe": recipe,
    "boilerplate": boilerplate,
    "travel": travel,
    "shop_foreign": shop_foreign,
    "news_foreign": news_foreign,
}


def with_prompt_injection(rng: random.Random, page: Page) -> Page:
    """Plant an instruction aimed at an LLM into an educational-looking page."""
    injection = rng.choice(vocab.INJECTIONS)
    page.html = page.html.replace("</main>", f'<p class="note">{esc(injection)}</p>\n</main>')
    page.prompt_injection = True
    return page
