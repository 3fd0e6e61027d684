"""One click to practise, and the start form's one section or many (issue 19, item 2)."""

import re

import pytest
from django.urls import reverse

from quizapp.quizzes.models import Attempt

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


def _practise_form(html, key):
    match = re.search(r'<form method="post" action="/quiz/" class="practise-now">(.*?)</form>', html, re.S)
    assert match, "no one-click Practise form"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', match.group(1)))
    assert fields["kind"] == "section" and fields["section"] == key
    return fields


def test_the_section_pages_button_starts_a_section_quiz_at_once(client_in, learner, starter_bank):
    html = client_in.get(reverse("catalog:section", args=["lora"])).content.decode()
    fields = _practise_form(html, "lora")
    assert int(fields["length"]) == Attempt.DEFAULT_LENGTH
    response = client_in.post(reverse("quizzes:start"), fields)
    attempt = Attempt.objects.get(learner=learner)
    assert response.status_code == 302 and response["Location"] == attempt.get_absolute_url()
    assert attempt.kind == Attempt.Kind.SECTION and [s.key for s in attempt.sections.all()] == ["lora"]
    # The start form stays, for the length and other sections.
    assert reverse("quizzes:start") + "?section=lora" in html


def test_the_same_button_sent_twice_starts_one_quiz(client_in, learner, starter_bank):
    html = client_in.get(reverse("catalog:section", args=["lora"])).content.decode()
    fields = _practise_form(html, "lora")
    first = client_in.post(reverse("quizzes:start"), fields)
    second = client_in.post(reverse("quizzes:start"), fields)
    assert first["Location"] == second["Location"]
    assert Attempt.objects.filter(learner=learner).count() == 1
    assert Attempt.objects.get(learner=learner).is_open


def test_each_rendering_of_the_button_has_its_own_key(client_in, learner, starter_bank):
    keys = {_practise_form(client_in.get(reverse("catalog:section", args=["lora"])).content.decode(),
                           "lora")["start_key"] for _ in range(2)}
    assert len(keys) == 2


def test_a_section_quiz_is_one_radio_button_and_a_mixed_quiz_boxes(client_in, starter_bank):
    html = client_in.get(reverse("quizzes:start") + "?section=lora").content.decode()
    assert 'type="radio" name="section" value="lora" data-testid="section-lora" checked' in html
    assert 'type="checkbox" name="sections" value="tuning" data-part="tuning"' in html
    assert html.index('data-testid="picker-one"') < html.index('data-testid="picker-many"')


def test_a_parts_box_stands_for_its_sections_without_javascript(client_in, learner, starter_bank):
    response = client_in.post(reverse("quizzes:start"),
                              {"kind": "mixed", "sections": ["tuning"], "length": 5, "start_key": KEY})
    assert response.status_code == 302
    attempt = Attempt.objects.get(learner=learner)
    assert sorted(s.key for s in attempt.sections.all()) == ["lora", "parallel"]


def test_a_section_quiz_takes_the_radio_button_not_the_boxes(client_in, learner, starter_bank):
    client_in.post(reverse("quizzes:start"), {"kind": "section", "section": "parallel",
                                              "sections": ["lora", "history"], "length": 5})
    assert [s.key for s in Attempt.objects.get(learner=learner).sections.all()] == ["parallel"]


@pytest.mark.parametrize("data", [{}, {"sections": ["lora", "history"]}])
def test_a_section_quiz_without_one_section_says_so_above_the_list(client_in, learner, starter_bank, data):
    response = client_in.post(reverse("quizzes:start"), {"kind": "section", "length": 5, **data})
    assert response.status_code == 400
    html = response.content.decode()
    error = html.index('data-testid="sections-error"')
    assert "一个章节" in html[error:error + 300] or "exactly one" in html[error:error + 300]
    assert error < html.index('data-testid="picker-one"')
    assert not Attempt.objects.filter(learner=learner).exists()
