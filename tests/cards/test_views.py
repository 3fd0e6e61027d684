"""The flashcard pages, as full pages (no JavaScript) and as htmx fragments."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizapp.cards.models import CardState, Phase, Review, StudySettings
from quizapp.cards.services import card_start, review_record
from quizapp.catalog.models import Flashcard, Section
from tests.factories import FlashcardFactory, SectionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, learner):
    client.force_login(learner)
    return client


def shown_card(client, **params):
    response = client.get(reverse("cards:review"), params)
    assert response.status_code == 200
    return response.context_data["card"], response


def rate(client, card, rating, reps=None, htmx=False, section=""):
    data = {"rating": rating, "reps": card.reps if reps is None else reps, "section": section}
    return client.post(reverse("cards:rate", args=[card.pk]), data, **(HTMX if htmx else {}))


def test_pages_need_a_login(client, db):
    for url in [reverse("cards:decks"), reverse("cards:review"), reverse("cards:leeches")]:
        assert client.get(url).status_code == 302


def test_decks_page_lists_all_cards_and_each_top_level_section_with_todays_counts(
        client_in, starter_bank, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = client_in.get(reverse("cards:decks"))
    decks = {d.key: d for d in response.context_data["decks"]}
    assert set(decks) == {"", "history", "tuning"}
    assert (decks[""].counts.new, decks["history"].counts.new, decks["tuning"].counts.new) == (4, 2, 2)
    html = response.content.decode()
    assert "发展历程" in html and "微调" in html
    assert reverse("cards:export") + "?section=tuning" in html


@pytest.mark.parametrize("language, cards_word", [("zh-hans", "张卡片"), ("en", "cards")])
def test_a_cached_decks_page_shows_a_new_card_and_the_learners_review_at_once(client_in, starter_bank, language,
                                                                             cards_word):
    def deck(key):
        html = client_in.get(reverse("cards:decks"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        html = html[html.index(f'data-testid="deck-{key}"'):]
        html = html[:html.index("</li>")]
        total = re.search(r'<span class="meta">(\d+) ' + cards_word, html).group(1)
        return int(total), int(re.search(r'data-testid="count-new">(\d+)<', html).group(1))

    assert deck("history") == deck("history") == (2, 2)  # the second from the cached rendering
    FlashcardFactory(section=Section.objects.get(key="history"))  # published
    assert deck("history") == (3, 3)
    card, _ = shown_card(client_in, section="history")
    rate(client_in, card, 3, section="history")
    assert deck("history") == (3, 2)


def test_decks_page_query_count_does_not_grow_with_sections_or_history(client_in, learner,
                                                                        django_assert_max_num_queries):
    StudySettings.objects.create(learner=learner, new_per_day=1000)
    for i in range(6):
        top = SectionFactory()
        for _ in range(3):
            for card in FlashcardFactory.create_batch(3, section=SectionFactory(parent=top)):
                state = card_start(learner=learner, flashcard=card)
                review_record(card=state, rating=4, expected_reps=0, now=timezone.now() - timedelta(days=40))
    with django_assert_max_num_queries(14):
        assert client_in.get(reverse("cards:decks")).status_code == 200


def test_review_shows_the_front_then_the_back_with_the_interval_on_each_button(client_in, starter_bank):
    card, response = shown_card(client_in)
    html = response.content.decode()
    assert card.flashcard.front in html and card.flashcard.back not in html
    response = client_in.get(reverse("cards:reveal", args=[card.pk]))
    html = response.content.decode()
    assert card.flashcard.back in html
    assert [a["rating"] for a in response.context_data["answers"]] == [1, 2, 3, 4]
    assert "&lt;1分钟" in html and "&lt;10分钟" in html  # Again and Good on a new card


def test_the_interval_shown_is_the_interval_given(client_in, learner, starter_bank):
    card = card_start(learner=learner, flashcard=Flashcard.objects.get(key="history-c01"))
    three_days_ago = timezone.now() - timedelta(days=3)
    review_record(card=card, rating=3, expected_reps=0, now=three_days_ago)
    review_record(card=card, rating=3, expected_reps=1, now=three_days_ago + timedelta(minutes=10))
    card.refresh_from_db()
    response = client_in.get(reverse("cards:reveal", args=[card.pk]))
    shown = {a["rating"]: a["interval"] for a in response.context_data["answers"]}
    assert shown[3] >= timedelta(days=1)
    assert rate(client_in, card, 3).status_code == 302
    card.refresh_from_db()
    review = Review.objects.filter(card=card).first()
    assert card.due - review.reviewed_at == shown[3]


def test_rating_with_htmx_swaps_in_the_next_card(client_in, starter_bank):
    card, _ = shown_card(client_in)
    response = rate(client_in, card, 3, htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="study"' in html and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert response.context_data["card"].pk != card.pk
    assert response.context_data["counts"].new == 3 and response.context_data["counts"].learning == 1


def test_rating_without_javascript_redirects_back_to_the_review(client_in, starter_bank):
    card, _ = shown_card(client_in, section="tuning")
    response = rate(client_in, card, 3, section="tuning")
    assert response.status_code == 302 and response["Location"] == reverse("cards:review") + "?section=tuning"
    assert Review.objects.count() == 1


def test_second_submit_records_nothing(client_in, starter_bank):
    card, _ = shown_card(client_in)
    reps = card.reps
    assert rate(client_in, card, 3, reps=reps).status_code == 302
    response = rate(client_in, card, 3, reps=reps, htmx=True)
    assert response.status_code == 409
    assert Review.objects.count() == 1
    assert "already answered" in response.content.decode() or response.context_data["status_message"]


def test_ratings_outside_one_to_four_are_refused(client_in, starter_bank):
    card, _ = shown_card(client_in)
    for rating in ("0", "5", "good", ""):
        assert rate(client_in, card, rating).status_code == 400
    assert not Review.objects.exists()


def test_another_learners_card_is_not_found(client, learner, other_learner, starter_bank):
    theirs = card_start(learner=other_learner, flashcard=Flashcard.objects.first())
    client.force_login(learner)
    assert client.get(reverse("cards:reveal", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("cards:review"), {"card": theirs.pk}).status_code == 404
    for name in ("rate", "suspend", "bury", "unsuspend", "put_back"):
        data = {"rating": 3, "reps": 0, "undo": "bury"}
        response = client.post(reverse(f"cards:{name}", args=[theirs.pk]), data)
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.reps == 0 and not theirs.suspended and theirs.buried_until is None


def test_digits_that_are_not_ascii_in_the_address_are_ignored_not_a_server_error(client_in, starter_bank):
    card, _ = shown_card(client_in)
    assert client_in.get(reverse("cards:review"), {"card": "²", "set_aside": "①"}).status_code == 200
    assert client_in.get(reverse("cards:reveal", args=[card.pk]), {"shown_at": "²"}).status_code == 200


def test_a_suspended_card_cannot_be_rated(client_in, starter_bank):
    card, _ = shown_card(client_in)
    client_in.post(reverse("cards:suspend", args=[card.pk]))
    response = rate(client_in, card, 3, htmx=True)
    assert response.status_code == 409 and "已暂停" in response.context_data["status_message"]
    assert not Review.objects.exists()


def test_a_card_not_due_is_refused(client_in, learner, starter_bank):
    card = card_start(learner=learner, flashcard=Flashcard.objects.first())
    review_record(card=card, rating=4, expected_reps=0)
    card.refresh_from_db()
    response = rate(client_in, card, 3)
    assert response.status_code == 409
    assert Review.objects.count() == 1


def test_undo_puts_the_card_back_and_shows_it_again(client_in, starter_bank):
    card, _ = shown_card(client_in)
    rate(client_in, card, 3)
    review = Review.objects.get()
    response = client_in.post(reverse("cards:undo"), {"review": review.pk}, **HTMX)
    assert response.status_code == 200 and response.context_data["card"].pk == card.pk
    card.refresh_from_db()
    assert card.state == Phase.NEW and card.reps == 0 and not Review.objects.exists()
    assert client_in.post(reverse("cards:undo"), {"review": review.pk}, **HTMX).status_code == 409


def test_undo_is_offered_only_in_the_deck_of_the_latest_review(client_in, starter_bank):
    card, _ = shown_card(client_in, section="history")
    rate(client_in, card, 3, section="history")
    review = Review.objects.get()
    assert shown_card(client_in, section="history")[1].context_data["last_review"] == review.pk
    assert shown_card(client_in)[1].context_data["last_review"] == review.pk  # the all-cards deck holds it
    other = shown_card(client_in, section="tuning")[1]
    assert other.context_data["last_review"] is None
    assert reverse("cards:undo") not in other.content.decode()


def test_bury_and_suspend_move_on_to_another_card(client_in, starter_bank):
    card, _ = shown_card(client_in)
    response = client_in.post(reverse("cards:bury", args=[card.pk]), **HTMX)
    assert response.context_data["card"].pk != card.pk and response.context_data["counts"].new == 3
    other = response.context_data["card"]
    response = client_in.post(reverse("cards:suspend", args=[other.pk]), **HTMX)
    assert response.context_data["counts"].new == 2


def test_a_bury_is_undone_from_the_study_screen_and_the_card_comes_back(client_in, learner, starter_bank):
    card, _ = shown_card(client_in)
    response = client_in.post(reverse("cards:bury", args=[card.pk]), **HTMX)
    assert response.context_data["card"].pk != card.pk
    html = response.content.decode()
    assert reverse("cards:put_back", args=[card.pk]) in html and "撤销搁置" in html
    response = client_in.post(reverse("cards:put_back", args=[card.pk]), {"undo": "bury"}, **HTMX)
    assert response.status_code == 200 and response.context_data["card"].pk == card.pk
    html = response.content.decode()
    assert "已撤销搁置" in html and reverse("cards:put_back", args=[card.pk]) not in html  # U undoes answers again
    card.refresh_from_db()
    assert card.buried_until is None
    again = client_in.post(reverse("cards:put_back", args=[card.pk]), {"undo": "bury"}, **HTMX)
    assert again.status_code == 200 and again.context_data["card"].pk == card.pk  # a double submit is harmless
    assert client_in.post(reverse("cards:put_back", args=[card.pk]), {"undo": "delete"}).status_code == 400


def test_a_suspend_is_undone_without_javascript(client_in, starter_bank):
    card, _ = shown_card(client_in)
    response = client_in.post(reverse("cards:suspend", args=[card.pk]))
    assert f"set_aside={card.pk}" in response["Location"]
    html = client_in.get(response["Location"]).content.decode()
    assert reverse("cards:put_back", args=[card.pk]) in html and "撤销暂停" in html
    response = client_in.post(reverse("cards:put_back", args=[card.pk]), {"undo": "suspend"})
    assert response.status_code == 302
    page = client_in.get(response["Location"])
    assert page.context_data["card"].pk == card.pk and "已撤销暂停" in page.content.decode()
    card.refresh_from_db()
    assert not card.suspended


def test_unsuspend_from_the_deck_page(client_in, starter_bank):
    card, _ = shown_card(client_in)
    client_in.post(reverse("cards:suspend", args=[card.pk]))
    html = client_in.get(reverse("cards:decks")).content.decode()
    assert reverse("cards:unsuspend", args=[card.pk]) in html
    response = client_in.post(reverse("cards:unsuspend", args=[card.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("cards:decks")
    card.refresh_from_db()
    assert not card.suspended
    for target in ("true", "cards:leeches"):  # not a path: the deck page, not a view name (a 500)
        response = client_in.post(reverse("cards:unsuspend", args=[card.pk]), {"next": target})
        assert response["Location"] == reverse("cards:decks")


def test_leeches_are_listed_with_a_link_to_the_section_notes(client_in, learner, starter_bank):
    flashcard = Flashcard.objects.get(key="lora-c01")
    CardState.objects.create(learner=learner, flashcard=flashcard, state=Phase.REVIEW, lapses=8, leech=True,
                             suspended=True, stability=1, difficulty=9, due=timezone.now(),
                             last_review=timezone.now())
    response = client_in.get(reverse("cards:leeches"))
    html = response.content.decode()
    assert flashcard.front in html and reverse("catalog:section", kwargs={"key": "lora"}) in html
    client_in.post(reverse("cards:unsuspend", args=[CardState.objects.get(flashcard=flashcard).pk]))
    html = client_in.get(reverse("cards:leeches")).content.decode()
    assert flashcard.front in html and "已回到复习中" in html  # still listed, and says where it is now


def test_the_lapse_that_makes_a_leech_says_so(client_in, learner, starter_bank):
    flashcard = Flashcard.objects.get(key="lora-c01")
    card = CardState.objects.create(learner=learner, flashcard=flashcard, state=Phase.REVIEW, lapses=7,
                                    stability=1, difficulty=9, due=timezone.now() - timedelta(days=1),
                                    last_review=timezone.now() - timedelta(days=2), reps=12)
    html = rate(client_in, card, 1, htmx=True).content.decode()
    card.refresh_from_db()
    assert card.leech and card.suspended
    assert "难记卡" in html and reverse("cards:leeches") in html


def test_review_can_be_limited_to_a_section_and_its_leaves(client_in, starter_bank):
    seen = set()
    for _ in range(3):
        card, _ = shown_card(client_in, section="tuning")
        if card is None:
            break
        seen.add(card.flashcard.section.key)
        rate(client_in, card, 4, section="tuning")
    assert seen == {"lora", "parallel"}
    assert client_in.get(reverse("cards:review"), {"section": "nope"}).status_code == 404


def test_done_for_today_shows_tomorrows_forecast(client_in, learner, starter_bank):
    StudySettings.objects.create(learner=learner, new_per_day=1)
    card, _ = shown_card(client_in)
    rate(client_in, card, 4)
    card, response = shown_card(client_in)
    assert card is None
    assert response.context_data["forecast"].new == 1
    assert 'data-testid="done"' in response.content.decode()


def test_review_page_query_count_does_not_grow_with_history(client_in, learner,
                                                             django_assert_max_num_queries):
    StudySettings.objects.create(learner=learner, new_per_day=1000)
    section = SectionFactory()
    for card in FlashcardFactory.create_batch(30, section=section):
        state = card_start(learner=learner, flashcard=card)
        review_record(card=state, rating=4, expected_reps=0, now=timezone.now() - timedelta(days=30))
    FlashcardFactory.create_batch(5, section=section)
    with django_assert_max_num_queries(16):
        response = client_in.get(reverse("cards:review"))
    assert response.context_data["card"] is not None
    card = response.context_data["card"]
    with django_assert_max_num_queries(16):
        assert client_in.get(reverse("cards:reveal", args=[card.pk]), **HTMX).status_code == 200


def test_settings_are_saved_and_bounded(client_in, learner):
    url = reverse("cards:settings")
    assert client_in.get(url).status_code == 200
    data = {"desired_retention": "0.85", "new_per_day": "10", "max_reviews_per_day": "100",
            "time_zone": "Europe/Paris"}
    assert client_in.post(url, data).status_code == 302
    learner.refresh_from_db()
    assert learner.study_settings.desired_retention == 0.85 and learner.time_zone == "Europe/Paris"
    response = client_in.post(url, {**data, "desired_retention": "0.99"})
    assert response.status_code == 200 and response.context_data["form"].errors
    learner.study_settings.refresh_from_db()
    assert learner.study_settings.desired_retention == 0.85


def test_deck_download_is_an_anki_package(client_in, starter_bank):
    response = client_in.get(reverse("cards:export"), {"section": "tuning"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="quizapp-tuning.apkg"')
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_section_page_links_to_its_flashcard_review(client, starter_bank):
    html = client.get(reverse("catalog:section", kwargs={"key": "lora"})).content.decode()
    assert reverse("cards:review") + "?section=lora" in html


def test_the_time_zone_list_holds_real_places_not_the_databases_oddities(client_in):
    html = client_in.get(reverse("cards:settings")).content.decode()
    assert '<option value="America/New_York"' in html and '<option value="UTC"' in html
    assert '<option value="Factory"' not in html and '<option value="localtime"' not in html


def test_the_time_zone_list_starts_with_common_zones_and_shows_each_offset(client_in):
    html = client_in.get(reverse("cards:settings")).content.decode()
    common, rest = html.split("<optgroup", 2)[1:]
    assert '<option value="Asia/Shanghai" selected>(UTC+08:00) Asia/Shanghai</option>' in common
    assert ") America/New York</option>" in common and '<option value="Africa/Abidjan"' in rest
    assert '<option value="Asia/Shanghai"' not in rest  # each zone once
    assert "(UTC−03:00) America/Sao Paulo" in rest and '<option value="US/Eastern"' not in html


def test_a_legacy_time_zone_stays_selected_and_saving_other_settings_keeps_it(client_in, learner):
    learner.time_zone = "PRC"
    learner.save()
    html = client_in.get(reverse("cards:settings")).content.decode()
    assert '<option value="PRC" selected>' in html
    client_in.post(reverse("cards:settings"), {"desired_retention": "0.9", "new_per_day": "15",
                                               "max_reviews_per_day": "200", "time_zone": "PRC"})
    learner.refresh_from_db()
    assert learner.time_zone == "PRC"
