import pytest

from discussion.models import Comment
from discussion.services import comment_create, comment_edit
from moderation.modelops.registry import NoActiveModel
from moderation.models import ArticlePolicy, AuditEntry, ModelVersion
from moderation.policy.policy import Thresholds, decide
from moderation.services import comment_moderate
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

POLITE = "Danke für den ausführlichen Bericht, das war sehr informativ."
INSULT = "Du bist ein dummer Idiot, halt endlich die Fresse."


def new_comment(article, author, body: str) -> Comment:
    return comment_create(article=article, author=author, body=body)


def test_polite_comment_is_published_and_counted(active_model, article, reader) -> None:
    comment = new_comment(article, reader, POLITE)
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert article.comment_count == 1
    assert entry is not None
    assert (entry.from_status, entry.to_status, entry.actor) == ("pending", "published", "model")
    assert entry.model_version == active_model
    assert entry.score == pytest.approx(comment.score)
    assert entry.score < 0.35


def test_insult_is_not_published_and_explained(active_model, article, reader) -> None:
    comment = new_comment(article, reader, INSULT)
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status in {Comment.Status.HELD, Comment.Status.REJECTED}
    assert entry is not None and entry.score > 0.5
    features = [item["feature"] for item in entry.details["explanation"]]
    assert any(word in features for word in ("idiot", "fresse", "dummer"))
    article.refresh_from_db()
    assert article.comment_count == 0


def test_scoring_twice_makes_one_decision(active_model, article, reader) -> None:
    comment = new_comment(article, reader, POLITE)
    assert comment_moderate(comment_id=comment.pk) is not None
    assert comment_moderate(comment_id=comment.pk) is None
    assert AuditEntry.objects.filter(comment=comment).count() == 1
    article.refresh_from_db()
    assert article.comment_count == 1


def test_a_decided_comment_is_left_alone(active_model, article) -> None:
    comment = CommentFactory(article=article, body=INSULT, status=Comment.Status.PUBLISHED)
    assert comment_moderate(comment_id=comment.pk) is None
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert not AuditEntry.objects.exists()


def held_then_edited(article, author, body: str) -> Comment:
    comment = CommentFactory(article=article, author=author, status=Comment.Status.HELD, score=0.6)
    return comment_edit(comment_id=comment.pk, user=author, body=body)


def test_a_held_comment_scored_after_an_edit_stays_held_with_the_new_score(
    active_model, article, reader
) -> None:
    comment = held_then_edited(article, reader, POLITE)
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert entry is not None
    assert (comment.status, comment.revision, comment.score) == (Comment.Status.HELD, 2, entry.score)


def test_a_held_comment_scored_after_an_edit_is_not_rejected_by_the_model(
    active_model, article, reader
) -> None:
    ArticlePolicy.objects.create(article=article, publish_below=0.1, reject_above=0.5)
    comment = held_then_edited(article, reader, INSULT)
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None
    assert (entry.from_status, entry.to_status, entry.reason.split(":")[0]) == (
        "held",
        "held",
        "held for a moderator; the model alone would have rejected it",
    )


def test_scoring_an_edited_held_comment_twice_makes_one_entry(active_model, article, reader) -> None:
    comment = held_then_edited(article, reader, POLITE)
    assert comment_moderate(comment_id=comment.pk) is not None
    assert comment_moderate(comment_id=comment.pk) is None
    assert AuditEntry.objects.filter(comment=comment, actor="model").count() == 1


def test_unknown_comment_is_a_no_op(active_model) -> None:
    assert comment_moderate(comment_id=987654) is None


def test_without_a_model_the_comment_stays_pending(article, reader) -> None:
    comment = new_comment(article, reader, POLITE)
    with pytest.raises(NoActiveModel):
        comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_a_missing_model_file_leaves_the_comment_pending(active_model, article, reader) -> None:
    ModelVersion.objects.filter(pk=active_model.pk).update(file_name="verschwunden.skops")
    comment = new_comment(article, reader, POLITE)
    with pytest.raises(NoActiveModel, match="does not exist"):
        comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_audit_entries_cannot_be_changed(active_model, article, reader) -> None:
    entry = comment_moderate(comment_id=new_comment(article, reader, POLITE).pk)
    assert entry is not None
    entry.reason = "geändert"
    with pytest.raises(ValueError, match="immutable"):
        entry.save()
    with pytest.raises(ValueError, match="immutable"):
        entry.delete()


@pytest.mark.parametrize(
    ("score", "status"),
    [
        (0.0, "published"),
        (0.2999, "published"),
        (0.3, "held"),
        (0.8999, "held"),
        (0.9, "rejected"),
        (1.0, "rejected"),
    ],
)
def test_policy_thresholds(score: float, status: str) -> None:
    assert decide(score, Thresholds(publish_below=0.3, reject_above=0.9)).status == status


def test_a_pre_moderated_article_holds_what_would_be_published(active_model, reader) -> None:
    from tests.factories import ArticleFactory

    article = ArticleFactory(comment_mode="pre")
    comment = new_comment(article, reader, POLITE)
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert entry is not None and (entry.to_status, entry.reason) == ("held", "pre-moderated article")
    article.refresh_from_db()
    assert article.comment_count == 0


def test_the_site_default_mode_can_be_pre_moderation(active_model, article, reader, settings) -> None:
    settings.COMMENT_MODE = "pre"
    comment = new_comment(article, reader, POLITE)
    entry = comment_moderate(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert entry is not None and entry.details["rules"] == ["pre-moderated article"]


def test_pre_moderation_does_not_soften_a_rejection(active_model, reader) -> None:
    from tests.factories import ArticleFactory

    comment = new_comment(ArticleFactory(comment_mode="pre"), reader, INSULT)
    entry = comment_moderate(comment_id=comment.pk)
    assert entry is not None and entry.to_status == "rejected"
