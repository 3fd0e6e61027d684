"""Logging in through the real log-in form (and so through django-axes), shared by the accounts tests."""

from django.urls import reverse

from tests.factories import PASSWORD


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)
