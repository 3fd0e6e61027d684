"""Launches from the test LMS: the valid ones sign the learner in where the link points, the rest are refused
with a clear page and create nothing."""

import base64
import json
import time

import jwt
import pytest
from django.contrib.auth import get_user_model
from jwcrypto.jwk import JWK
from lti_tool.models import LtiUser

from quizapp.classes.models import Classroom, Membership
from quizapp.lti.models import CourseClass, LinkTarget

from .platform import ADMINISTRATOR, INSTRUCTOR, LEARNER

User = get_user_model()


def signed_in_user(client):
    return User.objects.get(pk=client.session["_auth_user_id"])


def test_learner_launch_creates_an_account_and_signs_in(client, platform):
    response, _ = platform.launch(client, sub="learner-1", roles=[LEARNER])
    assert response.status_code == 302
    user = signed_in_user(client)
    assert user.username.startswith("lms-") and not user.has_usable_password()
    assert not user.is_teacher
    assert LtiUser.objects.get(sub="learner-1").auth_user == user
    assert client.get("/").status_code == 200


def test_second_launch_of_the_same_person_uses_the_same_account(client, platform, django_user_model):
    platform.launch(client, sub="learner-1")
    first = signed_in_user(client)
    client.logout()
    platform.launch(client, sub="learner-1")
    assert signed_in_user(client) == first
    assert django_user_model.objects.filter(username__startswith="lms-").count() == 1


def test_an_account_is_never_linked_by_email_alone(client, platform, django_user_model):
    existing = django_user_model.objects.create_user("lin", email="learner-1@school.example", password="x" * 12)
    platform.launch(client, sub="learner-1")  # the LMS says the same e-mail address
    assert signed_in_user(client) != existing


def test_a_launch_opens_the_links_target(client, platform, starter_bank):
    from quizapp.catalog.models import Section

    leaf = Section.objects.leaves().order_by("order").first()
    response, _ = platform.launch(client, custom={"quizapp_target": f"section_quiz:{leaf.key}"})
    assert response["Location"] == f"/quiz/?section={leaf.key}"
    assert LinkTarget.objects.get().section_keys == [leaf.key]
    notes, _ = platform.launch(client, custom={"quizapp_target": f"notes:{leaf.key}"}, resource_link_id="link-2")
    assert notes["Location"] == f"/sections/{leaf.key}/"
    deck, _ = platform.launch(client, custom={"quizapp_target": f"deck:{leaf.key}"}, resource_link_id="link-3")
    assert deck["Location"] == f"/cards/review/?section={leaf.key}"
    # The link keeps its target when the LMS stops sending the parameter; a made-up key is ignored.
    again, _ = platform.launch(client, custom={"quizapp_target": "notes:no-such-section"})
    assert again["Location"] == f"/quiz/?section={leaf.key}"


class TestRoles:
    def test_instructor_becomes_teacher_of_the_courses_class(self, client, platform):
        response, _ = platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
        teacher = signed_in_user(client)
        assert teacher.is_teacher
        course_class = CourseClass.objects.get()
        assert course_class.teacher == teacher and course_class.classroom.teacher == teacher
        assert course_class.classroom.name == platform.context["title"]
        assert course_class.context.id_on_platform == platform.context["id"]
        assert course_class.context.deployment.registration.issuer == platform.issuer
        assert response["Location"] == course_class.classroom.get_absolute_url()
        assert client.get(response["Location"]).status_code == 200

    def test_administrator_is_a_teacher_too(self, client, platform):
        platform.launch(client, sub="admin-1", roles=[ADMINISTRATOR])
        assert signed_in_user(client).is_teacher
        assert CourseClass.objects.count() == 1

    def test_learners_join_the_class_before_and_after_the_instructor(self, client, platform):
        platform.launch(client, sub="early", roles=[LEARNER])
        early = signed_in_user(client)
        client.logout()
        platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
        client.logout()
        platform.launch(client, sub="late", roles=[LEARNER])
        late = signed_in_user(client)
        classroom = Classroom.objects.get()
        assert set(Membership.objects.filter(classroom=classroom).values_list("learner", flat=True)) == {early.pk, late.pk}
        assert not early.is_teacher

    def test_a_second_launch_joins_nothing_twice(self, client, platform):
        platform.launch(client, sub="teacher-1", roles=[INSTRUCTOR])
        client.logout()
        platform.launch(client, sub="learner-1")
        platform.launch(client, sub="learner-1")
        assert Membership.objects.count() == 1 and Classroom.objects.count() == 1


