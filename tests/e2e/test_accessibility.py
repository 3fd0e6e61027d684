"""axe-core on every main page, with the site's Content-Security-Policy on: no serious or critical
violation of WCAG 2.1 A/AA or axe's best practices, at desktop width and (for the pages a learner uses
most) at a phone's 390 px. Screenshots of each page go to $TMPDIR/quizapp-a11y/ to be looked at (not to
test-results/, which every pytest session empties)."""

import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from quizapp.accounts.roles import teacher_role_grant
from quizapp.cards.services import study_settings_update
from quizapp.catalog.models import Flashcard, Question
from quizapp.classes.models import Membership
from quizapp.progress.models import SectionProgress
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import Clock, answer_next, review_some_card

from .answers import right_keys

PHONE = {"width": 390, "height": 844}
SHOTS = Path(tempfile.gettempdir()) / "quizapp-a11y"


@pytest.fixture
def studied(starter_bank):
    """A learner with quiz and flashcard history, in a teacher's class, so dashboards show something."""
    learner = UserFactory(username="a11y-learner")
    for right in (True, False, True, True, False, True):
        answer_next(learner, right=right)
    clock = Clock()
    for rating in (3, 1, 4):
        review_some_card(learner, rating, clock)
    teacher = UserFactory(username="a11y-teacher")
    teacher_role_grant(teacher)
    classroom = ClassroomFactory(teacher=teacher, name="AI 入门一班")
    Membership.objects.create(classroom=classroom, learner=learner)
    idle = UserFactory(username="a11y-idle")  # no activity: flagged for attention
    Membership.objects.create(classroom=classroom, learner=idle)
    call_command("rebuild_progress", stdout=io.StringIO())
    # One section well below its peak, so the grid shows a falling cell too.
    first = SectionProgress.objects.filter(learner=learner).order_by("pk")[0]
    SectionProgress.objects.filter(pk=first.pk).update(mastery_peak=1.0)
    return {"learner": learner, "teacher": teacher, "classroom": classroom}


def check(page, axe, name):
    page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)
    milder = axe(page, name)
    for v in milder:  # reported, not failed: shown with -rP or when the test fails
        print(f"{name}: [{v['impact']}] {v['id']} x{len(v['nodes'])}: {v['help']}")


def answer_something(page, type_name):
    """An answer: right for choice questions, anything for the rest, so every feedback state is checked
    over a quiz."""
    form = page.get_by_test_id("question-form")
    if type_name in ("single", "multiple"):
        # The right choices (they are shuffled): a missed question comes back and, in the four-question
        # section, would crowd out one not yet asked. The other types' answers give the wrong states.
        for key in right_keys():
            form.get_by_test_id(f"option-{key}").check()
    elif type_name == "truefalse":
        form.get_by_test_id("option-1").click()
        return
    elif type_name == "fill":
        form.get_by_test_id("fill-text").fill("LoRA")
    elif type_name == "matching":
        for select in form.locator("select").all():
            select.select_option(index=1)
    form.get_by_test_id("submit").click()


