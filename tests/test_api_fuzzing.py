"""Schemathesis against /api/schema/: every operation with generated input, anonymously
and as a signed-in reader, on a database with a real article and thread. No answer
may be a 500, and every answer must match the schema (status code, body, headers).

Generation is deterministic (a fixed seed) and bounded per operation, so a run
is repeatable and takes well under a minute on two cores. Requests go through the
WSGI application in this process, so the database is the test's own.
"""

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import schemathesis
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.schemas import OpenApiSchema

from accounts.services import publisher_token_issue
from accounts.sso import sso_secret_create
from discussion.models import Comment
from moderation.coral.signatures import secret_create
from moderation.decisions import comment_decide
from moderation.dsa.notices import notice_create
from moderation.models import StatementOfReasons
from moderation.permissions import moderators_group
from moderation.perspective.keys import key_create
from moderation.selectors import QUEUES
from tests.coral.coral import coral_body, coral_signature, request_with
from tests.factories import ArticleFactory, CommentFactory, UserFactory, reply_to

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 50
CONFIG = {
    "seed": 20260601,
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
    # Invalid input is refused: schemathesis's own list of refusals, and 413, for a
    # body beyond REQUEST_MAX_BYTES (an article of more blocks than it may have, say).
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": [
                "400",
                "401",
                "403",
                "404",
                "405",
                "406",
                "409",
                "413",
                "415",
                "422",
                "428",
                "429",
                "5xx",
            ]
        }
    },
}


@pytest.fixture
def wsgi_app(db) -> Iterator[WSGIHandler]:
    """The real WSGI application, called in this process inside the test's transaction.

    Django closes the database connection at the end of every request; inside a
    test transaction that would roll it back, so, as Django's own test client
    does, the connection stays open between requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def healthy(settings, redis_url: str, active_model) -> None:
    """A broker that answers and an active model, so /api/health/ reports 200."""
    settings.REDIS_URL = redis_url


@pytest.fixture
def world(db, healthy) -> dict[str, Any]:
    """An article with a published thread (replies two levels deep), the reader's
    own comments in several states and another reader's hidden ones."""
    reader = UserFactory(username="fuzz-leserin")
    other = UserFactory(username="fuzz-leser")
    article = ArticleFactory(slug="fuzz-artikel")
    ArticleFactory(slug="zweiter-artikel", comment_mode="off")
    top = CommentFactory(article=article, author=other, body="Ein veröffentlichter Kommentar.")
    reply = reply_to(top, author=reader, body="Eine Antwort.")
    reply_to(reply, author=other, body="Eine Antwort auf die Antwort.")
    CommentFactory(article=article, author=reader, body="Mein Kommentar.")
    CommentFactory(article=article, author=reader, status=Comment.Status.PENDING)
    # Rejected by a moderator: a decision with its statement of reasons to appeal.
    decided = CommentFactory(article=article, author=reader, status=Comment.Status.HELD)
    moderator = UserFactory(username="fuzz-moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    comment_decide(
        comment_id=decided.pk, moderator=moderator, action="reject", reason="spam", expected_revision=1
    )
    CommentFactory(article=article, author=other, status=Comment.Status.HELD)
    reply_to(top, author=other, status=Comment.Status.REMOVED)
    notice, notice_token = notice_create(
        comment_id=top.pk,
        legal_ground="stgb_185",
        explanation="Eine Beleidigung eines anderen Lesers.",
        notifier_name="Erika",
        notifier_email="erika@example.org",
        good_faith=True,
        notifier=AnonymousUser(),
    )
    # Deletes their account (DELETE /api/me/), so that the reader stays for the rest.
    leaving = UserFactory(username="fuzz-abschied")
    CommentFactory(article=article, author=leaving, body="Ein Abschied.")
    # A client of the Perspective-compatible API, allowed to suggest, with a rate
    # that the fuzzing's requests do not reach.
    # The publisher's secret, and a token it signed (without jti, so that every
    # example may sign its reader in).
    secret = sso_secret_create(kid="fuzz")
    now = int(time.time())
    sso_claims = {
        "iat": now,
        "exp": now + 3600,
        "user": {"id": "fuzz-abo", "email": "abo@zeitung.example", "username": "Fuzz Abonnent"},
    }
    _, perspective_key = key_create(name="Fuzz-Client", rate_per_minute=100_000, allow_suggestions=True)
    # The signing secret of Coral's moderation phase (CORAL below).
    secret_create(name="Fuzz-Coral", secret=CORAL_SECRET)
    return {
        "perspective_key": perspective_key,
        "sso_token": jwt.encode(sso_claims, secret.secret, algorithm="HS256", headers={"kid": "fuzz"}),
        "notice": (str(notice.reference), notice_token),
        "reader": reader,
        "token": Token.objects.create(user=reader).key,
        "leaving_token": Token.objects.create(user=leaving).key,
        "moderator_token": Token.objects.create(user=moderator).key,
        "publisher_token": publisher_token_issue(username="fuzz-cms"),
        "slugs": ["fuzz-artikel", "zweiter-artikel"],
        "comment_ids": sorted(Comment.objects.values_list("pk", flat=True)),
        "top_id": top.pk,
        "statement_id": str(StatementOfReasons.objects.get(comment=decided).puid),
    }


