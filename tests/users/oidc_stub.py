"""A tiny OpenID Connect provider for the single sign-on tests: discovery, authorize, token,
jwks and userinfo, RS256 id_tokens signed with a key generated per provider.

``StubProvider`` makes the tokens (the unit tests put them behind requests-mock);
``StubProviderServer`` serves them over HTTP on a loopback port from a thread, for the services
suite's end-to-end flow. ``person`` is who signs in at the provider next (its claims).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from lms.settings.base import AUTHENTICATION_BACKENDS

CLIENT_ID = "lms-test-client"
CLIENT_SECRET = "lms-test-secret"


_KEYS: list = []


def signing_key():
    """One RSA key per test process (making one costs a noticeable fraction of a second)."""
    if not _KEYS:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[0]


class StubProvider:
    def __init__(self, base: str = "https://sso.example.test"):
        self.base = base.rstrip("/")
        self.key = signing_key()
        self.kid = secrets.token_hex(4)
        self.person: dict = {}
        self.codes: dict[str, dict] = {}  # code -> what the authorize request asked
        self.tokens: dict[str, dict] = {}  # access token -> claims

    # -- endpoints' URLs and the settings that point the platform at them
    @property
    def issuer(self) -> str:
        return self.base

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def settings(self, **extra) -> dict:
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.url("authorize"),
            "OIDC_OP_TOKEN_ENDPOINT": self.url("token"),
            "OIDC_OP_USER_ENDPOINT": self.url("userinfo"),
            "OIDC_OP_JWKS_ENDPOINT": self.url("jwks"),
            "OIDC_PROVIDER_NAME": "VNeID Bắc Ninh",
            "AUTHENTICATION_BACKENDS": [
                *AUTHENTICATION_BACKENDS,
                "lms.users.oidc.OfficialOIDCBackend",
            ],
            **extra,
        }

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("authorize"),
            "token_endpoint": self.url("token"),
            "userinfo_endpoint": self.url("userinfo"),
            "jwks_uri": self.url("jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, claims: dict, *, nonce: str | None, key=None, **overrides) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **claims,
            **overrides,
        }
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    # -- the flow
    def authorize(self, query: dict) -> str:
        """The redirect back to the platform once ``person`` has signed in at the provider."""
        if query.get("client_id") != CLIENT_ID or not query.get("redirect_uri"):
            raise ValueError("unknown client")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "person": dict(self.person)}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict) -> tuple[int, dict]:
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge"):
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access = secrets.token_urlsafe(16)
        self.tokens[access] = grant["person"]
        id_claims = {"sub": grant["person"]["sub"]}
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(id_claims, nonce=grant.get("nonce")),
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        claims = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims


class StubProviderServer(StubProvider):
    """The stub provider on http://127.0.0.1:<free port>, served from a thread."""

    def __init__(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.discovery())
                if parts.path == "/jwks":
                    return self._json(200, provider.jwks())
                if parts.path == "/userinfo":
                    return self._json(*provider.userinfo(self.headers.get("Authorization", "")))
                if parts.path == "/authorize":
                    try:
                        location = provider.authorize(query)
                    except ValueError:
                        return self._json(400, {"error": "unauthorized_client"})
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    return self._json(*provider.token(form))
                return self._json(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        super().__init__(f"http://127.0.0.1:{self.server.server_address[1]}")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