def test_anonymous_pages(page, live_server, axe, starter_bank):
    for name, path in (("home-anonymous", "/"), ("login", "/accounts/login/"),
                       ("signup", "/accounts/signup/"), ("not-found", "/no/such/page/")):
        page.goto(f"{live_server.url}{path}")
        check(page, axe, name)
    page.goto(f"{live_server.url}/")
    page.locator("header .lang-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check(page, axe, "home-english")
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("main input[name=username]").fill("nobody")
    page.locator("main input[name=password]").fill("wrong")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .errorlist, main [role=alert]").first).to_be_visible()
    check(page, axe, "login-error")
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("main input[name=username]").fill("someone")
    page.locator("main input[name=password1]").fill("a-long-passphrase-42")
    page.locator("main input[name=password2]").fill("a-different-one-43")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .errorlist, main [role=alert]").first).to_be_visible()
    check(page, axe, "signup-error")


def test_learner_pages(page, live_server, login, axe, studied):
    login(page, studied["learner"])
    for name, path in (("home", "/"), ("section", "/sections/lora/"), ("section-parent", "/sections/tuning/"),
                       ("quiz-start", "/quiz/"), ("decks", "/cards/"), ("leeches", "/cards/leeches/"),
                       ("study-settings", "/cards/settings/"), ("progress", "/progress/"),
                       ("classes-learner", "/classes/"), ("join", "/classes/join/")):
        page.goto(f"{live_server.url}{path}")
        check(page, axe, name)

    # Section quizzes over the whole test bank: every question type, and the feedback after each.
    seen = set()
    types_in = {"history": {"single", "ordering", "matching", "truefalse"}, "lora": {"multiple", "fill"},
                "parallel": {"fill", "single"}}
    # A missed question may come back before every question of the section was asked (the engine's choice,
    # seeded per attempt at random), so a section is taken again, at most three times, until all its types
    # were seen.
    for section in ("history", "lora", "parallel") * 3:
        if types_in[section] <= seen:
            continue
        page.goto(f"{live_server.url}/quiz/?section={section}")
        page.get_by_test_id("start-form").locator("input[name=length]").fill("5")
        page.get_by_test_id("start-quiz").click()  # leaves any quiz in progress unfinished
        page.wait_for_url(re.compile(r"/quiz/\d+/$"))
        while True:
            form = page.get_by_test_id("question-form")
            expect(form).to_be_visible()
            type_name = form.get_attribute("data-type")
            if type_name not in seen:
                check(page, axe, f"question-{type_name}")
            answer_something(page, type_name)
            feedback = page.get_by_test_id("feedback")
            expect(feedback).to_be_visible()
            state = re.search(r"is-(right|partial|wrong)", feedback.get_attribute("class")).group(1)
            if type_name not in seen or f"feedback-{state}" not in seen:
                check(page, axe, f"feedback-{type_name}-{state}")
                seen.add(f"feedback-{state}")
            seen.add(type_name)
            next_link = page.get_by_test_id("next")
            if "/summary/" in next_link.get_attribute("href"):
                break
            next_link.click()
        next_link.click()
        page.wait_for_url(re.compile(r"/quiz/\d+/summary/$"))
        if "quiz-summary" not in seen:
            check(page, axe, "quiz-summary")
            seen.add("quiz-summary")
    assert {"single", "multiple", "fill", "ordering", "matching", "truefalse"} <= seen, seen

    page.goto(f"{live_server.url}/cards/review/")
    expect(page.get_by_test_id("card")).to_be_visible()
    check(page, axe, "review-front")
    page.get_by_test_id("reveal").click()
    expect(page.get_by_test_id("back")).to_be_visible()
    check(page, axe, "review-back")
    page.get_by_test_id("rate-3").click()
    expect(page.locator("#review-status")).not_to_be_empty()
    check(page, axe, "review-rated")

    study_settings_update(learner=studied["learner"], desired_retention=0.9, new_per_day=0,
                          max_reviews_per_day=200, time_zone="Asia/Shanghai")
    page.goto(f"{live_server.url}/cards/review/")
    for _ in range(10):  # no new cards today: rate what is left Easy until the day is done
        if page.get_by_test_id("done").count():
            break
        page.get_by_test_id("reveal").click()
        page.get_by_test_id("rate-4").click()
        expect(page.get_by_test_id("back")).to_have_count(0)
    expect(page.get_by_test_id("done")).to_be_visible()
    check(page, axe, "review-done")


def test_teacher_pages(page, live_server, login, axe, studied):
    classroom, learner = studied["classroom"], studied["learner"]
    login(page, studied["teacher"])
    question = Question.objects.order_by("pk").first()
    multiple = Question.objects.filter(type="multiple").first()
    card = Flashcard.objects.order_by("pk").first()
    for name, path in (("classes-teacher", "/classes/"), ("class-grid", f"/classes/{classroom.pk}/"),
                       ("class-items", f"/classes/{classroom.pk}/items/"),
                       ("class-learner", f"/classes/{classroom.pk}/learners/{learner.pk}/"),
                       ("class-settings", f"/classes/{classroom.pk}/settings/"),
                       ("class-new", "/classes/new/"),
                       ("admin-preview-multiple", f"/admin/catalog/question/{multiple.pk}/preview/"),
                       ("admin-card-preview", f"/admin/catalog/flashcard/{card.pk}/preview/"),
                       ("admin-preview", f"/admin/catalog/question/{question.pk}/preview/")):
        page.goto(f"{live_server.url}{path}")
        check(page, axe, name)
    page.locator("[data-testid=option-1]").check()
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=verdict]")).to_be_visible()
    check(page, axe, "admin-preview-checked")


def test_phone_width(page, live_server, login, axe, studied):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    check(page, axe, "home-anonymous")
    login(page, studied["learner"])
    check(page, axe, "home")
    page.goto(f"{live_server.url}/quiz/")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/$"))
    type_name = page.get_by_test_id("question-form").get_attribute("data-type")
    check(page, axe, "question")
    answer_something(page, type_name)
    expect(page.get_by_test_id("feedback")).to_be_visible()
    check(page, axe, "feedback")
    page.goto(f"{live_server.url}/cards/review/")
    check(page, axe, "review-front")
    page.get_by_test_id("reveal").click()
    expect(page.get_by_test_id("back")).to_be_visible()
    check(page, axe, "review-back")
    page.goto(f"{live_server.url}/progress/")
    check(page, axe, "progress")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_message_that_comes_with_a_page_is_announced(page, live_server, login, starter_bank):
    """A live region announces changes only, so the message shown after a redirect is put into the
    announcer once the page has loaded (and taken out again, so reading the page meets it once)."""
    login(page, UserFactory(username="announced"))
    page.goto(f"{live_server.url}/cards/settings/")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("messages")).to_contain_text("设置已保存。")
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("设置已保存。")
    expect(announcer).to_be_empty(timeout=10_000)


def test_a_form_sent_back_with_an_error_takes_focus_to_it(page, live_server, login, starter_bank):
    login(page, UserFactory(username="errors"))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/quiz/")
    page.locator("input[name=kind][value=section]").check()  # a section quiz, but no section ticked
    page.get_by_test_id("start-quiz").click()
    problem = page.locator("main .errorlist").first
    expect(problem).to_be_visible()
    expect(problem).to_be_focused()
    expect(problem).to_be_in_viewport()
