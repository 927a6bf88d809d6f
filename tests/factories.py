import json
from dataclasses import dataclass
from datetime import timedelta

import factory
import numpy as np
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import F
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import SsoIdentity
from accounts.services import display_name_set
from accounts.sso import sso_secret_create
from articles.models import Article
from discussion.models import Comment, Report
from discussion.services import report_create
from moderation.classifier.evaluate import (
    DEFAULT_SITE_PREVALENCE,
    automatic_share_by_prevalence,
    binary_metrics,
    flag_rates,
    recommend_thresholds,
    tradeoff,
)
from moderation.coral.signatures import secret_create
from moderation.decisions import comment_decide, reader_moderate
from moderation.dsa.appeals import appeal_by_author
from moderation.dsa.notices import notice_create
from moderation.models import (
    ArticlePolicy,
    AuditEntry,
    CoralDecision,
    MisuseStep,
    ModelVersion,
    ScoringState,
    SettingsAuditEntry,
    StatementOfReasons,
    SuggestedScore,
    Term,
    WebhookDelivery,
    WebhookEndpoint,
)
from moderation.permissions import moderators_group
from moderation.perspective.keys import key_create
from moderation.services import comment_hold_for_human


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"reader{n}")
    password = factory.django.Password("a-long-test-password")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Artikel Nummer {n}")
    slug = factory.Sequence(lambda n: f"artikel-nummer-{n}")
    teaser = "Ein kurzer Vorspann."
    body = [{"type": "paragraph", "text": "Ein Absatz."}]


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Kommentar {n}")
    status = Comment.Status.PUBLISHED

    @factory.post_generation
    def count_if_published(comment: Comment, create: bool, extracted: object, **kwargs: object) -> None:
        # As comment_change_status does, so that the article's count is consistent.
        if create and comment.status == Comment.Status.PUBLISHED:
            Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") + 1)


def authenticator_for(user: AbstractBaseUser) -> TOTPDevice:
    """A confirmed authenticator app (TOTP device), as enrolment leaves it."""
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    return str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(device.digits)


def wrong_code(device: TOTPDevice) -> str:
    """A code the device refuses: none of those it accepts around now (drift of a step)."""
    accepted = {
        str(totp(device.bin_key, device.step, device.t0, device.digits, drift)).zfill(device.digits)
        for drift in range(-device.tolerance, device.tolerance + 1)
    }
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def reply_to(parent: Comment, **fields: object) -> Comment:
    """A reply in parent's thread, with article, root and depth as comment_create sets them."""
    return CommentFactory(
        article=parent.article,
        parent=parent,
        root_id=parent.root_id or parent.pk,
        depth=parent.depth + 1,
        **fields,
    )


def model_with_site_mix_measures() -> ModelVersion:
    """A model whose evaluation flags 80 % of offensive and 5 % of acceptable texts
    at 0.5, with thresholds recommended for each mix from 1 % to 50 %."""
    by_mix = [
        {
            "prevalence": percent / 100,
            "publish_below": round(0.5 - percent / 100, 2),
            "reject_above": 1.0 if percent < 20 else 0.99,
            "automatic_share": round(0.95 - percent / 100, 2),
            "offensive_among_published": 0.02,
        }
        for percent in range(1, 51)
    ]
    return ModelVersion.objects.create(
        version="mix-model",
        file_name="mix.npz",
        sha256="0" * 64,
        is_active=True,
        metrics={
            "thresholds": {"publish_below": 0.03, "reject_above": 0.94, "automatic_share": 0.13},
            "site_mix": {"cut": 0.5, "tpr": 0.8, "fpr": 0.05},
            "automatic_by_prevalence": by_mix,
        },
    )


def scored_by_model(model: ModelVersion, scores: list[float]) -> None:
    comments = CommentFactory.create_batch(10, status=Comment.Status.PUBLISHED)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            comment=comments[number % 10],
            comment_revision=1,
            actor="model",
            from_status="pending",
            to_status="published",
            reason="score",
            score=score,
            model_version=model,
        )
        for number, score in enumerate(scores)
    )


