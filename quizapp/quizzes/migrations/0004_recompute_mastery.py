"""Every learner's section state recomputed from their recorded answers under the new engine (its first
calibration fitted from those answers); nothing else changes. progress 0007 and classes 0005 copy the
result into the rollups."""

from django.db import migrations


def recompute(apps, schema_editor):
    from quizapp.quizzes.services import EngineModels, calibration_refit

    if not apps.get_model("quizzes", "Response").objects.exists():
        return  # a new site: nothing to recompute, and the defaults hold until the first answers
    calibration_refit(EngineModels(
        Question=apps.get_model("catalog", "Question"), Response=apps.get_model("quizzes", "Response"),
        LearnerSkill=apps.get_model("quizzes", "LearnerSkill"),
        QuestionStats=apps.get_model("quizzes", "QuestionStats"),
        EngineCalibration=apps.get_model("quizzes", "EngineCalibration")))


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0003_engine_belief_calibration")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
