from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_noop

from .models import User

# Django's forms end each label with gettext(":"); listed here so our catalogue can give Chinese its
# full-width colon (Django's own zh_Hans catalogue keeps the ASCII one).
LABEL_SUFFIX = gettext_noop(":")


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)
