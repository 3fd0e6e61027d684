import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from quizapp.classes.models import Classroom, Membership
from tests.factories import ClassroomFactory


@pytest.fixture
def classroom(teacher):
    return ClassroomFactory(teacher=teacher, name="AI 入门一班")


def test_teacher_creates_a_class_with_a_join_code(client, teacher, starter_bank):
    client.force_login(teacher)
    response = client.post(reverse("classes:create"), {"name": "周三下午班"})
    classroom = Classroom.objects.get(name="周三下午班")
    assert response.url == classroom.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert classroom.join_code in page and "/classes/join/?code=" in page
    assert len(classroom.join_code) == 8 and not set(classroom.join_code) & set("0O1IL")


def test_a_learner_cannot_create_a_class(client, learner):
    client.force_login(learner)
    assert client.get(reverse("classes:create")).status_code == 403
    assert client.post(reverse("classes:create"), {"name": "x"}).status_code == 403
    assert not Classroom.objects.exists()


def test_joining_twice_makes_one_membership(client, learner, classroom):
    client.force_login(learner)
    client.post(reverse("classes:join"), {"code": classroom.join_code.lower()})
    response = client.post(reverse("classes:join"), {"code": classroom.join_code}, follow=True)
    assert Membership.objects.filter(classroom=classroom, learner=learner).count() == 1
    assert "AI 入门一班" in response.content.decode()


def test_the_join_link_prefills_the_code(client, learner, classroom):
    client.force_login(learner)
    html = client.get(classroom.join_url()).content.decode()
    assert f'value="{classroom.join_code}"' in html
    assert f"你将加入<strong>AI 入门一班</strong>，任课老师：{classroom.teacher.username}。" in html
    assert not Membership.objects.exists()  # shown, not joined, until the learner confirms
    unknown = client.get(reverse("classes:join") + "?code=NOPE2345").content.decode()
    assert 'data-testid="join-preview"' not in unknown


def test_a_wrong_code_is_explained_and_joins_nothing(client, learner, classroom):
    client.force_login(learner)
    response = client.post(reverse("classes:join"), {"code": "NOPE2345"})
    assert response.status_code == 200
    assert "NOPE2345" in response.content.decode()
    assert not Membership.objects.exists()


def test_a_learner_leaves_and_a_teacher_removes(client, learner, other_learner, classroom, teacher):
    Membership.objects.create(classroom=classroom, learner=learner)
    Membership.objects.create(classroom=classroom, learner=other_learner)
    client.force_login(learner)
    client.post(reverse("classes:leave", args=[classroom.pk]))
    assert not Membership.objects.filter(learner=learner).exists()
    client.force_login(teacher)
    client.post(reverse("classes:remove_learner", args=[classroom.pk, other_learner.pk]))
    assert not Membership.objects.exists()


def test_renewing_the_code_retires_the_old_one(client, teacher, learner, classroom):
    old = classroom.join_code
    client.force_login(teacher)
    client.post(reverse("classes:renew_code", args=[classroom.pk]))
    classroom.refresh_from_db()
    assert classroom.join_code != old
    client.force_login(learner)
    client.post(reverse("classes:join"), {"code": old})
    assert not Membership.objects.exists()


def test_sections_studied_default_to_all_and_can_be_narrowed(client, teacher, classroom, starter_bank):
    from quizapp.catalog.models import Section

    assert [s.key for s in classroom.studied_sections()] == ["history", "lora", "parallel"]
    client.force_login(teacher)
    tuning = Section.objects.get(key="tuning")
    client.post(reverse("classes:settings", args=[classroom.pk]), {"name": classroom.name, "sections": [tuning.pk]})
    assert [s.key for s in classroom.studied_sections()] == ["lora", "parallel"]


@pytest.mark.parametrize("name", ["dashboard", "settings"])
def test_class_pages_are_404_for_another_teacher_and_403_for_a_learner(client, classroom, name, learner):
    from quizapp.accounts.roles import teacher_role_grant
    from tests.factories import UserFactory

    other_teacher = UserFactory(username="other-teacher")
    teacher_role_grant(other_teacher)
    url = reverse(f"classes:{name}", args=[classroom.pk])
    client.force_login(other_teacher)
    assert client.get(url).status_code == 404
    client.force_login(learner)
    Membership.objects.create(classroom=classroom, learner=learner)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_another_teacher_cannot_remove_learners_or_renew_the_code(client, classroom, learner):
    from quizapp.accounts.roles import teacher_role_grant
    from tests.factories import UserFactory

    Membership.objects.create(classroom=classroom, learner=learner)
    other_teacher = UserFactory(username="other-teacher")
    teacher_role_grant(other_teacher)
    client.force_login(other_teacher)
    code = classroom.join_code
    assert client.post(reverse("classes:remove_learner", args=[classroom.pk, learner.pk])).status_code == 404
    assert client.post(reverse("classes:renew_code", args=[classroom.pk])).status_code == 404
    classroom.refresh_from_db()
    assert classroom.join_code == code and Membership.objects.count() == 1


def test_leaving_a_class_you_are_not_in_is_404(client, learner, classroom):
    client.force_login(learner)
    assert client.post(reverse("classes:leave", args=[classroom.pk])).status_code == 404


def practise_link(html: str, classroom) -> tuple[str, list]:
    """The learner's card of `classroom` on the class list: its section tags and its practise link's query."""
    cards = html.split('data-testid="joined-class"')[1:]
    card = next(c for c in cards if f"<strong>{classroom.name}</strong>" in c)
    href = re.search(r'href="([^"]+)" data-testid="practise-class"', card).group(1)
    return card, href


