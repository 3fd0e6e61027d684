"""Authored text is untrusted: every authored field, filled with each payload, rendered on every page that
shows it, must leave no element that runs script, loads a remote resource, or restyles the page."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import NoReverseMatch, reverse

from quizapp.catalog.models import (
    AcceptedAnswer,
    Choice,
    Flashcard,
    MatchPair,
    OrderItem,
    Question,
    Section,
    Status,
)

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert('xss')>",
    "[click me](javascript:alert('xss'))",
    "<a href=\"javascript:alert('xss')\">link</a>",
    "<a href=\"jav&#x09;ascript:alert('xss')\">tab</a>",
    "<svg onload=alert('xss')><circle r=10></circle></svg>",
    "<style>body{display:none}</style>",
    '<div style="position:fixed;inset:0;background:red">cover</div>',
    '<iframe src="https://evil.example/"></iframe>',
    "![pixel](https://evil.example/p.png)",
    "<p onclick=\"alert('xss')\">click</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    "</textarea></main></body><script>alert('xss')</script>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
    '<base href="https://evil.example/">',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<form action="https://evil.example/"><button formaction="https://evil.example/">go</button></form>',
    "```\n<script>alert('xss')</script>\n```",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <script>alert(1)</script> |",
]

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "srcset",
    "xlink:href",
    "background",
}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "style", "base", "frame", "frameset", "applet"}


class Inspector(HTMLParser):
    """Collects every element of the page that could run, load or restyle."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems, self.mains = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.mains += 1
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append("<script> that is not ours")
        if tag == "link" and not (attrs.get("href") or "").startswith("/static/"):
            self.problems.append("<link> that is not ours")
        if tag == "meta" and "http-equiv" in attrs:
            self.problems.append("<meta http-equiv>")
        if tag == "img":
            self.problems.append("<img>")
        for name, value in attrs.items():
            value = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "style":
                self.problems.append(f"{tag} style=")
            if name in URL_ATTRIBUTES and (
                value.startswith(("javascript:", "data:", "vbscript:")) or "evil.example" in value
            ):
                self.problems.append(f"{tag} {name}={value[:40]}")


def assert_inert(html: str):
    inspector = Inspector()
    inspector.feed(html)
    assert inspector.problems == []
    assert inspector.mains == 1, "authored text closed or opened the page's <main>"


@pytest.fixture(params=PAYLOADS, ids=range(len(PAYLOADS)))
def evil(request, db):
    """A leaf section whose every authored field carries the payload: notes, one question of each type
    (prompt, explanation and every answer row) and a flashcard (front, back, hint)."""
    payload = request.param
    parent = Section.objects.create(key="evil-top", title=payload, order=1)
    section = Section.objects.create(key="evil", title=payload, parent=parent, order=2, notes=payload)
    questions = {}
    for type_name in ["single", "multiple", "truefalse", "fill", "ordering", "matching"]:
        q = Question.objects.create(
            key=f"evil-{type_name}",
            section=section,
            type=type_name,
            prompt=payload + " ____",
            explanation=payload,
            status=Status.PUBLISHED,
            difficulty=2,
        )
        questions[type_name] = q
        if type_name == "truefalse":
            Choice.objects.create(question=q, text="true", is_correct=True, order=0)
            Choice.objects.create(question=q, text="false", is_correct=False, order=1)
        elif type_name in ("single", "multiple"):
            for i in range(3):
                Choice.objects.create(
                    question=q,
                    text=f"{payload} {i}",
                    is_correct=i == 0 or (type_name == "multiple" and i == 1),
                    order=i,
                )
        elif type_name == "fill":
            AcceptedAnswer.objects.create(question=q, text=payload[:200])
        elif type_name == "ordering":
            for i in range(3):
                OrderItem.objects.create(question=q, text=f"{payload[:290]} {i}", position=i)
        else:
            for i in range(3):
                MatchPair.objects.create(
                    question=q, left=f"{payload[:290]} L{i}", right=f"{payload[:290]} R{i}", order=i
                )
    card = Flashcard.objects.create(
        key="evil-c01", section=section, front=payload, back=payload, hint=payload
    )
    return {"payload": payload, "section": section, "questions": questions, "card": card}


def test_section_page_notes_and_title(client, evil):
    assert_inert(client.get(evil["section"].get_absolute_url()).content.decode())
    assert_inert(client.get("/").content.decode())


def test_admin_preview_of_every_question_type_before_and_after_answering(client, teacher, evil):
    client.force_login(teacher)
    for question in evil["questions"].values():
        url = reverse("admin:catalog_question_preview", args=[question.pk])
        assert_inert(client.get(url).content.decode())
        right = {"choice": [c.pk for c in question.choices.filter(is_correct=True)], "text": "x"}
        right.update({f"pos_{i.pk}": n for n, i in enumerate(question.order_items.all(), 1)})
        right.update({f"match_{p.pk}": p.pk for p in question.match_pairs.all()})
        html = client.post(url, right).content.decode()
        assert 'data-testid="verdict"' in html  # the explanation and right answers are on the page
        assert_inert(html)


def test_admin_preview_of_the_flashcard(client, teacher, evil):
    client.force_login(teacher)
    assert_inert(
        client.get(reverse("admin:catalog_flashcard_preview", args=[evil["card"].pk])).content.decode()
    )


class FormFiller(HTMLParser):
    """The first form of a page, filled in the way a hurried learner would (first option of everything)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.action, self.data, self.in_form, self.select = None, {}, False, None
        self.selects, self.options = 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None and "question-form" in (attrs.get("class") or ""):
            self.action, self.in_form = attrs.get("action"), True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            input_type = attrs.get("type", "text")
            if input_type == "hidden" or (input_type in ("radio", "checkbox") and name not in self.data):
                self.data[name] = attrs.get("value", "")
            elif input_type == "text":
                self.data[name] = "x"
        elif tag == "button" and name and name not in self.data:
            self.data[name] = attrs.get("value", "")
        elif tag == "select":
            self.select, self.options = name, []
        elif tag == "option" and self.select and attrs.get("value"):
            self.options.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        if tag == "select" and self.select:
            # The n-th select takes the n-th option, so ordering places and matches differ from each other.
            self.data[self.select] = self.options[self.selects % len(self.options)]
            self.select, self.selects = None, self.selects + 1


def test_quiz_question_and_feedback_pages(client, learner, evil):
    try:
        start = reverse("quizzes:start")
    except NoReverseMatch:
        pytest.skip("the quiz pages are not there yet")
    client.force_login(learner)
    response = client.post(start, {"kind": "section", "sections": "evil", "length": 5}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="question-form"' in html
    assert_inert(html)
    form = FormFiller()
    form.feed(html)
    feedback = client.post(form.action, form.data, follow=True)
    assert feedback.status_code == 200, form.data
    assert_inert(feedback.content.decode())


def test_flashcard_review_page(client, learner, evil):
    try:
        review = reverse("cards:review")
    except NoReverseMatch:
        pytest.skip("the card pages are not there yet")
    client.force_login(learner)
    response = client.get(review, {"section": "evil"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-card="evil-c01"' in html
    assert_inert(html)
    reveal = re.search(r'href="([^"]*/reveal/[^"]*)"', html)
    assert reveal, "the review page offers to show the answer"
    assert_inert(client.get(unescape(reveal.group(1))).content.decode())
