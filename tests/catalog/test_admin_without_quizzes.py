"""catalog's question admin stands on its own: catalog is left of quizzes, so its change form must render
where quizzes' preview URL does not exist (the Preview button is quizzes' addition: tests/quizzes/test_admin.py).

This module is also the URL configuration of its tests: the project's URLs plus an admin site holding only
catalog's QuestionAdmin, whose URL names have no `preview` (reversing one there would fail)."""

import pytest
from django.contrib.admin import AdminSite
from django.urls import NoReverseMatch, path, reverse

from quizapp.catalog.admin import QuestionAdmin
from quizapp.catalog.models import Question
from quizapp.urls import urlpatterns as project_urlpatterns
from tests.factories import QuestionFactory

catalog_alone = AdminSite(name="catalog_alone")
catalog_alone.register(Question, QuestionAdmin)

urlpatterns = [*project_urlpatterns, path("catalog-alone/", catalog_alone.urls)]


@pytest.mark.urls(__name__)
def test_catalogs_change_form_renders_without_quizzes_preview(client, teacher):
    client.force_login(teacher)
    question = QuestionFactory()
    with pytest.raises(NoReverseMatch):
        reverse("admin:catalog_question_preview", args=[question.pk], current_app="catalog_alone")
    url = reverse("admin:catalog_question_change", args=[question.pk], current_app="catalog_alone")
    assert url.startswith("/catalog-alone/")
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="version"' in html and 'data-testid="preview-link"' not in html