def nothing_created():
    return (User.objects.count(), LtiUser.objects.count(), Classroom.objects.count()) == (0, 0, 0)


def refused(response, words):
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="lti-refused"' in page
    assert words in page
    return True


@pytest.fixture
def en(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.usefixtures("en")
class TestRefused:
    def test_expired_token(self, client, platform):
        def expired(claims):
            claims["iat"], claims["exp"] = int(time.time()) - 900, int(time.time()) - 600
            return platform.sign(claims)

        response, _ = platform.launch(client, tamper=expired)
        assert refused(response, "expired") and nothing_created()

    def test_replayed_token(self, client, platform):
        first, (id_token, state) = platform.launch(client)
        assert first.status_code == 302
        client.logout()
        before = (User.objects.count(), LtiUser.objects.count())
        again = client.post("/lti/launch/", {"id_token": id_token, "state": state})
        assert refused(again, "already used")
        assert (User.objects.count(), LtiUser.objects.count()) == before
        assert "_auth_user_id" not in client.session

    def test_wrong_audience(self, client, platform):
        def elsewhere(claims):
            claims["aud"] = "another-tool"
            return platform.sign(claims)

        response, _ = platform.launch(client, tamper=elsewhere)
        assert refused(response, "meant for another tool") and nothing_created()

    def test_wrong_deployment(self, client, platform):
        def other_deployment(claims):
            claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "deployment-unknown"
            return platform.sign(claims)

        response, _ = platform.launch(client, tamper=other_deployment)
        assert refused(response, "deployment") and nothing_created()
        from lti_tool.models import LtiDeployment
        assert not LtiDeployment.objects.filter(deployment_id="deployment-unknown").exists()

    def test_inactive_deployment(self, client, platform):
        platform.registration.deployments.update(is_active=False)
        response, _ = platform.launch(client)
        assert refused(response, "deployment") and nothing_created()

    def test_unsigned_token(self, client, platform):
        def unsigned(claims):
            return jwt.encode(claims, None, algorithm="none", headers={"kid": platform.key.kid})

        response, _ = platform.launch(client, tamper=unsigned)
        assert refused(response, "signature") and nothing_created()

    def test_tampered_token(self, client, platform):
        def tampered(claims):
            header, _body, signature = platform.sign(claims).split(".")
            claims["https://purl.imsglobal.org/spec/lti/claim/roles"] = [ADMINISTRATOR]
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            return f"{header}.{body}.{signature}"

        response, _ = platform.launch(client, tamper=tampered)
        assert refused(response, "signature") and nothing_created()

    def test_token_signed_by_another_key_under_the_platforms_kid(self, client, platform):
        impostor = JWK.generate(kty="RSA", size=2048)

        def forged(claims):
            return platform.sign(claims, key=impostor, kid=platform.key.kid)

        response, _ = platform.launch(client, tamper=forged)
        assert refused(response, "signature") and nothing_created()

    def test_launch_without_login_state(self, client, platform):
        _state, nonce = platform.login(client)
        token = platform.sign(platform.claims(sub="learner-1", roles=[LEARNER], nonce=nonce))
        response = client.post("/lti/launch/", {"id_token": token, "state": "state-made-up"})
        assert refused(response, "cookie") and nothing_created()

    def test_unknown_platform_at_login(self, client, platform):
        response = client.post("/lti/login/", {"iss": "https://unknown.example", "login_hint": "x",
                                               "target_link_uri": "http://testserver/lti/launch/"})
        assert response.status_code == 400
        assert "meant for another tool" in response.content.decode()

    def test_launch_is_post_only(self, client, platform):
        assert client.get("/lti/launch/").status_code == 405


def test_the_refusal_is_in_chinese_by_default(client, platform):
    def elsewhere(claims):
        claims["aud"] = "another-tool"
        return platform.sign(claims)

    response, _ = platform.launch(client, tamper=elsewhere)
    page = response.content.decode()
    assert "来自 LMS 的这次启动被拒绝了" in page and "发给另一个工具" in page
