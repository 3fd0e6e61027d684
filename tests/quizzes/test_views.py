import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from quizapp.catalog.models import Question, Section
from quizapp.quizzes import services
from quizapp.quizzes.mastery import section_mastery
from quizapp.quizzes.models import Attempt, LearnerSkill, Response

from tests.factories import QuestionFactory

from .helpers import answer_data, current_item

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


def start(learner, kind="mixed", sections=None, length=5):
    ids = [s.pk for s in Section.objects.filter(key__in=sections)] if sections else []
    return services.attempt_start(learner=learner, kind=kind, section_ids=ids, length=length)


def test_start_page_preselects_the_section_from_the_query(client_in, starter_bank):
    page = client_in.get(reverse("quizzes:start") + "?section=lora")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="lora" data-testid="section-lora" checked' in html
    assert 'value="section"' in html and 'checked' in html.split('value="section"')[1][:40]


def test_start_needs_log_in(client, starter_bank):
    page = client.get(reverse("quizzes:start"))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_starting_a_quiz_serves_the_first_question_and_redirects_to_it(client_in, learner, starter_bank):
    page = client_in.post(reverse("quizzes:start"), {"kind": "mixed", "length": "5"})
    attempt = Attempt.objects.get(learner=learner)
    assert page.status_code == 302 and page["Location"] == reverse("quizzes:question", args=[attempt.pk])
    assert attempt.length == 5 and attempt.items.count() == 1 and attempt.is_open


@pytest.mark.parametrize("length", ["4", "31", "x"])
def test_a_length_outside_5_to_30_is_refused(client_in, learner, starter_bank, length):
    page = client_in.post(reverse("quizzes:start"), {"kind": "mixed", "length": length})
    assert page.status_code == 400 and not Attempt.objects.exists()


def test_a_section_quiz_draws_only_from_its_section_and_is_capped_by_its_questions(learner, starter_bank):
    attempt = start(learner, kind="section", sections=["history"], length=10)
    history_ids = set(Question.objects.filter(section__key="history").values_list("pk", flat=True))
    assert set(attempt.pool) == history_ids and attempt.length == len(history_ids)


def test_starting_a_new_quiz_leaves_the_open_one(learner, starter_bank):
    first = start(learner)
    second = start(learner)
    first.refresh_from_db()
    assert first.status == Attempt.Status.ABANDONED and second.is_open


def test_question_page_full_and_partial(client_in, learner, starter_bank):
    attempt = start(learner)
    url = reverse("quizzes:question", args=[attempt.pk])
    full = client_in.get(url)
    partial = client_in.get(url, **HX)
    assert full.status_code == partial.status_code == 200
    assert b"<html" in full.content and b"<html" not in partial.content
    assert b'data-testid="question-form"' in partial.content
    assert "Question 1 of 5".encode() in full.content or "第 1 题".encode() in full.content or b"1" in full.content


def test_answering_with_htmx_swaps_feedback_with_explanation_and_notes_link(client_in, learner, starter_bank):
    attempt = start(learner)
    item = current_item(attempt)
    page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item, right=False), **HX)
    assert page.status_code == 200 and b"<html" not in page.content
    html = page.content.decode()
    assert 'data-testid="feedback"' in html and 'data-testid="right-answer"' in html
    assert reverse("catalog:section", args=[item.shown["section"]["key"]]) in html
    response = Response.objects.get()
    assert not response.correct and response.asked["prompt"] == item.question.prompt


@pytest.mark.parametrize("type_name", ["single", "multiple", "truefalse", "fill", "ordering", "matching"])
def test_a_wrong_answer_of_every_type_shows_the_right_answer(client_in, learner, starter_bank, type_name):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, type_name)
    page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item, right=False), **HX)
    assert page.status_code == 200 and 'data-testid="right-answer"' in page.content.decode()


def test_answering_without_javascript_redirects_to_a_full_feedback_page(client_in, learner, starter_bank):
    attempt = start(learner)
    posted = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)))
    assert posted.status_code == 302  # so a reload, a bookmark or the language switch GETs a page
    page = client_in.get(posted["Location"])
    assert page.status_code == 200 and b"<html" in page.content and b'data-testid="feedback"' in page.content
    assert Response.objects.get().correct


def test_the_answer_that_finishes_a_quiz_without_javascript_still_shows_its_feedback(client_in, learner,
                                                                                    starter_bank):
    attempt = start(learner, length=5)
    for _ in range(5):
        posted = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINISHED
    page = client_in.get(posted["Location"])
    html = page.content.decode()
    assert 'data-testid="feedback"' in html and reverse("quizzes:summary", args=[attempt.pk]) in html
    plain = client_in.get(reverse("quizzes:question", args=[attempt.pk]))  # later, without ?answered=
    assert plain["Location"] == reverse("quizzes:summary", args=[attempt.pk])