def client_for(user: User) -> APIClient:
    """An API client signed in as user (authentication itself is tested elsewhere)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


@dataclass(frozen=True)
class Newsroom:
    administrator: User
    moderator: User
    article: Article
    model: ModelVersion


def model_measured(version: str) -> ModelVersion:
    """An active model version with the measures training records for it
    (moderation.modelops.registry), taken on made-up out-of-fold scores of 400 texts
    of which a fifth are offensive."""
    rng = np.random.default_rng(7)
    labels = np.array([1] * 80 + [0] * 320)
    scores = np.where(labels == 1, rng.beta(5, 2, 400), rng.beta(1.5, 6, 400))
    metrics = {
        "cross_validated": binary_metrics(labels, scores),
        "thresholds": {
            "dataset": "germeval2018.training",
            **recommend_thresholds(labels, scores, prevalence=DEFAULT_SITE_PREVALENCE),
        },
        "tradeoff": tradeoff(labels, scores, prevalence=DEFAULT_SITE_PREVALENCE),
        "automatic_by_prevalence": automatic_share_by_prevalence(labels, scores),
        "site_mix": flag_rates(labels, scores),
    }
    return ModelVersion.objects.create(
        version=version,
        file_name=f"{version}.npz",
        sha256="5" * 64,
        size_bytes=3_481_552,
        training_data={"datasets": ["germeval2018.training", "coldstart"], "texts": 5_409},
        metrics=json.loads(json.dumps(metrics, default=float)),
        is_active=True,
        activated_at=timezone.now(),
    )


LONG_URL = "https://www.example.org/politik/deutschland/2026/12/haushaltsstreit-im-bundestag-die-wichtigsten-fragen-und-antworten-zum-nachtragshaushalt"


def newsroom() -> Newsroom:
    """A small newsroom's data, a row in every table the admin shows, made as far as
    possible through the services that make them in production: an article with a
    thread and its own policy, comments held with the model's explanation, reported,
    rejected with a statement of reasons and appealed, one stuck in scoring, a notice
    of illegal content, readers suspended, banned and pre-moderated, a misuse warning,
    the active model version with its measures, keys and secrets of the integrations,
    webhook deliveries and failed logins. Long words and addresses included, as
    readers write them."""
    administrator = UserFactory(username="chefredaktion", is_staff=True, is_superuser=True)
    moderator = UserFactory(username="moderatorin", is_staff=True, email="moderation@example.org")
    moderator.groups.add(moderators_group())
    authenticator_for(moderator)
    readers = [
        UserFactory(username=name, email=f"{name}@example.org")
        for name in ("annegret", "bernhard_k", "ceylan", "dietmar1958", "eleonore")
    ]
    for reader, display_name in zip(
        readers, ("Annegret S.", "Bernhard K.", "Ceylan", "Dietmar", "Eleonore W."), strict=True
    ):
        display_name_set(user=reader, display_name=display_name)
    Token.objects.create(user=readers[0])

    article = ArticleFactory(
        title="Haushaltsstreit im Bundestag: Die wichtigsten Fragen und Antworten zum Nachtragshaushalt",
        slug="haushaltsstreit-im-bundestag-fragen-und-antworten",
        teaser="Der Bundestag ringt um den Nachtragshaushalt. Was auf dem Spiel steht.",
        source_file="seeds/haushaltsstreit.txt",
    )
    ArticlePolicy.objects.create(article=article, publish_below=0.3, reject_above=0.95, report_threshold=2)
    model = model_measured("germeval-2026-12-01-5f3a9c1")
    scored_by_model(model, [0.9] * 15 + [0.1] * 85)

    root = CommentFactory(
        article=article,
        author=readers[0],
        body="Die Schuldenbremse ist kein Naturgesetz. Wer investieren will, muss das auch sagen. "
        f"Hier die Zahlen: {LONG_URL}",
    )
    reply_to(root, author=readers[1], body="Sehe ich anders, aber gut begründet.")

    def held(author: User, body: str, score: float) -> Comment:
        comment = CommentFactory(
            article=article, author=author, body=body, status=Comment.Status.HELD, score=score
        )
        AuditEntry.objects.create(
            comment=comment,
            comment_revision=1,
            actor=AuditEntry.Actor.MODEL,
            model_version=model,
            from_status="pending",
            to_status="held",
            reason="grey zone",
            score=score,
            details={
                "explanation": [
                    {"feature": "vollpfosten", "kind": "word", "weight": 2.1},
                    {"feature": "lügenpresse", "kind": "word", "weight": 1.4},
                ],
                "rules": [f"score {score:.2f} between 0.30 and 0.95"],
                "word_hits": [],
            },
        )
        return comment

    held(
        readers[2],
        "Du Vollpfosten, lies doch erst mal den Artikel, bevor du hier so einen Unsinn verbreitest. "
        "Typisch Lügenpresse-Gelaber, die Haushaltskonsolidierungsverpflichtungen versteht ohnehin niemand.",
        0.78,
    )
    held(readers[3], f"Lügenpresse! Die Wahrheit steht hier: {LONG_URL}?quelle=forum&seite=2", 0.55)
    to_reject = held(readers[3], "Solche Leute wie du gehören weggesperrt, du Vollpfosten.", 0.91)
    comment_decide(
        comment_id=to_reject.pk,
        moderator=moderator,
        action="reject",
        reason="insult",
        note="Beleidigung eines anderen Lesers",
        legal_ground="stgb_185",
        explanation="Der Kommentar beleidigt einen anderen Leser (§ 185 StGB).",
    )
    statement = StatementOfReasons.objects.get(comment=to_reject)
    appeal_by_author(
        statement_puid=statement.puid,
        user=readers[3],
        text="Das war Satire und keine Beleidigung. Bitte prüfen Sie die Entscheidung noch einmal.",
        language="de",
    )

    reported = CommentFactory(
        article=article,
        author=readers[4],
        body="Die Abgeordneten sollten sich schämen, das ist Volksverrat am Steuerzahler!",
        status=Comment.Status.PUBLISHED,
        score=0.41,
    )
    for reporter, reason in (
        (readers[0], Report.Reason.OFFENSIVE),
        (readers[1], Report.Reason.MISINFORMATION),
    ):
        report_create(comment_id=reported.pk, reporter=reporter, reason=reason, note="Bitte prüfen.")
    Comment.objects.filter(pk=reported.pk).update(status=Comment.Status.PENDING)
    comment_hold_for_human(comment_id=reported.pk, reason="reports")

    stuck = CommentFactory(
        article=article,
        author=readers[1],
        body="Warum dauert die Freigabe meines Kommentars so lange?",
        status=Comment.Status.PENDING,
        status_changed_at=timezone.now() - timedelta(minutes=12),
    )
    ScoringState.objects.create(
        comment=stuck,
        revision=1,
        attempts=3,
        last_error="ConnectionError: Error 111 connecting to redis:6379.",
    )

    notice_create(
        comment_id=root.pk,
        legal_ground="stgb_186",
        explanation="Der Kommentar behauptet über meinen Mandanten Tatsachen, die nachweislich unwahr sind "
        "und ihn verächtlich machen. Die Belege liegen der Redaktion vor.",
        good_faith=True,
        notifier=AnonymousUser(),
        notifier_name="Kanzlei Dr. Hoffmann-Wiesenthal & Partner",
        notifier_email="kanzlei@example.org",
        language="de",
    )
    reader_moderate(
        reader=readers[3],
        moderator=moderator,
        action="suspend",
        reason="Wiederholte Beleidigungen",
        until=timezone.now() + timedelta(days=14),
    )
    reader_moderate(reader=readers[4], moderator=moderator, action="premoderate", reason="Neues Konto")
    MisuseStep.objects.create(
        subject=MisuseStep.Subject.CONTENT,
        kind=MisuseStep.Kind.WARNING,
        reader=readers[3],
        count=2,
        moderator=moderator,
        reason="Zwei offensichtlich rechtswidrige Kommentare in 30 Tagen",
    )
    SettingsAuditEntry.objects.create(
        subject=SettingsAuditEntry.Subject.SITE_POLICY,
        source=SettingsAuditEntry.Source.ADMIN,
        user=administrator,
        changes={
            "publish_below": {"before": 0.3, "after": 0.35},
            "report_threshold": {"before": 3, "after": 2},
        },
        reason="Empfehlung der Statistik übernommen",
    )
    Term.objects.create(text="vollpfosten", kind=Term.Kind.SUSPECT, note="Häufig ironisch gemeint")
    Term.objects.create(text="volksverräter", kind=Term.Kind.BANNED, note="Hetze")

    key, _ = key_create(name="Leserbriefe der Printausgabe", allow_suggestions=True)
    SuggestedScore.objects.create(
        text="Das ist doch alles gelogen.",
        offensive=False,
        key=key,
        community_id="leserbriefe",
        client_token="lb-17",
    )
    coral = secret_create(name="Coral, Produktion")
    CoralDecision.objects.create(
        action=CoralDecision.Action.NEW,
        tenant_id="3f1c9b2e-7d4a-4c1f-9a8e-2b6d5e0f1a23",
        tenant_domain="kommentare.example.org",
        site_id="8a2d4f6e-1b3c-4d5e-8f9a-0b1c2d3e4f5a",
        story_id="c0ffee00-1234-4abc-9def-001122334455",
        story_url=LONG_URL,
        author_id="5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        author_role="COMMENTER",
        text="Ihr seid doch alle gekauft.",
        model_version=model,
        score=0.88,
        verdict=CoralDecision.Verdict.HELD,
        status=CoralDecision.Status.PREMOD,
        reason="score 0.88 between 0.30 and 0.95",
        secret=coral,
    )
    sso_secret_create(kid="verlag-2026")
    SsoIdentity.objects.create(
        user=readers[2],
        subject="abo-7741902",
        email="ceylan@example.org",
        username="ceylan",
        role="subscriber",
        badges=["Abonnentin"],
    )
    AccessAttempt.objects.create(
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Safari/537.36",
        ip_address="203.0.113.7",
        username="chefredaktion",
        http_accept="text/html,application/xhtml+xml",
        path_info="/admin/login/",
        get_data="next=/admin/",
        post_data="username=chefredaktion",
        failures_since_start=3,
    )
    AccessLog.objects.create(
        user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Safari/605.1",
        ip_address="198.51.100.23",
        username="moderatorin",
        http_accept="text/html",
        path_info="/admin/login/",
    )
    AccessFailureLog.objects.create(
        user_agent="curl/8.5.0",
        ip_address="192.0.2.55",
        username="admin",
        http_accept="*/*",
        path_info="/admin/login/",
        locked_out=False,
    )

    # Last, so that the events above are not sent anywhere.
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/stammtisch/moderation-ereignisse",
        description="Slack-Kanal der Nachtredaktion",
        events=["comment.held", "comment.reported", "notice.received"],
        secret="whsec_" + "a" * 32,
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="comment.held",
        payload={"type": "comment.held", "data": {"comment_id": reported.pk, "url": LONG_URL}},
        state=WebhookDelivery.State.FAILED,
        attempts=8,
        last_status_code=502,
        last_error="502 Bad Gateway: <html><head><title>502 Bad Gateway</title></head>"
        "<body>nginx</body></html>",
    )
    return Newsroom(administrator=administrator, moderator=moderator, article=article, model=model)
