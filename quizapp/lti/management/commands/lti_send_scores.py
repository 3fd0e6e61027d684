from django.core.management.base import BaseCommand

from quizapp.lti.grades import score_posts_send


class Command(BaseCommand):
    help = ("Send the quiz scores that are due to LMS gradebooks (the first try is right after the quiz; run this "
            "every minute or so from cron for the retries).")

    def handle(self, *args, **options):
        counts = score_posts_send()
        self.stdout.write(f"sent {counts['sent']}, failed {counts['failed']} (they wait for their next try)")
