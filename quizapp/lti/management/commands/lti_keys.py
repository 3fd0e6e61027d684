from django.core.management.base import BaseCommand

from quizapp.lti import tool


class Command(BaseCommand):
    help = ("The tool's signing key for LTI: makes one if there is none; --rotate makes a new one and keeps the "
            "previous keys in the JWKS for --grace-hours after they were superseded.")

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true", help="make a new signing key")
        parser.add_argument("--grace-hours", type=int, default=24,
                            help="how long a superseded key stays in the JWKS (default 24)")

    def handle(self, *args, rotate=False, grace_hours=24, **options):
        if rotate:
            key, retired = tool.keys_rotate(grace_hours=grace_hours)
            self.stdout.write(f"New signing key {key}; {retired} superseded key(s) left the JWKS.")
        else:
            key, created = tool.key_ensure()
            self.stdout.write(f"{'Created' if created else 'Signing with'} key {key}.")
        active = tool.jwks()["keys"]
        self.stdout.write(f"JWKS: {len(active)} key(s): {', '.join(k['kid'] for k in active)}")
