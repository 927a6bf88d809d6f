"""Who may do what: every API endpoint, tried by every kind of caller, on every kind
of comment, with the status code each must get.

Callers: nobody signed in, the reader who wrote the comment, another reader, a
moderator (staff, in the Moderators group) and an administrator (superuser). The
public API gives staff no powers of their own: moderators decide in the admin and,
through /api/moderation/. So on the public endpoints they are readers like any
other, and a comment that is not theirs and not published does not exist for them.
Restricting a staff account (a moderator's or an administrator's) needs an
administrator. A staff account with an authenticator app reaches /api/moderation/
only with a token got with its code: the test of each moderation row is repeated
with such tokens, and with tokens got with the password alone.

Beyond the status code, every request is checked for what a reader would notice:
nobody but the author ever gets the text of a hidden comment; a refused request
changes nothing; and a hidden comment answers exactly as a comment that does not
exist, so that not even an error tells it is there.

The Perspective-compatible endpoints (/v1alpha1/) take a client's API key, not a
role: their rows show that being signed in, as anyone, opens nothing without a key.

The endpoints are read from the URL resolver: a new endpoint under /api/ without
rows in MATRIX fails test_every_api_endpoint_has_rows_in_the_matrix. To add one,
add its rows, teach World.path_values what fills its path and World.body what it
takes; the leak checks apply as they stand.
"""

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import SsoSecret
from accounts.sso import sso_secret_create
from discussion.models import Comment
from moderation.coral.signatures import secret_create
from moderation.dsa.notices import notice_create
from moderation.models import Notice, StatementOfReasons
from moderation.permissions import moderators_group
from moderation.perspective.keys import key_create
from tests.coral.coral import coral_body, coral_signature, request_with
from tests.factories import CommentFactory, UserFactory, authenticator_for, current_code, reply_to, wrong_code

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other reader", "moderator", "admin")

# The comments of the owner that a target names: one published, one in every state
# that hides it, and a deleted one that stays as a placeholder above a published
# reply. Hidden texts carry SECRET, so that a leak shows wherever it happens.
HIDDEN = ("pending", "held", "rejected", "removed", "placeholder")
SECRET = "GEHEIM"

