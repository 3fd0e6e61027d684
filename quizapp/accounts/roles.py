"""Roles. A teacher is a member of the `Teachers` group: staff, able to author content in the admin,
never a superuser and never able to manage users or groups."""

TEACHERS_GROUP = "Teachers"

# Teachers author everything a learner studies; apps that add authorable models list them here (the catalog
# adds the answer rows of its question types in its ready(): question_types owns that list).
TEACHER_MODELS = {
    "catalog": ["section", "question", "flashcard"],
}


def teachers_group_ensure(sender=None, **kwargs):
    """Create the Teachers group with its authoring permissions; safe to run after every migrate."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=TEACHERS_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=TEACHER_MODELS.keys(),
    )
    wanted = [p for p in wanted if p.content_type.model in TEACHER_MODELS[p.content_type.app_label]]
    missing = set(wanted) - set(group.permissions.all())
    if missing:
        group.permissions.add(*missing)


def teacher_role_grant(user):
    """Make `user` a teacher: staff, in the Teachers group (never a superuser)."""
    from django.contrib.auth.models import Group

    teachers_group_ensure()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=TEACHERS_GROUP))