# A valid body for the operations that take one, for the explicit examples below.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/articles/{slug}/comments/": {"body": "Ein Beitrag zur Diskussion."},
    "PUT /api/articles/{slug}/": {"title": "Ein Artikel", "body": [{"type": "paragraph", "text": "Absatz."}]},
    "PATCH /api/articles/{slug}/": {"comment_mode": "pre", "section": "Politik"},
    "PATCH /api/comments/{comment_id}/": {"body": "Ein verbesserter Beitrag."},
    "POST /api/comments/{comment_id}/reports/": {"reason": "off_topic", "note": "Gehört nicht hierher."},
    "PATCH /api/me/": {"display_name": "Fuzz Leserin"},
    "DELETE /api/me/": {"password": "a-long-test-password"},
    "POST /api/auth/register/": {
        "username": "neue-leserin",
        "password": "ein-sicheres-Passwort-42",
        "consent": True,
    },
    "POST /api/auth/token/": {"username": "fuzz-leserin", "password": "a-long-test-password"},
    "POST /api/moderation/comments/{comment_id}/decision/": {"action": "reject", "reason": "insult"},
    "POST /api/moderation/analyze/": {"text": "Du bist ein Idiot."},
    "POST /api/moderation/readers/{username}/": {"action": "premoderate"},
    "POST /api/me/decisions/{statement_id}/appeal/": {"text": "Bitte noch einmal prüfen."},
    "POST /api/notices/{reference}/appeal/": {"text": "Bitte noch einmal prüfen."},
    "POST /v1alpha1/comments:analyze": {
        "comment": {"text": "Du bist ein Idiot. 😀 Oder nicht?"},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.1}, "INSULT": {}, "PROFANITY": {}},
        "languages": ["de"],
        "spanAnnotations": True,
        "doNotStore": True,
        "clientToken": "comment:1",
    },
    "POST /v1alpha1/comments:suggestscore": {
        "comment": {"text": "Du bist ein Idiot."},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "communityId": "Coral:https://fuzz.example",
        "clientToken": "comment:1",
    },
}
# Coral's moderation phase: its requests are signed over their exact bytes, so the
# bodies of positive cases are sent pretty-printed, as Coral sends them, and signed
# (by the hook below) unless the case brings a signature header of its own.
CORAL = "POST /api/coral/phase/"
CORAL_SECRET = "empsec_" + "5eed" * 16
CORAL_EXAMPLES = [
    request_with("Danke für den Bericht."),
    request_with("<p>Du bist ein <b>Idiot</b>.</p>", action="EDIT", reply=True),
    request_with("Ein Kommentar der Redaktion.", role="STAFF"),
]


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    if case.operation.label != CORAL or isinstance(case.body, bytes):
        return
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return  # left unsigned: refused before its body is read
    if any(name.lower() == "x-coral-signature" for name in case.headers or {}):
        return
    try:
        body = coral_body(case.body)
    except (TypeError, ValueError):
        return  # not JSON: sent as generated, unsigned
    # The bytes replace schemathesis's own serialisation of the same body.
    kwargs["data"] = body
    case.headers = {**(case.headers or {}), "X-Coral-Signature": coral_signature(body, CORAL_SECRET)}


# The operations that take a Perspective API key as ?key=.
PERSPECTIVE = {"POST /v1alpha1/comments:analyze", "POST /v1alpha1/comments:suggestscore"}


