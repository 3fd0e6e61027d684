import json
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from quizapp.accounts.models import User
from quizapp.accounts.roles import teacher_role_grant

DEMO_ACCOUNTS = {"learner": "learner", "teacher": "teacher"}


class Command(BaseCommand):
    help = "Create the demo learner and teacher (development only) and print their passwords."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DEBUG is on.")
        # Passwords are generated once and kept beside the database, so running this twice
        # changes nothing and prints the same passwords.
        store = settings.BASE_DIR / ".demo-accounts"
        passwords = json.loads(store.read_text()) if store.exists() else {}
        with transaction.atomic():
            for username, role in DEMO_ACCOUNTS.items():
                password = passwords.setdefault(username, secrets.token_urlsafe(9))
                user, created = User.objects.get_or_create(username=username)
                if created:
                    user.set_password(password)
                    user.save()
                if role == "teacher" and not user.is_teacher:
                    teacher_role_grant(user)
                state = "created" if created else "exists"
                self.stdout.write(f"  {role:8} username: {username:8} password: {password}   ({state})")
        store.write_text(json.dumps(passwords))
