"""POST /api/auth/sso/: signing in with the publisher's accounts. Tokens are made
here as a publisher makes them for Coral (its documented claim shape), signed with
a secret made as the admin makes it, or with an RSA key served as a JWKS by a real
HTTP server on this machine."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.auth import get_user_model
from django.test import Client
from jwt.utils import base64url_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ReaderProfile, SsoIdentity, SsoSecret, SsoTokenUse
from accounts.services import display_name_set, user_register
from accounts.sso import sso_secret_create
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/auth/sso/"


def coral_claims(**changes: Any) -> dict[str, Any]:
    """A token's claims in the shape Coral's SSO documentation gives: a UUID jti,
    exp and iat in seconds, and the user with id, email, username, badges, role
    and the account page's url (which Stammtisch, like Coral's docs, does not need)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "jti": str(uuid.uuid4()),
        "exp": now + 3600,
        "iat": now,
        "user": {
            "id": "628bdc61-6616-4add-bfec-dd79156715d4",
            "email": "Bob@Example.com",
            "username": "Bob Berger",
            "badges": ["SUBSCRIBER"],
            "role": "COMMENTER",
            "url": "https://zeitung.example/konto",
        },
    }
    for key, value in changes.items():
        if key.startswith("user_"):
            claims["user"][key.removeprefix("user_")] = value
        else:
            claims[key] = value
    return {key: value for key, value in claims.items() if value is not None} | {
        "user": {key: value for key, value in claims["user"].items() if value is not None}
    }


def hs256(claims: dict[str, Any], secret: SsoSecret | str, *, kid: str | None = None) -> str:
    key = secret.secret if isinstance(secret, SsoSecret) else secret
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm="HS256", headers=headers)


def sign_in(token: str) -> Any:
    return APIClient().post(URL, {"token": token}, format="json")


def refused(token: str, code: str, status: int = 401) -> dict[str, Any]:
    response = sign_in(token)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def me(key: str) -> dict[str, Any]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/me/")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def secret() -> SsoSecret:
    return sso_secret_create(kid="2026-12")


# --- Tokens in Coral's shape ----------------------------------------------------


def test_a_coral_token_signs_a_new_reader_in(secret: SsoSecret) -> None:
    response = sign_in(hs256(coral_claims(), secret, kid="2026-12"))

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    account = me(response.json()["token"])
    assert account["display_name"] == "Bob Berger"
    identity = SsoIdentity.objects.get()
    assert identity.subject == "628bdc61-6616-4add-bfec-dd79156715d4"
    assert identity.email == identity.user.email == "bob@example.com"  # lowercased, as Coral does
    assert (identity.role, identity.badges) == ("COMMENTER", ["SUBSCRIBER"])
    assert not identity.user.has_usable_password()
    assert not identity.user.is_staff


def test_the_reader_can_write_with_the_token_got(secret: SsoSecret, article) -> None:
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.post(
        f"/api/articles/{article.slug}/comments/", {"body": "Guter Artikel."}, format="json"
    )

    assert response.status_code == 202, response.content
    assert response.json()["author"] == "Bob Berger"


def test_a_secret_is_made_as_coral_makes_them(secret: SsoSecret) -> None:
    assert secret.secret.startswith("ssosec_")
    assert len(secret.secret) == len("ssosec_") + 64
    int(secret.secret.removeprefix("ssosec_"), 16)


def test_an_id_given_as_a_number_is_taken_as_its_digits(secret: SsoSecret) -> None:
    assert sign_in(hs256(coral_claims(user_id=4711), secret)).status_code == 200
    assert SsoIdentity.objects.get().subject == "4711"


def test_a_token_without_jti_and_iat_signs_in(secret: SsoSecret) -> None:
    response = sign_in(hs256(coral_claims(jti=None, iat=None), secret))
    assert response.status_code == 200, response.content
    assert SsoTokenUse.objects.count() == 0


# --- Keys: kid, rotation, alg none, wrong key -------------------------------------


def test_the_kid_picks_the_secret_among_several_active(secret: SsoSecret) -> None:
    newer = sso_secret_create(kid="2027-01")
    assert sign_in(hs256(coral_claims(), newer, kid="2027-01")).status_code == 200
    # Signed with the other active secret but naming this one: not its signature.
    refused(hs256(coral_claims(), secret, kid="2027-01"), "bad_signature")