# fmt: off
MATRIX: list[tuple[str, str, tuple[int, int, int, int, int]]] = [
    # operation                                    target          anonymous owner other  moderator admin
    ("GET /api/articles/",                         "-",            (200,     200,  200,   200,      200)),
    ("GET /api/articles/{slug}/",                  "-",            (200,     200,  200,   200,      200)),
    # Writing articles needs the article permissions (the newsroom's system, or an
    # administrator); moderators only read them.
    ("PUT /api/articles/{slug}/",                  "-",            (401,     403,  403,   403,      200)),
    ("PATCH /api/articles/{slug}/",                "-",            (401,     403,  403,   403,      200)),
    ("GET /api/articles/{slug}/comments/",         "-",            (200,     200,  200,   200,      200)),
    # POST a comment: target "-" is a top-level comment, any other names the parent.
    ("POST /api/articles/{slug}/comments/",        "-",            (401,     202,  202,   202,      202)),
    ("POST /api/articles/{slug}/comments/",        "published",    (401,     202,  202,   202,      202)),
    ("POST /api/articles/{slug}/comments/",        "pending",      (401,     400,  400,   400,      400)),
    ("POST /api/articles/{slug}/comments/",        "held",         (401,     400,  400,   400,      400)),
    ("POST /api/articles/{slug}/comments/",        "rejected",     (401,     400,  400,   400,      400)),
    ("POST /api/articles/{slug}/comments/",        "removed",      (401,     400,  400,   400,      400)),
    ("POST /api/articles/{slug}/comments/",        "placeholder",  (401,     400,  400,   400,      400)),

    ("GET /api/comments/{comment_id}/",            "published",    (200,     200,  200,   200,      200)),
    ("GET /api/comments/{comment_id}/",            "pending",      (404,     200,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/",            "held",         (404,     200,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/",            "rejected",     (404,     200,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/",            "removed",      (404,     404,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/",            "placeholder",  (404,     404,  404,   404,      404)),

    ("PATCH /api/comments/{comment_id}/",          "published",    (401,     200,  403,   403,      403)),
    ("PATCH /api/comments/{comment_id}/",          "pending",      (401,     200,  404,   404,      404)),
    ("PATCH /api/comments/{comment_id}/",          "held",         (401,     200,  404,   404,      404)),
    ("PATCH /api/comments/{comment_id}/",          "rejected",     (401,     409,  404,   404,      404)),
    ("PATCH /api/comments/{comment_id}/",          "removed",      (401,     409,  404,   404,      404)),
    ("PATCH /api/comments/{comment_id}/",          "placeholder",  (401,     409,  404,   404,      404)),

    ("DELETE /api/comments/{comment_id}/",         "published",    (401,     204,  403,   403,      403)),
    ("DELETE /api/comments/{comment_id}/",         "pending",      (401,     204,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/",         "held",         (401,     204,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/",         "rejected",     (401,     204,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/",         "removed",      (401,     404,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/",         "placeholder",  (401,     404,  404,   404,      404)),

    # Replies are part of the published thread: the author's own waiting comment has none to show.
    ("GET /api/comments/{comment_id}/replies/",    "published",    (200,     200,  200,   200,      200)),
    ("GET /api/comments/{comment_id}/replies/",    "pending",      (404,     404,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/replies/",    "held",         (404,     404,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/replies/",    "rejected",     (404,     404,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/replies/",    "removed",      (404,     404,  404,   404,      404)),
    ("GET /api/comments/{comment_id}/replies/",    "placeholder",  (200,     200,  200,   200,      200)),

    ("POST /api/comments/{comment_id}/reactions/", "published",    (401,     403,  200,   200,      200)),
    ("POST /api/comments/{comment_id}/reactions/", "pending",      (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reactions/", "held",         (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reactions/", "rejected",     (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reactions/", "removed",      (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reactions/", "placeholder",  (401,     404,  404,   404,      404)),

    ("DELETE /api/comments/{comment_id}/reactions/", "published",  (401,     200,  200,   200,      200)),
    ("DELETE /api/comments/{comment_id}/reactions/", "pending",    (401,     404,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/reactions/", "held",       (401,     404,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/reactions/", "rejected",   (401,     404,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/reactions/", "removed",    (401,     404,  404,   404,      404)),
    ("DELETE /api/comments/{comment_id}/reactions/", "placeholder", (401,    404,  404,   404,      404)),

    ("POST /api/comments/{comment_id}/reports/",   "published",    (401,     403,  201,   201,      201)),
    ("POST /api/comments/{comment_id}/reports/",   "pending",      (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reports/",   "held",         (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reports/",   "rejected",     (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reports/",   "removed",      (401,     404,  404,   404,      404)),
    ("POST /api/comments/{comment_id}/reports/",   "placeholder",  (401,     404,  404,   404,      404)),

    ("GET /api/me/",                               "-",            (401,     200,  200,   200,      200)),
    ("PATCH /api/me/",                             "-",            (401,     200,  200,   200,      200)),
    # Readers delete their own account; staff accounts are removed by an administrator.
    ("DELETE /api/me/",                            "-",            (401,     204,  204,   403,      403)),
    ("GET /api/me/comments/",                      "-",            (401,     200,  200,   200,      200)),
    ("GET /api/me/export/",                        "-",            (401,     200,  200,   200,      200)),
    ("GET /api/me/decisions/",                     "-",            (401,     200,  200,   200,      200)),
    # A decision is appealed by the reader it is about, nobody else.
    ("POST /api/me/decisions/{statement_id}/appeal/", "decision",  (401,     201,  404,   404,      404)),
    # A notice is appealed with the secret its receipt gave the notifier, by whoever holds it.
    ("POST /api/notices/{reference}/appeal/",      "refused notice:no secret", (404, 404, 404, 404,    404)),
    ("POST /api/notices/{reference}/appeal/",      "refused notice:secret", (201, 201, 201, 201,       201)),
    ("GET /api/auth/register/",                    "-",            (200,     200,  200,   200,      200)),
    ("POST /api/auth/register/",                   "-",            (201,     201,  201,   201,      201)),
    # Notices of illegal content: anyone, about a comment they can see (400 naming
    # `comment` otherwise, as for one that does not exist); followed with its token.
    ("POST /api/notices/",                         "published",    (201,     201,  201,   201,      201)),
    ("POST /api/notices/",                         "pending",      (400,     201,  400,   400,      400)),
    ("POST /api/notices/",                         "held",         (400,     201,  400,   400,      400)),
    ("POST /api/notices/",                         "rejected",     (400,     201,  400,   400,      400)),
    ("POST /api/notices/",                         "removed",      (400,     400,  400,   400,      400)),
    ("POST /api/notices/",                         "placeholder",  (400,     400,  400,   400,      400)),
    ("GET /api/notices/grounds/",                  "-",            (200,     200,  200,   200,      200)),
    ("GET /api/notices/{reference}/",              "notice:token", (200,     200,  200,   200,      200)),
    ("GET /api/notices/{reference}/",              "notice:wrong token", (404, 404, 404,   404,      404)),
    ("GET /api/notices/{reference}/",              "notice:no token", (404,  404,  404,   404,      404)),
    # The token belongs to whoever knows the password (and the code of the account's
    # authenticator app, if it has one), whoever asks.
    ("POST /api/auth/token/",                      "owner",        (200,     200,  200,   200,      200)),
    ("POST /api/auth/token/",                      "wrong password", (400,   400,  400,   400,      400)),
    ("POST /api/auth/token/",                      "enrolled:no code", (400, 400,  400,   400,      400)),
    ("POST /api/auth/token/",                      "enrolled:wrong code", (400, 400, 400, 400,      400)),
    ("POST /api/auth/token/",                      "enrolled:code", (200,    200,  200,   200,      200)),
    # The publisher's token signs its reader in, whoever sends it; a bad one nobody.
    ("POST /api/auth/sso/",                        "sso:token",    (200,     200,  200,   200,      200)),
    ("POST /api/auth/sso/",                        "sso:expired",  (401,     401,  401,   401,      401)),
    ("POST /api/auth/sso/",                        "sso:wrong key", (401,    401,  401,   401,      401)),
    # Signing out: whoever is signed in ends their own sign-in.
    ("DELETE /api/auth/token/",                    "-",            (401,     204,  204,   204,      204)),
    ("GET /api/health/",                           "-",            (200,     200,  200,   200,      200)),
    ("GET /api/schema/",                           "-",            (200,     200,  200,   200,      200)),
    ("GET /api/docs/",                             "-",            (200,     200,  200,   200,      200)),

    # The moderation API: staff with the moderation permission only.
    ("GET /api/moderation/queues/{queue}/",        "queue:held",   (401,     403,  403,   200,      200)),
    ("GET /api/moderation/queues/{queue}/",        "queue:rejected", (401,   403,  403,   200,      200)),
    ("GET /api/moderation/queues/{queue}/",        "queue:nonsense", (401,   403,  403,   404,      404)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "published",   (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "pending",     (401, 403, 403, 200, 200)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "held",        (401, 403, 403, 200, 200)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "rejected",    (401, 403, 403, 200, 200)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "removed",     (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/decision/", "placeholder", (401, 403, 403, 409, 409)),
    # Editors' picks: only a published comment is featured; unfeaturing is idempotent.
    ("POST /api/moderation/comments/{comment_id}/feature/", "published",   (401, 403, 403, 200, 200)),
    ("POST /api/moderation/comments/{comment_id}/feature/", "pending",     (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/feature/", "held",        (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/feature/", "rejected",    (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/feature/", "removed",     (401, 403, 403, 409, 409)),
    ("POST /api/moderation/comments/{comment_id}/feature/", "placeholder", (401, 403, 403, 409, 409)),
    *[
        ("DELETE /api/moderation/comments/{comment_id}/feature/", target, (401, 403, 403, 200, 200))
        for target in ("published", *HIDDEN)
    ],
    # The author of any comment, as /api/moderation/readers/{username}/ restricts them.
    *[
        ("POST /api/moderation/comments/{comment_id}/author/", target, (401, 403, 403, 200, 200))
        for target in ("published", *HIDDEN)
    ],
    ("POST /api/moderation/analyze/",              "-",            (401,     403,  403,   200,      200)),
    ("POST /api/moderation/readers/{username}/",   "owner",        (401,     403,  403,   200,      200)),
    # Staff accounts: only an administrator restricts them.
    ("POST /api/moderation/readers/{username}/",   "moderator",    (401,     403,  403,   403,      200)),
    ("POST /api/moderation/readers/{username}/",   "admin",        (401,     403,  403,   403,      200)),

    # The Perspective-compatible API (docs/perspective.md) answers a client's API key,
    # not a user: whoever is signed in, without a key it is 401, with a switched-off
    # key 403, both in Google's error envelope; suggesting needs a key allowed to.
    ("POST /v1alpha1/comments:analyze",            "no key",       (401,     401,  401,   401,      401)),
    ("POST /v1alpha1/comments:analyze",            "key",          (200,     200,  200,   200,      200)),
    ("POST /v1alpha1/comments:analyze",            "switched-off key", (403, 403,  403,   403,      403)),
    ("POST /v1alpha1/comments:suggestscore",       "no key",       (401,     401,  401,   401,      401)),
    ("POST /v1alpha1/comments:suggestscore",       "key",          (403,     403,  403,   403,      403)),
    ("POST /v1alpha1/comments:suggestscore",       "suggesting key", (200,   200,  200,   200,      200)),

    # Coral's external moderation phase (docs/coral.md) answers a request signed with
    # an active secret, whoever is signed in: 401 unsigned, 403 signed with another.
    ("POST /api/coral/phase/",                     "unsigned",     (401,     401,  401,   401,      401)),
    ("POST /api/coral/phase/",                     "signed",       (204,     204,  204,   204,      204)),
    ("POST /api/coral/phase/",                     "signed with another secret", (403, 403, 403, 403, 403)),
]
# fmt: on

# Where the owner may read the text of their own hidden comments; nowhere else, and
# nobody else anywhere.
OWNER_SEES_OWN_HIDDEN_TEXT = {
    "GET /api/comments/{comment_id}/",
    "GET /api/me/comments/",
    "GET /api/me/export/",
}
# Where moderators read what waits for them.
STAFF_SEE_HIDDEN_TEXT = {"GET /api/moderation/queues/{queue}/"}
STAFF_ROLES = ("moderator", "admin")

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
CORAL_SECRET = "empsec_" + "0123456789abcdef" * 4
# A new comment as Coral sends it to its external moderation phase (tests/coral/coral.py).
CORAL_REQUEST = coral_body(request_with("Danke für den ausführlichen Bericht, sehr gut recherchiert."))
NOTICE_SECRET = "das-geheimnis-der-meldung"


@dataclass
class World:
    slug: str
    users: dict[str, AbstractBaseUser]
    comments: dict[str, Comment]
    notice: tuple[str, str]  # reference and token of a notice about the published comment
    decision: str  # a statement of reasons about the owner's rejected comment
    refused_notice: str  # the reference of a notice that led to no action (secret NOTICE_SECRET)
    keys: dict[str, str]  # Perspective API keys: "key", "switched-off key", "suggesting key"

    def path_values(self, target: str) -> dict[str, Any]:
        """What fills the {…} of an operation's path for a target."""
        values: dict[str, Any] = {"slug": self.slug}
        if target in self.comments:
            values["comment_id"] = self.comments[target].pk
        if target.startswith("queue:"):
            values["queue"] = target.removeprefix("queue:")
        if target in self.users:
            values["username"] = self.users[target].get_username()
        if target == "decision":
            values["statement_id"] = self.decision
        if target.startswith("notice:"):
            values["reference"] = self.notice[0]
        if target.startswith("refused notice:"):
            values["reference"] = self.refused_notice
        return values

    def headers(self, target: str) -> dict[str, str]:
        """What a request sends beside its path and body: a notice's token, a
        Perspective API key (in Google's header; ?key= is tested in tests/perspective)."""
        if target in self.keys:
            return {"HTTP_X_GOOG_API_KEY": self.keys[target]}
        signers = {"signed": CORAL_SECRET, "signed with another secret": "empsec_" + "ab" * 32}
        if target in signers:
            return {"HTTP_X_CORAL_SIGNATURE": coral_signature(CORAL_REQUEST, signers[target])}
        tokens = {
            "notice:token": self.notice[1],
            "notice:wrong token": "falsch",
            "refused notice:secret": NOTICE_SECRET,
        }
        return {"HTTP_X_NOTICE_TOKEN": tokens[target]} if target in tokens else {}

    def body(self, operation: str, target: str, role: str) -> dict[str, Any] | bytes | None:
        """A valid request body of the operation (the exact bytes, where they are
        signed), or None if it takes none."""
        if operation == "POST /api/coral/phase/":
            return CORAL_REQUEST
        if operation == "PUT /api/articles/{slug}/":
            return {"title": f"Neuer Titel ({role})", "section": "Politik"}
        if operation == "PATCH /api/articles/{slug}/":
            return {"section": f"Politik ({role})"}
        if operation == "POST /api/articles/{slug}/comments/":
            parent = self.comments[target].pk if target in self.comments else None
            return {"body": "Ein neuer Beitrag.", "parent": parent}
        if operation == "PATCH /api/comments/{comment_id}/":
            return {"body": "Ein überarbeiteter Beitrag."}
        if operation == "POST /api/comments/{comment_id}/reports/":
            return {"reason": "off_topic", "note": "Passt nicht zum Artikel."}
        if operation == "PATCH /api/me/":
            return {"display_name": f"Neuer Name ({role})"}
        if operation == "DELETE /api/me/":
            return {"password": PASSWORD}
        if operation == "POST /api/auth/register/":
            return {
                "username": f"neu-{role.replace(' ', '-')}",
                "password": "ein-sicheres-Passwort-42",
                "consent": True,
            }
        if operation == "POST /api/auth/token/" and target.startswith("enrolled:"):
            return {"username": self.users["enrolled"].get_username(), "password": PASSWORD} | otp_field(
                self.users["enrolled"], target.removeprefix("enrolled:")
            )
        if operation == "POST /api/auth/token/":
            password = PASSWORD if target == "owner" else "falsches-Passwort"
            return {"username": self.users["owner"].get_username(), "password": password}
        if operation == "POST /api/auth/sso/":
            return {"token": sso_token(target.removeprefix("sso:"), role)}
        if operation == "POST /api/notices/":
            return {
                "comment": self.comments[target].pk,
                "legal_ground": "stgb_185",
                "explanation": "Der Kommentar beschimpft einen anderen Leser.",
                "notifier_name": f"Melder ({role})",
                "notifier_email": "melder@example.org",
                "good_faith": True,
            }
        if operation == "POST /api/moderation/comments/{comment_id}/decision/":
            return {"action": "approve", "revision": 1}
        if operation == "POST /api/moderation/analyze/":
            return {"text": "Ein Text zum Prüfen."}
        if operation in (
            "POST /api/moderation/readers/{username}/",
            "POST /api/moderation/comments/{comment_id}/author/",
        ):
            return {"action": "premoderate", "reason": "Prüfung"}
        if operation.endswith("/appeal/"):
            return {"text": "Bitte noch einmal prüfen."}
        if operation == "POST /v1alpha1/comments:analyze":
            return {"comment": {"text": "Ein Text zum Prüfen."}, "requestedAttributes": {"TOXICITY": {}}}
        if operation == "POST /v1alpha1/comments:suggestscore":
            return {
                "comment": {"text": "Ein Text."},
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
            }
        return None


def sso_token(kind: str, role: str) -> str:
    """A token of the publisher in Coral's shape: good, expired, or signed with a key
    the site does not have."""
    now = int(time.time())
    claims = {
        "jti": f"matrix-{role}-{kind}",
        "iat": now - 7200 if kind == "expired" else now,
        "exp": now - 3600 if kind == "expired" else now + 600,
        "user": {
            "id": f"abo-{role}",
            "email": f"{role.replace(' ', '-')}@zeitung.example",
            "username": "Abonnentin",
        },
    }
    key = "ssosec_" + "0" * 64 if kind == "wrong key" else SsoSecret.objects.get(kid="matrix").secret
    return jwt.encode(claims, key, algorithm="HS256")


def otp_field(user: AbstractBaseUser, code: str) -> dict[str, str]:
    """The otp of a token request: none, a wrong code or the current code."""
    device = user.totpdevice_set.get()
    return {"no code": {}, "wrong code": {"otp": wrong_code(device)}, "code": {"otp": current_code(device)}}[
        code
    ]


@pytest.fixture
def world(article, settings, redis_url: str, active_model) -> World:
    # A broker that answers and an active model: health is 200, whoever asks.
    settings.REDIS_URL = redis_url
    owner = UserFactory(username="verfasserin")
    other = UserFactory(username="leser")
    moderator = UserFactory(username="moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    # Not a caller of the matrix: the account whose token needs its authenticator's code.
    enrolled = UserFactory(username="redakteurin", is_staff=True)
    enrolled.groups.add(moderators_group())
    authenticator_for(enrolled)

    published = CommentFactory(article=article, author=owner, body="Öffentlich.")
    reply_to(published, author=other, body="Antwort, öffentlich.")
    reply_to(published, author=owner, status="held", body=f"{SECRET} Antwort, zurückgehalten")
    comments = {"published": published}
    for status in ("pending", "held", "rejected", "removed"):
        comments[status] = CommentFactory(
            article=article, author=owner, status=status, body=f"{SECRET} {status}"
        )
    comments["placeholder"] = CommentFactory(
        article=article, author=owner, status="removed", body=f"{SECRET} unter Antworten"
    )
    reply_to(comments["placeholder"], author=other, body="Antwort unter dem Platzhalter.")
    # The decision rejecting the owner's comment, and a notice that led to no action.
    decision = StatementOfReasons.objects.create(
        restriction="rejected",
        comment=comments["rejected"],
        comment_revision=1,
        reader=owner,
        ground="terms",
        terms_ground="spam",
        automated_detection=False,
        automated_decision="not_automated",
        content_date=comments["rejected"].created_at,
    )
    refused = Notice.objects.create(
        token_hash=hashlib.sha256(NOTICE_SECRET.encode()).hexdigest(),
        comment=published,
        comment_revision=1,
        legal_ground="stgb_185",
        explanation="Eine Beleidigung.",
        notifier_email="melder@example.org",
        good_faith=True,
        status="refused",
        decided_by=admin,
        decided_at=timezone.now(),
    )
    # Likes to take back, so that an unlike has something to remove.
    for user in (other, moderator, admin):
        assert client_for(user).post(f"/api/comments/{published.pk}/reactions/").status_code == 200
    notice, token = notice_create(
        comment_id=published.pk,
        legal_ground="stgb_185",
        explanation="Eine Beleidigung eines anderen Lesers.",
        notifier_name="Erika",
        notifier_email="erika@example.org",
        good_faith=True,
        notifier=AnonymousUser(),
    )
    secret_create(name="Coral", secret=CORAL_SECRET)
    sso_secret_create(kid="matrix")
    switched_off, switched_off_key = key_create(name="Abgeschaltet")
    switched_off.is_active = False
    switched_off.save()
    keys = {
        "key": key_create(name="Coral")[1],
        "switched-off key": switched_off_key,
        "suggesting key": key_create(name="Coral mit Rückmeldung", allow_suggestions=True)[1],
    }
    return World(
        keys=keys,
        notice=(str(notice.reference), token),
        slug=article.slug,
        users={
            "owner": owner,
            "other reader": other,
            "moderator": moderator,
            "admin": admin,
            "enrolled": enrolled,
        },
        comments=comments,
        decision=str(decision.puid),
        refused_notice=str(refused.reference),
    )


def client_for(user: AbstractBaseUser | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def send(
    client: APIClient,
    operation: str,
    values: dict[str, Any],
    body: dict[str, Any] | bytes | None,
    headers: dict[str, str] | None = None,
):
    method, template = operation.split(" ")
    url = template.format_map(values)
    if body is None:
        return client.generic(method, url, **(headers or {}))
    if isinstance(body, bytes):
        return client.generic(method, url, body, content_type="application/json", **(headers or {}))
    return getattr(client, method.lower())(url, body, format="json", **(headers or {}))


def comment_rows() -> list[tuple]:
    return list(
        Comment.objects.order_by("pk").values_list("pk", "status", "body", "like_count", "report_count")
    )


def cells() -> list[Any]:
    return [
        pytest.param(operation, target, role, expected, id=f"{operation} [{target}] as {role}")
        for operation, target, codes in MATRIX
        for role, expected in zip(ROLES, codes, strict=True)
    ]


@pytest.mark.parametrize(("operation", "target", "role", "expected"), cells())
def test_cell(world: World, operation: str, target: str, role: str, expected: int) -> None:
    client = client_for(world.users.get(role))
    values = world.path_values(target)
    body = world.body(operation, target, role)
    before = comment_rows()

    response = send(client, operation, values, body, world.headers(target))

    assert response.status_code == expected, response.content
    text = response.content.decode()
    sees_hidden = (role == "owner" and operation in OWNER_SEES_OWN_HIDDEN_TEXT) or (
        role in ("moderator", "admin") and operation in STAFF_SEE_HIDDEN_TEXT
    )
    if not sees_hidden:
        assert SECRET not in text
    if response.status_code >= 400:
        assert comment_rows() == before, "a refused request changed nothing"
    if operation.startswith("POST /v1alpha1/") and response.status_code >= 400:
        assert response.json()["error"]["code"] == response.status_code  # Google's envelope
    if target in HIDDEN and response.status_code in (400, 404):
        # Exactly the answer for a comment that never existed.
        missing = {**values, "comment_id": 10**9}
        if body and "parent" in body:
            body = {**body, "parent": 10**9}
        if body and "comment" in body:
            body = {**body, "comment": 10**9}
        assert response.json() == send(client, operation, missing, body).json()


def moderation_cells() -> list[Any]:
    return [
        pytest.param(operation, target, role, expected, id=f"{operation} [{target}] as {role}")
        for operation, target, codes in MATRIX
        if operation.split(" ")[1].startswith("/api/moderation/")
        for role, expected in zip(ROLES, codes, strict=True)
        if role in STAFF_ROLES
    ]


@pytest.mark.parametrize(("operation", "target", "role", "expected"), moderation_cells())
def test_staff_token_got_with_the_password_alone_opens_no_moderation_endpoint(
    world: World, operation: str, target: str, role: str, expected: int
) -> None:
    client = client_for(world.users[role])  # got before the account had an authenticator
    authenticator_for(world.users[role])
    before = comment_rows()

    response = send(client, operation, world.path_values(target), world.body(operation, target, role))

    assert (response.status_code, response.json()["code"]) == (403, "second_factor_needed")
    assert comment_rows() == before


@pytest.mark.parametrize(("operation", "target", "role", "expected"), moderation_cells())
def test_staff_token_got_with_the_code_works_as_the_matrix_says(
    world: World, operation: str, target: str, role: str, expected: int
) -> None:
    user = world.users[role]
    device = authenticator_for(user)
    login = {"username": user.get_username(), "password": PASSWORD, "otp": current_code(device)}
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {client.post('/api/auth/token/', login, format='json').json()['token']}"
    )

    response = send(client, operation, world.path_values(target), world.body(operation, target, role))

    assert response.status_code == expected, response.content


def api_operations() -> set[str]:
    """Every method and path under /api/ (and Perspective's /v1alpha1/) that the URL
    resolver routes to a view."""
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(("api/", "v1alpha1/")):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                view = getattr(pattern.callback, "view_class", None)
                methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
                # A plain function view answers any method: it needs rows all the same.
                found.update(f"{method.upper()} {path}" for method in methods or ["any"])

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_endpoint_has_rows_in_the_matrix() -> None:
    assert {operation for operation, _, _ in MATRIX} == api_operations()


def test_every_comment_endpoint_is_tried_on_every_kind_of_comment() -> None:
    targets: dict[str, set[str]] = {}
    for operation, target, _ in MATRIX:
        targets.setdefault(operation, set()).add(target)
    for operation, tried in targets.items():
        if "{comment_id}" in operation:
            assert tried == {"published", *HIDDEN}, operation


@pytest.mark.parametrize("role", ["owner", "other reader", "moderator", "admin"])
def test_the_export_holds_the_callers_own_data_only(world: World, role: str) -> None:
    user = world.users[role]

    export = client_for(user).get("/api/me/export/").json()

    assert export["account"]["username"] == user.get_username()
    assert {comment["id"] for comment in export["comments"]} == set(
        Comment.objects.filter(author=user).values_list("pk", flat=True)
    )
    # Everyone but the owner liked the owner's published comment (the world's likes).
    liked = [] if role == "owner" else [world.comments["published"].pk]
    assert [reaction["comment"] for reaction in export["reactions"]] == liked


@pytest.mark.parametrize("role", ROLES)
def test_counts_count_published_comments_only(world: World, role: str) -> None:
    client = client_for(world.users.get(role))
    published, placeholder = world.comments["published"], world.comments["placeholder"]
    # Published: the comment, its reply and the reply under the placeholder.
    [listed] = client.get("/api/articles/").json()["results"]
    assert listed["comment_count"] == 3
    assert client.get(f"/api/articles/{world.slug}/").json()["comment_count"] == 3

    thread = client.get(f"/api/articles/{world.slug}/comments/").json()
    assert thread["comment_count"] == 3
    assert [node["id"] for node in thread["results"]] == [published.pk, placeholder.pk]
    shown, hole = thread["results"]
    assert shown["reply_count"] == 1 and len(shown["replies"]) == 1
    assert hole["removed"] and hole["author"] is None and hole["body"] is None
    assert hole["reply_count"] == 1

    replies = client.get(f"/api/comments/{published.pk}/replies/").json()
    assert replies["reply_count"] == 1 and len(replies["results"]) == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # Everything but what was deleted; held shows as pending.
        ("owner", ["pending", "pending", "pending", "published", "rejected"]),
        ("other reader", ["published", "published"]),
        ("moderator", []),
        ("admin", []),
    ],
)
def test_own_list_holds_own_comments_only(world: World, role: str, expected: list[str]) -> None:
    listed = client_for(world.users[role]).get("/api/me/comments/").json()["results"]
    assert sorted(comment["status"] for comment in listed) == expected
    assert {comment["author"] for comment in listed} <= {world.users[role].get_username()}
