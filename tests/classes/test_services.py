"""Archiving a class: joining closes, the class turns read-only for its teacher, and nothing is deleted or
recounted; restoring gives it back as it was. The UI's new strings are not translated yet, so these tests read
data, status codes, URLs and test ids, never the (Chinese) text."""

import re

import pytest
from django.urls import reverse

from quizapp.accounts.roles import teacher_role_grant
from quizapp.classes import services
from quizapp.classes.models import Classroom, Membership, SectionTotal
from quizapp.progress.models import SectionProgress
from tests.factories import ClassroomFactory, UserFactory
from tests.progress.helpers import answer_next


@pytest.fixture
def classroom(teacher):
    return ClassroomFactory(teacher=teacher, name="AI 入门一班")


def archive(client, classroom, **kwargs):
    return client.post(reverse("classes:archive", args=[classroom.pk]), **kwargs)


def message_levels(response) -> list[str]:
    return [m.level_tag for m in response.context["messages"]]


def fresh(classroom) -> Classroom:
    return Classroom.objects.get(pk=classroom.pk)


# --- archiving and restoring ---------------------------------------------------------------------------

def test_the_teacher_archives_from_settings_and_restores(client, teacher, classroom):
    client.force_login(teacher)
    settings_url = reverse("classes:settings", args=[classroom.pk])
    page = client.get(settings_url).content.decode()
    assert 'data-testid="archive-box"' in page and f'action="/classes/{classroom.pk}/archive/"' in page
    assert 'data-testid="restore-class"' not in page

    response = archive(client, classroom)
    assert response.status_code == 302 and response.url == settings_url
    assert fresh(classroom).is_archived
    page = client.get(settings_url).content.decode()
    assert 'data-testid="restore-class"' in page and 'data-testid="archive-box"' not in page
    assert re.search(r"<fieldset[^>]*disabled", page)  # the settings are shown, locked

    response = client.post(reverse("classes:restore", args=[classroom.pk]))
    assert response.status_code == 302 and response.url == settings_url
    assert not fresh(classroom).is_archived


def test_archiving_twice_is_a_no_op_that_says_so(client, teacher, classroom):
    """A double submit, or a second tab: the class stays archived since the first time, with an info message."""
    client.force_login(teacher)
    first = archive(client, classroom, follow=True)
    archived_at = fresh(classroom).archived_at
    assert message_levels(first) == ["success"]
    second = archive(client, classroom, follow=True)
    assert second.status_code == 200 and message_levels(second) == ["info"]
    assert fresh(classroom).archived_at == archived_at

    restore = reverse("classes:restore", args=[classroom.pk])
    assert message_levels(client.post(restore, follow=True)) == ["success"]
    again = client.post(restore, follow=True)
    assert again.status_code == 200 and message_levels(again) == ["info"]
    assert not fresh(classroom).is_archived


def test_archive_and_restore_are_post_only_and_for_the_classes_own_teacher(client, teacher, classroom, learner):
    other_teacher = UserFactory(username="other-teacher")
    teacher_role_grant(other_teacher)
    Membership.objects.create(classroom=classroom, learner=learner)
    for name in ("archive", "restore"):
        url = reverse(f"classes:{name}", args=[classroom.pk])
        client.force_login(teacher)
        assert client.get(url).status_code == 405
        client.force_login(other_teacher)
        assert client.post(url).status_code == 404
        client.force_login(learner)  # a member of the class, but not its teacher: refused by role, as elsewhere
        assert client.post(url).status_code == 403
    assert not fresh(classroom).is_archived
    services.classroom_archive(classroom=classroom)
    client.force_login(other_teacher)
    assert client.post(reverse("classes:restore", args=[classroom.pk])).status_code == 404
    assert fresh(classroom).is_archived


def test_archiving_changes_no_progress_memberships_or_class_totals(client, teacher, classroom, learner,
                                                                    other_learner, starter_bank):
    for member in (learner, other_learner):
        Membership.objects.create(classroom=classroom, learner=member)
    answer_next(learner, right=True)
    answer_next(learner, right=True)
    answer_next(other_learner, right=False)

    def state():
        return (list(Membership.objects.order_by("pk").values()),
                list(SectionTotal.objects.order_by("pk").values()),
                list(SectionProgress.objects.order_by("pk").values()))

    before = state()
    assert before[1], "the class has totals to keep"
    client.force_login(teacher)
    archive(client, classroom)
    assert fresh(classroom).is_archived and state() == before
    client.post(reverse("classes:restore", args=[classroom.pk]))
    assert not fresh(classroom).is_archived and state() == before