def test_without_kid_every_active_secret_is_tried(secret: SsoSecret) -> None:
    sso_secret_create(kid="2027-01")
    assert sign_in(hs256(coral_claims(), secret)).status_code == 200


def test_rotation_a_switched_off_secret_signs_nobody_in(secret: SsoSecret) -> None:
    newer = sso_secret_create(kid="2027-01")
    secret.is_active = False
    secret.save()

    body = refused(hs256(coral_claims(), secret, kid="2026-12"), "unknown_key")
    assert "2026-12" in body["detail"]
    refused(hs256(coral_claims(), secret), "bad_signature")
    assert sign_in(hs256(coral_claims(), newer)).status_code == 200


def test_an_expired_secret_signs_nobody_in(secret: SsoSecret) -> None:
    secret.expires_at = "2020-01-01T00:00:00Z"
    secret.save()
    refused(hs256(coral_claims(), secret), "unknown_key")


def test_an_unknown_kid_is_named(secret: SsoSecret) -> None:
    body = refused(hs256(coral_claims(), secret, kid="gibt-es-nicht"), "unknown_key")
    assert "gibt-es-nicht" in body["detail"]


def test_a_token_signed_with_another_key_is_refused(secret: SsoSecret) -> None:
    refused(hs256(coral_claims(), "ssosec_" + "ab" * 32), "bad_signature")
    assert not get_user_model().objects.exists()


def test_an_unsigned_token_is_refused(secret: SsoSecret) -> None:
    token = jwt.encode(coral_claims(), None, algorithm="none")
    refused(token, "unsigned_token")
    # Nor with the algorithm's name spelled otherwise.
    _, payload, _ = hs256(coral_claims(), secret).split(".")
    none_header = base64url_encode(json.dumps({"alg": "None", "typ": "JWT"}).encode()).decode()
    refused(f"{none_header}.{payload}.", "unsigned_token")


def test_a_token_signed_with_an_algorithm_not_accepted_is_refused(secret: SsoSecret) -> None:
    refused(jwt.encode(coral_claims(), secret.secret, algorithm="HS512"), "unsupported_algorithm")


@pytest.mark.parametrize("token", ["", "kein-jwt", "a.b.c", "x" * 9000])
def test_what_is_no_token_at_all_is_refused_clearly(secret: SsoSecret, token: str) -> None:
    response = sign_in(token)
    if not token or len(token) > 8192:
        assert response.status_code == 400
        assert "token" in response.json()
    else:
        assert response.status_code == 401
        assert response.json()["code"] == "malformed_token"


@pytest.mark.parametrize("body", [{}, {"token": None}, {"token": ["a.b.c"]}, {"jwt": "x"}])
def test_a_malformed_body_names_the_field(body: dict[str, Any]) -> None:
    response = APIClient().post(URL, body, format="json")
    assert response.status_code == 400
    assert "token" in response.json()


# --- Time and audience ----------------------------------------------------------


def test_an_expired_token_is_refused(secret: SsoSecret) -> None:
    now = int(time.time())
    body = refused(hs256(coral_claims(iat=now - 7200, exp=now - 3600), secret), "token_expired")
    assert body["claim"] == "exp"


def test_a_token_without_exp_is_refused(secret: SsoSecret) -> None:
    body = refused(hs256(coral_claims(exp=None), secret), "missing_claim")
    assert body["claim"] == "exp"


def test_a_token_valid_for_longer_than_the_cap_is_refused(secret: SsoSecret, settings) -> None:
    settings.SSO_MAX_TOKEN_LIFETIME = 600
    now = int(time.time())
    refused(hs256(coral_claims(iat=now, exp=now + 3600), secret), "lifetime_too_long")
    # Without iat, counted from now.
    refused(hs256(coral_claims(iat=None, exp=now + 3600), secret), "lifetime_too_long")
    assert sign_in(hs256(coral_claims(iat=now, exp=now + 600), secret)).status_code == 200


def test_a_token_issued_in_the_future_is_refused(secret: SsoSecret) -> None:
    now = int(time.time())
    refused(hs256(coral_claims(iat=now + 3600, exp=now + 7200), secret), "token_not_yet_valid")


def test_the_clocks_may_differ_by_the_leeway(secret: SsoSecret) -> None:
    now = int(time.time())
    assert sign_in(hs256(coral_claims(iat=now + 30, exp=now + 600), secret)).status_code == 200