def test_every_question_type_is_marked_right_when_answered_right(client_in, learner, starter_bank):
    attempt = start(learner, length=8)
    seen = set()
    for _ in range(8):
        item = current_item(attempt)
        seen.add(item.shown["type"])
        page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item), **HX)
        assert page.status_code == 200
    assert seen == {"single", "multiple", "truefalse", "fill", "ordering", "matching"}
    assert Response.objects.filter(correct=True).count() == 8
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINISHED and attempt.score == 8


def test_wrong_answers_score_nothing_or_partial_credit_by_type(client_in, learner, starter_bank):
    attempt = start(learner, length=12)
    for _ in range(attempt.length):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt), right=False))
    responses = list(Response.objects.all())
    by_type = {}
    for r in responses:
        by_type.setdefault(r.asked["type"], set()).add(r.score)
    assert len(responses) == attempt.length and len(by_type) >= 3
    for type_name, scores in by_type.items():
        # All-or-nothing types score 0; ordering, matching and multiple choice keep what was partly right.
        whole = type_name in ("single", "truefalse", "fill")
        assert scores == {0} if whole else all(0 <= s < 1 for s in scores)
    assert not any(r.correct for r in responses)


def test_reaching_the_end_leads_to_the_summary(client_in, learner, starter_bank):
    attempt = start(learner, length=5)
    for _ in range(5):
        page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)), **HX)
    assert reverse("quizzes:summary", args=[attempt.pk]).encode() in page.content
    assert client_in.get(reverse("quizzes:question", args=[attempt.pk]))["Location"] == reverse(
        "quizzes:summary", args=[attempt.pk])
    summary = client_in.get(reverse("quizzes:summary", args=[attempt.pk]))
    html = summary.content.decode()
    assert summary.status_code == 200 and 'data-testid="mastery-changes"' in html
    assert "/cards/review/?section=" in html and 'data-testid="practise-weak"' in html


def test_summary_lists_missed_questions_with_explanations(client_in, learner, starter_bank):
    attempt = start(learner, length=5)
    for _ in range(5):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt), right=False))
    html = client_in.get(reverse("quizzes:summary", args=[attempt.pk])).content.decode()
    distinct = len(set(Response.objects.filter(attempt=attempt).values_list("question_id", flat=True)))
    assert html.count('data-testid="missed"') == distinct  # a question missed twice is listed once


def test_a_first_quiz_of_wrong_answers_does_not_look_like_progress(client_in, learner, starter_bank):
    attempt = start(learner, length=5)
    for _ in range(5):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt), right=False))
    changes = client_in.get(reverse("quizzes:summary", args=[attempt.pk])).context_data["changes"]
    assert changes and all(c["started_here"] and c["now"].state != "mastered" for c in changes)
    assert all(c["quiz"].right == 0 and c["quiz"].answers >= 1 for c in changes)
    touched = Response.objects.filter(attempt=attempt).values_list("section__key", flat=True).first()
    second = start(learner, kind="section", sections=[touched], length=5)
    for _ in range(second.length):
        client_in.post(reverse("quizzes:answer", args=[second.pk]), answer_data(current_item(second), right=False))
    page = client_in.get(reverse("quizzes:summary", args=[second.pk]))
    changes = page.context_data["changes"]
    assert len(changes) == 1 and not changes[0]["started_here"]  # no "not started ->" the second time
    assert "未开始" not in _mastery_table(page.content.decode())
    scored = set(Response.objects.filter(attempt=second, score__gt=0).values_list("section_id", flat=True))
    section = changes[0]["section"]
    if section.pk not in scored:  # answers with no credit never raise mastery
        after = LearnerSkill.objects.get(learner=learner, section=section).mastery
        assert after <= second.mastery_before[str(section.pk)]


