"""Reads of the discussion. Who may see which comment is decided here and only here."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.models import Article
from config.errors import NotFound
from discussion.models import Comment

# Largest id a database integer column holds; larger ids from a client cannot exist.
MAX_ID = 2**63 - 1

Status = Comment.Status


def comments_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Comment]:
    """Published comments for everyone; an author also sees their own comments
    that are still waiting or were rejected. Removed comments are seen by nobody."""
    visible = Q(status=Status.PUBLISHED)
    if user.is_authenticated:
        visible |= Q(author=user) & ~Q(status=Status.REMOVED)
    return Comment.objects.filter(visible)


def status_shown(status: str) -> str:
    # A held comment waits for a human; its author sees it as still pending.
    return Status.PENDING if status == Status.HELD else status


def comment_get(*, comment_id: int, user: AbstractBaseUser | AnonymousUser) -> Comment:
    comment = (
        comments_visible_to(user=user).select_related("author", "article").filter(pk=comment_id).first()
        if 0 < comment_id <= MAX_ID
        else None
    )
    if comment is None:
        raise NotFound("No such comment.")
    return comment


_THREAD_FIELDS = ("id", "parent_id", "root_id", "depth", "body", "created_at", "author__username")


def thread_for_article(*, article: Article) -> list[dict[str, Any]]:
    """The article's published comments as a tree, oldest first: top-level comments
    with their replies nested under ``replies``. One query, rows built from values()."""
    rows = list(
        Comment.objects.filter(article=article, status=Status.PUBLISHED)
        .order_by("created_at", "id")
        .values(*_THREAD_FIELDS)
    )
    by_id: dict[int, dict[str, Any]] = {}
    top_level: list[dict[str, Any]] = []
    for row in rows:
        node = {
            "id": row["id"],
            "parent": row["parent_id"],
            "depth": row["depth"],
            "author": row["author__username"],
            "body": row["body"],
            "created_at": timezone.localtime(row["created_at"]).isoformat(),
            "replies": [],
        }
        by_id[row["id"]] = node
        parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
        if parent is not None:
            parent["replies"].append(node)
        elif row["parent_id"] is None:
            top_level.append(node)
    return top_level