def test_the_audience_is_checked_when_configured(secret: SsoSecret, settings) -> None:
    settings.SSO_AUDIENCE = "https://kommentare.zeitung.example"
    refused(hs256(coral_claims(aud="https://andere.example"), secret), "wrong_audience")
    assert refused(hs256(coral_claims(), secret), "missing_claim")["claim"] == "aud"
    assert sign_in(hs256(coral_claims(aud="https://kommentare.zeitung.example"), secret)).status_code == 200


def test_the_issuer_is_checked_when_configured(secret: SsoSecret, settings) -> None:
    settings.SSO_ISSUER = "https://zeitung.example"
    refused(hs256(coral_claims(iss="https://andere.example"), secret), "wrong_issuer")
    assert sign_in(hs256(coral_claims(iss="https://zeitung.example"), secret)).status_code == 200


def test_aud_and_iss_are_ignored_when_not_configured(secret: SsoSecret) -> None:
    # Coral ignores them (deprecated there); a token that still carries them works.
    token = hs256(coral_claims(aud="talk", iss="https://zeitung.example"), secret)
    assert sign_in(token).status_code == 200


# --- Claims ---------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["id", "email", "username"])
def test_a_missing_user_claim_is_named(secret: SsoSecret, claim: str) -> None:
    body = refused(hs256(coral_claims(**{f"user_{claim}": None}), secret), "missing_claim")
    assert body["claim"] == f"user.{claim}"


def test_a_token_without_user_is_refused(secret: SsoSecret) -> None:
    claims = coral_claims()
    del claims["user"]
    assert refused(hs256(claims, secret), "missing_claim")["claim"] == "user"


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        ({"user_email": "keine-adresse"}, "user.email"),
        ({"user_id": ""}, "user.id"),
        ({"user_id": True}, "user.id"),
        ({"user_username": ["Bob"]}, "user.username"),
        ({"user_role": "KAISER"}, "user.role"),
        ({"user_badges": "SUBSCRIBER"}, "user.badges"),
        ({"user_badges": ["x" * 51]}, "user.badges"),
        ({"jti": 12.5}, "jti"),
    ],
)
def test_a_malformed_claim_is_named(secret: SsoSecret, change: dict[str, Any], claim: str) -> None:
    body = refused(hs256(coral_claims(**change), secret), "invalid_claim")
    assert body["claim"] == claim


def test_a_role_is_recorded_but_makes_nobody_staff(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(user_role="ADMIN"), secret)).json()["token"]
    user = Token.objects.get(key=key).user
    assert user.sso_identity.role == "ADMIN"
    assert not user.is_staff and not user.is_superuser
    assert me(key)["badges"] == ["ADMIN", "SUBSCRIBER"]


def test_a_role_the_settings_name_makes_staff_and_a_later_one_takes_it_back(
    secret: SsoSecret, settings
) -> None:
    settings.SSO_STAFF_ROLES = ["MODERATOR"]
    now = int(time.time())
    key = sign_in(hs256(coral_claims(user_role="MODERATOR", iat=now - 60), secret)).json()["token"]
    user = Token.objects.get(key=key).user
    assert user.is_staff and not user.is_superuser
    sign_in(hs256(coral_claims(user_role="COMMENTER", iat=now), secret))
    user.refresh_from_db()
    assert not user.is_staff


def test_readers_see_the_badges_next_to_the_authors_name(secret: SsoSecret, article) -> None:
    key = sign_in(hs256(coral_claims(user_role="MODERATOR", user_badges=["ABO"]), secret)).json()["token"]
    author = Token.objects.get(key=key).user
    CommentFactory(article=article, author=author, body="Von der Moderation.")
    CommentFactory(article=article, author=UserFactory(username="ohne-abo"), body="Ohne Abo.")

    thread = APIClient().get(f"/api/articles/{article.slug}/comments/").json()["results"]
    single = APIClient().get(f"/api/comments/{thread[0]['id']}/").json()

    assert [(node["author"], node["author_badges"]) for node in thread] == [
        ("Bob Berger", ["MODERATOR", "ABO"]),
        ("ohne-abo", []),
    ]
    assert single["author_badges"] == ["MODERATOR", "ABO"]


# --- Later sign-ins: iat --------------------------------------------------------


