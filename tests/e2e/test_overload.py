"""A busy server (503, quizapp/overload.py) in the browser: htmx swaps nothing, so the learner's choice stays
as it was, and the message the 503 carries is shown in the question's alert; sent again once the server is
free, the answer is recorded once. The 503 is the server's own response (busy_response, as the middleware
sends it), served in place of the answer POST, since a test cannot make the live server's database busy
on demand."""

from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from quizapp.overload import RETRY_AFTER_SECONDS, busy_response
from quizapp.quizzes import services
from quizapp.quizzes.models import Response
from tests.factories import QuestionFactory, SectionFactory, UserFactory


def busy_fragment() -> str:
    request = RequestFactory().post("/quiz/1/answer/")
    request.htmx = True
    return busy_response(request).content.decode()


def test_a_busy_server_keeps_the_choice_and_says_nothing_was_recorded(page, live_server, login, db, output_path):
    learner = UserFactory(username="busy-learner")
    question = QuestionFactory(section=SectionFactory(key="busy"))
    attempt = services.attempt_start(learner=learner, kind="section", section_ids=[question.section_id], length=5)
    login(page, learner)
    page.goto(f"{live_server.url}{reverse('quizzes:question', args=[attempt.pk])}")
    form = page.get_by_test_id("question-form")
    choice = form.locator("input[name=choice]").nth(1)
    choice.check()

    body = busy_fragment()
    page.route("**/answer/", lambda route: route.fulfill(
        status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, content_type="text/html; charset=utf-8",
        body=body))
    form.get_by_test_id("submit").click()
    busy = page.get_by_test_id("answer-problem").get_by_test_id("busy")
    expect(busy).to_contain_text("网站繁忙：没有记录任何内容")
    expect(choice).to_be_checked()  # nothing swapped: the choice is as the learner left it
    expect(form.get_by_test_id("submit")).to_be_enabled()
    assert not Response.objects.exists()
    page.screenshot(path=f"{output_path}/overload-busy.png", full_page=True)

    page.unroute("**/answer/")
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("feedback")).to_be_visible()
    expect(page.get_by_test_id("busy")).to_have_count(0)
    assert Response.objects.filter(attempt=attempt).count() == 1