def seen(html: str) -> str:
    """The text a sighted reader gets from the markup: tags and screen-reader-only text gone."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return " ".join(strip_tags(html).split())


def _mastery_table(html: str) -> str:
    return html[html.index('data-testid="mastery-changes"'):].split("</table>")[0]


def test_the_summary_tells_the_change_in_states_and_evidence(client_in, learner, starter_bank):
    attempt = start(learner, kind="section", sections=["history"], length=5)  # capped to its 4 questions
    for _ in range(attempt.length):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)))
    page = client_in.get(reverse("quizzes:summary", args=[attempt.pk]))
    table = _mastery_table(page.content.decode())
    skill = LearnerSkill.objects.get(learner=learner, section__key="history")
    state = {"learning": "学习中", "mastered": "已掌握"}[skill.state]
    assert "<td class=\"quiz-evidence\">4 题中答对 4 题</td>" in table  # this quiz's evidence
    assert f"未开始 → 4 题中答对 4 题 · {state}" in seen(table)
    assert "%" not in table
    english = client_in.get(reverse("quizzes:summary", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en")
    table = _mastery_table(english.content.decode())
    assert f"Not started → 4 of 4 right · {skill.get_state_display()}" in seen(table) and "%" not in table


def test_practise_weak_spots_starts_from_missed_questions(client_in, learner, starter_bank):
    attempt = start(learner, length=5)
    missed = set()
    for _ in range(5):
        item = current_item(attempt)
        missed.add(item.question_id)
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item, right=False))
    page = client_in.post(reverse("quizzes:start"), {"kind": "weak", "length": "10"})
    weak = Attempt.objects.open().get(learner=learner)
    assert page.status_code == 302 and missed <= set(weak.pool)


def test_mastery_read_api_and_skill_rollup(client_in, learner, starter_bank):
    attempt = start(learner, kind="section", sections=["history"], length=5)  # capped to its 4 questions
    assert attempt.length == 4
    for _ in range(4):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)))
    value, state = section_mastery(learner)["history"]
    assert 0 < value <= 1 and state in ("learning", "mastered")
    assert LearnerSkill.objects.get(learner=learner).answers == 4


def test_home_shows_the_open_quiz_to_resume(client_in, learner, starter_bank):
    attempt = start(learner)
    html = client_in.get("/").content.decode()
    assert 'data-testid="resume-quiz"' in html and reverse("quizzes:question", args=[attempt.pk]) in html


def test_home_shows_nothing_without_an_open_quiz(client, client_in, starter_bank):
    assert b'data-testid="open-quiz"' not in client_in.get("/").content
    client.logout()
    assert client.get("/").status_code == 200


def test_section_page_links_to_a_section_quiz(client_in, starter_bank):
    html = client_in.get(reverse("catalog:section", args=["lora"])).content.decode()
    assert reverse("quizzes:start") + "?section=lora" in html


def test_question_and_answer_views_use_a_constant_number_of_queries(
        client_in, learner, starter_bank, django_assert_max_num_queries):
    # History first: earlier quizzes must not make the pages slower.
    for _ in range(3):
        attempt = start(learner, length=5)
        for _ in range(5):
            client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt)))
    attempt = start(learner, length=5)
    with django_assert_max_num_queries(6):
        client_in.get(reverse("quizzes:question", args=[attempt.pk]), **HX)
    data = answer_data(current_item(attempt))
    # A right answer: session and user, the served item with the bank's fingerprint, the skills, the
    # transaction's two ends, four quiz writes (attempt, skill, response, next item), four rollups and the
    # class totals, each one statement whether its row exists or not: 15. A learner's first answer to the
    # question adds its first-answer counts, and a question this process has not read yet two reads.
    with django_assert_max_num_queries(18):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), data, **HX)
    with django_assert_max_num_queries(10):
        client_in.get(reverse("quizzes:summary", args=[attempt.pk]))


def test_a_quiz_shorter_than_asked_says_why(client_in, learner, starter_bank):
    page = client_in.post(reverse("quizzes:start"), {"kind": "section", "sections": ["history"], "length": "30"},
                          follow=True)
    n = Question.objects.filter(section__key="history").count()
    assert n < 30 and f"这里只有 {n} 道题可练习，所以本次测验共 {n} 题。" in page.content.decode()


def test_a_refused_answer_without_javascript_keeps_what_was_chosen(client_in, learner, starter_bank):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, "matching")
    data = answer_data(item)
    kept, *dropped = [key for key in data if key.startswith("match_")]
    for key in dropped:
        del data[key]  # only the first item matched: refused, nothing recorded
    page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), data)
    html = page.content.decode()
    assert page.status_code == 400 and not Response.objects.filter(item=item).exists()
    chosen = html.split(f'name="{kept}"')[1].split("</select>")[0]
    assert f'<option value="{data[kept]}" selected lang="zh-Hans">' in chosen
    for key in dropped:
        assert " selected>" not in html.split(f'name="{key}"')[1].split("</select>")[0]


def test_a_refused_fill_in_answer_without_javascript_keeps_the_typed_text(client_in, learner, starter_bank):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, "fill")
    typed = "张量" * 101  # one character over the limit: refused
    page = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), {**answer_data(item), "text": typed})
    assert page.status_code == 400 and f'value="{typed}"' in page.content.decode()


def test_feedback_marks_which_picks_of_a_partly_right_answer_were_right(client_in, learner, starter_bank):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, "multiple")
    question = Question.objects.get(pk=item.question_id)
    right = question.choices.filter(is_correct=True).first()
    wrong = question.choices.filter(is_correct=False).first()
    data = {"position": str(item.position), "question": str(item.question_id),
            "choice": [str(right.pk), str(wrong.pk)]}
    html = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), data, **HX).content.decode()
    tick, cross = '<span aria-hidden="true">✓</span>', '<span aria-hidden="true">✗</span>'
    assert f'<span class="answer-chip right">{tick} <span lang="zh-Hans">{right.text}</span>' in html
    assert f'<span class="answer-chip">{cross} <span lang="zh-Hans">{wrong.text}</span>' in html


def test_a_learner_can_leave_a_quiz_from_its_page(client_in, learner, starter_bank):
    attempt = start(learner)
    leave = reverse("quizzes:leave", args=[attempt.pk])
    assert f'action="{leave}"' in client_in.get(reverse("quizzes:question", args=[attempt.pk])).content.decode()
    page = client_in.post(leave, follow=True)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.ABANDONED
    assert page.redirect_chain[-1][0] == reverse("quizzes:start") and "你已退出这次测验" in page.content.decode()


def test_a_weak_spots_quiz_says_it_does_not_use_the_ticked_sections(client_in, learner, starter_bank):
    page = client_in.post(reverse("quizzes:start"), {"kind": "weak", "sections": ["history"], "length": "5"},
                          follow=True)
    assert Attempt.objects.get(learner=learner).kind == Attempt.Kind.WEAK
    assert "勾选的章节没有用到" in page.content.decode()


def test_in_the_english_interface_section_titles_are_marked_chinese(client_in, starter_bank):
    client_in.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client_in.get(reverse("quizzes:start")).content.decode()
    assert 'lang="en"' in html
    for title in Section.objects.values_list("title", flat=True):
        assert f'<span lang="zh-Hans">{title}</span>' in html, title


def test_a_link_can_preselect_a_mixed_quiz_over_some_sections(client_in, starter_bank):
    keys = list(Section.objects.leaves().order_by("order").values_list("key", flat=True)[:2])
    page = client_in.get(reverse("quizzes:start"), {"sections": [*keys, "no-such-section"]})
    form = page.context_data["form"]
    assert form["kind"].value() == "mixed" and set(page.context_data["selected"]) == set(keys)


def test_a_short_section_quiz_asks_each_question_once_even_when_missed(client_in, learner, starter_bank):
    attempt = start(learner, kind="section", sections=["history"], length=10)  # capped to its 4 questions
    for _ in range(attempt.length):
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(current_item(attempt), right=False))
    asked = list(attempt.items.values_list("question_id", flat=True))
    assert len(asked) == attempt.length == len(set(asked)) == 4


def test_a_missed_question_asked_again_says_so(client_in, learner, starter_bank):
    QuestionFactory.create_batch(12, section=Section.objects.get(key="lora"))  # a pool longer than the quiz
    attempt = start(learner, length=12)
    for _ in range(attempt.length):
        item = current_item(attempt)
        page = client_in.get(reverse("quizzes:question", args=[attempt.pk]))
        again = attempt.items.filter(question_id=item.question_id, position__lt=item.position).exists()
        assert ('data-testid="retry"' in page.content.decode()) == again
        client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item, right=False))
    assert attempt.items.values("question_id").distinct().count() < attempt.length  # some came back


def test_a_fill_in_answer_one_letter_off_is_wrong_but_the_feedback_shows_it_was_close(client_in, learner,
                                                                                       starter_bank):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, "fill")
    question = Question.objects.get(pk=item.question_id)
    accepted = max((a.text for a in question.accepted_answers.all()), key=len)
    assert len(accepted) >= 6
    slip = "q" if accepted[3] != "q" else "z"
    typed = accepted[:3] + slip + accepted[4:]  # one character replaced
    data = {"position": str(item.position), "question": str(item.question_id), "text": typed}
    html = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), data, **HX).content.decode()

    assert not Response.objects.get(item=item).correct
    assert "不太对。" in html and 'data-testid="near-miss"' in html
    # Told in words, not by colour alone: which character was typed and which the answer has.
    assert f"与一个可接受的答案只差一个字符：这里是“{slip}”，答案中是“{accepted[3]}”。" in html
    assert "仍算答错。" in html
    marked_typed = html.split('data-testid="near-miss-typed">')[1].split("</dd>")[0]
    assert marked_typed == f"{accepted[:3]}<mark>{slip}</mark>{accepted[4:]}"
    marked_accepted = html.split('data-testid="near-miss-accepted">')[1].split("</dd>")[0]
    assert marked_accepted == f"{accepted[:3]}<mark>{accepted[3]}</mark>{accepted[4:]}"


def test_a_fill_in_answer_far_off_gets_no_close_note(client_in, learner, starter_bank):
    from .test_services import served_of_type

    attempt, item = served_of_type(learner, "fill")
    html = client_in.post(reverse("quizzes:answer", args=[attempt.pk]), answer_data(item, right=False),
                          **HX).content.decode()
    assert "不太对。" in html and 'data-testid="near-miss"' not in html
