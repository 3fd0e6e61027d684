import pytest

from quizapp.whole_numbers import whole_number


def test_only_ascii_digits_within_the_limit_are_numbers():
    assert whole_number("042") == 42 and whole_number("7", digits=1) == 7
    assert whole_number("1" * 20, digits=None) == int("1" * 20)
    for text in ("", " 1", "-1", "1.5", "²", "１", "٣", "12345", None, 3):
        assert whole_number(text, digits=4) is None, text


@pytest.mark.parametrize("url", [
    "/classes/{c}/learners/9223372036854775808/",
    "/classes/{c}/learners/{l}/quizzes/9223372036854775808/",
    "/classes/9223372036854775808/",
    "/classes/{c}/learners/99999999999999999999999/",
    "/quiz/9223372036854775808/",
    "/cards/9223372036854775808/reveal/",
])
def test_an_id_past_the_largest_row_id_is_not_found(client, teacher, learner, url):
    from quizapp.classes.models import Membership
    from tests.factories import ClassroomFactory

    classroom = ClassroomFactory(teacher=teacher)
    Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(teacher)
    assert client.get(url.format(c=classroom.pk, l=learner.pk)).status_code == 404


def test_removing_a_learner_past_the_largest_row_id_is_not_found_and_removes_nobody(client, teacher, learner):
    from quizapp.classes.models import Membership
    from tests.factories import ClassroomFactory

    classroom = ClassroomFactory(teacher=teacher)
    Membership.objects.create(classroom=classroom, learner=learner)
    client.force_login(teacher)
    response = client.post(f"/classes/{classroom.pk}/learners/9223372036854775808/remove/")
    assert response.status_code == 404 and Membership.objects.count() == 1


def test_the_largest_row_id_itself_is_looked_up(client, teacher):
    from tests.factories import ClassroomFactory

    ClassroomFactory(teacher=teacher)
    client.force_login(teacher)
    assert client.get(f"/classes/{2**63 - 1}/").status_code == 404  # reaches the view: no such class
