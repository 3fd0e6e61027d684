"""A test LMS (an LTI 1.3 platform) for quizapp's tests: its own RSA key, its JWKS and OAuth2 token endpoint
and gradebook/roster endpoints served over HTTP from a thread, and signed id_tokens for launches.

The tool reaches it as it would reach Moodle: over HTTP, with pylti1p3 fetching the JWKS and exchanging a
client-credentials assertion (signed with the tool's key) for a token. Everything the tool sends is recorded."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR, LEARNER, ADMINISTRATOR = ROLE + "Instructor", ROLE + "Learner", ROLE + "Administrator"


class Platform:
    client_id = "quizapp-client"
    deployment_id = "deployment-1"
    context = {"id": "course-42", "label": "AI101", "title": "AI 与大模型 101",
               "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]}

    def __init__(self, host="127.0.0.1"):
        self.next_launch = {"sub": "learner-1", "roles": [LEARNER]}  # who /auth signs in (browser tests)
        self.key = JWK.generate(kty="RSA", size=2048, kid=f"platform-{uuid.uuid4().hex[:8]}")
        self.received = []  # (method, path, headers, body) of every request the tool made
        self.tool_jwks = {"keys": []}  # set by the test: the tool's public keys, to check its assertions
        self.fail_next = 0  # how many of the next score posts answer 500
        self.members = []
        self.page_html = ""
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json", headers=()):
                data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlsplit(self.path).path
                platform.received.append(("GET", self.path, dict(self.headers), ""))
                if path == "/jwks":
                    return self._send(200, {"keys": [json.loads(platform.key.export_public())
                                                     | {"alg": "RS256", "use": "sig"}]})
                if path == "/memberships":
                    if not platform._authorised(self.headers):
                        return self._send(401, {"error": "no token"})
                    return self._send(200, {"id": platform.url("/memberships"), "context": platform.context,
                                            "members": platform.members},
                                      "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
                if path == "/course":
                    return self._send(200, platform.page_html, "text/html; charset=utf-8")
                if path == "/auth":  # the platform's OIDC authorisation: a signed id_token, posted by the browser
                    return self._send(200, platform._auth_form(parse_qs(urlsplit(self.path).query)),
                                      "text/html; charset=utf-8")
                return self._send(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                path = urlsplit(self.path).path
                platform.received.append(("POST", self.path, dict(self.headers), body))
                if path == "/token":
                    return platform._token(self, parse_qs(body))
                if path.endswith("/scores"):
                    if not platform._authorised(self.headers):
                        return self._send(401, {"error": "no token"})
                    if platform.fail_next > 0:
                        platform.fail_next -= 1
                        return self._send(500, {"error": "down for maintenance"})
                    return self._send(200, {})
                return self._send(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.issuer = f"http://{host}:{self.server.server_address[1]}"
        self.tokens = set()

    def url(self, path):
        return self.issuer + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- OAuth2 client credentials: the tool proves itself with a JWT signed by its key -------------------
    def _token(self, handler, form):
        assertion = (form.get("client_assertion") or [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
            key = next(k for k in self.tool_jwks["keys"] if k["kid"] == header["kid"])
            claims = jwt.decode(assertion, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.url("/token"))
            assert claims["iss"] == claims["sub"] == self.client_id
        except Exception as exc:  # noqa: BLE001 - any failure is a refused assertion
            return handler._send(400, {"error": "invalid_client", "detail": str(exc)})
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return handler._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                   "scope": (form.get("scope") or [""])[0]})

    def _auth_form(self, query):
        """What Moodle's auth.php answers: a form that posts the id_token and state to the tool's launch URL."""
        launch = dict(self.next_launch)
        claims = self.claims(sub=launch.pop("sub"), roles=launch.pop("roles"), nonce=query["nonce"][0],
                             launch_url=query["redirect_uri"][0], **launch)
        return (f'<!doctype html><form id="f" method="post" action="{query["redirect_uri"][0]}">'
                f'<input type="hidden" name="id_token" value="{self.sign(claims)}">'
                f'<input type="hidden" name="state" value="{query["state"][0]}"></form>'
                '<script>document.getElementById("f").submit()</script>')

    def _authorised(self, headers):
        return headers.get("Authorization", "").removeprefix("Bearer ") in self.tokens

    def scores(self):
        """The score posts the tool made that the platform accepted or refused: (path, body as dict)."""
        return [(path, json.loads(body)) for method, path, _h, body in self.received
                if method == "POST" and urlsplit(path).path.endswith("/scores")]

    # --- Registration values, as an administrator would paste them into quizapp ---------------------------
    def registration_values(self):
        return {"name": "Test LMS", "issuer": self.issuer, "client_id": self.client_id,
                "auth_url": self.url("/auth"), "token_url": self.url("/token"), "keyset_url": self.url("/jwks")}

    # --- Launches ------------------------------------------------------------------------------------------
    def claims(self, *, sub, roles, nonce, message_type="LtiResourceLinkRequest", resource_link_id="link-1",
               custom=None, name="林 小", extra=None, launch_url="http://testserver/lti/launch/"):
        now = int(time.time())
        body = {
            "iss": self.issuer, "aud": self.client_id, "sub": sub, "iat": now, "exp": now + 300, "nonce": nonce,
            "name": name, "given_name": name.split()[-1], "family_name": name.split()[0],
            "email": f"{sub}@school.example",
            LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "roles": roles,
            LTI + "context": self.context,
            LTI + "target_link_uri": launch_url,
            LTI + "tool_platform": {"guid": "test-lms", "name": "Test LMS", "product_family_code": "test"},
            LTI + "launch_presentation": {"document_target": "iframe", "return_url": self.url("/return")},
        }
        body["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = {
            "context_memberships_url": self.url("/memberships"), "service_versions": ["2.0"]}
        if message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": resource_link_id, "title": "quizapp activity"}
            body["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": self.url("/lineitems"), "lineitem": self.url(f"/lineitems/{resource_link_id}")}
        else:
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.url("/deep-link-return"), "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"], "data": "platform-data-7"}
        if custom is not None:
            body[LTI + "custom"] = custom
        body.update(extra or {})
        return body

    def sign(self, claims, *, key=None, kid=None):
        key = key or self.key
        return jwt.encode(claims, key.export_to_pem(private_key=True, password=None), algorithm="RS256",
                          headers={"kid": kid or key.kid})

    def login(self, client, *, target="http://testserver/lti/launch/"):
        """The platform's login initiation, as the browser carries it; returns (state, nonce) from the
        tool's redirect to the platform's authorisation URL."""
        response = client.post("/lti/login/", {"iss": self.issuer, "login_hint": "hint-1", "client_id": self.client_id,
                                               "target_link_uri": target, "lti_message_hint": "msg-1"})
        assert response.status_code == 302, response.content[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.url("/auth")
        query = parse_qs(location.query)
        assert query["redirect_uri"] == ["http://testserver/lti/launch/"]
        return query["state"][0], query["nonce"][0]

    def launch(self, client, *, sub="learner-1", roles=(LEARNER,), tamper=None, **kwargs):
        """A whole launch through the tool's OIDC login: `tamper(claims) -> id_token` replaces the signing."""
        state, nonce = self.login(client)
        claims = self.claims(sub=sub, roles=list(roles), nonce=nonce, **kwargs)
        id_token = tamper(claims) if tamper else self.sign(claims)
        return client.post("/lti/launch/", {"id_token": id_token, "state": state}), (id_token, state)