def test_a_newer_token_updates_the_profile(secret: SsoSecret) -> None:
    now = int(time.time())
    sign_in(hs256(coral_claims(iat=now - 600), secret))

    response = sign_in(
        hs256(
            coral_claims(
                iat=now, user_email="BOB@neu.example", user_username="Robert", user_badges=["ABO", "PRO"]
            ),
            secret,
        )
    )

    assert response.status_code == 200
    assert me(response.json()["token"])["display_name"] == "Robert"
    identity = SsoIdentity.objects.get()
    assert identity.email == identity.user.email == "bob@neu.example"
    assert identity.badges == ["ABO", "PRO"]
    assert get_user_model().objects.count() == 1


def test_an_older_token_changes_nothing_but_signs_in(secret: SsoSecret) -> None:
    now = int(time.time())
    sign_in(hs256(coral_claims(iat=now), secret))

    response = sign_in(hs256(coral_claims(iat=now - 600, user_username="Alter Name"), secret))

    assert response.status_code == 200
    assert me(response.json()["token"])["display_name"] == "Bob Berger"
    assert SsoIdentity.objects.get().last_issued_at.timestamp() == now


def test_claims_left_out_are_not_overwritten(secret: SsoSecret) -> None:
    now = int(time.time())
    sign_in(hs256(coral_claims(iat=now - 600), secret))
    sign_in(hs256(coral_claims(iat=now, user_role=None, user_badges=None), secret))
    identity = SsoIdentity.objects.get()
    assert (identity.role, identity.badges) == ("COMMENTER", ["SUBSCRIBER"])


def test_the_same_email_under_another_id_is_refused(secret: SsoSecret) -> None:
    assert sign_in(hs256(coral_claims(), secret)).status_code == 200
    body = refused(
        hs256(coral_claims(user_id="ein-anderer", user_email="bob@EXAMPLE.com"), secret),
        "duplicate_user",
        409,
    )
    assert "bob@example.com" in body["detail"]
    assert get_user_model().objects.count() == 1


def test_moving_to_an_email_another_account_has_is_refused(secret: SsoSecret) -> None:
    now = int(time.time())
    sign_in(hs256(coral_claims(iat=now - 60), secret))
    sign_in(hs256(coral_claims(user_id="zwei", user_email="zwei@example.com", iat=now - 60), secret))
    refused(
        hs256(coral_claims(user_id="zwei", user_email="bob@example.com", iat=now), secret),
        "duplicate_user",
        409,
    )
    assert SsoIdentity.objects.get(subject="zwei").email == "zwei@example.com"


def test_a_local_account_with_the_same_email_is_not_taken_over(secret: SsoSecret) -> None:
    local, _ = user_register(
        username="bob", password="ein-sicheres-Passwort-42", email="bob@example.com", consent=True
    )
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    assert Token.objects.get(key=key).user != local


# --- Display names --------------------------------------------------------------


def test_a_taken_name_gets_a_number(secret: SsoSecret) -> None:
    user_register(
        username="bob-local", password="ein-sicheres-Passwort-42", display_name="bob berger", consent=True
    )
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    assert me(key)["display_name"] == "Bob Berger (2)"


def test_a_reserved_name_gives_no_display_name(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(user_username="Redaktion"), secret)).json()["token"]
    account = me(key)
    assert account["display_name"] == ""
    assert account["username"].startswith("sso-")


@pytest.mark.parametrize("username", ["Mаria", "bob\u200b"])
def test_a_name_the_rules_refuse_gives_no_display_name(secret: SsoSecret, username: str) -> None:
    key = sign_in(hs256(coral_claims(user_username=username), secret)).json()["token"]
    assert me(key)["display_name"] == ""


@pytest.mark.parametrize(
    ("claims", "claim"),
    [
        ({"user_username": "\x00"}, "user.username"),
        ({"user_username": "Bob\x07Berger"}, "user.username"),
        ({"user_id": "abc\x00"}, "user.id"),
        ({"user_badges": ["Abo\x00"]}, "user.badges"),
    ],
)
def test_claims_with_control_characters_are_refused(secret: SsoSecret, claims: dict, claim: str) -> None:
    response = sign_in(hs256(coral_claims(**claims), secret))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_claim"
    assert response.json()["claim"] == claim
    assert not SsoIdentity.objects.exists()


def test_a_long_name_is_cut_to_a_display_name(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(user_username="B" * 80), secret)).json()["token"]
    assert me(key)["display_name"] == "B" * 50


