"""Deep linking: an instructor picks what a new LMS activity opens; the LMS gets a signed LtiResourceLink item,
and launching that item opens the choice."""

import re

import jwt
import pytest
from lti_tool.models import Key

from quizapp.catalog.models import Section

from .platform import INSTRUCTOR, LEARNER

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_link_request(client, platform, *, sub="teacher-1", roles=(INSTRUCTOR,)):
    response, _ = platform.launch(client, sub=sub, roles=roles, message_type="LtiDeepLinkingRequest")
    return response


def returned_jwt(page: str) -> tuple[str, str]:
    action = re.search(r'<form method="post" action="([^"]+)" data-lti-return', page).group(1)
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    return action, token


def verify_with_tool_jwks(client, token):
    """As the LMS does: the tool's public key from its JWKS URL, by the token's kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in client.get("/lti/jwks/").json()["keys"] if k["kid"] == kid)
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], options={"verify_aud": False})


@pytest.fixture
def leaves(starter_bank):
    return list(Section.objects.leaves().order_by("order")[:2])


def test_round_trip_section_quiz(client, platform, leaves):
    response = deep_link_request(client, platform)
    assert response["Location"] == "/lti/deep-link/"
    form = client.get("/lti/deep-link/")
    assert form.status_code == 200 and leaves[0].title in form.content.decode()

    answer = client.post("/lti/deep-link/", {"kind": "section_quiz", "section": leaves[0].key})
    assert answer.status_code == 200
    action, token = returned_jwt(answer.content.decode())
    assert action == platform.url("/deep-link-return")
    assert platform.issuer in answer["Content-Security-Policy"].split("form-action")[1].split(";")[0]

    claims = verify_with_tool_jwks(client, token)
    assert jwt.get_unverified_header(token)["kid"] == str(Key.objects.active().latest())
    assert claims["iss"] == platform.client_id and claims["aud"] == [platform.issuer]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "platform-data-7"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == {"quizapp_target": f"section_quiz:{leaves[0].key}"}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert leaves[0].title in item["title"]

    # The LMS now launches the new link with the custom parameter the item carried.
    client.logout()
    opened, _ = platform.launch(client, sub="learner-1", roles=[LEARNER], custom=item["custom"],
                                resource_link_id="new-link")
    assert opened["Location"] == f"/quiz/?section={leaves[0].key}"


@pytest.mark.parametrize("kind", ["notes", "deck"])
def test_notes_and_deck_links_have_no_gradebook_column(client, platform, leaves, kind):
    deep_link_request(client, platform)
    answer = client.post("/lti/deep-link/", {"kind": kind, "section": leaves[0].key})
    [item] = verify_with_tool_jwks(client, returned_jwt(answer.content.decode())[1])[DL + "content_items"]
    assert item["custom"] == {"quizapp_target": f"{kind}:{leaves[0].key}"} and "lineItem" not in item


def test_mixed_quiz_over_ticked_sections(client, platform, leaves):
    deep_link_request(client, platform)
    answer = client.post("/lti/deep-link/", {"kind": "mixed_quiz", "sections": [s.key for s in leaves]})
    [item] = verify_with_tool_jwks(client, returned_jwt(answer.content.decode())[1])[DL + "content_items"]
    assert item["custom"] == {"quizapp_target": "mixed_quiz:" + ",".join(s.key for s in leaves)}


def test_mastery_grade_over_ticked_sections_has_a_gradebook_column(client, platform, leaves):
    deep_link_request(client, platform)
    answer = client.post("/lti/deep-link/", {"kind": "mastery", "sections": [s.key for s in leaves]})
    [item] = verify_with_tool_jwks(client, returned_jwt(answer.content.decode())[1])[DL + "content_items"]
    assert item["custom"] == {"quizapp_target": "mastery:" + ",".join(s.key for s in leaves)}
    assert item["lineItem"]["scoreMaximum"] == 100


def test_a_mixed_quiz_needs_a_section(client, platform, leaves):
    deep_link_request(client, platform)
    answer = client.post("/lti/deep-link/", {"kind": "mixed_quiz"})
    assert answer.status_code == 200 and 'data-testid="deep-link-form"' in answer.content.decode()


def test_the_answer_is_sent_once(client, platform, leaves):
    deep_link_request(client, platform)
    assert client.post("/lti/deep-link/", {"kind": "notes", "section": leaves[0].key}).status_code == 200
    assert client.post("/lti/deep-link/", {"kind": "notes", "section": leaves[0].key}).status_code == 404


def test_learners_cannot_deep_link(client, platform, leaves):
    response = deep_link_request(client, platform, sub="learner-1", roles=(LEARNER,))
    assert response.status_code == 403
    assert client.get("/lti/deep-link/").status_code == 404


def test_no_deep_linking_without_a_launch(client, teacher):
    client.force_login(teacher)
    assert client.get("/lti/deep-link/").status_code == 404
