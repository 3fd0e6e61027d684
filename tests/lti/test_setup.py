"""Registration and the tool's keys: the lti_keys command and its rotation, the JWKS, the setup values page
for superusers, the admin for superusers only, and who may frame quizapp."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from lti_tool.models import Key, LtiRegistration

from quizapp.lti import frames
from quizapp.lti.models import FrameOrigin


def jwks_kids(client):
    response = client.get("/lti/jwks/")
    assert response.status_code == 200
    return [k["kid"] for k in response.json()["keys"]]


def run_keys(*args):
    out = io.StringIO()
    call_command("lti_keys", *args, stdout=out)
    return out.getvalue()


def test_lti_keys_makes_one_key_once(client, db):
    assert jwks_kids(client) == []
    assert "Created" in run_keys()
    assert "Signing with" in run_keys()
    kids = jwks_kids(client)
    assert len(kids) == 1 and kids[0] == str(Key.objects.get())


def test_rotation_keeps_the_previous_key_until_the_grace_period_is_over(client, db):
    run_keys()
    first = str(Key.objects.get())
    run_keys("--rotate")
    second = str(Key.objects.latest())
    assert set(jwks_kids(client)) == {first, second}  # launches signed with the first still verify
    # A day later the second is superseded by a third: the first, superseded a day ago, leaves.
    Key.objects.update(datetime_created=timezone.now() - timedelta(hours=25))
    run_keys("--rotate", "--grace-hours", "24")
    third = str(Key.objects.latest())
    assert set(jwks_kids(client)) == {second, third}


def test_new_signatures_use_the_newest_key(platform):
    run_keys("--rotate")
    newest = Key.objects.active().latest()
    registration = platform.registration.to_registration()
    assert registration.get_kid() == str(newest)


def test_setup_page_lists_what_moodle_and_canvas_ask_for(client, django_user_model, platform):
    admin = django_user_model.objects.create_superuser("root", password="x" * 12)
    client.force_login(admin)
    page = client.get("/lti/setup/").content.decode()
    for field in ("Initiate login URL", "Redirection URI(s)", "Public keyset", "Content Selection URL",
                  "OpenID Connect Initiation Url", "Redirect URIs", "Public JWK URL", "Target Link URI"):
        assert field in page
    for url in ("http://testserver/lti/login/", "http://testserver/lti/launch/", "http://testserver/lti/jwks/"):
        assert url in page
    assert platform.issuer in page


def test_setup_and_registrations_are_for_superusers_only(client, teacher, platform):
    client.force_login(teacher)  # staff, in the Teachers group
    assert client.get("/lti/setup/").status_code == 302
    assert client.get("/admin/lti_tool/ltiregistration/").status_code == 403
    assert client.get(f"/admin/lti_tool/ltiregistration/{platform.registration.pk}/change/").status_code == 403


def test_superuser_registers_a_platform_in_the_admin(client, django_user_model, db):
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    response = client.post("/admin/lti_tool/ltiregistration/add/", {
        "name": "Moodle", "uuid": "2d1f9c1e-6a0e-4c59-9d0e-2f6f1e4c1a11", "issuer": "https://moodle.school.example",
        "client_id": "abc123", "audience": "", "auth_url": "https://moodle.school.example/mod/lti/auth.php",
        "token_url": "https://moodle.school.example/mod/lti/token.php",
        "keyset_url": "https://moodle.school.example/mod/lti/certs.php", "is_active": "on",
        "public_key": "", "private_key": "",
        "deployments-TOTAL_FORMS": "1", "deployments-INITIAL_FORMS": "0",
        "deployments-0-deployment_id": "3", "deployments-0-is_active": "on",
        "frame_origins-TOTAL_FORMS": "1", "frame_origins-INITIAL_FORMS": "0",
        "frame_origins-0-origin": "https://school.instructure.com",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    registration = LtiRegistration.objects.get()
    assert registration.deployments.get().is_active
    assert frames.registration_origins(registration) == ["https://moodle.school.example",
                                                          "https://school.instructure.com"]


def test_frame_ancestors_name_the_launching_platform_and_nothing_else(client, platform, db):
    page = client.get("/accounts/login/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    LtiRegistration.objects.create(  # registered too, but not where this visitor came from
        name="Other", issuer="https://other.example", client_id="c", auth_url="https://other.example/auth",
        token_url="https://other.example/t", keyset_url="https://other.example/k")
    FrameOrigin.objects.create(registration=platform.registration, origin="https://school.example")
    response, _ = platform.launch(client)
    for page in (response, client.get(response["Location"]), client.get("/")):
        policy = page["Content-Security-Policy"] + ";"
        assert f"frame-ancestors {platform.issuer} https://school.example;" in policy
        assert "other.example" not in policy and "X-Frame-Options" not in page
    client.logout()
    assert "frame-ancestors 'none'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_a_refusal_shows_in_the_frame_of_the_registered_platform_it_names(client, platform):
    platform.registration.deployments.update(is_active=False)
    response, _ = platform.launch(client)
    assert response.status_code == 403
    assert f"frame-ancestors {platform.issuer};" in response["Content-Security-Policy"] + ";"
    stranger = client.post("/lti/login/", {"iss": "https://unknown.example", "login_hint": "x"})
    assert "frame-ancestors 'none'" in stranger["Content-Security-Policy"]


def test_a_first_launch_before_lti_keys_makes_the_key(client, platform):
    Key.objects.all().delete()
    response, _ = platform.launch(client)
    assert response.status_code == 302
    assert len(jwks_kids(client)) == 1
