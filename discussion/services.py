"""Writes to the discussion: creating comments, changing their status, accounts."""

import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.authtoken.models import Token

from articles.models import Article
from config.errors import Forbidden, InvalidInput
from discussion.dispatch import comment_request_scoring
from discussion.models import Comment
from discussion.selectors import MAX_ID

_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def comment_clean_body(raw: str) -> str:
    """The body as stored: NFC-normalised, trimmed, 1 to COMMENT_MAX_LENGTH characters,
    no control characters except newline, carriage return and tab."""
    body = unicodedata.normalize("NFC", raw).strip()
    if not body:
        raise InvalidInput("A comment needs some text.", field="body")
    if len(body) > settings.COMMENT_MAX_LENGTH:
        raise InvalidInput(
            f"A comment may have at most {settings.COMMENT_MAX_LENGTH} characters; this one has {len(body)}.",
            field="body",
        )
    if _FORBIDDEN_CONTROL.search(body):
        raise InvalidInput("The text contains control characters.", field="body")
    return body


def _parent_for_reply(*, article: Article, parent_id: int) -> Comment:
    parent = (
        Comment.objects.filter(pk=parent_id, article=article, status=Comment.Status.PUBLISHED).first()
        if 0 < parent_id <= MAX_ID
        else None
    )
    if parent is None:
        raise InvalidInput(
            "The comment replied to does not exist in this article's discussion.", field="parent"
        )
    return parent


def comment_create(
    *, article: Article, author: AbstractBaseUser, body: str, parent_id: int | None = None
) -> Comment:
    """Store a new comment as pending and, once committed, hand it to moderation.

    The parent must be a published comment of the same article.
    """
    if not article.comments_open:
        raise Forbidden("Comments are closed for this article.")
    body = comment_clean_body(body)
    parent = _parent_for_reply(article=article, parent_id=parent_id) if parent_id is not None else None
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article,
            author=author,
            parent=parent,
            root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            body=body,
        )
        comment_request_scoring(comment_id=comment.pk)
    return comment


def comment_change_status(
    *,
    comment_id: int,
    from_statuses: Iterable[str],
    to_status: str,
    revision: int | None = None,
    score: float | None = None,
) -> Comment | None:
    """Move a comment to ``to_status`` if it is still in one of ``from_statuses``
    (and still at ``revision``, when given). Returns the comment as it was before
    the change, or None if nothing changed because someone else got there first.

    The conditional UPDATE is the claim: of two concurrent callers exactly one
    changes the row. Keeps the article's published-comment count in step. Must be
    called inside a transaction, which the caller uses to write the audit entry.
    """
    from_statuses = list(from_statuses)
    claim = Comment.objects.filter(pk=comment_id, status__in=from_statuses)
    if revision is not None:
        claim = claim.filter(revision=revision)
    before = claim.first()
    if before is None:
        return None
    changes: dict[str, object] = {"status": to_status, "status_changed_at": timezone.now()}
    if score is not None:
        changes["score"] = score
    if claim.filter(status=before.status).update(**changes) != 1:
        return None
    published = Comment.Status.PUBLISHED
    if (before.status == published) != (to_status == published):
        delta = 1 if to_status == published else -1
        Article.objects.filter(pk=before.article_id).update(comment_count=F("comment_count") + delta)
    return before


def user_register(*, username: str, password: str, email: str = "") -> tuple[AbstractBaseUser, str]:
    """Create a reader account; returns the user and an API token."""
    user_model = get_user_model()
    user = user_model(username=username, email=email)
    try:
        user_model.username_validator(username)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from None
    if user_model.objects.filter(username__iexact=username).exists():
        raise InvalidInput("This username is taken.", field="username")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            token = Token.objects.create(user=user)
    except IntegrityError:  # registered concurrently under the same name
        raise InvalidInput("This username is taken.", field="username") from None
    return user, token.key
