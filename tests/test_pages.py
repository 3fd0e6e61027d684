"""The pages that show several apps' data (quizapp/pages.py): the home page and a section's page. Each gets
what it shows from its view, in a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from quizapp.catalog.models import Section
from quizapp.quizzes import services as quizzes
from tests.factories import QuestionFactory, SectionFactory
from tests.progress.helpers import answer_next


def test_home_lists_every_section_with_counts(client, starter_bank, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for title in ["发展历程", "微调", "LoRA", "并行方式"]:
        assert title in html
    assert reverse("catalog:section", kwargs={"key": "lora"}) in html


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_the_bank(client, django_assert_max_num_queries):
    for i in range(3):
        parent = SectionFactory()
        for _ in range(5):
            QuestionFactory.create_batch(3, section=SectionFactory(parent=parent))
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200


def test_section_page_shows_notes_rendered_and_counts(client, starter_bank, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(reverse("catalog:section", kwargs={"key": "history"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<li>2012 年 AlexNet 让深度学习进入主流。</li>" in html
    assert "发展历程" in html


def test_section_page_links_to_its_neighbours(client, starter_bank):
    html = client.get(reverse("catalog:section", kwargs={"key": "lora"})).content.decode()
    assert reverse("catalog:section", kwargs={"key": "parallel"}) in html


def test_unknown_section_is_404(client, starter_bank):
    assert client.get("/sections/no-such-section/").status_code == 404


@pytest.mark.django_db
def test_notes_cannot_run_script(client):
    SectionFactory(key="evil", notes='<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>')
    html = client.get("/sections/evil/").content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def test_the_page_is_chinese_by_default_and_english_on_request(client, starter_bank):
    html = client.get("/").content.decode()
    assert 'lang="zh-Hans"' in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Sections" in html


def test_sections_are_in_document_order(starter_bank):
    assert list(Section.objects.values_list("key", flat=True)) == ["history", "tuning", "lora", "parallel"]


def test_chinese_content_is_marked_as_chinese_in_the_english_interface(client, learner, starter_bank):
    client.force_login(learner)
    html = client.get("/sections/lora/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html
    assert '<h1 lang="zh-Hans">' in html and '<div lang="zh-Hans">' in html  # title and notes


def test_next_and_previous_follow_the_course_across_its_parts(client, starter_bank):
    def pager(key):
        html = client.get(f"/sections/{key}/").content.decode()
        prev = re.search(r'href="/sections/([\w-]+)/" rel="prev"', html)
        nxt = re.search(r'href="/sections/([\w-]+)/" rel="next"', html)
        return prev and prev.group(1), nxt and nxt.group(1)

    # Reading order: history (a part that is its own leaf), tuning's page, then its leaves lora and parallel.
    assert pager("history") == (None, "tuning")
    assert pager("tuning") == ("history", "lora")
    assert pager("lora") == ("tuning", "parallel")
    assert pager("parallel") == ("lora", None)
    assert 'href="/sections/tuning/"' in client.get("/sections/lora/").content.decode()  # the breadcrumb


def test_a_learners_pages_with_an_open_quiz_and_a_record_keep_their_query_budget(
        client, learner, starter_bank, django_assert_max_num_queries):
    history = Section.objects.get(key="history")
    client.force_login(learner)
    client.get("/")  # renews the idle-session expiry once
    # Session and user, 1 for the bank's revision, 1 for the open quiz, 7 for Today (tests/test_today.py has
    # its budget; the last looks for class assignments); whatever the learner did.
    with django_assert_max_num_queries(11):
        assert b'data-testid="open-quiz"' not in client.get("/").content
    # Session and user, 1 for the bank's revision (the outline is held per process), 2 for the record.
    with django_assert_max_num_queries(5):
        assert 'id="history-heading"' in client.get(history.get_absolute_url()).content.decode()
    quizzes.attempt_start(learner=learner, kind="section", section_ids=[history.pk], length=5)  # 4: capped
    for i in range(3):
        answer_next(learner, right=i != 1)
    with django_assert_max_num_queries(11):
        assert b'data-testid="resume-quiz"' in client.get("/").content
    with django_assert_max_num_queries(5):
        html = client.get(history.get_absolute_url()).content.decode()
    assert "<svg" in html[html.index('id="history-heading"'):]  # answers per week, drawn


def test_a_visitor_sees_no_record_and_no_quiz_to_resume(client, starter_bank):
    assert b'data-testid="open-quiz"' not in client.get("/").content
    html = client.get(reverse("catalog:section", kwargs={"key": "lora"})).content.decode()
    assert 'id="history-heading"' not in html


def test_a_part_with_subsections_lists_them_without_a_record(client, learner, starter_bank):
    client.force_login(learner)
    html = client.get(reverse("catalog:section", kwargs={"key": "tuning"})).content.decode()
    assert 'href="/sections/lora/"' in html and 'href="/sections/parallel/"' in html
    assert 'id="history-heading"' not in html


# --- Cached renderings: the bank's parts are cached per bank revision and language (catalog.outline) ---

LANGUAGES = [("zh-hans", "道题"), ("en", "questions")]


@pytest.mark.parametrize("language, questions_word", LANGUAGES)
def test_a_cached_home_page_shows_a_renamed_section_and_a_published_question_at_once(
        client, learner, starter_bank, language, questions_word):
    client.force_login(learner)
    get = lambda: client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()  # noqa: E731
    lora = Section.objects.get(key="lora")
    before = get()
    assert "LoRA" in before and "LoRA" in get()  # the second from the cached outline
    # The same length, by a QuerySet.update (no signal): whatever the way, the next page shows it.
    Section.objects.filter(pk=lora.pk).update(title="LoRB")
    html = get()
    assert "LoRB" in html and "LoRA" not in html
    count = re.compile(r'href="/sections/lora/".*?<span class="meta">(\d+) ' + questions_word, re.S)
    outline = lambda html: html[html.index('<ol class="toc">'):]  # noqa: E731
    shown = int(count.search(outline(html)).group(1))
    QuestionFactory(section=lora)  # published
    assert int(count.search(outline(get())).group(1)) == shown + 1


@pytest.mark.parametrize("language, questions_word", LANGUAGES)
def test_a_cached_section_page_shows_new_notes_and_title_at_once(client, learner, starter_bank, language,
                                                                 questions_word):
    client.force_login(learner)
    get = lambda key: client.get(f"/sections/{key}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()  # noqa: E731
    assert "2012 年 AlexNet" in get("history")
    Section.objects.filter(key="history").update(notes="只有新的笔记。", title="发展历史")
    html = get("history")
    assert "只有新的笔记。" in html and "AlexNet" not in html
    assert '<h1 lang="zh-Hans">发展历史</h1>' in html
    assert "发展历史" in get("tuning")  # the neighbour's pager names it anew


@pytest.mark.parametrize("language", [lang for lang, _ in LANGUAGES])
def test_a_cached_page_shows_the_learners_own_progress_at_once(client, learner, starter_bank, language):
    client.force_login(learner)
    history = Section.objects.get(key="history")
    get = lambda path: client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()  # noqa: E731

    def mastery_list(html):
        return html[html.index('id="mastery-heading"'):]

    right_once = "1 题中答对 1 题" if language == "zh-hans" else "1 of 1 right"
    progress_before = get("/progress/")
    assert mastery_list(get("/progress/")) == mastery_list(progress_before)  # the same rows: the cached one
    assert right_once not in get(history.get_absolute_url())
    quizzes.attempt_start(learner=learner, kind="section", section_ids=[history.pk], length=5)
    answer_next(learner, right=True)
    progress_after = get("/progress/")
    assert mastery_list(progress_after) != mastery_list(progress_before)
    assert right_once in mastery_list(progress_after)
    assert right_once in get(history.get_absolute_url())  # the learner's record, drawn per request


def test_two_learners_never_see_each_others_progress(client, learner, other_learner, starter_bank):
    history = Section.objects.get(key="history")
    quizzes.attempt_start(learner=learner, kind="section", section_ids=[history.pk], length=5)
    answer_next(learner, right=True)
    client.force_login(learner)
    assert "1 题中答对 1 题" in client.get("/progress/").content.decode()
    client.force_login(other_learner)
    assert "1 题中答对 1 题" not in client.get("/progress/").content.decode()
