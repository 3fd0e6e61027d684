"""A numerical answer's `fraction` is its `credit`, the word every other place uses (issue 16, names)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_numerical_question"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="numericalanswer", name="numericalanswer_fraction_0_1"),
        migrations.RenameField(model_name="numericalanswer", old_name="fraction", new_name="credit"),
        migrations.AddConstraint(
            model_name="numericalanswer",
            constraint=models.CheckConstraint(
                condition=models.Q(("credit__gt", 0), ("credit__lte", 1)), name="numericalanswer_credit_0_1"
            ),
        ),
    ]
