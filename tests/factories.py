import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.db.models import F
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from articles.models import Article
from discussion.models import Comment
from moderation.models import AuditEntry, ModelVersion


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
