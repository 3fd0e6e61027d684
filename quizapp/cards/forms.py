from django import forms
from django.utils.translation import gettext_lazy as _

from quizapp.accounts.models import time_zone_choices


class RateForm(forms.Form):
    rating = forms.IntegerField(min_value=1, max_value=4)
    # The card's review count when it was shown: a stale count means a double submit, replay or other tab.
    reps = forms.IntegerField(min_value=0)
    shown_at = forms.IntegerField(required=False, min_value=0)  # server time (ms) the card was shown
    # Server time (ms) the intervals on the buttons were computed (the back shown): see review_record.
    intervals_at = forms.IntegerField(required=False, min_value=0, max_value=2**53)
    section = forms.SlugField(required=False)


class UndoForm(forms.Form):
    review = forms.IntegerField(min_value=1)
    section = forms.SlugField(required=False)


class StudySettingsForm(forms.Form):
    desired_retention = forms.FloatField(
        label=_("Desired retention"), min_value=0.70, max_value=0.97,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=_("How much of what comes up you want to remember, from 0.70 to 0.97. Higher means more "
                    "reviews."),
    )
    new_per_day = forms.IntegerField(label=_("New cards per day"), min_value=0, max_value=1000)
    max_reviews_per_day = forms.IntegerField(label=_("Maximum reviews per day"), min_value=0, max_value=9999)
    time_zone = forms.ChoiceField(  # choices: set for each form, around the learner's own zone
        label=_("Time zone"), help_text=_("Your study day starts at 04:00 in this time zone."),
    )

    def __init__(self, *args, current_time_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # A learner's own zone stays on offer (and selected) even when the list leaves such names out
        # ("PRC", "Etc/GMT-8"), so saving other settings never moves their study day.
        self.fields["time_zone"].choices = time_zone_choices(current_time_zone)


class ExtraNewForm(forms.Form):
    """Custom study: more new cards today."""

    extra = forms.IntegerField(label=_("Extra new cards today"), min_value=0, max_value=1000, initial=10,
                               help_text=_("On top of your daily limit, today only. Tomorrow's limit stays as set."))
