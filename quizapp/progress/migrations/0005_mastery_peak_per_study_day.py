"""`SectionProgress.mastery_peak` changes meaning: from the highest mastery ever reached (a single right
answer in a first quiz set it, so the class grid called nearly every learner "falling") to the best
mastery a learner started a study day's work in the section with. Existing rows are recomputed from the
history, as `rebuild_progress` does (progress/rebuild.py); it finds no difference afterwards."""

import zoneinfo
from collections import defaultdict
from types import SimpleNamespace

from django.conf import settings
from django.db import migrations, models

from quizapp.accounts.study_days import study_day

BATCH = 5000


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.LEARNER_DEFAULT_TIME_ZONE)


def recompute_peaks(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Response = apps.get_model("quizzes", "Response")
    Attempt = apps.get_model("quizzes", "Attempt")
    SectionProgress = apps.get_model("progress", "SectionProgress")

    zones = User.objects.values_list("pk", "time_zone")
    learners = {pk: SimpleNamespace(zone=_zone(zone)) for pk, zone in zones}
    seen_days = set()  # (learner id, section id, study day) with an answer already
    day_openers = defaultdict(set)  # attempt id -> {(learner id, section id)} it opened a study day for
    rows = Response.objects.order_by("pk").values_list("learner_id", "section_id", "attempt_id",
                                                       "answered_at")
    for learner_id, section_id, attempt_id, answered_at in rows.iterator(BATCH):
        key = (learner_id, section_id, study_day(learners[learner_id], answered_at).date)
        if key not in seen_days:
            seen_days.add(key)
            day_openers[attempt_id].add((learner_id, section_id))

    peaks = defaultdict(float)
    ids = sorted(day_openers)
    for start in range(0, len(ids), BATCH):
        for attempt_id, brought in Attempt.objects.filter(pk__in=ids[start:start + BATCH]).values_list(
                "pk", "mastery_before"):
            for learner_id, section_id in day_openers[attempt_id]:
                value = brought.get(str(section_id))
                if value is not None:
                    peaks[(learner_id, section_id)] = max(peaks[(learner_id, section_id)], value)

    changed = []
    for row in SectionProgress.objects.only("pk", "learner_id", "section_id", "mastery_peak").iterator(BATCH):
        peak = peaks.get((row.learner_id, row.section_id), 0.0)
        if row.mastery_peak != peak:
            row.mastery_peak = peak
            changed.append(row)
    SectionProgress.objects.bulk_update(changed, ["mastery_peak"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("progress", "0004_drop_redundant_fk_indexes"),
        ("quizzes", "0002_drop_redundant_fk_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="sectionprogress",
            name="mastery_peak",
            field=models.FloatField(default=0.0, verbose_name="best mastery at the start of a study day"),
        ),
        # Going back keeps the recomputed values: they are a lower bound of the old meaning's.
        migrations.RunPython(recompute_peaks, migrations.RunPython.noop),
    ]