def _real_objects(schema: OpenApiSchema, world: dict[str, Any]) -> None:
    """Aim at real articles and comments: every operation is first tried with each
    real slug or comment id (and a valid body), then generated path parameters
    name real ones half of the time, so that requests get past their 404 and into
    the logic behind it; the other half stay random."""

    def real_parameters(path: str) -> list[dict[str, Any]]:
        if "{slug}" in path:
            return [{"slug": slug} for slug in world["slugs"]]
        if "{comment_id}" in path:
            return [{"comment_id": comment_id} for comment_id in world["comment_ids"]]
        if "{queue}" in path:
            return [{"queue": queue} for queue in QUEUES]
        if "{username}" in path:
            return [{"username": world["reader"].username}]
        if "{reference}" in path:
            return [{"reference": world["notice"][0]}]
        if "{statement_id}" in path:
            return [{"statement_id": world["statement_id"]}]
        return [{}]

    @schema.hook
    def before_add_examples(context: schemathesis.HookContext, examples: list[schemathesis.Case]) -> None:
        operation = context.operation
        assert operation is not None
        body = VALID_BODIES.get(operation.label)
        query = {"key": world["perspective_key"]} if operation.label in PERSPECTIVE else None
        for parameters in real_parameters(operation.path):
            if body is None:
                examples.append(operation.Case(path_parameters=parameters))
            else:
                examples.append(
                    operation.Case(
                        path_parameters=parameters, query=query, body=body, media_type="application/json"
                    )
                )
        if operation.label == CORAL:
            for example in CORAL_EXAMPLES:
                examples.append(operation.Case(body=example, media_type="application/json"))
        if operation.label == "POST /api/notices/":
            notice = {
                "comment": world["top_id"],
                "legal_ground": "stgb_130",
                "explanation": "Der Kommentar hetzt gegen eine Gruppe von Menschen.",
                "notifier_name": "Max",
                "notifier_email": "max@example.org",
                "good_faith": True,
            }
            examples.append(operation.Case(body=notice, media_type="application/json"))
        if operation.label == "POST /api/auth/sso/":
            examples.append(operation.Case(body={"token": world["sso_token"]}, media_type="application/json"))
        if operation.label == "GET /api/notices/{reference}/":
            reference, token = world["notice"]
            examples.append(
                operation.Case(path_parameters={"reference": reference}, headers={"X-Notice-Token": token})
            )
        if operation.label == "POST /api/articles/{slug}/comments/":
            reply = {"body": "Eine Antwort.", "parent": world["top_id"]}
            examples.append(
                operation.Case(
                    path_parameters={"slug": world["slugs"][0]}, body=reply, media_type="application/json"
                )
            )

    @schema.hook
    def before_generate_query(
        context: schemathesis.HookContext, strategy: st.SearchStrategy
    ) -> st.SearchStrategy:
        # The Perspective endpoints: the real key half of the time, so that generated
        # bodies get past the key check; a generated (unknown) key the other half.
        if context.operation is None or context.operation.label not in PERSPECTIVE:
            return strategy
        return st.one_of(st.just({"key": world["perspective_key"]}), strategy)

    @schema.hook
    def before_generate_path_parameters(
        context: schemathesis.HookContext, strategy: st.SearchStrategy
    ) -> st.SearchStrategy:
        path = context.operation.path if context.operation else ""
        real = real_parameters(path)
        if real == [{}]:
            return strategy
        return st.one_of(st.sampled_from(real), strategy)


@pytest.fixture
def api_schema(wsgi_app: WSGIHandler, world: dict[str, Any]) -> OpenApiSchema:
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, config=schemathesis.Config.from_dict(CONFIG)
    )
    _real_objects(schema, world)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


# Every check but one: a schema cannot say that a parent must exist, that a password
# must not be common or that a body must hold more than spaces, so a schema-valid
# request may well be a 400. Everything else is checked: no 5xx, status codes,
# content types, headers and bodies as declared, invalid input refused, auth honoured.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@schema.parametrize()
def test_api_anonymously(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.parametrize()
def test_api_as_a_reader(case: schemathesis.Case, world: dict[str, Any]) -> None:
    # Every operation shares the world: deleting the account is another reader's.
    token = world["leaving_token"] if case.operation.label == "DELETE /api/me/" else world["token"]
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)


@schema.parametrize()
def test_api_as_a_moderator(case: schemathesis.Case, world: dict[str, Any]) -> None:
    headers = {"Authorization": f"Token {world['moderator_token']}"}
    case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)


@schema.include(path="/api/articles/{slug}/").parametrize()
def test_the_article_api_as_the_newsrooms_system(case: schemathesis.Case, world: dict[str, Any]) -> None:
    headers = {"Authorization": f"Token {world['publisher_token']}"}
    case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
