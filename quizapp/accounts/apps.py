from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "quizapp.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .roles import teachers_group_ensure

        post_migrate.connect(teachers_group_ensure, dispatch_uid="quizapp.accounts.teachers_group")
