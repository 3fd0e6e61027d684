import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from quizapp.accounts.models import User
from tests.accounts.helpers import log_in
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_sign_up_creates_a_learner_and_logs_them_in(client):
    response = client.post(reverse("signup"), {
        "username": "xiaoming", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"})
    assert response.status_code == 302
    user = User.objects.get(username="xiaoming")
    assert not user.is_staff and not user.is_teacher
    assert user.time_zone == "Asia/Shanghai"
    assert client.get("/").context["user"] == user


@pytest.mark.django_db
def test_a_join_link_survives_signing_up_from_the_log_in_page(client):
    join = "/classes/join/?code=ABCD2345"
    login_page = client.get(reverse("login"), {"next": join}).content.decode()
    signup_url = reverse("signup") + "?next=/classes/join/%3Fcode%3DABCD2345"
    assert f'href="{signup_url}"' in login_page
    assert 'name="next" value="/classes/join/?code=ABCD2345"' in client.get(signup_url).content.decode()
    response = client.post(reverse("signup"), {
        "username": "xiaoming", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42",
        "next": join})
    assert response.status_code == 302 and response["Location"] == join


@pytest.mark.django_db
def test_sign_up_never_redirects_off_the_site(client):
    response = client.post(reverse("signup"), {
        "username": "xiaoming", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42",
        "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_sign_up_takes_the_browsers_time_zone_and_ignores_a_bogus_one(client):
    page = client.get(reverse("signup")).content.decode()
    assert 'name="time_zone"' in page and "data-detect-time-zone" in page  # filled in by app.js
    for name, sent, kept in (("ny", "America/New_York", "America/New_York"), ("odd", "Factory", "Asia/Shanghai"),
                             ("none", "", "Asia/Shanghai"), ("utc", "Etc/UTC", "UTC"), ("fixed", "Etc/GMT-8", "Etc/GMT-8")):
        client.post(reverse("signup"), {"username": name, "password1": "a-long-passphrase-42",
                                        "password2": "a-long-passphrase-42", "time_zone": sent})
        client.logout()
        assert User.objects.get(username=name).time_zone == kept


@pytest.mark.django_db
def test_sign_up_with_mismatched_passwords_shows_the_form_again(client):
    response = client.post(reverse("signup"), {
        "username": "xiaoming", "password1": "a-long-passphrase-42", "password2": "another-one-43"})
    assert response.status_code == 200
    assert not User.objects.filter(username="xiaoming").exists()


def test_log_in_and_out(client, learner):
    response = client.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_teacher_is_staff_in_the_teachers_group_and_not_superuser(teacher):
    assert teacher.is_teacher and teacher.is_staff and not teacher.is_superuser
    assert teacher.has_perm("catalog.change_question")
    assert not teacher.has_perm("accounts.change_user")


def test_learner_cannot_open_the_admin(client, learner):
    client.force_login(learner)
    assert client.get("/admin/").status_code == 302


def test_teacher_can_open_the_question_admin(client, teacher, starter_bank):
    client.force_login(teacher)
    assert client.get("/admin/catalog/question/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403


@pytest.mark.django_db
def test_demo_accounts_are_created_once(settings, tmp_path):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    call_command("create_demo_accounts", stdout=open("/dev/null", "w"))
    learner_hash = User.objects.get(username="learner").password
    call_command("create_demo_accounts", stdout=open("/dev/null", "w"))
    assert User.objects.get(username="learner").password == learner_hash
    assert User.objects.get(username="teacher").is_teacher


@pytest.mark.django_db
def test_demo_accounts_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_demo_accounts")


def test_a_failed_log_in_is_announced(client, learner):
    html = client.post(reverse("login"), {"username": learner.username, "password": "wrong"}).content.decode()
    assert 'role="alert" id="login-problem" tabindex="-1" data-focus-on-load>' in html
    assert html.count("errorlist nonfield") == 0  # said once, not again inside the form


@pytest.mark.parametrize("target", ["true", "-0", "home", "cards:decks"])
def test_a_next_that_is_not_a_path_goes_home_not_to_a_server_error(client, learner, target):
    client.force_login(learner)
    response = client.get(reverse("signup"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_log_in_cycles_the_session_key(client, learner):
    session = client.session  # an anonymous session, as a visitor has before logging in
    session["probe"] = 1
    session.save()
    before = session.session_key
    log_in(client, learner.username)
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_log_out_invalidates_the_session_on_the_server(client, learner):
    log_in(client, learner.username)
    stolen_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=stolen_cookie).exists()


def test_password_reset_sends_the_e_mail_it_announces(client, learner, mailoutbox):
    learner.email = "lin@example.edu"
    learner.save()
    response = client.post(reverse("password_reset"), {"email": "lin@example.edu"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["lin@example.edu"]
    assert "/accounts/reset/" in mailoutbox[0].body
