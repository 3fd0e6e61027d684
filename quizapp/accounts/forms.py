from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_noop

from .models import User, valid_time_zone

# Django's forms end each label with gettext(":"); listed here so our catalogue can give Chinese its
# full-width colon (Django's own zh_Hans catalogue keeps the ASCII one).
LABEL_SUFFIX = gettext_noop(":")


class SignupForm(UserCreationForm):
    # Filled in by static/js/app.js from the browser's own time zone, so a learner outside China gets a
    # study day that turns over at their night, not Shanghai's; without JavaScript, the default zone.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-detect-time-zone": ""}))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean_time_zone(self):
        return valid_time_zone(self.cleaned_data.get("time_zone", "")) or settings.LEARNER_DEFAULT_TIME_ZONE

    def save(self, commit=True):
        user = super().save(commit=False)
        user.time_zone = self.cleaned_data["time_zone"]
        if commit:
            user.save()
        return user