def test_a_name_chosen_in_the_widget_stays_until_the_publisher_changes_it(secret: SsoSecret) -> None:
    now = int(time.time())
    key = sign_in(hs256(coral_claims(iat=now - 60), secret)).json()["token"]
    display_name_set(user=Token.objects.get(key=key).user, display_name="Bobby")
    sign_in(hs256(coral_claims(iat=now - 30), secret))
    assert me(key)["display_name"] == "Bobby"
    sign_in(hs256(coral_claims(iat=now, user_username="Robert"), secret))
    assert me(key)["display_name"] == "Robert"


# --- jti: replay and sign-out ---------------------------------------------------


def test_a_jti_signs_in_once(secret: SsoSecret) -> None:
    token = hs256(coral_claims(), secret)
    assert sign_in(token).status_code == 200
    assert refused(token, "token_replayed")["claim"] == "jti"


def test_signing_out_revokes_the_jti(secret: SsoSecret) -> None:
    token = hs256(coral_claims(), secret)
    key = sign_in(token).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.delete("/api/auth/token/").status_code == 204

    assert client.get("/api/me/").status_code == 401
    refused(token, "token_revoked")
    assert SsoTokenUse.objects.get().revoked_at is not None
    # A new token from the publisher signs the reader in again.
    assert sign_in(hs256(coral_claims(), secret)).status_code == 200


def test_used_tokens_are_forgotten_once_expired(secret: SsoSecret) -> None:
    now = int(time.time())
    sign_in(hs256(coral_claims(iat=now - 100, exp=now + 1), secret))
    SsoTokenUse.objects.update(expires_at="2020-01-01T00:00:00Z")
    sign_in(hs256(coral_claims(), secret))
    assert SsoTokenUse.objects.count() == 1


def test_a_refused_sign_in_uses_no_jti(secret: SsoSecret) -> None:
    sign_in(hs256(coral_claims(), secret))
    claims = coral_claims(user_id="ein-anderer")
    refused(hs256(claims, secret), "duplicate_user", 409)
    assert not SsoTokenUse.objects.filter(jti=claims["jti"]).exists()


def test_a_deactivated_account_is_refused(secret: SsoSecret) -> None:
    sign_in(hs256(coral_claims(), secret))
    get_user_model().objects.filter(sso_identity__isnull=False).update(is_active=False)
    refused(hs256(coral_claims(), secret), "account_inactive")


# --- Password flows for a reader without a password -------------------------------


def test_password_sign_in_does_not_open_an_sso_account(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    username = me(key)["username"]
    response = APIClient().post("/api/auth/token/", {"username": username, "password": ""}, format="json")
    assert response.status_code == 400
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": "irgendwas"}, format="json"
    )
    assert response.status_code == 400


