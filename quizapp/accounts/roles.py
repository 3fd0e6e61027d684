"""Roles. A teacher is a member of the `Teachers` group: staff, able to author content in the admin,
never a superuser and never able to manage users or groups."""

from django.apps import apps

TEACHERS_GROUP = "Teachers"


def teacher_models() -> list:
    """The models teachers author, gathered from the apps: an app lists its own on its AppConfig as a
    `teacher_models()` method (catalog's: sections, questions, flashcards and every question type's answer
    rows). accounts is the base layer, so it names no other app's models; it only asks."""
    found = []
    for config in apps.get_app_configs():
        declared = getattr(config, "teacher_models", None)
        if declared is not None:
            found += declared()
    return found


def teachers_group_ensure(sender=None, **kwargs):
    """Create the Teachers group with every permission (view, add, change, delete) on the teachers' models;
    safe to run after every migrate. It runs once per migrated app, so it grants what exists so far and
    never creates a permission itself."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=TEACHERS_GROUP)
    models = Q(pk__in=[])
    for model in teacher_models():
        models |= Q(content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name)
    missing = set(Permission.objects.filter(models)) - set(group.permissions.all())
    if missing:
        group.permissions.add(*missing)


def teacher_role_grant(user):
    """Make `user` a teacher: staff, in the Teachers group (never a superuser)."""
    from django.contrib.auth.models import Group

    teachers_group_ensure()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=TEACHERS_GROUP))
