"""The progress page's charts read as a learner needs them, at a desk (1280 px) and on a phone (390 px): values on
an axis, every label inside its chart, 30 days of forecast whole on a phone, a legend for the calendar, and no
card stretched into a large empty area. Screenshots go to test-results/."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quizapp.accounts.study_days import study_day
from quizapp.cards.models import CardState, Phase
from quizapp.catalog.models import Section
from quizapp.progress.models import DailyActivity
from tests.factories import FlashcardFactory, UserFactory

PHONE = {"width": 390, "height": 844}

# Every <text> of every chart lies inside its <svg> (nothing cut at an edge), as drawn on the page.
LABELS_OUTSIDE = """() => {
  const out = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll("text")) {
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
        out.push(text.textContent);
      }
    }
  }
  return out;
}"""


def texts(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => e.textContent)")


@pytest.fixture
def busy_learner(starter_bank):
    """A learner with half a year of daily work and cards falling due over the next month."""
    learner = UserFactory(username="busy-learner")
    today = study_day(learner).date
    rng = random.Random(19)
    for back in range(1, 180):
        if rng.random() < .6:
            answers = rng.randint(0, 12)
            DailyActivity.objects.create(learner=learner, day=today - timedelta(days=back), answers=answers,
                                         correct=rng.randint(0, answers), reviews=rng.randint(0, 20))
    now = timezone.now()
    section = Section.objects.leaves().first()
    for n in range(60):
        CardState.objects.create(learner=learner, flashcard=FlashcardFactory(section=section), state=Phase.REVIEW,
                                 due=now + timedelta(days=rng.randint(0, 29), hours=1), reps=1)
    return learner


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_progress_charts_have_axes_legends_and_every_label_visible(page, live_server, login, busy_learner,
                                                                     viewport, axe):
    page.set_viewport_size(viewport)
    login(page, busy_learner)
    page.goto(f"{live_server.url}/progress/")
    forecast = page.get_by_test_id("forecast-chart").locator("svg")
    expect(forecast).to_be_visible()
    assert page.evaluate(LABELS_OUTSIDE) == [], page.evaluate(LABELS_OUTSIDE.replace("out.push(text.textContent)", "out.push([text.textContent, r.top, r.bottom, r.left, r.right, box.top, box.bottom, box.left, box.right])"))
    # Axes with values: the forecast counts cards, the weekly chart shows percentages.
    assert texts(forecast.locator("text[text-anchor=end]"))[0] == "0"
    accuracy = page.locator("svg.accuracy")
    assert texts(accuracy.locator("text:not([text-anchor])"))[-1] == "100%"
    # The 30 days of forecast are all on screen at once, with no scrolling, and no bar thinner than 5 px.
    bars = forecast.locator("rect")
    expect(bars).to_have_count(30)
    last = bars.last.bounding_box()
    assert last["x"] + last["width"] <= viewport["width"]
    assert bars.first.bounding_box()["width"] >= 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # The calendar has a legend (what each colour counts) and each day's count in its title.
    legend = page.get_by_test_id("heatmap-legend")
    expect(legend).to_be_visible()
    expect(legend.locator(".swatch")).to_have_count(5)
    assert page.locator("svg.heatmap rect title").first.text_content().endswith(": 0")
    # No card of the first row is stretched far beyond its content ("Practise next" beside "Flashcards").
    page.screenshot(path=f"test-results/day-progress-{viewport['width']}.png", full_page=True)
    # The full page is long on a phone: each card on its own too, to look at closely.
    page.locator("section[aria-labelledby=cards-heading]").screenshot(
        path=f"test-results/day-progress-flashcards-{viewport['width']}.png")
    page.locator("section[aria-labelledby=activity-heading]").screenshot(
        path=f"test-results/day-progress-activity-{viewport['width']}.png")
    for card in page.locator(".dash-grid > .card").all():
        content = card.evaluate("c => Array.from(c.children).reduce((h, e) => h + e.getBoundingClientRect().height, 0)")
        assert card.bounding_box()["height"] - content < 120, card.locator("h2").inner_text()
    axe(page, f"progress dashboard at {viewport['width']} px")
    page.screenshot(path=f"test-results/day-progress-{viewport['width']}.png", full_page=True)