def test_an_sso_reader_deletes_the_account_without_a_password(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.delete("/api/me/", {}, format="json").status_code == 204

    assert not SsoIdentity.objects.exists()  # the link named the reader
    profile = ReaderProfile.objects.get()
    assert profile.deleted_at is not None and profile.display_name == ""
    # The publisher's next token makes a new reader.
    again = sign_in(hs256(coral_claims(), secret)).json()["token"]
    assert me(again)["display_name"] == "Bob Berger"


# --- RS256 through a JWKS ---------------------------------------------------------


class Jwks:
    """A JWKS served over HTTP from this machine, as a publisher's IdP serves it."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.keys: list[dict[str, Any]] = [public | {"kid": "idp-1", "use": "sig", "alg": "RS256"}]
        self.requests = 0
        self.answer: bytes | None = None  # served instead of the key set
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.requests += 1
                body = jwks.answer or json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign(self, claims: dict[str, Any], kid: str = "idp-1") -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def jwks(settings) -> Iterator[Jwks]:
    served = Jwks()
    settings.SSO_JWKS_URL = served.url
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_an_rs256_token_signs_in_with_a_key_of_the_jwks(jwks: Jwks) -> None:
    response = sign_in(jwks.sign(coral_claims()))
    assert response.status_code == 200, response.content
    assert me(response.json()["token"])["display_name"] == "Bob Berger"


def test_the_jwks_is_fetched_once_for_many_sign_ins(jwks: Jwks) -> None:
    for _ in range(3):
        assert sign_in(jwks.sign(coral_claims())).status_code == 200
    assert jwks.requests == 1


def test_a_kid_not_in_the_jwks_is_unknown(jwks: Jwks) -> None:
    refused(jwks.sign(coral_claims(), kid="idp-9"), "unknown_key")


def test_an_rs256_token_signed_with_another_key_is_refused(jwks: Jwks) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(coral_claims(), other, algorithm="RS256", headers={"kid": "idp-1"})
    refused(token, "bad_signature")


def test_an_hs256_token_signed_with_the_public_key_is_refused(jwks: Jwks, secret: SsoSecret) -> None:
    # The old confusion: the JWKS's public key used as an HMAC secret.
    public_pem = jwks.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    for header in ({"alg": "HS256", "typ": "JWT", "kid": "idp-1"}, {"alg": "HS256", "typ": "JWT"}):
        signing_input = b".".join(
            base64url_encode(json.dumps(part).encode()) for part in (header, coral_claims())
        )
        signature = base64url_encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
        token = (signing_input + b"." + signature).decode()
        refused(token, "unknown_key" if "kid" in header else "bad_signature")


def test_rs256_without_a_jwks_is_refused(settings) -> None:
    settings.SSO_JWKS_URL = ""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(jwt.encode(coral_claims(), key, algorithm="RS256", headers={"kid": "idp-1"}), "unknown_key")


def test_an_unreachable_jwks_is_a_clear_503(settings) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    settings.SSO_JWKS_URL = f"http://127.0.0.1:{port}/jwks.json"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(coral_claims(), key, algorithm="RS256", headers={"kid": "idp-1"})

    body = refused(token, "jwks_unavailable", 503)

    assert "JWKS" in body["detail"]


@pytest.mark.parametrize(
    "answer", [b"<html>Wartungsarbeiten</html>", b'{"keys": []}', b'{"keys": [{"kty": "RSA"}]}']
)
def test_a_jwks_without_usable_keys_is_a_clear_503(jwks: Jwks, answer: bytes) -> None:
    jwks.answer = answer
    refused(jwks.sign(coral_claims()), "jwks_unavailable", 503)


# --- The admin --------------------------------------------------------------------


def test_the_admin_makes_a_secret_and_shows_it_once(settings) -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)

    response = browser.post(
        "/admin/accounts/ssosecret/add/", {"kid": "2026-12", "is_active": "on"}, follow=True
    )

    assert response.status_code == 200
    made = SsoSecret.objects.get()
    assert made.secret.startswith("ssosec_")
    assert made.secret in response.content.decode()
    page = browser.get(f"/admin/accounts/ssosecret/{made.pk}/change/").content.decode()
    assert made.secret not in page
    assert made.secret[:11] in page


def test_the_admin_keeps_the_secret_a_site_brings_from_coral() -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    coral_secret = "ssosec_" + "5f" * 24

    response = browser.post(
        "/admin/accounts/ssosecret/add/",
        {"kid": "von-coral", "is_active": "on", "existing": coral_secret},
        follow=True,
    )

    assert response.status_code == 200
    assert SsoSecret.objects.get().secret == coral_secret
    # The site's tokens sign in as before, with or without the kid.
    assert sign_in(hs256(coral_claims(), coral_secret)).status_code == 200


@pytest.mark.parametrize("existing", ["ssosec_123", "whsec_" + "ab" * 20, "ssosec_" + "zz" * 20])
def test_the_admin_refuses_what_is_no_secret(existing: str) -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)

    response = browser.post(
        "/admin/accounts/ssosecret/add/", {"kid": "falsch", "is_active": "on", "existing": existing}
    )

    assert response.status_code == 200  # the form again, with the error
    assert "ssosec_, gefolgt von mindestens 32 Hexadezimalziffern" in response.content.decode()
    assert not SsoSecret.objects.exists()


def test_sign_ins_are_throttled_per_address(secret: SsoSecret, settings) -> None:
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "sso_ip": "2/min"}
    codes = [sign_in(hs256(coral_claims(), secret)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_readers_export_holds_what_the_publisher_told(secret: SsoSecret) -> None:
    key = sign_in(hs256(coral_claims(), secret)).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    export = client.get("/api/me/export/").json()

    assert export["publisher_account"] == {
        "id": "628bdc61-6616-4add-bfec-dd79156715d4",
        "email": "bob@example.com",
        "username": "Bob Berger",
        "role": "COMMENTER",
        "badges": ["SUBSCRIBER"],
        "last_issued_at": export["publisher_account"]["last_issued_at"],
    }
    assert export["publisher_account"]["last_issued_at"]
    assert export["account"]["email"] == "bob@example.com"
