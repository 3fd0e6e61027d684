"""The Teachers group (quizapp/accounts/roles.py): what teachers may author, gathered from the apps'
AppConfigs, and nothing more."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from quizapp.accounts.roles import TEACHERS_GROUP, teachers_group_ensure
from quizapp.catalog import question_types
from quizapp.catalog.models import Question
from tests.factories import QuestionFactory

ACTIONS = ("view", "add", "change", "delete")
# What teachers held before the apps declared their own models (main at cc352a6): the bank and the answer
# rows of the seven question types.
BEFORE = {
    f"catalog.{action}_{model}"
    for model in ("section", "question", "flashcard",
                  "choice", "acceptedanswer", "orderitem", "matchpair", "numericalanswer")
    for action in ACTIONS
}


def answer_row_models() -> list:
    return [row_set.model(Question) for row_set in question_types.answer_row_sets()]


def expected() -> set[str]:
    """BEFORE, plus the rows of any type added since: the registry, not this list, decides what is covered."""
    rows = {f"catalog.{action}_{m._meta.model_name}" for m in answer_row_models() for action in ACTIONS}
    return BEFORE | rows


def group_permissions() -> set[str]:
    group = Group.objects.get(name=TEACHERS_GROUP)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_creates_the_teachers_group_with_the_bank_permissions_and_nothing_else(db):
    # No teacher_role_grant here: the group is what the post_migrate receiver left in the test database.
    assert group_permissions() == expected()


def test_ensuring_the_group_again_adds_nothing(db):
    teachers_group_ensure()
    teachers_group_ensure()
    assert group_permissions() == expected()


def test_every_answer_row_model_is_the_teachers_including_numerical(teacher):
    models = {m._meta.model_name for m in answer_row_models()}
    assert {"choice", "acceptedanswer", "orderitem", "matchpair", "numericalanswer"} <= models
    for model in answer_row_models():
        perms = [f"catalog.{action}_{model._meta.model_name}" for action in ("view", "add", "change")]
        assert teacher.has_perms(perms), model


def test_a_teacher_can_view_add_and_change_every_answer_rows_in_the_question_admin(client, teacher):
    client.force_login(teacher)
    question = QuestionFactory()
    page = client.get(reverse("admin:catalog_question_change", args=[question.pk]))
    assert page.status_code == 200
    inlines = {inline.opts.model: inline for inline in page.context["inline_admin_formsets"]}
    for model in answer_row_models():
        inline = inlines[model]
        assert (inline.has_view_permission, inline.has_add_permission, inline.has_change_permission) == (
            True, True, True), model
        assert f'id="{inline.formset.prefix}-group"' in page.content.decode()