# --- joining ---------------------------------------------------------------------------------------------

def test_an_archived_class_refuses_joining_by_code(client, classroom, learner):
    services.classroom_archive(classroom=classroom)
    client.force_login(learner)
    response = client.post(reverse("classes:join"), {"code": classroom.join_code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Membership.objects.exists()


def test_the_join_link_of_an_archived_class_says_joining_is_closed(client, classroom, learner):
    services.classroom_archive(classroom=classroom)
    client.force_login(learner)
    html = client.get(classroom.join_url()).content.decode()
    assert 'data-testid="join-closed"' in html and "AI 入门一班" in html
    assert 'data-testid="join-preview"' not in html
    active = ClassroomFactory(name="开放班")
    html = client.get(active.join_url()).content.decode()
    assert 'data-testid="join-preview"' in html and 'data-testid="join-closed"' not in html


def test_restoring_reopens_joining_with_the_same_code(client, teacher, classroom, learner):
    code = classroom.join_code
    services.classroom_archive(classroom=classroom)
    services.classroom_restore(classroom=classroom)
    assert fresh(classroom).join_code == code
    client.force_login(learner)
    client.post(reverse("classes:join"), {"code": code})
    assert Membership.objects.filter(classroom=classroom, learner=learner).exists()


def test_a_join_racing_an_archive_is_refused(classroom, learner):
    """The join page was loaded while the class was open; the class was archived before the learner submitted."""
    stale = Classroom.objects.get(pk=classroom.pk)
    services.classroom_archive(classroom=classroom)
    with pytest.raises(services.JoinError):
        services.classroom_join(learner=learner, code=stale.join_code)
    assert not Membership.objects.exists()


# --- read-only while archived ---------------------------------------------------------------------------

def test_an_archived_class_stays_readable_with_its_join_code_hidden(client, teacher, classroom, learner,
                                                                   starter_bank):
    Membership.objects.create(classroom=classroom, learner=learner)
    answer_next(learner, right=True)
    services.classroom_archive(classroom=classroom)
    client.force_login(teacher)
    dashboard = client.get(classroom.get_absolute_url())
    html = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert 'data-testid="archived-note"' in html and 'data-testid="joining-closed"' in html
    assert classroom.join_code not in html and "/classes/join/?code=" not in html
    assert f"/classes/{classroom.pk}/learners/{learner.pk}/remove/" not in html  # no roster actions
    assert f"/classes/{classroom.pk}/code/" not in html
    assert f'href="/classes/{classroom.pk}/learners/{learner.pk}/"' in html  # the grid is all there
    for url in (reverse("classes:learner", args=[classroom.pk, learner.pk]),
                reverse("classes:items", args=[classroom.pk]),
                reverse("classes:grid_csv", args=[classroom.pk]),
                reverse("classes:items_csv", args=[classroom.pk])):
        assert client.get(url).status_code == 200, url
    csv_text = client.get(reverse("classes:grid_csv", args=[classroom.pk])).content.decode("utf-8-sig")
    assert learner.username in csv_text


def test_an_archived_class_keeps_its_settings_code_and_learners(client, teacher, classroom, learner, starter_bank):
    from quizapp.catalog.models import Section

    Membership.objects.create(classroom=classroom, learner=learner)
    services.classroom_archive(classroom=classroom)
    code = classroom.join_code
    client.force_login(teacher)
    tuning = Section.objects.get(key="tuning")
    response = client.post(reverse("classes:settings", args=[classroom.pk]),
                           {"name": "改名了", "sections": [tuning.pk]}, follow=True)
    assert response.status_code == 200 and message_levels(response) == ["error"]
    response = client.post(reverse("classes:renew_code", args=[classroom.pk]), follow=True)
    assert message_levels(response) == ["error"]
    response = client.post(reverse("classes:remove_learner", args=[classroom.pk, learner.pk]), follow=True)
    assert message_levels(response) == ["error"]
    kept = fresh(classroom)
    assert (kept.name, kept.join_code, list(kept.sections.all())) == ("AI 入门一班", code, [])
    assert Membership.objects.filter(classroom=classroom, learner=learner).exists()


def test_changes_from_a_tab_opened_before_archiving_are_refused(classroom, learner):
    """The services re-read the class under a lock: an instance loaded before the archive cannot write."""
    Membership.objects.create(classroom=classroom, learner=learner)
    tabs = [Classroom.objects.get(pk=classroom.pk) for _ in range(3)]
    services.classroom_archive(classroom=classroom)
    assert not any(tab.is_archived for tab in tabs)
    with pytest.raises(services.ClassArchived):
        services.classroom_update(classroom=tabs[0], name="改名了")
    with pytest.raises(services.ClassArchived):
        services.join_code_renew(classroom=tabs[1])
    with pytest.raises(services.ClassArchived):
        services.membership_remove(classroom=tabs[2], learner_id=learner.pk)
    kept = fresh(classroom)
    assert kept.name == "AI 入门一班" and kept.join_code == classroom.join_code
    assert Membership.objects.count() == 1


def test_a_learner_can_still_leave_an_archived_class(client, classroom, learner):
    """Leaving is the learner's own choice (their teacher stops seeing their progress), archived or not."""
    Membership.objects.create(classroom=classroom, learner=learner)
    services.classroom_archive(classroom=classroom)
    client.force_login(learner)
    assert client.post(reverse("classes:leave", args=[classroom.pk])).status_code == 302
    assert not Membership.objects.exists()


# --- the class lists ------------------------------------------------------------------------------------

def test_the_teachers_list_puts_archived_classes_in_a_collapsed_section(client, teacher):
    old = ClassroomFactory(teacher=teacher, name="去年的班")
    current = ClassroomFactory(teacher=teacher, name="今年的班")
    client.force_login(teacher)
    assert 'data-testid="archived-classes"' not in client.get(reverse("classes:list")).content.decode()
    services.classroom_archive(classroom=old)
    html = client.get(reverse("classes:list")).content.decode()
    active, archived = html.split('data-testid="archived-classes"')
    assert current.name in active and current.join_code in active
    assert old.name not in active and old.join_code not in html
    assert re.search(r'<details class="archived-classes" data-testid="archived-classes">', html)  # not open
    assert archived.count('data-testid="archived-class"') == 1 and old.get_absolute_url() in archived


def test_a_learner_sees_an_archived_class_labelled_after_the_active_ones(client, teacher, learner):
    archived = ClassroomFactory(teacher=teacher, name="旧班")
    active = ClassroomFactory(teacher=teacher, name="新班")
    # Joined the archived one last: without the archive it would be listed first (newest class first).
    for c in (active, archived):
        Membership.objects.create(classroom=c, learner=learner)
    Classroom.objects.filter(pk=archived.pk).update(created_at=active.created_at.replace(year=2100))
    services.classroom_archive(classroom=archived)
    client.force_login(learner)
    html = client.get(reverse("classes:list")).content.decode()
    cards = html.split('data-testid="joined-class"')[1:]
    assert [("<strong>旧班</strong>" in c, 'data-archived="true"' in c) for c in cards] == [(False, False),
                                                                                          (True, True)]
    assert 'data-testid="archived-tag"' in cards[1] and 'data-testid="archived-tag"' not in cards[0]
    assert f"/classes/{archived.pk}/leave/" in cards[1]  # still theirs to leave


def test_class_lists_with_archived_classes_read_a_fixed_number_of_queries(client, teacher, learner,
                                                                          django_assert_max_num_queries):
    teacher_role_grant(learner)  # teaches and learns: both lists on one page

    def add_classes():
        for archived in (False, True):
            taught = ClassroomFactory(teacher=learner)
            joined = ClassroomFactory(teacher=teacher)
            Membership.objects.create(classroom=joined, learner=learner)
            if archived:
                services.classroom_archive(classroom=taught)
                services.classroom_archive(classroom=joined)

    add_classes()
    client.force_login(learner)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("classes:list"))
    for _ in range(4):
        add_classes()
    with django_assert_max_num_queries(len(one)):
        html = client.get(reverse("classes:list")).content.decode()
    assert html.count('data-testid="archived-class"') == 5  # taught, in the archived section
    assert html.count('data-archived="true"') == 5  # joined