def test_a_learner_sees_what_the_class_studies_and_can_practise_it(client, learner, teacher, starter_bank):
    from quizapp.catalog.models import Section

    tuning, history = Section.objects.get(key="tuning"), Section.objects.get(key="history")
    chosen = ClassroomFactory(teacher=teacher, name="微调小组")
    chosen.sections.set([tuning, history])  # a part (both its leaves) and a leaf
    everything = ClassroomFactory(teacher=teacher, name="全体班")
    for classroom in (chosen, everything):
        Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(learner)
    html = client.get(reverse("classes:list")).content.decode()

    card, href = practise_link(html, chosen)
    assert re.findall(r'data-testid="class-section" data-key="([^"]+)"', card) == ["history", "tuning"]
    assert "微调" in card and 'data-testid="all-sections"' not in card
    url = urlsplit(unescape(href))
    assert url.path == reverse("quizzes:start")
    assert parse_qs(url.query) == {"kind": ["mixed"], "sections": ["history", "lora", "parallel"]}

    card, href = practise_link(html, everything)
    assert 'data-testid="all-sections"' in card and 'data-testid="class-section"' not in card
    assert unescape(href) == reverse("quizzes:start") + "?kind=mixed"


def test_a_class_of_many_sections_shows_six_and_folds_the_rest(client, learner, teacher, starter_bank):
    from tests.factories import SectionFactory

    classroom = ClassroomFactory(teacher=teacher, name="大班")
    sections = [SectionFactory(key=f"many-{n}", title=f"第{n}节", order=100 + n) for n in range(9)]
    classroom.sections.set(sections)
    Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(learner)
    card, href = practise_link(client.get(reverse("classes:list")).content.decode(), classroom)
    shown, folded = card.split('<details class="more-sections">')
    assert re.findall(r'data-key="([^"]+)"', shown) == [f"many-{n}" for n in range(6)]
    assert re.findall(r'data-key="([^"]+)"', folded) == [f"many-{n}" for n in range(6, 9)]
    assert parse_qs(urlsplit(unescape(href)).query)["sections"] == [f"many-{n}" for n in range(9)]


def test_the_class_list_reads_a_fixed_number_of_queries(client, learner, teacher, starter_bank,
                                                        django_assert_max_num_queries):
    from quizapp.catalog.models import Section

    def join_one():
        classroom = ClassroomFactory(teacher=teacher)
        classroom.sections.set(Section.objects.filter(key__in=["tuning", "history"]))
        Membership.objects.create(classroom=classroom, learner=learner)

    join_one()
    client.force_login(learner)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("classes:list"))
    for _ in range(5):
        join_one()
    with django_assert_max_num_queries(len(one)):
        html = client.get(reverse("classes:list")).content.decode()
    assert html.count('data-testid="practise-class"') == 6


def test_class_messages_quote_the_name_so_chinese_needs_no_spaces(client, learner, teacher, classroom):
    client.force_login(learner)
    joined = client.post(reverse("classes:join"), {"code": classroom.join_code}, follow=True).content.decode()
    assert "“AI 入门一班”" in joined
    again = client.post(reverse("classes:join"), {"code": classroom.join_code}, follow=True).content.decode()
    assert "“AI 入门一班”" in again
    client.force_login(teacher)
    dashboard = client.get(classroom.get_absolute_url()).content.decode()
    assert f"“{learner.username}”" in dashboard  # the roster's remove link and its question
    removed = client.post(reverse("classes:remove_learner", args=[classroom.pk, learner.pk]), follow=True)
    assert f"“{learner.username}”" in removed.content.decode()
    Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(learner)
    left = client.post(reverse("classes:leave", args=[classroom.pk]), follow=True).content.decode()
    assert "“AI 入门一班”" in left


def test_the_teachers_class_list_labels_the_join_code_with_a_full_width_colon(client, teacher, classroom):
    client.force_login(teacher)
    html = client.get(reverse("classes:list")).content.decode()
    assert f'data-testid="join-code">加入码：<code>{classroom.join_code}</code>' in html
    english = client.get(reverse("classes:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-testid="join-code">Join code:<code>{classroom.join_code}</code>' in english


def test_the_class_form_draws_the_section_tree_and_counts_leaves(client, teacher, starter_bank):
    """A part ticked without JavaScript stands for its leaves: stored once, shown with its leaves ticked, and
    counted as its leaves (a part and its 2 leaves are 2 sections, not 3)."""
    from quizapp.catalog.models import Section

    client.force_login(teacher)
    page = client.get(reverse("classes:create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-part="' in page and "— " not in page and "Studied now" not in page
    tuning, lora = Section.objects.get(key="tuning"), Section.objects.get(key="lora")
    client.post(reverse("classes:create"), {"name": "树", "sections": [tuning.pk, lora.pk]})
    classroom = Classroom.objects.get(name="树")
    assert [s.key for s in classroom.sections.all()] == ["tuning"]
    assert [s.key for s in classroom.studied_sections()] == ["lora", "parallel"]
    page = client.get(reverse("classes:settings", args=[classroom.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ticked = re.findall(r'data-testid="section-([\w-]+)" checked', page)
    assert ticked == ["tuning", "lora", "parallel"] and "Studied now: 2 sections." in page
    client.post(reverse("classes:settings", args=[classroom.pk]), {"name": "树", "sections": [lora.pk]})
    assert [s.key for s in classroom.sections.all()] == ["lora"]
