"""quizzes/admin.py: what the question admin shows from quizzes. Here, the change form's Preview button, which
quizzes provides (it serves the preview); the preview page itself: tests/catalog/test_admin.py."""

import re

from django.urls import reverse

from tests.factories import QuestionFactory


def preview_link(html):
    found = re.search(r'<a href="([^"]+)" data-testid="preview-link">', html)
    return found and found.group(1)


def test_the_change_form_links_to_the_question_as_learners_see_it(client, teacher):
    client.force_login(teacher)
    question = QuestionFactory()
    html = client.get(reverse("admin:catalog_question_change", args=[question.pk])).content.decode()
    assert preview_link(html) == reverse("admin:catalog_question_preview", args=[question.pk])
    preview = client.get(preview_link(html))
    assert preview.status_code == 200 and 'data-testid="preview-form"' in preview.content.decode()


def test_a_question_not_yet_saved_has_nothing_to_preview(client, teacher):
    client.force_login(teacher)
    assert preview_link(client.get(reverse("admin:catalog_question_add")).content.decode()) is None
